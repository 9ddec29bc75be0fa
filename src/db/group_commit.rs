//! Group commit for SQLite writes (issue 16): writers that queue for the
//! one SQLite write lock hand their transaction body to whoever holds it.
//! That writer (the leader) runs every waiting body in **one** transaction,
//! each inside its own savepoint — a body that fails is rolled back to its
//! savepoint and only its request sees the error — and commits once, so one
//! fsync (`synchronous=FULL` stays) covers the whole batch. Every request is
//! answered only after the batch has committed; when the batch itself fails
//! (BEGIN, the stock version bump or COMMIT), every body in it gets that
//! error and nothing of the batch is kept.
//!
//! It is flat combining on the existing writer mutex: a writer enqueues its
//! body, then takes the mutex. If its answer is already there, another leader
//! ran it; otherwise it leads: it drains its database's queue (its own body
//! included) and runs the batch. Leaders answer before they release the
//! mutex, so a body is never left behind. Queues are per database file
//! (tests run many databases in one process); an in-memory database is never
//! grouped.
//!
//! Bodies must own what they use (`Send + 'static`): they may run on another
//! request's thread and connection. PostgreSQL keeps one transaction per
//! request (`write_tx`); its own group commit does the rest.

use std::collections::HashMap;
use std::sync::{Mutex, mpsc};

use diesel::connection::{AnsiTransactionManager, Connection, TransactionManager};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::sql_types::Text;

use super::{Backend, DbConn, RetryHint, SQLITE_WRITER, backend_of, stock_version, write_tx};

/// Most bodies in one batch.
pub const MAX_BATCH: usize = 64;

/// A queued transaction body, its type erased.
trait Job: Send {
    /// Runs the body inside the open transaction and keeps its result;
    /// true when it succeeded (its savepoint is released, else rolled back).
    fn run(&mut self, conn: &mut DbConn) -> bool;
    /// The batch committed: answers the waiting request with the result.
    fn committed(self: Box<Self>);
    /// The batch failed: answers with this error instead.
    fn failed(self: Box<Self>, e: DieselError);
}

struct Typed<T, E, F> {
    body: F,
    result: Option<Result<T, E>>,
    answer: mpsc::SyncSender<Result<T, E>>,
}

impl<T, E, F> Job for Typed<T, E, F>
where
    T: Send,
    E: Send + From<DieselError>,
    F: FnMut(&mut DbConn) -> Result<T, E> + Send,
{
    fn run(&mut self, conn: &mut DbConn) -> bool {
        let r = (self.body)(conn);
        let ok = r.is_ok();
        self.result = Some(r);
        ok
    }

    fn committed(self: Box<Self>) {
        let r = self.result.unwrap_or_else(|| Err(E::from(not_run())));
        // The request may have gone (its thread ended): nothing to answer.
        let _ = self.answer.send(r);
    }

    fn failed(self: Box<Self>, e: DieselError) {
        let _ = self.answer.send(Err(E::from(e)));
    }
}

fn not_run() -> DieselError {
    DieselError::QueryBuilderError("the group writer did not run this transaction".into())
}

/// Queued bodies and what was committed, per database file.
#[derive(Default)]
struct Queues {
    jobs: HashMap<String, Vec<Box<dyn Job>>>,
    stats: HashMap<String, Stats>,
}

/// What the group writer did for one database since the process started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Transactions committed or rolled back as a whole.
    pub batches: u64,
    /// Bodies they carried.
    pub bodies: u64,
}

static QUEUES: Mutex<Option<Queues>> = Mutex::new(None);

fn with_queues<R>(f: impl FnOnce(&mut Queues) -> R) -> R {
    let mut guard = QUEUES.lock().unwrap_or_else(|p| p.into_inner());
    f(guard.get_or_insert_with(Queues::default))
}

/// The group writer's figures for this connection's database (zero on
/// PostgreSQL and in memory, which are never grouped).
pub fn stats(conn: &mut DbConn) -> QueryResult<Stats> {
    if backend_of(conn) != Backend::Sqlite {
        return Ok(Stats::default());
    }
    let file = database_file(conn)?.unwrap_or_default();
    Ok(with_queues(|q| {
        q.stats.get(&file).copied().unwrap_or_default()
    }))
}

/// Bodies waiting for a leader on this connection's database.
pub fn queued(conn: &mut DbConn) -> QueryResult<usize> {
    if backend_of(conn) != Backend::Sqlite {
        return Ok(0);
    }
    let file = database_file(conn)?.unwrap_or_default();
    Ok(with_queues(|q| q.jobs.get(&file).map_or(0, Vec::len)))
}

#[derive(QueryableByName)]
struct DatabaseFile {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    file: String,
}

/// The file of the connection's main database; None in memory.
fn database_file(conn: &mut DbConn) -> QueryResult<Option<String>> {
    let rows: Vec<DatabaseFile> = diesel::sql_query("PRAGMA database_list").load(conn)?;
    Ok(rows
        .into_iter()
        .find(|r| r.name == "main")
        .map(|r| r.file)
        .filter(|f| !f.is_empty()))
}

/// Like [`write_tx`], but on SQLite the body may be committed together with
/// other requests' bodies (see the module). Use it on hot write paths whose
/// body owns its data.
pub fn write_tx_grouped<T, E, F>(conn: &mut DbConn, body: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<DieselError> + RetryHint + Send + 'static,
    F: FnMut(&mut DbConn) -> Result<T, E> + Send + 'static,
{
    if backend_of(conn) != Backend::Sqlite {
        return write_tx(conn, body);
    }
    let Some(file) = database_file(conn)? else {
        return write_tx(conn, body);
    };
    let (answer, wait) = mpsc::sync_channel(1);
    with_queues(|q| {
        q.jobs
            .entry(file.clone())
            .or_default()
            .push(Box::new(Typed {
                body,
                result: None,
                answer,
            }))
    });
    let _writer = SQLITE_WRITER.lock().unwrap_or_else(|p| p.into_inner());
    // Answered by an earlier leader, or lead (again, when the queue held
    // more than one batch ahead of this body) until answered.
    loop {
        match wait.try_recv() {
            Ok(r) => return r,
            Err(mpsc::TryRecvError::Disconnected) => return Err(E::from(not_run())),
            Err(mpsc::TryRecvError::Empty) => lead(conn, &file),
        }
    }
}

/// Runs up to [`MAX_BATCH`] queued bodies of this database in one
/// transaction (the caller holds the writer mutex), retrying the batch a few
/// times when SQLite is busy (a writer in another process).
fn lead(conn: &mut DbConn, file: &str) {
    let mut batch: Vec<Box<dyn Job>> = with_queues(|q| {
        let queue = q.jobs.entry(file.to_string()).or_default();
        // Beyond the cap the rest wait for the next leader (their own threads).
        let keep = queue.len().min(MAX_BATCH);
        let batch: Vec<Box<dyn Job>> = queue.drain(..keep).collect();
        let stats = q.stats.entry(file.to_string()).or_default();
        stats.batches += 1;
        stats.bodies += batch.len() as u64;
        batch
    });
    let mut attempt = 0;
    loop {
        attempt += 1;
        match run_batch(conn, &mut batch) {
            Ok(()) => {
                for job in batch {
                    job.committed();
                }
                return;
            }
            Err(e) if attempt < 8 && super::is_retryable(&e) => {
                std::thread::sleep(std::time::Duration::from_millis(5 * attempt));
            }
            Err(e) => {
                let message = e.to_string();
                for job in batch {
                    job.failed(DieselError::QueryBuilderError(message.clone().into()));
                }
                return;
            }
        }
    }
}

/// One transaction: each body in its savepoint, the stock versions the
/// batch touched moved once, one COMMIT. On error the whole batch is rolled
/// back.
fn run_batch(conn: &mut DbConn, batch: &mut [Box<dyn Job>]) -> QueryResult<()> {
    if let DbConn::Sqlite(c) = conn {
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
    }
    let deferred = stock_version::Deferred::begin();
    let mut outcome = Ok(());
    for job in batch.iter_mut() {
        // A savepoint (the transaction is open: depth 1 → 2).
        if let Err(e) = <DbConn as Connection>::TransactionManager::begin_transaction(conn) {
            outcome = Err(e);
            break;
        }
        let mark = stock_version::mark();
        let step = if job.run(conn) {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)
        } else {
            // A refused request's touches go with its savepoint.
            stock_version::rollback_to(mark);
            <DbConn as Connection>::TransactionManager::rollback_transaction(conn)
        };
        if let Err(e) = step {
            outcome = Err(e);
            break;
        }
    }
    let touched = deferred.take();
    let outcome = outcome.and_then(|()| stock_version::bump_all(conn, &touched));
    match outcome {
        Ok(()) => match <DbConn as Connection>::TransactionManager::commit_transaction(conn) {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
                Err(e)
            }
        },
        Err(e) => {
            let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
            Err(e)
        }
    }
}
