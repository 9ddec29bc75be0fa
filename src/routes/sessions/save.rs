//! `POST /sessions/new` with `action=save`: records the session, or brings
//! the form back as typed — with the field errors of a refusal, or (the
//! confirmation step, issue 15 part 4) with the warnings and "I have
//! checked these warnings" when the session warns and the tick box does
//! not cover what it warns about. Nothing is saved until then.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use super::form::{SessionForm, Shown, is_blank, padded, render_form};
use crate::app::AppState;
use crate::error::{ErrorCode, FieldError, ServiceError};
use crate::routes::extract::CurrentUser;
use crate::routes::pages::{PageError, flash_redirect};
use crate::services::sessions::record::unconfirmed_warnings;
use crate::services::sessions::{self, LineDraft, hints};

pub(super) async fn save(
    state: &AppState,
    user: CurrentUser,
    form: SessionForm,
) -> Result<HttpResponse, PageError> {
    let typed: Vec<LineDraft> = form.rows().into_iter().filter(|r| !is_blank(r)).collect();
    let draft = form.draft(typed.clone());
    let actor = user.actor.clone();
    let key = form.key.clone();
    let result = state
        .run(move |conn| sessions::record(conn, &actor, &key, &draft))
        .await;
    let rows = padded(typed, 1);
    let e = match result {
        Ok(rec) => {
            let v = &rec.view;
            let mut msg = format!(
                "Session saved for client {} ({} line{}).",
                v.session.client_ref,
                v.lines.len(),
                if v.lines.len() == 1 { "" } else { "s" }
            );
            if !v.warnings.is_empty() {
                msg.push_str(" Check the warnings below.");
            }
            let path = format!("/sessions/{}", v.session.id);
            return flash_redirect(state, &user, &path, msg).await;
        }
        Err(e) => e,
    };
    if let Some(asked) = unconfirmed_warnings(&e) {
        // A step, not a refusal: 200 with everything typed kept.
        let shown = Shown {
            message: Some(e.page_message()),
            asked: Some(asked),
            ..Shown::default()
        };
        return render_form(state, &user, StatusCode::OK, form, rows, shown).await;
    }
    refused(state, user, form, rows, e).await
}

/// The form back with a refusal's errors (nothing was saved).
async fn refused(
    state: &AppState,
    user: CurrentUser,
    form: SessionForm,
    rows: Vec<LineDraft>,
    e: ServiceError,
) -> Result<HttpResponse, PageError> {
    match e {
        ServiceError::Invalid {
            code: ErrorCode::IdempotencyKeyReused,
            errors,
        } => {
            let actor = user.actor.clone();
            let key = form.key.clone();
            let saved = state
                .run(move |conn| hints::session_for_key(conn, &actor, &key))
                .await?;
            let message = "This form was already saved as a session; changing it afterwards does not change that session.".to_string();
            let shown = Shown {
                errors,
                message: Some(message),
                saved_session: saved,
                asked: None,
            };
            render_form(
                state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                rows,
                shown,
            )
            .await
        }
        e @ ServiceError::Invalid { .. } => {
            let shown = Shown {
                message: Some(e.page_message()),
                errors: e.field_errors().to_vec(),
                ..Shown::default()
            };
            render_form(
                state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                rows,
                shown,
            )
            .await
        }
        ServiceError::Conflict {
            message, details, ..
        } => {
            let field = details
                .get("field")
                .and_then(|f| f.as_str())
                .unwrap_or("lines")
                .to_string();
            let shown = Shown {
                errors: vec![FieldError {
                    field,
                    message: message.clone(),
                }],
                message: Some(message),
                ..Shown::default()
            };
            render_form(state, &user, StatusCode::CONFLICT, form, rows, shown).await
        }
        e => Err(e.into()),
    }
}
