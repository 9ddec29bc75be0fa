//! Reaction signals (issue 15, part 2): side effects, at the session and at
//! follow-up, counted per lot over a window of sessions, and the lots the
//! rule of `domain::reactions` flags. The usage report groups the same
//! sessions by protocol and needle length (`services::usage`); the lot page,
//! the alerts and the digest show the flag over the last
//! [`WINDOW_DAYS`] days at the site (every site for users who see them all).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Duration, NaiveDateTime};

use crate::db::models::Site;
use crate::db::reactions::{LotName, SessionFacts, SessionLot, Window};
use crate::db::{self, DbConn};
use crate::domain::access::{Action, Actor};
use crate::domain::reactions::{EffectCounts, SessionEffects, Tally, signals};
use crate::domain::vocab::SideEffect;
use crate::error::ServiceResult;

/// How far back the lot page, the alerts and the digest look: the usage
/// report's default window.
pub const WINDOW_DAYS: i64 = 90;

/// The sessions of a window with their effects, and the lots they used.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    pub sessions: Vec<(SessionFacts, SessionEffects)>,
    pub lots: Vec<SessionLot>,
}

/// Unknown codes in stored text are skipped (the services refuse them on
/// the way in).
/// Reads the window's sessions, their follow-ups and lots.
pub fn collect(conn: &mut DbConn, w: &Window) -> diesel::QueryResult<Collected> {
    let sessions = db::reactions::sessions(conn, w)?;
    let mut later: HashMap<i64, Vec<SideEffect>> = HashMap::new();
    for (session, effects) in db::reactions::follow_up_effects(conn, w)? {
        let seen = later.entry(session).or_default();
        for &e in effects.iter() {
            if !seen.contains(&e) {
                seen.push(e);
            }
        }
    }
    // The ledger side holds voided sessions' rows too: keep the sessions read.
    let kept: HashSet<i64> = sessions.iter().map(|s| s.id).collect();
    let mut lots = db::reactions::session_lots(conn, w)?;
    lots.retain(|l| kept.contains(&l.session_id));
    let sessions = sessions
        .into_iter()
        .map(|s| {
            let e = SessionEffects {
                at_session: s.side_effects.0.clone(),
                at_follow_up: later.remove(&s.id).unwrap_or_default(),
            };
            (s, e)
        })
        .collect();
    Ok(Collected { sessions, lots })
}

/// One lot's sessions and side effects beside its product's other lots.
#[derive(Debug, Clone)]
pub struct LotReaction {
    pub lot: LotName,
    pub counts: EffectCounts,
    /// The product's other lots over the same sessions.
    pub others: Tally,
    pub flagged: bool,
}

/// Per lot and per product, what [`by_lot`] flags lots from: additive over
/// disjoint sets of sessions (the usage report keeps it per day).
#[derive(Debug, Clone, Default)]
pub struct LotSums {
    /// lot → (its product, side effects of the sessions that used it)
    pub lots: BTreeMap<i64, (i64, EffectCounts)>,
    /// product → sessions that used it, and how many of those reacted
    pub products: HashMap<i64, Tally>,
}

impl LotSums {
    pub fn merge(&mut self, o: &LotSums) {
        for (lot, (product, counts)) in &o.lots {
            let e = self
                .lots
                .entry(*lot)
                .or_insert_with(|| (*product, EffectCounts::default()));
            e.1.merge(counts);
        }
        for (product, t) in &o.products {
            let e = self.products.entry(*product).or_default();
            *e = Tally::new(e.sessions + t.sessions, e.reactions + t.reactions);
        }
    }
}

/// Sums the collected sessions per lot and per product.
pub fn lot_sums(c: &Collected) -> LotSums {
    let effects: HashMap<i64, &SessionEffects> =
        c.sessions.iter().map(|(s, e)| (s.id, e)).collect();
    let mut lots: BTreeMap<i64, (i64, EffectCounts)> = BTreeMap::new();
    let mut product_sessions: HashMap<i64, HashSet<i64>> = HashMap::new();
    for l in &c.lots {
        // Lots of sessions outside the list (voided) were not read; skip any.
        let Some(e) = effects.get(&l.session_id) else {
            continue;
        };
        lots.entry(l.lot_id)
            .or_insert_with(|| (l.product_id, EffectCounts::default()))
            .1
            .add(e);
        product_sessions
            .entry(l.product_id)
            .or_default()
            .insert(l.session_id);
    }
    let products = product_sessions
        .into_iter()
        .map(|(product, ids)| {
            let reactions = ids
                .iter()
                .filter(|id| effects.get(id).is_some_and(|e| e.reacted()))
                .count();
            let tally = Tally::new(
                i64::try_from(ids.len()).unwrap_or(i64::MAX),
                i64::try_from(reactions).unwrap_or(i64::MAX),
            );
            (product, tally)
        })
        .collect();
    LotSums { lots, products }
}

/// Every lot the window's sessions used, with the rule applied per
/// product; by SKU, then lot number.
pub fn by_lot(conn: &mut DbConn, c: &Collected) -> diesel::QueryResult<Vec<LotReaction>> {
    by_lot_from(conn, lot_sums(c))
}

/// [`by_lot`] from sums already made.
pub fn by_lot_from(conn: &mut DbConn, sums: LotSums) -> diesel::QueryResult<Vec<LotReaction>> {
    let LotSums {
        lots,
        products: product_tally,
    } = sums;
    let mut per_product: HashMap<i64, Vec<(i64, Tally)>> = HashMap::new();
    let mut lot_counts: BTreeMap<i64, EffectCounts> = BTreeMap::new();
    for (lot, (product, counts)) in lots {
        per_product
            .entry(product)
            .or_default()
            .push((lot, counts.tally()));
        lot_counts.insert(lot, counts);
    }
    let ids: Vec<i64> = lot_counts.keys().copied().collect();
    let names: HashMap<i64, LotName> = db::reactions::lot_names(conn, &ids)?
        .into_iter()
        .map(|n| (n.lot_id, n))
        .collect();
    let mut out = Vec::new();
    for (product, lots) in per_product {
        let total = product_tally.get(&product).copied().unwrap_or_default();
        for s in signals(total, &lots) {
            let (Some(lot), Some(counts)) = (names.get(&s.lot_id), lot_counts.get(&s.lot_id))
            else {
                continue;
            };
            out.push(LotReaction {
                lot: lot.clone(),
                counts: counts.clone(),
                others: s.others,
                flagged: s.flagged,
            });
        }
    }
    out.sort_by(|a, b| {
        (&a.lot.sku, &a.lot.lot_number, a.lot.lot_id).cmp(&(
            &b.lot.sku,
            &b.lot.lot_number,
            b.lot.lot_id,
        ))
    });
    Ok(out)
}

/// `[start, end)` of the last [`WINDOW_DAYS`] local days at a site up to
/// and including today; without a site, the last 90 × 24 hours.
pub fn recent_window(site: Option<&Site>, now: NaiveDateTime) -> (NaiveDateTime, NaiveDateTime) {
    match site {
        Some(s) => {
            let clock = s.clock();
            let today = clock.today(now);
            (
                clock.day_start(today - Duration::days(WINDOW_DAYS - 1)),
                clock.day_start(today + Duration::days(1)),
            )
        }
        None => (now - Duration::days(WINDOW_DAYS), now + Duration::days(1)),
    }
}

/// The lot page's figures: the lot family (any of its ids) over the recent
/// window, the actor's site only when they are bound to one. `None` when no
/// session in the window used the lot.
#[derive(Debug, Clone)]
pub struct LotSignalView {
    pub reaction: Option<LotReaction>,
    pub window_days: i64,
    /// The site the figures are narrowed to (`None`: every site).
    pub site: Option<String>,
}

pub fn for_lot(conn: &mut DbConn, actor: &Actor, lot_id: i64) -> ServiceResult<LotSignalView> {
    let root = super::lots::visible_root(conn, actor, Action::Recall, lot_id)?;
    let site_id = actor.site_filter(Action::Recall, None)?;
    let site = match site_id {
        Some(id) => db::sites::by_id(conn, id)?,
        None => None,
    };
    let (start, end) = recent_window(site.as_ref(), db::now());
    let w = Window {
        site_id,
        start,
        end,
        product_id: Some(root.product_id),
    };
    let reaction = db::read_tx(conn, |conn| {
        let c = collect(conn, &w)?;
        Ok(by_lot(conn, &c)?
            .into_iter()
            .find(|l| l.lot.lot_id == root.id))
    })?;
    Ok(LotSignalView {
        reaction,
        window_days: WINDOW_DAYS,
        site: site.map(|s| s.code),
    })
}
