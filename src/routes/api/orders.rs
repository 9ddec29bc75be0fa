//! `/api/v1/purchase-orders`: list, create (by hand or from the reorder
//! report), read, edit a draft, send (mark sent, or e-mail to the supplier),
//! cancel, receive against.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::body::Fields;
use super::{ApiError, ApiJson, ApiJsonOpt, ApiResult, PageParams, list};
use crate::app::AppState;
use crate::domain::Quantity;
use crate::domain::access::Action;
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
        .route("/purchase-orders/{id}/email", web::post().to(email))
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
        "created_by_name": v.created_by,
        "sent_at": time(o.sent_at),
        "closed_at": time(o.closed_at),
        "note": o.note,
        "email_text": o.email_text,
        "sent_to": o.sent_to,
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

fn line_drafts(f: &Fields<'_>) -> Result<Vec<LineDraft>, ApiError> {
    f.objects("lines")?
        .unwrap_or_default()
        .iter()
        .map(|l| {
            Ok(LineDraft {
                product_id: l.text("product_id")?,
                packs: l.text("packs")?,
                pack_cost_cents: l.text("pack_cost_cents")?,
                pack_cost: None,
            })
        })
        .collect()
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
    user.require(Action::ManageOrders)?;
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
    user.require(Action::ManageOrders)?;
    let f = Fields::of(&body.0)?;
    let draft = OrderDraft {
        site: f.text("site")?,
        supplier_id: f.text("supplier_id")?,
        note: f.text("note")?,
        lines: line_drafts(&f)?,
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
    user.require(Action::ManageOrders)?;
    let f = Fields::of(&body.0)?;
    let q = ReorderQuery {
        site: f.text("site")?,
        as_of: f.text("as_of")?,
        window: f.text("window")?,
    };
    let mut picks: Vec<Pick> = f
        .ints("product_ids")?
        .into_iter()
        .map(|product_id| Pick {
            product_id,
            packs: None,
        })
        .collect();
    for l in f.objects("lines")?.unwrap_or_default() {
        let Some(id) = l.int("product_id")? else {
            return Err(ApiError(ServiceError::invalid(
                &l.name("product_id"),
                "each line needs a product_id",
            )));
        };
        picks.push(Pick {
            product_id: id,
            packs: l.text("packs")?,
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
    user.require(Action::ManageOrders)?;
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
    user.require(Action::ManageOrders)?;
    let id = id.into_inner();
    let f = Fields::of(&body.0)?;
    let lines = match f.contains("lines") {
        true => Some(line_drafts(&f)?),
        false => None,
    };
    let note = f.text("note")?;
    let actor = user.0.clone();
    let v = state
        .run(move |conn| {
            orders::replace_lines(conn, &actor, id, &note, lines.as_deref(), &api_line_field)
        })
        .await?;
    Ok(HttpResponse::Ok().json(order_json(&v)))
}

async fn send(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: ApiJsonOpt<serde_json::Value>,
) -> ApiResult {
    user.require(Action::ManageOrders)?;
    let id = id.into_inner();
    let d = match &body.0 {
        None => SendDraft {
            sent_on: None,
            email_text: None,
        },
        Some(v) => {
            let f = Fields::of(v)?;
            SendDraft {
                sent_on: f.text("sent_on")?,
                email_text: f.text("email_text")?,
            }
        }
    };
    let actor = user.0.clone();
    let v = state
        .run(move |conn| orders::send(conn, &actor, id, &d, crate::db::now()))
        .await?;
    Ok(HttpResponse::Ok().json(order_json(&v)))
}

/// E-mails a draft to its supplier and marks it sent (`crate::order_mail`):
/// 200 with the order; 502 `mail_failed` (still a draft), 422
/// `supplier_email_missing`, 409 `order_not_draft`, 422 `mail_not_configured`.
/// The body is optional and has no fields yet (if given, a JSON object).
async fn email(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: ApiJsonOpt<serde_json::Value>,
) -> ApiResult {
    user.require(Action::ManageOrders)?;
    if let Some(v) = &body.0 {
        Fields::of(v)?;
    }
    let v = crate::order_mail::email_order(&state, &user.0, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(order_json(&v)))
}

async fn cancel(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: ApiJsonOpt<serde_json::Value>,
) -> ApiResult {
    user.require(Action::ManageOrders)?;
    let id = id.into_inner();
    let reason = match &body.0 {
        None => None,
        Some(v) => Fields::of(v)?.text("reason")?,
    };
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
    user.require(Action::ManageOrders)?;
    let id = id.into_inner();
    let f = Fields::of(&body.0)?;
    let lines = f
        .objects("lines")?
        .unwrap_or_default()
        .iter()
        .map(|l| {
            Ok(ReceiveLineDraft {
                line_id: l.text("line_id")?,
                product_id: l.text("product_id")?,
                gs1: l.text("gs1")?,
                lot: l.text("lot")?,
                expiry: l.text("expiry")?,
                quantity: l.text("quantity")?,
                quantity_in: l.text("quantity_in")?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let draft = OrderReceiptDraft {
        location: f.text("location")?,
        received_at: f.text("received_at")?,
        note: f.text("note")?,
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
