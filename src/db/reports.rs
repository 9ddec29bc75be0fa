//! Read-only queries behind the reorder, usage and waste reports. Every
//! query is bounded by a site and a time range so that its cost grows with
//! what falls inside the range, not with years of history:
//!
//! - consumption comes from the covering index
//!   `ledger_site_kind_time (site_id, kind, occurred_at, product_id, delta)`:
//!   `consume` and `void` rows of one site in `[from, to)` are read from the
//!   index alone (no table lookups); a voided session's `void` rows carry the
//!   session's `performed_at`, so they cancel its `consume` rows;
//! - sessions come from `treatment_sessions_site_time (site_id, performed_at)`
//!   and their lines from `session_lines_session`;
//! - waste comes from the same ledger index with `kind = 'adjust'`;
//! - on hand comes from `balances_site_product`, open orders from
//!   `purchase_orders_site_status`.
//!
//! Grouping by day or week is backend-specific SQL (date arithmetic differs),
//! kept in [`day_offset_sql`].

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};

use super::DbConn;
use super::schema::{balances, ledger, lots, purchase_order_lines, purchase_orders};

/// `SUM(delta)` of `consume` + `void` rows per product at a site in
/// `[from, to)`: negative = net consumption (consumed − voided).
pub fn net_consumption_by_product(
    conn: &mut DbConn,
    site_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<(i64, i64)>> {
    ledger::table
        .filter(ledger::site_id.eq(site_id))
        .filter(ledger::kind.eq_any(["consume", "void"]))
        .filter(ledger::occurred_at.ge(from))
        .filter(ledger::occurred_at.lt(to))
        .group_by(ledger::product_id)
        .select((
            ledger::product_id,
            sql::<BigInt>("CAST(COALESCE(SUM(ledger.delta), 0) AS BIGINT)"),
        ))
        .load(conn)
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
    pub status: String,
    pub packs: i64,
    pub pack_size: i64,
    pub received: i64,
}

/// Lines of draft, sent and partly received orders at a site.
pub fn open_order_lines(conn: &mut DbConn, site_id: i64) -> QueryResult<Vec<OpenLine>> {
    purchase_order_lines::table
        .inner_join(purchase_orders::table)
        .filter(purchase_orders::site_id.eq(site_id))
        .filter(purchase_orders::status.eq_any(["draft", "sent", "partial"]))
        .select((
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

/// SQL for "whole days from `origin` to the date of `column`" on this backend.
/// `origin` is a date we format ourselves, never user text.
fn day_offset_sql(conn: &DbConn, column: &str, origin: NaiveDate) -> String {
    let origin = origin.format("%Y-%m-%d");
    match conn {
        DbConn::Sqlite(_) => {
            format!("CAST(julianday(date({column})) - julianday('{origin}') AS INTEGER)")
        }
        #[cfg(feature = "postgres")]
        DbConn::Pg(_) => format!("(CAST({column} AS DATE) - DATE '{origin}')"),
    }
}

/// A sum of ledger deltas in a time bucket for one product.
#[derive(Debug, Clone, QueryableByName)]
pub struct BucketSum {
    /// Whole `bucket_days` since the origin.
    #[diesel(sql_type = Integer)]
    pub bucket: i32,
    #[diesel(sql_type = BigInt)]
    pub product_id: i64,
    #[diesel(sql_type = BigInt)]
    pub total: i64,
}

/// Net consumption (`consume` + `void` deltas) per (bucket, product) at a
/// site in `[from, to)`, buckets of `bucket_days` counted from `origin`
/// (`origin` ≤ the date of `from`).
pub fn consumption_by_bucket(
    conn: &mut DbConn,
    site_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
    origin: NaiveDate,
    bucket_days: i32,
) -> QueryResult<Vec<BucketSum>> {
    let offset = day_offset_sql(conn, "occurred_at", origin);
    let q = format!(
        "SELECT CAST(({offset}) / {days} AS INTEGER) AS bucket, product_id, \
         CAST(COALESCE(SUM(delta), 0) AS BIGINT) AS total \
         FROM ledger WHERE site_id = $1 AND kind IN ('consume', 'void') \
         AND occurred_at >= $2 AND occurred_at < $3 \
         GROUP BY 1, product_id",
        days = bucket_days.max(1)
    );
    load_by_name(conn, &q, site_id, from, to)
}

/// A sum of waste deltas per (day, product, reason).
#[derive(Debug, Clone, QueryableByName)]
pub struct WasteSum {
    #[diesel(sql_type = Integer)]
    pub day: i32,
    #[diesel(sql_type = BigInt)]
    pub product_id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    pub reason: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub total: i64,
}

/// `adjust` rows with a waste reason (expired, damaged, waste) at a site in
/// `[from, to)`, summed per (day since `origin`, product, reason). Negative
/// totals are stock written off.
pub fn waste_by_day(
    conn: &mut DbConn,
    site_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
    origin: NaiveDate,
) -> QueryResult<Vec<WasteSum>> {
    let offset = day_offset_sql(conn, "occurred_at", origin);
    let q = format!(
        "SELECT CAST({offset} AS INTEGER) AS day, product_id, reason, \
         CAST(COALESCE(SUM(delta), 0) AS BIGINT) AS total \
         FROM ledger WHERE site_id = $1 AND kind = 'adjust' \
         AND occurred_at >= $2 AND occurred_at < $3 \
         AND reason IN ('expired', 'damaged', 'waste') \
         GROUP BY 1, product_id, reason"
    );
    load_by_name(conn, &q, site_id, from, to)
}

/// Sessions per day (not voided) at a site in `[from, to)`.
#[derive(Debug, Clone, QueryableByName)]
pub struct DayCount {
    #[diesel(sql_type = Integer)]
    pub day: i32,
    #[diesel(sql_type = BigInt)]
    pub sessions: i64,
}

pub fn sessions_by_day(
    conn: &mut DbConn,
    site_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
    origin: NaiveDate,
) -> QueryResult<Vec<DayCount>> {
    let offset = day_offset_sql(conn, "performed_at", origin);
    let q = format!(
        "SELECT CAST({offset} AS INTEGER) AS day, CAST(COUNT(*) AS BIGINT) AS sessions \
         FROM treatment_sessions WHERE site_id = $1 \
         AND performed_at >= $2 AND performed_at < $3 AND voided_at IS NULL \
         GROUP BY 1"
    );
    load_by_name(conn, &q, site_id, from, to)
}

/// Sessions (not voided) counted per (protocol, indication, practitioner,
/// needle length).
#[derive(Debug, Clone, QueryableByName)]
pub struct SessionGroup {
    #[diesel(sql_type = Nullable<BigInt>)]
    pub protocol_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub indication: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub practitioner_id: i64,
    #[diesel(sql_type = Integer)]
    pub needle_length: i32,
    #[diesel(sql_type = BigInt)]
    pub sessions: i64,
}

pub fn session_groups(
    conn: &mut DbConn,
    site_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<SessionGroup>> {
    let q = "SELECT protocol_id, indication, practitioner_id, needle_length, \
             CAST(COUNT(*) AS BIGINT) AS sessions \
             FROM treatment_sessions WHERE site_id = $1 \
             AND performed_at >= $2 AND performed_at < $3 AND voided_at IS NULL \
             GROUP BY protocol_id, indication, practitioner_id, needle_length";
    load_by_name(conn, q, site_id, from, to)
}

/// What sessions (not voided) used, per (protocol, indication,
/// practitioner, needle length, product).
#[derive(Debug, Clone, QueryableByName)]
pub struct LineGroup {
    #[diesel(sql_type = Nullable<BigInt>)]
    pub protocol_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub indication: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub practitioner_id: i64,
    #[diesel(sql_type = Integer)]
    pub needle_length: i32,
    #[diesel(sql_type = BigInt)]
    pub product_id: i64,
    #[diesel(sql_type = BigInt)]
    pub quantity: i64,
}

pub fn line_groups(
    conn: &mut DbConn,
    site_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<LineGroup>> {
    let q = "SELECT s.protocol_id, s.indication, s.practitioner_id, s.needle_length, \
             l.product_id, CAST(COALESCE(SUM(l.quantity), 0) AS BIGINT) AS quantity \
             FROM treatment_sessions s JOIN session_lines l ON l.session_id = s.id \
             WHERE s.site_id = $1 AND s.performed_at >= $2 AND s.performed_at < $3 \
             AND s.voided_at IS NULL \
             GROUP BY s.protocol_id, s.indication, s.practitioner_id, s.needle_length, l.product_id";
    load_by_name(conn, q, site_id, from, to)
}

/// Runs a `(site_id, from, to)` query on either backend. SQLite accepts the
/// `$n` placeholders PostgreSQL uses.
fn load_by_name<T>(
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
