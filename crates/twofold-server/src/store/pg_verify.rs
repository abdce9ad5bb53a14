//! The PostgreSQL path of `verify`: the user and its devices' seeds read (no transaction, no
//! lock), the handler's judge, then the decision made by `twofold_verify_batch` (migration
//! 0007). Both go through batchers that hand everything queued meanwhile to one query — the
//! reads of many attempts in one `SELECT`, the decisions of many in one call and one commit (the
//! group commit of the SQLite hot path) — so that a busy server pays a round trip and a WAL
//! flush for many attempts, not for each. The function holds each user's row while it re-reads
//! the lock, claims the step and records the outcome, so concurrent guesses on any number of
//! servers are judged one after another.

use std::sync::Arc;

use serde_json::json;
use sqlx::Row;
use tokio::sync::{Semaphore, mpsc, oneshot};

use super::verify::{DeviceSeed, admitted};
use super::{Attempt, Result, StoreError, Verdict, user_row};

/// Attempts in one call at most.
const BATCH: usize = 256;
/// Calls in flight at once (each takes a pooled connection).
const IN_FLIGHT: usize = 4;

/// One attempt's decision to make: what the function needs of it.
struct Job {
    user_id: i64,
    kind: Option<&'static str>,
    step: Option<i64>,
    now: i64,
    sent_code_hash: Option<String>,
    max_failures: i64,
    lock_until: i64,
    accept_unregistered: bool,
    reply: oneshot::Sender<Result<Verdict>>,
}

/// One attempt's read: its user (in its application), answered with the user's rows (one per
/// live device with a seed, or one with null seeds; none for no such user).
struct ReadJob {
    app_id: i64,
    user_id: i64,
    reply: oneshot::Sender<Result<Vec<sqlx::any::AnyRow>>>,
}

/// Starts a batcher on `pool`: jobs sent to the returned queue are handed to `run` in batches of
/// whatever queued while earlier batches were busy (at most [`BATCH`], [`IN_FLIGHT`] at once).
fn batcher<J, F, Fut>(pool: sqlx::AnyPool, run: F) -> mpsc::UnboundedSender<J>
where
    J: Send + 'static,
    F: Fn(sqlx::AnyPool, Vec<J>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (jobs, mut queue) = mpsc::unbounded_channel::<J>();
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    tokio::spawn(async move {
        while let Some(first) = queue.recv().await {
            let Ok(slot) = slots.clone().acquire_owned().await else {
                return;
            };
            let mut batch = vec![first];
            while batch.len() < BATCH {
                match queue.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            let work = run(pool.clone(), batch);
            tokio::spawn(async move {
                work.await;
                drop(slot);
            });
        }
    });
    jobs
}

/// The batchers: attempts go in, each gets its verdict back.
#[derive(Debug)]
pub(super) struct PgVerifier {
    reads: mpsc::UnboundedSender<ReadJob>,
    jobs: mpsc::UnboundedSender<Job>,
}

impl PgVerifier {
    /// Starts the batchers on `pool` (tasks on the current runtime).
    pub(super) fn start(pool: sqlx::AnyPool) -> Self {
        Self {
            reads: batcher(pool.clone(), |pool, batch| async move {
                read(&pool, batch).await
            }),
            jobs: batcher(pool, |pool, batch| async move { run(&pool, batch).await }),
        }
    }

    /// Judges one attempt: see the module documentation.
    pub(super) async fn verify(&self, attempt: Attempt) -> Result<Verdict> {
        let (reply, rows) = oneshot::channel();
        self.reads
            .send(ReadJob {
                app_id: attempt.app_id,
                user_id: attempt.user_id,
                reply,
            })
            .map_err(|_| StoreError::HotPathStopped)?;
        let rows = rows.await.map_err(|_| StoreError::HotPathStopped)??;
        let user = rows.first().map(user_row).transpose()?;
        let user = match admitted(user, attempt.now) {
            Ok(user) => user,
            Err(verdict) => return Ok(verdict),
        };
        let mut devices = Vec::new();
        for r in &rows {
            if let Some(sealed) = r.try_get::<Option<Vec<u8>>, _>("d_seed")? {
                devices.push(DeviceSeed {
                    sealed,
                    legacy: r.try_get::<i64, _>("d_legacy")? != 0,
                });
            }
        }
        let claim = (attempt.judge)(&user, &devices).map_err(StoreError::Judge)?;
        let (reply, answer) = oneshot::channel();
        let job = Job {
            user_id: user.id,
            kind: claim.map(|c| c.kind),
            step: claim.map(|c| c.step),
            now: attempt.now,
            sent_code_hash: attempt.sent_code_hash,
            max_failures: attempt.max_failures,
            lock_until: attempt.lock_until,
            accept_unregistered: attempt.accept_unregistered,
            reply,
        };
        self.jobs
            .send(job)
            .map_err(|_| StoreError::HotPathStopped)?;
        answer.await.map_err(|_| StoreError::HotPathStopped)?
    }
}

/// A batch's one query over its items (bound as a JSON list); when it fails, every job gets
/// the error through `fail` — its text, and whether the storage was unavailable (a 503 rather
/// than a 500) — and `None` comes back. Whether a commit landed is unknown when the connection
/// was lost in it.
async fn query_batch<J>(
    pool: &sqlx::AnyPool,
    sql: &'static str,
    items: Vec<serde_json::Value>,
    batch: &mut Vec<J>,
    fail: fn(J, StoreError),
) -> Option<Vec<sqlx::any::AnyRow>> {
    match sqlx::query(sql)
        .bind(serde_json::Value::Array(items).to_string())
        .fetch_all(pool)
        .await
    {
        Ok(rows) => Some(rows),
        Err(e) => {
            let e = StoreError::Sqlx(e);
            let (message, unavailable) = (e.to_string(), e.unavailable());
            for job in batch.drain(..) {
                fail(
                    job,
                    StoreError::Batch {
                        message: message.clone(),
                        unavailable,
                    },
                );
            }
            None
        }
    }
}

/// The users and seeds of a batch of attempts, in one query.
async fn read(pool: &sqlx::AnyPool, mut batch: Vec<ReadJob>) {
    let items: Vec<serde_json::Value> = batch
        .iter()
        .enumerate()
        .map(|(i, j)| json!({"i": i, "a": j.app_id, "u": j.user_id}))
        .collect();
    let Some(rows) = query_batch(
        pool,
        "SELECT x.i AS x_i, u.*, d.totp_seed AS d_seed, d.legacy_seed AS d_legacy \
         FROM json_to_recordset($1::json) AS x(i INTEGER, a BIGINT, u BIGINT) \
         JOIN users u ON u.app_id = x.a AND u.id = x.u AND u.deleted = 0 \
         LEFT JOIN devices d ON d.user_id = u.id AND d.revoked = 0 AND d.totp_seed IS NOT NULL \
         ORDER BY x.i, d.id",
        items,
        &mut batch,
        |job, e| {
            let _ = job.reply.send(Err(e));
        },
    )
    .await
    else {
        return;
    };
    let mut each: Vec<Vec<sqlx::any::AnyRow>> = (0..batch.len()).map(|_| Vec::new()).collect();
    for row in rows {
        let i: i32 = match row.try_get("x_i") {
            Ok(i) => i,
            Err(e) => {
                tracing::error!(error = %e, "verify read batch");
                continue;
            }
        };
        if let Some(rows) = usize::try_from(i).ok().and_then(|i| each.get_mut(i)) {
            rows.push(row);
        }
    }
    for (job, rows) in batch.into_iter().zip(each) {
        let _ = job.reply.send(Ok(rows));
    }
}

/// One call for a batch; every job gets its verdict, or the call's error.
async fn run(pool: &sqlx::AnyPool, mut batch: Vec<Job>) {
    let items: Vec<serde_json::Value> = batch
        .iter()
        .enumerate()
        .map(|(i, j)| {
            json!({
                "i": i, "u": j.user_id, "k": j.kind, "s": j.step, "n": j.now,
                "h": j.sent_code_hash, "m": j.max_failures, "l": j.lock_until,
                "a": j.accept_unregistered,
            })
        })
        .collect();
    let Some(rows) = query_batch(
        pool,
        "SELECT idx, outcome, at FROM twofold_verify_batch($1)",
        items,
        &mut batch,
        |job, e| {
            let _ = job.reply.send(Err(e));
        },
    )
    .await
    else {
        return;
    };
    let mut verdicts: Vec<Option<Result<Verdict>>> = (0..batch.len()).map(|_| None).collect();
    for row in &rows {
        let parsed = (|| -> Result<(usize, Verdict)> {
            let idx: i32 = row.try_get("idx")?;
            let outcome: String = row.try_get("outcome")?;
            let at: i64 = row.try_get("at")?;
            let verdict = match outcome.as_str() {
                "no_user" => Verdict::NoUser,
                "locked" => Verdict::Locked { until: at },
                "valid" => Verdict::Valid { registered_at: at },
                "valid_unverified" => Verdict::ValidUnverified { registered_at: at },
                "invalid" => Verdict::Invalid,
                other => {
                    return Err(StoreError::Corrupt(format!(
                        "twofold_verify_batch answered `{other}`"
                    )));
                }
            };
            Ok((usize::try_from(idx).unwrap_or(usize::MAX), verdict))
        })();
        match parsed {
            Ok((i, verdict)) if i < verdicts.len() => verdicts[i] = Some(Ok(verdict)),
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "verify batch");
            }
        }
    }
    for (job, verdict) in batch.into_iter().zip(verdicts) {
        let verdict = verdict.unwrap_or_else(|| {
            Err(StoreError::Corrupt(
                "twofold_verify_batch gave no answer for an attempt".into(),
            ))
        });
        let _ = job.reply.send(verdict);
    }
}
