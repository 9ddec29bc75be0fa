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

/// For each of these lots, the lot whose receipts carry its cost: itself, or
/// the lot it was opened from (an opened container is never received).
pub fn cost_lots(conn: &mut DbConn, lot_ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    use super::schema::lots;
    let mut out = Vec::with_capacity(lot_ids.len());
    for chunk in lot_ids.chunks(1000) {
        let rows: Vec<(i64, Option<i64>)> = lots::table
            .filter(lots::id.eq_any(chunk.to_vec()))
            .select((lots::id, lots::parent_lot_id))
            .load(conn)?;
        out.extend(
            rows.into_iter()
                .map(|(id, parent)| (id, parent.unwrap_or(id))),
        );
    }
    Ok(out)
}

/// The `receive` rows of these lots whose receipt stored a unit cost:
/// (lot, received quantity in thousandths, unit cost in cents).
pub fn costed_receipts_of_lots(
    conn: &mut DbConn,
    lot_ids: &[i64],
) -> QueryResult<Vec<(i64, i64, i64)>> {
    use super::schema::ledger;
    let mut out = Vec::new();
    for chunk in lot_ids.chunks(1000) {
        let rows: Vec<(i64, i64, Option<i64>)> = ledger::table
            .inner_join(receipts::table.on(ledger::receipt_id.eq(receipts::id.nullable())))
            .filter(ledger::lot_id.eq_any(chunk.to_vec()))
            // A literal, not a bound value: both planners then match the
            // partial index `ledger_receive_lot` (… WHERE kind = 'receive').
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                "ledger.kind = 'receive'",
            ))
            .filter(receipts::unit_cost_cents.is_not_null())
            .select((ledger::lot_id, ledger::delta, receipts::unit_cost_cents))
            .load(conn)?;
        out.extend(
            rows.into_iter()
                .filter_map(|(lot, q, c)| c.map(|c| (lot, q, c))),
        );
    }
    Ok(out)
}
