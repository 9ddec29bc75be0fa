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
use crate::services::{accounts, sites};
use crate::views::Frame;
use crate::views::admin::{UserRow, UsersPage};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/users", web::get().to(users))
        .route("/admin/users", web::post().to(add_user))
        .route("/admin/users/{id}/disable", web::post().to(disable))
        .route("/admin/users/{id}/enable", web::post().to(enable))
        .route("/admin/users/{id}/password", web::post().to(reset_password));
}

async fn users_page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    form: Option<&AddUserForm>,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    let (list, site_list) = state
        .run(|conn| Ok((accounts::list_users(conn)?, sites::list(conn)?)))
        .await?;
    let page = UsersPage {
        frame: Frame::new(user, "Users", "/admin/users"),
        users: list
            .into_iter()
            .map(|(u, site)| UserRow {
                is_self: u.id == user.actor.user_id,
                id: u.id,
                role: Role::parse(&u.role)
                    .map(|r| r.label())
                    .unwrap_or("?")
                    .to_string(),
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
        errors,
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
    };
    match state
        .run(move |conn| accounts::create_user(conn, &input))
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
                message: e.public_message(),
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
                format!("Password not changed: {}", e.public_message()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
