//! The SQLite hot path of `verify`: user reads and replay-protection claims through rusqlite on
//! one thread that owns one connection, without sqlx's thread hop and locking per statement.
//!
//! Callers queue jobs and await the answer. The thread takes whatever has queued up and runs it
//! in one transaction (group commit). A user read is answered as soon as it is read. A
//! verification reads the user, lets the caller's `decide` closure pick the code's time step, and
//! claims it; it is answered once its batch is committed and learns whether its own row was new —
//! the first claim of a key in a batch wins. A claim can also record the user's success
//! (registered, failures reset) in the same transaction. One connection keeps its
//! page cache warm between batches; per-request connections would each pay SQLite's file locks
//! and re-read pages after every commit.
//!
//! Everything else keeps going through sqlx; both writers share SQLite's lock with a busy
//! timeout.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use tokio::sync::oneshot;

use super::{Claimed, Decide, TokenClaim, UserRow};

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
const CLAIM: &str = "INSERT INTO used_tokens (user_id, kind, step, used_at) VALUES (?1, ?2, ?3, ?4) \
     ON CONFLICT DO NOTHING";
const SUCCEEDED: &str =
    "UPDATE users SET registered = 1, failed_attempts = 0, locked_until = 0 WHERE id = ?1";

/// A job for the SQLite thread.
enum Job {
    User {
        app_id: i64,
        id: i64,
        reply: oneshot::Sender<Result<Option<UserRow>, String>>,
    },
    /// Read a user, let `decide` look at it, and make the claim it asks for in the same
    /// transaction.
    UserThenClaim {
        app_id: i64,
        id: i64,
        now: i64,
        decide: Decide,
        reply: oneshot::Sender<Result<Option<(UserRow, Claimed)>, String>>,
    },
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Job::User { .. } => "Job::User",
            Job::UserThenClaim { .. } => "Job::UserThenClaim",
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
        for sql in [USER_BY_ID, CLAIM, SUCCEEDED] {
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

    /// A live user of an application by id.
    pub async fn user(&self, app_id: i64, id: i64) -> Result<Option<UserRow>, String> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::User { app_id, id, reply })?;
        answer.await.map_err(|_| STOPPED.to_owned())?
    }

    /// Reads a user and makes the claim `decide` asks for, in one transaction; see
    /// [`super::Db::user_then_claim`].
    pub async fn user_then_claim(
        &self,
        app_id: i64,
        id: i64,
        now: i64,
        decide: Decide,
    ) -> Result<Option<(UserRow, Claimed)>, String> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::UserThenClaim {
            app_id,
            id,
            now,
            decide,
            reply,
        })?;
        answer.await.map_err(|_| STOPPED.to_owned())?
    }

    fn send(&self, job: Job) -> Result<(), String> {
        self.jobs.send(job).map_err(|_| STOPPED.to_owned())
    }
}

const STOPPED: &str = "the SQLite thread has stopped";

/// An answer that waits for its batch to be committed.
enum Pending {
    Verified(
        oneshot::Sender<Result<Option<(UserRow, Claimed)>, String>>,
        UserRow,
        bool,
    ),
    /// Queued after a statement of the batch failed: answered with the batch's error.
    NotRun(oneshot::Sender<Result<Option<(UserRow, Claimed)>, String>>),
}

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
        for p in pending {
            match (p, &result) {
                (Pending::Verified(reply, user, new), Ok(())) => {
                    let claimed = if new {
                        Claimed::Granted
                    } else {
                        Claimed::AlreadyUsed
                    };
                    let _ = reply.send(Ok(Some((user, claimed))));
                }
                (Pending::Verified(reply, ..) | Pending::NotRun(reply), Err(e)) => {
                    let _ = reply.send(Err(e.clone()));
                }
                (Pending::NotRun(reply), Ok(())) => {
                    let _ = reply.send(Err("not run after an earlier failure".to_owned()));
                }
            }
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

/// Runs a batch in one transaction. Reads are answered at once; what waits for the commit is
/// moved to `pending`, to be answered with the result.
fn run_batch(conn: &Connection, batch: Vec<Job>, pending: &mut Vec<Pending>) -> Result<(), String> {
    let writes = batch.iter().any(|j| matches!(j, Job::UserThenClaim { .. }));
    // Prepared once and reused: BEGIN and COMMIT run for every batch.
    let begin = if writes {
        "BEGIN IMMEDIATE"
    } else {
        "BEGIN DEFERRED"
    };
    if let Err(e) = conn.prepare_cached(begin).and_then(|mut s| s.execute([])) {
        let e = e.to_string();
        for job in batch {
            match job {
                Job::User { reply, .. } => {
                    let _ = reply.send(Err(e.clone()));
                }
                Job::UserThenClaim { reply, .. } => {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
        return Err(e);
    }
    let mut failure = None;
    for job in batch {
        match job {
            Job::User { app_id, id, reply } => {
                let _ = reply.send(read_user(conn, app_id, id).map_err(|e| e.to_string()));
            }
            Job::UserThenClaim {
                app_id,
                id,
                now,
                decide,
                reply,
            } => {
                if failure.is_some() {
                    pending.push(Pending::NotRun(reply));
                    continue;
                }
                let user = match read_user(conn, app_id, id) {
                    Ok(Some(user)) => user,
                    Ok(None) => {
                        let _ = reply.send(Ok(None));
                        continue;
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e.to_string()));
                        continue;
                    }
                };
                match decide(&user) {
                    Ok(None) => {
                        let _ = reply.send(Ok(Some((user, Claimed::NotAsked))));
                    }
                    Ok(Some(TokenClaim {
                        kind,
                        step,
                        mark_success,
                    })) => {
                        let c = ClaimRow {
                            user_id: user.id,
                            kind,
                            step,
                            now,
                            mark_success,
                        };
                        match claim(conn, &c) {
                            Ok(new) => pending.push(Pending::Verified(reply, user, new)),
                            Err(e) => {
                                failure = Some(e);
                                pending.push(Pending::Verified(reply, user, false));
                            }
                        }
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                }
            }
        }
    }
    let end = if failure.is_some() {
        "ROLLBACK"
    } else {
        "COMMIT"
    };
    let ended = conn.prepare_cached(end).and_then(|mut s| s.execute([]));
    if let Some(e) = failure {
        return Err(e.to_string());
    }
    if let Err(e) = ended {
        // A failed COMMIT can leave the transaction open; never carry it into the next batch.
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        return Err(e.to_string());
    }
    Ok(())
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

/// The row a verification's claim writes.
struct ClaimRow {
    user_id: i64,
    kind: &'static str,
    step: i64,
    now: i64,
    mark_success: bool,
}

fn claim(conn: &Connection, c: &ClaimRow) -> Result<bool, rusqlite::Error> {
    let new = conn
        .prepare_cached(CLAIM)?
        .execute(params![c.user_id, c.kind, c.step, c.now])?
        == 1;
    if new && c.mark_success {
        conn.prepare_cached(SUCCEEDED)?
            .execute(params![c.user_id])?;
    }
    Ok(new)
}
