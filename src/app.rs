//! The running application: shared state (pool, config, backend), the
//! actix `App` with its middleware, and the HTTP server.

use std::net::TcpListener;

use actix_web::middleware::{Compress, DefaultHeaders, NormalizePath, TrailingSlash};
use actix_web::{App, HttpServer, web};

use crate::config::AppConfig;
use crate::db::{self, Backend, DbConn, DbUrl, Pool};
use crate::error::{ServiceError, ServiceResult};
use crate::routes;

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub config: AppConfig,
    pub backend: Backend,
}

impl AppState {
    /// Opens the database (migrations included) and builds the state.
    pub fn open(config: AppConfig) -> Result<AppState, String> {
        let url = DbUrl::parse(&config.database_url)?;
        let pool = db::connect(&url, config.pool_size, config.synchronous_full)?;
        Ok(AppState {
            pool,
            backend: url.backend,
            config,
        })
    }

    /// Runs blocking database work off the async workers, with a pooled connection.
    pub async fn run<T, F>(&self, f: F) -> ServiceResult<T>
    where
        F: FnOnce(&mut DbConn) -> ServiceResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool
                .get()
                .map_err(|e| ServiceError::Internal(format!("database pool: {e}")))?;
            f(&mut conn)
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("blocking task: {e}")))?
    }
}

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
