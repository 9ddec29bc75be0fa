//! Purchase orders: list, start a draft, edit lines, send, cancel; e-mailing
//! a draft to the supplier is in `email`, receiving against an order in
//! `receive`.

mod email;
mod lines;
mod receive;
mod receive_scan;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::access::Action;
use crate::domain::quantity::fmt_qty;
use crate::domain::vocab::OrderStatus;
use crate::error::{FieldError, ServiceError};
use crate::routes::extract::CurrentUser;
use crate::routes::pages::{PageError, Posted, flash_redirect, render_status};
use crate::services::orders::{self, OrderDraft, OrderListQuery};
use crate::services::{catalog, settings};
use crate::views::Frame;
use crate::views::orders::{
    FormState, OrderHead, OrderListPage, OrderListRow, OrderPage, line_rows, receipt_rows,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/orders", web::get().to(list))
        .route("/orders", web::post().to(create))
        .route("/orders/{id}", web::get().to(show))
        .route("/orders/{id}/lines", web::post().to(lines::save_lines))
        .route("/orders/{id}/send", web::post().to(lines::send))
        .route("/orders/{id}/email", web::post().to(email::email))
        .route("/orders/{id}/cancel", web::post().to(cancel))
        .route("/orders/{id}/receive", web::get().to(receive::form))
        .route("/orders/{id}/receive", web::post().to(receive::receive));
}

const PAGE: i64 = 50;

#[derive(Debug, Deserialize, Default)]
pub struct ListParams {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    site: Option<String>,
    #[serde(default)]
    page: Option<i64>,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    params: ListParams,
    form: FormState,
) -> Result<HttpResponse, PageError> {
    let actor = user.actor.clone();
    let page = params.page.unwrap_or(1).max(1);
    let status = params.status.clone().unwrap_or_default();
    let q = OrderListQuery {
        site: params.site.clone(),
        status: params.status.clone(),
        supplier_id: None,
    };
    let (items, total, suppliers, currency) = state
        .run(move |conn| {
            let (items, total) = orders::list(conn, &actor, &q, PAGE, (page - 1) * PAGE)?;
            let suppliers = catalog::suppliers(conn)?;
            Ok((items, total, suppliers, settings::load(conn)?.currency))
        })
        .await?;
    let status_q = if status.is_empty() {
        String::new()
    } else {
        format!("&status={}", super::pages::urlencode(&status))
    };
    let link = |p: i64| format!("/orders?page={p}{status_q}");
    let mut statuses: Vec<(&'static str, &'static str)> = vec![("open", "Open"), ("", "All")];
    statuses.extend(OrderStatus::ALL.iter().map(|s| (s.code(), s.label())));
    let status_code = if form.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = OrderListPage {
        frame: Frame::new(user, "Orders", "/orders"),
        orders: items.iter().map(OrderListRow::from_summary).collect(),
        total,
        status,
        statuses,
        suppliers: suppliers.into_iter().map(|s| (s.id, s.name)).collect(),
        currency,
        prev: (page > 1).then(|| link(page - 1)),
        next: (page * PAGE < total).then(|| link(page + 1)),
        form,
    };
    render_status(status_code, &view)
}

async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ManageOrders)?;
    list_page(&state, &user, params.into_inner(), FormState::default()).await
}

#[derive(Debug, Deserialize, Default)]
pub struct NewOrderForm {
    #[serde(default)]
    supplier_id: String,
}

async fn create(
    state: web::Data<AppState>,
    posted: Posted<NewOrderForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageOrders)?;
    let actor = user.actor.clone();
    let draft = OrderDraft {
        supplier_id: Some(form.supplier_id.clone()),
        ..OrderDraft::default()
    };
    match state
        .run(move |conn| orders::create(conn, &actor, &draft))
        .await
    {
        Ok(v) => {
            flash_redirect(
                &state,
                &user,
                &format!("/orders/{}", v.order.id),
                format!(
                    "Draft {} for {} started; add lines.",
                    v.number(),
                    v.supplier.name
                ),
            )
            .await
        }
        Err(ServiceError::Invalid { errors, .. }) => {
            let state_form = FormState {
                values: [("supplier_id".to_string(), form.supplier_id)].into(),
                errors: errors.into(),
            };
            list_page(&state, &user, ListParams::default(), state_form).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn order_page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    form: FormState,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let actor = user.actor.clone();
    let (view, receipts, products, settings) = state
        .run(move |conn| {
            let view = orders::get(conn, &actor, id)?;
            let receipts = orders::deliveries(conn, &actor, id)?;
            let products = if view.is_draft() {
                catalog::list_products(conn, &Default::default(), 1000, 0)?.0
            } else {
                Vec::new()
            };
            Ok((view, receipts, products, settings::load(conn)?))
        })
        .await?;
    let shown: Vec<String> = view
        .lines
        .iter()
        .flat_map(|l| {
            [
                format!("packs_{}", l.line.id),
                format!("cost_{}", l.line.id),
            ]
        })
        .chain(
            [
                "add_product_id",
                "add_packs",
                "add_pack_cost",
                "sent_on",
                "email_text",
            ]
            .iter()
            .map(|s| s.to_string()),
        )
        .collect();
    let page = OrderPage {
        frame: Frame::new(user, view.number(), "/orders"),
        head: OrderHead::from_view(&view),
        lines: line_rows(&view, &form),
        products: products
            .into_iter()
            .map(|p| {
                (
                    p.id,
                    format!(
                        "{} {} (pack {} {})",
                        p.sku,
                        p.name,
                        fmt_qty(p.pack_size),
                        p.unit
                    ),
                )
            })
            .collect(),
        currency: settings.currency.clone(),
        receipts: receipt_rows(&receipts, view.site.clock()),
        clinic: crate::views::clinic::ClinicBlock::new(&view.site),
        draft_email: orders::email_text(
            &view,
            &settings.clinic_name,
            &settings.currency,
            user.shown_name(),
        ),
        mail_ready: state.mailer.is_some(),
        today: view.site.today().to_string(),
        form_errors: form.errors.others(&shown.join(",")),
        form,
        audit_history: crate::routes::audit::history_of(state, user, "order", view.order.id)
            .await?,
    };
    render_status(status, &page)
}

async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ManageOrders)?;
    order_page(
        &state,
        &user,
        id.into_inner(),
        FormState::default(),
        StatusCode::OK,
    )
    .await
}

/// Re-renders the order page with what was typed and what was wrong.
pub(super) async fn refused(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    form: &[(String, String)],
    e: ServiceError,
) -> Result<HttpResponse, PageError> {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    let mut fs = FormState::from_pairs(form);
    match e {
        ServiceError::Invalid { errors, .. } => fs.errors = errors.into(),
        ServiceError::Conflict { message, .. } | ServiceError::External { message, .. } => {
            fs.errors.push(FieldError {
                field: String::new(),
                message,
            })
        }
        other => return Err(other.into()),
    }
    order_page(state, user, id, fs, status).await
}

pub(super) fn value(form: &[(String, String)], name: &str) -> Option<String> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .filter(|v| !v.trim().is_empty())
}

#[derive(Debug, Deserialize, Default)]
pub struct CancelForm {
    #[serde(default)]
    reason: String,
}

async fn cancel(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<CancelForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageOrders)?;
    let id = id.into_inner();
    let actor = user.actor.clone();
    let reason = Some(form.reason);
    match state
        .run(move |conn| orders::cancel(conn, &actor, id, &reason))
        .await
    {
        Ok(v) => {
            flash_redirect(
                &state,
                &user,
                &format!("/orders/{id}"),
                format!("{} cancelled.", v.number()),
            )
            .await
        }
        Err(e) => refused(&state, &user, id, &[], e).await,
    }
}
