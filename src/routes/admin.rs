//! Admin pages: users (add, disable, re-enable, reset password).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::pages::{PageError, Posted, flash_redirect, render_status};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::domain::vocab::Role;
use crate::error::{FieldError, ServiceError};
use crate::routes::extract::CurrentUser;
use crate::services::{accounts, signin, sites, tokens};
use crate::views::Frame;
use crate::views::admin::{SignInState, TokenRow, TokensPage, UserRow, UsersPage};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/users", web::get().to(users))
        .route("/admin/users", web::post().to(add_user))
        .route("/admin/users/{id}/disable", web::post().to(disable))
        .route("/admin/users/{id}/enable", web::post().to(enable))
        .route("/admin/users/{id}/password", web::post().to(reset_password))
        .route("/admin/users/{id}/unlock", web::post().to(unlock))
        .route("/admin/tokens", web::get().to(tokens_list))
        .route("/admin/tokens", web::post().to(token_create))
        .route("/admin/tokens/{id}/revoke", web::post().to(token_revoke));
}

async fn users_page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    form: Option<&AddUserForm>,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    let (list, site_list, throttles) = state
        .run(|conn| {
            Ok((
                accounts::list_users(conn)?,
                sites::list(conn)?,
                signin::account_throttles(conn)?,
            ))
        })
        .await?;
    let page = UsersPage {
        frame: Frame::new(user, "Users", "/admin/users"),
        users: list
            .into_iter()
            .map(|(u, site)| UserRow {
                is_self: u.id == user.actor.user_id,
                sign_in: throttles
                    .iter()
                    .find(|t| t.username == u.username)
                    .map(|t| SignInState {
                        failures: t.failures,
                        locked: t.locked,
                    }),
                id: u.id,
                display_name: u.display_name.clone().filter(|n| !n.trim().is_empty()),
                role: u.role.label().to_string(),
                username: u.username,
                site: site.unwrap_or_else(|| "all sites".into()),
                active: u.active,
            })
            .collect(),
        sites: site_list.into_iter().map(|s| (s.code, s.name)).collect(),
        roles: Role::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        form_username: form.map(|f| f.username.clone()).unwrap_or_default(),
        form_role: form
            .map(|f| f.role.clone())
            .unwrap_or_else(|| "practitioner".into()),
        form_site: form.map(|f| f.site.clone()).unwrap_or_default(),
        form_display_name: form.map(|f| f.display_name.clone()).unwrap_or_default(),
        form_email: form.map(|f| f.email.clone()).unwrap_or_default(),
        errors: errors.into(),
    };
    render_status(status, &page)
}

async fn users(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, PageError> {
    user.require(Action::ManageUsers)?;
    users_page(&state, &user, StatusCode::OK, None, Vec::new()).await
}

#[derive(Deserialize, Default, Clone)]
pub struct AddUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
}

async fn add_user(
    state: web::Data<AppState>,
    posted: Posted<AddUserForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageUsers)?;
    let input = accounts::NewUser {
        username: form.username.clone(),
        password: form.password.clone(),
        role: form.role.clone(),
        site: Some(form.site.clone()),
        display_name: Some(form.display_name.clone()),
        email: Some(form.email.clone()),
    };
    let actor = user.actor.clone();
    match state
        .run(move |conn| accounts::add_user(conn, &actor, &input))
        .await
    {
        Ok(_) => {
            flash_redirect(
                &state,
                &user,
                "/admin/users",
                format!("User {} added.", form.username.trim()),
            )
            .await
        }
        Err(ServiceError::Invalid { errors, .. }) => {
            users_page(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&form),
                errors,
            )
            .await
        }
        Err(e @ ServiceError::Conflict { .. }) => {
            let errors = vec![FieldError {
                field: "username".into(),
                message: e.page_message(),
            }];
            users_page(&state, &user, StatusCode::CONFLICT, Some(&form), errors).await
        }
        Err(e) => Err(e.into()),
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
    user.require(Action::ManageUsers)?;
    let actor = user.actor.clone();
    let changed = state
        .run(move |conn| accounts::set_user_active(conn, &actor, id, active))
        .await?;
    let verb = if active { "re-enabled" } else { "disabled" };
    flash_redirect(
        &state,
        &user,
        "/admin/users",
        format!("User {} {verb}.", changed.username),
    )
    .await
}

async fn disable(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<NoFields>,
) -> Result<HttpResponse, PageError> {
    set_active(state, posted.user, id.into_inner(), false).await
}

async fn enable(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<NoFields>,
) -> Result<HttpResponse, PageError> {
    set_active(state, posted.user, id.into_inner(), true).await
}

#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
}

async fn reset_password(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageUsers)?;
    let actor = user.actor.clone();
    let id = id.into_inner();
    match state
        .run(move |conn| accounts::reset_password(conn, &actor, id, &form.password))
        .await
    {
        Ok(u) => {
            flash_redirect(
                &state,
                &user,
                "/admin/users",
                format!(
                    "Password of {} changed; their sessions have ended.",
                    u.username
                ),
            )
            .await
        }
        Err(e @ ServiceError::Invalid { .. }) => {
            flash_redirect(
                &state,
                &user,
                "/admin/users",
                format!("Password not changed: {}", e.page_message()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn unlock(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<NoFields>,
) -> Result<HttpResponse, PageError> {
    let user = posted.user;
    user.require(Action::ManageUsers)?;
    let actor = user.actor.clone();
    let id = id.into_inner();
    let name = state
        .run(move |conn| {
            let name = accounts::list_users(conn)?
                .into_iter()
                .find(|(u, _)| u.id == id)
                .map(|(u, _)| u.username)
                .ok_or_else(|| ServiceError::not_found("no such user"))?;
            signin::unlock(conn, &actor, &name)?;
            Ok(name)
        })
        .await?;
    flash_redirect(
        &state,
        &user,
        "/admin/users",
        format!("Sign-in of {name} unlocked."),
    )
    .await
}

// ---- API tokens -------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
pub struct TokensQuery {
    #[serde(default)]
    user: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct TokenForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires_on: String,
}

struct TokensView {
    status: StatusCode,
    filter: String,
    form: TokenForm,
    errors: Vec<FieldError>,
    new_token: Option<String>,
}

async fn tokens_page(
    state: &AppState,
    user: &CurrentUser,
    v: TokensView,
) -> Result<HttpResponse, PageError> {
    let actor = user.actor.clone();
    let filter = v.filter.trim().to_string();
    let f = filter.clone();
    let (list, users, clock) = state
        .run(move |conn| {
            let clock = crate::services::sites::clocks(conn, &actor)?.reader();
            let list = tokens::list(conn, &actor, Some(f.as_str()).filter(|s| !s.is_empty()))?;
            let users = accounts::list_users(conn)?
                .into_iter()
                .filter(|(u, _)| u.active && u.username != accounts::COMMAND_LINE_USER)
                .map(|(u, _)| u.username)
                .collect::<Vec<_>>();
            Ok((list, users, clock))
        })
        .await?;
    let now = crate::db::now();
    let when = |t: Option<chrono::NaiveDateTime>| t.map(|t| clock.format(t)).unwrap_or_default();
    let page = TokensPage {
        frame: Frame::new(user, "API tokens", "/admin/users"),
        tokens: list
            .iter()
            .map(|t| TokenRow {
                id: t.id,
                username: t.username.clone(),
                name: t.name.clone(),
                created: when(Some(t.created_at)),
                last_used: when(t.last_used_at),
                expires: t
                    .expires_at
                    .map(|t| clock.format_until(t))
                    .unwrap_or_default(),
                status: t.status(now),
            })
            .collect(),
        users,
        filter,
        form_username: v.form.username,
        form_name: v.form.name,
        form_expires_on: v.form.expires_on,
        errors: v.errors.into(),
        new_token: v.new_token,
    };
    render_status(v.status, &page)
}

async fn tokens_list(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<TokensQuery>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ManageUsers)?;
    let q = q.into_inner();
    let form = TokenForm {
        username: q.user.clone(),
        ..TokenForm::default()
    };
    tokens_page(
        &state,
        &user,
        TokensView {
            status: StatusCode::OK,
            filter: q.user,
            form,
            errors: Vec::new(),
            new_token: None,
        },
    )
    .await
}

async fn token_create(
    state: web::Data<AppState>,
    posted: Posted<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageUsers)?;
    let actor = user.actor.clone();
    let input = tokens::NewToken {
        username: form.username.clone(),
        name: form.name.clone(),
        expires_in_days: None,
        expires_on: Some(form.expires_on.clone()),
    };
    let result = state
        .run(move |conn| tokens::create(conn, &actor, &input))
        .await;
    let (status, errors, new_token, form) = match result {
        Ok((_, token)) => (
            StatusCode::CREATED,
            Vec::new(),
            Some(token),
            TokenForm::default(),
        ),
        Err(ServiceError::Invalid { errors, .. }) => {
            (StatusCode::UNPROCESSABLE_ENTITY, errors, None, form)
        }
        Err(e @ (ServiceError::NotFound(_) | ServiceError::Conflict { .. })) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::CONFLICT);
            let errors = vec![FieldError {
                field: "username".into(),
                message: e.page_message(),
            }];
            (status, errors, None, form)
        }
        Err(e) => return Err(e.into()),
    };
    tokens_page(
        &state,
        &user,
        TokensView {
            status,
            filter: String::new(),
            form,
            errors,
            new_token,
        },
    )
    .await
}

async fn token_revoke(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<NoFields>,
) -> Result<HttpResponse, PageError> {
    let user = posted.user;
    user.require(Action::ManageUsers)?;
    let actor = user.actor.clone();
    let id = id.into_inner();
    state
        .run(move |conn| tokens::revoke(conn, &actor, id))
        .await?;
    flash_redirect(
        &state,
        &user,
        "/admin/tokens",
        format!("Token {id} revoked."),
    )
    .await
}
