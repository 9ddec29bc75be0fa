//! Credentials: password hashing (Argon2id, OWASP parameters), random
//! tokens and their hashes, constant-time token comparison, and the names of
//! the cookies that carry them. No HTTP here: the request extractors that
//! use these live in `routes::extract`; who is acting is `domain::access`.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::ServiceError;

pub const SESSION_COOKIE: &str = "cs_session";
pub const PRE_CSRF_COOKIE: &str = "cs_csrf";

/// Argon2id with the OWASP minimum: 19 MiB, 2 passes, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a new password on the password pool (at most one Argon2 run per
/// core at a time; the caller waits its turn). For passwords set by
/// administrators, the command line and the setup link.
pub fn hash_password(password: &str) -> Result<String, ServiceError> {
    let password = password.to_string();
    PasswordPool::global()
        .run_blocking(move || hash_here(&password))
        .unwrap_or_else(|| Err(ServiceError::Internal("password pool stopped".into())))
}

/// Hashes on the calling thread (only ever called on a pool thread).
fn hash_here(password: &str) -> Result<String, ServiceError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt =
        SaltString::encode_b64(&salt).map_err(|e| ServiceError::Internal(format!("salt: {e}")))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Internal(format!("hash: {e}")))
}

/// Checks a password on the calling thread. Request handlers go through
/// [`Admission::verify`] instead, which runs it on the password pool.
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
    let hash = DUMMY.get_or_init(|| hash_here("no such user").unwrap_or_default());
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

// ---- the password pool ------------------------------------------------------

/// Argon2id needs 19 MiB per check. Run on the async runtime's blocking
/// threads, a flood of login attempts means one such buffer per thread (and
/// glibc keeps the memory of every thread's arena): 64 parallel attempts grew
/// the server to gigabytes. So every hash runs here instead: a fixed pool of
/// one thread per core, at most [`QUEUE_PER_THREAD`] waiting checks per
/// thread, and a refusal (the caller answers 503 with `Retry-After`) beyond.
pub struct PasswordPool {
    jobs: std::sync::mpsc::Sender<Job>,
    admission: std::sync::Arc<tokio::sync::Semaphore>,
    threads: usize,
}

type Job = Box<dyn FnOnce() + Send + 'static>;

/// Waiting checks allowed per pool thread before new ones are refused.
pub const QUEUE_PER_THREAD: usize = 4;

/// A place among the running or waiting password checks.
pub struct Admission {
    permit: tokio::sync::OwnedSemaphorePermit,
}

impl PasswordPool {
    /// The process-wide pool (threads start on first use).
    pub fn global() -> &'static PasswordPool {
        static POOL: std::sync::OnceLock<PasswordPool> = std::sync::OnceLock::new();
        POOL.get_or_init(|| {
            let threads = std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
                .max(1);
            PasswordPool::start(threads)
        })
    }

    fn start(threads: usize) -> PasswordPool {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        for i in 0..threads {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-{i}"))
                .spawn(move || {
                    loop {
                        let job = {
                            let guard = rx.lock().unwrap_or_else(|p| p.into_inner());
                            guard.recv()
                        };
                        match job {
                            Ok(job) => {
                                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                            }
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!("cannot start password thread: {e}");
            }
        }
        PasswordPool {
            jobs: tx,
            admission: std::sync::Arc::new(tokio::sync::Semaphore::new(
                threads * (1 + QUEUE_PER_THREAD),
            )),
            threads,
        }
    }

    /// How many hashes may run at once.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// A place for one check, or None when the pool and its queue are full.
    pub fn admit(&self) -> Option<Admission> {
        self.admission
            .clone()
            .try_acquire_owned()
            .ok()
            .map(|permit| Admission { permit })
    }

    /// Runs `f` on the pool and waits for it (blocking callers: services,
    /// the command line). Not admission-limited: only administrators get here.
    pub fn run_blocking<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let (tx, rx) = std::sync::mpsc::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = tx.send(f());
            }))
            .ok()?;
        rx.recv().ok()
    }
}

impl Admission {
    /// Checks a password against a stored hash on the pool; with no hash (no
    /// such user) spends the same time on a dummy and answers false. None
    /// when the pool has stopped.
    pub async fn verify(self, password: String, hash: Option<String>) -> Option<bool> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let permit = self.permit;
        PasswordPool::global()
            .jobs
            .send(Box::new(move || {
                let ok = match hash {
                    Some(h) => verify_password(&password, &h),
                    None => {
                        verify_dummy(&password);
                        false
                    }
                };
                drop(permit);
                let _ = tx.send(ok);
            }))
            .ok()?;
        rx.await.ok()
    }
}
