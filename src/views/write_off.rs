//! The page that lists what "write off all expired stock" will write off,
//! with the button that does it.

use askama::Template;

use super::Frame;
use super::ledger::qty_unit;
use crate::services::write_off::ToWriteOff;

/// One listed position.
#[derive(Debug, Clone)]
pub struct WriteOffRow {
    /// `{lot id}:{location id}`, posted back when confirmed.
    pub key: String,
    pub lot_id: i64,
    pub lot: String,
    pub opened: bool,
    pub quarantined: bool,
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub use_by: String,
    pub location: String,
    pub quantity: String,
}

impl WriteOffRow {
    pub fn from_item(t: &ToWriteOff) -> WriteOffRow {
        WriteOffRow {
            key: format!("{}:{}", t.lot_id, t.location_id),
            lot_id: t.lot_id,
            lot: t.lot_number.clone(),
            opened: t.opened,
            quarantined: t.quarantined,
            product_id: t.product_id,
            sku: t.sku.clone(),
            name: t.product_name.clone(),
            use_by: t.use_by.to_string(),
            location: t.location_code.clone(),
            quantity: qty_unit(t.quantity, &t.unit),
        }
    }
}

#[derive(Template)]
#[template(path = "stock/write_off.html")]
pub struct WriteOffPage {
    pub frame: Frame,
    pub site_code: String,
    pub site_name: String,
    pub rows: Vec<WriteOffRow>,
}
