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

/// What a site says about itself: its name, clock and contact details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteDetails {
    pub name: String,
    pub time_zone: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub digest_time: String,
}

impl SiteDetails {
    pub fn of(s: &Site) -> SiteDetails {
        SiteDetails {
            name: s.name.clone(),
            time_zone: s.time_zone.clone(),
            address: s.address.clone(),
            phone: s.phone.clone(),
            email: s.email.clone(),
            digest_time: s.digest_time.clone(),
        }
    }
}

pub fn insert(conn: &mut DbConn, code: &str, d: &SiteDetails) -> QueryResult<i64> {
    diesel::insert_into(sites::table)
        .values((
            sites::code.eq(code),
            sites::name.eq(&d.name),
            sites::created_at.eq(now()),
            sites::time_zone.eq(&d.time_zone),
            sites::address.eq(&d.address),
            sites::phone.eq(&d.phone),
            sites::email.eq(&d.email),
            sites::digest_time.eq(&d.digest_time),
        ))
        .returning(sites::id)
        .get_result(conn)
}

/// Writes every detail of a site (its code never changes).
pub fn update(conn: &mut DbConn, id: i64, d: &SiteDetails) -> QueryResult<usize> {
    diesel::update(sites::table.find(id))
        .set((
            sites::name.eq(&d.name),
            sites::time_zone.eq(&d.time_zone),
            sites::address.eq(&d.address),
            sites::phone.eq(&d.phone),
            sites::email.eq(&d.email),
            sites::digest_time.eq(&d.digest_time),
        ))
        .execute(conn)
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

pub fn rename_location(conn: &mut DbConn, id: i64, name: &str) -> QueryResult<usize> {
    diesel::update(locations::table.find(id))
        .set(locations::name.eq(name))
        .execute(conn)
}
