//! Read-only queries behind the alerts (`services::alerts`): the site's
//! positive balances of lots whose use-by date falls on or before a day,
//! named (lot number, product, location), and the site's sent orders with
//! their supplier's lead time. Both are bounded by the site's stock and open
//! orders, never by history.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{balances, locations, lots, products, purchase_orders, suppliers};
use crate::domain::reorder::on_order_codes;
use crate::domain::vocab::Unit;

/// One positive (lot, location) balance, with what an alert shows.
#[derive(Debug, Clone, Queryable, PartialEq, Eq)]
pub struct LotPosition {
    pub lot_id: i64,
    pub lot_number: String,
    pub expiry: NaiveDate,
    pub use_by: NaiveDate,
    pub discard_by: Option<NaiveDate>,
    /// An opened container (tube, vial) of its parent lot.
    pub opened: bool,
    pub product_id: i64,
    pub sku: String,
    pub product_name: String,
    pub unit: Unit,
    pub location_code: String,
    pub location_name: String,
    pub location_order: i32,
    pub quantity: i64,
}

/// Positive balances at a site of lots that are not quarantined and whose
/// use-by date is on or before `last_day` (expired, and expiring up to it).
pub fn positions_due(
    conn: &mut DbConn,
    site_id: i64,
    last_day: NaiveDate,
) -> QueryResult<Vec<LotPosition>> {
    balances::table
        .inner_join(lots::table)
        .inner_join(locations::table)
        .inner_join(products::table)
        .filter(balances::site_id.eq(site_id))
        .filter(balances::quantity.gt(0))
        .filter(lots::quarantined.eq(false))
        .filter(lots::use_by.le(last_day))
        .select((
            lots::id,
            lots::lot_number,
            lots::expiry,
            lots::use_by,
            lots::discard_by,
            lots::container.gt(0),
            products::id,
            products::sku,
            products::name,
            products::unit,
            locations::code,
            locations::name,
            locations::sort_order,
            balances::quantity,
        ))
        .load(conn)
}

/// A sent (or partly received) order with what its expected day is made of.
#[derive(Debug, Clone, Queryable, PartialEq, Eq)]
pub struct SentOrder {
    pub id: i64,
    pub supplier_id: i64,
    pub supplier_name: String,
    pub supplier_lead_days: Option<i32>,
    pub sent_at: Option<NaiveDateTime>,
}

/// The site's orders that are sent or partly received (index
/// `purchase_orders_site_status`).
pub fn sent_orders(conn: &mut DbConn, site_id: i64) -> QueryResult<Vec<SentOrder>> {
    purchase_orders::table
        .inner_join(suppliers::table)
        .filter(purchase_orders::site_id.eq(site_id))
        .filter(purchase_orders::status.eq_any(on_order_codes()))
        .select((
            purchase_orders::id,
            purchase_orders::supplier_id,
            suppliers::name,
            suppliers::lead_time_days,
            purchase_orders::sent_at,
        ))
        .order(purchase_orders::id)
        .load(conn)
}
