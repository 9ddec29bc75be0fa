//! `POST /api/v1/adjustments`, `GET /api/v1/lots/{id}` (recall view) and
//! `GET /api/v1/ledger` — managers.
//!
//! Adjustments name the location by code; the site is `"site"` when given,
//! else the caller's own site, else `main` (the same rule as receipts).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::cursor::{self, CursorParams};
use super::types::CursorPage;
use super::types::movements::{AdjustBody, LedgerOut, LotOut};
use super::{ApiJson, ApiResult};
use crate::app::AppState;
use crate::db::ledger::LedgerEntry;
use crate::domain::access::Action;
use crate::routes::extract::ApiUser;
use crate::services::adjustments;
use crate::services::ledger::{self, LedgerQuery};
use crate::services::lots;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/adjustments", web::post().to(adjust))
        .route("/lots/{id}", web::get().to(lot))
        .route("/ledger", web::get().to(ledger_list));
}

/// A ledger row as JSON.
pub fn ledger_json(e: &LedgerEntry) -> LedgerOut {
    LedgerOut::from(e)
}

#[utoipa::path(
    post,
    path = "/api/v1/adjustments",
    operation_id = "adjust_stock",
    tag = "stock",
    request_body = AdjustBody,
    responses((status = 201, description = "The ledger row", body = LedgerOut)),
)]
async fn adjust(
    state: web::Data<AppState>,
    user: ApiUser,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Action::AdjustStock)?;
    let draft = super::typed::<AdjustBody>(body.0)?.draft();
    let actor = user.0.clone();
    let e = state
        .run(move |conn| adjustments::adjust(conn, &actor, &draft))
        .await?;
    Ok(HttpResponse::Created().json(ledger_json(&e)))
}

#[utoipa::path(
    get,
    path = "/api/v1/lots/{id}",
    operation_id = "get_lot",
    tag = "stock",
    params(("id" = i64, Path, description = "the id")),
    responses((status = 200, description = "The lot (recall view)", body = LotOut)),
)]
async fn lot(state: web::Data<AppState>, user: ApiUser, id: web::Path<i64>) -> ApiResult {
    user.require(Action::Recall)?;
    let id = id.into_inner();
    let actor = user.0.clone();
    let d = state
        .run(move |conn| lots::recall(conn, &actor, id))
        .await?;
    Ok(HttpResponse::Ok().json(LotOut::from(&d)))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerApiQuery {
    site: Option<String>,
    product_id: Option<String>,
    lot_id: Option<String>,
    lot: Option<String>,
    location_id: Option<String>,
    kind: Option<String>,
    user: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
    /// The cursor of a `next` link.
    cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/ledger",
    operation_id = "list_ledger",
    tag = "stock",
    params(LedgerApiQuery),
    responses((status = 200, description = "A page of ledger rows, newest first", body = CursorPage<LedgerOut>)),
)]
async fn ledger_list(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<LedgerApiQuery>,
) -> ApiResult {
    user.require(Action::ViewLedger)?;
    let q = q.into_inner();
    let page = CursorParams {
        limit: q.limit,
        offset: q.offset,
        cursor: q.cursor.clone(),
    };
    let (limit, start) = (page.limit(), page.start::<i64>()?);
    let query = LedgerQuery {
        site: q.site,
        product_id: q.product_id,
        lot_id: q.lot_id,
        lot: q.lot,
        location_id: q.location_id,
        kind: q.kind,
        user: q.user,
        from: q.from,
        to: q.to,
        page: None,
    };
    let actor = user.0.clone();
    let (items, total) = state
        .run(move |conn| {
            let f = ledger::filter(conn, &actor, &query)?;
            ledger::list(conn, &actor, &f, limit + 1, start)
        })
        .await?;
    Ok(cursor::respond(
        &req,
        items,
        total,
        limit,
        |e| e.row.id,
        ledger_json,
    ))
}
