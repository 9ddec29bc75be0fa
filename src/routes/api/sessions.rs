//! `/api/v1/sessions` and `/api/v1/protocols` (API.md).
//!
//! `POST /api/v1/sessions` needs an `Idempotency-Key` header: without one
//! the answer is 400 `idempotency_key_required` (the request is malformed;
//! nothing in it is judged).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::body::{Fields, scalar_text};
use super::{ApiError, ApiJson, ApiResult, PageParams, list};
use crate::app::AppState;
use crate::db::sessions::SessionRow;
use crate::domain::access::Action;
use crate::domain::{NeedleLength, Quantity};
use crate::routes::extract::ApiUser;
use crate::services::protocols::{self, ProtocolDraft, ProtocolLineDraft, ProtocolView};
use crate::services::sessions::query::ListQuery;
use crate::services::sessions::{self, LineDraft, SessionDraft, SessionView};

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

/// RFC 3339 UTC, whole seconds.
pub fn rfc3339(t: chrono::NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn needle_json(h: i32) -> Value {
    NeedleLength(h).to_json()
}

/// A session as JSON (the 201 of `POST /sessions` and `GET /sessions/{id}`).
pub fn session_json(v: &SessionView) -> Value {
    let s = &v.session;
    let mut out = json!({
        "id": s.id,
        "site": v.site_code,
        "client_ref": s.client_ref,
        "practitioner": v.practitioner,
        "practitioner_name": v.practitioner_name,
        "performed_at": rfc3339(s.performed_at),
        "local_date": v.local_date().to_string(),
        "time_zone": v.clock.zone(),
        "indication": s.indication,
        "needle_length_mm": needle_json(s.needle_length),
        "protocol_id": s.protocol_id,
        "protocol": v.protocol_name,
        "addons": v.addons().iter().map(|a| a.code()).collect::<Vec<_>>(),
        "side_effects": v.side_effects().iter().map(|a| a.code()).collect::<Vec<_>>(),
        "side_effect_other": s.side_effect_other,
        "notes": s.notes,
        "areas": v.areas.iter().map(|a| json!({"id": a.id, "code": a.code, "name": a.name})).collect::<Vec<_>>(),
        "duration_minutes": s.duration_minutes,
        "anaesthetic_applied_at": s.anaesthetic_applied_at.map(rfc3339),
        "anaesthetic_contact_minutes": s.anaesthetic_contact_minutes,
        "warnings": v.warnings,
        "voided": v.voided(),
        "voided_at": s.voided_at.map(rfc3339),
        "voided_by": v.voided_by,
        "void_reason": s.void_reason,
        "lines": v.lines.iter().map(|l| json!({
            "id": l.line.id,
            "product_id": l.product.id,
            "sku": l.product.sku,
            "name": l.product.name,
            "unit": l.product.unit,
            "quantity": Quantity(l.line.quantity).to_json(),
            "lot_id": l.line.named_lot_id,
            "allocations": l.allocations.iter().map(|a| json!({
                "lot_id": a.lot_id,
                "lot": a.lot,
                "expiry": a.expiry.to_string(),
                "location": a.location,
                "quantity": Quantity(a.quantity).to_json(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "follow_ups": v.follow_ups.iter().map(super::follow_ups::follow_up_json).collect::<Vec<_>>(),
    });
    // Who ticked "I have checked these warnings" (or sent `confirm_warnings`).
    let check = v.warnings_checked.as_ref();
    out["warnings_confirmed"] = json!(check.is_some());
    out["warnings_confirmed_by"] = json!(check.map(|c| c.username.clone()));
    out["warnings_confirmed_at"] = json!(check.map(|c| rfc3339(c.checked_at)));
    out
}

/// A row of the session list as JSON.
pub fn session_row_json(r: &SessionRow) -> Value {
    let s = &r.session;
    json!({
        "id": s.id,
        "site": r.site_code,
        "client_ref": s.client_ref,
        "practitioner": r.practitioner,
        "practitioner_name": r.practitioner_shown(),
        "performed_at": rfc3339(s.performed_at),
        "local_date": r.local_date().to_string(),
        "indication": s.indication,
        "needle_length_mm": needle_json(s.needle_length),
        "protocol_id": s.protocol_id,
        "protocol": r.protocol_name,
        "voided": s.voided_at.is_some(),
    })
}

fn session_draft(body: &Value) -> Result<SessionDraft, ApiError> {
    let f = Fields::of(body)?;
    let lines = f
        .objects("lines")?
        .map(|ls| {
            ls.iter()
                .map(|l| {
                    Ok(LineDraft {
                        product_id: l.text("product_id")?,
                        quantity: l.text("quantity")?,
                        lot_id: l.text("lot_id")?,
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .transpose()?;
    Ok(SessionDraft {
        site: f.text("site")?,
        client_ref: f.text("client_ref")?,
        needle_length_mm: f.text("needle_length_mm")?,
        indication: f.text("indication")?,
        protocol_id: f.text("protocol_id")?,
        performed_at: f.text("performed_at")?,
        lines,
        addons: f.codes("addons")?,
        side_effects: f.codes("side_effects")?,
        side_effect_other: f.text("side_effect_other")?,
        notes: f.text("notes")?,
        areas: area_refs(&f)?,
        duration_minutes: f.text("duration_minutes")?,
        anaesthetic_applied_at: f.text("anaesthetic_applied_at")?,
        anaesthetic_contact_minutes: f.text("anaesthetic_contact_minutes")?,
        confirm_warnings: confirm_warnings(&f)?,
        // The API never holds a session back for its warnings.
        ask_confirmation: false,
    })
}

/// `confirm_warnings`: `true` confirms whatever warnings the session has
/// (stored with who sent it); `false`, `null` or absent confirm nothing.
fn confirm_warnings(f: &Fields<'_>) -> Result<Option<String>, ApiError> {
    Ok(f.flag("confirm_warnings")?
        .filter(|b| *b)
        .map(|_| "true".to_string()))
}

/// `areas`: a list whose items are area ids (numbers) or area codes or
/// names (strings); one comma-separated string is accepted too.
fn area_refs(f: &Fields<'_>) -> Result<Vec<String>, ApiError> {
    let wrong = || {
        ApiError(crate::error::ServiceError::invalid(
            "areas",
            "a list of area ids, codes or names",
        ))
    };
    match f.get("areas") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(s.split(',').map(str::to_string).collect()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) if n.as_i64().is_some() => Ok(n.to_string()),
                _ => Err(wrong()),
            })
            .collect(),
        Some(_) => Err(wrong()),
    }
}

async fn create_session(
    state: web::Data<AppState>,
    user: ApiUser,
    req: HttpRequest,
    body: ApiJson<Value>,
) -> ApiResult {
    user.require(Action::LogSession)?;
    let Some(key) = req
        .headers()
        .get("Idempotency-Key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .filter(|k| !k.trim().is_empty())
    else {
        return Ok(HttpResponse::BadRequest().json(json!({"error": {
            "code": "idempotency_key_required",
            "message": "the Idempotency-Key header is required (e.g. a new UUID per session)",
            "field": "Idempotency-Key",
        }})));
    };
    let draft = session_draft(&body.0)?;
    let actor = user.0.clone();
    let recorded = state
        .run(move |conn| sessions::record(conn, &actor, &key, &draft))
        .await?;
    let mut resp = HttpResponse::Created();
    if recorded.replayed {
        resp.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(resp.json(session_json(&recorded.view)))
}

#[derive(Deserialize, Default)]
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
}

async fn list_sessions(
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<SessionQuery>,
) -> ApiResult {
    user.require(Action::ViewSessions)?;
    let q = q.into_inner();
    let page = PageParams {
        limit: q.limit,
        offset: q.offset,
    };
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
        .run(move |conn| sessions::list(conn, &actor, &query, page.limit(), page.offset()))
        .await?;
    Ok(list(rows.iter().map(session_row_json).collect(), total))
}

async fn get_session(state: web::Data<AppState>, user: ApiUser, id: web::Path<i64>) -> ApiResult {
    user.require(Action::ViewSessions)?;
    let actor = user.0.clone();
    let id = id.into_inner();
    let v = state
        .run(move |conn| sessions::get(conn, &actor, id))
        .await?;
    Ok(HttpResponse::Ok().json(session_json(&v)))
}

#[derive(Deserialize)]
pub struct VoidBody {
    #[serde(default)]
    reason: Option<Value>,
}

async fn void_session(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Action::VoidSession)?;
    let body = ApiJson(super::typed::<VoidBody>(body.0)?);
    let reason = body
        .0
        .reason
        .as_ref()
        .map(|v| scalar_text("reason", v))
        .transpose()?
        .unwrap_or_default();
    let actor = user.0.clone();
    let id = id.into_inner();
    let v = state
        .run(move |conn| sessions::void(conn, &actor, id, &reason))
        .await?;
    Ok(HttpResponse::Ok().json(session_json(&v)))
}

// ---- protocols -----------------------------------------------------------------

pub fn protocol_json(v: &ProtocolView) -> Value {
    let p = &v.protocol;
    json!({
        "id": p.id,
        "name": p.name,
        "indication": p.indication,
        "needle_min_mm": needle_json(p.needle_min),
        "needle_max_mm": needle_json(p.needle_max),
        "addons": v.addons().iter().map(|a| a.code()).collect::<Vec<_>>(),
        "notes": p.notes,
        "active": p.active,
        "lines": v.lines.iter().map(|(l, prod)| json!({
            "product_id": l.product_id,
            "sku": prod.sku,
            "name": prod.name,
            "unit": prod.unit,
            "needle_length_mm": prod.needle_length.map(needle_json),
            "quantity": Quantity(l.quantity).to_json(),
        })).collect::<Vec<_>>(),
    })
}

fn protocol_draft(body: &Value) -> Result<ProtocolDraft, ApiError> {
    let f = Fields::of(body)?;
    let lines = f
        .objects("lines")?
        .unwrap_or_default()
        .iter()
        .map(|l| {
            Ok(ProtocolLineDraft {
                product_id: l.text("product_id")?,
                quantity: l.text("quantity")?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(ProtocolDraft {
        name: f.text("name")?,
        indication: f.text("indication")?,
        needle_min_mm: f.text("needle_min_mm")?,
        needle_max_mm: f.text("needle_max_mm")?,
        addons: f.codes("addons")?,
        notes: f.text("notes")?,
        active: f.flag("active")?,
        lines,
    })
}

#[derive(Deserialize, Default)]
pub struct ProtocolQuery {
    /// `true` includes archived protocols.
    all: Option<bool>,
}

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
    Ok(list(items.iter().map(protocol_json).collect(), total))
}

async fn get_protocol(state: web::Data<AppState>, user: ApiUser, id: web::Path<i64>) -> ApiResult {
    user.require(Action::ViewProtocols)?;
    let id = id.into_inner();
    let v = state.run(move |conn| protocols::get(conn, id)).await?;
    Ok(HttpResponse::Ok().json(protocol_json(&v)))
}

async fn create_protocol(
    state: web::Data<AppState>,
    user: ApiUser,
    body: ApiJson<Value>,
) -> ApiResult {
    user.require(Action::ManageProtocols)?;
    let draft = protocol_draft(&body.0)?;
    let actor = user.0.clone();
    let v = state
        .run(move |conn| protocols::create(conn, &actor, &draft))
        .await?;
    Ok(HttpResponse::Created().json(protocol_json(&v)))
}

async fn update_protocol(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: ApiJson<Value>,
) -> ApiResult {
    user.require(Action::ManageProtocols)?;
    let draft = protocol_draft(&body.0)?;
    let actor = user.0.clone();
    let id = id.into_inner();
    let v = state
        .run(move |conn| protocols::update(conn, &actor, id, &draft))
        .await?;
    Ok(HttpResponse::Ok().json(protocol_json(&v)))
}
