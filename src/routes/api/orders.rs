//! `/api/v1/purchase-orders`: list, create (by hand or from the reorder
//! report), read, edit a draft, send (mark sent, or e-mail to the supplier),
//! cancel, receive against.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::types::orders::{
    CancelBody, EmailBody, FromReorderBody, OrderBody, OrderEditBody, OrderOut, OrderReceiveBody,
    OrderReceivedOut, OrderSummaryOut, ReceivedOut, SendBody, line_drafts,
};
use super::types::{Page, Scalar};
use super::{ApiError, ApiJson, ApiJsonOpt, ApiResult, PageParams, list};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::error::ServiceError;
use crate::routes::extract::ApiUser;
use crate::services::orders::receive as order_receipts;
use crate::services::orders::{self, OrderDraft, OrderListQuery, Pick, SendDraft, api_line_field};
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

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    site: Option<String>,
    status: Option<String>,
    supplier_id: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/purchase-orders",
    operation_id = "list_orders",
    tag = "orders",
    params(ListParams),
    responses((status = 200, description = "A page of orders", body = Page<OrderSummaryOut>)),
)]
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
        items.iter().map(OrderSummaryOut::from).collect::<Vec<_>>(),
        total,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/purchase-orders",
    operation_id = "create_order",
    tag = "orders",
    request_body = OrderBody,
    responses((status = 201, description = "The draft order", body = OrderOut)),
)]
async fn create(
    state: web::Data<AppState>,
    user: ApiUser,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Action::ManageOrders)?;
    let b: OrderBody = super::typed(body.0)?;
    let draft = OrderDraft {
        site: Scalar::text(&b.site),
        supplier_id: Scalar::text(&b.supplier_id),
        note: Scalar::text(&b.note),
        lines: line_drafts(&b.lines),
    };
    let actor = user.0.clone();
    let v = state
        .run(move |conn| orders::create(conn, &actor, &draft))
        .await?;
    Ok(HttpResponse::Created().json(OrderOut::from(&v)))
}

/// `{"site"?, "as_of"?, "window"?, "product_ids"?: [..], "lines"?: [{"product_id", "packs"?}]}`:
/// one draft per supplier; without products, every "order now" row.
#[utoipa::path(
    post,
    path = "/api/v1/purchase-orders/from-reorder",
    operation_id = "orders_from_reorder",
    tag = "orders",
    request_body = FromReorderBody,
    responses((status = 201, description = "The drafts, one per supplier", body = Page<OrderOut>)),
)]
async fn from_reorder(
    state: web::Data<AppState>,
    user: ApiUser,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Action::ManageOrders)?;
    let b: FromReorderBody = super::typed(body.0)?;
    let q = ReorderQuery {
        site: Scalar::text(&b.site),
        as_of: Scalar::text(&b.as_of),
        window: Scalar::text(&b.window),
    };
    let mut picks: Vec<Pick> = b
        .product_ids
        .iter()
        .flatten()
        .copied()
        .map(|product_id| Pick {
            product_id,
            packs: None,
        })
        .collect();
    for (i, l) in b.lines.iter().flatten().enumerate() {
        let Some(id) = l.product_id else {
            return Err(ApiError(ServiceError::invalid(
                &format!("lines[{i}].product_id"),
                "each line needs a product_id",
            )));
        };
        picks.push(Pick {
            product_id: id,
            packs: Scalar::text(&l.packs),
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
    let items: Vec<OrderOut> = created.iter().map(OrderOut::from).collect();
    let total = items.len() as i64;
    Ok(HttpResponse::Created().json(Page { items, total }))
}

#[utoipa::path(
    get,
    path = "/api/v1/purchase-orders/{id}",
    operation_id = "get_order",
    tag = "orders",
    params(("id" = i64, Path, description = "the id")),
    responses((status = 200, description = "The order", body = OrderOut)),
)]
async fn get(state: web::Data<AppState>, user: ApiUser, id: web::Path<i64>) -> ApiResult {
    user.require(Action::ManageOrders)?;
    let id = id.into_inner();
    let actor = user.0.clone();
    let v = state.run(move |conn| orders::get(conn, &actor, id)).await?;
    Ok(HttpResponse::Ok().json(OrderOut::from(&v)))
}

/// `{"lines": [...], "note"?}` replaces the lines of a draft.
#[utoipa::path(
    patch,
    path = "/api/v1/purchase-orders/{id}",
    operation_id = "edit_order",
    tag = "orders",
    params(("id" = i64, Path, description = "the id")),
    request_body = OrderEditBody,
    responses((status = 200, description = "The order", body = OrderOut)),
)]
async fn edit(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Action::ManageOrders)?;
    let id = id.into_inner();
    let has_lines = body.0.get("lines").is_some();
    let b: OrderEditBody = super::typed(body.0)?;
    let lines = has_lines.then(|| line_drafts(&b.lines));
    let note = Scalar::text(&b.note);
    let actor = user.0.clone();
    let v = state
        .run(move |conn| {
            orders::replace_lines(conn, &actor, id, &note, lines.as_deref(), &api_line_field)
        })
        .await?;
    Ok(HttpResponse::Ok().json(OrderOut::from(&v)))
}

#[utoipa::path(
    post,
    path = "/api/v1/purchase-orders/{id}/send",
    operation_id = "send_order",
    tag = "orders",
    params(("id" = i64, Path, description = "the id")),
    request_body(content = Option<SendBody>, description = "optional: the body may be left out"),
    responses((status = 200, description = "The order, sent", body = OrderOut)),
)]
async fn send(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: ApiJsonOpt<serde_json::Value>,
) -> ApiResult {
    user.require(Action::ManageOrders)?;
    let id = id.into_inner();
    let d = match body.0 {
        None => SendDraft {
            sent_on: None,
            email_text: None,
        },
        Some(v) => super::typed::<SendBody>(v)?.draft(),
    };
    let actor = user.0.clone();
    let v = state
        .run(move |conn| orders::send(conn, &actor, id, &d, crate::db::now()))
        .await?;
    Ok(HttpResponse::Ok().json(OrderOut::from(&v)))
}

/// E-mails a draft to its supplier and marks it sent (`crate::order_mail`):
/// 200 with the order; 502 `mail_failed` (still a draft), 422
/// `supplier_email_missing`, 409 `order_not_draft`, 422 `mail_not_configured`.
/// The body is optional and has no fields yet (if given, a JSON object).
#[utoipa::path(
    post,
    path = "/api/v1/purchase-orders/{id}/email",
    operation_id = "email_order",
    tag = "orders",
    params(("id" = i64, Path, description = "the id")),
    request_body(content = Option<EmailBody>, description = "optional: the body may be left out"),
    responses((status = 200, description = "The order, e-mailed and sent", body = OrderOut)),
)]
async fn email(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: ApiJsonOpt<serde_json::Value>,
) -> ApiResult {
    user.require(Action::ManageOrders)?;
    if let Some(v) = body.0 {
        super::typed::<EmailBody>(v)?;
    }
    let v = crate::order_mail::email_order(&state, &user.0, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(OrderOut::from(&v)))
}

#[utoipa::path(
    post,
    path = "/api/v1/purchase-orders/{id}/cancel",
    operation_id = "cancel_order",
    tag = "orders",
    params(("id" = i64, Path, description = "the id")),
    request_body(content = Option<CancelBody>, description = "optional: the body may be left out"),
    responses((status = 200, description = "The order, cancelled", body = OrderOut)),
)]
async fn cancel(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: ApiJsonOpt<serde_json::Value>,
) -> ApiResult {
    user.require(Action::ManageOrders)?;
    let id = id.into_inner();
    let reason = match body.0 {
        None => None,
        Some(v) => Scalar::text(&super::typed::<CancelBody>(v)?.reason),
    };
    let actor = user.0.clone();
    let v = state
        .run(move |conn| orders::cancel(conn, &actor, id, &reason))
        .await?;
    Ok(HttpResponse::Ok().json(OrderOut::from(&v)))
}

/// `{"location"?, "received_at"?, "note"?, "lines": [{"line_id"|"product_id",
/// "lot", "expiry", "gs1"?, "quantity", "quantity_in"?}]}`.
#[utoipa::path(
    post,
    path = "/api/v1/purchase-orders/{id}/receive",
    operation_id = "receive_order",
    tag = "orders",
    params(("id" = i64, Path, description = "the id")),
    request_body = OrderReceiveBody,
    responses((status = 201, description = "The order after, and what came in", body = OrderReceivedOut)),
)]
async fn receive(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Action::ManageOrders)?;
    let id = id.into_inner();
    let draft = super::typed::<OrderReceiveBody>(body.0)?.draft();
    let actor = user.0.clone();
    let (v, received) = state
        .run(move |conn| order_receipts::receive(conn, &actor, id, &draft, &api_line_field))
        .await?;
    Ok(HttpResponse::Created().json(OrderReceivedOut {
        order: OrderOut::from(&v),
        received: received.iter().map(ReceivedOut::from).collect(),
    }))
}
