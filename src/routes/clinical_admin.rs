//! Admin pages of the clinical lists (`Action::ManageClinicalLists`):
//! `/admin/areas` — treatment areas: add, rename, retire, bring back.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::pages::{PageError, Posted, flash_redirect, render_status};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::error::ServiceError;
use crate::routes::extract::CurrentUser;
use crate::services::areas;
use crate::views::Frame;
use crate::views::clinical_admin::{AreaLine, AreasPage};
use crate::views::form::FieldErrors;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/areas", web::get().to(areas_page))
        .route("/admin/areas", web::post().to(add_area))
        .route("/admin/areas/{id}/rename", web::post().to(rename_area))
        .route("/admin/areas/{id}/retire", web::post().to(retire_area))
        .route("/admin/areas/{id}/restore", web::post().to(restore_area));
}

/// A form that came back: the add form, or one line's rename.
enum Returned {
    Nothing,
    Add(String, FieldErrors),
    Rename(i64, String, FieldErrors),
}

async fn render_areas(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    returned: Returned,
) -> Result<HttpResponse, PageError> {
    let list = state.run(areas::list_all).await?;
    let mut page = AreasPage {
        frame: Frame::new(user, "Treatment areas", "/admin/areas"),
        areas: list
            .into_iter()
            .map(|a| AreaLine {
                id: a.id,
                code: a.code,
                name: a.name,
                active: a.active,
                typed: None,
                errors: FieldErrors::none(),
            })
            .collect(),
        new_name: String::new(),
        new_errors: FieldErrors::none(),
    };
    match returned {
        Returned::Nothing => {}
        Returned::Add(name, errors) => {
            page.new_name = name;
            page.new_errors = errors;
        }
        Returned::Rename(id, name, errors) => {
            if let Some(line) = page.areas.iter_mut().find(|a| a.id == id) {
                line.typed = Some(name);
                line.errors = errors;
            }
        }
    }
    render_status(status, &page)
}

/// A refusal shown at the form's field (422), or the error page.
fn refusal(e: ServiceError) -> Result<(StatusCode, FieldErrors), PageError> {
    match e {
        ServiceError::Invalid { .. } => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            FieldErrors::from_refusal(&e, "name"),
        )),
        other => Err(other.into()),
    }
}

async fn areas_page(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ManageClinicalLists)?;
    render_areas(&state, &user, StatusCode::OK, Returned::Nothing).await
}

#[derive(Deserialize, Default)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

async fn add_area(
    state: web::Data<AppState>,
    posted: Posted<NameForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageClinicalLists)?;
    let actor = user.actor.clone();
    let name = form.name.clone();
    match state.run(move |conn| areas::add(conn, &actor, &name)).await {
        Ok(a) => {
            let msg = format!("Area {} added.", a.name);
            flash_redirect(&state, &user, "/admin/areas", msg).await
        }
        Err(e) => {
            let (status, errors) = refusal(e)?;
            render_areas(&state, &user, status, Returned::Add(form.name, errors)).await
        }
    }
}

async fn rename_area(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<NameForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageClinicalLists)?;
    let id = id.into_inner();
    let actor = user.actor.clone();
    let name = form.name.clone();
    match state
        .run(move |conn| areas::rename(conn, &actor, id, &name))
        .await
    {
        Ok(()) => flash_redirect(&state, &user, "/admin/areas", "Area renamed.".to_string()).await,
        Err(e) => {
            let (status, errors) = refusal(e)?;
            render_areas(
                &state,
                &user,
                status,
                Returned::Rename(id, form.name, errors),
            )
            .await
        }
    }
}

async fn set_active(
    state: &AppState,
    user: CurrentUser,
    id: i64,
    active: bool,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ManageClinicalLists)?;
    let actor = user.actor.clone();
    state
        .run(move |conn| areas::set_active(conn, &actor, id, active))
        .await?;
    let msg = if active {
        "Area brought back: the session form offers it again."
    } else {
        "Area retired: the session form no longer offers it; past sessions keep it."
    };
    flash_redirect(state, &user, "/admin/areas", msg.to_string()).await
}

#[derive(Deserialize, Default)]
pub struct Empty {}

async fn retire_area(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<Empty>,
) -> Result<HttpResponse, PageError> {
    set_active(&state, posted.user, id.into_inner(), false).await
}

async fn restore_area(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<Empty>,
) -> Result<HttpResponse, PageError> {
    set_active(&state, posted.user, id.into_inner(), true).await
}
