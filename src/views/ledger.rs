//! The ledger page, and the ledger row display shared with the lot page.

use askama::Template;

use super::Frame;
use crate::db::ledger::LedgerEntry;
use crate::domain::Quantity;
use crate::domain::clock::Clocks;
use crate::domain::vocab::AdjustReason;
use crate::services::ledger::LedgerQuery;

/// "2.5 g", "3" (items counted each carry no unit).
pub fn qty_unit(q: i64, unit: &str) -> String {
    if unit == "each" || unit.is_empty() {
        Quantity(q).to_string()
    } else {
        format!("{} {unit}", Quantity(q))
    }
}

/// "+2.5 g", "-3".
pub fn signed_qty_unit(q: i64, unit: &str) -> String {
    let s = qty_unit(q, unit);
    if q > 0 { format!("+{s}") } else { s }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// One ledger row as people read it.
pub struct LedgerLine {
    pub id: i64,
    pub time: String,
    pub kind: String,
    pub kind_label: String,
    pub reason: String,
    pub product_id: i64,
    pub product: String,
    pub sku: String,
    pub lot_id: i64,
    pub lot: String,
    pub location: String,
    pub delta: String,
    pub negative: bool,
    pub user: String,
    pub note: String,
    pub session_id: Option<i64>,
    pub receipt_id: Option<i64>,
    pub stock_count_id: Option<i64>,
}

impl LedgerLine {
    /// The row on its site's clock.
    pub fn from_entry(e: &LedgerEntry, clocks: &Clocks) -> LedgerLine {
        let reason = e.row.reason.clone().unwrap_or_default();
        LedgerLine {
            id: e.row.id,
            time: clocks.format(e.row.site_id, e.row.occurred_at),
            kind: e.row.kind.code().to_string(),
            kind_label: e.row.kind.label().to_string(),
            reason: AdjustReason::parse(&reason)
                .map(|r| r.label().to_string())
                .unwrap_or_else(|| capitalised(&reason)),
            product_id: e.row.product_id,
            product: e.product_name.clone(),
            sku: e.sku.clone(),
            lot_id: e.row.lot_id,
            lot: e.lot_number.clone(),
            location: e.location_code.clone(),
            delta: signed_qty_unit(e.row.delta, e.unit.code()),
            negative: e.row.delta < 0,
            user: e.username.clone(),
            note: e.row.note.clone().unwrap_or_default(),
            session_id: e.row.session_id,
            receipt_id: e.row.receipt_id,
            stock_count_id: e.row.stock_count_id,
        }
    }
}

/// An option of a filter select: (value, label).
pub type Choice = (String, String);

/// The filter values as typed, for re-filling the filter form.
#[derive(Default)]
pub struct FilterValues {
    pub site: String,
    pub product_id: String,
    pub lot_id: String,
    pub lot: String,
    pub location_id: String,
    pub kind: String,
    pub user: String,
    pub from: String,
    pub to: String,
}

impl FilterValues {
    pub fn from_query(q: &LedgerQuery) -> FilterValues {
        let v = |o: &Option<String>| o.as_deref().unwrap_or("").trim().to_string();
        FilterValues {
            site: v(&q.site),
            product_id: v(&q.product_id),
            lot_id: v(&q.lot_id),
            lot: v(&q.lot),
            location_id: v(&q.location_id),
            kind: v(&q.kind),
            user: v(&q.user),
            from: v(&q.from),
            to: v(&q.to),
        }
    }
}

#[derive(Template)]
#[template(path = "ledger/index.html")]
pub struct LedgerPage {
    pub frame: Frame,
    pub q: FilterValues,
    pub sites: Vec<Choice>,
    pub products: Vec<Choice>,
    pub locations: Vec<Choice>,
    pub kinds: Vec<Choice>,
    pub rows: Vec<LedgerLine>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    /// The filters as a query string (without `page`), for links.
    pub query_string: String,
    pub error: Option<String>,
}
