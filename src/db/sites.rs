//! Sites (clinics) and their locations.

use diesel::prelude::*;

use super::models::{Location, Site};
use super::schema::{locations, sites};
use super::{DbConn, now};

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<Site>> {
    sites::table
        .select(Site::as_select())
        .order(sites::code)
        .load(conn)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    sites::table.count().get_result(conn)
}

pub fn by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<Site>> {
    sites::table
        .filter(sites::code.eq(code))
        .select(Site::as_select())
        .first(conn)
        .optional()
}

pub fn by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<Site>> {
    sites::table
        .find(id)
        .select(Site::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, code: &str, name: &str) -> QueryResult<i64> {
    diesel::insert_into(sites::table)
        .values((
            sites::code.eq(code),
            sites::name.eq(name),
            sites::created_at.eq(now()),
        ))
        .returning(sites::id)
        .get_result(conn)
}

pub fn locations(conn: &mut DbConn, site_id: Option<i64>) -> QueryResult<Vec<Location>> {
    let mut q = locations::table.select(Location::as_select()).into_boxed();
    if let Some(s) = site_id {
        q = q.filter(locations::site_id.eq(s));
    }
    q.order((locations::site_id, locations::sort_order, locations::code))
        .load(conn)
}

pub fn location_by_code(
    conn: &mut DbConn,
    site_id: i64,
    code: &str,
) -> QueryResult<Option<Location>> {
    locations::table
        .filter(locations::site_id.eq(site_id))
        .filter(locations::code.eq(code))
        .select(Location::as_select())
        .first(conn)
        .optional()
}

pub fn location_by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<Location>> {
    locations::table
        .find(id)
        .select(Location::as_select())
        .first(conn)
        .optional()
}

pub fn insert_location(
    conn: &mut DbConn,
    site_id: i64,
    code: &str,
    name: &str,
    sort_order: i32,
) -> QueryResult<i64> {
    diesel::insert_into(locations::table)
        .values((
            locations::site_id.eq(site_id),
            locations::code.eq(code),
            locations::name.eq(name),
            locations::sort_order.eq(sort_order),
            locations::active.eq(true),
            locations::created_at.eq(now()),
        ))
        .returning(locations::id)
        .get_result(conn)
}

pub fn rename(conn: &mut DbConn, id: i64, name: &str) -> QueryResult<usize> {
    diesel::update(sites::table.find(id))
        .set(sites::name.eq(name))
        .execute(conn)
}

pub fn rename_location(conn: &mut DbConn, id: i64, name: &str) -> QueryResult<usize> {
    diesel::update(locations::table.find(id))
        .set(locations::name.eq(name))
        .execute(conn)
}
