//! The stock list page: per product usable / expired / quarantined at a
//! site, with filters.

use askama::Template;

use super::Frame;
use super::pager::Pager;

#[derive(Debug, Clone)]
pub struct StockLine {
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub category: String,
    pub needle: String,
    pub unit: String,
    pub usable: String,
    pub expired: String,
    pub quarantined: String,
    pub lots: usize,
    pub next_expiry: String,
    pub low: bool,
    pub has_expired: bool,
    pub has_quarantined: bool,
    /// On hand at cost with the currency; "—" when a lot's cost is unknown.
    pub value: String,
}

pub use super::form::Choice;

#[derive(Template)]
#[template(path = "stock/list.html")]
pub struct StockListPage {
    pub frame: Frame,
    pub site_code: String,
    pub site_name: String,
    pub filters: super::filters::ProductFilterForm,
    pub rows: Vec<StockLine>,
    pub pager: Pager,
    pub can_manage: bool,
}
