//! The application's shared state: pool, config, backend, and running
//! blocking database work off the async workers. The HTTP server that
//! carries it is `server`.

use actix_web::web;

use crate::config::AppConfig;
use crate::db::{self, Backend, DbConn, DbUrl, Pool};
use crate::error::{ServiceError, ServiceResult};

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
