//! The checks every request's input passes before a handler reads it, in
//! one place (the rule itself is `domain::input`):
//!
//! - [`InputGuard`] (middleware, every request): a path with a control
//!   character is 404; a query parameter with one is 422 naming it.
//! - [`check_form`]: every field of a posted form (`pages::Posted`,
//!   `pages::AnonPosted`).
//! - [`check_json`]: every string and key of a JSON body (`api::ApiJson`).
//! - [`body_error`]: a body that cannot be read: too large → 413, else 400.
//! - [`path_config`] and [`query_config`]: a path segment that is not what
//!   the route expects (a malformed id) → 404; a query string that does not
//!   fit → 400.
//!
//! Under `/api/` every refusal is the JSON error shape, elsewhere the error
//! page, with the same status.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::error::PayloadError;
use actix_web::{Error, HttpRequest, HttpResponse, ResponseError, web};
use futures_util::future::LocalBoxFuture;
use serde_json::Value;

use super::api::ApiError;
use super::pages::PageError;
use crate::domain::input::{control_character, control_character_message};
use crate::error::{ErrorCode, ServiceError};

/// True for requests answered in JSON.
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// The refusal as the JSON error (API) or the error page.
pub fn refuse(path: &str, e: ServiceError) -> HttpResponse {
    if is_api(path) {
        ApiError(e).error_response()
    } else {
        PageError::Service(e).error_response()
    }
}

/// A 422 naming the field that holds a control character.
fn control_error(field: &str, c: char) -> ServiceError {
    ServiceError::invalid_code(
        ErrorCode::ControlCharacter,
        field,
        control_character_message(c),
    )
}

/// Percent-decodes a path or query component into bytes.
fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |x: u8| (x as char).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// The first problem in a query string: (parameter, character).
pub fn query_problem(query: &str) -> Option<(String, char)> {
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode =
            |s: &str| String::from_utf8_lossy(&percent_decode(&s.replace('+', " "))).into_owned();
        let (key, value) = (decode(k), decode(v));
        if let Some(c) = control_character("", &key) {
            return Some(("query".into(), c));
        }
        if let Some(c) = control_character(&key, &value) {
            return Some((key, c));
        }
    }
    None
}

/// Every field of a urlencoded form body must pass the text rule.
pub fn check_form(body: &[u8]) -> Result<(), ServiceError> {
    let Ok(pairs) = serde_html_form::from_bytes::<Vec<(String, String)>>(body) else {
        // Not a readable form: the form's own parser answers 400.
        return Ok(());
    };
    for (k, v) in &pairs {
        if let Some(c) = control_character("", k) {
            return Err(control_error("form", c));
        }
        if let Some(c) = control_character(k, v) {
            return Err(control_error(k, c));
        }
    }
    Ok(())
}

/// Every string (and key) of a JSON body must pass the text rule; the field
/// is named by its path (`lines[2].note`).
pub fn check_json(v: &Value) -> Result<(), ServiceError> {
    fn walk(v: &Value, path: &str) -> Result<(), ServiceError> {
        match v {
            Value::String(s) => match control_character(path, s) {
                Some(c) => Err(control_error(
                    if path.is_empty() { "body" } else { path },
                    c,
                )),
                None => Ok(()),
            },
            Value::Array(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(i, x)| walk(x, &format!("{path}[{i}]"))),
            Value::Object(map) => map.iter().try_for_each(|(k, x)| {
                if let Some(c) = control_character("", k) {
                    return Err(control_error(
                        if path.is_empty() { "body" } else { path },
                        c,
                    ));
                }
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(x, &child)
            }),
            Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
        }
    }
    walk(v, "")
}

/// A body that could not be read: 413 when it is larger than the limit.
pub fn body_error(e: &Error, what: &str) -> ServiceError {
    match e.as_error::<PayloadError>() {
        Some(PayloadError::Overflow) => {
            ServiceError::PayloadTooLarge(format!("the {what} is larger than the server accepts"))
        }
        _ => ServiceError::BadRequest(format!("the {what} could not be read: {e}")),
    }
}

/// Path segments that do not parse (an id that is not a number) → 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_err, req: &HttpRequest| {
        let path = req.path().to_string();
        actix_web::error::InternalError::from_response(
            "no such page",
            refuse(
                &path,
                ServiceError::not_found("there is nothing at this address"),
            ),
        )
        .into()
    })
}

/// A query string that does not fit the route's parameters → 400.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, req: &HttpRequest| {
        let path = req.path().to_string();
        actix_web::error::InternalError::from_response(
            "bad query string",
            refuse(
                &path,
                ServiceError::BadRequest(if is_api(&path) {
                    format!("query string: {err}")
                } else {
                    // The parser's words ("invalid digit", field names) are
                    // not for people: pages say it plainly.
                    "This address has a value the page does not take. Go back and try again."
                        .to_string()
                }),
            ),
        )
        .into()
    })
}

/// The middleware that checks the path and the query string of every request.
pub struct InputGuard;

impl<S, B> Transform<S, ServiceRequest> for InputGuard
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = InputGuardMw<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(InputGuardMw {
            service: Rc::new(service),
        }))
    }
}

pub struct InputGuardMw<S> {
    service: Rc<S>,
}

/// The refusal for a request's path or query, if any.
fn refusal(req: &ServiceRequest) -> Option<HttpResponse> {
    let path = req.path();
    let decoded = percent_decode(path);
    if String::from_utf8_lossy(&decoded)
        .chars()
        .any(char::is_control)
    {
        return Some(refuse(
            path,
            ServiceError::not_found("there is nothing at this address"),
        ));
    }
    let (field, c) = query_problem(req.query_string())?;
    Some(refuse(path, control_error(&field, c)))
}

impl<S, B> Service<ServiceRequest> for InputGuardMw<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        if let Some(resp) = refusal(&req) {
            return Box::pin(async move { Ok(req.into_response(resp).map_into_right_body()) });
        }
        let svc = self.service.clone();
        Box::pin(async move { svc.call(req).await.map(|r| r.map_into_left_body()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_strings() {
        assert_eq!(query_problem("a=1&b=x%00y"), Some(("b".into(), '\0')));
        assert_eq!(query_problem("note=a%09b"), None);
        assert_eq!(query_problem("q=a%09b"), Some(("q".into(), '\t')));
        assert_eq!(query_problem("q=%E2%9C%93+ok&site=main"), None);
        assert_eq!(query_problem("%00=1"), Some(("query".into(), '\0')));
        assert_eq!(query_problem("q=%zz&r=%"), None);
    }

    #[test]
    fn forms() {
        assert!(check_form(b"name=ok&note=a%0D%0Ab").is_ok());
        let e = check_form(b"name=a%00b").unwrap_err();
        assert_eq!(e.field_errors()[0].field, "name");
        assert_eq!(e.status(), 422);
        assert!(check_form(b"gs1_3=01%1D10").is_ok());
    }

    #[test]
    fn json_paths() {
        assert!(check_json(&json!({"note": "a\nb", "lines": [{"note": "\t"}]})).is_ok());
        let e = check_json(&json!({"lines": [{"lot": "ok"}, {"lot": "a\u{1b}"}]})).unwrap_err();
        assert_eq!(e.field_errors()[0].field, "lines[1].lot");
        let e = check_json(&json!("\u{0}")).unwrap_err();
        assert_eq!(e.field_errors()[0].field, "body");
        let e = check_json(&json!({"a\u{0}": 1})).unwrap_err();
        assert_eq!(e.field_errors()[0].field, "body");
    }
}
