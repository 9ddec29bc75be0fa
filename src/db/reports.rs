//! Read-only queries behind the reorder, usage and waste reports. Every
//! query is bounded by a site and a time range so that its cost grows with
//! what falls inside the range, not with years of history:
//!
//! - consumption in the window: `db::usage` (covering index
//!   `ledger_site_kind_time`);
//! - waste: the same ledger index with `kind = 'adjust'` (few rows);
//! - on hand: `balances` of the site (bounded by lots, not history); open
//!   orders: `purchase_orders_site_status`.
//!
//! Days are the site's local days: bucketing by day happens in `db::usage`
//! (boundaries computed by `domain::clock`) or in the services.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use super::DbConn;
use super::schema::{balances, lots, purchase_order_lines, purchase_orders};
use crate::domain::vocab::OrderStatus;

/// `SUM(delta)` of `consume` + `void` rows per product at a site in
/// `[from, to)`: negative = net consumption (consumed − voided). Read from
/// the covering index `ledger_site_kind_time` (see `db::usage` for how each
/// backend sums the window).
pub fn net_consumption_by_product(
    conn: &mut DbConn,
    site_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<(i64, i64)>> {
    Ok(
        super::usage::consumption_by_bucket(conn, site_id, from, to, None)?
            .into_iter()
            .map(|(_, product, sum)| (product, sum))
            .collect(),
    )
}

/// Usable stock at a site as (product, use-by date, quantity): positive
/// balances of lots that are not quarantined and not past their use-by date
/// on `day`, one row per (lot, location).
pub fn usable_lots(
    conn: &mut DbConn,
    site_id: i64,
    day: NaiveDate,
) -> QueryResult<Vec<(i64, NaiveDate, i64)>> {
    balances::table
        .inner_join(lots::table)
        .filter(balances::site_id.eq(site_id))
        .filter(balances::quantity.gt(0))
        .filter(lots::quarantined.eq(false))
        .filter(lots::use_by.ge(day))
        .select((balances::product_id, lots::use_by, balances::quantity))
        .load(conn)
}

/// One line of a not-yet-closed order: (product, order status, ordered
/// quantity = packs × pack size, received quantity).
#[derive(Debug, Clone, Queryable)]
pub struct OpenLine {
    pub product_id: i64,
    pub status: OrderStatus,
    pub packs: i64,
    pub pack_size: i64,
    pub received: i64,
}

/// Lines of draft, sent and partly received orders at a site.
pub fn open_order_lines(conn: &mut DbConn, site_id: i64) -> QueryResult<Vec<OpenLine>> {
    open_order_lines_where(conn, Some(site_id), None)
}

/// Lines of draft, sent and partly received orders at a site (None: every
/// site), of one product or all.
pub fn open_order_lines_where(
    conn: &mut DbConn,
    site_id: Option<i64>,
    product_id: Option<i64>,
) -> QueryResult<Vec<OpenLine>> {
    let mut q = purchase_order_lines::table
        .inner_join(purchase_orders::table)
        .filter(purchase_orders::status.eq_any(["draft", "sent", "partial"]))
        .into_boxed();
    if let Some(site_id) = site_id {
        q = q.filter(purchase_orders::site_id.eq(site_id));
    }
    if let Some(product_id) = product_id {
        q = q.filter(purchase_order_lines::product_id.eq(product_id));
    }
    q.select((
        purchase_order_lines::product_id,
        purchase_orders::status,
        purchase_order_lines::packs,
        purchase_order_lines::pack_size,
        purchase_order_lines::received_quantity,
    ))
    .load(conn)
}

/// Every protocol's (id, name) (few rows; names for the report).
pub fn protocol_names(conn: &mut DbConn) -> QueryResult<Vec<(i64, String)>> {
    super::schema::protocols::table
        .select((super::schema::protocols::id, super::schema::protocols::name))
        .load(conn)
}

/// One waste write-off: an `adjust` row with reason expired, damaged or waste.
#[derive(Debug, Clone, QueryableByName)]
pub struct WasteEntry {
    #[diesel(sql_type = Timestamp)]
    pub occurred_at: NaiveDateTime,
    #[diesel(sql_type = BigInt)]
    pub product_id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    pub reason: Option<String>,
    /// Negative: stock written off.
    #[diesel(sql_type = BigInt)]
    pub delta: i64,
}

/// The waste rows of a site in `[from, to)`, one per ledger row (write-offs
/// are few): the report puts each on the site's local calendar itself, which
/// SQL on SQLite cannot do.
pub fn waste_rows(
    conn: &mut DbConn,
    site_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<WasteEntry>> {
    let q = "SELECT occurred_at, product_id, reason, delta \
         FROM ledger WHERE site_id = $1 AND kind = 'adjust' \
         AND occurred_at >= $2 AND occurred_at < $3 \
         AND reason IN ('expired', 'damaged', 'waste')";
    load_by_name(conn, q, site_id, from, to)
}

/// Runs a `(site_id, from, to)` query on either backend. SQLite accepts the
/// `$n` placeholders PostgreSQL uses.
pub(super) fn load_by_name<T>(
    conn: &mut DbConn,
    q: &str,
    site_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<T>>
where
    T: QueryableByName<diesel::sqlite::Sqlite> + 'static,
    T: PgByName,
{
    match conn {
        DbConn::Sqlite(c) => diesel::sql_query(q)
            .bind::<BigInt, _>(site_id)
            .bind::<Timestamp, _>(from)
            .bind::<Timestamp, _>(to)
            .load(c),
        #[cfg(feature = "postgres")]
        DbConn::Pg(c) => diesel::sql_query(q)
            .bind::<BigInt, _>(site_id)
            .bind::<Timestamp, _>(from)
            .bind::<Timestamp, _>(to)
            .load(c),
    }
}

/// `QueryableByName` for PostgreSQL when that backend is compiled in.
#[cfg(feature = "postgres")]
pub trait PgByName: QueryableByName<diesel::pg::Pg> + 'static {}
#[cfg(feature = "postgres")]
impl<T: QueryableByName<diesel::pg::Pg> + 'static> PgByName for T {}
#[cfg(not(feature = "postgres"))]
pub trait PgByName {}
#[cfg(not(feature = "postgres"))]
impl<T> PgByName for T {}
