//! The one-row table `GET /health` rewrites to prove the database takes a
//! committed write.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::health_probe;

/// Rewrites the probe row (inserting it if someone deleted it); callers
/// hold a write transaction.
pub fn touch(conn: &mut DbConn, at: NaiveDateTime) -> QueryResult<()> {
    let changed = diesel::update(health_probe::table.find(1))
        .set(health_probe::checked_at.eq(at))
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(health_probe::table)
            .values((health_probe::id.eq(1), health_probe::checked_at.eq(at)))
            .execute(conn)?;
    }
    Ok(())
}
