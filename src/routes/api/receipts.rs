//! `GET /api/v1/receipts` (`?site=&limit=&offset=`, newest first, with
//! `total`) and `GET /api/v1/receipts/{id}` — managers; each receipt with
//! its lines (the `receive` ledger rows it wrote). `POST /api/v1/receipts`
//! is in `stock.rs`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::movements::ledger_json;
use super::types::Page;
use super::types::Time;
use super::{ApiResult, PageParams, list};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::routes::extract::ApiUser;
use crate::services::receipts::{self, ReceiptView};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/receipts", web::get().to(index))
        .route("/receipts/{id}", web::get().to(show));
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReceiptOut {
    id: i64,
    site: String,
    site_id: i64,
    location: String,
    location_id: i64,
    user: String,
    received_at: Time,
    purchase_order_id: Option<i64>,
    unit_cost_cents: Option<i64>,
    note: Option<String>,
    /// The `receive` ledger rows of this receipt.
    lines: Vec<super::types::movements::LedgerOut>,
}

fn out(v: ReceiptView) -> ReceiptOut {
    let r = v.receipt;
    ReceiptOut {
        id: r.id,
        site: v.site,
        site_id: r.site_id,
        location: v.location,
        location_id: r.location_id,
        user: v.user,
        received_at: Time(r.received_at),
        purchase_order_id: r.purchase_order_id,
        unit_cost_cents: r.unit_cost_cents,
        note: r.note,
        lines: v.lines.iter().map(ledger_json).collect(),
    }
}

#[derive(Deserialize, Default, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReceiptQuery {
    site: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/receipts",
    operation_id = "list_receipts",
    tag = "stock",
    params(ReceiptQuery),
    responses((status = 200, description = "A page of receipts, newest first", body = Page<ReceiptOut>)),
)]
async fn index(
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<ReceiptQuery>,
) -> ApiResult {
    user.require(Action::ReceiveStock)?;
    let q = q.into_inner();
    let page = PageParams {
        limit: q.limit,
        offset: q.offset,
    };
    let actor = user.0.clone();
    let (items, total) = state
        .run(move |conn| {
            receipts::list(conn, &actor, q.site.as_deref(), page.limit(), page.offset())
        })
        .await?;
    Ok(list(items.into_iter().map(out).collect(), total))
}

#[utoipa::path(
    get,
    path = "/api/v1/receipts/{id}",
    operation_id = "get_receipt",
    tag = "stock",
    params(("id" = i64, Path, description = "the id")),
    responses((status = 200, description = "The receipt", body = ReceiptOut)),
)]
async fn show(state: web::Data<AppState>, user: ApiUser, id: web::Path<i64>) -> ApiResult {
    user.require(Action::ReceiveStock)?;
    let id = id.into_inner();
    let actor = user.0.clone();
    let v = state
        .run(move |conn| receipts::show(conn, &actor, id))
        .await?;
    Ok(HttpResponse::Ok().json(out(v)))
}
