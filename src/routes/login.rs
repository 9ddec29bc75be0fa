//! Login, logout and the one-time first-admin setup link.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use std::net::IpAddr;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::pages::{
    self, AnonPosted, PageError, Posted, pre_login_csrf, render_status, see_other,
    with_pre_csrf_cookie,
};
use crate::app::AppState;
use crate::auth::{self, SESSION_COOKIE};
use crate::domain::throttle;
use crate::error::ServiceError;
use crate::services::{accounts, signin};
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
    setup_pending: bool,
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
        setup_pending,
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
    let pending = state.run(accounts::setup_pending).await?;
    login_page(&req, &state, StatusCode::OK, "", &q.next, None, pending)
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

/// The client address sign-ins are counted under: the socket's peer, or,
/// when the peer is a trusted proxy (`--trusted-proxy`), the nearest
/// address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_address(req: &HttpRequest, trusted: &[IpAddr]) -> String {
    let Some(mut ip) = req.peer_addr().map(|a| a.ip()) else {
        return "unknown".into();
    };
    if trusted.contains(&ip) {
        let hops: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        for hop in hops.iter().rev() {
            // A hop that is not an address ends the walk (it was not written
            // by a proxy we trust).
            let Ok(hop) = hop.parse::<IpAddr>() else {
                break;
            };
            ip = hop;
            if !trusted.contains(&hop) {
                break;
            }
        }
    }
    throttle::address_key(ip)
}

/// Sign-in work on the database at once (each attempt writes its counters):
/// a flood of attempts must leave the rest of the connection pool to
/// everyone else (`/health` included).
fn signin_db_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| tokio::sync::Semaphore::new(2))
}

/// Runs sign-in database work within [`signin_db_slots`].
async fn signin_db<T, F>(state: &AppState, f: F) -> Result<T, PageError>
where
    F: FnOnce(&mut crate::db::DbConn) -> crate::error::ServiceResult<T> + Send + 'static,
    T: Send + 'static,
{
    let _slot = signin_db_slots()
        .acquire()
        .await
        .map_err(|e| ServiceError::Internal(format!("sign-in slots: {e}")))?;
    Ok(state.run(f).await?)
}

const BUSY_PAGE: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Busy, try again</title><link rel=\"stylesheet\" href=\"/static/pico.min.css\"></head>\
<body><main class=\"container\"><h1>Busy, try again</h1>\
<p id=\"login-error\" role=\"alert\">The server is busy checking other sign-ins; \
<a href=\"/login\">try again</a> in a moment.</p></main></body></html>";

fn with_retry_after(mut resp: HttpResponse, secs: i64) -> HttpResponse {
    if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    posted: AnonPosted<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let f = posted.form;
    let refused_page = |status: StatusCode, message: String| {
        login_page(
            &req,
            &state,
            status,
            &f.username,
            &f.next,
            Some(message),
            false,
        )
    };
    // 1. A place on the password pool, or 503 at once.
    // (A short fixed page: under a flood this answer must cost next to nothing.)
    let Some(admission) = auth::PasswordPool::global().admit() else {
        return Ok(with_retry_after(
            HttpResponse::ServiceUnavailable()
                .content_type("text/html; charset=utf-8")
                .body(BUSY_PAGE),
            1,
        ));
    };
    // 2. The throttles, before the password is looked at.
    let address = client_address(&req, &state.config.trusted_proxies);
    let username = f.username.clone();
    let begun = signin_db(&state, move |conn| signin::begin(conn, &username, &address)).await?;
    let attempt = match begun {
        signin::Begin::Throttled {
            retry_after,
            locked,
        } => {
            drop(admission);
            let message = if locked {
                "Too many failed sign-ins: this sign-in is locked. An administrator can unlock it."
                    .to_string()
            } else {
                format!("Too many failed sign-ins. Try again in {retry_after} seconds.")
            };
            return Ok(with_retry_after(
                refused_page(StatusCode::TOO_MANY_REQUESTS, message)?,
                retry_after,
            ));
        }
        signin::Begin::Check(attempt) => attempt,
    };
    // 3. The password, on the pool, with no database connection held.
    let ok = admission
        .verify(f.password.clone(), attempt.hash.clone())
        .await
        .ok_or_else(|| ServiceError::Internal("password pool stopped".into()))?;
    // 4. A session, or a counted failure.
    match signin_db(&state, move |conn| signin::finish(conn, &attempt, ok)).await? {
        signin::Finish::SignedIn {
            token,
            max_age_secs,
        } => {
            let target = if f.next.is_empty() { "/" } else { &f.next };
            signed_in(&state, target, token, max_age_secs)
        }
        signin::Finish::Refused => refused_page(
            StatusCode::UNAUTHORIZED,
            "wrong user name or password".into(),
        ),
    }
}

/// A redirect to `target` that carries a new session cookie.
fn signed_in(
    state: &AppState,
    target: &str,
    token: String,
    max_age_secs: i64,
) -> Result<HttpResponse, PageError> {
    let cookie = Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .secure(state.config.secure_cookies)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(max_age_secs))
        .finish();
    let mut resp = see_other(target);
    resp.add_cookie(&cookie)
        .map_err(|e| ServiceError::Internal(format!("cookie: {e}")))?;
    Ok(resp)
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
        errors: errors.into(),
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
        Ok(id) => {
            // The new admin is signed in and starts on the dashboard.
            let address = client_address(&req, &state.config.trusted_proxies);
            match state
                .run(move |conn| signin::sign_in_after_setup(conn, id, &address))
                .await?
            {
                signin::Finish::SignedIn {
                    token,
                    max_age_secs,
                } => signed_in(&state, "/", token, max_age_secs),
                signin::Finish::Refused => Ok(see_other("/login")),
            }
        }
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
