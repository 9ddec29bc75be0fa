//! Embedded migrations: one folder per backend with identical migration
//! names (a test keeps them in step), applied before any command runs.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbConn;

pub const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
#[cfg(feature = "postgres")]
pub const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Applies every pending migration.
pub fn run(conn: &mut DbConn) -> Result<(), String> {
    let result = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE).map(|_| ()),
        #[cfg(feature = "postgres")]
        DbConn::Pg(c) => c.run_pending_migrations(POSTGRES).map(|_| ()),
    };
    result.map_err(|e| format!("migrations failed: {e}"))
}

/// Reverts every applied migration (used by the migration round-trip test).
pub fn revert_all(conn: &mut DbConn) -> Result<(), String> {
    let result = match conn {
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE).map(|_| ()),
        #[cfg(feature = "postgres")]
        DbConn::Pg(c) => c.revert_all_migrations(POSTGRES).map(|_| ()),
    };
    result.map_err(|e| format!("reverting migrations failed: {e}"))
}

/// Names of the applied migrations, oldest first.
pub fn applied(conn: &mut DbConn) -> Result<Vec<String>, String> {
    let result = match conn {
        DbConn::Sqlite(c) => c.applied_migrations(),
        #[cfg(feature = "postgres")]
        DbConn::Pg(c) => c.applied_migrations(),
    };
    result
        .map(|v| v.into_iter().map(|m| m.to_string()).collect())
        .map_err(|e| format!("cannot list migrations: {e}"))
}
