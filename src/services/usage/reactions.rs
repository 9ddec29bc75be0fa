//! Side effects in the usage report (issue 15, part 2): the window's
//! sessions (not voided) by protocol, needle length and lot, each with the
//! sessions that reacted at the session or at follow-up and the sessions per
//! effect; lots carry the flag of `domain::reactions`.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};

use crate::db::models::Site;
use crate::db::{self, DbConn};
use crate::domain::reactions::EffectCounts;
use crate::services::reactions::{self, LotReaction};

/// Side effects of a group of sessions.
#[derive(Debug, Clone)]
pub struct EffectGroup {
    pub key: String,
    pub label: String,
    pub counts: EffectCounts,
}

#[derive(Debug, Clone, Default)]
pub struct Reactions {
    /// Every session of the window.
    pub total: EffectCounts,
    /// Most sessions first.
    pub by_protocol: Vec<EffectGroup>,
    /// By needle length.
    pub by_needle: Vec<EffectGroup>,
    /// By SKU and lot number.
    pub by_lot: Vec<LotReaction>,
}

impl Reactions {
    pub fn flagged_lots(&self) -> usize {
        self.by_lot.iter().filter(|l| l.flagged).count()
    }
}

/// From the window's side-effect sums (`days`).
pub(super) fn reactions(
    conn: &mut DbConn,
    sums: super::days::EffectSums,
) -> diesel::QueryResult<Reactions> {
    let super::days::EffectSums {
        total,
        by_protocol: protocol,
        by_needle: needle,
        lots,
    } = sums;
    let names: HashMap<i64, String> = db::reports::protocol_names(conn)?.into_iter().collect();
    let mut by_protocol: Vec<EffectGroup> = protocol
        .into_iter()
        .map(|(id, counts)| EffectGroup {
            key: id.map(|i| i.to_string()).unwrap_or_default(),
            label: match id {
                Some(i) => names
                    .get(&i)
                    .cloned()
                    .unwrap_or_else(|| format!("protocol {i}")),
                None => "(no protocol)".into(),
            },
            counts,
        })
        .collect();
    by_protocol.sort_by(|a, b| {
        b.counts
            .sessions
            .cmp(&a.counts.sessions)
            .then(a.label.cmp(&b.label))
    });
    let by_needle = needle
        .into_iter()
        .map(|(n, counts)| EffectGroup {
            key: n.to_string(),
            label: format!("{} mm", crate::domain::needle::fmt_needle(n)),
            counts,
        })
        .collect();
    Ok(Reactions {
        total,
        by_protocol,
        by_needle,
        by_lot: reactions::by_lot_from(conn, lots)?,
    })
}

/// The flagged lots of a site over its recent window (the last
/// [`reactions::WINDOW_DAYS`] local days up to today; alerts, digest), from
/// the usage digests of those days.
pub fn flagged_at_site(
    conn: &mut DbConn,
    site: &Site,
    now: NaiveDateTime,
) -> diesel::QueryResult<Vec<LotReaction>> {
    let today = site.clock().today(now);
    let from = today - Duration::days(reactions::WINDOW_DAYS - 1);
    let sums = super::days::lot_sums(conn, site, from, today)?;
    Ok(reactions::by_lot_from(conn, sums)?
        .into_iter()
        .filter(|l| l.flagged)
        .collect())
}
