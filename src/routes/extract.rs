//! Who is asking, as the web layer sees it: the `CurrentUser` extractor for
//! pages (database login session behind the cookie) and the `ApiUser`
//! extractor for bearer tokens, with the role guards that answer a refusal
//! as an error page or a JSON error.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use crate::app::AppState;
use crate::auth::{SESSION_COOKIE, hash_token};
pub use crate::domain::access::CurrentUser;
use crate::domain::access::{Action, Actor};
use crate::error::ServiceError;
use crate::routes::api::ApiError;
use crate::routes::pages::PageError;
use crate::services::{accounts, alerts};

impl CurrentUser {
    /// The route guard for pages: 403 page unless the permission table
    /// lets this user's role do `action` (the site is checked by services).
    pub fn require(&self, action: Action) -> Result<(), PageError> {
        self.actor
            .require(action)
            .map_err(|d| PageError::from(ServiceError::from(d)))
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
            let badge = state.alert_badge.clone();
            let found = state
                .run(move |conn| {
                    let user = accounts::resolve_session(conn, &token_hash)?;
                    Ok(user.map(|u| with_alert_count(conn, &badge, u)))
                })
                .await
                .map_err(PageError::from)?;
            match found {
                Some(mut user) => {
                    user.actor.address = Some(crate::routes::login::client_address(
                        &req,
                        &state.config.trusted_proxies,
                    ));
                    req.extensions_mut().insert(user.clone());
                    Ok(user)
                }
                None => Err(PageError::LoginRequired { next }),
            }
        })
    }
}

/// Adds the menu's alert count for users who see alerts: the stored count
/// while fresh, else counted now (a failure leaves the badge out: it never
/// fails the page).
fn with_alert_count(
    conn: &mut crate::db::DbConn,
    badge: &crate::app::AlertBadge,
    mut user: CurrentUser,
) -> CurrentUser {
    if !user.may(Action::ViewAlerts) {
        return user;
    }
    let actor = user.actor.clone();
    user.alert_count = badge.get_or_count(&actor, || {
        alerts::count(conn, &actor, crate::db::now()).ok()
    });
    user
}

/// The caller behind an API request (`Authorization: Bearer TOKEN`).
#[derive(Debug, Clone)]
pub struct ApiUser(pub Actor);

impl ApiUser {
    /// The route guard for the API: 403 unless the permission table lets
    /// this caller's role do `action` (the site is checked by services).
    pub fn require(&self, action: Action) -> Result<(), ApiError> {
        self.0
            .require(action)
            .map_err(|d| ApiError(ServiceError::from(d)))
    }
}

/// The bearer token of an API request, hashed but not yet looked up: a
/// handler that reads the database anyway resolves it in that same
/// blocking hop ([`BearerToken::resolve`]) instead of a hop of its own.
/// Missing → 401 at once, as [`ApiUser`] answers.
#[derive(Debug, Clone)]
pub struct BearerToken {
    hash: String,
    address: String,
}

impl BearerToken {
    fn of(req: &HttpRequest, state: &AppState) -> Result<BearerToken, ApiError> {
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
        Ok(BearerToken {
            hash: hash_token(token),
            address: crate::routes::login::client_address(req, &state.config.trusted_proxies),
        })
    }

    /// The caller and their user row (401 when the token is not live), on
    /// the handler's own connection.
    pub fn resolve(
        &self,
        conn: &mut crate::db::DbConn,
    ) -> Result<(Actor, crate::db::models::User), ServiceError> {
        match accounts::resolve_token_user(conn, &self.hash)? {
            Some((actor, user)) => Ok((
                Actor {
                    address: Some(self.address.clone()),
                    ..actor
                },
                user,
            )),
            None => Err(ServiceError::Unauthorized(
                "invalid or revoked token".into(),
            )),
        }
    }
}

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError(ServiceError::Internal("no state".into())))
}

impl FromRequest for BearerToken {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(app_state(req).and_then(|state| BearerToken::of(req, &state)))
    }
}

impl FromRequest for ApiUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = app_state(&req)?;
            let token = BearerToken::of(&req, &state)?;
            let (actor, _) = state
                .run(move |conn| token.resolve(conn))
                .await
                .map_err(ApiError)?;
            Ok(ApiUser(actor))
        })
    }
}
