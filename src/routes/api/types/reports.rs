//! Bodies of `/api/v1/reports/reorder` and `/api/v1/reports/usage`.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::{Day, Needle, Qty};
use crate::services::reorder::{ReorderReport, ReorderRow};
use crate::services::usage::{Amount, GroupUsage, UsageReport};
use crate::views::reports::fmt_cover;

/// One product of the reorder report, with every figure of the rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReorderRowOut {
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub supplier_id: Option<i64>,
    pub supplier: Option<String>,
    /// `order_now`, `watch`, `ok`, …
    pub status: String,
    pub usable: Qty,
    pub on_order: Qty,
    pub in_draft: Qty,
    pub consumed: Qty,
    pub use_per_day: Qty,
    pub lead_days: i64,
    pub min_level: Qty,
    pub min_level_manual: bool,
    pub max_level: Qty,
    pub max_level_manual: bool,
    pub position: Qty,
    pub order_now: bool,
    pub watch: bool,
    pub order_packs: i64,
    pub pack_size: Qty,
    pub order_quantity: Qty,
    pub pack_cost_cents: i64,
    pub order_cost_cents: i64,
    /// Days the usable stock lasts at the current use (one decimal); null
    /// when nothing is used.
    pub days_of_cover: Option<f64>,
    pub expiring_before_use: Qty,
}

impl From<&ReorderRow> for ReorderRowOut {
    fn from(r: &ReorderRow) -> Self {
        ReorderRowOut {
            product_id: r.product.id,
            sku: r.product.sku.clone(),
            name: r.product.name.clone(),
            unit: r.product.unit.code().to_string(),
            supplier_id: r.product.supplier_id,
            supplier: r.supplier.as_ref().map(|s| s.name.clone()),
            status: r.status.code().to_string(),
            usable: Qty(r.usable),
            on_order: Qty(r.on_order),
            in_draft: Qty(r.in_draft),
            consumed: Qty(r.consumed),
            use_per_day: Qty(r.line.use_per_day),
            lead_days: r.line.lead_days,
            min_level: Qty(r.line.min_level),
            min_level_manual: r.line.min_is_manual,
            max_level: Qty(r.line.max_level),
            max_level_manual: r.line.max_is_manual,
            position: Qty(r.line.position),
            order_now: r.line.order_now,
            watch: r.line.watch,
            order_packs: r.line.order_packs,
            pack_size: Qty(r.product.pack_size),
            order_quantity: Qty(r.line.order_quantity),
            pack_cost_cents: r.pack_cost_cents,
            order_cost_cents: r.order_cost_cents,
            days_of_cover: r
                .line
                .days_of_cover_tenths
                .and_then(|t| fmt_cover(Some(t)).parse::<f64>().ok()),
            expiring_before_use: Qty(r.line.expiring_before_use),
        }
    }
}

/// `GET /api/v1/reports/reorder`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReorderOut {
    pub site: String,
    pub as_of: Day,
    /// Days of use the rate is measured over.
    pub window: i64,
    pub safety_days: i64,
    pub cover_days: i64,
    pub order_cost_cents: i64,
    pub total: i64,
    pub items: Vec<ReorderRowOut>,
}

impl From<&ReorderReport> for ReorderOut {
    fn from(report: &ReorderReport) -> Self {
        let o = &report.options;
        let items: Vec<ReorderRowOut> = report.rows.iter().map(ReorderRowOut::from).collect();
        ReorderOut {
            site: o.site.code.clone(),
            as_of: Day(o.as_of),
            window: o.window_days,
            safety_days: o.safety_days,
            cover_days: o.cover_days,
            order_cost_cents: report.order_cost_cents(),
            total: items.len() as i64,
            items,
        }
    }
}

/// An amount: quantity (null when units are mixed), unit and cost.
#[derive(Debug, Serialize, ToSchema)]
pub struct AmountOut {
    pub quantity: Option<Qty>,
    pub unit: Option<String>,
    pub cost_cents: i64,
}

impl From<&Amount> for AmountOut {
    fn from(a: &Amount) -> Self {
        AmountOut {
            quantity: (!a.mixed).then_some(Qty(a.quantity)),
            unit: a.unit.clone(),
            cost_cents: a.cost_cents,
        }
    }
}

/// Use grouped by category, protocol, indication or practitioner.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupOut {
    pub key: String,
    pub label: String,
    pub sessions: i64,
    pub quantity: Option<Qty>,
    pub unit: Option<String>,
    pub cost_cents: i64,
    pub cost_per_session_cents: Option<i64>,
}

fn groups(gs: &[GroupUsage]) -> Vec<GroupOut> {
    gs.iter()
        .map(|g| GroupOut {
            key: g.key.clone(),
            label: g.label.clone(),
            sessions: g.sessions,
            quantity: (!g.amount.mixed).then_some(Qty(g.amount.quantity)),
            unit: g.amount.unit.clone(),
            cost_cents: g.amount.cost_cents,
            cost_per_session_cents: g.cost_per_session_cents(),
        })
        .collect()
}

/// Use of one product.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductUseOut {
    pub product_id: i64,
    pub sku: String,
    pub category: String,
    pub unit: String,
    pub quantity: Qty,
    pub cost_cents: i64,
}

/// Use by needle length.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedleUseOut {
    pub needle_length_mm: Option<Needle>,
    pub sessions: i64,
    pub quantity: Qty,
    pub cost_cents: i64,
}

/// Sessions on one treatment area.
#[derive(Debug, Serialize, ToSchema)]
pub struct AreaUseOut {
    pub area_id: i64,
    pub code: String,
    pub name: String,
    pub sessions: i64,
}

/// Sessions on one day.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayCountOut {
    pub date: Day,
    pub sessions: i64,
}

/// One week of use.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeekOut {
    pub from: Day,
    pub to: Day,
    pub amount: AmountOut,
}

/// One month of waste.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonthOut {
    /// `YYYY-MM`.
    pub month: String,
    pub amount: AmountOut,
}

/// Waste of one product, by reason.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductWasteOut {
    pub product_id: i64,
    pub sku: String,
    pub unit: String,
    pub quantity: Qty,
    pub cost_cents: i64,
    pub by_reason: BTreeMap<String, Qty>,
}

/// Stock written off.
#[derive(Debug, Serialize, ToSchema)]
pub struct WasteOut {
    pub total: AmountOut,
    pub by_reason: BTreeMap<String, AmountOut>,
    pub by_month: Vec<MonthOut>,
    pub by_product: Vec<ProductWasteOut>,
}

/// `GET /api/v1/reports/usage`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageOut {
    pub site: String,
    pub from: Day,
    pub to: Day,
    pub sessions: i64,
    pub consumption_cost_cents: i64,
    pub session_cost_cents: i64,
    pub cost_per_session_cents: Option<i64>,
    pub by_product: Vec<ProductUseOut>,
    pub by_category: Vec<GroupOut>,
    pub by_needle_length: Vec<NeedleUseOut>,
    pub by_protocol: Vec<GroupOut>,
    pub by_indication: Vec<GroupOut>,
    pub by_practitioner: Vec<GroupOut>,
    /// Sessions per treatment area (a session on two areas counts in both).
    pub by_area: Vec<AreaUseOut>,
    /// Side effects by protocol, needle length and lot.
    pub side_effects: super::reactions::SideEffectsOut,
    pub sessions_per_day: Vec<DayCountOut>,
    pub weekly: Vec<WeekOut>,
    pub waste: WasteOut,
}

impl From<&UsageReport> for UsageOut {
    fn from(r: &UsageReport) -> Self {
        let o = &r.options;
        UsageOut {
            site: o.site.code.clone(),
            from: Day(o.from),
            to: Day(o.to),
            sessions: r.sessions,
            consumption_cost_cents: r.total.cost_cents,
            session_cost_cents: r.session_cost_cents,
            cost_per_session_cents: r.cost_per_session_cents(),
            by_product: r
                .by_product
                .iter()
                .map(|u| ProductUseOut {
                    product_id: u.product.id,
                    sku: u.product.sku.clone(),
                    category: u.product.category.code().to_string(),
                    unit: u.product.unit.code().to_string(),
                    quantity: Qty(u.amount.quantity),
                    cost_cents: u.amount.cost_cents,
                })
                .collect(),
            by_category: groups(&r.by_category),
            by_needle_length: r
                .by_needle
                .iter()
                .map(|g| NeedleUseOut {
                    needle_length_mm: g.key.parse::<i32>().ok().map(Needle),
                    sessions: g.sessions,
                    quantity: Qty(g.amount.quantity),
                    cost_cents: g.amount.cost_cents,
                })
                .collect(),
            by_protocol: groups(&r.by_protocol),
            by_indication: groups(&r.by_indication),
            by_practitioner: groups(&r.by_practitioner),
            by_area: r
                .by_area
                .iter()
                .map(|a| AreaUseOut {
                    area_id: a.area.id,
                    code: a.area.code.clone(),
                    name: a.area.name.clone(),
                    sessions: a.sessions,
                })
                .collect(),
            side_effects: super::reactions::SideEffectsOut::from(&r.reactions),
            sessions_per_day: r
                .sessions_per_day
                .iter()
                .map(|(d, n)| DayCountOut {
                    date: Day(*d),
                    sessions: *n,
                })
                .collect(),
            weekly: r
                .weekly
                .iter()
                .map(|b| WeekOut {
                    from: Day(b.start),
                    to: Day(b.end),
                    amount: AmountOut::from(&b.amount),
                })
                .collect(),
            waste: WasteOut {
                total: AmountOut::from(&r.waste_total),
                by_reason: r
                    .waste_by_reason
                    .iter()
                    .map(|(k, a)| (k.clone(), AmountOut::from(a)))
                    .collect(),
                by_month: r
                    .waste_by_month
                    .iter()
                    .map(|b| MonthOut {
                        month: b.start.format("%Y-%m").to_string(),
                        amount: AmountOut::from(&b.amount),
                    })
                    .collect(),
                by_product: r
                    .waste_by_product
                    .iter()
                    .map(|w| ProductWasteOut {
                        product_id: w.product.id,
                        sku: w.product.sku.clone(),
                        unit: w.product.unit.code().to_string(),
                        quantity: Qty(w.amount.quantity),
                        cost_cents: w.amount.cost_cents,
                        by_reason: w
                            .by_reason
                            .iter()
                            .map(|(k, q)| (k.clone(), Qty(*q)))
                            .collect(),
                    })
                    .collect(),
            },
        }
    }
}
