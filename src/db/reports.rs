//! Read-only queries behind the reorder, usage and waste reports. Every
//! query is bounded by a site and a time range so that its cost grows with
//! what falls inside the range, not with years of history:
//!
//! - consumption comes from the covering index
//!   `ledger_site_kind_time (site_id, kind, occurred_at, product_id, delta)`:
//!   `consume` and `void` rows of one site in `[from, to)` are read from the
//!   index alone (no table lookups); a voided session's `void` rows carry the
//!   session's `performed_at`, so they cancel its `consume` rows;
//! - sessions and their lines come from the covering indexes
//!   `treatment_sessions_report` and `session_lines_report` (migration
//!   `2026-11-26-140000_report_indexes`);
//! - waste comes from the same ledger index with `kind = 'adjust'`;
//!
//! Window rows are streamed and summed in Rust (hash maps) instead of SQL
//! `GROUP BY`: SQLite implements that GROUP BY by sorting every row of the
//! window, which costs several times the index scan.
//! - on hand comes from `balances_site_product`, open orders from
//!   `purchase_orders_site_status`.
//!
//! Grouping by day or week is backend-specific SQL (date arithmetic differs),
//! kept in [`day_offset_sql`].

use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::DefaultLoadingMode;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};

use super::DbConn;
use super::schema::{balances, lots, purchase_order_lines, purchase_orders};

/// `SUM(delta)` of `consume` + `void` rows per product at a site in
/// `[from, to)`: negative = net consumption (consumed − voided).
pub fn net_consumption_by_product(
    conn: &mut DbConn,
    site_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<(i64, i64)>> {
    let mut sums: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
    for_each_consumption(conn, site_id, from, to, &mut |product, delta| {
        *sums.entry(product).or_default() += delta;
    })?;
    Ok(sums.into_iter().collect())
}

/// Streams the `consume` and `void` rows of a site in `[from, to)` to `f`
/// as (product, delta). Callers that need days or weeks ask once per bucket
/// (cheaper than a date computation on every row).
///
/// The rows come from the covering index `ledger_site_kind_time` alone
/// (SQLite is told so with `INDEXED BY`: left to itself its planner prefers
/// `ledger_product_time` to save the GROUP BY sort, and then reads the table
/// row by row). They are summed here rather than with `GROUP BY`, which on
/// SQLite sorts every row of the window in a temporary b-tree and costs
/// several times the index scan itself.
pub fn for_each_consumption(
    conn: &mut DbConn,
    site_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
    f: &mut dyn FnMut(i64, i64),
) -> QueryResult<()> {
    let hint = match conn {
        DbConn::Sqlite(_) => " INDEXED BY ledger_site_kind_time",
        #[cfg(feature = "postgres")]
        DbConn::Pg(_) => "",
    };
    let query = sql::<(BigInt, BigInt)>(&format!(
        "SELECT product_id, delta FROM ledger{hint} WHERE site_id = "
    ))
    .bind::<BigInt, _>(site_id)
    .sql(" AND kind IN ('consume', 'void') AND occurred_at >= ")
    .bind::<Timestamp, _>(from)
    .sql(" AND occurred_at < ")
    .bind::<Timestamp, _>(to);
    for row in query.load_iter::<(i64, i64), DefaultLoadingMode>(conn)? {
        let (product, delta) = row?;
        f(product, delta);
    }
    Ok(())
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

/// SQL for "whole days from `origin` (midnight) to `column`" on this backend.
/// `origin` is a date we format ourselves, never user text.
fn day_offset_sql(conn: &DbConn, column: &str, origin: NaiveDate) -> String {
    let origin = origin.format("%Y-%m-%d");
    match conn {
        DbConn::Sqlite(_) => {
            format!("CAST(julianday({column}) - julianday('{origin}') AS INTEGER)")
        }
        #[cfg(feature = "postgres")]
        DbConn::Pg(_) => format!("(CAST({column} AS DATE) - DATE '{origin}')"),
    }
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

/// A session (not voided) of the window with what the reports group
/// sessions by.
#[derive(Debug, Clone, Queryable)]
pub struct SessionRow {
    pub id: i64,
    pub protocol_id: Option<i64>,
    pub indication: Option<String>,
    pub practitioner_id: i64,
    pub needle_length: i32,
}

fn session_hints(conn: &DbConn) -> (&'static str, &'static str) {
    match conn {
        // Without statistics for the new indexes SQLite would pick
        // `session_lines_session` and read the table.
        DbConn::Sqlite(_) => (
            " INDEXED BY treatment_sessions_report",
            " INDEXED BY session_lines_report",
        ),
        #[cfg(feature = "postgres")]
        DbConn::Pg(_) => ("", ""),
    }
}

/// Streams the sessions (not voided) of a site in `[from, to)` to `f`, from
/// the covering index `treatment_sessions_report (site_id, performed_at,
/// voided_at, protocol_id, practitioner_id, needle_length, indication)`.
pub fn for_each_session(
    conn: &mut DbConn,
    site_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
    f: &mut dyn FnMut(SessionRow),
) -> QueryResult<()> {
    let (s_hint, _) = session_hints(conn);
    let query = sql::<(BigInt, Nullable<BigInt>, Nullable<Text>, BigInt, Integer)>(&format!(
        "SELECT s.id, s.protocol_id, s.indication, s.practitioner_id, s.needle_length \
         FROM treatment_sessions s{s_hint} WHERE s.site_id = "
    ))
    .bind::<BigInt, _>(site_id)
    .sql(" AND s.performed_at >= ")
    .bind::<Timestamp, _>(from)
    .sql(" AND s.performed_at < ")
    .bind::<Timestamp, _>(to)
    .sql(" AND s.voided_at IS NULL");
    for row in query.load_iter::<SessionRow, DefaultLoadingMode>(conn)? {
        f(row?);
    }
    Ok(())
}

/// Streams the lines of the sessions (not voided) of a site in `[from, to)`
/// to `f` as (session, product, quantity): sessions from
/// `treatment_sessions_report`, their lines from the covering index
/// `session_lines_report (session_id, product_id, quantity)`; neither table
/// is read.
pub fn for_each_session_line(
    conn: &mut DbConn,
    site_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
    f: &mut dyn FnMut(i64, i64, i64),
) -> QueryResult<()> {
    let (s_hint, l_hint) = session_hints(conn);
    let query = sql::<(BigInt, BigInt, BigInt)>(&format!(
        "SELECT l.session_id, l.product_id, l.quantity \
         FROM treatment_sessions s{s_hint} JOIN session_lines l{l_hint} ON l.session_id = s.id \
         WHERE s.site_id = "
    ))
    .bind::<BigInt, _>(site_id)
    .sql(" AND s.performed_at >= ")
    .bind::<Timestamp, _>(from)
    .sql(" AND s.performed_at < ")
    .bind::<Timestamp, _>(to)
    .sql(" AND s.voided_at IS NULL");
    for row in query.load_iter::<(i64, i64, i64), DefaultLoadingMode>(conn)? {
        let (session, product, quantity) = row?;
        f(session, product, quantity);
    }
    Ok(())
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
