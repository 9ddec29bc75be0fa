//! The receipt pages (issue 14 item 10): every delivery received, one
//! receipt with its line and corrections, and correcting a mistyped
//! quantity (`services::receipt_corrections`): 303 back with a flash, or
//! the page again with the message at its field and nothing written.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::pages::{PageError, Posted, flash_redirect, render, render_status};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::domain::quantity::fmt_money;
use crate::domain::vocab::LedgerKind;
use crate::error::ServiceError;
use crate::routes::extract::CurrentUser;
use crate::services::receipt_corrections::{self, CorrectionDraft};
use crate::services::receipts::{self, ReceiptView};
use crate::views::Frame;
use crate::views::form::FieldErrors;
use crate::views::ledger::{qty_unit, signed_qty_unit};
use crate::views::pager::{Pager, page_number};
use crate::views::receipts::{
    CorrectionLine, ReceiptLine, ReceiptListPage, ReceiptPage, ReceiptRow,
};

const PER_PAGE: i64 = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/receipts", web::get().to(list))
        .route("/receipts/{id}", web::get().to(show))
        .route("/receipts/{id}/correct", web::post().to(correct));
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    page: String,
}

fn received_of(v: &ReceiptView) -> Option<&crate::db::ledger::LedgerEntry> {
    v.lines.iter().find(|e| e.row.kind == LedgerKind::Receive)
}

async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ReceiveStock)?;
    let page = page_number(Some(&q.page));
    let actor = user.actor.clone();
    let ((rows, total), clocks) = state
        .run(move |conn| {
            Ok((
                receipts::list(conn, &actor, None, PER_PAGE, Pager::offset(page, PER_PAGE))?,
                crate::services::sites::clocks(conn, &actor)?,
            ))
        })
        .await?;
    let rows = rows
        .iter()
        .map(|v| {
            let first = received_of(v);
            let net: i64 = v.lines.iter().map(|e| e.row.delta).sum();
            let unit = first.map(|e| e.unit.code()).unwrap_or("");
            ReceiptRow {
                id: v.receipt.id,
                when: clocks.format(v.receipt.site_id, v.receipt.received_at),
                site: v.site.clone(),
                location: v.location.clone(),
                product: first.map(|e| e.product_name.clone()).unwrap_or_default(),
                sku: first.map(|e| e.sku.clone()).unwrap_or_default(),
                lot: first.map(|e| e.lot_number.clone()).unwrap_or_default(),
                quantity: qty_unit(net, unit),
                user: v.user.clone(),
                corrected: v.lines.len() > 1,
            }
        })
        .collect();
    render(&ReceiptListPage {
        frame: Frame::new(&user, "Receipts", "/receipts"),
        rows,
        pager: Pager::new("/receipts", &[], "page", page, PER_PAGE, total),
    })
}

async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    receipt_page(&state, &user, id.into_inner(), StatusCode::OK, None).await
}

/// Renders a receipt's page; `back` is a refused correction (its values and errors).
async fn receipt_page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    status: StatusCode,
    back: Option<(CorrectForm, FieldErrors)>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ReceiveStock)?;
    let actor = user.actor.clone();
    let (v, clocks, currency) = state
        .run(move |conn| {
            Ok((
                receipts::show(conn, &actor, id)?,
                crate::services::sites::clocks(conn, &actor)?,
                crate::services::settings::load(conn)?.currency,
            ))
        })
        .await?;
    let first = received_of(&v).cloned();
    let net: i64 = v.lines.iter().map(|e| e.row.delta).sum();
    let unit = first.as_ref().map(|e| e.unit.code()).unwrap_or_default();
    let lines = first
        .iter()
        .map(|e| ReceiptLine {
            product_id: e.row.product_id,
            product: e.product_name.clone(),
            sku: e.sku.clone(),
            lot_id: e.row.lot_id,
            lot: e.lot_number.clone(),
            expiry: e.expiry.to_string(),
            location: e.location_code.clone(),
            received: qty_unit(e.row.delta, e.unit.code()),
            now: qty_unit(net, e.unit.code()),
        })
        .collect();
    let corrections = v
        .lines
        .iter()
        .filter(|e| e.row.kind != LedgerKind::Receive)
        .map(|e| CorrectionLine {
            id: e.row.id,
            when: clocks.format(e.row.site_id, e.row.occurred_at),
            user: e.username.clone(),
            change: signed_qty_unit(e.row.delta, e.unit.code()),
            reason: e.row.note.clone().unwrap_or_default(),
        })
        .collect();
    let (quantity, reason, errors) = match back {
        Some((f, errors)) => (f.quantity, f.reason, errors),
        None => (
            crate::domain::quantity::fmt_qty(net),
            String::new(),
            FieldErrors::none(),
        ),
    };
    let page = ReceiptPage {
        frame: Frame::new(user, format!("Receipt #{id}"), "/receipts"),
        id,
        when: clocks.format(v.receipt.site_id, v.receipt.received_at),
        user: v.user.clone(),
        site: v.site.clone(),
        location: v.location.clone(),
        order: v
            .receipt
            .purchase_order_id
            .map(|o| (o, crate::services::orders::order_number(o))),
        note: v.receipt.note.clone().unwrap_or_default(),
        unit_cost: match v.receipt.unit_cost_cents {
            Some(c) => format!("{} {currency} per {unit}", fmt_money(c)),
            None => "—".into(),
        },
        lines,
        corrections,
        unit: unit.to_string(),
        can_correct: user.may(Action::CorrectReceipt),
        quantity,
        reason,
        errors,
    };
    render_status(status, &page)
}

#[derive(Deserialize, Default, Clone)]
pub struct CorrectForm {
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    reason: String,
}

async fn correct(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<CorrectForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::CorrectReceipt)?;
    let id = id.into_inner();
    let draft = CorrectionDraft {
        quantity: Some(form.quantity.clone()),
        reason: Some(form.reason.clone()),
    };
    let actor = user.actor.clone();
    match state
        .run(move |conn| receipt_corrections::correct(conn, &actor, id, &draft))
        .await
    {
        Ok(c) => {
            let msg = format!(
                "Receipt #{} corrected: lot {} from {} to {}.",
                c.receipt_id,
                c.lot_number,
                qty_unit(c.old, &c.unit),
                qty_unit(c.new, &c.unit)
            );
            flash_redirect(&state, &user, &format!("/receipts/{id}"), msg).await
        }
        Err(e @ (ServiceError::Invalid { .. } | ServiceError::Conflict { .. })) => {
            let status = if matches!(e, ServiceError::Conflict { .. }) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let errors = FieldErrors::from_refusal(&e, "quantity");
            receipt_page(&state, &user, id, status, Some((form, errors))).await
        }
        Err(e) => Err(e.into()),
    }
}
