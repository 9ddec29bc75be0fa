//! `/admin/needle-ranges` (`Action::ManageClinicalLists`): the
//! indications' usual needle ranges — set one for an indication without,
//! change one, remove one. Bad input comes back at its field (422).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::pages::{PageError, Posted, flash_redirect, render_status};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::domain::needle::fmt_needle;
use crate::error::ServiceError;
use crate::routes::extract::CurrentUser;
use crate::services::needle_ranges::{self, RangeDraft};
use crate::views::Frame;
use crate::views::clinical_admin::{RangeRow, RangesPage};
use crate::views::form::FieldErrors;

const PAGE: &str = "/admin/needle-ranges";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/needle-ranges", web::get().to(ranges_page))
        .route("/admin/needle-ranges", web::post().to(add_range))
        .route("/admin/needle-ranges/{id}", web::post().to(update_range))
        .route(
            "/admin/needle-ranges/{id}/remove",
            web::post().to(remove_range),
        );
}

/// The range form as posted.
#[derive(Deserialize, Default, Clone)]
pub struct RangeForm {
    #[serde(default)]
    indication: String,
    #[serde(default)]
    needle_min_mm: String,
    #[serde(default)]
    needle_max_mm: String,
}

impl RangeForm {
    fn draft(&self) -> RangeDraft {
        RangeDraft {
            indication: Some(self.indication.clone()),
            needle_min_mm: Some(self.needle_min_mm.clone()),
            needle_max_mm: Some(self.needle_max_mm.clone()),
        }
    }
}

/// A form that came back with errors: the add form or one row's.
enum Returned {
    Nothing,
    Add(RangeForm, FieldErrors),
    Row(i64, RangeForm, FieldErrors),
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    returned: Returned,
) -> Result<HttpResponse, PageError> {
    let actor = user.actor.clone();
    let lines = state
        .run(move |conn| needle_ranges::list(conn, &actor))
        .await?;
    let free = lines
        .iter()
        .filter(|l| l.range.is_none())
        .map(|l| {
            (
                l.indication.code().to_string(),
                l.indication.label().to_string(),
            )
        })
        .collect();
    let mut page = RangesPage {
        frame: Frame::new(user, "Usual needle ranges", "/admin/areas"),
        rows: lines
            .into_iter()
            .map(|l| RangeRow {
                indication: l.indication.code().to_string(),
                label: l.indication.label().to_string(),
                id: l.range.as_ref().map(|r| r.id),
                min: l
                    .range
                    .as_ref()
                    .map(|r| fmt_needle(r.needle_min))
                    .unwrap_or_default(),
                max: l
                    .range
                    .as_ref()
                    .map(|r| fmt_needle(r.needle_max))
                    .unwrap_or_default(),
                errors: FieldErrors::none(),
            })
            .collect(),
        free,
        new_indication: String::new(),
        new_min: String::new(),
        new_max: String::new(),
        new_errors: FieldErrors::none(),
    };
    match returned {
        Returned::Nothing => {}
        Returned::Add(form, errors) => {
            page.new_indication = form.indication;
            page.new_min = form.needle_min_mm;
            page.new_max = form.needle_max_mm;
            page.new_errors = errors;
        }
        Returned::Row(id, form, errors) => {
            if let Some(row) = page.rows.iter_mut().find(|r| r.id == Some(id)) {
                row.min = form.needle_min_mm;
                row.max = form.needle_max_mm;
                row.errors = errors;
            }
        }
    }
    render_status(status, &page)
}

/// A refusal shown at its field (422), or the error page.
fn refusal(e: ServiceError) -> Result<(StatusCode, FieldErrors), PageError> {
    match e {
        ServiceError::Invalid { .. } => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            FieldErrors::from_refusal(&e, "needle_min_mm"),
        )),
        other => Err(other.into()),
    }
}

async fn ranges_page(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ManageClinicalLists)?;
    render(&state, &user, StatusCode::OK, Returned::Nothing).await
}

async fn add_range(
    state: web::Data<AppState>,
    posted: Posted<RangeForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageClinicalLists)?;
    let actor = user.actor.clone();
    let draft = form.draft();
    match state
        .run(move |conn| needle_ranges::add(conn, &actor, &draft))
        .await
    {
        Ok(r) => {
            let msg = format!(
                "Usual range set: {} mm to {} mm.",
                fmt_needle(r.needle_min),
                fmt_needle(r.needle_max)
            );
            flash_redirect(&state, &user, PAGE, msg).await
        }
        Err(e) => {
            let (status, errors) = refusal(e)?;
            render(&state, &user, status, Returned::Add(form, errors)).await
        }
    }
}

async fn update_range(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<RangeForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageClinicalLists)?;
    let id = id.into_inner();
    let actor = user.actor.clone();
    let draft = form.draft();
    match state
        .run(move |conn| needle_ranges::update(conn, &actor, id, &draft))
        .await
    {
        Ok(()) => flash_redirect(&state, &user, PAGE, "Usual range saved.".to_string()).await,
        Err(e) => {
            let (status, errors) = refusal(e)?;
            render(&state, &user, status, Returned::Row(id, form, errors)).await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct Empty {}

async fn remove_range(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<Empty>,
) -> Result<HttpResponse, PageError> {
    let user = posted.user;
    user.require(Action::ManageClinicalLists)?;
    let id = id.into_inner();
    let actor = user.actor.clone();
    state
        .run(move |conn| needle_ranges::remove(conn, &actor, id))
        .await?;
    let msg = "Range removed: sessions of that indication no longer warn about the needle length.";
    flash_redirect(&state, &user, PAGE, msg.to_string()).await
}
