//! The receipt pages: the list of deliveries received and one receipt with
//! its line, its corrections and the correction form.

use askama::Template;

use super::Frame;
use super::form::FieldErrors;
use super::pager::Pager;

/// One delivery in the list.
#[derive(Debug, Clone)]
pub struct ReceiptRow {
    pub id: i64,
    pub when: String,
    pub site: String,
    pub location: String,
    pub product: String,
    pub sku: String,
    pub lot: String,
    pub quantity: String,
    pub user: String,
    pub corrected: bool,
}

#[derive(Template)]
#[template(path = "receipts/list.html")]
pub struct ReceiptListPage {
    pub frame: Frame,
    pub rows: Vec<ReceiptRow>,
    pub pager: Pager,
}

/// A line of the delivery: a lot at a location with what it brought.
#[derive(Debug, Clone)]
pub struct ReceiptLine {
    pub product_id: i64,
    pub product: String,
    pub sku: String,
    pub lot_id: i64,
    pub lot: String,
    pub expiry: String,
    pub location: String,
    /// As first received.
    pub received: String,
    /// After corrections.
    pub now: String,
}

/// One correction row.
#[derive(Debug, Clone)]
pub struct CorrectionLine {
    pub id: i64,
    pub when: String,
    pub user: String,
    pub change: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "receipts/show.html")]
pub struct ReceiptPage {
    pub frame: Frame,
    pub id: i64,
    pub when: String,
    pub user: String,
    pub site: String,
    pub location: String,
    pub order: Option<(i64, String)>,
    pub note: String,
    pub unit_cost: String,
    pub lines: Vec<ReceiptLine>,
    pub corrections: Vec<CorrectionLine>,
    pub unit: String,
    pub can_correct: bool,
    /// The correction form's values and errors.
    pub quantity: String,
    pub reason: String,
    pub errors: FieldErrors,
}
