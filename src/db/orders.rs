//! Purchase orders and their lines. Status changes and received quantities
//! are conditional updates (`WHERE status IN (…)`, `WHERE received + q <=
//! ordered`) so that two requests racing on one order cannot both win.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{PurchaseOrder, PurchaseOrderLine};
use super::schema::{purchase_order_lines, purchase_orders};
use super::{DbConn, now};
use crate::domain::vocab::Unit;

pub fn insert_order(
    conn: &mut DbConn,
    site_id: i64,
    supplier_id: i64,
    created_by: i64,
    note: Option<&str>,
) -> QueryResult<i64> {
    diesel::insert_into(purchase_orders::table)
        .values((
            purchase_orders::site_id.eq(site_id),
            purchase_orders::supplier_id.eq(supplier_id),
            purchase_orders::status.eq("draft"),
            purchase_orders::created_by.eq(created_by),
            purchase_orders::created_at.eq(now()),
            purchase_orders::note.eq(note),
        ))
        .returning(purchase_orders::id)
        .get_result(conn)
}

pub fn insert_line(
    conn: &mut DbConn,
    order_id: i64,
    product_id: i64,
    packs: i64,
    pack_size: i64,
    pack_cost_cents: i64,
) -> QueryResult<i64> {
    diesel::insert_into(purchase_order_lines::table)
        .values((
            purchase_order_lines::purchase_order_id.eq(order_id),
            purchase_order_lines::product_id.eq(product_id),
            purchase_order_lines::packs.eq(packs),
            purchase_order_lines::pack_size.eq(pack_size),
            purchase_order_lines::pack_cost_cents.eq(pack_cost_cents),
            purchase_order_lines::received_quantity.eq(0),
        ))
        .returning(purchase_order_lines::id)
        .get_result(conn)
}

/// Removes every line of an order (only ever called on drafts, which have
/// no receipts pointing at their lines).
pub fn delete_lines(conn: &mut DbConn, order_id: i64) -> QueryResult<usize> {
    diesel::delete(
        purchase_order_lines::table.filter(purchase_order_lines::purchase_order_id.eq(order_id)),
    )
    .execute(conn)
}

/// Takes the site's row lock until the transaction ends (a no-op update):
/// on PostgreSQL, two requests drafting orders at one site at once then run
/// one after the other, so the second sees the first's drafts (SQLite's
/// writers queue anyway).
pub fn lock_site(conn: &mut DbConn, site_id: i64) -> QueryResult<usize> {
    use super::schema::sites;
    diesel::update(sites::table.find(site_id))
        .set(sites::code.eq(sites::code))
        .execute(conn)
}

/// (product id, order id) of every line of the site's draft orders, by
/// order id.
pub fn draft_lines_at_site(conn: &mut DbConn, site_id: i64) -> QueryResult<Vec<(i64, i64)>> {
    purchase_order_lines::table
        .inner_join(purchase_orders::table)
        .filter(purchase_orders::site_id.eq(site_id))
        .filter(purchase_orders::status.eq("draft"))
        .order(purchase_orders::id.asc())
        .select((purchase_order_lines::product_id, purchase_orders::id))
        .load(conn)
}

pub fn set_note(conn: &mut DbConn, order_id: i64, note: Option<&str>) -> QueryResult<usize> {
    diesel::update(purchase_orders::table.find(order_id))
        .set(purchase_orders::note.eq(note))
        .execute(conn)
}

pub fn by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<PurchaseOrder>> {
    purchase_orders::table
        .find(id)
        .select(PurchaseOrder::as_select())
        .first(conn)
        .optional()
}

pub fn lines_of(conn: &mut DbConn, order_id: i64) -> QueryResult<Vec<PurchaseOrderLine>> {
    purchase_order_lines::table
        .filter(purchase_order_lines::purchase_order_id.eq(order_id))
        .select(PurchaseOrderLine::as_select())
        .order(purchase_order_lines::id)
        .load(conn)
}

pub fn lines_of_orders(
    conn: &mut DbConn,
    order_ids: &[i64],
) -> QueryResult<Vec<PurchaseOrderLine>> {
    if order_ids.is_empty() {
        return Ok(Vec::new());
    }
    purchase_order_lines::table
        .filter(purchase_order_lines::purchase_order_id.eq_any(order_ids.to_vec()))
        .select(PurchaseOrderLine::as_select())
        .order(purchase_order_lines::id)
        .load(conn)
}

/// Filters for the order list.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub site_id: Option<i64>,
    pub supplier_id: Option<i64>,
    /// Status codes to include; empty = all.
    pub statuses: Vec<String>,
}

fn filtered(f: &OrderFilter) -> purchase_orders::BoxedQuery<'static, super::MultiBackend> {
    let mut q = purchase_orders::table.into_boxed();
    if let Some(s) = f.site_id {
        q = q.filter(purchase_orders::site_id.eq(s));
    }
    if let Some(s) = f.supplier_id {
        q = q.filter(purchase_orders::supplier_id.eq(s));
    }
    if !f.statuses.is_empty() {
        q = q.filter(purchase_orders::status.eq_any(f.statuses.clone()));
    }
    q
}

pub fn count(conn: &mut DbConn, f: &OrderFilter) -> QueryResult<i64> {
    filtered(f).count().get_result(conn)
}

/// A page of orders, newest first.
pub fn page(
    conn: &mut DbConn,
    f: &OrderFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<PurchaseOrder>> {
    filtered(f)
        .select(PurchaseOrder::as_select())
        .order(purchase_orders::id.desc())
        .limit(limit)
        .offset(offset)
        .load(conn)
}

/// Draft → sent, only while still a draft. Returns rows changed (0 or 1).
pub fn mark_sent(
    conn: &mut DbConn,
    id: i64,
    sent_at: NaiveDateTime,
    email_text: &str,
) -> QueryResult<usize> {
    diesel::update(
        purchase_orders::table
            .filter(purchase_orders::id.eq(id))
            .filter(purchase_orders::status.eq("draft")),
    )
    .set((
        purchase_orders::status.eq("sent"),
        purchase_orders::sent_at.eq(sent_at),
        purchase_orders::email_text.eq(email_text),
    ))
    .execute(conn)
}

/// Marks a draft as sent by e-mail from the app: when, the text sent and the
/// address. Returns rows changed (0 when it is no longer a draft).
pub fn mark_emailed(
    conn: &mut DbConn,
    id: i64,
    sent_at: NaiveDateTime,
    email_text: &str,
    sent_to: &str,
) -> QueryResult<usize> {
    diesel::update(
        purchase_orders::table
            .filter(purchase_orders::id.eq(id))
            .filter(purchase_orders::status.eq("draft")),
    )
    .set((
        purchase_orders::status.eq("sent"),
        purchase_orders::sent_at.eq(sent_at),
        purchase_orders::email_text.eq(email_text),
        purchase_orders::sent_to.eq(sent_to),
    ))
    .execute(conn)
}

/// Moves an order from one of `from` to `to`; `closed` sets `closed_at`.
/// Returns rows changed (0 when the order was not in one of `from`).
pub fn move_status(
    conn: &mut DbConn,
    id: i64,
    from: &[&str],
    to: &str,
    closed: bool,
) -> QueryResult<usize> {
    let target = purchase_orders::table
        .filter(purchase_orders::id.eq(id))
        .filter(
            purchase_orders::status.eq_any(from.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
        );
    let closed_at = closed.then(now);
    diesel::update(target)
        .set((
            purchase_orders::status.eq(to),
            purchase_orders::closed_at.eq(closed_at),
        ))
        .execute(conn)
}

/// Adds `quantity` to a line's received quantity while it stays within the
/// ordered quantity. Returns rows changed (0 = it would exceed the order).
pub fn add_received(conn: &mut DbConn, line_id: i64, quantity: i64) -> QueryResult<usize> {
    diesel::update(
        purchase_order_lines::table
            .filter(purchase_order_lines::id.eq(line_id))
            .filter(
                (purchase_order_lines::received_quantity + quantity)
                    .le(purchase_order_lines::packs * purchase_order_lines::pack_size),
            ),
    )
    .set(
        purchase_order_lines::received_quantity
            .eq(purchase_order_lines::received_quantity + quantity),
    )
    .execute(conn)
}

/// What is still open on a line (ordered − received, never negative).
pub fn open_quantity(conn: &mut DbConn, line_id: i64) -> QueryResult<i64> {
    let (packs, size, received): (i64, i64, i64) = purchase_order_lines::table
        .find(line_id)
        .select((
            purchase_order_lines::packs,
            purchase_order_lines::pack_size,
            purchase_order_lines::received_quantity,
        ))
        .first(conn)?;
    Ok((packs.saturating_mul(size) - received).max(0))
}

/// A stock movement received against an order (its `receive` ledger rows).
#[derive(Debug, Clone, Queryable)]
pub struct OrderReceipt {
    pub occurred_at: NaiveDateTime,
    pub line_id: Option<i64>,
    pub sku: String,
    pub unit: Unit,
    pub lot_number: String,
    pub expiry: chrono::NaiveDate,
    pub location_code: String,
    pub quantity: i64,
}

/// Deliveries against an order, oldest first (index `ledger_order`).
pub fn receipts_of(conn: &mut DbConn, order_id: i64) -> QueryResult<Vec<OrderReceipt>> {
    use super::schema::{ledger, locations, lots, products};
    ledger::table
        .inner_join(lots::table)
        .inner_join(locations::table)
        .inner_join(products::table)
        .filter(ledger::purchase_order_id.eq(order_id))
        .filter(ledger::kind.eq("receive"))
        .order(ledger::id)
        .select((
            ledger::occurred_at,
            ledger::purchase_order_line_id,
            products::sku,
            products::unit,
            lots::lot_number,
            lots::expiry,
            locations::code,
            ledger::delta,
        ))
        .load(conn)
}
