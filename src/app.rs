//! The application's shared state: pool, config, backend, and running
//! blocking database work off the async workers. The HTTP server that
//! carries it is `server`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use actix_web::web;

use crate::config::AppConfig;
use crate::db::{self, Backend, DbConn, DbUrl, Pool};
use crate::error::{ServiceError, ServiceResult};
use crate::services;

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub config: AppConfig,
    pub backend: Backend,
    health: Arc<HealthCheck>,
}

/// What `GET /health` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    /// A read answered in time.
    pub readable: bool,
    /// A committed write went through in time (at most [`HEALTH_FRESH`] ago).
    pub writable: bool,
}

/// How long a write probe's result stands: `/health` may be called often
/// (a load balancer, the flood test every 20 ms); the database sees at most
/// one probe write a second.
pub const HEALTH_FRESH: Duration = Duration::from_secs(1);
/// How long `/health` waits for the database (a pooled connection and the
/// query, or the write probe) before it answers "no".
pub const HEALTH_LIMIT: Duration = Duration::from_secs(2);

/// The write probe's last result, and at most one probe at a time.
#[derive(Default)]
struct HealthCheck {
    last: std::sync::Mutex<Option<(Instant, bool)>>,
    /// Held by whoever runs the probe; the others wait for its result.
    turn: tokio::sync::Mutex<()>,
    /// A probe's blocking work has not finished (it may outlive the limit:
    /// then no second one is started beside it).
    running: Arc<AtomicBool>,
}

impl HealthCheck {
    fn fresh(&self) -> Option<bool> {
        let last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        last.filter(|(at, _)| at.elapsed() < HEALTH_FRESH)
            .map(|(_, ok)| ok)
    }

    fn record(&self, ok: bool) {
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), ok));
    }
}

/// Clears the "probe running" flag when the blocking probe ends, however.
struct Running(Arc<AtomicBool>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
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
            health: Arc::default(),
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

    /// Whether the database answers a read and takes a write, each within
    /// [`HEALTH_LIMIT`]. Never waits much longer than that, whatever the
    /// database does: a stuck probe is not started again beside itself.
    pub async fn health(&self) -> Health {
        let read = actix_web::rt::time::timeout(HEALTH_LIMIT, self.run(services::health::ping));
        let readable = matches!(read.await, Ok(Ok(())));
        let writable = readable && self.writable().await;
        Health { readable, writable }
    }

    async fn writable(&self) -> bool {
        let h = &self.health;
        if let Some(ok) = h.fresh() {
            return ok;
        }
        let Ok(_turn) = actix_web::rt::time::timeout(HEALTH_LIMIT, h.turn.lock()).await else {
            return false;
        };
        // Whoever held the turn before may have just probed.
        if let Some(ok) = h.fresh() {
            return ok;
        }
        if h.running.swap(true, Ordering::SeqCst) {
            // The last probe is still waiting on the database.
            h.record(false);
            return false;
        }
        let running = Running(h.running.clone());
        let probe = self.run(move |conn| {
            let _running = running;
            services::health::write_probe(conn)
        });
        let ok = matches!(
            actix_web::rt::time::timeout(HEALTH_LIMIT, probe).await,
            Ok(Ok(()))
        );
        h.record(ok);
        ok
    }
}
