//! Sessions (not voided) and what their lines used: per day, needle length,
//! protocol, indication and practitioner, with cost.

use std::collections::{BTreeMap, HashMap};

use chrono::Duration;

use super::{Amount, GroupUsage, UsageOptions, cost_cents};
use crate::db::models::Product;
use crate::db::{self, DbConn};
use crate::domain::vocab::Indication;

/// A group and a product.
type LineKey = (Option<i64>, Option<Indication>, i64, i64);

pub(super) struct Sessions {
    pub sessions: i64,
    pub by_needle: Vec<GroupUsage>,
    pub by_protocol: Vec<GroupUsage>,
    pub by_indication: Vec<GroupUsage>,
    pub by_practitioner: Vec<GroupUsage>,
    pub session_cost_cents: i64,
    pub sessions_per_day: Vec<(chrono::NaiveDate, i64)>,
}

pub(super) fn sessions(
    conn: &mut DbConn,
    o: &UsageOptions,
    products: &HashMap<i64, Product>,
    needle_used: &BTreeMap<i32, Amount>,
) -> diesel::QueryResult<Sessions> {
    let (counts, line_sums) = db::usage::session_sums(conn, o.site.id, &o.day_boundaries())?;
    let mut sessions: i64 = 0;
    let mut per_day: HashMap<i32, i64> = HashMap::new();
    let mut needle_sessions: BTreeMap<i32, i64> = BTreeMap::new();
    let mut protocol: BTreeMap<Option<i64>, (i64, Amount)> = BTreeMap::new();
    let mut indication: BTreeMap<Option<Indication>, (i64, Amount)> = BTreeMap::new();
    let mut practitioner: BTreeMap<i64, (i64, Amount)> = BTreeMap::new();
    for c in counts {
        sessions += c.sessions;
        *per_day.entry(c.day).or_default() += c.sessions;
        *needle_sessions.entry(c.needle_length).or_default() += c.sessions;
        protocol.entry(c.protocol_id).or_default().0 += c.sessions;
        indication.entry(c.indication).or_default().0 += c.sessions;
        practitioner.entry(c.practitioner_id).or_default().0 += c.sessions;
    }
    let lines: Vec<(LineKey, i64)> = line_sums
        .into_iter()
        .map(|l| {
            (
                (l.protocol_id, l.indication, l.practitioner_id, l.product_id),
                l.quantity,
            )
        })
        .collect();
    let mut session_cost_cents = 0;
    for ((protocol_id, indication_code, practitioner_id, product_id), quantity) in lines {
        let Some(product) = products.get(&product_id) else {
            continue;
        };
        session_cost_cents += cost_cents(product, quantity);
        protocol
            .entry(protocol_id)
            .or_default()
            .1
            .add(product, quantity);
        indication
            .entry(indication_code)
            .or_default()
            .1
            .add(product, quantity);
        practitioner
            .entry(practitioner_id)
            .or_default()
            .1
            .add(product, quantity);
    }
    let mut by_needle: Vec<GroupUsage> = needle_sessions
        .keys()
        .chain(needle_used.keys())
        .copied()
        .collect::<std::collections::BTreeSet<i32>>()
        .into_iter()
        .map(|n| GroupUsage {
            key: n.to_string(),
            label: format!("{} mm", crate::domain::needle::fmt_needle(n)),
            sessions: needle_sessions.get(&n).copied().unwrap_or(0),
            amount: needle_used.get(&n).cloned().unwrap_or_default(),
        })
        .collect();
    by_needle.sort_by_key(|g| g.key.parse::<i32>().unwrap_or(0));

    let protocol_names: HashMap<i64, String> =
        db::reports::protocol_names(conn)?.into_iter().collect();
    let mut by_protocol: Vec<GroupUsage> = protocol
        .into_iter()
        .map(|(id, (sessions, amount))| GroupUsage {
            key: id.map(|i| i.to_string()).unwrap_or_default(),
            label: match id {
                Some(i) => protocol_names
                    .get(&i)
                    .cloned()
                    .unwrap_or_else(|| format!("protocol {i}")),
                None => "(no protocol)".into(),
            },
            sessions,
            amount,
        })
        .collect();
    by_protocol.sort_by(|a, b| b.sessions.cmp(&a.sessions).then(a.label.cmp(&b.label)));
    let mut by_indication: Vec<GroupUsage> = indication
        .into_iter()
        .map(|(code, (sessions, amount))| GroupUsage {
            label: match code {
                Some(i) => i.label().to_string(),
                None => "(not recorded)".into(),
            },
            key: code.map(|i| i.code().to_string()).unwrap_or_default(),
            sessions,
            amount,
        })
        .collect();
    by_indication.sort_by(|a, b| b.sessions.cmp(&a.sessions).then(a.label.cmp(&b.label)));
    let user_names: HashMap<i64, String> = db::users::list(conn)?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    let mut by_practitioner: Vec<GroupUsage> = practitioner
        .into_iter()
        .map(|(id, (sessions, amount))| GroupUsage {
            key: id.to_string(),
            label: user_names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("user {id}")),
            sessions,
            amount,
        })
        .collect();
    by_practitioner.sort_by(|a, b| b.sessions.cmp(&a.sessions).then(a.label.cmp(&b.label)));

    let sessions_per_day = (0..o.days())
        .map(|d| {
            let day = o.from + Duration::days(d);
            let n = i32::try_from(d)
                .ok()
                .and_then(|d| per_day.get(&d).copied())
                .unwrap_or(0);
            (day, n)
        })
        .collect();

    Ok(Sessions {
        sessions,
        by_needle,
        by_protocol,
        by_indication,
        by_practitioner,
        session_cost_cents,
        sessions_per_day,
    })
}
