//! `/api/v1/purchase-orders`: list, create (by hand or from the reorder
//! report), read, edit a draft, send, cancel, receive against.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::products::json_text;
use super::{ApiError, ApiJson, ApiResult, PageParams, list};
use crate::app::AppState;
use crate::domain::Quantity;
use crate::domain::vocab::Role;
use crate::error::ServiceError;
use crate::routes::extract::ApiUser;
use crate::services::orders::receive::{
    self as order_receipts, OrderReceiptDraft, ReceiveLineDraft,
};
use crate::services::orders::{
    self, LineDraft, OrderDraft, OrderListQuery, OrderSummary, OrderView, Pick, SendDraft,
    api_line_field, order_number,
};
use crate::services::reorder::ReorderQuery;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/purchase-orders", web::get().to(list_orders))
        .route("/purchase-orders", web::post().to(create))
        .route(
            "/purchase-orders/from-reorder",
            web::post().to(from_reorder),
        )
        .route("/purchase-orders/{id}", web::get().to(get))
        .route("/purchase-orders/{id}", web::patch().to(edit))
        .route("/purchase-orders/{id}/send", web::post().to(send))
        .route("/purchase-orders/{id}/cancel", web::post().to(cancel))
        .route("/purchase-orders/{id}/receive", web::post().to(receive));
}

fn time(t: Option<chrono::NaiveDateTime>) -> serde_json::Value {
    t.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string().into())
        .unwrap_or(serde_json::Value::Null)
}

pub fn order_json(v: &OrderView) -> serde_json::Value {
    let o = &v.order;
    serde_json::json!({
        "id": o.id,
        "number": v.number(),
        "site": v.site.code,
        "supplier_id": v.supplier.id,
        "supplier": v.supplier.name,
        "status": v.status.code(),
        "created_at": time(Some(o.created_at)),
        "sent_at": time(o.sent_at),
        "closed_at": time(o.closed_at),
        "note": o.note,
        "email_text": o.email_text,
        "total_cents": v.total_cents(),
        "lines": v.lines.iter().map(|l| serde_json::json!({
            "id": l.line.id,
            "product_id": l.product.id,
            "sku": l.product.sku,
            "name": l.product.name,
            "unit": l.product.unit,
            "packs": l.line.packs,
            "pack_size": Quantity(l.line.pack_size).to_json(),
            "pack_cost_cents": l.line.pack_cost_cents,
            "cost_cents": l.cost_cents(),
            "ordered": Quantity(l.ordered()).to_json(),
            "received": Quantity(l.line.received_quantity).to_json(),
            "open": Quantity(l.open()).to_json(),
        })).collect::<Vec<_>>(),
    })
}

fn summary_json(s: &OrderSummary) -> serde_json::Value {
    serde_json::json!({
        "id": s.order.id,
        "number": order_number(s.order.id),
        "site": s.site_code,
        "supplier_id": s.order.supplier_id,
        "supplier": s.supplier_name,
        "status": s.status.code(),
        "created_at": time(Some(s.order.created_at)),
        "sent_at": time(s.order.sent_at),
        "lines": s.lines,
        "open_lines": s.open_lines,
        "total_cents": s.total_cents,
    })
}

fn object(v: &serde_json::Value) -> Result<&serde_json::Map<String, serde_json::Value>, ApiError> {
    v.as_object()
        .ok_or_else(|| ApiError(ServiceError::BadRequest("expected a JSON object".into())))
}

fn opt_text(obj: &serde_json::Map<String, serde_json::Value>, k: &str) -> Option<String> {
    obj.get(k).map(json_text).filter(|s| !s.is_empty())
}

fn array<'a>(
    obj: &'a serde_json::Map<String, serde_json::Value>,
    k: &str,
) -> Result<Vec<&'a serde_json::Map<String, serde_json::Value>>, ApiError> {
    match obj.get(k) {
        None | Some(serde_json::Value::Null) => Ok(Vec::new()),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_object()
                    .ok_or_else(|| ApiError(ServiceError::invalid(k, "a list of objects")))
            })
            .collect(),
        Some(_) => Err(ApiError(ServiceError::invalid(k, "a list of objects"))),
    }
}

fn line_drafts(
    obj: &serde_json::Map<String, serde_json::Value>,
) -> Result<Vec<LineDraft>, ApiError> {
    Ok(array(obj, "lines")?
        .into_iter()
        .map(|l| LineDraft {
            product_id: opt_text(l, "product_id"),
            packs: opt_text(l, "packs"),
            pack_cost_cents: opt_text(l, "pack_cost_cents"),
            pack_cost: None,
        })
        .collect())
}

#[derive(Debug, Deserialize, Default)]
pub struct ListParams {
    site: Option<String>,
    status: Option<String>,
    supplier_id: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn list_orders(
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<ListParams>,
) -> ApiResult {
    user.require(Role::Manager)?;
    let q = q.into_inner();
    let page = PageParams {
        limit: q.limit,
        offset: q.offset,
    };
    let query = OrderListQuery {
        site: q.site,
        status: q.status,
        supplier_id: q.supplier_id,
    };
    let actor = user.0.clone();
    let (items, total) = state
        .run(move |conn| orders::list(conn, &actor, &query, page.limit(), page.offset()))
        .await?;
    Ok(list(
        items.iter().map(summary_json).collect::<Vec<_>>(),
        total,
    ))
}

async fn create(
    state: web::Data<AppState>,
    user: ApiUser,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Role::Manager)?;
    let obj = object(&body.0)?;
    let draft = OrderDraft {
        site: opt_text(obj, "site"),
        supplier_id: opt_text(obj, "supplier_id"),
        note: opt_text(obj, "note"),
        lines: line_drafts(obj)?,
    };
    let actor = user.0.clone();
    let v = state
        .run(move |conn| orders::create(conn, &actor, &draft))
        .await?;
    Ok(HttpResponse::Created().json(order_json(&v)))
}

/// `{"site"?, "as_of"?, "window"?, "product_ids"?: [..], "lines"?: [{"product_id", "packs"?}]}`:
/// one draft per supplier; without products, every "order now" row.
async fn from_reorder(
    state: web::Data<AppState>,
    user: ApiUser,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Role::Manager)?;
    let obj = object(&body.0)?;
    let q = ReorderQuery {
        site: opt_text(obj, "site"),
        as_of: opt_text(obj, "as_of"),
        window: opt_text(obj, "window"),
    };
    let mut picks: Vec<Pick> = Vec::new();
    if let Some(ids) = obj.get("product_ids").and_then(|v| v.as_array()) {
        for id in ids {
            let Some(id) = id.as_i64() else {
                return Err(ApiError(ServiceError::invalid(
                    "product_ids",
                    "a list of product ids",
                )));
            };
            picks.push(Pick {
                product_id: id,
                packs: None,
            });
        }
    }
    for l in array(obj, "lines")? {
        let Some(id) = l.get("product_id").and_then(|v| v.as_i64()) else {
            return Err(ApiError(ServiceError::invalid(
                "lines",
                "each line needs a product_id",
            )));
        };
        picks.push(Pick {
            product_id: id,
            packs: opt_text(l, "packs"),
        });
    }
    let actor = user.0.clone();
    let all_due = picks.is_empty();
    let created = state
        .run(move |conn| {
            let picks = if all_due {
                let report = crate::services::reorder::run(conn, &actor, &q)?;
                report
                    .rows
                    .iter()
                    .filter(|r| r.line.order_now && r.supplier.is_some())
                    .map(|r| Pick {
                        product_id: r.product.id,
                        packs: None,
                    })
                    .collect()
            } else {
                picks
            };
            orders::drafts_from_reorder(conn, &actor, &q, &picks)
        })
        .await?;
    let items: Vec<serde_json::Value> = created.iter().map(order_json).collect();
    Ok(HttpResponse::Created().json(serde_json::json!({"total": items.len(), "items": items})))
}

async fn get(state: web::Data<AppState>, user: ApiUser, id: web::Path<i64>) -> ApiResult {
    user.require(Role::Manager)?;
    let id = id.into_inner();
    let actor = user.0.clone();
    let v = state.run(move |conn| orders::get(conn, &actor, id)).await?;
    Ok(HttpResponse::Ok().json(order_json(&v)))
}

/// `{"lines": [...], "note"?}` replaces the lines of a draft.
async fn edit(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Role::Manager)?;
    let id = id.into_inner();
    let obj = object(&body.0)?;
    if !obj.contains_key("lines") {
        return Err(ApiError(ServiceError::invalid(
            "lines",
            "give the order's lines",
        )));
    }
    let lines = line_drafts(obj)?;
    let note = opt_text(obj, "note");
    let actor = user.0.clone();
    let v = state
        .run(move |conn| orders::replace_lines(conn, &actor, id, &note, &lines, &api_line_field))
        .await?;
    Ok(HttpResponse::Ok().json(order_json(&v)))
}

async fn send(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: Option<ApiJson<serde_json::Value>>,
) -> ApiResult {
    user.require(Role::Manager)?;
    let id = id.into_inner();
    let value = body.map(|b| b.0).unwrap_or(serde_json::Value::Null);
    let empty = serde_json::Map::new();
    let obj = if value.is_null() {
        &empty
    } else {
        object(&value)?
    };
    let d = SendDraft {
        sent_on: opt_text(obj, "sent_on"),
        email_text: opt_text(obj, "email_text"),
    };
    let actor = user.0.clone();
    let v = state
        .run(move |conn| orders::send(conn, &actor, id, &d, crate::db::now()))
        .await?;
    Ok(HttpResponse::Ok().json(order_json(&v)))
}

async fn cancel(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: Option<ApiJson<serde_json::Value>>,
) -> ApiResult {
    user.require(Role::Manager)?;
    let id = id.into_inner();
    let value = body.map(|b| b.0).unwrap_or(serde_json::Value::Null);
    let reason = value.get("reason").map(json_text).filter(|s| !s.is_empty());
    let actor = user.0.clone();
    let v = state
        .run(move |conn| orders::cancel(conn, &actor, id, &reason))
        .await?;
    Ok(HttpResponse::Ok().json(order_json(&v)))
}

/// `{"location"?, "received_at"?, "note"?, "lines": [{"line_id"|"product_id",
/// "lot", "expiry", "gs1"?, "quantity", "quantity_in"?}]}`.
async fn receive(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Role::Manager)?;
    let id = id.into_inner();
    let obj = object(&body.0)?;
    let lines = array(obj, "lines")?
        .into_iter()
        .map(|l| ReceiveLineDraft {
            line_id: opt_text(l, "line_id"),
            product_id: opt_text(l, "product_id"),
            gs1: opt_text(l, "gs1"),
            lot: opt_text(l, "lot"),
            expiry: opt_text(l, "expiry"),
            quantity: opt_text(l, "quantity"),
            quantity_in: opt_text(l, "quantity_in"),
        })
        .collect();
    let draft = OrderReceiptDraft {
        location: opt_text(obj, "location"),
        received_at: opt_text(obj, "received_at"),
        note: opt_text(obj, "note"),
        lines,
    };
    let actor = user.0.clone();
    let (v, received) = state
        .run(move |conn| order_receipts::receive(conn, &actor, id, &draft, &api_line_field))
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({
        "order": order_json(&v),
        "received": received.iter().map(|r| serde_json::json!({
            "receipt_id": r.receipt_id,
            "lot_id": r.lot_id,
            "product_id": r.product.id,
            "lot": r.lot,
            "expiry": r.expiry.to_string(),
            "location": r.location_code,
            "quantity": Quantity(r.quantity).to_json(),
        })).collect::<Vec<_>>(),
    })))
}
