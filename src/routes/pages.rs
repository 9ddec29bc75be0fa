//! What every HTML route shares: the page error (rendered as an error page
//! with the right status), rendering askama pages, redirects with a flash
//! message, and the `Posted<T>` extractor that checks the CSRF token of
//! every form a logged-in user posts.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::auth;
use crate::error::ServiceError;
use crate::routes::extract::CurrentUser;
use crate::routes::input;
use crate::services::accounts;
use crate::views::Frame;
use crate::views::errors::ErrorPage;
pub use crate::views::pager::urlencode;

/// Largest form body accepted (a stock count of a big store room fits).
pub const FORM_LIMIT: usize = 1024 * 1024;

/// An error shown as a page.
#[derive(Debug)]
pub enum PageError {
    /// Not logged in: go to the login page and come back.
    LoginRequired {
        next: String,
    },
    Service(ServiceError),
}

impl From<ServiceError> for PageError {
    fn from(e: ServiceError) -> Self {
        PageError::Service(e)
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PageError::LoginRequired { .. } => f.write_str("login required"),
            PageError::Service(e) => write!(f, "{e}"),
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::LoginRequired { .. } => StatusCode::SEE_OTHER,
            PageError::Service(e) => {
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PageError::LoginRequired { next } => {
                let target = if next == "/" || next.is_empty() {
                    "/login".to_string()
                } else {
                    format!("/login?next={}", urlencode(next))
                };
                see_other(&target)
            }
            PageError::Service(e) => {
                if e.status() >= 500 {
                    tracing::error!(error = %e, "request failed");
                }
                error_page(e.status(), &e.page_message())
            }
        }
    }
}

/// Renders the error page with a status (used for 404, 403, 500, …).
pub fn error_page(status: u16, message: &str) -> HttpResponse {
    let heading = match status {
        400 => "That request was not understood",
        401 | 403 => "Not allowed",
        404 => "Not found",
        409 => "That conflicts with the current stock",
        413 => "That was too much to send at once",
        422 => "Please check what you entered",
        503 => "Busy, try again",
        _ => "Something went wrong",
    };
    let page = ErrorPage {
        frame: Frame::anonymous(heading, ""),
        status,
        heading: heading.to_string(),
        message: message.to_string(),
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(_) => HttpResponse::build(status)
            .content_type("text/plain; charset=utf-8")
            .body(message.to_string()),
    }
}

/// Renders a page with 200.
pub fn render<T: Template>(page: &T) -> Result<HttpResponse, PageError> {
    render_status(StatusCode::OK, page)
}

/// Renders a page with a given status (e.g. 422 when a form comes back with errors).
pub fn render_status<T: Template>(status: StatusCode, page: &T) -> Result<HttpResponse, PageError> {
    let body = page
        .render()
        .map_err(|e| ServiceError::Internal(format!("template: {e}")))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// 303 See Other to a local path.
pub fn see_other(path: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, safe_local(path)))
        .finish()
}

/// True for a path on this site that a browser cannot read as another
/// origin: it starts with one `/` (not `//` or `/\\`), holds no backslash, no
/// whitespace and no control character (browsers drop tabs and line breaks
/// from URLs, so `/\t/evil.example` would become `//evil.example`).
pub fn is_safe_local(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// Only same-site paths may be redirect targets (no open redirects): any
/// other target becomes `/`.
pub fn safe_local(path: &str) -> String {
    if is_safe_local(path) {
        path.to_string()
    } else {
        "/".to_string()
    }
}

/// Leaves a flash message for the user's next page and redirects there.
pub async fn flash_redirect(
    state: &AppState,
    user: &CurrentUser,
    path: &str,
    message: impl Into<String>,
) -> Result<HttpResponse, PageError> {
    let sid = user.session_id;
    let msg = message.into();
    state
        .run(move |conn| accounts::set_flash(conn, sid, &msg))
        .await?;
    Ok(see_other(path))
}

/// The CSRF field every form carries.
#[derive(serde::Deserialize, Default)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

/// Reads a form: every field passes the text rule (`routes::input`, 422
/// naming the field), then the form's own struct.
fn parse_form<T: DeserializeOwned>(body: &[u8]) -> Result<T, PageError> {
    input::check_form(body)?;
    serde_html_form::from_bytes::<T>(body).map_err(|e| {
        // The parser's words name internal fields and types ("invalid
        // digit", "expected i64"): logged, never shown.
        tracing::info!(error = %e, "form not readable");
        PageError::Service(ServiceError::BadRequest(
            "This form could not be read: a value is not one the form takes. Go back, reload the page and try again."
                .into(),
        ))
    })
}

async fn read_body(req: &HttpRequest, payload: &mut Payload) -> Result<web::Bytes, PageError> {
    let bytes = web::Bytes::from_request(req, payload)
        .await
        .map_err(|e| input::body_error(&e, "form"))?;
    if bytes.len() > FORM_LIMIT {
        return Err(ServiceError::PayloadTooLarge("the form is too large".into()).into());
    }
    Ok(bytes)
}

/// A form posted by a logged-in user, with its CSRF token checked. Form
/// structs keep every field as text with `#[serde(default)]`, so a bad value
/// becomes a message at its field (services parse), never a bare 400.
pub struct Posted<T> {
    pub user: CurrentUser,
    pub form: T,
}

impl<T: DeserializeOwned + 'static> FromRequest for Posted<T> {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let user = CurrentUser::from_request(&req, &mut Payload::None).await?;
            let body = read_body(&req, &mut payload).await?;
            let csrf: CsrfField = serde_html_form::from_bytes(&body).unwrap_or_default();
            if !auth::same_token(&csrf.csrf, &user.csrf) {
                return Err(PageError::Service(ServiceError::Forbidden(
                    "This form has expired or did not come from this site. Go back, reload the page and try again.".into(),
                )));
            }
            let form = parse_form::<T>(&body)?;
            Ok(Posted { user, form })
        })
    }
}

/// A form posted before login (login, first-admin setup): double-submit
/// CSRF check against the `cs_csrf` cookie set when the form was shown.
pub struct AnonPosted<T> {
    pub form: T,
}

impl<T: DeserializeOwned + 'static> FromRequest for AnonPosted<T> {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let body = read_body(&req, &mut payload).await?;
            let csrf: CsrfField = serde_html_form::from_bytes(&body).unwrap_or_default();
            let cookie = req
                .cookie(auth::PRE_CSRF_COOKIE)
                .map(|c| c.value().to_string())
                .unwrap_or_default();
            if !auth::same_token(&csrf.csrf, &cookie) {
                return Err(PageError::Service(ServiceError::Forbidden(
                    "This form has expired. Go back, reload the page and try again.".into(),
                )));
            }
            Ok(AnonPosted {
                form: parse_form::<T>(&body)?,
            })
        })
    }
}

/// The pre-login CSRF token: reuse the cookie's, or make a new one.
pub fn pre_login_csrf(req: &HttpRequest) -> (String, bool) {
    match req.cookie(auth::PRE_CSRF_COOKIE) {
        Some(c) if c.value().len() == 64 => (c.value().to_string(), false),
        _ => (auth::random_token(), true),
    }
}

/// Adds the pre-login CSRF cookie to a response when it is new.
pub fn with_pre_csrf_cookie(
    mut resp: HttpResponse,
    token: &str,
    is_new: bool,
    secure: bool,
) -> HttpResponse {
    if is_new {
        let cookie = actix_web::cookie::Cookie::build(auth::PRE_CSRF_COOKIE, token.to_string())
            .path("/")
            .http_only(true)
            .secure(secure)
            .same_site(actix_web::cookie::SameSite::Lax)
            .finish();
        if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_targets_stay_on_this_site() {
        for ok in ["/", "/sessions?site=main", "/%09/x", "/a/b?next=http://x"] {
            assert_eq!(safe_local(ok), ok);
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "evil.example",
            "",
            "/\u{85}/x",
        ] {
            assert_eq!(safe_local(bad), "/", "{bad:?}");
        }
    }
}
