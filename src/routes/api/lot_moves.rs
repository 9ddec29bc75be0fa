//! Movements of a lot through the API (API.md "Movements in the API"), with
//! the rules and refusals of the lot page's forms — the same services:
//! `POST /api/v1/lots/{id}/quarantine` and `/release` (body optional:
//! `{"reason"?}`), `POST /api/v1/transfers` and `POST /api/v1/containers`
//! (open one container of a sealed lot).
//!
//! Locations are named by code at `"site"` (the caller's own site, else
//! `main`, when left out) or by id (`*_location_id`), as adjustments do.
//! Permission is checked before the body's shape, so a refused caller gets
//! 403, never a validation message; another site's lot is 404 for a
//! site-bound caller.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::movements::ledger_json;
use super::types::{Day, Qty};
use super::{ApiJson, ApiJsonOpt, ApiResult, typed};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::routes::extract::ApiUser;
use crate::services::lots;
use crate::services::transfers::{self, OpenDraft, TransferDraft};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/lots/{id}/quarantine", web::post().to(quarantine))
        .route("/lots/{id}/release", web::post().to(release))
        .route("/transfers", web::post().to(transfer))
        .route("/containers", web::post().to(open_container));
}

/// The body as `T`, after checking it is a JSON object (400 otherwise).
fn object<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, super::ApiError> {
    typed(v)
}

fn num_text(n: Option<serde_json::Number>) -> Option<String> {
    n.map(|n| n.to_string())
}

fn id_text(n: Option<i64>) -> Option<String> {
    n.map(|n| n.to_string())
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct ReasonBody {
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LotState {
    id: i64,
    lot_id: i64,
    product_id: i64,
    lot: String,
    expiry: Day,
    quarantined: bool,
}

async fn set_quarantine(
    state: web::Data<AppState>,
    user: ApiUser,
    lot_id: i64,
    body: Option<Value>,
    quarantined: bool,
) -> ApiResult {
    user.require(Action::AdjustStock)?;
    let body: ReasonBody = match body {
        Some(v) => object(v)?,
        None => ReasonBody::default(),
    };
    let actor = user.0.clone();
    let lot = state
        .run(move |conn| {
            lots::set_quarantine_because(conn, &actor, lot_id, quarantined, body.reason.as_deref())
        })
        .await?;
    Ok(HttpResponse::Ok().json(LotState {
        id: lot.id,
        lot_id: lot.id,
        product_id: lot.product_id,
        lot: lot.lot_number,
        expiry: Day(lot.expiry),
        quarantined: lot.quarantined,
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/lots/{id}/quarantine",
    operation_id = "quarantine_lot",
    tag = "stock",
    params(("id" = i64, Path, description = "the id")),
    request_body(content = Option<ReasonBody>, description = "optional: the body may be left out"),
    responses((status = 200, description = "The lot", body = LotState)),
)]
async fn quarantine(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: ApiJsonOpt<Value>,
) -> ApiResult {
    set_quarantine(state, user, id.into_inner(), body.0, true).await
}

#[utoipa::path(
    post,
    path = "/api/v1/lots/{id}/release",
    operation_id = "release_lot",
    tag = "stock",
    params(("id" = i64, Path, description = "the id")),
    request_body(content = Option<ReasonBody>, description = "optional: the body may be left out"),
    responses((status = 200, description = "The lot", body = LotState)),
)]
async fn release(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: ApiJsonOpt<Value>,
) -> ApiResult {
    set_quarantine(state, user, id.into_inner(), body.0, false).await
}

/// `POST /api/v1/transfers`: the transfer form's fields.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct TransferBody {
    #[serde(default)]
    lot_id: Option<i64>,
    #[serde(default)]
    site: Option<String>,
    #[serde(default)]
    from_location: Option<String>,
    #[serde(default)]
    from_location_id: Option<i64>,
    #[serde(default)]
    to_location: Option<String>,
    #[serde(default)]
    to_location_id: Option<i64>,
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    quantity: Option<serde_json::Number>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Balance {
    location: String,
    quantity: Qty,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TransferOut {
    lot_id: i64,
    lot: String,
    quantity: Qty,
    unit: String,
    from_location: String,
    to_location: String,
    /// The two ledger rows: out of the source, into the destination.
    ledger: Vec<super::types::movements::LedgerOut>,
    /// The lot's balances at both locations afterwards.
    balances: Vec<Balance>,
}

#[utoipa::path(
    post,
    path = "/api/v1/transfers",
    operation_id = "transfer_stock",
    tag = "stock",
    request_body = TransferBody,
    responses((status = 201, description = "The transfer", body = TransferOut)),
)]
async fn transfer(state: web::Data<AppState>, user: ApiUser, body: ApiJson<Value>) -> ApiResult {
    user.require(Action::TransferStock)?;
    let b: TransferBody = object(body.0)?;
    let draft = TransferDraft {
        lot_id: id_text(b.lot_id),
        from_location_id: id_text(b.from_location_id),
        to_location_id: id_text(b.to_location_id),
        site: b.site,
        from_location: b.from_location,
        to_location: b.to_location,
        quantity: num_text(b.quantity),
        note: b.note,
    };
    let actor = user.0.clone();
    let t = state
        .run(move |conn| transfers::transfer(conn, &actor, &draft))
        .await?;
    Ok(HttpResponse::Created().json(TransferOut {
        lot_id: t.lot.id,
        lot: t.lot.lot_number,
        quantity: Qty(t.quantity),
        unit: t.unit,
        ledger: t.rows.iter().map(ledger_json).collect(),
        balances: vec![
            Balance {
                location: t.from.clone(),
                quantity: Qty(t.from_balance),
            },
            Balance {
                location: t.to.clone(),
                quantity: Qty(t.to_balance),
            },
        ],
        from_location: t.from,
        to_location: t.to,
    }))
}

/// `POST /api/v1/containers`: the "open a container" form's fields.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct OpenBody {
    #[serde(default)]
    lot_id: Option<i64>,
    #[serde(default)]
    site: Option<String>,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    location_id: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OpenedOut {
    /// The new lot row of the opened container.
    lot_id: i64,
    sealed_lot_id: i64,
    container: i32,
    lot: String,
    discard_by: Day,
    use_by: Day,
    quantity: Qty,
    unit: String,
    /// The two ledger rows: out of the sealed lot, into the container.
    ledger: Vec<super::types::movements::LedgerOut>,
}

#[utoipa::path(
    post,
    path = "/api/v1/containers",
    operation_id = "open_container",
    tag = "stock",
    request_body = OpenBody,
    responses((status = 201, description = "The opened container", body = OpenedOut)),
)]
async fn open_container(
    state: web::Data<AppState>,
    user: ApiUser,
    body: ApiJson<Value>,
) -> ApiResult {
    user.require(Action::OpenContainer)?;
    let b: OpenBody = object(body.0)?;
    let sealed = b.lot_id.unwrap_or_default();
    let draft = OpenDraft {
        lot_id: id_text(b.lot_id),
        location_id: id_text(b.location_id),
        site: b.site,
        location: b.location,
    };
    let actor = user.0.clone();
    let o = state
        .run(move |conn| transfers::open_container(conn, &actor, &draft))
        .await?;
    Ok(HttpResponse::Created().json(OpenedOut {
        lot_id: o.lot_id,
        sealed_lot_id: sealed,
        container: o.container,
        lot: o.lot_number,
        discard_by: Day(o.discard_by),
        use_by: Day(o.use_by),
        quantity: Qty(o.quantity),
        unit: o.unit,
        ledger: o.rows.iter().map(ledger_json).collect(),
    }))
}
