//! Stock counts: the count record, its ledger rows, and what each count
//! row's balance was right after it was booked.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::schema::{balances, ledger, stock_counts};
use super::{DbConn, now};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = stock_counts)]
pub struct StockCount {
    pub id: i64,
    pub location_id: i64,
    pub user_id: i64,
    pub blind: bool,
    pub lines_counted: i32,
    pub discrepancies: i32,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, location_id: i64, user_id: i64, blind: bool) -> QueryResult<i64> {
    diesel::insert_into(stock_counts::table)
        .values((
            stock_counts::location_id.eq(location_id),
            stock_counts::user_id.eq(user_id),
            stock_counts::blind.eq(blind),
            stock_counts::lines_counted.eq(0),
            stock_counts::discrepancies.eq(0),
            stock_counts::created_at.eq(now()),
        ))
        .returning(stock_counts::id)
        .get_result(conn)
}

/// Records how many lines were counted and how many differed.
pub fn set_totals(
    conn: &mut DbConn,
    id: i64,
    lines_counted: i32,
    discrepancies: i32,
) -> QueryResult<usize> {
    diesel::update(stock_counts::table.find(id))
        .set((
            stock_counts::lines_counted.eq(lines_counted),
            stock_counts::discrepancies.eq(discrepancies),
        ))
        .execute(conn)
}

pub fn by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<StockCount>> {
    stock_counts::table
        .find(id)
        .select(StockCount::as_select())
        .first(conn)
        .optional()
}

/// The ledger ids booked by a count, in booking order.
pub fn ledger_ids(conn: &mut DbConn, count_id: i64) -> QueryResult<Vec<i64>> {
    ledger::table
        .filter(ledger::stock_count_id.eq(count_id))
        .select(ledger::id)
        .order(ledger::id)
        .load(conn)
}

/// The (lot, location) balance right after ledger row `ledger_id`: the sum
/// of its rows up to and including that one (indexed by lot and location).
pub fn balance_after(
    conn: &mut DbConn,
    lot_id: i64,
    location_id: i64,
    ledger_id: i64,
) -> QueryResult<i64> {
    ledger::table
        .filter(ledger::lot_id.eq(lot_id))
        .filter(ledger::location_id.eq(location_id))
        .filter(ledger::id.le(ledger_id))
        .select(sql::<BigInt>(
            "CAST(COALESCE(SUM(ledger.delta), 0) AS BIGINT)",
        ))
        .first(conn)
}

/// Ledger rows at a location newer than `after_id` (stock that moved while a
/// count sheet was out).
pub fn moves_since(conn: &mut DbConn, location_id: i64, after_id: i64) -> QueryResult<i64> {
    ledger::table
        .filter(ledger::id.gt(after_id))
        .filter(ledger::location_id.eq(location_id))
        .filter(ledger::stock_count_id.is_null())
        .count()
        .get_result(conn)
}

/// The latest count per location: (location id, when).
pub fn last_per_location(conn: &mut DbConn) -> QueryResult<Vec<(i64, Option<NaiveDateTime>)>> {
    stock_counts::table
        .group_by(stock_counts::location_id)
        .select((
            stock_counts::location_id,
            diesel::dsl::max(stock_counts::created_at),
        ))
        .load(conn)
}

/// How many lots have a positive balance, per location.
pub fn lots_per_location(conn: &mut DbConn) -> QueryResult<Vec<(i64, i64)>> {
    balances::table
        .filter(balances::quantity.gt(0))
        .group_by(balances::location_id)
        .select((balances::location_id, diesel::dsl::count_star()))
        .load(conn)
}
