//! The product form: new (`?gtin=` prefills the barcode; with
//! `receive_gs1`/`receive_place` from an unknown scan, saving goes back to
//! `/receive` with that scan read), edit, and
//! archive / reactivate. Bad input re-renders the form with the typed
//! values and a message at each field (422; a duplicate SKU or GTIN 409).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::app::AppState;
use crate::db::models::Product;
use crate::domain::access::Action;
use crate::domain::gs1;
use crate::domain::needle::fmt_needle;
use crate::domain::quantity::{fmt_money, fmt_qty};
use crate::domain::vocab::Unit;
use crate::error::ServiceError;
use crate::routes::extract::CurrentUser;
use crate::routes::pages::{PageError, Posted, flash_redirect, render_status};
use crate::routes::product_filter::{category_choices, needle_choices};
use crate::services::catalog::{self, ProductDraft};
use crate::services::settings;
use crate::views::Frame;
use crate::views::form::FieldErrors;
use crate::views::pager::urlencode;
use crate::views::products::{ProductFormPage, ProductFormValues};
use crate::views::stock::Choice;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/products/new", web::get().to(new_form))
        .route("/products", web::post().to(create))
        .route("/products/{id}/edit", web::get().to(edit_form))
        .route("/products/{id}", web::post().to(update))
        .route("/products/{id}/archive", web::post().to(archive))
        .route("/products/{id}/reactivate", web::post().to(reactivate));
}

fn values_of(p: &Product) -> ProductFormValues {
    ProductFormValues {
        receive_gs1: String::new(),
        receive_place: String::new(),
        sku: p.sku.clone(),
        name: p.name.clone(),
        category: p.category.code().to_string(),
        unit: p.unit.code().to_string(),
        pack_size: fmt_qty(p.pack_size),
        needle_length_mm: p.needle_length.map(fmt_needle).unwrap_or_default(),
        gtin: p.gtin.clone().unwrap_or_default(),
        supplier_id: p.supplier_id.map(|s| s.to_string()).unwrap_or_default(),
        unit_cost: p.unit_cost_cents.map(fmt_money).unwrap_or_default(),
        lead_time_days: p.lead_time_days.map(|d| d.to_string()).unwrap_or_default(),
        min_level: p.min_level.map(fmt_qty).unwrap_or_default(),
        max_level: p.max_level.map(fmt_qty).unwrap_or_default(),
        max_per_session: p.max_per_session.map(fmt_qty).unwrap_or_default(),
        use_within_days_of_opening: p.use_within_days.map(|d| d.to_string()).unwrap_or_default(),
        max_contact_minutes: p
            .max_contact_minutes
            .map(|m| m.to_string())
            .unwrap_or_default(),
    }
}

fn draft_of(v: &ProductFormValues) -> ProductDraft {
    let s = |x: &String| Some(x.clone());
    ProductDraft {
        sku: s(&v.sku),
        name: s(&v.name),
        category: s(&v.category),
        unit: s(&v.unit),
        pack_size: s(&v.pack_size),
        needle_length_mm: s(&v.needle_length_mm),
        gtin: s(&v.gtin),
        supplier_id: s(&v.supplier_id),
        unit_cost_cents: None,
        unit_cost: s(&v.unit_cost),
        lead_time_days: s(&v.lead_time_days),
        min_level: s(&v.min_level),
        max_level: s(&v.max_level),
        max_per_session: s(&v.max_per_session),
        use_within_days_of_opening: s(&v.use_within_days_of_opening),
        max_contact_minutes: s(&v.max_contact_minutes),
        active: None,
    }
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    id: Option<i64>,
    v: ProductFormValues,
    errors: FieldErrors,
) -> Result<HttpResponse, PageError> {
    let (suppliers, currency) = state
        .run(|conn| Ok((catalog::suppliers(conn)?, settings::load(conn)?.currency)))
        .await?;
    let title = match id {
        Some(_) => format!("Edit {}", v.name),
        None => "New product".to_string(),
    };
    let page = ProductFormPage {
        frame: Frame::new(user, title, "/products"),
        id,
        categories: category_choices(&v.category),
        units: Unit::ALL
            .iter()
            .map(|u| Choice {
                value: u.code().to_string(),
                label: u.label().to_string(),
                selected: u.code() == v.unit,
            })
            .collect(),
        suppliers: suppliers
            .iter()
            .map(|s| Choice {
                value: s.id.to_string(),
                label: s.name.clone(),
                selected: s.id.to_string() == v.supplier_id,
            })
            .collect(),
        needles: needle_choices(None),
        currency,
        v,
        errors,
    };
    render_status(status, &page)
}

/// Status and field errors for a refused product form.
fn refusal(e: ServiceError) -> Result<(StatusCode, FieldErrors), PageError> {
    match e {
        ServiceError::Invalid { .. } => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            FieldErrors::from_refusal(&e, "sku"),
        )),
        ServiceError::Conflict { .. } => {
            Ok((StatusCode::CONFLICT, FieldErrors::from_refusal(&e, "sku")))
        }
        other => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct NewParams {
    #[serde(default)]
    gtin: String,
    /// From an unknown scan on /receive: go back there with it.
    #[serde(default)]
    receive_gs1: String,
    #[serde(default)]
    receive_place: String,
}

async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<NewParams>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ManageProducts)?;
    let gtin = q.gtin.trim();
    let v = ProductFormValues {
        unit: "each".into(),
        gtin: gs1::normalize_gtin(gtin).unwrap_or_else(|_| gtin.to_string()),
        receive_gs1: q.receive_gs1.clone(),
        receive_place: q.receive_place.clone(),
        ..ProductFormValues::default()
    };
    form_page(&state, &user, StatusCode::OK, None, v, FieldErrors::none()).await
}

async fn create(
    state: web::Data<AppState>,
    posted: Posted<ProductFormValues>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageProducts)?;
    let actor = user.actor.clone();
    let draft = draft_of(&form);
    match state
        .run(move |conn| catalog::create_product(conn, &actor, &draft))
        .await
    {
        Ok(p) if !form.receive_gs1.trim().is_empty() => {
            // Back to receiving, the scan read again: now it finds this product.
            let to = format!(
                "/receive?gs1={}&place={}",
                urlencode(form.receive_gs1.trim()),
                urlencode(form.receive_place.trim())
            );
            flash_redirect(
                &state,
                &user,
                &to,
                format!(
                    "Product {} ({}) created. The scan is read below: check the lot and expiry, then type the quantity.",
                    p.name, p.sku
                ),
            )
            .await
        }
        Ok(p) => {
            flash_redirect(
                &state,
                &user,
                &format!("/products/{}", p.id),
                format!("Product {} ({}) created.", p.name, p.sku),
            )
            .await
        }
        Err(e) => {
            let (status, errors) = refusal(e)?;
            form_page(&state, &user, status, None, form, errors).await
        }
    }
}

async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ManageProducts)?;
    let id = id.into_inner();
    let p = state.run(move |conn| catalog::product(conn, id)).await?;
    form_page(
        &state,
        &user,
        StatusCode::OK,
        Some(id),
        values_of(&p),
        FieldErrors::none(),
    )
    .await
}

async fn update(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<ProductFormValues>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageProducts)?;
    let id = id.into_inner();
    let actor = user.actor.clone();
    let draft = draft_of(&form);
    match state
        .run(move |conn| catalog::update_product(conn, &actor, id, draft))
        .await
    {
        Ok(p) => {
            flash_redirect(
                &state,
                &user,
                &format!("/products/{id}"),
                format!("Product {} saved.", p.name),
            )
            .await
        }
        Err(e) => {
            let (status, errors) = refusal(e)?;
            form_page(&state, &user, status, Some(id), form, errors).await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct NoFields {}

async fn set_active(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: i64,
    active: bool,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ManageProducts)?;
    let actor = user.actor.clone();
    let patch = ProductDraft {
        active: Some(active),
        ..ProductDraft::default()
    };
    let p = state
        .run(move |conn| catalog::update_product(conn, &actor, id, patch))
        .await?;
    let msg = if active {
        format!("{} is active again.", p.name)
    } else {
        format!(
            "{} is archived: it no longer appears in lists or on the receive form.",
            p.name
        )
    };
    flash_redirect(&state, &user, &format!("/products/{id}"), msg).await
}

async fn archive(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<NoFields>,
) -> Result<HttpResponse, PageError> {
    set_active(state, posted.user, id.into_inner(), false).await
}

async fn reactivate(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<NoFields>,
) -> Result<HttpResponse, PageError> {
    set_active(state, posted.user, id.into_inner(), true).await
}
