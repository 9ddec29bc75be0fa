//! Bodies of `POST /api/v1/receipts` and `GET /api/v1/stock`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Day, Qty, Scalar};
use crate::services::receiving::{ReceiveDraft, Received};
use crate::services::stock::ProductStock;

/// `POST /api/v1/receipts`: by `product_id` or `gtin` with `lot`, `expiry`
/// and `quantity`, or a scanned GS1 element string in `gs1`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"site": "main", "location": "store", "product_id": 3,
    "lot": "L2409", "expiry": "2027-09-30", "quantity": 20, "unit_cost_cents": 45}))]
pub struct ReceiveBody {
    pub site: Option<Scalar>,
    pub location: Option<Scalar>,
    pub product_id: Option<Scalar>,
    pub gtin: Option<Scalar>,
    /// GS1 element string: (01) GTIN, (17) expiry, (10) lot, (21) serial.
    pub gs1: Option<Scalar>,
    pub lot: Option<Scalar>,
    /// `YYYY-MM-DD`; in the past → 422 `expired_on_receipt`.
    pub expiry: Option<Scalar>,
    pub quantity: Option<Scalar>,
    pub quantity_in: Option<Scalar>,
    pub unit_cost_cents: Option<Scalar>,
    /// A past time, for entering earlier deliveries.
    pub received_at: Option<Scalar>,
    pub note: Option<Scalar>,
}

impl ReceiveBody {
    pub fn draft(&self) -> ReceiveDraft {
        let t = Scalar::text;
        ReceiveDraft {
            site: t(&self.site),
            location: t(&self.location),
            product_id: t(&self.product_id),
            gtin: t(&self.gtin),
            gs1: t(&self.gs1),
            lot: t(&self.lot),
            expiry: t(&self.expiry),
            quantity: t(&self.quantity),
            quantity_in: t(&self.quantity_in),
            unit_cost_cents: t(&self.unit_cost_cents),
            unit_cost: None,
            received_at: t(&self.received_at),
            note: t(&self.note),
        }
    }
}

/// The 201 of `POST /api/v1/receipts`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivedLotOut {
    pub receipt_id: i64,
    pub lot_id: i64,
    pub product_id: i64,
    pub lot: String,
    pub expiry: Day,
    pub location: String,
    pub quantity: Qty,
}

impl From<&Received> for ReceivedLotOut {
    fn from(r: &Received) -> Self {
        ReceivedLotOut {
            receipt_id: r.receipt_id,
            lot_id: r.lot_id,
            product_id: r.product.id,
            lot: r.lot.clone(),
            expiry: Day(r.expiry),
            location: r.location_code.clone(),
            quantity: Qty(r.quantity),
        }
    }
}

/// One product of `GET /api/v1/stock` (borrowed from the service's rows:
/// this list is the API's hottest response).
#[derive(Debug, Serialize, ToSchema)]
pub struct StockOut<'a> {
    pub product_id: i64,
    pub sku: &'a str,
    pub name: &'a str,
    pub category: &'a str,
    pub unit: &'a str,
    pub usable: Qty,
    pub expired: Qty,
    pub quarantined: Qty,
    pub lots: Vec<StockLotOut<'a>>,
}

/// One lot at one location.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockLotOut<'a> {
    pub lot_id: i64,
    pub lot: &'a str,
    pub expiry: Day,
    pub use_by: Day,
    pub location: &'a str,
    pub quantity: Qty,
    pub expired: bool,
    pub quarantined: bool,
}

impl<'a> StockOut<'a> {
    pub fn new(s: &'a ProductStock) -> StockOut<'a> {
        StockOut {
            product_id: s.product.id,
            sku: &s.product.sku,
            name: &s.product.name,
            category: s.product.category.code(),
            unit: s.product.unit.code(),
            usable: Qty(s.usable),
            expired: Qty(s.expired),
            quarantined: Qty(s.quarantined),
            lots: s
                .lots
                .iter()
                .map(|l| StockLotOut {
                    lot_id: l.lot_id,
                    lot: &l.lot,
                    expiry: Day(l.expiry),
                    use_by: Day(l.use_by),
                    location: &l.location,
                    quantity: Qty(l.quantity),
                    expired: l.expired,
                    quarantined: l.quarantined,
                })
                .collect(),
        }
    }
}
