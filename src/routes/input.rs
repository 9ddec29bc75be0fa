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

use actix_web::dev::ServiceRequest;
use actix_web::error::PayloadError;
use actix_web::{Error, HttpRequest, HttpResponse, ResponseError, web};
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
/// The API's refusal of a query string it cannot parse (the words of
/// [`query_config`]'s handler).
pub fn api_query_error(err: impl std::fmt::Display) -> ServiceError {
    ServiceError::BadRequest(format!("query string: {err}"))
}

/// An API query string parsed by hand (where the refusal must wait for
/// the token check), refused as [`query_config`] refuses it.
pub fn api_query<T: serde::de::DeserializeOwned>(req: &HttpRequest) -> Result<T, ServiceError> {
    web::Query::<T>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(api_query_error)
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, req: &HttpRequest| {
        let path = req.path().to_string();
        actix_web::error::InternalError::from_response(
            "bad query string",
            refuse(
                &path,
                if is_api(&path) {
                    api_query_error(err)
                } else {
                    // The parser's words ("invalid digit", field names) are
                    // not for people: pages say it plainly.
                    ServiceError::BadRequest(
                        "This address has a value the page does not take. Go back and try again."
                            .to_string(),
                    )
                },
            ),
        )
        .into()
    })
}

/// The refusal for a request's path or query, if any (the middleware
/// `RefuseWhen(input::refusal)` checks every request with it).
pub fn refusal(req: &ServiceRequest) -> Option<HttpResponse> {
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
