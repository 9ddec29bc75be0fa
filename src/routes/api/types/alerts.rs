//! The body of `GET /api/v1/alerts` (API.md "Alerts"; `sku`, `use_by`,
//! `discard_by`, `order_now`, `supplier` and `sent_on` are added fields, and
//! `reaction_lots`: lots flagged by the reaction rule, rates 0–1).

use serde::Serialize;
use utoipa::ToSchema;

use super::{Day, Qty};
use crate::services::alerts::{Alerts, LotAlert};
use crate::services::reactions::LotReaction;

/// A product below its minimum.
#[derive(Debug, Serialize, ToSchema)]
pub struct LowStockOut {
    pub product_id: i64,
    pub sku: String,
    pub usable: Qty,
    pub min_level: Qty,
    pub on_order: Qty,
    pub order_now: bool,
}

/// A lot (or opened container) that expires soon, has expired, or is past
/// its discard-by day.
#[derive(Debug, Serialize, ToSchema)]
pub struct LotAlertOut {
    pub lot_id: i64,
    pub lot: String,
    pub product_id: i64,
    pub sku: String,
    pub expiry: Day,
    pub use_by: Day,
    pub discard_by: Option<Day>,
    pub location: String,
    pub quantity: Qty,
    pub days_left: i64,
}

impl From<&LotAlert> for LotAlertOut {
    fn from(a: &LotAlert) -> Self {
        LotAlertOut {
            lot_id: a.lot_id,
            lot: a.lot_number.clone(),
            product_id: a.product_id,
            sku: a.sku.clone(),
            expiry: Day(a.expiry),
            use_by: Day(a.use_by),
            discard_by: a.discard_by.map(Day),
            location: a.location_code.clone(),
            quantity: Qty(a.quantity),
            days_left: a.days_left,
        }
    }
}

/// A sent order whose expected delivery day has passed.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueOrderOut {
    pub id: i64,
    pub number: String,
    pub supplier_id: i64,
    pub supplier: String,
    pub sent_on: Day,
    pub expected_on: Day,
}

/// A lot whose sessions show side effects well above the product's other
/// lots (README "Reaction signals"): its sessions and those with a side
/// effect over the last 90 days, its rate and the other lots' (0–1).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReactionLotOut {
    pub lot_id: i64,
    pub lot: String,
    pub product_id: i64,
    pub sku: String,
    pub sessions: i64,
    pub reactions: i64,
    pub rate: Option<f64>,
    pub others_sessions: i64,
    pub others_rate: Option<f64>,
}

impl From<&LotReaction> for ReactionLotOut {
    fn from(l: &LotReaction) -> Self {
        ReactionLotOut {
            lot_id: l.lot.lot_id,
            lot: l.lot.lot_number.clone(),
            product_id: l.lot.product_id,
            sku: l.lot.sku.clone(),
            sessions: l.counts.sessions,
            reactions: l.counts.reactions,
            rate: l.counts.tally().rate(),
            others_sessions: l.others.sessions,
            others_rate: l.others.rate(),
        }
    }
}

/// One site's alerts today at that site.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertsOut {
    pub site: String,
    pub as_of: Day,
    pub low_stock: Vec<LowStockOut>,
    pub expiring: Vec<LotAlertOut>,
    pub expired: Vec<LotAlertOut>,
    pub overdue_orders: Vec<OverdueOrderOut>,
    pub containers_past_discard: Vec<LotAlertOut>,
    pub reaction_lots: Vec<ReactionLotOut>,
}

impl From<&Alerts> for AlertsOut {
    fn from(a: &Alerts) -> Self {
        let lots = |v: &[LotAlert]| v.iter().map(LotAlertOut::from).collect();
        AlertsOut {
            site: a.site.code.clone(),
            as_of: Day(a.as_of),
            low_stock: a
                .low_stock
                .iter()
                .map(|l| LowStockOut {
                    product_id: l.product_id,
                    sku: l.sku.clone(),
                    usable: Qty(l.usable),
                    min_level: Qty(l.min_level),
                    on_order: Qty(l.on_order),
                    order_now: l.order_now,
                })
                .collect(),
            expiring: lots(&a.expiring),
            expired: lots(&a.expired),
            overdue_orders: a
                .overdue_orders
                .iter()
                .map(|o| OverdueOrderOut {
                    id: o.id,
                    number: o.number.clone(),
                    supplier_id: o.supplier_id,
                    supplier: o.supplier_name.clone(),
                    sent_on: Day(o.sent_on),
                    expected_on: Day(o.expected_on),
                })
                .collect(),
            containers_past_discard: lots(&a.containers_past_discard),
            reaction_lots: a.reaction_lots.iter().map(ReactionLotOut::from).collect(),
        }
    }
}
