//! `/api/v1/products` and `/api/v1/suppliers`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::types::Page;
use super::types::catalog::{ProductBody, ProductOut, SupplierBody, SupplierOut};
use super::{ApiError, ApiJson, ApiResult, list};
use crate::app::AppState;
use crate::db::catalog::ProductFilter;
use crate::db::models::Product;
use crate::domain::NeedleLength;
use crate::domain::access::Action;
use crate::domain::vocab::Category;
use crate::error::ServiceError;
use crate::routes::extract::ApiUser;
use crate::services::catalog;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/products", web::get().to(list_products))
        .route("/products", web::post().to(create_product))
        .route("/products/{id}", web::get().to(get_product))
        .route("/products/{id}", web::patch().to(patch_product))
        .route("/suppliers", web::get().to(list_suppliers))
        .route("/suppliers", web::post().to(create_supplier));
}

pub fn product_json(p: &Product) -> ProductOut {
    ProductOut::from(p)
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
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
    // A category that is not one of the codes matches nothing (it is not
    // ignored): the query asked for it exactly.
    let (category, ids) = match category.filter(|c| !c.is_empty()) {
        None => (None, None),
        Some(c) => match Category::ALL.iter().copied().find(|k| k.code() == c) {
            Some(k) => (Some(k), None),
            None => (None, Some(Vec::new())),
        },
    };
    Ok(ProductFilter {
        search: q,
        category,
        needle_length,
        supplier_id,
        archived: match archived {
            Some("true") | Some("only") => Some(true),
            Some("all") => Some(false),
            _ => None,
        },
        ids,
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/products",
    operation_id = "list_products",
    tag = "catalogue",
    params(ProductQuery),
    responses((status = 200, description = "A page of products", body = Page<ProductOut>)),
)]
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

#[utoipa::path(
    post,
    path = "/api/v1/products",
    operation_id = "create_product",
    tag = "catalogue",
    request_body = ProductBody,
    responses((status = 201, description = "The product", body = ProductOut)),
)]
async fn create_product(
    state: web::Data<AppState>,
    user: ApiUser,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Action::ManageProducts)?;
    let draft = super::typed::<ProductBody>(body.0)?.draft();
    let actor = user.0.clone();
    let p = state
        .run(move |conn| catalog::create_product(conn, &actor, &draft))
        .await?;
    Ok(HttpResponse::Created().json(product_json(&p)))
}

#[utoipa::path(
    get,
    path = "/api/v1/products/{id}",
    operation_id = "get_product",
    tag = "catalogue",
    params(("id" = i64, Path, description = "the id")),
    responses((status = 200, description = "The product", body = ProductOut)),
)]
async fn get_product(state: web::Data<AppState>, user: ApiUser, id: web::Path<i64>) -> ApiResult {
    user.require(Action::ViewProducts)?;
    let id = id.into_inner();
    let p = state.run(move |conn| catalog::product(conn, id)).await?;
    Ok(HttpResponse::Ok().json(product_json(&p)))
}

#[utoipa::path(
    patch,
    path = "/api/v1/products/{id}",
    operation_id = "update_product",
    tag = "catalogue",
    params(("id" = i64, Path, description = "the id")),
    request_body = ProductBody,
    responses((status = 200, description = "The product", body = ProductOut)),
)]
async fn patch_product(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Action::ManageProducts)?;
    let draft = super::typed::<ProductBody>(body.0)?.draft();
    let actor = user.0.clone();
    let id = id.into_inner();
    let p = state
        .run(move |conn| catalog::update_product(conn, &actor, id, draft))
        .await?;
    Ok(HttpResponse::Ok().json(product_json(&p)))
}

#[utoipa::path(
    get,
    path = "/api/v1/suppliers",
    operation_id = "list_suppliers",
    tag = "catalogue",
    responses((status = 200, description = "Every supplier", body = Page<SupplierOut>)),
)]
async fn list_suppliers(state: web::Data<AppState>, user: ApiUser) -> ApiResult {
    user.require(Action::ViewSuppliers)?;
    let items = state.run(catalog::suppliers).await?;
    let total = items.len() as i64;
    Ok(list(items.iter().map(SupplierOut::from).collect(), total))
}

#[utoipa::path(
    post,
    path = "/api/v1/suppliers",
    operation_id = "create_supplier",
    tag = "catalogue",
    request_body = SupplierBody,
    responses((status = 201, description = "The supplier", body = SupplierOut)),
)]
async fn create_supplier(
    state: web::Data<AppState>,
    user: ApiUser,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Action::ManageSuppliers)?;
    let draft = super::typed::<SupplierBody>(body.0)?.draft();
    let actor = user.0.clone();
    let s = state
        .run(move |conn| catalog::create_supplier(conn, &actor, &draft))
        .await?;
    Ok(HttpResponse::Created().json(SupplierOut::from(&s)))
}
