//! Bulk loading for `clinic-stock demo --large`: multi-row INSERTs of rows
//! with explicit ids, per backend (MultiConnection cannot batch-insert, so
//! each function matches on the connection), and the PostgreSQL sequence
//! reset that explicit ids need afterwards. Balances are written here
//! directly: the loader computes them from the ledger rows it writes and
//! `clinic-stock check` verifies the result. Nothing else may use this.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{
    balances, ledger, lots, products, receipts, session_lines, suppliers, treatment_sessions,
};

/// Rows per INSERT statement (SQLite allows 32,766 bound values; the
/// widest row here has 18 columns).
pub const BATCH: usize = 1_000;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = suppliers, treat_none_as_default_value = false)]
pub struct SupplierRow {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub lead_time_days: Option<i32>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = products, treat_none_as_default_value = false)]
pub struct ProductRow {
    pub id: i64,
    pub sku: String,
    pub name: String,
    pub category: &'static str,
    pub unit: &'static str,
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
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = lots, treat_none_as_default_value = false)]
pub struct LotRow {
    pub id: i64,
    pub product_id: i64,
    pub lot_number: String,
    pub expiry: NaiveDate,
    pub container: i32,
    pub use_by: NaiveDate,
    pub quarantined: bool,
    pub created_at: NaiveDateTime,
    pub first_received_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = receipts, treat_none_as_default_value = false)]
pub struct ReceiptRow {
    pub id: i64,
    pub site_id: i64,
    pub location_id: i64,
    pub user_id: i64,
    pub unit_cost_cents: Option<i64>,
    pub received_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = treatment_sessions, treat_none_as_default_value = false)]
pub struct SessionRow {
    pub id: i64,
    pub site_id: i64,
    pub practitioner_id: i64,
    pub client_ref: String,
    pub performed_at: NaiveDateTime,
    pub indication: Option<&'static str>,
    pub needle_length: i32,
    pub addons: &'static str,
    pub side_effects: &'static str,
    pub warnings: &'static str,
    pub idempotency_key: String,
    pub request_hash: &'static str,
    pub voided_at: Option<NaiveDateTime>,
    pub voided_by: Option<i64>,
    pub void_reason: Option<&'static str>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = session_lines, treat_none_as_default_value = false)]
pub struct SessionLineRow {
    pub id: i64,
    pub session_id: i64,
    pub product_id: i64,
    pub quantity: i64,
    pub position: i32,
    pub site_id: i64,
    pub performed_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ledger, treat_none_as_default_value = false)]
pub struct LedgerBulkRow {
    pub lot_id: i64,
    pub location_id: i64,
    pub product_id: i64,
    pub site_id: i64,
    pub delta: i64,
    pub kind: &'static str,
    pub reason: Option<&'static str>,
    pub user_id: i64,
    pub occurred_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub session_id: Option<i64>,
    pub session_line_id: Option<i64>,
    pub receipt_id: Option<i64>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = balances, treat_none_as_default_value = false)]
pub struct BalanceRow {
    pub lot_id: i64,
    pub location_id: i64,
    pub product_id: i64,
    pub site_id: i64,
    pub quantity: i64,
    pub updated_at: NaiveDateTime,
}

// One multi-row INSERT per chunk of `BATCH` rows, written out per table
// and per backend.

pub fn insert_suppliers(conn: &mut DbConn, rows: &[SupplierRow]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in rows.chunks(BATCH) {
        n += match conn {
            DbConn::Sqlite(c) => diesel::insert_into(suppliers::table)
                .values(chunk)
                .execute(c)?,
            #[cfg(feature = "postgres")]
            DbConn::Pg(c) => diesel::insert_into(suppliers::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(n)
}

pub fn insert_products(conn: &mut DbConn, rows: &[ProductRow]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in rows.chunks(BATCH) {
        n += match conn {
            DbConn::Sqlite(c) => diesel::insert_into(products::table)
                .values(chunk)
                .execute(c)?,
            #[cfg(feature = "postgres")]
            DbConn::Pg(c) => diesel::insert_into(products::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(n)
}

pub fn insert_lots(conn: &mut DbConn, rows: &[LotRow]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in rows.chunks(BATCH) {
        n += match conn {
            DbConn::Sqlite(c) => diesel::insert_into(lots::table).values(chunk).execute(c)?,
            #[cfg(feature = "postgres")]
            DbConn::Pg(c) => diesel::insert_into(lots::table).values(chunk).execute(c)?,
        };
    }
    Ok(n)
}

pub fn insert_receipts(conn: &mut DbConn, rows: &[ReceiptRow]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in rows.chunks(BATCH) {
        n += match conn {
            DbConn::Sqlite(c) => diesel::insert_into(receipts::table)
                .values(chunk)
                .execute(c)?,
            #[cfg(feature = "postgres")]
            DbConn::Pg(c) => diesel::insert_into(receipts::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(n)
}

pub fn insert_sessions(conn: &mut DbConn, rows: &[SessionRow]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in rows.chunks(BATCH) {
        n += match conn {
            DbConn::Sqlite(c) => diesel::insert_into(treatment_sessions::table)
                .values(chunk)
                .execute(c)?,
            #[cfg(feature = "postgres")]
            DbConn::Pg(c) => diesel::insert_into(treatment_sessions::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(n)
}

pub fn insert_session_lines(conn: &mut DbConn, rows: &[SessionLineRow]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in rows.chunks(BATCH) {
        n += match conn {
            DbConn::Sqlite(c) => diesel::insert_into(session_lines::table)
                .values(chunk)
                .execute(c)?,
            #[cfg(feature = "postgres")]
            DbConn::Pg(c) => diesel::insert_into(session_lines::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(n)
}

pub fn insert_ledger(conn: &mut DbConn, rows: &[LedgerBulkRow]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in rows.chunks(BATCH) {
        n += match conn {
            DbConn::Sqlite(c) => diesel::insert_into(ledger::table)
                .values(chunk)
                .execute(c)?,
            #[cfg(feature = "postgres")]
            DbConn::Pg(c) => diesel::insert_into(ledger::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(n)
}

pub fn insert_balances(conn: &mut DbConn, rows: &[BalanceRow]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in rows.chunks(BATCH) {
        n += match conn {
            DbConn::Sqlite(c) => diesel::insert_into(balances::table)
                .values(chunk)
                .execute(c)?,
            #[cfg(feature = "postgres")]
            DbConn::Pg(c) => diesel::insert_into(balances::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(n)
}

/// The next free id of each table loaded with explicit ids.
#[derive(Debug, Clone, Copy)]
pub struct NextIds {
    pub supplier: i64,
    pub product: i64,
    pub lot: i64,
    pub receipt: i64,
    pub session: i64,
    pub session_line: i64,
}

pub fn next_ids(conn: &mut DbConn) -> QueryResult<NextIds> {
    use diesel::dsl::max;
    let next = |m: Option<i64>| m.unwrap_or(0) + 1;
    Ok(NextIds {
        supplier: next(suppliers::table.select(max(suppliers::id)).first(conn)?),
        product: next(products::table.select(max(products::id)).first(conn)?),
        lot: next(lots::table.select(max(lots::id)).first(conn)?),
        receipt: next(receipts::table.select(max(receipts::id)).first(conn)?),
        session: next(
            treatment_sessions::table
                .select(max(treatment_sessions::id))
                .first(conn)?,
        ),
        session_line: next(
            session_lines::table
                .select(max(session_lines::id))
                .first(conn)?,
        ),
    })
}

/// After inserting explicit ids, PostgreSQL's sequences must move past
/// them (SQLite's AUTOINCREMENT follows the largest id by itself).
pub fn reset_sequences(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(_) => Ok(()),
        #[cfg(feature = "postgres")]
        DbConn::Pg(c) => {
            let tables = [
                "suppliers",
                "products",
                "lots",
                "receipts",
                "treatment_sessions",
                "session_lines",
                "ledger",
            ];
            let sql: String = tables
                .iter()
                .map(|t| {
                    format!(
                        "SELECT setval(pg_get_serial_sequence('{t}', 'id'), \
                         COALESCE((SELECT MAX(id) FROM {t}), 0) + 1, false);"
                    )
                })
                .collect();
            c.batch_execute(&sql)
        }
    }
}

/// Larger page cache for the load (SQLite); undone by closing the connection.
pub fn prepare(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => c.batch_execute("PRAGMA cache_size = -262144;"),
        #[cfg(feature = "postgres")]
        DbConn::Pg(_) => Ok(()),
    }
}

/// Refreshes the planner's statistics after the load.
pub fn analyze(conn: &mut DbConn) -> QueryResult<()> {
    conn.batch_execute("ANALYZE")
}

#[derive(QueryableByName)]
struct IndexDef {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    definition: String,
}

/// Tables whose secondary indexes are dropped during the load and rebuilt
/// after it (building an index over sorted rows once is much cheaper than
/// keeping it up to date row by row).
const REINDEXED: &str = "'ledger', 'treatment_sessions', 'session_lines'";

/// Drops the plain secondary indexes of the bulk-loaded tables (not those
/// behind primary keys or UNIQUE constraints) and returns their
/// definitions for [`restore_indexes`]. Runs inside the load's transaction,
/// so a failed load rolls the drop back too.
pub fn suspend_indexes(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    let defs: Vec<IndexDef> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(format!(
            "SELECT name, sql AS definition FROM sqlite_master \
             WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({REINDEXED})"
        ))
        .load(c)?,
        #[cfg(feature = "postgres")]
        DbConn::Pg(c) => diesel::sql_query(format!(
            "SELECT indexname AS name, indexdef AS definition FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename IN ({REINDEXED}) \
             AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        ))
        .load(c)?,
    };
    for d in &defs {
        conn.batch_execute(&format!("DROP INDEX {}", d.name))?;
    }
    Ok(defs.into_iter().map(|d| d.definition).collect())
}

/// Recreates the indexes [`suspend_indexes`] dropped.
pub fn restore_indexes(conn: &mut DbConn, definitions: &[String]) -> QueryResult<()> {
    for d in definitions {
        conn.batch_execute(d)?;
    }
    Ok(())
}
