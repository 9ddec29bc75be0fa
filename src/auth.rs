//! Credentials: password hashing (Argon2id, OWASP parameters), random
//! tokens and their hashes, constant-time token comparison, and the names of
//! the cookies that carry them. No HTTP here: the request extractors that
//! use these live in `routes::extract`; who is acting is `domain::access`.

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
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

/// Hashes on the calling thread (only ever called on a pool thread), in the
/// thread's own Argon2 memory.
fn hash_here(password: &str) -> Result<String, ServiceError> {
    let fail = |e: String| ServiceError::Internal(format!("hash: {e}"));
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt_string = SaltString::encode_b64(&salt).map_err(|e| fail(e.to_string()))?;
    let a = argon2();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    with_blocks(a.params().block_count(), |blocks| {
        a.hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, blocks)
    })
    .ok_or_else(|| fail("memory".into()))?
    .map_err(|e| fail(e.to_string()))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(a.params()).map_err(|e| fail(e.to_string()))?,
        salt: Some(salt_string.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| fail(e.to_string()))?),
    };
    Ok(phc.to_string())
}

/// The most Argon2 memory a stored hash may ask for (64 MiB).
const MAX_BLOCKS: usize = 64 * 1024;

/// Blocks reserved at least (33 MiB; see [`with_blocks`]).
const RESERVE_BLOCKS: usize = 33 * 1024;

thread_local! {
    /// Argon2's working memory, allocated per password thread and reused
    /// while checks queue (a fresh 19 MiB per check on the runtime's
    /// threads landed in whichever malloc arena was free and each arena
    /// kept up to three of them); a thread with nothing left to check gives
    /// it back ([`release_blocks`]), so an idle server does not carry 19 MiB
    /// per password thread.
    static BLOCKS: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Frees this thread's Argon2 memory.
fn release_blocks() {
    BLOCKS.with(|b| {
        if let Ok(mut b) = b.try_borrow_mut() {
            *b = Vec::new();
        }
    });
}

/// Runs `f` with `n` blocks of this thread's Argon2 memory (None when `n`
/// is beyond [`MAX_BLOCKS`]).
fn with_blocks<T>(n: usize, f: impl FnOnce(&mut [Block]) -> T) -> Option<T> {
    if n > MAX_BLOCKS {
        return None;
    }
    BLOCKS.with(|b| {
        let mut b = b.borrow_mut();
        if b.len() < n {
            if b.capacity() < n {
                // Reserved past glibc's largest mmap threshold (32 MiB), so
                // the allocation is always its own mapping and freeing it
                // returns it to the system at once; below it, glibc raises
                // its threshold after the first free and later blocks stay
                // in whichever arena served them. Untouched pages of the
                // reservation take no memory.
                *b = Vec::with_capacity(n.max(RESERVE_BLOCKS));
            }
            b.resize(n, Block::default());
        }
        b.get_mut(..n).map(f)
    })
}

/// Checks a password on the calling thread. Request handlers go through
/// [`Admission::verify`] instead, which runs it on the password pool.
pub fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
        None => Version::default(),
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let blocks = params.block_count();
    let a = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    let computed = with_blocks(blocks, |b| {
        a.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, b)
    });
    // Output's equality is constant-time.
    matches!(computed, Some(Ok(()))) && Output::new(&out).is_ok_and(|o| o == expected)
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
/// one thread per core but one (at least one; a core stays free for serving),
/// each with its own Argon2 memory allocated once, at most [`QUEUE_PER_THREAD`] waiting checks per
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
            // One core is left to serving requests (`/health` must stay
            // fast while a flood of sign-ins keeps the pool busy).
            let cores = std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2);
            let threads = cores.saturating_sub(1).max(1);
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
                            match guard.try_recv() {
                                Ok(job) => Ok(job),
                                Err(_) => {
                                    // Idle: give the Argon2 memory back
                                    // while no check waits.
                                    release_blocks();
                                    guard.recv()
                                }
                            }
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
    pub fn run_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks_held() -> usize {
        BLOCKS.with(|b| b.borrow().capacity())
    }

    #[test]
    fn an_idle_password_thread_gives_its_argon2_memory_back() {
        let pool = PasswordPool::start(1);
        let (held_while_hashing, hashed) = pool
            .run_blocking(|| {
                let h = hash_here("correct horse battery");
                (blocks_held(), h.is_ok())
            })
            .expect("the pool runs the hash");
        assert!(hashed);
        assert!(held_while_hashing >= argon2().params().block_count());
        // Once the thread finds its queue empty it frees the blocks (a
        // check sent before it looked may still see them: ask again).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let held_after = loop {
            std::thread::sleep(std::time::Duration::from_millis(20));
            let held = pool.run_blocking(blocks_held).expect("the pool runs");
            if held == 0 || std::time::Instant::now() > deadline {
                break held;
            }
        };
        assert_eq!(held_after, 0);
    }

    #[test]
    fn hashes_verify_and_match_the_crates_own_format() -> Result<(), String> {
        let h = hash_password("correct horse battery").map_err(|e| e.to_string())?;
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterx", &h));
        assert!(!verify_password("x", "not a hash"));
        // Hashes made by the crate's own hasher (rows written before the
        // password pool) still verify, and ours verify with the crate.
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let salt = SaltString::encode_b64(&[7u8; 16]).map_err(|e| e.to_string())?;
        let theirs = argon2()
            .hash_password(b"old password 1", &salt)
            .map_err(|e| e.to_string())?
            .to_string();
        assert!(verify_password("old password 1", &theirs));
        let ours = PasswordHash::new(&h).map_err(|e| e.to_string())?;
        assert!(
            argon2()
                .verify_password(b"correct horse battery", &ours)
                .is_ok()
        );
        Ok(())
    }

    #[test]
    fn the_pool_admits_threads_times_one_plus_queue_then_refuses() {
        let pool = PasswordPool::start(1);
        let held: Vec<Admission> = (0..(1 + QUEUE_PER_THREAD))
            .filter_map(|_| pool.admit())
            .collect();
        assert_eq!(held.len(), 1 + QUEUE_PER_THREAD);
        assert!(pool.admit().is_none());
        drop(held);
        assert!(pool.admit().is_some());
        assert_eq!(pool.run_blocking(|| 6 * 7), Some(42));
    }
}
