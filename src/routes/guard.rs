//! Refuses state-changing requests that come from another site (checked on
//! `Sec-Fetch-Site` and `Origin`), in addition to the per-form CSRF token.
//! The JSON API is exempt: it authenticates with bearer tokens, not cookies.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::Error;
use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::Method;
use futures_util::future::LocalBoxFuture;

use super::pages::error_page;

pub struct CrossSiteGuard;

impl<S, B> Transform<S, ServiceRequest> for CrossSiteGuard
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = CrossSiteGuardMw<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CrossSiteGuardMw {
            service: Rc::new(service),
        }))
    }
}

pub struct CrossSiteGuardMw<S> {
    service: Rc<S>,
}

/// True when a mutating request plainly comes from another origin.
fn is_cross_site(req: &ServiceRequest) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if req.path().starts_with("/api/") {
        return false;
    }
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && site == "cross-site"
    {
        return true;
    }
    if let Some(origin) = headers.get("origin").and_then(|v| v.to_str().ok()) {
        if origin == "null" {
            return true;
        }
        let host = req.connection_info().host().to_string();
        let origin_host = origin
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or(origin);
        return origin_host != host;
    }
    false
}

impl<S, B> Service<ServiceRequest> for CrossSiteGuardMw<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        if is_cross_site(&req) {
            let resp = error_page(403, "Requests from other sites are refused.");
            return Box::pin(async move { Ok(req.into_response(resp).map_into_right_body()) });
        }
        let svc = self.service.clone();
        Box::pin(async move { svc.call(req).await.map(|r| r.map_into_left_body()) })
    }
}
