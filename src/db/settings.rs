//! Key/value settings (expiry window, safety and cover days, clinic name, …).

use diesel::prelude::*;

use super::DbConn;
use super::schema::settings;

pub fn get(conn: &mut DbConn, key: &str) -> QueryResult<Option<String>> {
    settings::table
        .filter(settings::key.eq(key))
        .select(settings::value)
        .first(conn)
        .optional()
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<(String, String)>> {
    settings::table
        .select((settings::key, settings::value))
        .order(settings::key)
        .load(conn)
}

/// Sets a value (update, else insert; callers hold a write transaction).
pub fn set(conn: &mut DbConn, key: &str, value: &str) -> QueryResult<()> {
    let changed = diesel::update(settings::table.filter(settings::key.eq(key)))
        .set(settings::value.eq(value))
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(settings::table)
            .values((settings::key.eq(key), settings::value.eq(value)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn delete(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    diesel::delete(settings::table.filter(settings::key.eq(key))).execute(conn)?;
    Ok(())
}
