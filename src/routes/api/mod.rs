//! The JSON API under `/api/v1` (API.md): bearer-token auth, JSON errors
//! `{"error":{"code","message","field"?}}` with the right status, list
//! pagination. One module per resource.

pub mod alerts;
pub mod audit;
pub mod counts;
pub mod cursor;
pub mod follow_ups;
pub mod health;
pub mod lot_moves;
pub mod movements;
pub mod openapi;
pub mod orders;
pub mod products;
pub mod receipts;
pub mod reports;
pub mod sessions;
pub mod sites;
pub mod stock;
pub mod types;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::input;
use crate::error::ServiceError;

/// Largest JSON body accepted.
pub const JSON_LIMIT: usize = 1024 * 1024;

/// A service error rendered as JSON.
#[derive(Debug)]
pub struct ApiError(pub ServiceError);

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        ApiError(e)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let e = &self.0;
        if e.status() >= 500 {
            tracing::error!(error = %e, "api request failed");
        }
        let mut body = serde_json::Map::new();
        body.insert("code".into(), e.code().into());
        let message = match e {
            ServiceError::Invalid { errors, .. } => errors
                .first()
                .map(|f| format!("{}: {}", f.field, f.message))
                .unwrap_or_else(|| e.public_message()),
            _ => e.public_message(),
        };
        body.insert("message".into(), message.into());
        if let ServiceError::Invalid { errors, .. } = e {
            if let Some(first) = errors.first() {
                body.insert("field".into(), first.field.clone().into());
            }
            if errors.len() > 1 {
                body.insert(
                    "fields".into(),
                    serde_json::to_value(errors).unwrap_or_default(),
                );
            }
        }
        if let ServiceError::Conflict { details, .. } = e {
            for (k, v) in details {
                body.insert(k.clone(), v.clone());
            }
        }
        let mut resp = HttpResponse::build(self.status_code());
        if e.status() == 401 {
            resp.insert_header(("WWW-Authenticate", "Bearer"));
        }
        resp.json(serde_json::json!({ "error": body }))
    }
}

pub type ApiResult = Result<HttpResponse, ApiError>;

/// A JSON body, read the same way on every endpoint: larger than
/// [`JSON_LIMIT`] → 413 `payload_too_large`; not valid JSON → 400; a control
/// character in any string or key → 422 naming the field (`routes::input`);
/// a value of the wrong type for `T` → 422 naming the field by its path
/// (`lines[0].quantity`). Never a bare actix error page.
pub struct ApiJson<T>(pub T);

/// A JSON body that may be left out: an empty body is `None`; anything else
/// is read exactly as [`ApiJson`] reads it (so malformed JSON is still 400 and
/// the endpoint does not act).
pub struct ApiJsonOpt<T>(pub Option<T>);

/// Reads and parses the body (`None` when it is empty and `optional`).
async fn read_json<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: &mut Payload,
    optional: bool,
) -> Result<Option<T>, ApiError> {
    let bytes = web::Bytes::from_request(req, payload)
        .await
        .map_err(|e| ApiError(input::body_error(&e, "body")))?;
    if bytes.len() > JSON_LIMIT {
        return Err(ApiError(ServiceError::PayloadTooLarge(
            "the body is larger than the server accepts".into(),
        )));
    }
    if optional && bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError(ServiceError::BadRequest(format!("malformed JSON: {e}"))))?;
    input::check_json(&value).map_err(ApiError)?;
    serde_path_to_error::deserialize::<_, T>(value)
        .map(Some)
        .map_err(|e| ApiError(type_error(&e)))
}

/// Reads a body taken as `ApiJson<Value>` into `T`, with the same 422s as
/// `ApiJson<T>`: for handlers that must check permission before the body's
/// shape (a refused caller gets 403, never a validation message).
/// The body must be a JSON object (anything else is 400, as a body that is
/// not JSON is).
pub fn typed<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    if !value.is_object() {
        return Err(ApiError(ServiceError::BadRequest(
            "expected a JSON object".into(),
        )));
    }
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| ApiError(type_error(&e)))
}

/// A deserialisation error as a 422 naming the field: by its path, or for a
/// missing field by the name serde gives.
fn type_error(e: &serde_path_to_error::Error<serde_json::Error>) -> ServiceError {
    let msg = e.inner().to_string();
    let path = match e.path().to_string() {
        p if p == "." => String::new(),
        p => p,
    };
    let missing = msg
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    let field = match (missing, path.is_empty()) {
        (Some(name), true) => name.to_string(),
        (Some(name), false) => format!("{path}.{name}"),
        (None, true) => "body".to_string(),
        (None, false) => path,
    };
    ServiceError::invalid(&field, msg)
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            match read_json::<T>(&req, &mut payload, false).await? {
                Some(v) => Ok(ApiJson(v)),
                None => Err(ApiError(ServiceError::BadRequest(
                    "a JSON body is required".into(),
                ))),
            }
        })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJsonOpt<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move { Ok(ApiJsonOpt(read_json::<T>(&req, &mut payload, true).await?)) })
    }
}

/// `?limit=&offset=` (default 100, max 1000).
#[derive(Debug, Deserialize, Default, Clone, Copy, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl PageParams {
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(100).clamp(1, 1000)
    }

    pub fn offset(&self) -> i64 {
        self.offset.unwrap_or(0).max(0)
    }
}

/// `{"items":[…],"total":N}`, serialised straight from the items (no
/// intermediate `serde_json::Value` tree).
pub fn list<T: serde::Serialize>(items: Vec<T>, total: i64) -> HttpResponse {
    #[derive(serde::Serialize)]
    struct Page<T> {
        items: Vec<T>,
        total: i64,
    }
    HttpResponse::Ok().json(Page { items, total })
}

/// Unknown API paths: JSON 404.
pub async fn not_found() -> HttpResponse {
    ApiError(ServiceError::not_found("no such API endpoint")).error_response()
}

/// Registers every API resource under `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .configure(openapi::configure)
            .configure(sites::configure)
            .configure(alerts::configure)
            .configure(products::configure)
            .configure(stock::configure)
            .configure(movements::configure)
            .configure(lot_moves::configure)
            .configure(receipts::configure)
            .configure(counts::configure)
            .configure(sessions::configure)
            .configure(reports::configure)
            .configure(audit::configure)
            .default_service(web::to(not_found)),
    );
}
