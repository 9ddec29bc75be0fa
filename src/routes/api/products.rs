//! `/api/v1/products` and `/api/v1/suppliers`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::body::{Fields, scalar_text};
use super::{ApiError, ApiJson, ApiResult, list};
use crate::app::AppState;
use crate::db::catalog::ProductFilter;
use crate::db::models::{Product, Supplier};
use crate::domain::access::Action;
use crate::domain::{NeedleLength, Quantity};
use crate::error::ServiceError;
use crate::routes::extract::ApiUser;
use crate::services::catalog::{self, ProductDraft, SupplierDraft};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/products", web::get().to(list_products))
        .route("/products", web::post().to(create_product))
        .route("/products/{id}", web::get().to(get_product))
        .route("/products/{id}", web::patch().to(patch_product))
        .route("/suppliers", web::get().to(list_suppliers))
        .route("/suppliers", web::post().to(create_supplier));
}

pub fn product_json(p: &Product) -> serde_json::Value {
    serde_json::json!({
        "id": p.id,
        "sku": p.sku,
        "name": p.name,
        "category": p.category,
        "unit": p.unit,
        "pack_size": Quantity(p.pack_size).to_json(),
        "needle_length_mm": p.needle_length.map(|n| NeedleLength(n).to_json()),
        "gtin": p.gtin,
        "supplier_id": p.supplier_id,
        "unit_cost_cents": p.unit_cost_cents,
        "lead_time_days": p.lead_time_days,
        "min_level": p.min_level.map(|q| Quantity(q).to_json()),
        "max_level": p.max_level.map(|q| Quantity(q).to_json()),
        "max_per_session": p.max_per_session.map(|q| Quantity(q).to_json()),
        "use_within_days_of_opening": p.use_within_days,
        "max_contact_minutes": p.max_contact_minutes,
        "active": p.active,
    })
}

fn supplier_json(s: &Supplier) -> serde_json::Value {
    serde_json::json!({"id": s.id, "name": s.name, "email": s.email, "lead_time_days": s.lead_time_days})
}

fn draft_from_json(body: &serde_json::Value) -> Result<ProductDraft, ApiError> {
    let f = Fields::of(body)?;
    Ok(ProductDraft {
        sku: f.raw("sku")?,
        name: f.raw("name")?,
        category: f.raw("category")?,
        unit: f.raw("unit")?,
        pack_size: f.raw("pack_size")?,
        needle_length_mm: f.raw("needle_length_mm")?,
        gtin: f.raw("gtin")?,
        supplier_id: f.raw("supplier_id")?,
        unit_cost_cents: f.raw("unit_cost_cents")?,
        unit_cost: None,
        lead_time_days: f.raw("lead_time_days")?,
        min_level: f.raw("min_level")?,
        max_level: f.raw("max_level")?,
        max_per_session: f.raw("max_per_session")?,
        use_within_days_of_opening: f.raw("use_within_days_of_opening")?,
        max_contact_minutes: f.raw("max_contact_minutes")?,
        active: f.flag("active")?,
    })
}

#[derive(Deserialize, Default)]
pub struct ProductQuery {
    q: Option<String>,
    category: Option<String>,
    needle_length_mm: Option<String>,
    supplier_id: Option<i64>,
    archived: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// Product filters from a query string (shared by the stock API).
pub fn product_filter(
    q: Option<String>,
    category: Option<String>,
    needle: Option<String>,
    supplier_id: Option<i64>,
    archived: Option<&str>,
) -> Result<ProductFilter, ApiError> {
    let needle_length = match needle.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(t) => Some(
            NeedleLength::parse(t)
                .map_err(|e| ApiError(ServiceError::invalid("needle_length_mm", e)))?
                .0,
        ),
        None => None,
    };
    Ok(ProductFilter {
        search: q,
        category: category.filter(|c| !c.is_empty()),
        needle_length,
        supplier_id,
        archived: match archived {
            Some("true") | Some("only") => Some(true),
            Some("all") => Some(false),
            _ => None,
        },
        ids: None,
    })
}

async fn list_products(
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<ProductQuery>,
) -> ApiResult {
    user.require(Action::ViewProducts)?;
    let q = q.into_inner();
    let page = super::PageParams {
        limit: q.limit,
        offset: q.offset,
    };
    let filter = product_filter(
        q.q,
        q.category,
        q.needle_length_mm,
        q.supplier_id,
        q.archived.as_deref(),
    )?;
    let (items, total) = state
        .run(move |conn| catalog::list_products(conn, &filter, page.limit(), page.offset()))
        .await?;
    Ok(list(items.iter().map(product_json).collect(), total))
}

async fn create_product(
    state: web::Data<AppState>,
    user: ApiUser,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Action::ManageProducts)?;
    let draft = draft_from_json(&body.0)?;
    let actor = user.0.clone();
    let p = state
        .run(move |conn| catalog::create_product(conn, &actor, &draft))
        .await?;
    Ok(HttpResponse::Created().json(product_json(&p)))
}

async fn get_product(state: web::Data<AppState>, user: ApiUser, id: web::Path<i64>) -> ApiResult {
    user.require(Action::ViewProducts)?;
    let id = id.into_inner();
    let p = state.run(move |conn| catalog::product(conn, id)).await?;
    Ok(HttpResponse::Ok().json(product_json(&p)))
}

async fn patch_product(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Action::ManageProducts)?;
    let draft = draft_from_json(&body.0)?;
    let actor = user.0.clone();
    let id = id.into_inner();
    let p = state
        .run(move |conn| catalog::update_product(conn, &actor, id, draft))
        .await?;
    Ok(HttpResponse::Ok().json(product_json(&p)))
}

async fn list_suppliers(state: web::Data<AppState>, user: ApiUser) -> ApiResult {
    user.require(Action::ViewSuppliers)?;
    let items = state.run(catalog::suppliers).await?;
    let total = items.len() as i64;
    Ok(list(items.iter().map(supplier_json).collect(), total))
}

#[derive(Deserialize)]
pub struct NewSupplier {
    name: String,
    email: Option<String>,
    lead_time_days: Option<serde_json::Value>,
}

async fn create_supplier(
    state: web::Data<AppState>,
    user: ApiUser,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Action::ManageSuppliers)?;
    let body = ApiJson(super::typed::<NewSupplier>(body.0)?);
    let b = body.0;
    let draft = SupplierDraft {
        name: b.name,
        email: b.email,
        lead_time_days: b
            .lead_time_days
            .as_ref()
            .map(|v| scalar_text("lead_time_days", v))
            .transpose()?,
    };
    let actor = user.0.clone();
    let s = state
        .run(move |conn| catalog::create_supplier(conn, &actor, &draft))
        .await?;
    Ok(HttpResponse::Created().json(supplier_json(&s)))
}
