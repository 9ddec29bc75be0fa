//! `/suppliers`: the list (with product counts), add, and edit.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use crate::app::AppState;
use crate::domain::access::Action;
use crate::error::ServiceError;
use crate::routes::extract::CurrentUser;
use crate::routes::pages::{PageError, Posted, flash_redirect, render_status};
use crate::services::catalog::{self, SupplierDraft};
use crate::views::Frame;
use crate::views::form::FieldErrors;
use crate::views::products::{SupplierEditPage, SupplierFormValues, SupplierLine, SuppliersPage};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/suppliers", web::get().to(list))
        .route("/suppliers", web::post().to(create))
        .route("/suppliers/{id}/edit", web::get().to(edit_form))
        .route("/suppliers/{id}", web::post().to(update));
}

fn draft_of(v: &SupplierFormValues) -> SupplierDraft {
    SupplierDraft {
        name: v.name.clone(),
        email: Some(v.email.clone()),
        lead_time_days: Some(v.lead_time_days.clone()),
    }
}

fn refusal(e: ServiceError) -> Result<(StatusCode, FieldErrors), PageError> {
    match e {
        ServiceError::Invalid { .. } => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            FieldErrors::from_refusal(&e, "name"),
        )),
        ServiceError::Conflict { .. } => {
            Ok((StatusCode::CONFLICT, FieldErrors::from_refusal(&e, "name")))
        }
        other => Err(other.into()),
    }
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    v: SupplierFormValues,
    errors: FieldErrors,
) -> Result<HttpResponse, PageError> {
    let (suppliers, counts) = state
        .run(|conn| {
            Ok((
                catalog::suppliers(conn)?,
                crate::db::catalog::product_counts_by_supplier(conn)?,
            ))
        })
        .await?;
    let counts: HashMap<i64, i64> = counts.into_iter().collect();
    render_status(
        status,
        &SuppliersPage {
            frame: Frame::new(user, "Suppliers", "/suppliers"),
            rows: suppliers
                .iter()
                .map(|s| SupplierLine {
                    id: s.id,
                    name: s.name.clone(),
                    email: s.email.clone().unwrap_or_default(),
                    lead_time_days: s.lead_time_days.map(|d| d.to_string()).unwrap_or_default(),
                    products: counts.get(&s.id).copied().unwrap_or(0),
                })
                .collect(),
            v,
            errors,
            can_manage: user.may(Action::ManageSuppliers),
        },
    )
}

async fn list(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, PageError> {
    user.require(Action::ViewSuppliers)?;
    list_page(
        &state,
        &user,
        StatusCode::OK,
        SupplierFormValues::default(),
        FieldErrors::none(),
    )
    .await
}

async fn create(
    state: web::Data<AppState>,
    posted: Posted<SupplierFormValues>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageSuppliers)?;
    let actor = user.actor.clone();
    let draft = draft_of(&form);
    match state
        .run(move |conn| catalog::create_supplier(conn, &actor, &draft))
        .await
    {
        Ok(s) => {
            flash_redirect(
                &state,
                &user,
                "/suppliers",
                format!("Supplier {} added.", s.name),
            )
            .await
        }
        Err(e) => {
            let (status, errors) = refusal(e)?;
            list_page(&state, &user, status, form, errors).await
        }
    }
}

async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ManageSuppliers)?;
    let id = id.into_inner();
    let s = state
        .run(move |conn| {
            crate::db::catalog::supplier_by_id(conn, id)?
                .ok_or_else(|| ServiceError::not_found("no such supplier"))
        })
        .await?;
    render_status(
        StatusCode::OK,
        &SupplierEditPage {
            frame: Frame::new(&user, format!("Edit {}", s.name), "/suppliers"),
            id,
            v: SupplierFormValues {
                name: s.name,
                email: s.email.unwrap_or_default(),
                lead_time_days: s.lead_time_days.map(|d| d.to_string()).unwrap_or_default(),
            },
            errors: FieldErrors::none(),
        },
    )
}

async fn update(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<SupplierFormValues>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageSuppliers)?;
    let id = id.into_inner();
    let actor = user.actor.clone();
    let draft = draft_of(&form);
    match state
        .run(move |conn| catalog::update_supplier(conn, &actor, id, &draft))
        .await
    {
        Ok(s) => {
            flash_redirect(
                &state,
                &user,
                "/suppliers",
                format!("Supplier {} saved.", s.name),
            )
            .await
        }
        Err(e) => {
            let (status, errors) = refusal(e)?;
            render_status(
                status,
                &SupplierEditPage {
                    frame: Frame::new(&user, "Edit supplier", "/suppliers"),
                    id,
                    v: form,
                    errors,
                },
            )
        }
    }
}
