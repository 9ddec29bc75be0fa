//! The alerts as people and scripts read them: one site's alerts formatted
//! once ([`SiteAlerts`], shared by the `/alerts` page and the digest mail),
//! the page, and the JSON of `GET /api/v1/alerts` (API.md names).

use askama::Template;

use super::Frame;
use super::home::SiteChoice;
use crate::domain::quantity::fmt_qty;
use crate::services::alerts::{Alerts, AlertsPage, LotAlert, LowStock, OverdueOrder};
use crate::services::reactions::LotReaction;

#[derive(Debug, Clone)]
pub struct LowRow {
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub usable: String,
    pub min: String,
    pub on_order: String,
    pub has_on_order: bool,
    pub order_now: bool,
    pub unit: String,
}

impl LowRow {
    fn new(l: &LowStock) -> LowRow {
        LowRow {
            product_id: l.product_id,
            sku: l.sku.clone(),
            name: l.name.clone(),
            usable: fmt_qty(l.usable),
            min: fmt_qty(l.min_level),
            on_order: fmt_qty(l.on_order),
            has_on_order: l.on_order > 0,
            order_now: l.order_now,
            unit: l.unit.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct LotRow {
    pub lot_id: i64,
    pub lot: String,
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub location: String,
    pub quantity: String,
    pub unit: String,
    pub expiry: String,
    pub use_by: String,
    pub discard_by: String,
    pub days_left: i64,
    /// "today", "in 3 days", "2 days ago".
    pub when: String,
}

/// "today", "tomorrow", "in 3 days", "yesterday", "2 days ago".
pub fn fmt_days_left(days: i64) -> String {
    match days {
        0 => "today".into(),
        1 => "tomorrow".into(),
        -1 => "yesterday".into(),
        d if d > 1 => format!("in {d} days"),
        d => format!("{} days ago", -d),
    }
}

impl LotRow {
    fn new(a: &LotAlert) -> LotRow {
        LotRow {
            lot_id: a.lot_id,
            lot: a.lot_number.clone(),
            product_id: a.product_id,
            sku: a.sku.clone(),
            name: a.product_name.clone(),
            location: a.location_code.clone(),
            quantity: fmt_qty(a.quantity),
            unit: a.unit.clone(),
            expiry: a.expiry.to_string(),
            use_by: a.use_by.to_string(),
            discard_by: a.discard_by.map(|d| d.to_string()).unwrap_or_default(),
            days_left: a.days_left,
            when: fmt_days_left(a.days_left),
        }
    }
}

#[derive(Debug, Clone)]
pub struct OrderRow {
    pub id: i64,
    pub number: String,
    pub supplier: String,
    pub sent_on: String,
    pub expected_on: String,
    pub days_overdue: i64,
}

impl OrderRow {
    fn new(o: &OverdueOrder) -> OrderRow {
        OrderRow {
            id: o.id,
            number: o.number.clone(),
            supplier: o.supplier_name.clone(),
            sent_on: o.sent_on.to_string(),
            expected_on: o.expected_on.to_string(),
            days_overdue: o.days_overdue,
        }
    }
}

/// A lot flagged by the reaction rule.
#[derive(Debug, Clone)]
pub struct ReactionRow {
    pub lot_id: i64,
    pub lot: String,
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub sessions: i64,
    pub reactions: i64,
    pub rate: String,
    pub others_rate: String,
    pub recall_url: String,
}

impl ReactionRow {
    fn new(l: &LotReaction) -> ReactionRow {
        ReactionRow {
            lot_id: l.lot.lot_id,
            lot: l.lot.lot_number.clone(),
            product_id: l.lot.product_id,
            sku: l.lot.sku.clone(),
            name: l.lot.product_name.clone(),
            sessions: l.counts.sessions,
            reactions: l.counts.reactions,
            rate: l.counts.tally().rate_text(),
            others_rate: l.others.rate_text(),
            recall_url: super::usage_reactions::recall_url(l.lot.product_id, &l.lot.lot_number),
        }
    }
}

/// One site's alerts, formatted.
#[derive(Debug, Clone)]
pub struct SiteAlerts {
    pub code: String,
    pub name: String,
    pub zone: String,
    pub as_of: String,
    pub soon: String,
    pub window_days: i64,
    pub count: usize,
    pub low: Vec<LowRow>,
    pub expiring: Vec<LotRow>,
    pub expired: Vec<LotRow>,
    pub containers: Vec<LotRow>,
    pub overdue: Vec<OrderRow>,
    pub reactions: Vec<ReactionRow>,
    pub reaction_window_days: i64,
}

impl SiteAlerts {
    pub fn new(a: &Alerts) -> SiteAlerts {
        let lots = |v: &[LotAlert]| v.iter().map(LotRow::new).collect();
        SiteAlerts {
            code: a.site.code.clone(),
            name: a.site.name.clone(),
            zone: a.site.clock().zone().to_string(),
            as_of: a.as_of.to_string(),
            soon: a.soon().to_string(),
            window_days: a.window_days,
            count: a.count(),
            low: a.low_stock.iter().map(LowRow::new).collect(),
            expiring: lots(&a.expiring),
            expired: lots(&a.expired),
            containers: lots(&a.containers_past_discard),
            overdue: a.overdue_orders.iter().map(OrderRow::new).collect(),
            reactions: a.reaction_lots.iter().map(ReactionRow::new).collect(),
            reaction_window_days: crate::services::reactions::WINDOW_DAYS,
        }
    }
}

/// `/alerts`.
#[derive(Template)]
#[template(path = "alerts/index.html")]
pub struct AlertsPageView {
    pub frame: Frame,
    /// `None`: every site (users who see them all).
    pub picked: Option<String>,
    pub sites: Vec<SiteChoice>,
    pub several_sites: bool,
    pub sections: Vec<SiteAlerts>,
    /// Mail is not set up: the digest is not sent.
    pub mail_missing: bool,
}

impl AlertsPageView {
    pub fn new(frame: Frame, p: &AlertsPage, mail_configured: bool) -> AlertsPageView {
        AlertsPageView {
            frame,
            sites: p
                .sites
                .iter()
                .map(|s| SiteChoice {
                    code: s.code.clone(),
                    name: s.name.clone(),
                    selected: p.picked.as_deref() == Some(s.code.as_str()),
                })
                .collect(),
            several_sites: p.sites.len() > 1,
            picked: p.picked.clone(),
            sections: p.alerts.iter().map(SiteAlerts::new).collect(),
            mail_missing: !mail_configured,
        }
    }

    pub fn total(&self) -> usize {
        self.sections.iter().map(|s| s.count).sum()
    }
}
