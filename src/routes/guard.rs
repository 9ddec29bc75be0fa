//! Refuses state-changing requests that come from another site (checked on
//! `Sec-Fetch-Site` and `Origin`), in addition to the per-form CSRF token.
//! The JSON API is exempt: it authenticates with bearer tokens, not cookies.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::Method;
use actix_web::{Error, HttpResponse};
use futures_util::future::LocalBoxFuture;

use super::pages::error_page;

/// A middleware that answers a request itself when `refusal` says so, and
/// otherwise passes it on: the cross-site check here and the input check in
/// `routes::input` are two of these.
#[derive(Clone, Copy)]
pub struct RefuseWhen(pub fn(&ServiceRequest) -> Option<HttpResponse>);

impl<S, B> Transform<S, ServiceRequest> for RefuseWhen
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = RefuseWhenMw<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RefuseWhenMw {
            service: Rc::new(service),
            refusal: self.0,
        }))
    }
}

pub struct RefuseWhenMw<S> {
    service: Rc<S>,
    refusal: fn(&ServiceRequest) -> Option<HttpResponse>,
}

/// Mutating requests from another site: refused with 403.
pub fn cross_site(req: &ServiceRequest) -> Option<HttpResponse> {
    is_cross_site(req).then(|| error_page(403, "Requests from other sites are refused."))
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

impl<S, B> Service<ServiceRequest> for RefuseWhenMw<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        if let Some(resp) = (self.refusal)(&req) {
            return Box::pin(async move { Ok(req.into_response(resp).map_into_right_body()) });
        }
        let svc = self.service.clone();
        Box::pin(async move { svc.call(req).await.map(|r| r.map_into_left_body()) })
    }
}
