//! Reading whole tables for `clinic-stock export` (and the export zip):
//! plain loads for the small tables, keyset pages by id for those that grow
//! with history (sessions and their lines), so an export never holds years
//! of history in memory at once.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::models::{
    Lot, Protocol, ProtocolLine, PurchaseOrder, PurchaseOrderLine, SessionLine, TreatmentSession,
};
use super::schema::{
    balances, locations, lots, products, protocol_lines, protocols, purchase_order_lines,
    purchase_orders, receipts, session_lines, sites, stock_counts, treatment_sessions, users,
};

/// (site code, location code, location name, site name), by site then order.
pub fn locations(conn: &mut DbConn) -> QueryResult<Vec<(String, String, String, String)>> {
    locations::table
        .inner_join(sites::table)
        .select((sites::code, locations::code, locations::name, sites::name))
        .order((sites::code, locations::sort_order, locations::id))
        .load(conn)
}

/// Stock on hand per (site, location, product, lot number, expiry): sealed
/// lots and their opened containers together; whether any is quarantined.
#[derive(Debug, Clone, Queryable)]
pub struct StockRow {
    pub site: String,
    pub location: String,
    pub sku: String,
    pub lot_number: String,
    pub expiry: NaiveDate,
    pub quantity: i64,
    pub quarantined: bool,
}

pub fn stock(conn: &mut DbConn) -> QueryResult<Vec<StockRow>> {
    let rows: Vec<StockRow> = balances::table
        .inner_join(lots::table)
        .inner_join(locations::table.inner_join(sites::table))
        .inner_join(products::table)
        .filter(balances::quantity.gt(0))
        .select((
            sites::code,
            locations::code,
            products::sku,
            lots::lot_number,
            lots::expiry,
            balances::quantity,
            lots::quarantined,
        ))
        .order((
            sites::code,
            locations::sort_order,
            products::sku,
            lots::expiry,
            lots::lot_number,
            lots::container,
        ))
        .load(conn)?;
    // Opened containers share their lot's number and expiry: one row each.
    let mut out: Vec<StockRow> = Vec::with_capacity(rows.len());
    for r in rows {
        match out.last_mut() {
            Some(last)
                if last.site == r.site
                    && last.location == r.location
                    && last.sku == r.sku
                    && last.lot_number == r.lot_number
                    && last.expiry == r.expiry =>
            {
                last.quantity += r.quantity;
                last.quarantined |= r.quarantined;
            }
            _ => out.push(r),
        }
    }
    Ok(out)
}

/// A protocol with its default lines and their SKUs.
pub type ProtocolWithLines = (Protocol, Vec<(ProtocolLine, String)>);

pub fn protocols(conn: &mut DbConn) -> QueryResult<Vec<ProtocolWithLines>> {
    let all: Vec<Protocol> = protocols::table
        .select(Protocol::as_select())
        .order((protocols::name, protocols::id))
        .load(conn)?;
    let lines: Vec<(ProtocolLine, String)> = protocol_lines::table
        .inner_join(products::table)
        .select((ProtocolLine::as_select(), products::sku))
        .order((
            protocol_lines::protocol_id,
            protocol_lines::position,
            protocol_lines::id,
        ))
        .load(conn)?;
    Ok(all
        .into_iter()
        .map(|p| {
            let mine = lines
                .iter()
                .filter(|(l, _)| l.protocol_id == p.id)
                .cloned()
                .collect();
            (p, mine)
        })
        .collect())
}

/// Every lot row (sealed and opened containers) with its product's SKU.
pub fn lots(conn: &mut DbConn) -> QueryResult<Vec<(Lot, String)>> {
    lots::table
        .inner_join(products::table)
        .select((Lot::as_select(), products::sku))
        .order(lots::id)
        .load(conn)
}

/// (username, role, site code, active, created at): never password hashes.
pub type UserRow = (String, String, Option<String>, bool, NaiveDateTime);

pub fn users(conn: &mut DbConn) -> QueryResult<Vec<UserRow>> {
    users::table
        .left_join(sites::table)
        .select((
            users::username,
            users::role,
            sites::code.nullable(),
            users::active,
            users::created_at,
        ))
        .order(users::id)
        .load(conn)
}

/// Up to `limit` sessions after `after_id`, by id.
pub fn sessions_after(
    conn: &mut DbConn,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<TreatmentSession>> {
    treatment_sessions::table
        .filter(treatment_sessions::id.gt(after_id))
        .select(TreatmentSession::as_select())
        .order(treatment_sessions::id)
        .limit(limit)
        .load(conn)
}

/// Up to `limit` session lines after `after_id`, by id, with the SKU.
pub fn session_lines_after(
    conn: &mut DbConn,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<(SessionLine, String)>> {
    session_lines::table
        .inner_join(products::table)
        .filter(session_lines::id.gt(after_id))
        .select((SessionLine::as_select(), products::sku))
        .order(session_lines::id)
        .limit(limit)
        .load(conn)
}

pub fn orders(conn: &mut DbConn) -> QueryResult<Vec<PurchaseOrder>> {
    purchase_orders::table
        .select(PurchaseOrder::as_select())
        .order(purchase_orders::id)
        .load(conn)
}

pub fn order_lines(conn: &mut DbConn) -> QueryResult<Vec<(PurchaseOrderLine, String)>> {
    purchase_order_lines::table
        .inner_join(products::table)
        .select((PurchaseOrderLine::as_select(), products::sku))
        .order(purchase_order_lines::id)
        .load(conn)
}

/// (id, site id, location id, user id, order id, unit cost, note, received at).
pub type ReceiptRow = (
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    NaiveDateTime,
);

pub fn receipts(conn: &mut DbConn) -> QueryResult<Vec<ReceiptRow>> {
    receipts::table
        .select((
            receipts::id,
            receipts::site_id,
            receipts::location_id,
            receipts::user_id,
            receipts::purchase_order_id,
            receipts::unit_cost_cents,
            receipts::note,
            receipts::received_at,
        ))
        .order(receipts::id)
        .load(conn)
}

/// (id, location id, user id, blind, lines counted, discrepancies, created at).
pub type CountRow = (i64, i64, i64, bool, i32, i32, NaiveDateTime);

pub fn counts(conn: &mut DbConn) -> QueryResult<Vec<CountRow>> {
    stock_counts::table
        .select((
            stock_counts::id,
            stock_counts::location_id,
            stock_counts::user_id,
            stock_counts::blind,
            stock_counts::lines_counted,
            stock_counts::discrepancies,
            stock_counts::created_at,
        ))
        .order(stock_counts::id)
        .load(conn)
}
