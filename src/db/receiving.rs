//! Receipts (deliveries).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::receipts;
use super::{DbConn, now};

#[derive(Debug, Clone)]
pub struct NewReceipt {
    pub site_id: i64,
    pub location_id: i64,
    pub user_id: i64,
    pub purchase_order_id: Option<i64>,
    pub unit_cost_cents: Option<i64>,
    pub note: Option<String>,
    pub received_at: NaiveDateTime,
}

pub fn insert_receipt(conn: &mut DbConn, r: &NewReceipt) -> QueryResult<i64> {
    diesel::insert_into(receipts::table)
        .values((
            receipts::site_id.eq(r.site_id),
            receipts::location_id.eq(r.location_id),
            receipts::user_id.eq(r.user_id),
            receipts::purchase_order_id.eq(r.purchase_order_id),
            receipts::unit_cost_cents.eq(r.unit_cost_cents),
            receipts::note.eq(&r.note),
            receipts::received_at.eq(r.received_at),
            receipts::created_at.eq(now()),
        ))
        .returning(receipts::id)
        .get_result(conn)
}

/// A receipt as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = receipts)]
pub struct Receipt {
    pub id: i64,
    pub site_id: i64,
    pub location_id: i64,
    pub user_id: i64,
    pub purchase_order_id: Option<i64>,
    pub unit_cost_cents: Option<i64>,
    pub note: Option<String>,
    pub received_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

fn of_site(site_id: Option<i64>) -> receipts::BoxedQuery<'static, super::MultiBackend> {
    let mut q = receipts::table.into_boxed();
    if let Some(s) = site_id {
        q = q.filter(receipts::site_id.eq(s));
    }
    q
}

/// Receipts (of one site, or all), newest first.
pub fn page(
    conn: &mut DbConn,
    site_id: Option<i64>,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<Receipt>> {
    of_site(site_id)
        .order((receipts::received_at.desc(), receipts::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(Receipt::as_select())
        .load(conn)
}

/// How many receipts (of one site, or all).
pub fn count(conn: &mut DbConn, site_id: Option<i64>) -> QueryResult<i64> {
    of_site(site_id).count().get_result(conn)
}

pub fn by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<Receipt>> {
    receipts::table
        .find(id)
        .select(Receipt::as_select())
        .first(conn)
        .optional()
}

/// The ids of the ledger rows these receipts wrote.
pub fn ledger_ids(conn: &mut DbConn, receipt_ids: &[i64]) -> QueryResult<Vec<i64>> {
    use super::schema::ledger;
    if receipt_ids.is_empty() {
        return Ok(Vec::new());
    }
    ledger::table
        .filter(ledger::receipt_id.eq_any(receipt_ids.to_vec()))
        .select(ledger::id)
        .order(ledger::id)
        .load(conn)
}
