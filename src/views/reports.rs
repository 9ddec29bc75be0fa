//! The reorder report: page (grouped by supplier, "order now" first, then
//! "watch", the rest collapsed), print view, CSV and JSON rows. Every figure
//! of the rule is shown so a manager can see why a line is there.

use std::collections::{HashMap, HashSet};

use askama::Template;

use super::Frame;
use crate::csv_cell::{Cell, CsvOut};
use crate::domain::quantity::{fmt_money, fmt_qty};
use crate::services::reorder::{ReorderReport, ReorderRow, RowStatus};

/// `20.0` from tenths of a day; "—" when there is no use.
pub fn fmt_cover(tenths: Option<i64>) -> String {
    match tenths {
        Some(t) => format!("{}.{}", t / 10, t % 10),
        None => "—".into(),
    }
}

/// One product's figures as shown.
#[derive(Debug, Clone)]
pub struct RowView {
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub pack_size: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub usable: String,
    pub on_order: String,
    pub in_draft: String,
    pub has_draft: bool,
    pub consumed: String,
    pub use_per_day: String,
    pub lead_days: i64,
    pub min_level: String,
    pub min_manual: bool,
    pub max_level: String,
    pub max_manual: bool,
    pub position: String,
    pub cover: String,
    pub expiring: String,
    pub has_expiring: bool,
    pub order_packs: i64,
    pub order_quantity: String,
    pub order_cost: String,
    pub pack_cost: String,
    /// Form state: ticked, packs typed, errors at the row.
    pub picked: bool,
    pub packs_value: String,
    pub error: Option<String>,
}

impl RowView {
    pub fn from_row(r: &ReorderRow) -> RowView {
        RowView {
            product_id: r.product.id,
            sku: r.product.sku.clone(),
            name: r.product.name.clone(),
            unit: r.product.unit.code().to_string(),
            pack_size: fmt_qty(r.product.pack_size),
            status: r.status.code(),
            status_label: r.status.label(),
            usable: fmt_qty(r.usable),
            on_order: fmt_qty(r.on_order),
            in_draft: fmt_qty(r.in_draft),
            has_draft: r.in_draft > 0,
            consumed: fmt_qty(r.consumed),
            use_per_day: fmt_qty(r.line.use_per_day),
            lead_days: r.line.lead_days,
            min_level: fmt_qty(r.line.min_level),
            min_manual: r.line.min_is_manual,
            max_level: fmt_qty(r.line.max_level),
            max_manual: r.line.max_is_manual,
            position: fmt_qty(r.line.position),
            cover: fmt_cover(r.line.days_of_cover_tenths),
            expiring: fmt_qty(r.line.expiring_before_use),
            has_expiring: r.line.expiring_before_use > 0,
            order_packs: r.line.order_packs,
            order_quantity: fmt_qty(r.line.order_quantity),
            order_cost: fmt_money(r.order_cost_cents),
            pack_cost: fmt_money(r.pack_cost_cents),
            // A product already on a draft is not ticked: drafting it again
            // would order it twice (the page skips it anyway).
            picked: r.status == RowStatus::Order && r.in_draft == 0,
            packs_value: r.line.order_packs.max(1).to_string(),
            error: None,
        }
    }
}

/// One supplier's part of the report.
#[derive(Debug, Clone)]
pub struct GroupView {
    pub name: String,
    pub has_supplier: bool,
    pub lead: String,
    pub subtotal: String,
    pub order: Vec<RowView>,
    pub watch: Vec<RowView>,
    pub rest: Vec<RowView>,
}

/// Groups rows by supplier for the page and the print view. `form` carries
/// what was typed when the page comes back with errors.
pub fn group_views(report: &ReorderReport, form: Option<&PickForm>) -> Vec<GroupView> {
    report
        .groups()
        .into_iter()
        .map(|g| {
            let mut view = GroupView {
                name: g
                    .supplier
                    .map(|s| s.name.clone())
                    .unwrap_or_else(|| "No supplier".into()),
                has_supplier: g.supplier.is_some(),
                lead: g
                    .supplier
                    .and_then(|s| s.lead_time_days)
                    .map(|d| format!("{d} days"))
                    .unwrap_or_else(|| "not set".into()),
                subtotal: fmt_money(g.order_cost_cents()),
                order: Vec::new(),
                watch: Vec::new(),
                rest: Vec::new(),
            };
            for r in &g.rows {
                let mut row = RowView::from_row(r);
                if let Some(f) = form {
                    row.picked = f.picked.contains(&row.product_id);
                    if let Some(v) = f.packs.get(&row.product_id) {
                        row.packs_value = v.clone();
                    }
                    row.error = f
                        .errors
                        .iter()
                        .find(|e| {
                            e.field == format!("packs_{}", row.product_id)
                                || e.field == format!("pick_{}", row.product_id)
                        })
                        .map(|e| e.message.clone());
                }
                match r.status {
                    RowStatus::Order => view.order.push(row),
                    RowStatus::Watch => view.watch.push(row),
                    RowStatus::Ok => view.rest.push(row),
                }
            }
            view
        })
        .collect()
}

/// What was ticked and typed in the "Create purchase orders" form.
#[derive(Debug, Clone, Default)]
pub struct PickForm {
    pub picked: HashSet<i64>,
    pub packs: HashMap<i64, String>,
    pub errors: super::form::FieldErrors,
}

#[derive(Template)]
#[template(path = "reports/reorder.html")]
pub struct ReorderPage {
    pub frame: Frame,
    pub sites: Vec<(String, String)>,
    pub site: String,
    pub as_of: String,
    pub window: String,
    pub safety_days: i64,
    pub cover_days: i64,
    pub currency: String,
    pub groups: Vec<GroupView>,
    pub total: String,
    pub order_count: usize,
    pub watch_count: usize,
    pub product_count: usize,
    /// `site=…&as_of=…&window=…` for the CSV and print links.
    pub query: String,
    pub filter_errors: super::form::FieldErrors,
    pub form_errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "reports/reorder_print.html")]
pub struct ReorderPrint {
    pub title: String,
    pub clinic: String,
    pub site: String,
    pub as_of: String,
    pub window: i64,
    pub safety_days: i64,
    pub cover_days: i64,
    pub currency: String,
    pub groups: Vec<GroupView>,
    pub total: String,
    pub printed: String,
    pub query: String,
}

/// The report as CSV for spreadsheets: a UTF-8 byte-order mark (so that
/// spreadsheet programs read accents right), one header row with units and
/// plain decimals (point as decimal separator, no thousands separators).
pub fn reorder_csv(report: &ReorderReport) -> Result<Vec<u8>, csv::Error> {
    let mut w = CsvOut::with_bom();
    w.header(&[
        "Supplier",
        "SKU",
        "Product",
        "Unit",
        "Status",
        "Usable on hand",
        "On order",
        "In draft orders",
        "Used in window (net of voids)",
        "Window days",
        "Use per day",
        "Lead days",
        "Safety days",
        "Cover days",
        "Min level",
        "Min level set",
        "Max level",
        "Max level set",
        "Position",
        "Order packs",
        "Pack size",
        "Order quantity",
        "Pack cost",
        "Order cost",
        "Days of cover",
        "Expiring before use",
    ])?;
    let o = &report.options;
    for r in &report.rows {
        let manual = |m: bool| Cell::text(if m { "by hand" } else { "computed" });
        let q = |v: i64| Cell::num(fmt_qty(v));
        w.row([
            Cell::text(
                r.supplier
                    .as_ref()
                    .map(|s| s.name.as_str())
                    .unwrap_or_default(),
            ),
            Cell::text(r.product.sku.as_str()),
            Cell::text(r.product.name.as_str()),
            Cell::text(r.product.unit.code()),
            Cell::text(r.status.label()),
            q(r.usable),
            q(r.on_order),
            q(r.in_draft),
            q(r.consumed),
            Cell::int(o.window_days),
            q(r.line.use_per_day),
            Cell::int(r.line.lead_days),
            Cell::int(o.safety_days),
            Cell::int(o.cover_days),
            q(r.line.min_level),
            manual(r.line.min_is_manual),
            q(r.line.max_level),
            manual(r.line.max_is_manual),
            q(r.line.position),
            Cell::int(r.line.order_packs),
            q(r.product.pack_size),
            q(r.line.order_quantity),
            Cell::num(fmt_money(r.pack_cost_cents)),
            Cell::num(fmt_money(r.order_cost_cents)),
            Cell::num(match r.line.days_of_cover_tenths {
                Some(t) => fmt_cover(Some(t)),
                None => String::new(),
            }),
            q(r.line.expiring_before_use),
        ])?;
    }
    w.into_inner()
}
