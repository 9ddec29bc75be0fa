//! One lot seen whole: the sealed lot and its opened containers (the lot
//! family), balances per location, its ledger history, quarantine, and the
//! recall view (the treatment sessions that took stock from it, voided ones
//! included and marked, so a recall never misses a client).

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};

use crate::csv_cell::{Cell, CsvOut};
use crate::db::{
    self, DbConn,
    ledger::{LedgerEntry, LedgerFilter},
    lots::OnHand,
    models::{Lot, Product, Site},
    recall::SessionUse,
};
use crate::domain::Quantity;
use crate::domain::access::{Action, Actor};
use crate::domain::clock::{Clocks, SiteClock};
use crate::error::{ServiceError, ServiceResult};

/// Rows of lot history per page.
pub const HISTORY_PAGE: i64 = 25;

/// A session that took stock from a lot family.
#[derive(Debug, Clone)]
pub struct SessionUsage {
    pub session_id: i64,
    pub performed_at: NaiveDateTime,
    pub client_ref: String,
    pub practitioner: String,
    /// What the session took from the family (thousandths, positive).
    pub quantity: i64,
    pub voided: bool,
    pub void_reason: Option<String>,
    /// The session's site (its times are on that site's clock).
    pub site_id: i64,
}

/// Sums consume rows per session (keeping the newest-first order).
pub fn usages(rows: Vec<SessionUse>) -> Vec<SessionUsage> {
    let mut out: Vec<SessionUsage> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    for r in rows {
        match index.get(&r.session_id) {
            Some(&i) => out[i].quantity += -r.delta,
            None => {
                index.insert(r.session_id, out.len());
                out.push(SessionUsage {
                    session_id: r.session_id,
                    performed_at: r.performed_at,
                    client_ref: r.client_ref,
                    practitioner: r.practitioner,
                    quantity: -r.delta,
                    voided: r.voided_at.is_some(),
                    void_reason: r.void_reason,
                    site_id: r.site_id,
                });
            }
        }
    }
    out
}

/// A lot family and what is known about it.
#[derive(Debug, Clone)]
pub struct LotDetail {
    /// The sealed lot (container 0), the family's root.
    pub lot: Lot,
    pub product: Product,
    /// Opened containers, oldest first.
    pub containers: Vec<Lot>,
    /// Positive balances of the family, per (lot row, location).
    pub balances: Vec<(OnHand, String)>,
    pub history: Vec<LedgerEntry>,
    pub history_total: i64,
    pub history_page: i64,
    pub sessions: Vec<SessionUsage>,
    /// The clock of the site holding the stock (the default site when none
    /// does): times on the page are read on it.
    pub clock: SiteClock,
    /// Every site's clock: history rows and sessions are shown on theirs.
    pub clocks: Clocks,
    /// Today at the site(s) holding the stock: the latest of their days, so
    /// a lot shows expired once any holder's day is past its use-by.
    pub today: NaiveDate,
}

impl LotDetail {
    pub fn family_ids(&self) -> Vec<i64> {
        std::iter::once(self.lot.id)
            .chain(self.containers.iter().map(|c| c.id))
            .collect()
    }

    pub fn on_hand(&self) -> i64 {
        self.balances.iter().map(|(h, _)| h.quantity).sum()
    }
}

/// The root of a lot's family (itself when sealed).
pub fn root_of(conn: &mut DbConn, lot_id: i64) -> ServiceResult<Lot> {
    let lot = db::lots::by_id(conn, lot_id)?
        .ok_or_else(|| ServiceError::not_found(format!("no lot with id {lot_id}")))?;
    match lot.parent_lot_id {
        Some(parent) => db::lots::by_id(conn, parent)?
            .ok_or_else(|| ServiceError::Internal("opened container without its lot".into())),
        None => Ok(lot),
    }
}

/// What the lot page shows. `full` adds history and sessions (managers).
/// A bound actor sees their site's part of the lot only (another site's
/// lot answers 404).
pub fn detail(
    conn: &mut DbConn,
    actor: &Actor,
    lot_id: i64,
    full: bool,
    history_page: i64,
) -> ServiceResult<LotDetail> {
    use diesel::Connection;
    // One snapshot for everything on the page.
    conn.transaction(|conn| {
        let root = root_of(conn, lot_id)?;
        let site = visible_family(conn, actor, Action::ViewLot, lot_id, &root)?;
        detail_of(conn, root, site, full, history_page)
    })
}

/// The site a bound actor's view of a lot family is narrowed to, after
/// checking the family is theirs to see (404 otherwise).
fn visible_family(
    conn: &mut DbConn,
    actor: &Actor,
    action: Action,
    lot_id: i64,
    root: &Lot,
) -> ServiceResult<Option<i64>> {
    // An opened container asked for by its own id is the site's where it
    // was opened; the sealed lot is every site's where the family moved.
    let ids: Vec<i64> = if lot_id != root.id {
        vec![lot_id]
    } else {
        db::lots::family(conn, root.id)?
            .into_iter()
            .map(|l| l.id)
            .chain(std::iter::once(root.id))
            .collect()
    };
    super::scope::lot_family(conn, actor, action, lot_id, &ids)
}

/// A lot family the actor may act on at all (`action`), by any of its lot
/// ids: 404 when it is another site's.
pub fn visible_root(
    conn: &mut DbConn,
    actor: &Actor,
    action: Action,
    lot_id: i64,
) -> ServiceResult<Lot> {
    let root = root_of(conn, lot_id)?;
    visible_family(conn, actor, action, lot_id, &root)?;
    Ok(root)
}

/// The lot's opened containers (at `site` only, when given: containers
/// opened at another site are that site's).
fn containers_of(conn: &mut DbConn, lot: &Lot, site: Option<i64>) -> ServiceResult<Vec<Lot>> {
    let family = db::lots::family(conn, lot.id)?;
    let mut containers: Vec<Lot> = family.into_iter().filter(|l| l.id != lot.id).collect();
    if let Some(site) = site {
        let mut mine = Vec::new();
        for c in containers {
            if db::lots::sites_of(conn, &[c.id])?.contains(&site) {
                mine.push(c);
            }
        }
        containers = mine;
    }
    Ok(containers)
}

/// The clock and day the lot is judged by (pure): the latest day among the
/// sites that hold it, else the default site's (else the first site's).
fn lot_clock(holders: &[&Site], site_rows: &[Site]) -> (SiteClock, NaiveDate) {
    match holders.iter().max_by_key(|s| s.today()) {
        Some(s) => (s.clock(), s.today()),
        None => {
            let s = site_rows
                .iter()
                .find(|s| s.code == super::bootstrap::DEFAULT_SITE)
                .or(site_rows.first());
            let clock = s.map(|s| s.clock()).unwrap_or_default();
            (clock, clock.today(db::now()))
        }
    }
}

/// One page of the history of the lot family `ids`, its row count, and the
/// sessions that used it.
fn history_of(
    conn: &mut DbConn,
    ids: &[i64],
    site: Option<i64>,
    history_page: i64,
) -> ServiceResult<(Vec<LedgerEntry>, i64, Vec<SessionUsage>)> {
    let f = LedgerFilter {
        lot_ids: Some(ids.to_vec()),
        site_id: site,
        ..LedgerFilter::default()
    };
    let total = db::ledger::count(conn, &f)?;
    let rows = db::ledger::page(conn, &f, HISTORY_PAGE, (history_page - 1) * HISTORY_PAGE)?;
    let sessions = usages(db::recall::consumption_of_lots(conn, ids, site)?);
    Ok((rows, total, sessions))
}

fn detail_of(
    conn: &mut DbConn,
    lot: Lot,
    site: Option<i64>,
    full: bool,
    history_page: i64,
) -> ServiceResult<LotDetail> {
    let product = db::catalog::product_by_id(conn, lot.product_id)?
        .ok_or_else(|| ServiceError::Internal("lot without product".into()))?;
    let containers = containers_of(conn, &lot, site)?;
    let ids: Vec<i64> = std::iter::once(lot.id)
        .chain(containers.iter().map(|c| c.id))
        .collect();
    let site_rows = db::sites::list(conn)?;
    let sites: HashMap<i64, String> = site_rows.iter().map(|s| (s.id, s.code.clone())).collect();
    let locations: HashMap<i64, i64> = db::sites::locations(conn, None)?
        .into_iter()
        .map(|l| (l.id, l.site_id))
        .collect();
    let on_hand = db::lots::on_hand_of_lots(conn, &ids, site)?;
    let holders: Vec<&Site> = site_rows
        .iter()
        .filter(|s| {
            on_hand
                .iter()
                .any(|h| locations.get(&h.location_id) == Some(&s.id))
        })
        .collect();
    let (clock, today) = lot_clock(&holders, &site_rows);
    let balances = on_hand
        .into_iter()
        .map(|h| {
            let site = locations
                .get(&h.location_id)
                .and_then(|s| sites.get(s))
                .cloned()
                .unwrap_or_default();
            (h, site)
        })
        .collect();
    let history_page = history_page.max(1);
    let (history, history_total, sessions) = if full {
        history_of(conn, &ids, site, history_page)?
    } else {
        (Vec::new(), 0, Vec::new())
    };
    Ok(LotDetail {
        lot,
        product,
        containers,
        balances,
        history,
        history_total,
        history_page,
        sessions,
        clock,
        clocks: Clocks::new(site_rows.iter().map(|s| (s.id, s.time_zone.as_str())), site),
        today,
    })
}

/// Puts a lot family (the lot and its opened containers) in quarantine or
/// releases it. Quarantined stock is not usable for sessions.
pub fn set_quarantine(
    conn: &mut DbConn,
    actor: &Actor,
    lot_id: i64,
    quarantined: bool,
) -> ServiceResult<Lot> {
    set_quarantine_because(conn, actor, lot_id, quarantined, None)
}

/// [`set_quarantine`] with a reason (the API's optional `reason`, at most
/// 500 characters), written into the audit entry's summary.
pub fn set_quarantine_because(
    conn: &mut DbConn,
    actor: &Actor,
    lot_id: i64,
    quarantined: bool,
    reason: Option<&str>,
) -> ServiceResult<Lot> {
    actor.require(Action::AdjustStock)?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 500) {
        return Err(ServiceError::invalid("reason", "at most 500 characters"));
    }
    db::write_tx(conn, |conn| {
        let root = visible_root(conn, actor, Action::AdjustStock, lot_id)?;
        db::lots::set_quarantined(conn, root.id, quarantined)?;
        if root.quarantined != quarantined {
            let (action, verb) = if quarantined {
                ("quarantine", "quarantined")
            } else {
                ("release", "released")
            };
            crate::services::audit::record(
                conn,
                &actor.into(),
                action,
                "lot",
                Some(root.id),
                &match reason {
                    Some(r) => format!("{verb} lot {}: {r}", root.lot_number),
                    None => format!("{verb} lot {}", root.lot_number),
                },
                &crate::services::audit::Changes::new().field(
                    "quarantined",
                    root.quarantined,
                    quarantined,
                ),
            )?;
        }
        db::lots::by_id(conn, root.id)?.ok_or_else(|| ServiceError::Internal("lot vanished".into()))
    })
}

/// The sessions that used a lot family (managers).
pub fn recall(conn: &mut DbConn, actor: &Actor, lot_id: i64) -> ServiceResult<LotDetail> {
    actor.require(Action::Recall)?;
    use diesel::Connection;
    conn.transaction(|conn| {
        let root = root_of(conn, lot_id)?;
        let site = visible_family(conn, actor, Action::Recall, lot_id, &root)?;
        detail_of(conn, root, site, true, 1)
    })
}

/// One lot family found by a recall search.
#[derive(Debug, Clone)]
pub struct RecallHit {
    pub lot: Lot,
    pub product: Product,
    pub sessions: Vec<SessionUsage>,
}

/// "Which clients got lot X (of product Y)": every lot family with that lot
/// number, with the sessions that used it (a bound actor: the families
/// that moved at their site, and their site's sessions only).
pub fn search(
    conn: &mut DbConn,
    actor: &Actor,
    product_id: Option<i64>,
    lot_number: &str,
) -> ServiceResult<Vec<RecallHit>> {
    actor.require(Action::Recall)?;
    let lot_number = lot_number.trim();
    if lot_number.is_empty() {
        return Err(ServiceError::invalid("lot", "enter a lot number"));
    }
    let site = actor.site_filter(Action::Recall, None)?;
    Ok(db::read_tx(conn, |conn| {
        let lots = db::lots::by_number_of(conn, product_id, lot_number)?;
        let mut hits = Vec::new();
        for root in lots.iter().filter(|l| l.parent_lot_id.is_none()) {
            let ids: Vec<i64> = lots
                .iter()
                .filter(|l| l.id == root.id || l.parent_lot_id == Some(root.id))
                .map(|l| l.id)
                .collect();
            if let Some(own) = site
                && !db::lots::sites_of(conn, &ids)?.contains(&own)
            {
                continue;
            }
            let Some(product) = db::catalog::product_by_id(conn, root.product_id)? else {
                continue;
            };
            hits.push(RecallHit {
                lot: root.clone(),
                product,
                sessions: usages(db::recall::consumption_of_lots(conn, &ids, site)?),
            });
        }
        Ok(hits)
    })?)
}

/// The recall CSV of a lot family: one line per session.
pub fn recall_csv(
    conn: &mut DbConn,
    actor: &Actor,
    lot_id: i64,
) -> ServiceResult<(String, Vec<u8>)> {
    let d = recall(conn, actor, lot_id)?;
    let err = |e: csv::Error| ServiceError::Internal(format!("csv: {e}"));
    let mut w = CsvOut::in_memory(4096);
    w.header(&[
        "session_id",
        "performed_at",
        "client_ref",
        "practitioner",
        "sku",
        "product",
        "lot",
        "expiry",
        "quantity",
        "unit",
        "voided",
        "void_reason",
    ])
    .map_err(err)?;
    for s in &d.sessions {
        w.row([
            Cell::int(s.session_id),
            Cell::text(s.performed_at.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            Cell::text(s.client_ref.as_str()),
            Cell::text(s.practitioner.as_str()),
            Cell::text(d.product.sku.as_str()),
            Cell::text(d.product.name.as_str()),
            Cell::text(d.lot.lot_number.as_str()),
            Cell::text(d.lot.expiry.to_string()),
            Cell::num(Quantity(s.quantity).to_string()),
            Cell::text(d.product.unit.code()),
            Cell::text(s.voided.to_string()),
            Cell::text(s.void_reason.as_deref().unwrap_or_default()),
        ])
        .map_err(err)?;
    }
    let bytes = w.into_inner().map_err(err)?;
    let name = format!(
        "recall-{}-{}.csv",
        d.product
            .sku
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"),
        d.lot
            .lot_number
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
    );
    Ok((name, bytes))
}

/// Active locations as (id, "site / code (name)"), for movement forms: the
/// sites the actor sees for `action` only.
pub fn location_choices(
    conn: &mut DbConn,
    actor: &Actor,
    action: Action,
) -> ServiceResult<Vec<(String, String)>> {
    let sites: HashMap<i64, String> = super::scope::visible_sites(conn, actor, action)?
        .into_iter()
        .map(|s| (s.id, s.code))
        .collect();
    Ok(db::sites::locations(conn, None)?
        .into_iter()
        .filter(|l| l.active && sites.contains_key(&l.site_id))
        .map(|l| {
            let site = sites.get(&l.site_id).cloned().unwrap_or_default();
            (
                l.id.to_string(),
                format!("{site} / {} ({})", l.code, l.name),
            )
        })
        .collect())
}
