//! The application's shared state: pool, config, backend, and running
//! blocking database work off the async workers. The HTTP server that
//! carries it is `server`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
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
    /// Sends mail when the settings are given.
    pub mailer: Option<crate::mail::Mailer>,
    /// The menu's alert count, recomputed at most once a minute per scope.
    pub alert_badge: Arc<AlertBadge>,
    /// Computed stock dashboards per site (see `services::dashboard_cache`).
    pub dashboard: Arc<crate::services::dashboard::DashboardCache>,
    health: Arc<HealthCheck>,
}

/// How long the menu's alert count stands before a page counts again.
pub const ALERT_BADGE_FRESH: Duration = Duration::from_secs(60);

/// The menu's alert count per scope (a site-bound user's site, or every
/// site), so that a page render does not recompute the alerts: counting
/// costs a reorder report per site (see README, "Alerts and the daily
/// digest"). `/alerts` itself always counts afresh and stores its count.
///
/// When the count goes stale, one request counts again while the others
/// keep showing the stored count (with none stored yet, they wait for that
/// one count). Every request counting at once was what made the dashboard
/// stall under load once a minute: 32 reorder reports side by side on a
/// 1M-row ledger, seconds each and ~700 MB between them (BENCHMARKS.md).
#[derive(Default)]
pub struct AlertBadge {
    counts: std::sync::Mutex<std::collections::HashMap<Option<i64>, (Instant, usize)>>,
    /// One count at a time per scope.
    turns: std::sync::Mutex<std::collections::HashMap<Option<i64>, Arc<std::sync::Mutex<()>>>>,
}

impl AlertBadge {
    /// The stored count for this actor's scope, if fresh.
    pub fn get(&self, actor: &crate::domain::access::Actor) -> Option<usize> {
        self.stored(actor.bound_site())
            .filter(|(at, _)| at.elapsed() < ALERT_BADGE_FRESH)
            .map(|(_, n)| n)
    }

    pub fn put(&self, actor: &crate::domain::access::Actor, count: usize) {
        self.put_scope(actor.bound_site(), count);
    }

    /// The count for this actor's scope: the stored one while fresh, else
    /// `count`ed again by one request at a time (see the type). `count`
    /// gives None when counting failed: the badge then shows the stored
    /// count, if any.
    pub fn get_or_count(
        &self,
        actor: &crate::domain::access::Actor,
        count: impl FnOnce() -> Option<usize>,
    ) -> Option<usize> {
        let scope = actor.bound_site();
        let stored = self.stored(scope);
        if let Some((at, n)) = stored
            && at.elapsed() < ALERT_BADGE_FRESH
        {
            return Some(n);
        }
        let turn = {
            let mut turns = self.turns.lock().unwrap_or_else(|p| p.into_inner());
            turns.entry(scope).or_default().clone()
        };
        let _turn = match (stored, turn.try_lock()) {
            (_, Ok(g)) => g,
            (_, Err(std::sync::TryLockError::Poisoned(p))) => p.into_inner(),
            // Another request is counting: show what is stored meanwhile.
            (Some((_, n)), Err(std::sync::TryLockError::WouldBlock)) => return Some(n),
            (None, Err(std::sync::TryLockError::WouldBlock)) => {
                turn.lock().unwrap_or_else(|p| p.into_inner())
            }
        };
        // Counted by the request whose turn this waited for?
        if let Some((at, n)) = self.stored(scope)
            && at.elapsed() < ALERT_BADGE_FRESH
        {
            return Some(n);
        }
        match count() {
            Some(n) => {
                self.put_scope(scope, n);
                Some(n)
            }
            None => stored.map(|(_, n)| n),
        }
    }

    fn stored(&self, scope: Option<i64>) -> Option<(Instant, usize)> {
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.get(&scope).copied()
    }

    fn put_scope(&self, scope: Option<i64>, count: usize) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.insert(scope, (Instant::now(), count));
    }
}

/// What `GET /health` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    /// A read answered in time.
    pub readable: bool,
    /// A committed write went through in time.
    pub writable: bool,
}

/// How long a probe's result stands: `/health` may be called often (a load
/// balancer, the flood test every 20 ms, a burst of 100 at once); the
/// database sees at most one probe (a read and a committed write) a second.
pub const HEALTH_FRESH: Duration = Duration::from_secs(1);
/// How long `/health` waits for its probe before it answers "no".
pub const HEALTH_LIMIT: Duration = Duration::from_secs(2);

/// How far the running probe got.
const PHASE_READING: u8 = 0;
const PHASE_WRITING: u8 = 1;

/// The probe's connection, its last result, and at most one probe at a time.
struct HealthCheck {
    /// One connection of its own: requests holding every pooled connection
    /// do not make a busy server look broken.
    pool: Pool,
    last: std::sync::Mutex<Option<(Instant, Health)>>,
    /// Held by whoever runs the probe; the others wait for its result.
    turn: tokio::sync::Mutex<()>,
    /// A probe's blocking work has not finished (it may outlive the limit:
    /// then no second one is started beside it).
    running: Arc<AtomicBool>,
    /// How far it got: a probe stuck writing has read.
    phase: Arc<AtomicU8>,
}

impl HealthCheck {
    fn fresh(&self) -> Option<Health> {
        let last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        last.filter(|(at, _)| at.elapsed() < HEALTH_FRESH)
            .map(|(_, h)| h)
    }

    fn record(&self, h: Health) -> Health {
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), h));
        h
    }

    /// What a probe that has not finished in time tells.
    fn stuck(&self) -> Health {
        Health {
            readable: self.phase.load(Ordering::SeqCst) == PHASE_WRITING,
            writable: false,
        }
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
        let pool_size = config
            .pool_size
            .unwrap_or_else(|| url.backend.default_pool_size());
        let pool = db::connect(&url, pool_size, config.synchronous_full)?;
        let health_pool = db::side_pool(&url, 1, config.synchronous_full, HEALTH_LIMIT)?;
        let mailer = config
            .mail
            .clone()
            .map(crate::mail::Mailer::new)
            .transpose()?;
        Ok(AppState {
            pool,
            mailer,
            alert_badge: Arc::new(AlertBadge::default()),
            dashboard: Arc::default(),
            backend: url.backend,
            config,
            health: Arc::new(HealthCheck {
                pool: health_pool,
                last: std::sync::Mutex::new(None),
                turn: tokio::sync::Mutex::new(()),
                running: Arc::new(AtomicBool::new(false)),
                phase: Arc::new(AtomicU8::new(PHASE_READING)),
            }),
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
            match f(&mut conn) {
                // A stored code outside its vocabulary: name the rows that
                // hold it, for the log (issue 12.3).
                Err(ServiceError::Db(e)) => {
                    Err(ServiceError::Db(db::vocab_sql::locate_rows(&mut conn, e)))
                }
                done => done,
            }
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("blocking task: {e}")))?
    }

    /// Whether the database answers a read and takes a committed write,
    /// within [`HEALTH_LIMIT`], on a connection of its own. Never waits much
    /// longer than that, whatever the database does: a probe stuck on the
    /// database is not started again beside itself, and answers are shared
    /// for [`HEALTH_FRESH`].
    pub async fn health(&self) -> Health {
        let h = &self.health;
        if let Some(found) = h.fresh() {
            return found;
        }
        let Ok(_turn) = actix_web::rt::time::timeout(HEALTH_LIMIT, h.turn.lock()).await else {
            return h.stuck();
        };
        // Whoever held the turn before may have just probed.
        if let Some(found) = h.fresh() {
            return found;
        }
        if h.running.swap(true, Ordering::SeqCst) {
            // The last probe is still waiting on the database.
            return h.record(h.stuck());
        }
        h.phase.store(PHASE_READING, Ordering::SeqCst);
        let running = Running(h.running.clone());
        let (pool, phase) = (h.pool.clone(), h.phase.clone());
        let probe = web::block(move || {
            let _running = running;
            let mut conn = pool
                .get()
                .map_err(|e| ServiceError::Internal(format!("database pool: {e}")))?;
            services::health::ping(&mut conn)?;
            phase.store(PHASE_WRITING, Ordering::SeqCst);
            services::health::write_probe(&mut conn)
        });
        let found = match actix_web::rt::time::timeout(HEALTH_LIMIT, probe).await {
            Ok(Ok(Ok(()))) => Health {
                readable: true,
                writable: true,
            },
            _ => h.stuck(),
        };
        h.record(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::Actor;
    use crate::domain::vocab::Role;

    fn manager() -> Actor {
        Actor {
            user_id: 1,
            username: "m".into(),
            role: Role::Manager,
            site_id: Some(1),
            address: None,
        }
    }

    #[test]
    fn the_alert_badge_counts_once_while_others_show_the_stored_count() {
        let badge = AlertBadge::default();
        let m = manager();
        // Nothing stored: counted and kept; fresh: not counted again.
        assert_eq!(badge.get_or_count(&m, || Some(3)), Some(3));
        assert_eq!(badge.get_or_count(&m, || panic!("fresh")), Some(3));
        // Stale, and another request is counting: the stored count shows.
        let stale = Instant::now()
            .checked_sub(ALERT_BADGE_FRESH + Duration::from_secs(1))
            .unwrap();
        badge
            .counts
            .lock()
            .unwrap()
            .insert(m.bound_site(), (stale, 3));
        let turn = badge.turns.lock().unwrap().get(&m.bound_site()).cloned();
        let turn = turn.expect("the first count took a turn");
        let held = turn.lock().unwrap();
        assert_eq!(badge.get_or_count(&m, || panic!("counting")), Some(3));
        drop(held);
        // Stale and nobody counting: this request counts; a failed count
        // leaves the stored one showing.
        assert_eq!(badge.get_or_count(&m, || Some(5)), Some(5));
        badge
            .counts
            .lock()
            .unwrap()
            .insert(m.bound_site(), (stale, 5));
        assert_eq!(badge.get_or_count(&m, || None), Some(5));
        // Another scope has its own count.
        let admin = Actor {
            role: Role::Admin,
            ..manager()
        };
        assert_eq!(badge.get_or_count(&admin, || Some(9)), Some(9));
        assert_eq!(badge.get(&m), None, "still stale after the failed count");
    }
}
