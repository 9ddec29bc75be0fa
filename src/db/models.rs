//! Row structs as stored: ids, thousandths, cents, dates, and the closed
//! vocabularies as their domain enums (read and written as text codes by
//! [`super::vocab_sql`]; an unknown stored code fails the read). Services
//! turn the rest into domain values.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::*;
use super::vocab_sql::CodeList;
use crate::domain::clock::SiteClock;
use crate::domain::vocab::{
    Addon, Category, Indication, LedgerKind, OrderStatus, Role, Severity, SideEffect, Unit,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sites)]
pub struct Site {
    pub id: i64,
    pub code: String,
    /// The clinic's display name (after-care sheets, orders, the digest).
    pub name: String,
    pub created_at: NaiveDateTime,
    /// IANA zone name; see [`Site::clock`].
    pub time_zone: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// `HH:MM`, local: when the daily digest goes out.
    pub digest_time: String,
}

impl Site {
    /// The site's clock: its local calendar for every date rule.
    pub fn clock(&self) -> SiteClock {
        SiteClock::from_stored(&self.time_zone)
    }

    /// Today on the site's calendar.
    pub fn today(&self) -> NaiveDate {
        self.clock().today(super::now())
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = locations)]
pub struct Location {
    pub id: i64,
    pub site_id: i64,
    pub code: String,
    pub name: String,
    pub sort_order: i32,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub site_id: Option<i64>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub digest_enabled: bool,
}

impl User {
    /// The name people read ("Pia Novak"), else the login.
    pub fn shown_name(&self) -> &str {
        self.display_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&self.username)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = login_sessions)]
pub struct LoginSession {
    pub id: i64,
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub flash: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub last_seen_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = suppliers)]
pub struct Supplier {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub lead_time_days: Option<i32>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = products)]
pub struct Product {
    pub id: i64,
    pub sku: String,
    pub name: String,
    pub category: Category,
    pub unit: Unit,
    pub pack_size: i64,
    pub needle_length: Option<i32>,
    pub gtin: Option<String>,
    pub supplier_id: Option<i64>,
    pub unit_cost_cents: Option<i64>,
    pub lead_time_days: Option<i32>,
    pub min_level: Option<i64>,
    pub max_level: Option<i64>,
    pub max_per_session: Option<i64>,
    pub use_within_days: Option<i32>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Longest contact time of a topical anaesthetic, minutes (a longer one warns).
    pub max_contact_minutes: Option<i32>,
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = products)]
#[diesel(treat_none_as_null = true)]
pub struct ProductFields {
    pub sku: String,
    pub name: String,
    pub category: Category,
    pub unit: Unit,
    pub pack_size: i64,
    pub needle_length: Option<i32>,
    pub gtin: Option<String>,
    pub supplier_id: Option<i64>,
    pub unit_cost_cents: Option<i64>,
    pub lead_time_days: Option<i32>,
    pub min_level: Option<i64>,
    pub max_level: Option<i64>,
    pub max_per_session: Option<i64>,
    pub use_within_days: Option<i32>,
    pub active: bool,
    pub updated_at: NaiveDateTime,
    pub max_contact_minutes: Option<i32>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = lots)]
pub struct Lot {
    pub id: i64,
    pub product_id: i64,
    pub lot_number: String,
    pub expiry: NaiveDate,
    pub container: i32,
    pub parent_lot_id: Option<i64>,
    pub opened_at: Option<NaiveDateTime>,
    pub discard_by: Option<NaiveDate>,
    pub use_by: NaiveDate,
    pub quarantined: bool,
    pub created_at: NaiveDateTime,
    /// The earliest `receive` ledger row of the lot (of its parent for an
    /// opened container); `None` only for a lot never received.
    pub first_received_at: Option<NaiveDateTime>,
}

impl Lot {
    /// When the lot came in, for FEFO ties: its first receipt, else when it
    /// was entered.
    pub fn received_at(&self) -> NaiveDateTime {
        self.first_received_at.unwrap_or(self.created_at)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = balances)]
pub struct Balance {
    pub lot_id: i64,
    pub location_id: i64,
    pub product_id: i64,
    pub site_id: i64,
    pub quantity: i64,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ledger)]
pub struct LedgerRow {
    pub id: i64,
    pub lot_id: i64,
    pub location_id: i64,
    pub product_id: i64,
    pub site_id: i64,
    pub delta: i64,
    pub kind: LedgerKind,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub user_id: i64,
    pub occurred_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub session_id: Option<i64>,
    pub session_line_id: Option<i64>,
    pub receipt_id: Option<i64>,
    pub purchase_order_id: Option<i64>,
    pub purchase_order_line_id: Option<i64>,
    pub stock_count_id: Option<i64>,
}

/// A ledger row to append. Services build it; `db::ledger::append` writes it
/// and moves the balance in the same transaction.
///
/// Every column is bound, `None` as NULL (no ledger column has another
/// default): one SQL text for every row, so SQLite reuses one prepared
/// statement instead of preparing a variant per set of empty columns.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ledger, treat_none_as_default_value = false)]
pub struct NewLedgerRow {
    pub lot_id: i64,
    pub location_id: i64,
    pub product_id: i64,
    pub site_id: i64,
    pub delta: i64,
    pub kind: LedgerKind,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub user_id: i64,
    pub occurred_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub session_id: Option<i64>,
    pub session_line_id: Option<i64>,
    pub receipt_id: Option<i64>,
    pub purchase_order_id: Option<i64>,
    pub purchase_order_line_id: Option<i64>,
    pub stock_count_id: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = protocols)]
pub struct Protocol {
    pub id: i64,
    pub name: String,
    pub indication: Indication,
    pub needle_min: i32,
    pub needle_max: i32,
    pub addons: CodeList<Addon>,
    pub notes: Option<String>,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = protocol_lines)]
pub struct ProtocolLine {
    pub id: i64,
    pub protocol_id: i64,
    pub product_id: i64,
    pub quantity: i64,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = treatment_sessions)]
pub struct TreatmentSession {
    pub id: i64,
    pub site_id: i64,
    pub practitioner_id: i64,
    pub client_ref: String,
    pub performed_at: NaiveDateTime,
    pub indication: Option<Indication>,
    pub needle_length: i32,
    pub protocol_id: Option<i64>,
    pub addons: CodeList<Addon>,
    pub side_effects: CodeList<SideEffect>,
    pub side_effect_other: Option<String>,
    pub notes: Option<String>,
    pub warnings: String,
    pub idempotency_key: String,
    pub request_hash: String,
    pub voided_at: Option<NaiveDateTime>,
    pub voided_by: Option<i64>,
    pub void_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub duration_minutes: Option<i32>,
    pub anaesthetic_applied_at: Option<NaiveDateTime>,
    pub anaesthetic_contact_minutes: Option<i32>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = session_lines)]
pub struct SessionLine {
    pub id: i64,
    pub session_id: i64,
    pub product_id: i64,
    pub quantity: i64,
    pub named_lot_id: Option<i64>,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = purchase_orders)]
pub struct PurchaseOrder {
    pub id: i64,
    pub site_id: i64,
    pub supplier_id: i64,
    pub status: OrderStatus,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub email_text: Option<String>,
    pub closed_at: Option<NaiveDateTime>,
    pub note: Option<String>,
    /// The address the app e-mailed the order to (None: marked sent by hand).
    pub sent_to: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = purchase_order_lines)]
pub struct PurchaseOrderLine {
    pub id: i64,
    pub purchase_order_id: i64,
    pub product_id: i64,
    pub packs: i64,
    pub pack_size: i64,
    pub pack_cost_cents: i64,
    pub received_quantity: i64,
}

/// A follow-up of a session: side effects noticed after it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = follow_ups)]
pub struct FollowUp {
    pub id: i64,
    pub session_id: i64,
    pub observed_on: NaiveDate,
    pub side_effects: CodeList<SideEffect>,
    pub side_effect_other: Option<String>,
    pub severity: Severity,
    pub note: Option<String>,
    pub user_id: i64,
    pub created_at: NaiveDateTime,
}
