//! The HTTP server: the actix `App` with its routes and middleware
//! (security headers, cross-site guard, compression, logging) on a bound
//! listener.

use std::net::TcpListener;

use actix_web::middleware::{Compress, DefaultHeaders, NormalizePath, TrailingSlash};
use actix_web::{App, HttpServer, web};

use crate::app::AppState;
use crate::routes;

/// Security headers on every response. Pages set `no-store` themselves via
/// the default below; static assets override it with a long cache.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()",
        ))
        .add(("Cache-Control", "no-store"))
}

/// Builds and starts the HTTP server on an already-bound listener.
pub fn serve(
    state: AppState,
    listener: TcpListener,
    workers: Option<usize>,
) -> std::io::Result<actix_web::dev::Server> {
    let data = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .configure(routes::configure)
            .wrap(routes::guard::CrossSiteGuard)
            .wrap(routes::input::InputGuard)
            .wrap(NormalizePath::new(TrailingSlash::Trim))
            .wrap(Compress::default())
            .wrap(security_headers())
            .wrap(tracing_actix_web::TracingLogger::default())
    })
    .listen(listener)?;
    if let Some(w) = workers {
        server = server.workers(w.max(1));
    }
    Ok(server.run())
}
