//! One session: `GET /sessions/{id}` (what was used from which lot,
//! warnings, void state), `GET /sessions/{id}/aftercare` (the printable
//! sheet for the client) and `POST /sessions/{id}/void` (managers).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::access::Action;
use crate::error::ServiceError;
use crate::routes::extract::CurrentUser;
use crate::routes::pages::{PageError, Posted, flash_redirect, render, render_status};
use crate::services::{sessions, sites};
use crate::views::Frame;
use crate::views::clinic::ClinicBlock;
use crate::views::sessions::{AftercarePage, SessionPage, ShownSession, client_href};

async fn session_page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    status: StatusCode,
    void_error: Option<String>,
    reason: String,
) -> Result<HttpResponse, PageError> {
    let actor = user.actor.clone();
    let v = state
        .run(move |conn| sessions::get(conn, &actor, id))
        .await?;
    let s = ShownSession::from_view(&v);
    let page = SessionPage {
        frame: Frame::new(user, format!("Session {id}"), "/sessions"),
        client_href: client_href(&s.client_ref),
        s,
        can_void: user.may(Action::VoidSession),
        void_error,
        reason,
    };
    render_status(status, &page)
}

/// `GET /sessions/{id}`
pub async fn session(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ViewSessions)?;
    session_page(
        &state,
        &user,
        id.into_inner(),
        StatusCode::OK,
        None,
        String::new(),
    )
    .await
}

/// `GET /sessions/{id}/aftercare`
pub async fn aftercare(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ViewSessions)?;
    let actor = user.actor.clone();
    let id = id.into_inner();
    let (v, site) = state
        .run(move |conn| {
            let v = sessions::get(conn, &actor, id)?;
            let site = sites::by_code(conn, &v.site_code)?;
            Ok((v, site))
        })
        .await?;
    render(&AftercarePage {
        frame: Frame::new(&user, "After-care", "/sessions"),
        s: ShownSession::from_view(&v),
        clinic: ClinicBlock::new(&site),
    })
}

#[derive(Deserialize, Default)]
pub struct VoidForm {
    #[serde(default)]
    reason: String,
}

/// `POST /sessions/{id}/void` (managers; reason required).
pub async fn void(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<VoidForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::VoidSession)?;
    let id = id.into_inner();
    let actor = user.actor.clone();
    let reason = form.reason.clone();
    match state
        .run(move |conn| sessions::void(conn, &actor, id, &reason))
        .await
    {
        Ok(_) => {
            flash_redirect(
                &state,
                &user,
                &format!("/sessions/{id}"),
                format!("Session {id} voided; its stock went back to the lots it came from."),
            )
            .await
        }
        Err(ServiceError::Invalid { errors, .. }) => {
            let msg = errors
                .first()
                .map(|e| e.message.clone())
                .unwrap_or_else(|| "say why".into());
            session_page(
                &state,
                &user,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(msg),
                form.reason,
            )
            .await
        }
        Err(e @ ServiceError::Conflict { .. }) => {
            flash_redirect(
                &state,
                &user,
                &format!("/sessions/{id}"),
                e.public_message(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
