//! Everything that talks to the database: the two-backend connection, the
//! pool and its per-connection settings, migrations, the write-transaction
//! helper, and one module of query functions per table family.
//! Backend-specific SQL lives here, behind named functions that `match` on
//! [`DbConn`]; nothing above this module knows which backend it runs on.

// Without the `postgres` feature `DbConn` has one variant and `if let` on it
// is irrefutable; the same code must compile for both feature sets.
#![allow(irrefutable_let_patterns)]

pub mod alerts;
pub mod areas;
pub mod audit;
pub mod balances;
pub mod bulk;
pub mod catalog;
pub mod counts;
pub mod digest;
pub mod export;
pub mod first_steps;
pub mod follow_ups;
pub mod group_commit;
pub mod health;
pub mod ledger;
pub mod lots;
pub mod migrations;
pub mod models;
pub mod needle_ranges;
pub mod orders;
pub mod protocols;
pub mod reactions;
pub mod recall;
pub mod receiving;
pub mod reports;
pub mod schema;
pub mod sessions;
pub mod settings;
pub mod sites;
pub mod stock_summary;
pub mod stock_version;
pub mod throttle;
pub mod tokens;
pub mod usage;
pub mod usage_days;
pub mod users;
pub mod vocab_sql;

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, CustomizeConnection, ManageConnection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// One connection type over both backends; the variant is chosen from the URL.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(diesel::SqliteConnection),
    #[cfg(feature = "postgres")]
    Pg(diesel::PgConnection),
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Which database a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// Pooled connections when `--pool-size` is not given. SQLite: 32, so
    /// that sessions waiting for the group writer (`group_commit`), which
    /// hold their connection meanwhile, can all join one batch at 32
    /// concurrent clients (8 left most of them queued for a connection and
    /// batches small: 0.71× against 1.03–1.10× perfref `POST /consume`,
    /// BENCHMARKS.md); a connection costs a file handle and up to its
    /// 4 MB page cache. PostgreSQL: 8 (server processes are dearer, and
    /// 32 measured slower: sessions queue on the site's stock-version row).
    pub fn default_pool_size(self) -> u32 {
        match self {
            Backend::Sqlite => 32,
            Backend::Postgres => 8,
        }
    }
}

/// A database URL, parsed once: the backend and what to hand to diesel.
#[derive(Debug, Clone)]
pub struct DbUrl {
    pub backend: Backend,
    /// For SQLite the file path, for PostgreSQL the full URL.
    pub target: String,
}

impl DbUrl {
    pub fn parse(url: &str) -> Result<DbUrl, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            if cfg!(feature = "postgres") {
                return Ok(DbUrl {
                    backend: Backend::Postgres,
                    target: url.to_string(),
                });
            }
            return Err(
                "this build has no PostgreSQL support: rebuild with `--features postgres`".into(),
            );
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() {
            return Err("empty SQLite path in database URL".into());
        }
        if path == ":memory:" || path.contains("mode=memory") {
            return Err(
                "an in-memory SQLite database cannot be shared by a pool; use a file".into(),
            );
        }
        Ok(DbUrl {
            backend: Backend::Sqlite,
            target: path.to_string(),
        })
    }
}

/// Per-connection settings for SQLite, applied whenever the pool opens a connection.
#[derive(Debug, Clone, Copy)]
struct ConnectionSettings {
    synchronous_full: bool,
}

impl CustomizeConnection<DbConn, r2d2::Error> for ConnectionSettings {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        if let DbConn::Sqlite(c) = conn {
            let sync = if self.synchronous_full {
                "FULL"
            } else {
                "NORMAL"
            };
            c.batch_execute(&format!(
                "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = {sync}; \
                 PRAGMA cache_size = -4000; PRAGMA temp_store = MEMORY;"
            ))
            .map_err(r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// Where a PostgreSQL URL points, for messages: `host:port` (the default
/// port when none is given), never the user or password.
pub fn pg_address(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host_port = authority
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(authority);
    match host_port {
        "" => "localhost:5432".to_string(),
        h if h.starts_with('[') && !h.contains("]:") => format!("{h}:5432"),
        h if !h.starts_with('[') && !h.contains(':') => format!("{h}:5432"),
        h => h.to_string(),
    }
}

/// Opens one connection of the backend the URL names, with no guessing: the
/// error says which database could not be reached and why.
fn open(url: &DbUrl) -> Result<DbConn, String> {
    match url.backend {
        Backend::Sqlite => diesel::SqliteConnection::establish(&url.target)
            .map(DbConn::Sqlite)
            .map_err(|e| format!("cannot open SQLite database {}: {e}", url.target)),
        #[cfg(feature = "postgres")]
        Backend::Postgres => diesel::PgConnection::establish(&url.target)
            .map(DbConn::Pg)
            .map_err(|e| {
                format!(
                    "cannot connect to PostgreSQL at {}: {}",
                    pg_address(&url.target),
                    e.to_string().trim()
                )
            }),
        #[cfg(not(feature = "postgres"))]
        Backend::Postgres => Err("this build has no PostgreSQL support".into()),
    }
}

/// The pool's connection manager: opens connections of the backend the
/// parsed URL names ([`DbUrl`]) instead of letting diesel's
/// `MultiConnection` guess from the text (whose error for an unreachable
/// PostgreSQL was "Invalid connection url for multiconnection").
#[derive(Debug, Clone)]
pub struct Manager {
    url: DbUrl,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        open(&self.url)
            .map_err(|e| r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(e)))
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        // A SQLite connection is a file handle in this process: nothing to
        // ping on every checkout (a query per request saved). A PostgreSQL
        // connection may have been dropped by the server.
        if backend_of(conn) == Backend::Sqlite {
            return Ok(());
        }
        r2d2::R2D2Connection::ping(conn).map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        r2d2::R2D2Connection::is_broken(conn)
    }
}

/// Opens one connection of the right backend (no pool), with SQLite settings applied.
pub fn establish(url: &DbUrl) -> Result<DbConn, String> {
    let mut conn = open(url)?;
    ConnectionSettings {
        synchronous_full: true,
    }
    .on_acquire(&mut conn)
    .map_err(|e| e.to_string())?;
    Ok(conn)
}

/// Opens the database: WAL mode once (SQLite), migrations, then the pool.
pub fn connect(url: &DbUrl, pool_size: u32, synchronous_full: bool) -> Result<Pool, String> {
    {
        let mut conn = establish(url)?;
        if let DbConn::Sqlite(c) = &mut conn {
            c.batch_execute("PRAGMA journal_mode = WAL;")
                .map_err(|e| format!("cannot switch SQLite to WAL: {e}"))?;
        }
        migrations::run(&mut conn)?;
    }
    let manager = Manager { url: url.clone() };
    r2d2::Pool::builder()
        .max_size(pool_size)
        .connection_timeout(Duration::from_secs(30))
        .connection_customizer(Box::new(ConnectionSettings { synchronous_full }))
        .build(manager)
        .map_err(|e| format!("cannot build the connection pool: {e}"))
}

/// A small pool on a database [`connect`] has opened (no migrations):
/// connections are opened when first needed. `/health` keeps one of its
/// own, so that a server busy with requests is not reported unhealthy for
/// want of a pooled connection.
pub fn side_pool(
    url: &DbUrl,
    size: u32,
    synchronous_full: bool,
    connection_timeout: Duration,
) -> Result<Pool, String> {
    r2d2::Pool::builder()
        .max_size(size.max(1))
        .min_idle(Some(0))
        .connection_timeout(connection_timeout)
        .connection_customizer(Box::new(ConnectionSettings { synchronous_full }))
        .build(Manager { url: url.clone() })
        .map_err(|e| format!("cannot build the connection pool: {e}"))
}

/// The backend a live connection uses.
pub fn backend_of(conn: &DbConn) -> Backend {
    match conn {
        DbConn::Sqlite(_) => Backend::Sqlite,
        #[cfg(feature = "postgres")]
        DbConn::Pg(_) => Backend::Postgres,
    }
}

/// One SQLite writer at a time per process. SQLite allows one writer anyway;
/// queueing on a mutex wakes the next writer as soon as the lock is free,
/// instead of leaving it to poll SQLite's busy handler (sleeps of up to
/// 100 ms). Measured at 32 concurrent clients: same throughput, p99 from
/// about 710 ms to about 124 ms (BENCHMARKS.md). Writers in other processes
/// (the command line) still meet `busy_timeout`.
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` in a write transaction: `BEGIN IMMEDIATE` on SQLite (the write
/// lock is taken up front, so concurrent writers queue instead of failing on
/// upgrade), a plain transaction on PostgreSQL. PostgreSQL deadlocks and
/// serialization failures are retried a few times. Not reentrant: never call
/// it from inside another `write_tx`.
pub fn write_tx<T, E, F>(conn: &mut DbConn, mut f: F) -> Result<T, E>
where
    F: FnMut(&mut DbConn) -> Result<T, E>,
    E: From<DieselError> + RetryHint,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let outcome = match backend_of(conn) {
            Backend::Sqlite => {
                let _writer = SQLITE_WRITER
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                if let DbConn::Sqlite(c) = conn {
                    AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
                }
                run_and_finish(conn, &mut f)
            }
            Backend::Postgres => {
                <DbConn as Connection>::TransactionManager::begin_transaction(conn)?;
                run_and_finish(conn, &mut f)
            }
        };
        match outcome {
            Err(e) if attempt < 8 && e.is_retryable() => {
                std::thread::sleep(Duration::from_millis(5 * attempt));
                continue;
            }
            other => return other,
        }
    }
}

/// Runs the body of an open transaction, moves the stock versions it
/// touched ([`stock_version`]), then commits it or rolls it back.
fn run_and_finish<T, E, F>(conn: &mut DbConn, f: &mut F) -> Result<T, E>
where
    F: FnMut(&mut DbConn) -> Result<T, E>,
    E: From<DieselError>,
{
    let deferred = stock_version::Deferred::begin();
    let done = f(conn);
    let touched = deferred.take();
    let done = match done {
        Ok(v) => stock_version::bump_all(conn, &touched)
            .map(|()| v)
            .map_err(E::from),
        Err(e) => Err(e),
    };
    match done {
        Ok(v) => match <DbConn as Connection>::TransactionManager::commit_transaction(conn) {
            Ok(()) => Ok(v),
            Err(e) => {
                // A failed COMMIT leaves the transaction to be rolled back.
                let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
                Err(E::from(e))
            }
        },
        Err(e) => {
            <DbConn as Connection>::TransactionManager::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// Lets [`write_tx`] know whether an error is worth retrying the whole transaction.
pub trait RetryHint {
    fn is_retryable(&self) -> bool;
}

impl RetryHint for DieselError {
    fn is_retryable(&self) -> bool {
        is_retryable(self)
    }
}

/// Deadlocks and serialization failures (PostgreSQL) are transient.
pub fn is_retryable(e: &DieselError) -> bool {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        DieselError::DatabaseError(_, info) => {
            let m = info.message();
            m.contains("deadlock detected") || m.contains("database is locked")
        }
        _ => false,
    }
}

/// True when the error is a UNIQUE violation (on either backend).
pub fn is_unique_violation(e: &DieselError) -> bool {
    matches!(
        e,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Runs a read-only closure in a transaction so that it sees one snapshot.
pub fn read_tx<T, F>(conn: &mut DbConn, f: F) -> QueryResult<T>
where
    F: FnOnce(&mut DbConn) -> QueryResult<T>,
{
    conn.transaction(f)
}

/// The current UTC time with whole microseconds, as stored in the database.
pub fn now() -> chrono::NaiveDateTime {
    let t = chrono::Utc::now().naive_utc();
    chrono::SubsecRound::trunc_subsecs(t, 6)
}

#[cfg(test)]
mod tests {
    use super::pg_address;

    #[test]
    fn a_postgres_address_is_host_and_port_without_credentials() {
        assert_eq!(
            pg_address("postgres://u:pw@db.example:6432/cs"),
            "db.example:6432"
        );
        assert_eq!(
            pg_address("postgresql://u@10.0.0.5/cs?sslmode=require"),
            "10.0.0.5:5432"
        );
        assert_eq!(pg_address("postgres://[::1]:5433/cs"), "[::1]:5433");
        assert_eq!(pg_address("postgres://[::1]/cs"), "[::1]:5432");
        assert_eq!(pg_address("postgres:///cs"), "localhost:5432");
    }
}
