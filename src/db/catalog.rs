//! Products and suppliers.

use diesel::prelude::*;

use super::models::{Product, ProductFields, Supplier};
use super::schema::{products, suppliers};
use super::{DbConn, now};
use crate::domain::vocab::Category;

// ---- suppliers ----------------------------------------------------------------

pub fn suppliers(conn: &mut DbConn) -> QueryResult<Vec<Supplier>> {
    suppliers::table
        .select(Supplier::as_select())
        .order(suppliers::name)
        .load(conn)
}

pub fn supplier_by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<Supplier>> {
    suppliers::table
        .find(id)
        .select(Supplier::as_select())
        .first(conn)
        .optional()
}

pub fn supplier_by_name(conn: &mut DbConn, name: &str) -> QueryResult<Option<Supplier>> {
    suppliers::table
        .filter(suppliers::name.eq(name))
        .select(Supplier::as_select())
        .first(conn)
        .optional()
}

pub fn insert_supplier(
    conn: &mut DbConn,
    name: &str,
    email: Option<&str>,
    lead_time_days: Option<i32>,
) -> QueryResult<i64> {
    diesel::insert_into(suppliers::table)
        .values((
            suppliers::name.eq(name),
            suppliers::email.eq(email),
            suppliers::lead_time_days.eq(lead_time_days),
            suppliers::created_at.eq(now()),
        ))
        .returning(suppliers::id)
        .get_result(conn)
}

pub fn update_supplier(
    conn: &mut DbConn,
    id: i64,
    name: &str,
    email: Option<&str>,
    lead_time_days: Option<i32>,
) -> QueryResult<usize> {
    diesel::update(suppliers::table.find(id))
        .set((
            suppliers::name.eq(name),
            suppliers::email.eq(email),
            suppliers::lead_time_days.eq(lead_time_days),
        ))
        .execute(conn)
}

// ---- products -----------------------------------------------------------------

pub fn product_by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<Product>> {
    products::table
        .find(id)
        .select(Product::as_select())
        .first(conn)
        .optional()
}

pub fn products_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Product>> {
    // One id (a one-line session): `=` keeps the statement in the prepared
    // statement cache; SQLite's `IN (?, …)` is prepared anew every time.
    if let [id] = ids {
        return products::table
            .filter(products::id.eq(*id))
            .select(Product::as_select())
            .load(conn);
    }
    products::table
        .filter(products::id.eq_any(ids))
        .select(Product::as_select())
        .load(conn)
}

pub fn product_by_sku(conn: &mut DbConn, sku: &str) -> QueryResult<Option<Product>> {
    products::table
        .filter(products::sku.eq(sku))
        .select(Product::as_select())
        .first(conn)
        .optional()
}

pub fn product_by_gtin(conn: &mut DbConn, gtin: &str) -> QueryResult<Option<Product>> {
    products::table
        .filter(products::gtin.eq(gtin))
        .select(Product::as_select())
        .first(conn)
        .optional()
}

pub fn insert_product(conn: &mut DbConn, fields: &ProductFields) -> QueryResult<i64> {
    super::stock_version::touch(conn, super::stock_version::EVERY_SITE)?;
    diesel::insert_into(products::table)
        .values((fields, products::created_at.eq(fields.updated_at)))
        .returning(products::id)
        .get_result(conn)
}

pub fn update_product(conn: &mut DbConn, id: i64, fields: &ProductFields) -> QueryResult<usize> {
    super::stock_version::touch(conn, super::stock_version::EVERY_SITE)?;
    diesel::update(products::table.find(id))
        .set(fields)
        .execute(conn)
}

/// Filters for the product list.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    /// Matches SKU, name or GTIN (case-insensitive substring).
    pub search: Option<String>,
    pub category: Option<Category>,
    pub needle_length: Option<i32>,
    pub supplier_id: Option<i64>,
    /// None: active only; Some(true): archived only; Some(false): all.
    pub archived: Option<bool>,
    pub ids: Option<Vec<i64>>,
}

fn filtered(f: &ProductFilter) -> products::BoxedQuery<'static, super::MultiBackend> {
    let mut q = products::table.into_boxed();
    if let Some(s) = f
        .search
        .as_ref()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        let pattern = format!("%{}%", s.to_lowercase().replace(['%', '_'], ""));
        q = q.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("(LOWER(products.sku) LIKE ")
                .bind::<diesel::sql_types::Text, _>(pattern.clone())
                .sql(" OR LOWER(products.name) LIKE ")
                .bind::<diesel::sql_types::Text, _>(pattern.clone())
                .sql(" OR COALESCE(products.gtin, '') LIKE ")
                .bind::<diesel::sql_types::Text, _>(pattern)
                .sql(")"),
        );
    }
    if let Some(c) = f.category {
        q = q.filter(products::category.eq(c));
    }
    if let Some(n) = f.needle_length {
        q = q.filter(products::needle_length.eq(n));
    }
    if let Some(s) = f.supplier_id {
        q = q.filter(products::supplier_id.eq(s));
    }
    match f.archived {
        None => q = q.filter(products::active.eq(true)),
        Some(true) => q = q.filter(products::active.eq(false)),
        Some(false) => {}
    }
    if let Some(ids) = f.ids.clone() {
        q = q.filter(products::id.eq_any(ids));
    }
    q
}

pub fn count_products(conn: &mut DbConn, f: &ProductFilter) -> QueryResult<i64> {
    filtered(f).count().get_result(conn)
}

/// A page of products ordered by category, needle length, name.
pub fn list_products(
    conn: &mut DbConn,
    f: &ProductFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<Product>> {
    filtered(f)
        .select(Product::as_select())
        .order((
            products::category,
            products::needle_length,
            products::name,
            products::id,
        ))
        .limit(limit)
        .offset(offset)
        .load(conn)
}

/// How many products each supplier has (archived included).
pub fn product_counts_by_supplier(conn: &mut DbConn) -> QueryResult<Vec<(i64, i64)>> {
    products::table
        .filter(products::supplier_id.is_not_null())
        .group_by(products::supplier_id)
        .select((
            diesel::dsl::sql::<diesel::sql_types::BigInt>("CAST(products.supplier_id AS BIGINT)"),
            diesel::dsl::sql::<diesel::sql_types::BigInt>("CAST(COUNT(*) AS BIGINT)"),
        ))
        .load(conn)
}
