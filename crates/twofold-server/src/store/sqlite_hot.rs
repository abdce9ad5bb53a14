//! The SQLite hot path of `verify`: user reads and verification attempts through rusqlite on one
//! thread that owns one connection, without sqlx's thread hop and locking per statement.
//!
//! Callers queue jobs and await the answer. The thread takes whatever has queued up and runs it
//! in one transaction (group commit). A user read is answered as soon as it is read. A
//! verification attempt ([`super::verify`]) runs whole — read the user and its devices' seeds,
//! judge, claim the step or use the sent code or count the failure — and is answered once its
//! batch is committed. Jobs run one after another on this one connection, so two attempts on one
//! user never interleave: the lockout and replay rules hold under any concurrency. One
//! connection keeps its page cache warm between batches; per-request connections would each pay
//! SQLite's file locks and re-read pages after every commit.
//!
//! Everything else keeps going through sqlx; both writers share SQLite's lock with a busy
//! timeout.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use tokio::sync::oneshot;

use super::verify::{
    self, Attempt, CLAIM, CLAIMED_SINCE, DEVICE_SEEDS, DeviceSeed, FAILED, SUCCEEDED,
    USE_SENT_CODE, Verdict, Write,
};
use super::{AppRow, Columns, StoreError, UserRow};

/// The hot connection's page cache.
const CACHE_KIB: i64 = 64 * 1024;
/// How often the log is copied back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);
/// Most jobs run in one transaction.
const BATCH: usize = 512;
/// How long a statement waits for the other writer's lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const USER_BY_ID: &str = "SELECT id, app_id, email, country_code, cellphone, app_seed, \
     authenticator_seed, registered, failed_attempts, locked_until, created_at \
     FROM users WHERE app_id = ?1 AND id = ?2 AND deleted = 0";

const APP_BY_KEY: &str = "SELECT * FROM apps WHERE api_key_hash = ?1";

/// A job for the SQLite thread.
enum Job {
    /// The application of an API key hash (read for every request).
    App {
        key_hash: String,
        reply: oneshot::Sender<Result<Option<AppRow>, StoreError>>,
    },
    User {
        app_id: i64,
        id: i64,
        reply: oneshot::Sender<Result<Option<UserRow>, StoreError>>,
    },
    /// A whole verification attempt, answered after the commit.
    Verify {
        attempt: Attempt,
        reply: oneshot::Sender<Result<Verdict, StoreError>>,
    },
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Job::App { .. } => "Job::App",
            Job::User { .. } => "Job::User",
            Job::Verify { .. } => "Job::Verify",
        })
    }
}

/// The queue of the thread that owns the hot-path connection of one SQLite file.
#[derive(Debug)]
pub struct SqliteHot {
    jobs: mpsc::Sender<Job>,
    /// Dropped with this value, which stops the checkpoint thread.
    _checkpoints: mpsc::Sender<()>,
}

impl SqliteHot {
    /// Opens the connection and starts its thread. The schema must exist already.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Checkpoints (copying the log back into the file, with an fsync) run on their own
        // thread, not between two batches of requests.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        // Page cache in KiB (negative): users and recent claims stay in memory.
        conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
        // Fail now rather than on the first request when the statements do not fit the schema.
        for sql in [
            APP_BY_KEY,
            USER_BY_ID,
            DEVICE_SEEDS,
            CLAIMED_SINCE,
            CLAIM,
            SUCCEEDED,
            USE_SENT_CODE,
            FAILED,
        ] {
            conn.prepare_cached(sql)?;
        }
        let (jobs, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("sqlite-hot".into())
            .spawn(move || run(&conn, &rx))?;
        let checkpointer = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        checkpointer.busy_timeout(BUSY_TIMEOUT)?;
        let (checkpoints, stop) = mpsc::channel();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoint(&checkpointer, &stop))?;
        Ok(Self {
            jobs,
            _checkpoints: checkpoints,
        })
    }

    /// The application of an API key hash.
    pub async fn app(&self, key_hash: &str) -> Result<Option<AppRow>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::App {
            key_hash: key_hash.to_owned(),
            reply,
        })?;
        answer.await.map_err(|_| StoreError::HotPathStopped)?
    }

    /// A live user of an application by id.
    pub async fn user(&self, app_id: i64, id: i64) -> Result<Option<UserRow>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::User { app_id, id, reply })?;
        answer.await.map_err(|_| StoreError::HotPathStopped)?
    }

    /// Judges a verification attempt; see [`super::Db::verify`].
    pub async fn verify(&self, attempt: Attempt) -> Result<Verdict, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Verify { attempt, reply })?;
        answer.await.map_err(|_| StoreError::HotPathStopped)?
    }

    fn send(&self, job: Job) -> Result<(), StoreError> {
        self.jobs.send(job).map_err(|_| StoreError::HotPathStopped)
    }
}

/// A failure of the hot-path connection, handed to every request of its batch.
#[derive(Clone, Debug)]
struct Failure {
    code: Option<rusqlite::ErrorCode>,
    message: String,
}

impl From<&rusqlite::Error> for Failure {
    fn from(e: &rusqlite::Error) -> Self {
        Self {
            code: e.sqlite_error_code(),
            message: e.to_string(),
        }
    }
}

impl From<Failure> for StoreError {
    fn from(f: Failure) -> Self {
        Self::Sqlite {
            code: f.code,
            message: f.message,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A verdict that waits for its batch to be committed.
type Pending = (oneshot::Sender<Result<Verdict, StoreError>>, Verdict);

/// Runs until every sender is gone: takes what has queued up and runs it in one transaction.
fn run(conn: &Connection, rx: &mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut pending = Vec::new();
        let result = run_batch(conn, batch, &mut pending);
        if let Err(e) = &result {
            tracing::error!(error = %e, waiting = pending.len(), "SQLite hot-path batch failed");
        }
        for (reply, verdict) in pending {
            let _ = reply.send(match &result {
                Ok(()) => Ok(verdict),
                Err(e) => Err(e.clone().into()),
            });
        }
    }
}

/// Every [`CHECKPOINT_EVERY`] until the sender is dropped: a passive checkpoint, which copies what
/// it can without making writers or readers wait.
fn checkpoint(conn: &Connection, stop: &mpsc::Receiver<()>) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(CHECKPOINT_EVERY) {
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "SQLite checkpoint failed");
        }
    }
}

/// Runs a batch in one transaction. Reads are answered at once; verdicts wait in `pending` for
/// the outcome of the commit. After a failed statement the rest of the batch is not run and the
/// whole transaction is rolled back (every verdict of the batch becomes that error).
fn run_batch(
    conn: &Connection,
    batch: Vec<Job>,
    pending: &mut Vec<Pending>,
) -> Result<(), Failure> {
    let writes = batch.iter().any(|j| matches!(j, Job::Verify { .. }));
    // Prepared once and reused: BEGIN and COMMIT run for every batch.
    let begin = if writes {
        "BEGIN IMMEDIATE"
    } else {
        "BEGIN DEFERRED"
    };
    if let Err(e) = conn.prepare_cached(begin).and_then(|mut s| s.execute([])) {
        let e = Failure::from(&e);
        for job in batch {
            match job {
                Job::App { reply, .. } => {
                    let _ = reply.send(Err(e.clone().into()));
                }
                Job::User { reply, .. } => {
                    let _ = reply.send(Err(e.clone().into()));
                }
                Job::Verify { reply, .. } => {
                    let _ = reply.send(Err(e.clone().into()));
                }
            }
        }
        return Err(e);
    }
    let mut failure = None;
    for job in batch {
        match job {
            Job::App { key_hash, reply } => {
                let _ = reply.send(read_app(conn, &key_hash).map_err(StoreError::from));
            }
            Job::User { app_id, id, reply } => {
                let _ = reply.send(read_user(conn, app_id, id).map_err(StoreError::from));
            }
            Job::Verify { reply, .. } if let Some(e) = &failure => {
                // Not run: an earlier attempt of the batch failed, and it is rolled back.
                let _ = reply.send(Err(Failure::clone(e).into()));
            }
            Job::Verify { attempt, reply } => match attempt_on(conn, attempt) {
                Ok(Ok(verdict)) => pending.push((reply, verdict)),
                // The judge's own error (an unreadable seed): this attempt only, nothing written.
                Ok(Err(e)) => {
                    let _ = reply.send(Err(StoreError::Judge(e)));
                }
                Err(e) => {
                    let e = Failure::from(&e);
                    let _ = reply.send(Err(e.clone().into()));
                    failure = Some(e);
                }
            },
        }
    }
    let end = if failure.is_some() {
        "ROLLBACK"
    } else {
        "COMMIT"
    };
    let ended = conn.prepare_cached(end).and_then(|mut s| s.execute([]));
    if let Some(e) = failure {
        return Err(e);
    }
    if let Err(e) = ended {
        // A failed COMMIT can leave the transaction open; never carry it into the next batch.
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        return Err(Failure::from(&e));
    }
    Ok(())
}

/// One verification attempt inside the batch's transaction (the same steps as the sqlx path of
/// [`super::Db::verify`]). The outer error is the database's (it fails the batch); the inner one
/// is the judge's.
fn attempt_on(
    conn: &Connection,
    attempt: Attempt,
) -> Result<Result<Verdict, String>, rusqlite::Error> {
    let user = match verify::admitted(
        read_user(conn, attempt.app_id, attempt.user_id)?,
        attempt.now,
    ) {
        Ok(user) => user,
        Err(verdict) => return Ok(Ok(verdict)),
    };
    let devices = conn
        .prepare_cached(DEVICE_SEEDS)?
        .query_map(params![user.id], |r| {
            Ok(DeviceSeed {
                sealed: r.get(0)?,
                legacy: r.get::<_, i64>(1)? != 0,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let claim = match (attempt.judge)(&user, &devices) {
        Ok(claim) => claim,
        Err(e) => return Ok(Err(e)),
    };
    let mut valid = false;
    if let Some(c) = claim {
        let [a, b, c3] = verify::steps_since(c.step);
        let used: i64 = conn
            .prepare_cached(CLAIMED_SINCE)?
            .query_row(params![a, b, c3, user.id, c.kind], |r| r.get(0))?;
        if used == 0 {
            valid = conn.prepare_cached(CLAIM)?.execute(params![
                c.step,
                user.id,
                c.kind,
                attempt.now
            ])? == 1;
        }
    }
    if !valid && let Some(hash) = &attempt.sent_code_hash {
        valid = conn
            .prepare_cached(USE_SENT_CODE)?
            .execute(params![user.id, hash, attempt.now])?
            > 0;
    }
    let (verdict, write) = verify::decide(valid, &user, attempt.accept_unregistered);
    match write {
        Write::Nothing => {}
        Write::Success => {
            conn.prepare_cached(SUCCEEDED)?.execute(params![user.id])?;
        }
        Write::Failure => {
            conn.prepare_cached(FAILED)?.execute(params![
                attempt.max_failures,
                attempt.lock_until,
                user.id
            ])?;
        }
    }
    Ok(Ok(verdict))
}

fn read_app(conn: &Connection, key_hash: &str) -> Result<Option<AppRow>, rusqlite::Error> {
    conn.prepare_cached(APP_BY_KEY)?
        .query_row(params![key_hash], |r| AppRow::from_columns(r))
        .optional()
}

impl Columns for rusqlite::Row<'_> {
    type Error = rusqlite::Error;
    fn int(&self, name: &str) -> Result<i64, rusqlite::Error> {
        self.get(name)
    }
    fn text(&self, name: &str) -> Result<String, rusqlite::Error> {
        self.get(name)
    }
    fn opt_text(&self, name: &str) -> Result<Option<String>, rusqlite::Error> {
        self.get(name)
    }
    fn opt_bytes(&self, name: &str) -> Result<Option<Vec<u8>>, rusqlite::Error> {
        self.get(name)
    }
}

fn read_user(conn: &Connection, app_id: i64, id: i64) -> Result<Option<UserRow>, rusqlite::Error> {
    conn.prepare_cached(USER_BY_ID)?
        .query_row(params![app_id, id], |r| {
            Ok(UserRow {
                id: r.get(0)?,
                app_id: r.get(1)?,
                email: r.get(2)?,
                country_code: r.get(3)?,
                cellphone: r.get(4)?,
                app_seed: r.get(5)?,
                authenticator_seed: r.get(6)?,
                registered: r.get::<_, i64>(7)? != 0,
                failed_attempts: r.get(8)?,
                locked_until: r.get(9)?,
                created_at: r.get(10)?,
            })
        })
        .optional()
}
