//! Who is asking: password hashing (Argon2id, OWASP parameters), random
//! tokens and their hashes, the `CurrentUser` extractor for pages (database
//! session cookie, CSRF token), the `ApiUser` extractor for bearer tokens,
//! and the role guard both use.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use futures_util::future::LocalBoxFuture;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::domain::vocab::Role;
use crate::error::ServiceError;
use crate::routes::api::ApiError;
use crate::routes::pages::PageError;
use crate::services::accounts;

pub const SESSION_COOKIE: &str = "cs_session";
pub const PRE_CSRF_COOKIE: &str = "cs_csrf";

/// Argon2id with the OWASP minimum: 19 MiB, 2 passes, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(password: &str) -> Result<String, ServiceError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt =
        SaltString::encode_b64(&salt).map_err(|e| ServiceError::Internal(format!("salt: {e}")))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Internal(format!("hash: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the same time as a real verification (unknown user names must not
/// answer faster than wrong passwords).
pub fn verify_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = DUMMY.get_or_init(|| hash_password("no such user").unwrap_or_default());
    let _ = verify_password(password, hash);
}

/// 32 random bytes as 64 hex characters.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// SHA-256 of a token, hex: what the database stores instead of the token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Constant-time comparison for CSRF tokens.
pub fn same_token(a: &str, b: &str) -> bool {
    if a.len() != b.len() || a.is_empty() {
        return false;
    }
    a.bytes()
        .zip(b.bytes())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// Who is acting, as services see it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub site_id: Option<i64>,
}

impl Actor {
    pub fn require(&self, role: Role) -> Result<(), ServiceError> {
        if self.role.at_least(role) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(format!(
                "this needs the {} role",
                role.label().to_lowercase()
            )))
        }
    }
}

/// The logged-in person behind a page request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub actor: Actor,
    pub session_id: i64,
    pub csrf: String,
    /// The flash message left by the previous request, if any (shown once).
    pub flash: Option<String>,
}

impl CurrentUser {
    /// The role guard for pages: 403 page when the role is not enough.
    pub fn require(&self, role: Role) -> Result<(), PageError> {
        self.actor.require(role).map_err(PageError::from)
    }

    pub fn role(&self) -> Role {
        self.actor.role
    }
}

impl FromRequest for CurrentUser {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            if let Some(u) = req.extensions().get::<CurrentUser>() {
                return Ok(u.clone());
            }
            let next = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into());
            let Some(cookie) = req.cookie(SESSION_COOKIE) else {
                return Err(PageError::LoginRequired { next });
            };
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| PageError::from(ServiceError::Internal("no state".into())))?;
            let token_hash = hash_token(cookie.value());
            let found = state
                .run(move |conn| accounts::resolve_session(conn, &token_hash))
                .await
                .map_err(PageError::from)?;
            match found {
                Some(user) => {
                    req.extensions_mut().insert(user.clone());
                    Ok(user)
                }
                None => Err(PageError::LoginRequired { next }),
            }
        })
    }
}

/// The caller behind an API request (`Authorization: Bearer TOKEN`).
#[derive(Debug, Clone)]
pub struct ApiUser(pub Actor);

impl ApiUser {
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        self.0.require(role).map_err(ApiError)
    }
}

impl FromRequest for ApiUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let header = req
                .headers()
                .get(actix_web::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let token = header
                .strip_prefix("Bearer ")
                .or_else(|| header.strip_prefix("bearer "))
                .map(str::trim)
                .unwrap_or("");
            if token.is_empty() {
                return Err(ApiError(ServiceError::Unauthorized(
                    "missing bearer token (Authorization: Bearer TOKEN)".into(),
                )));
            }
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| ApiError(ServiceError::Internal("no state".into())))?;
            let token_hash = hash_token(token);
            let actor = state
                .run(move |conn| accounts::resolve_token(conn, &token_hash))
                .await
                .map_err(ApiError)?;
            actor.map(ApiUser).ok_or_else(|| {
                ApiError(ServiceError::Unauthorized(
                    "invalid or revoked token".into(),
                ))
            })
        })
    }
}
