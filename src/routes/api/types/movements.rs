//! Ledger rows and the recall view of a lot (`/api/v1/ledger`,
//! `/api/v1/lots/{id}`, `/api/v1/adjustments`), also the `ledger` of
//! transfers, counts and receipts.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Day, Qty, Scalar, Time};
use crate::db::ledger::LedgerEntry;
use crate::domain::fefo::is_expired;
use crate::services::adjustments::AdjustDraft;
use crate::services::lots::LotDetail;

/// One ledger row: a signed movement of one lot at one location.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerOut {
    pub id: i64,
    pub occurred_at: Time,
    /// `receive`, `consume`, `adjust`, `transfer_out`, `transfer_in`, `void`, …
    pub kind: String,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub site_id: i64,
    pub location_id: i64,
    pub location: String,
    pub product_id: i64,
    pub sku: String,
    pub lot_id: i64,
    pub lot: String,
    pub expiry: Day,
    pub delta: Qty,
    pub unit: String,
    pub user: String,
    pub session_id: Option<i64>,
    pub receipt_id: Option<i64>,
    pub purchase_order_id: Option<i64>,
    pub stock_count_id: Option<i64>,
}

impl From<&LedgerEntry> for LedgerOut {
    fn from(e: &LedgerEntry) -> Self {
        LedgerOut {
            id: e.row.id,
            occurred_at: Time(e.row.occurred_at),
            kind: e.row.kind.code().to_string(),
            reason: e.row.reason.clone(),
            note: e.row.note.clone(),
            site_id: e.row.site_id,
            location_id: e.row.location_id,
            location: e.location_code.clone(),
            product_id: e.row.product_id,
            sku: e.sku.clone(),
            lot_id: e.row.lot_id,
            lot: e.lot_number.clone(),
            expiry: Day(e.expiry),
            delta: Qty(e.row.delta),
            unit: e.unit.code().to_string(),
            user: e.username.clone(),
            session_id: e.row.session_id,
            receipt_id: e.row.receipt_id,
            purchase_order_id: e.row.purchase_order_id,
            stock_count_id: e.row.stock_count_id,
        }
    }
}

/// Ledger rows as JSON bodies.
pub fn ledger(rows: &[LedgerEntry]) -> Vec<LedgerOut> {
    rows.iter().map(LedgerOut::from).collect()
}

/// `POST /api/v1/adjustments`: the location by id, or by code (with `site`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AdjustBody {
    pub lot_id: Option<Scalar>,
    pub location_id: Option<Scalar>,
    pub site: Option<Scalar>,
    pub location: Option<Scalar>,
    /// Signed change in the product's unit.
    pub delta: Option<Scalar>,
    /// `waste`, `damaged`, `expired`, `count`, `return`, `found` or `other`.
    pub reason: Option<Scalar>,
    pub note: Option<Scalar>,
}

impl AdjustBody {
    pub fn draft(&self) -> AdjustDraft {
        let t = Scalar::text;
        AdjustDraft {
            lot_id: t(&self.lot_id),
            location_id: t(&self.location_id),
            site: t(&self.site),
            location: t(&self.location),
            delta: t(&self.delta),
            reason: t(&self.reason),
            note: t(&self.note),
        }
    }
}

/// An opened container of a lot.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContainerOut {
    pub lot_id: i64,
    pub container: i32,
    pub opened_at: Option<Time>,
    pub discard_by: Option<Day>,
    pub use_by: Day,
    pub expired: bool,
}

/// What a lot holds at one location.
#[derive(Debug, Serialize, ToSchema)]
pub struct BalanceOut {
    pub lot_id: i64,
    pub container: i32,
    pub site: String,
    pub location: String,
    pub quantity: Qty,
    pub expired: bool,
}

/// A session that used the lot (for a recall).
#[derive(Debug, Serialize, ToSchema)]
pub struct LotSessionOut {
    pub id: i64,
    pub client_ref: String,
    pub performed_at: Time,
    pub practitioner: String,
    pub quantity: Qty,
    pub voided: bool,
}

/// `GET /api/v1/lots/{id}`: the lot with balances and the sessions it went into.
#[derive(Debug, Serialize, ToSchema)]
pub struct LotOut {
    pub id: i64,
    pub lot_id: i64,
    pub product_id: i64,
    pub sku: String,
    pub product: String,
    pub unit: String,
    pub lot: String,
    pub expiry: Day,
    pub use_by: Day,
    pub expired: bool,
    pub quarantined: bool,
    pub quantity: Qty,
    pub containers: Vec<ContainerOut>,
    pub balances: Vec<BalanceOut>,
    pub sessions: Vec<LotSessionOut>,
}

impl From<&LotDetail> for LotOut {
    fn from(d: &LotDetail) -> Self {
        let today = d.today;
        LotOut {
            id: d.lot.id,
            lot_id: d.lot.id,
            product_id: d.product.id,
            sku: d.product.sku.clone(),
            product: d.product.name.clone(),
            unit: d.product.unit.code().to_string(),
            lot: d.lot.lot_number.clone(),
            expiry: Day(d.lot.expiry),
            use_by: Day(d.lot.use_by),
            expired: is_expired(d.lot.use_by, today),
            quarantined: d.lot.quarantined,
            quantity: Qty(d.on_hand()),
            containers: d
                .containers
                .iter()
                .map(|l| ContainerOut {
                    lot_id: l.id,
                    container: l.container,
                    opened_at: l.opened_at.map(Time),
                    discard_by: l.discard_by.map(Day),
                    use_by: Day(l.use_by),
                    expired: is_expired(l.use_by, today),
                })
                .collect(),
            balances: d
                .balances
                .iter()
                .map(|(h, site)| BalanceOut {
                    lot_id: h.lot.id,
                    container: h.lot.container,
                    site: site.clone(),
                    location: h.location_code.clone(),
                    quantity: Qty(h.quantity),
                    expired: is_expired(h.lot.use_by, today),
                })
                .collect(),
            sessions: d
                .sessions
                .iter()
                .map(|s| LotSessionOut {
                    id: s.session_id,
                    client_ref: s.client_ref.clone(),
                    performed_at: Time(s.performed_at),
                    practitioner: s.practitioner.clone(),
                    quantity: Qty(s.quantity),
                    voided: s.voided,
                })
                .collect(),
        }
    }
}
