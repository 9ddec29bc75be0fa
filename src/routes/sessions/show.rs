//! One session: `GET /sessions/{id}` (what was used from which lot,
//! warnings, void state), `GET /sessions/{id}/aftercare` (the printable
//! sheet for the client), `POST /sessions/{id}/void` (managers; the person
//! who logged it within 30 minutes) and
//! `POST /sessions/{id}/follow-ups` (side effects seen since).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::access::Action;
use crate::error::{FieldError, ServiceError};
use crate::routes::extract::CurrentUser;
use crate::routes::pages::{PageError, Posted, flash_redirect, render, render_status};
use crate::services::sessions::FollowUpDraft;
use crate::services::{sessions, sites};
use crate::views::Frame;
use crate::views::clinic::ClinicBlock;
use crate::views::follow_ups::{FollowUpForm, FollowUpTyped, ShownFollowUp};
use crate::views::sessions::{AftercarePage, SessionPage, ShownSession, client_href};

/// What the session page shows besides the session: a void form or a
/// follow-up form sent back with its errors.
#[derive(Default)]
struct Typed {
    void_error: Option<String>,
    reason: String,
    follow_up: Option<(FollowUpTyped, Vec<FieldError>)>,
}

async fn session_page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    status: StatusCode,
    typed: Typed,
) -> Result<HttpResponse, PageError> {
    let actor = user.actor.clone();
    let v = state
        .run(move |conn| sessions::get(conn, &actor, id))
        .await?;
    let s = ShownSession::from_view(&v);
    let follow_up_form = (user.may(Action::RecordFollowUp) && !v.voided()).then(|| {
        FollowUpForm::new(
            v.local_date().to_string(),
            v.site_today().to_string(),
            typed.follow_up.as_ref().map(|(t, e)| (t, e.clone())),
        )
    });
    let own = v.session.practitioner_id == user.actor.user_id && !user.may(Action::VoidSession);
    let answer = v.void_answer(&user.actor);
    let void_note = match (&answer, own && !v.voided()) {
        (Ok(()), true) => Some(format!(
            "You can void this session yourself until {} (30 minutes after saving it).",
            v.own_void_until()
        )),
        (Err(why), true) => Some(format!("You can no longer void this session: {why}.")),
        _ => None,
    };
    let page = SessionPage {
        frame: Frame::new(user, format!("Session {id}"), "/sessions"),
        client_href: client_href(&s.client_ref),
        s,
        can_void: answer.is_ok(),
        can_repeat: user.may(Action::LogSession) && !v.voided(),
        void_note,
        void_error: typed.void_error,
        reason: typed.reason,
        follow_ups: v.follow_ups.iter().map(ShownFollowUp::from_view).collect(),
        follow_up_form,
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
        Typed::default(),
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
    user.actor
        .require_void()
        .map_err(|d| PageError::from(ServiceError::from(d)))?;
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
                Typed {
                    void_error: Some(msg),
                    reason: form.reason,
                    follow_up: None,
                },
            )
            .await
        }
        Err(e @ (ServiceError::Conflict { .. } | ServiceError::Forbidden(_))) => {
            // Too late, or not theirs: the page says why (403), nothing written.
            let mut msg = e.page_message();
            if let Some(first) = msg.get(..1) {
                msg = format!("{}{}", first.to_uppercase(), &msg[1..]);
            }
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::FORBIDDEN);
            session_page(
                &state,
                &user,
                id,
                status,
                Typed {
                    void_error: Some(msg),
                    reason: form.reason,
                    follow_up: None,
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// `POST /sessions/{id}/follow-ups`: back to the session with a flash, or
/// the page again (422) with the field errors and the values as typed.
pub async fn follow_up(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<FollowUpTyped>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::RecordFollowUp)?;
    let id = id.into_inner();
    let actor = user.actor.clone();
    let draft = FollowUpDraft {
        observed_on: opt(&form.observed_on),
        side_effects: form.side_effects.clone(),
        side_effect_other: opt(&form.side_effect_other),
        severity: opt(&form.severity),
        note: opt(&form.note),
    };
    match state
        .run(move |conn| sessions::follow_up::record(conn, &actor, id, &draft))
        .await
    {
        Ok(f) => {
            flash_redirect(
                &state,
                &user,
                &format!("/sessions/{id}#follow-ups"),
                format!("Follow-up of {} recorded.", f.observed_on),
            )
            .await
        }
        Err(ServiceError::Invalid { errors, .. }) => {
            let typed = Typed {
                follow_up: Some((form, errors)),
                ..Typed::default()
            };
            session_page(&state, &user, id, StatusCode::UNPROCESSABLE_ENTITY, typed).await
        }
        Err(e @ ServiceError::Conflict { .. }) => {
            flash_redirect(&state, &user, &format!("/sessions/{id}"), e.page_message()).await
        }
        Err(e) => Err(e.into()),
    }
}
