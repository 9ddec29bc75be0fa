//! What `GET /health` asks the database: does it answer a read, and does it
//! still take a committed write.

use crate::db::{self, DbConn};
use crate::error::{ServiceError, ServiceResult};

/// A cheap query proving the database answers.
pub fn ping(conn: &mut DbConn) -> ServiceResult<()> {
    db::sites::count(conn)?;
    Ok(())
}

/// A real write, committed: the one-row probe table is rewritten. A write
/// that is rolled back would not notice a full disk (only the commit
/// reaches the file) nor, on some setups, a read-only database.
pub fn write_probe(conn: &mut DbConn) -> ServiceResult<()> {
    db::write_tx(conn, |conn| {
        db::health::touch(conn, db::now())?;
        Ok::<(), ServiceError>(())
    })
}
