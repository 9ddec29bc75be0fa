//! The JSON API under `/api/v1` (API.md): bearer-token auth, JSON errors
//! `{"error":{"code","message","field"?}}` with the right status, list
//! pagination. One module per resource.

pub mod health;
pub mod movements;
pub mod orders;
pub mod products;
pub mod reports;
pub mod sessions;
pub mod sites;
pub mod stock;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;
use serde::de::DeserializeOwned;

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

/// A JSON body: malformed JSON → 400 `bad_json`, wrong shape → 422 with the
/// serde message, never a bare actix error page.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let bytes = web::Bytes::from_request(&req, &mut payload)
                .await
                .map_err(|e| ApiError(ServiceError::BadRequest(format!("body: {e}"))))?;
            if bytes.len() > JSON_LIMIT {
                return Err(ApiError(ServiceError::BadRequest("body too large".into())));
            }
            let value: serde_json::Value = serde_json::from_slice(&bytes)
                .map_err(|e| ApiError(ServiceError::BadRequest(format!("malformed JSON: {e}"))))?;
            let parsed = serde_json::from_value::<T>(value).map_err(|e| {
                let msg = e.to_string();
                let field = msg
                    .split('`')
                    .nth(1)
                    .filter(|_| msg.contains("field"))
                    .unwrap_or("body")
                    .to_string();
                ApiError(ServiceError::invalid(&field, msg))
            })?;
            Ok(ApiJson(parsed))
        })
    }
}

/// `?limit=&offset=` (default 100, max 1000).
#[derive(Debug, Deserialize, Default, Clone, Copy)]
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

/// Query-string errors as JSON 400 instead of actix's text.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        ApiError(ServiceError::BadRequest(format!("query string: {err}"))).into()
    })
}

/// Unknown API paths: JSON 404.
pub async fn not_found() -> HttpResponse {
    ApiError(ServiceError::not_found("no such API endpoint")).error_response()
}

/// Registers every API resource under `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .app_data(query_config())
            .configure(sites::configure)
            .configure(products::configure)
            .configure(stock::configure)
            .configure(movements::configure)
            .configure(sessions::configure)
            .configure(reports::configure)
            .default_service(web::to(not_found)),
    );
}
