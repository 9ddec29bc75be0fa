//! Operations on the whole database: the ledger invariant check and backups.

use diesel::connection::SimpleConnection;

use crate::db::{self, DbConn, ledger::CheckReport};
use crate::error::{ServiceError, ServiceResult};

/// Verifies every balance against the sum of its ledger rows, and every
/// stored usage digest against the tables.
pub fn check(conn: &mut DbConn) -> ServiceResult<CheckReport> {
    Ok(db::read_tx(conn, |conn| {
        let mut report = db::ledger::check(conn)?;
        let (checked, stale) = super::usage::stale_digests(conn)?;
        report.usage_days = checked;
        report.stale_usage_days = stale;
        Ok(report)
    })?)
}

/// Consistent online copy (SQLite `VACUUM INTO`). PostgreSQL: use pg_dump.
pub fn backup(conn: &mut DbConn, file: &str) -> ServiceResult<()> {
    match db::backend_of(conn) {
        db::Backend::Sqlite => {
            if std::path::Path::new(file).exists() {
                return Err(ServiceError::invalid(
                    "file",
                    format!("{file} already exists; choose a new file name"),
                ));
            }
            let escaped = file.replace('\'', "''");
            conn.batch_execute(&format!("VACUUM INTO '{escaped}'"))?;
            Ok(())
        }
        db::Backend::Postgres => Err(ServiceError::BadRequest(
            "on PostgreSQL use pg_dump, e.g. `pg_dump --format=custom --file=clinic-stock.dump DBNAME`"
                .into(),
        )),
    }
}
