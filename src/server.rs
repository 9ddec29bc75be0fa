//! The HTTP server: the actix `App` with its routes and middleware
//! (security headers, cross-site guard, compression, logging) on a bound
//! listener.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::http::KeepAlive;
use actix_web::middleware::{Compress, DefaultHeaders, NormalizePath, TrailingSlash};
use actix_web::{App, HttpServer, web};

use crate::app::AppState;
use crate::routes;

/// Security headers on every response. Pages set `no-store` themselves via
/// the default below; static assets override it with a long cache. When
/// the site is served over TLS (`--secure-cookies`), browsers are told to
/// use HTTPS only (HSTS, a year).
fn security_headers(secure: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
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
            "camera=(self), microphone=(), geolocation=()",
        ))
        .add(("Cross-Origin-Resource-Policy", "same-origin"))
        .add(("Cache-Control", "no-store"));
    if secure {
        headers.add((
            "Strict-Transport-Security",
            "max-age=31536000; includeSubDomains",
        ))
    } else {
        headers
    }
}

/// How long a client may take to close its side once the server has ended
/// a connection.
const DISCONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Builds and starts the HTTP server on an already-bound listener, with
/// the connection timeouts of the configuration. SIGTERM, SIGINT and SIGQUIT
/// stop it gracefully: the listener closes at once, requests in flight get
/// up to the shutdown timeout to finish.
pub fn serve(
    state: AppState,
    listener: TcpListener,
    workers: Option<usize>,
) -> std::io::Result<actix_web::dev::Server> {
    let timeouts = state.config.timeouts;
    let secure = state.config.secure_cookies;
    let data = web::Data::new(state);
    let keep_alive = match timeouts.keep_alive {
        0 => KeepAlive::Disabled,
        secs => KeepAlive::Timeout(Duration::from_secs(secs)),
    };
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .configure(routes::configure)
            .wrap(routes::guard::RefuseWhen(routes::guard::cross_site))
            .wrap(routes::guard::RefuseWhen(routes::input::refusal))
            .wrap(NormalizePath::new(TrailingSlash::Trim))
            .wrap(Compress::default())
            .wrap(security_headers(secure))
            .wrap(tracing_actix_web::TracingLogger::default())
    })
    .keep_alive(keep_alive)
    .client_request_timeout(Duration::from_secs(timeouts.request))
    .client_disconnect_timeout(DISCONNECT_TIMEOUT)
    .shutdown_timeout(timeouts.shutdown)
    .listen(listener)?;
    if let Some(w) = workers {
        server = server.workers(w.max(1));
    }
    Ok(server.run())
}
