//! Receiving a delivery against a purchase order: the form (one fieldset
//! per open line: GS1 scan, lot, expiry, quantity) and its POST.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::value;
use crate::app::AppState;
use crate::domain::access::Action;
use crate::domain::quantity::fmt_qty;
use crate::error::{FieldError, ServiceError};
use crate::routes::extract::CurrentUser;
use crate::routes::pages::{PageError, Posted, flash_redirect, render_status};
use crate::services::orders::receive::{
    self as order_receipts, OrderReceiptDraft, ReceiveLineDraft,
};
use crate::services::{orders, sites};
use crate::views::Frame;
use crate::views::orders::{FormState, OrderHead, ReceivePage, receive_rows};

pub(super) async fn receive_page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    form: FormState,
    status: StatusCode,
    focus: Option<i64>,
) -> Result<HttpResponse, PageError> {
    let actor = user.actor.clone();
    let (view, locations) = state
        .run(move |conn| {
            let view = orders::get(conn, &actor, id)?;
            let locations = sites::locations(conn, Some(&view.site.code))?;
            Ok((view, locations))
        })
        .await?;
    let mut rows = receive_rows(&view, &form);
    for r in &mut rows {
        r.focus = focus == Some(r.line_id);
    }
    let shown: Vec<String> = view
        .lines
        .iter()
        .flat_map(|l| {
            [
                "gs1",
                "lot",
                "expiry",
                "quantity",
                "line_id",
                "product_id",
                "unit_cost_cents",
                "received_at",
            ]
            .map(|n| format!("{n}_{}", l.line.id))
        })
        .collect();
    let page = ReceivePage {
        frame: Frame::new(user, format!("Receive {}", view.number()), "/orders"),
        head: OrderHead::from_view(&view),
        rows,
        locations: locations
            .into_iter()
            .filter(|(l, _)| l.active)
            .map(|(l, _)| (l.code, l.name))
            .collect(),
        location: form.value("location", "store"),
        received_at: form.value("received_at", ""),
        note: form.value("note", ""),
        form_errors: form.errors.others(&shown.join(",")),
    };
    render_status(status, &page)
}

pub(super) async fn form(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ManageOrders)?;
    let id = id.into_inner();
    let actor = user.actor.clone();
    let view = state.run(move |conn| orders::get(conn, &actor, id)).await?;
    if !view.is_open() {
        return flash_redirect(
            &state,
            &user,
            &format!("/orders/{id}"),
            format!(
                "{} is {}: nothing can be received against it.",
                view.number(),
                view.status.label().to_lowercase()
            ),
        )
        .await;
    }
    receive_page(
        &state,
        &user,
        id,
        FormState::default(),
        StatusCode::OK,
        None,
    )
    .await
}

pub(super) async fn receive(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
    posted: Posted<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageOrders)?;
    let id = id.into_inner();
    if value(&form, "action").as_deref() == Some("read_scan") {
        let htmx = req.headers().contains_key("hx-request");
        return super::receive_scan::read_scan(&state, &user, id, &form, htmx).await;
    }
    let mut line_ids: Vec<i64> = form
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("quantity_")?.parse().ok())
        .collect();
    line_ids.dedup();
    let draft = OrderReceiptDraft {
        location: value(&form, "location"),
        received_at: value(&form, "received_at"),
        note: value(&form, "note"),
        lines: line_ids
            .iter()
            .map(|lid| ReceiveLineDraft {
                line_id: Some(lid.to_string()),
                product_id: None,
                gs1: value(&form, &format!("gs1_{lid}")),
                lot: value(&form, &format!("lot_{lid}")),
                expiry: value(&form, &format!("expiry_{lid}")),
                quantity: value(&form, &format!("quantity_{lid}")),
                quantity_in: value(&form, &format!("quantity_in_{lid}")),
            })
            .collect(),
    };
    let ids = line_ids.clone();
    let field = move |i: usize, name: &str| match ids.get(i) {
        Some(lid) => format!("{name}_{lid}"),
        None => name.to_string(),
    };
    let actor = user.actor.clone();
    match state
        .run(move |conn| order_receipts::receive(conn, &actor, id, &draft, &field))
        .await
    {
        Ok((v, received)) => {
            let what: Vec<String> = received
                .iter()
                .map(|r| {
                    format!(
                        "{} {} of {} lot {}",
                        fmt_qty(r.quantity),
                        r.product.unit,
                        r.product.sku,
                        r.lot
                    )
                })
                .collect();
            flash_redirect(
                &state,
                &user,
                &format!("/orders/{id}"),
                format!(
                    "Received {} against {}; it is now {}.",
                    what.join(", "),
                    v.number(),
                    v.status.label().to_lowercase()
                ),
            )
            .await
        }
        Err(e) => {
            let status =
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            let mut fs = FormState::from_pairs(&form);
            match e {
                ServiceError::Invalid { errors, .. } => fs.errors = errors.into(),
                ServiceError::Conflict {
                    message, details, ..
                } => fs.errors.push(FieldError {
                    field: details
                        .get("field")
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_string(),
                    message,
                }),
                other => return Err(other.into()),
            }
            receive_page(&state, &user, id, fs, status, None).await
        }
    }
}
