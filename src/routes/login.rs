//! Login, logout and the one-time first-admin setup link.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::pages::{
    self, AnonPosted, PageError, Posted, pre_login_csrf, render_status, see_other,
    with_pre_csrf_cookie,
};
use crate::app::AppState;
use crate::auth::{self, SESSION_COOKIE};
use crate::error::ServiceError;
use crate::services::accounts;
use crate::views::Frame;
use crate::views::auth::{LoginPage, SetupPage};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/setup/{token}", web::get().to(setup_form))
        .route("/setup/{token}", web::post().to(setup));
}

#[derive(Deserialize, Default)]
pub struct NextParam {
    #[serde(default)]
    next: String,
}

fn login_page(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    username: &str,
    next: &str,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let (csrf, is_new) = pre_login_csrf(req);
    let page = LoginPage {
        frame: Frame::anonymous("Log in", &csrf),
        username: username.to_string(),
        next: if pages::is_safe_local(next) {
            next.to_string()
        } else {
            String::new()
        },
        error,
    };
    Ok(with_pre_csrf_cookie(
        render_status(status, &page)?,
        &csrf,
        is_new,
        state.config.secure_cookies,
    ))
}

async fn login_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<NextParam>,
) -> Result<HttpResponse, PageError> {
    login_page(&req, &state, StatusCode::OK, "", &q.next, None)
}

#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    posted: AnonPosted<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let f = posted.form;
    let (username, password) = (f.username.clone(), f.password.clone());
    match state
        .run(move |conn| accounts::login(conn, &username, &password))
        .await
    {
        Ok(token) => {
            let cookie = Cookie::build(SESSION_COOKIE, token)
                .path("/")
                .http_only(true)
                .secure(state.config.secure_cookies)
                .same_site(SameSite::Lax)
                .max_age(CookieDuration::days(accounts::SESSION_DAYS))
                .finish();
            let target = if f.next.is_empty() { "/" } else { &f.next };
            let mut resp = see_other(target);
            resp.add_cookie(&cookie)
                .map_err(|e| ServiceError::Internal(format!("cookie: {e}")))?;
            Ok(resp)
        }
        Err(e @ (ServiceError::Unauthorized(_) | ServiceError::Forbidden(_))) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNAUTHORIZED);
            login_page(
                &req,
                &state,
                status,
                &f.username,
                &f.next,
                Some(e.public_message()),
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct Empty {}

async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    _posted: Posted<Empty>,
) -> Result<HttpResponse, PageError> {
    if let Some(c) = req.cookie(SESSION_COOKIE) {
        let hash = auth::hash_token(c.value());
        state.run(move |conn| accounts::logout(conn, &hash)).await?;
    }
    let mut resp = see_other("/login");
    let mut gone = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    gone.make_removal();
    resp.add_cookie(&gone)
        .map_err(|e| ServiceError::Internal(format!("cookie: {e}")))?;
    Ok(resp)
}

async fn setup_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let token = token.into_inner();
    let t = token.clone();
    let valid = state
        .run(move |conn| accounts::setup_token_valid(conn, &t))
        .await?;
    if !valid {
        return Ok(pages::error_page(
            404,
            "This setup link has already been used or is not valid.",
        ));
    }
    setup_page(
        &req,
        &state,
        StatusCode::OK,
        token,
        (String::new(), String::new()),
        Vec::new(),
    )
}

fn setup_page(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    token: String,
    (username, time_zone): (String, String),
    errors: Vec<crate::error::FieldError>,
) -> Result<HttpResponse, PageError> {
    let (csrf, is_new) = pre_login_csrf(req);
    let zones = crate::views::sites_admin::zone_choices(if time_zone.is_empty() {
        "UTC"
    } else {
        &time_zone
    });
    let page = SetupPage {
        frame: Frame::anonymous("Set up clinic-stock", &csrf),
        token,
        username,
        time_zone,
        zones,
        errors,
    };
    Ok(with_pre_csrf_cookie(
        render_status(status, &page)?,
        &csrf,
        is_new,
        state.config.secure_cookies,
    ))
}

#[derive(Deserialize, Default)]
pub struct SetupForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
    #[serde(default)]
    time_zone: String,
}

async fn setup(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    posted: AnonPosted<SetupForm>,
) -> Result<HttpResponse, PageError> {
    let token = token.into_inner();
    let f = posted.form;
    if f.password != f.password2 {
        return setup_page(
            &req,
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            token,
            (f.username, f.time_zone),
            vec![crate::error::FieldError {
                field: "password2".into(),
                message: "the two passwords differ".into(),
            }],
        );
    }
    let (t, u, p, z) = (
        token.clone(),
        f.username.clone(),
        f.password.clone(),
        f.time_zone.clone(),
    );
    match state
        .run(move |conn| accounts::complete_setup(conn, &t, &u, &p, &z))
        .await
    {
        Ok(_) => Ok(see_other("/login")),
        Err(ServiceError::Invalid { errors, .. }) => setup_page(
            &req,
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            token,
            (f.username, f.time_zone),
            errors,
        ),
        Err(e) => Err(e.into()),
    }
}
