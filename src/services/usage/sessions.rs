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

/// Sessions and amounts per group, as the window's sums are read.
#[derive(Default)]
struct Tally {
    sessions: i64,
    per_day: HashMap<i32, i64>,
    needle_sessions: BTreeMap<i32, i64>,
    protocol: BTreeMap<Option<i64>, (i64, Amount)>,
    indication: BTreeMap<Option<Indication>, (i64, Amount)>,
    practitioner: BTreeMap<i64, (i64, Amount)>,
    session_cost_cents: i64,
}

impl Tally {
    fn count(&mut self, c: &db::usage::SessionCount) {
        self.sessions += c.sessions;
        *self.per_day.entry(c.day).or_default() += c.sessions;
        *self.needle_sessions.entry(c.needle_length).or_default() += c.sessions;
        self.protocol.entry(c.protocol_id).or_default().0 += c.sessions;
        self.indication.entry(c.indication).or_default().0 += c.sessions;
        self.practitioner.entry(c.practitioner_id).or_default().0 += c.sessions;
    }

    fn add_line(
        &mut self,
        (protocol_id, indication, practitioner_id, _): LineKey,
        product: &Product,
        quantity: i64,
    ) {
        self.session_cost_cents += cost_cents(product, quantity);
        self.protocol
            .entry(protocol_id)
            .or_default()
            .1
            .add(product, quantity);
        self.indication
            .entry(indication)
            .or_default()
            .1
            .add(product, quantity);
        self.practitioner
            .entry(practitioner_id)
            .or_default()
            .1
            .add(product, quantity);
    }
}

pub(super) fn sessions(
    conn: &mut DbConn,
    o: &UsageOptions,
    products: &HashMap<i64, Product>,
    needle_used: &BTreeMap<i32, Amount>,
    sums: &super::days::WindowSums,
) -> diesel::QueryResult<Sessions> {
    let mut t = Tally::default();
    for c in &sums.session_counts {
        t.count(c);
    }
    for l in &sums.lines {
        if let Some(product) = products.get(&l.product_id) {
            let key = (l.protocol_id, l.indication, l.practitioner_id, l.product_id);
            t.add_line(key, product, l.quantity);
        }
    }
    let by_needle = needle_groups(&t.needle_sessions, needle_used);
    let protocol_names: HashMap<i64, String> =
        db::reports::protocol_names(conn)?.into_iter().collect();
    let by_protocol = ranked(t.protocol.into_iter().map(|(id, (sessions, amount))| {
        GroupUsage {
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
        }
    }));
    let by_indication =
        ranked(
            t.indication
                .into_iter()
                .map(|(code, (sessions, amount))| GroupUsage {
                    label: match code {
                        Some(i) => i.label().to_string(),
                        None => "(not recorded)".into(),
                    },
                    key: code.map(|i| i.code().to_string()).unwrap_or_default(),
                    sessions,
                    amount,
                }),
        );
    let user_names: HashMap<i64, String> = db::users::list(conn)?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    let by_practitioner = ranked(t.practitioner.into_iter().map(|(id, (sessions, amount))| {
        GroupUsage {
            key: id.to_string(),
            label: user_names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("user {id}")),
            sessions,
            amount,
        }
    }));
    Ok(Sessions {
        sessions: t.sessions,
        by_needle,
        by_protocol,
        by_indication,
        by_practitioner,
        session_cost_cents: t.session_cost_cents,
        sessions_per_day: per_day_series(o, &t.per_day),
    })
}

/// Groups by most sessions, then by label.
fn ranked(groups: impl Iterator<Item = GroupUsage>) -> Vec<GroupUsage> {
    let mut out: Vec<GroupUsage> = groups.collect();
    out.sort_by(|a, b| b.sessions.cmp(&a.sessions).then(a.label.cmp(&b.label)));
    out
}

/// Every needle length that had sessions or use, shortest first.
fn needle_groups(
    needle_sessions: &BTreeMap<i32, i64>,
    needle_used: &BTreeMap<i32, Amount>,
) -> Vec<GroupUsage> {
    needle_sessions
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
        .collect()
}

/// Sessions on each day of the window, days without any included.
fn per_day_series(o: &UsageOptions, per_day: &HashMap<i32, i64>) -> Vec<(chrono::NaiveDate, i64)> {
    (0..o.days())
        .map(|d| {
            let day = o.from + Duration::days(d);
            let n = i32::try_from(d)
                .ok()
                .and_then(|d| per_day.get(&d).copied())
                .unwrap_or(0);
            (day, n)
        })
        .collect()
}
