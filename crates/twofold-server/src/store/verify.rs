//! A `verify` attempt as one serialised decision per user: read the user and its devices' seeds,
//! refuse a locked user, let the handler's judge name the code's seed and time step, claim that
//! step (refused when it or a later one was used), else use up a matching sent code, else count
//! the failure and lock at the limit — all in one transaction that holds the user (the SQLite
//! hot-path thread, or PostgreSQL's `twofold_verify_batch`, which holds each user's row), so
//! concurrent guesses are judged one after another and never more than the limit allows.
//!
//! The SQL is shared by both paths (`$n` placeholders in order of appearance: SQLite takes them
//! as numbered parameters); the decision steps are written once for each driver.

use sqlx::Row;

use super::{Db, Result, StoreError, UserRow, user_row};

/// A time step to claim for a kind of code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenClaim {
    /// `app` (a device's code) or `authenticator` (the `users/{id}/secret` seed).
    pub kind: &'static str,
    /// The TOTP time step the code is for.
    pub step: i64,
}

/// The sealed TOTP seed of one of the user's devices.
#[derive(Clone, Debug)]
pub struct DeviceSeed {
    /// Sealed with the server key.
    pub sealed: Vec<u8>,
    /// Given out before devices had seeds of their own: the user's app seed (sealed as such).
    pub legacy: bool,
}

/// Names the seed and step a token is for, given the user and its devices' seeds; errors are
/// internal (a seed that cannot be decrypted).
pub type Judge = Box<
    dyn FnOnce(&UserRow, &[DeviceSeed]) -> std::result::Result<Option<TokenClaim>, String> + Send,
>;

/// One verification attempt, as the handler hands it to the store.
pub struct Attempt {
    pub app_id: i64,
    pub user_id: i64,
    pub now: i64,
    /// Failed attempts after which the user is locked.
    pub max_failures: i64,
    /// Until when a lock set by this attempt lasts.
    pub lock_until: i64,
    /// SHA-256 of the token when it is shaped like a code: tried against the live sent code.
    pub sent_code_hash: Option<String>,
    /// Authy's quirk (an application's opt-in, without `force`): any token passes for a user who
    /// never verified, and is not counted as a failure.
    pub accept_unregistered: bool,
    pub judge: Judge,
}

impl std::fmt::Debug for Attempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attempt")
            .field("app_id", &self.app_id)
            .field("user_id", &self.user_id)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

/// What came of an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No such (live) user in the application.
    NoUser,
    /// The user is locked until then; the token was not looked at.
    Locked { until: i64 },
    /// The code is right and now used; `registered_at` is the user's creation time.
    Valid { registered_at: i64 },
    /// Authy's quirk let it through (see [`Attempt::accept_unregistered`]).
    ValidUnverified { registered_at: i64 },
    /// Wrong, replayed or stale: counted as a failure.
    Invalid,
}

/// The user whose code is to be looked at, or the verdict without looking: no such user, or a
/// locked one. Both drivers' paths ask this first.
pub(super) fn admitted(user: Option<UserRow>, now: i64) -> std::result::Result<UserRow, Verdict> {
    match user {
        None => Err(Verdict::NoUser),
        Some(u) if u.locked_until > now => Err(Verdict::Locked {
            until: u.locked_until,
        }),
        Some(u) => Ok(u),
    }
}

/// What an attempt writes once its code was tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Write {
    /// Nothing ([`SUCCEEDED`] would change nothing, or Authy's quirk let the token through).
    Nothing,
    /// [`SUCCEEDED`]: register the user, clear its failures and lock.
    Success,
    /// [`FAILED`]: count the failure, lock at the limit.
    Failure,
}

/// The verdict on an attempt whose code was (`valid`) or was not accepted, and what to write;
/// both drivers' paths end here.
pub(super) fn decide(valid: bool, user: &UserRow, accept_unregistered: bool) -> (Verdict, Write) {
    let registered_at = user.created_at;
    if valid {
        let changes = !user.registered || user.failed_attempts != 0 || user.locked_until != 0;
        let write = if changes {
            Write::Success
        } else {
            Write::Nothing
        };
        (Verdict::Valid { registered_at }, write)
    } else if accept_unregistered && !user.registered {
        (Verdict::ValidUnverified { registered_at }, Write::Nothing)
    } else {
        (Verdict::Invalid, Write::Failure)
    }
}

pub(super) const USER_PLAIN: &str =
    "SELECT * FROM users WHERE app_id = $1 AND id = $2 AND deleted = 0";
pub(super) const DEVICE_SEEDS: &str = "SELECT totp_seed, legacy_seed FROM devices \
     WHERE user_id = $1 AND revoked = 0 AND totp_seed IS NOT NULL ORDER BY id";
/// Whether this step or one of the two after it was used already (a code is refused once a
/// later one of the same kind was accepted; the window is ±1 step, so two later steps cover it).
pub(super) const CLAIMED_SINCE: &str = "SELECT COUNT(*) AS n FROM used_tokens \
     WHERE step IN ($1, $2, $3) AND user_id = $4 AND kind = $5";
pub(super) const CLAIM: &str = "INSERT INTO used_tokens (step, user_id, kind, used_at) \
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
pub(super) const SUCCEEDED: &str =
    "UPDATE users SET registered = 1, failed_attempts = 0, locked_until = 0 WHERE id = $1";
pub(super) const USE_SENT_CODE: &str = "UPDATE sent_codes SET used = 1 \
     WHERE user_id = $1 AND code_hash = $2 AND used = 0 AND expires_at > $3";
pub(super) const FAILED: &str = "UPDATE users SET failed_attempts = failed_attempts + 1, \
     locked_until = CASE WHEN failed_attempts + 1 >= $1 THEN $2 ELSE locked_until END WHERE id = $3";

/// The three steps [`CLAIMED_SINCE`] looks at.
pub(super) fn steps_since(step: i64) -> [i64; 3] {
    [step, step.saturating_add(1), step.saturating_add(2)]
}

impl Db {
    /// Judges one verification attempt; see the module documentation. On SQLite files it is one
    /// job on the hot-path thread, on PostgreSQL one item of a batch (both group-committed with
    /// other requests' attempts); in-memory SQLite (one connection, so transactions are serial
    /// already) takes the plain path below.
    pub async fn verify(&self, attempt: Attempt) -> Result<Verdict> {
        if let Some(hot) = &self.hot {
            return hot.verify(attempt).await;
        }
        if let Some(pg) = &self.pg_verify {
            return pg.verify(attempt).await;
        }
        let mut tx = self.writer.begin().await?;
        let user = sqlx::query(USER_PLAIN)
            .bind(attempt.app_id)
            .bind(attempt.user_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| user_row(&r))
            .transpose()?;
        let user = match admitted(user, attempt.now) {
            Ok(user) => user,
            Err(verdict) => return Ok(verdict),
        };
        let devices = sqlx::query(DEVICE_SEEDS)
            .bind(user.id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| {
                Ok(DeviceSeed {
                    sealed: r.try_get("totp_seed")?,
                    legacy: r.try_get::<i64, _>("legacy_seed")? != 0,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let claim = (attempt.judge)(&user, &devices).map_err(StoreError::Judge)?;
        let mut valid = false;
        if let Some(c) = claim {
            let [a, b, c3] = steps_since(c.step);
            let used: i64 = sqlx::query(CLAIMED_SINCE)
                .bind(a)
                .bind(b)
                .bind(c3)
                .bind(user.id)
                .bind(c.kind)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
            if used == 0 {
                valid = sqlx::query(CLAIM)
                    .bind(c.step)
                    .bind(user.id)
                    .bind(c.kind)
                    .bind(attempt.now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
            }
        }
        if !valid && let Some(hash) = &attempt.sent_code_hash {
            valid = sqlx::query(USE_SENT_CODE)
                .bind(user.id)
                .bind(hash.as_str())
                .bind(attempt.now)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0;
        }
        let (verdict, write) = decide(valid, &user, attempt.accept_unregistered);
        match write {
            Write::Nothing => {}
            Write::Success => {
                sqlx::query(SUCCEEDED)
                    .bind(user.id)
                    .execute(&mut *tx)
                    .await?;
            }
            Write::Failure => {
                sqlx::query(FAILED)
                    .bind(attempt.max_failures)
                    .bind(attempt.lock_until)
                    .bind(user.id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(verdict)
    }
}
