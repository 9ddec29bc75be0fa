//! Lots and what is on hand of them, per location.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::models::Lot;
use super::schema::{balances, locations, lots};
use super::{DbConn, now};

pub fn by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<Lot>> {
    lots::table
        .find(id)
        .select(Lot::as_select())
        .first(conn)
        .optional()
}

/// The sealed-stock lot row (container 0) of a product's lot number.
pub fn find(conn: &mut DbConn, product_id: i64, lot_number: &str) -> QueryResult<Option<Lot>> {
    lots::table
        .filter(lots::product_id.eq(product_id))
        .filter(lots::lot_number.eq(lot_number))
        .filter(lots::container.eq(0))
        .select(Lot::as_select())
        .first(conn)
        .optional()
}

pub fn insert(
    conn: &mut DbConn,
    product_id: i64,
    lot_number: &str,
    expiry: NaiveDate,
) -> QueryResult<i64> {
    diesel::insert_into(lots::table)
        .values((
            lots::product_id.eq(product_id),
            lots::lot_number.eq(lot_number),
            lots::expiry.eq(expiry),
            lots::container.eq(0),
            lots::use_by.eq(expiry),
            lots::quarantined.eq(false),
            lots::created_at.eq(now()),
        ))
        .returning(lots::id)
        .get_result(conn)
}

/// Creates the row of an opened container split off a sealed lot.
pub fn insert_opened(
    conn: &mut DbConn,
    parent: &Lot,
    container: i32,
    opened_at: NaiveDateTime,
    discard_by: NaiveDate,
) -> QueryResult<i64> {
    diesel::insert_into(lots::table)
        .values((
            lots::product_id.eq(parent.product_id),
            lots::lot_number.eq(&parent.lot_number),
            lots::expiry.eq(parent.expiry),
            lots::container.eq(container),
            lots::parent_lot_id.eq(parent.id),
            lots::opened_at.eq(opened_at),
            lots::discard_by.eq(discard_by),
            lots::use_by.eq(parent.expiry.min(discard_by)),
            lots::quarantined.eq(parent.quarantined),
            lots::created_at.eq(now()),
            lots::first_received_at.eq(parent.received_at()),
        ))
        .returning(lots::id)
        .get_result(conn)
}

/// Highest container number used for a lot number (0 when none opened).
pub fn max_container(conn: &mut DbConn, product_id: i64, lot_number: &str) -> QueryResult<i32> {
    lots::table
        .filter(lots::product_id.eq(product_id))
        .filter(lots::lot_number.eq(lot_number))
        .select(diesel::dsl::max(lots::container))
        .first::<Option<i32>>(conn)
        .map(|m| m.unwrap_or(0))
}

pub fn set_quarantined(conn: &mut DbConn, id: i64, quarantined: bool) -> QueryResult<usize> {
    super::stock_version::touch(conn, super::stock_version::EVERY_SITE)?;
    diesel::update(lots::table.filter(lots::id.eq(id).or(lots::parent_lot_id.eq(id))))
        .set(lots::quarantined.eq(quarantined))
        .execute(conn)
}

/// Lots of a product, newest expiry last.
pub fn of_product(conn: &mut DbConn, product_id: i64) -> QueryResult<Vec<Lot>> {
    lots::table
        .filter(lots::product_id.eq(product_id))
        .select(Lot::as_select())
        .order((lots::use_by, lots::id))
        .load(conn)
}

/// The lot and its opened containers.
pub fn family(conn: &mut DbConn, lot_id: i64) -> QueryResult<Vec<Lot>> {
    lots::table
        .filter(lots::id.eq(lot_id).or(lots::parent_lot_id.eq(lot_id)))
        .select(Lot::as_select())
        .order(lots::id)
        .load(conn)
}

/// Lots with a given lot number (any product), for recall search.
pub fn by_number(conn: &mut DbConn, lot_number: &str) -> QueryResult<Vec<Lot>> {
    lots::table
        .filter(lots::lot_number.eq(lot_number))
        .select(Lot::as_select())
        .order(lots::id)
        .load(conn)
}

/// One on-hand position: a lot at a location with a positive balance.
#[derive(Debug, Clone, Queryable)]
pub struct OnHand {
    pub lot: Lot,
    pub location_id: i64,
    pub location_code: String,
    pub location_order: i32,
    pub quantity: i64,
}

/// Positive balances at a site, optionally for some products only,
/// ordered FEFO (use_by, lot, location order).
pub fn on_hand(
    conn: &mut DbConn,
    site_id: i64,
    product_ids: Option<&[i64]>,
) -> QueryResult<Vec<OnHand>> {
    let mut q = balances::table
        .inner_join(lots::table)
        .inner_join(locations::table)
        .filter(balances::site_id.eq(site_id))
        .filter(balances::quantity.gt(0))
        .select((
            Lot::as_select(),
            locations::id,
            locations::code,
            locations::sort_order,
            balances::quantity,
        ))
        .into_boxed();
    // One product (a one-line session): `=` keeps the statement cacheable;
    // SQLite's `IN (?, …)` is prepared anew every time.
    match product_ids {
        Some([id]) => q = q.filter(balances::product_id.eq(*id)),
        Some(ids) => q = q.filter(balances::product_id.eq_any(ids.to_vec())),
        None => {}
    }
    q.order((lots::use_by, lots::id, locations::sort_order, locations::id))
        .load(conn)
}

/// Positive balances of one lot family (the lot and its opened
/// containers), at one site or (`None`) any.
pub fn on_hand_of_lots(
    conn: &mut DbConn,
    lot_ids: &[i64],
    site_id: Option<i64>,
) -> QueryResult<Vec<OnHand>> {
    let mut q = balances::table
        .inner_join(lots::table)
        .inner_join(locations::table)
        .filter(balances::lot_id.eq_any(lot_ids.to_vec()))
        .filter(balances::quantity.gt(0))
        .into_boxed();
    if let Some(site) = site_id {
        q = q.filter(balances::site_id.eq(site));
    }
    q.select((
        Lot::as_select(),
        locations::id,
        locations::code,
        locations::sort_order,
        balances::quantity,
    ))
    .order((lots::use_by, lots::id, locations::sort_order, locations::id))
    .load(conn)
}

/// Positive balances at one location (stock count sheet).
pub fn on_hand_at_location(conn: &mut DbConn, location_id: i64) -> QueryResult<Vec<OnHand>> {
    balances::table
        .inner_join(lots::table)
        .inner_join(locations::table)
        .filter(balances::location_id.eq(location_id))
        .filter(balances::quantity.gt(0))
        .select((
            Lot::as_select(),
            locations::id,
            locations::code,
            locations::sort_order,
            balances::quantity,
        ))
        .order((lots::product_id, lots::use_by, lots::id))
        .load(conn)
}

/// Positive balances at a site whose use-by date is before `today`
/// (expired, including opened containers past their discard-by date).
pub fn expired_on_hand(
    conn: &mut DbConn,
    site_id: i64,
    today: NaiveDate,
) -> QueryResult<Vec<OnHand>> {
    balances::table
        .inner_join(lots::table)
        .inner_join(locations::table)
        .filter(balances::site_id.eq(site_id))
        .filter(balances::quantity.gt(0))
        .filter(lots::use_by.lt(today))
        .select((
            Lot::as_select(),
            locations::id,
            locations::code,
            locations::sort_order,
            balances::quantity,
        ))
        .order((lots::use_by, lots::id, locations::sort_order, locations::id))
        .load(conn)
}

/// Lots with this lot number, of one product or of any.
pub fn by_number_of(
    conn: &mut DbConn,
    product_id: Option<i64>,
    lot_number: &str,
) -> QueryResult<Vec<Lot>> {
    let mut q = lots::table
        .filter(lots::lot_number.eq(lot_number.to_string()))
        .select(Lot::as_select())
        .into_boxed();
    if let Some(p) = product_id {
        q = q.filter(lots::product_id.eq(p));
    }
    q.order((lots::product_id, lots::id)).load(conn)
}

/// The sites where any of these lots ever moved (their ledger rows):
/// where a lot family "is" for site scope.
pub fn sites_of(conn: &mut DbConn, lot_ids: &[i64]) -> QueryResult<Vec<i64>> {
    use super::schema::ledger;
    if lot_ids.is_empty() {
        return Ok(Vec::new());
    }
    ledger::table
        .filter(ledger::lot_id.eq_any(lot_ids.to_vec()))
        .select(ledger::site_id)
        .distinct()
        .load(conn)
}

/// The lots of a product that ever moved at a site (its ledger rows there).
pub fn of_product_at(conn: &mut DbConn, product_id: i64, site_id: i64) -> QueryResult<Vec<Lot>> {
    use super::schema::ledger;
    lots::table
        .filter(lots::product_id.eq(product_id))
        .filter(
            lots::id.eq_any(
                ledger::table
                    .filter(ledger::product_id.eq(product_id))
                    .filter(ledger::site_id.eq(site_id))
                    .select(ledger::lot_id),
            ),
        )
        .select(Lot::as_select())
        .order((lots::use_by, lots::id))
        .load(conn)
}
