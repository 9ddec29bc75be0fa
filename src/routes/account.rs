//! The signed-in user's own account: `GET /account` (details, digest
//! choice, password), `POST /account` (details) and `POST /account/password`.
//! Every role, their own record only: no id in the path, the record is the
//! one behind the login session.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::pages::{PageError, Posted, error_page, flash_redirect, render_status};
use crate::app::AppState;
use crate::auth::PasswordPool;
use crate::domain::access::Action;
use crate::error::ServiceError;
use crate::routes::extract::CurrentUser;
use crate::services::{profile, sites};
use crate::views::Frame;
use crate::views::account::{AccountPage, AccountValues};
use crate::views::form::FieldErrors;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/account", web::get().to(show))
        .route("/account", web::post().to(save))
        .route("/account/password", web::post().to(change_password));
}

/// What the page shows besides the stored record: values typed into a
/// refused form and the problems of either form.
#[derive(Default)]
struct Shown {
    typed: Option<AccountValues>,
    errors: FieldErrors,
    password_errors: FieldErrors,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    shown: Shown,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ManageOwnAccount)?;
    let actor = user.actor.clone();
    let (me, site) = state
        .run(move |conn| {
            let me = profile::own(conn, &actor)?;
            let site = match me.site_id {
                Some(id) => sites::list(conn)?.into_iter().find(|s| s.id == id),
                None => None,
            };
            Ok((me, site))
        })
        .await?;
    let role = user.role();
    let v = shown.typed.unwrap_or_else(|| AccountValues {
        display_name: me.display_name.clone().unwrap_or_default(),
        email: me.email.clone().unwrap_or_default(),
        digest_enabled: me.digest_enabled,
    });
    render_status(
        status,
        &AccountPage {
            frame: Frame::new(user, "Your account", "/account"),
            username: me.username.clone(),
            role: role.label().to_string(),
            site: site
                .map(|s| format!("{} ({})", s.name, s.code))
                .unwrap_or_else(|| "all sites".into()),
            v,
            shows_digest: profile::gets_digest(role),
            mail_ready: state.mailer.is_some(),
            errors: shown.errors,
            password_errors: shown.password_errors,
        },
    )
}

async fn show(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, PageError> {
    page(&state, &user, StatusCode::OK, Shown::default()).await
}

#[derive(Deserialize, Default)]
pub struct DetailsForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    /// Present when the digest checkbox was on the form.
    #[serde(default)]
    digest_shown: String,
    #[serde(default)]
    digest_enabled: String,
}

async fn save(
    state: web::Data<AppState>,
    posted: Posted<DetailsForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageOwnAccount)?;
    let draft = profile::ProfileDraft {
        display_name: form.display_name.clone(),
        email: form.email.clone(),
        digest_enabled: (!form.digest_shown.is_empty()).then_some(!form.digest_enabled.is_empty()),
    };
    let actor = user.actor.clone();
    match state
        .run(move |conn| profile::update_own(conn, &actor, &draft))
        .await
    {
        Ok(_) => flash_redirect(&state, &user, "/account", "Your details were saved.").await,
        Err(e @ ServiceError::Invalid { .. }) => {
            let shown = Shown {
                typed: Some(AccountValues {
                    display_name: form.display_name,
                    email: form.email,
                    digest_enabled: !form.digest_enabled.is_empty(),
                }),
                errors: FieldErrors::from_refusal(&e, "display_name"),
                ..Shown::default()
            };
            page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    repeat_password: String,
}

async fn change_password(
    state: web::Data<AppState>,
    posted: Posted<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageOwnAccount)?;
    // A place on the password pool (two Argon2 runs), or 503 at once, as
    // at sign-in: a flood of changes must not starve sign-ins.
    let Some(admission) = PasswordPool::global().admit() else {
        let mut busy = error_page(503, "The server is busy. Try again in a moment.");
        busy.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from_static("1"),
        );
        return Ok(busy);
    };
    let change = profile::PasswordChange {
        current: form.current_password,
        new: form.new_password,
        repeat: form.repeat_password,
    };
    let actor = user.actor.clone();
    let session = user.session_id;
    let result = state
        .run(move |conn| profile::change_own_password(conn, &actor, Some(session), &change))
        .await;
    drop(admission);
    match result {
        Ok(()) => {
            flash_redirect(
                &state,
                &user,
                "/account",
                "Your password was changed; your other sign-ins have ended.",
            )
            .await
        }
        Err(e @ (ServiceError::Invalid { .. } | ServiceError::Conflict { .. })) => {
            let shown = Shown {
                password_errors: FieldErrors::from_refusal(&e, "current_password"),
                ..Shown::default()
            };
            let status =
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            page(&state, &user, status, shown).await
        }
        Err(e) => Err(e.into()),
    }
}
