//! Stock count pages: the locations to count, the count sheet, and the
//! discrepancy summary.

use askama::Template;

use super::Frame;

pub struct CountLocationRow {
    pub location_id: i64,
    pub site: String,
    pub code: String,
    pub name: String,
    pub lots: i64,
    pub last_counted: String,
}

#[derive(Template)]
#[template(path = "counts/index.html")]
pub struct CountsPage {
    pub frame: Frame,
    pub locations: Vec<CountLocationRow>,
}

pub struct SheetRow {
    pub lot_id: i64,
    /// Product name, SKU, lot number and GTIN, lower case (the in-page search).
    pub find: String,
    pub field: String,
    pub product: String,
    pub sku: String,
    pub lot: String,
    pub expiry: String,
    pub opened: String,
    pub expected: String,
    pub unit: String,
    pub expired: bool,
    pub quarantined: bool,
    /// What was typed (when the sheet comes back with errors).
    pub value: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "counts/sheet.html")]
pub struct CountSheetPage {
    pub frame: Frame,
    pub location_id: i64,
    pub location: String,
    pub site: String,
    pub blind: bool,
    pub sheet_at: i64,
    pub rows: Vec<SheetRow>,
    pub note: String,
    /// Errors that belong to no line.
    pub errors: super::form::FieldErrors,
    /// The search or scan the sheet is narrowed to ("" for all lines).
    pub q: String,
    /// Lines on the whole sheet.
    pub all_lines: usize,
}

pub struct ResultRow {
    pub lot_id: i64,
    pub product: String,
    pub sku: String,
    pub lot: String,
    pub expected: String,
    pub counted: String,
    pub difference: String,
    pub short: bool,
}

#[derive(Template)]
#[template(path = "counts/result.html")]
pub struct CountResultPage {
    pub frame: Frame,
    pub count_id: i64,
    pub location_id: i64,
    pub location: String,
    pub site: String,
    pub when: String,
    pub user: String,
    pub blind: bool,
    pub lines_counted: i32,
    pub discrepancies: i32,
    pub rows: Vec<ResultRow>,
}
