//! `POST /api/v1/adjustments`, `GET /api/v1/lots/{id}` (recall view) and
//! `GET /api/v1/ledger` — managers.
//!
//! Adjustments name the location by code; the site is `"site"` when given,
//! else the caller's own site, else `main` (the same rule as receipts).

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::body::Fields;
use super::{ApiJson, ApiResult, PageParams, list};
use crate::app::AppState;
use crate::db::ledger::LedgerEntry;
use crate::domain::Quantity;
use crate::domain::access::Action;
use crate::routes::extract::ApiUser;
use crate::services::adjustments::{self, AdjustDraft};
use crate::services::ledger::{self, LedgerQuery};
use crate::services::{lots, stock};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/adjustments", web::post().to(adjust))
        .route("/lots/{id}", web::get().to(lot))
        .route("/ledger", web::get().to(ledger_list));
}

fn time(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A ledger row as JSON.
pub fn ledger_json(e: &LedgerEntry) -> serde_json::Value {
    serde_json::json!({
        "id": e.row.id,
        "occurred_at": time(e.row.occurred_at),
        "kind": e.row.kind,
        "reason": e.row.reason,
        "note": e.row.note,
        "site_id": e.row.site_id,
        "location_id": e.row.location_id,
        "location": e.location_code,
        "product_id": e.row.product_id,
        "sku": e.sku,
        "lot_id": e.row.lot_id,
        "lot": e.lot_number,
        "expiry": e.expiry.to_string(),
        "delta": Quantity(e.row.delta).to_json(),
        "unit": e.unit,
        "user": e.username,
        "session_id": e.row.session_id,
        "receipt_id": e.row.receipt_id,
        "purchase_order_id": e.row.purchase_order_id,
        "stock_count_id": e.row.stock_count_id,
    })
}

async fn adjust(
    state: web::Data<AppState>,
    user: ApiUser,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Action::AdjustStock)?;
    let f = Fields::of(&body.0)?;
    let draft = AdjustDraft {
        lot_id: f.text("lot_id")?,
        location_id: f.text("location_id")?,
        site: f.text("site")?,
        location: f.text("location")?,
        delta: f.text("delta")?,
        reason: f.text("reason")?,
        note: f.text("note")?,
    };
    let actor = user.0.clone();
    let e = state
        .run(move |conn| adjustments::adjust(conn, &actor, &draft))
        .await?;
    Ok(HttpResponse::Created().json(ledger_json(&e)))
}

async fn lot(state: web::Data<AppState>, user: ApiUser, id: web::Path<i64>) -> ApiResult {
    user.require(Action::Recall)?;
    let id = id.into_inner();
    let actor = user.0.clone();
    let d = state
        .run(move |conn| lots::recall(conn, &actor, id))
        .await?;
    let today = d.today;
    let lot_json = |l: &crate::db::models::Lot| {
        serde_json::json!({
            "lot_id": l.id,
            "container": l.container,
            "opened_at": l.opened_at.map(time),
            "discard_by": l.discard_by.map(|x| x.to_string()),
            "use_by": l.use_by.to_string(),
            "expired": stock::is_expired(l.use_by, today),
        })
    };
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "id": d.lot.id,
        "lot_id": d.lot.id,
        "product_id": d.product.id,
        "sku": d.product.sku,
        "product": d.product.name,
        "unit": d.product.unit,
        "lot": d.lot.lot_number,
        "expiry": d.lot.expiry.to_string(),
        "use_by": d.lot.use_by.to_string(),
        "expired": stock::is_expired(d.lot.use_by, today),
        "quarantined": d.lot.quarantined,
        "quantity": Quantity(d.on_hand()).to_json(),
        "containers": d.containers.iter().map(lot_json).collect::<Vec<_>>(),
        "balances": d.balances.iter().map(|(h, site)| serde_json::json!({
            "lot_id": h.lot.id,
            "container": h.lot.container,
            "site": site,
            "location": h.location_code,
            "quantity": Quantity(h.quantity).to_json(),
            "expired": stock::is_expired(h.lot.use_by, today),
        })).collect::<Vec<_>>(),
        "sessions": d.sessions.iter().map(|s| serde_json::json!({
            "id": s.session_id,
            "client_ref": s.client_ref,
            "performed_at": time(s.performed_at),
            "practitioner": s.practitioner,
            "quantity": Quantity(s.quantity).to_json(),
            "voided": s.voided,
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize, Default)]
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
}

async fn ledger_list(
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<LedgerApiQuery>,
) -> ApiResult {
    user.require(Action::ViewLedger)?;
    let q = q.into_inner();
    let page = PageParams {
        limit: q.limit,
        offset: q.offset,
    };
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
            ledger::list(conn, &actor, &f, page.limit(), page.offset())
        })
        .await?;
    Ok(list(items.iter().map(ledger_json).collect(), total))
}
