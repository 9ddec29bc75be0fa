//! `/api/v1/sessions` and `/api/v1/protocols` (API.md).
//!
//! `POST /api/v1/sessions` needs an `Idempotency-Key` header: without one
//! the answer is 400 `idempotency_key_required` (the request is malformed;
//! nothing in it is judged).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;

use super::cursor::{self, CursorParams};
use super::types::Scalar;
use super::types::protocols::{ProtocolBody, ProtocolOut};
use super::types::sessions::{SessionBody, SessionOut, SessionRowOut, VoidBody};
use super::types::{CursorPage, Page};
use super::{ApiJson, ApiResult, list};
use crate::app::AppState;
use crate::db::sessions::SessionRow;
use crate::domain::access::Action;
use crate::domain::page::SessionKey;
use crate::error::{ErrorCode, ServiceError};
use crate::routes::extract::{ApiUser, BearerToken};
use crate::services::protocols;
use crate::services::sessions;
use crate::services::sessions::query::ListQuery;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sessions", web::post().to(create_session))
        .route("/sessions", web::get().to(list_sessions))
        .route("/sessions/{id}", web::get().to(get_session))
        .route("/sessions/{id}/void", web::post().to(void_session))
        .route(
            "/sessions/{id}/follow-ups",
            web::post().to(super::follow_ups::create_follow_up),
        )
        .route("/protocols", web::get().to(list_protocols))
        .route("/protocols", web::post().to(create_protocol))
        .route("/protocols/{id}", web::get().to(get_protocol))
        .route("/protocols/{id}", web::put().to(update_protocol));
}

/// RFC 3339 UTC, whole seconds (the API's one time format).
pub use super::types::api_time as rfc3339;

#[utoipa::path(
    post,
    path = "/api/v1/sessions",
    operation_id = "log_session",
    tag = "sessions",
    params(("Idempotency-Key" = String, Header, description = "required: a new unique key (e.g. a UUID) per session; 8–200 visible ASCII characters. The same key and body again answers the first response, with header `Idempotent-Replayed: true`")),
    request_body = SessionBody,
    responses((status = 201, description = "The session", body = SessionOut)),
)]
async fn create_session(
    state: web::Data<AppState>,
    token: BearerToken,
    req: HttpRequest,
    body: ApiJson<Value>,
) -> ApiResult {
    let key = req
        .headers()
        .get("Idempotency-Key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.trim().is_empty())
        .map(str::to_string);
    // One blocking hop: the token is resolved on the connection that records
    // the session, and its user row names the practitioner in the answer.
    // Refusals keep their order: 401, 403, then the request's own problems.
    let recorded = state
        .run(move |conn| {
            let (actor, user) = token.resolve(conn)?;
            actor.require(Action::LogSession)?;
            let Some(key) = key else {
                return Err(ServiceError::invalid_code(
                    ErrorCode::IdempotencyKeyRequired,
                    "Idempotency-Key",
                    "the header is required (e.g. a new UUID per session)",
                ));
            };
            let draft = super::typed::<SessionBody>(body.0)
                .map_err(|e| e.0)?
                .draft();
            sessions::record::record_by(conn, &actor, &user, &key, &draft)
        })
        .await?;
    let mut resp = HttpResponse::Created();
    if recorded.replayed {
        resp.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(resp.json(SessionOut::from(&recorded.view)))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionQuery {
    site: Option<String>,
    from: Option<String>,
    to: Option<String>,
    client_ref: Option<String>,
    lot_id: Option<String>,
    practitioner: Option<String>,
    indication: Option<String>,
    voided: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
    /// The cursor of a `next` link.
    cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/sessions",
    operation_id = "list_sessions",
    tag = "sessions",
    params(SessionQuery),
    responses((status = 200, description = "A page of sessions, newest first", body = CursorPage<SessionRowOut>)),
)]
async fn list_sessions(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<SessionQuery>,
) -> ApiResult {
    user.require(Action::ViewSessions)?;
    let q = q.into_inner();
    let page = CursorParams {
        limit: q.limit,
        offset: q.offset,
        cursor: q.cursor.clone(),
    };
    let (limit, start) = (page.limit(), page.start::<SessionKey>()?);
    let query = ListQuery {
        site: q.site,
        from: q.from,
        to: q.to,
        practitioner: q.practitioner,
        indication: q.indication,
        client_ref: q.client_ref,
        lot_id: q.lot_id,
        voided: q.voided,
    };
    let actor = user.0.clone();
    let (rows, total) = state
        .run(move |conn| sessions::list(conn, &actor, &query, limit + 1, start))
        .await?;
    let key = |r: &SessionRow| SessionKey {
        performed_at: r.session.performed_at,
        id: r.session.id,
    };
    Ok(cursor::respond(&req, rows, total, limit, key, |r| {
        SessionRowOut::from(r)
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/sessions/{id}",
    operation_id = "get_session",
    tag = "sessions",
    params(("id" = i64, Path, description = "the id")),
    responses((status = 200, description = "The session", body = SessionOut)),
)]
async fn get_session(state: web::Data<AppState>, user: ApiUser, id: web::Path<i64>) -> ApiResult {
    user.require(Action::ViewSessions)?;
    let actor = user.0.clone();
    let id = id.into_inner();
    let v = state
        .run(move |conn| sessions::get(conn, &actor, id))
        .await?;
    Ok(HttpResponse::Ok().json(SessionOut::from(&v)))
}

#[utoipa::path(
    post,
    path = "/api/v1/sessions/{id}/void",
    operation_id = "void_session",
    tag = "sessions",
    params(("id" = i64, Path, description = "the id")),
    request_body = VoidBody,
    responses((status = 200, description = "The session, voided", body = SessionOut)),
)]
async fn void_session(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.0
        .require_void()
        .map_err(|d| super::ApiError(crate::error::ServiceError::from(d)))?;
    let body: VoidBody = super::typed(body.0)?;
    let reason = Scalar::text(&body.reason).unwrap_or_default();
    let actor = user.0.clone();
    let id = id.into_inner();
    let v = state
        .run(move |conn| sessions::void(conn, &actor, id, &reason))
        .await?;
    Ok(HttpResponse::Ok().json(SessionOut::from(&v)))
}

// ---- protocols -----------------------------------------------------------------

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProtocolQuery {
    /// `true` includes archived protocols.
    all: Option<bool>,
}

#[utoipa::path(
    get,
    path = "/api/v1/protocols",
    operation_id = "list_protocols",
    tag = "sessions",
    params(ProtocolQuery),
    responses((status = 200, description = "Every protocol", body = Page<ProtocolOut>)),
)]
async fn list_protocols(
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<ProtocolQuery>,
) -> ApiResult {
    user.require(Action::ViewProtocols)?;
    let active_only = !q.all.unwrap_or(false);
    let items = state
        .run(move |conn| protocols::list(conn, active_only))
        .await?;
    let total = items.len() as i64;
    Ok(list(items.iter().map(ProtocolOut::from).collect(), total))
}

#[utoipa::path(
    get,
    path = "/api/v1/protocols/{id}",
    operation_id = "get_protocol",
    tag = "sessions",
    params(("id" = i64, Path, description = "the id")),
    responses((status = 200, description = "The protocol", body = ProtocolOut)),
)]
async fn get_protocol(state: web::Data<AppState>, user: ApiUser, id: web::Path<i64>) -> ApiResult {
    user.require(Action::ViewProtocols)?;
    let id = id.into_inner();
    let v = state.run(move |conn| protocols::get(conn, id)).await?;
    Ok(HttpResponse::Ok().json(ProtocolOut::from(&v)))
}

#[utoipa::path(
    post,
    path = "/api/v1/protocols",
    operation_id = "create_protocol",
    tag = "sessions",
    request_body = ProtocolBody,
    responses((status = 201, description = "The protocol", body = ProtocolOut)),
)]
async fn create_protocol(
    state: web::Data<AppState>,
    user: ApiUser,
    body: ApiJson<Value>,
) -> ApiResult {
    user.require(Action::ManageProtocols)?;
    let draft = super::typed::<ProtocolBody>(body.0)?.draft();
    let actor = user.0.clone();
    let v = state
        .run(move |conn| protocols::create(conn, &actor, &draft))
        .await?;
    Ok(HttpResponse::Created().json(ProtocolOut::from(&v)))
}

#[utoipa::path(
    put,
    path = "/api/v1/protocols/{id}",
    operation_id = "update_protocol",
    tag = "sessions",
    params(("id" = i64, Path, description = "the id")),
    request_body = ProtocolBody,
    responses((status = 200, description = "The protocol", body = ProtocolOut)),
)]
async fn update_protocol(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: ApiJson<Value>,
) -> ApiResult {
    user.require(Action::ManageProtocols)?;
    let draft = super::typed::<ProtocolBody>(body.0)?.draft();
    let actor = user.0.clone();
    let id = id.into_inner();
    let v = state
        .run(move |conn| protocols::update(conn, &actor, id, &draft))
        .await?;
    Ok(HttpResponse::Ok().json(ProtocolOut::from(&v)))
}
