//! Stock figures aggregated in SQL from balances ⨝ lots (never the ledger):
//! per product usable / expiring soon / expired / quarantined, and the
//! expired positions still on the shelf. Cost grows with the number of
//! (lot, location) balances, not with history.

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable};

use super::DbConn;
use super::schema::{balances, locations, lots};
use crate::domain::vocab::{Category, Unit};

/// What one product has on hand (at one site, or everywhere).
#[derive(Debug, Clone, Default, Queryable, PartialEq, Eq)]
pub struct ProductTotals {
    pub product_id: i64,
    /// Not quarantined, use-by today or later.
    pub usable: i64,
    /// The part of `usable` whose use-by is within the expiring-soon window.
    pub expiring: i64,
    /// Not quarantined, use-by before today: on the shelf, waiting to be written off.
    pub expired: i64,
    pub quarantined: i64,
    /// Distinct usable lots (an opened container counts as its own lot row).
    pub usable_lots: i64,
    /// Earliest use-by among usable lots.
    pub next_use_by: Option<NaiveDate>,
}

/// Per-product totals over positive balances; `site_id` None means every
/// site, `product_ids` None every product. "Expiring soon" means a use-by
/// from `today` up to and including `soon`.
pub fn product_totals(
    conn: &mut DbConn,
    site_id: Option<i64>,
    product_ids: Option<&[i64]>,
    today: NaiveDate,
    soon: NaiveDate,
) -> QueryResult<Vec<ProductTotals>> {
    let usable_sum =
        sql::<BigInt>("CAST(COALESCE(SUM(CASE WHEN NOT lots.quarantined AND lots.use_by >= ")
            .bind::<Date, _>(today)
            .sql(" THEN balances.quantity ELSE 0 END), 0) AS BIGINT)");
    let expiring_sum =
        sql::<BigInt>("CAST(COALESCE(SUM(CASE WHEN NOT lots.quarantined AND lots.use_by >= ")
            .bind::<Date, _>(today)
            .sql(" AND lots.use_by <= ")
            .bind::<Date, _>(soon)
            .sql(" THEN balances.quantity ELSE 0 END), 0) AS BIGINT)");
    let expired_sum =
        sql::<BigInt>("CAST(COALESCE(SUM(CASE WHEN NOT lots.quarantined AND lots.use_by < ")
            .bind::<Date, _>(today)
            .sql(" THEN balances.quantity ELSE 0 END), 0) AS BIGINT)");
    let quarantined_sum = sql::<BigInt>(
        "CAST(COALESCE(SUM(CASE WHEN lots.quarantined THEN balances.quantity ELSE 0 END), 0) AS BIGINT)",
    );
    let usable_lots =
        sql::<BigInt>("CAST(COUNT(DISTINCT CASE WHEN NOT lots.quarantined AND lots.use_by >= ")
            .bind::<Date, _>(today)
            .sql(" THEN lots.id END) AS BIGINT)");
    let next_use_by =
        sql::<Nullable<Date>>("MIN(CASE WHEN NOT lots.quarantined AND lots.use_by >= ")
            .bind::<Date, _>(today)
            .sql(" THEN lots.use_by END)");
    let mut q = balances::table
        .inner_join(lots::table)
        .filter(balances::quantity.gt(0))
        .group_by(balances::product_id)
        .select((
            balances::product_id,
            usable_sum,
            expiring_sum,
            expired_sum,
            quarantined_sum,
            usable_lots,
            next_use_by,
        ))
        .into_boxed();
    if let Some(s) = site_id {
        q = q.filter(balances::site_id.eq(s));
    }
    if let Some(ids) = product_ids {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        q = q.filter(balances::product_id.eq_any(ids.to_vec()));
    }
    q.load(conn)
}

/// One positive (lot, location) balance at a site with what decides its
/// status: the raw material of the dashboard.
#[derive(Debug, Clone, Copy, Queryable)]
pub struct Position {
    pub product_id: i64,
    pub lot_id: i64,
    pub location_id: i64,
    pub quantity: i64,
    pub use_by: NaiveDate,
    pub quarantined: bool,
    pub opened: bool,
}

/// Every positive balance at a site (one indexed pass over balances ⨝ lots;
/// a few thousand rows for a large clinic, whatever the ledger's length).
pub fn positions(conn: &mut DbConn, site_id: i64) -> QueryResult<Vec<Position>> {
    balances::table
        .inner_join(lots::table)
        .filter(balances::site_id.eq(site_id))
        .filter(balances::quantity.gt(0))
        .select((
            balances::product_id,
            balances::lot_id,
            balances::location_id,
            balances::quantity,
            lots::use_by,
            lots::quarantined,
            lots::container.gt(0),
        ))
        .load(conn)
}

/// Lot numbers and expiries of some lots.
pub fn lot_labels(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String, NaiveDate)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    lots::table
        .filter(lots::id.eq_any(ids.to_vec()))
        .select((lots::id, lots::lot_number, lots::expiry))
        .load(conn)
}

/// A lot's balance at one location, with the location's names (product page).
#[derive(Debug, Clone, Queryable)]
pub struct LotBalance {
    pub lot_id: i64,
    pub site_id: i64,
    pub location_id: i64,
    pub location_code: String,
    pub location_name: String,
    pub quantity: i64,
}

/// Non-zero balances of a product's lots, every site.
pub fn balances_of_product(
    conn: &mut DbConn,
    product_id: i64,
    site_id: Option<i64>,
) -> QueryResult<Vec<LotBalance>> {
    let mut q = balances::table
        .inner_join(locations::table)
        .filter(balances::product_id.eq(product_id))
        .filter(balances::quantity.ne(0))
        .into_boxed();
    if let Some(site) = site_id {
        q = q.filter(balances::site_id.eq(site));
    }
    q.select((
        balances::lot_id,
        balances::site_id,
        balances::location_id,
        locations::code,
        locations::name,
        balances::quantity,
    ))
    .order((
        balances::site_id,
        locations::sort_order,
        locations::code,
        balances::lot_id,
    ))
    .load(conn)
}

/// True when any ledger row (hence any stock movement) exists.
pub fn any_stock(conn: &mut DbConn) -> QueryResult<bool> {
    use super::schema::ledger;
    let first: Option<i64> = ledger::table.select(ledger::id).first(conn).optional()?;
    let lot: Option<i64> = lots::table.select(lots::id).first(conn).optional()?;
    Ok(first.is_some() || lot.is_some())
}

/// One page of a product's ledger rows, newest first (uses the
/// (product_id, occurred_at) index), and how many there are.
pub fn product_history(
    conn: &mut DbConn,
    product_id: i64,
    site_id: Option<i64>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<super::ledger::LedgerEntry>, i64)> {
    use super::schema::ledger;
    let rows = || {
        let mut q = ledger::table
            .filter(ledger::product_id.eq(product_id))
            .into_boxed();
        if let Some(site) = site_id {
            q = q.filter(ledger::site_id.eq(site));
        }
        q
    };
    let total: i64 = rows().count().get_result(conn)?;
    let ids: Vec<i64> = rows()
        .select(ledger::id)
        .order((ledger::occurred_at.desc(), ledger::id.desc()))
        .limit(limit)
        .offset(offset)
        .load(conn)?;
    let mut rows = super::ledger::by_ids(conn, &ids)?;
    rows.sort_by_key(|e| std::cmp::Reverse((e.row.occurred_at, e.row.id)));
    Ok((rows, total))
}

/// What the dashboard needs of a product.
#[derive(Debug, Clone, Queryable)]
pub struct ProductBrief {
    pub id: i64,
    pub sku: String,
    pub name: String,
    pub category: Category,
    pub unit: Unit,
    pub needle_length: Option<i32>,
    pub min_level: Option<i64>,
    pub active: bool,
    pub unit_cost_cents: Option<i64>,
}

/// Every product (archived too), briefly, by category, needle length, name.
pub fn product_briefs(conn: &mut DbConn) -> QueryResult<Vec<ProductBrief>> {
    use super::schema::products;
    products::table
        .select((
            products::id,
            products::sku,
            products::name,
            products::category,
            products::unit,
            products::needle_length,
            products::min_level,
            products::active,
            products::unit_cost_cents,
        ))
        .order((
            products::category,
            products::needle_length,
            products::name,
            products::id,
        ))
        .load(conn)
}
