//! Push approval storage: enrollments, devices and their used nonces, approval requests with
//! their event sequence (what devices resume from), answers, and the callback queue. Every state
//! change of a request writes its event — and its callback, when one is due — in the same
//! transaction.

use sqlx::Row;
use sqlx::any::AnyRow;
use twofold_push::protocol::{DenyReason, RequestStatus};

use super::{ApprovalRow, Db, Result, approval_row};

/// An enrolled device.
#[derive(Clone, Debug)]
pub struct DeviceRow {
    pub id: i64,
    pub uuid: String,
    pub user_id: i64,
    pub app_id: i64,
    pub public_key: Vec<u8>,
    pub name: String,
    pub platform: String,
    pub created_at: i64,
    pub last_seen_at: Option<i64>,
}

/// A device to record at enrollment.
#[derive(Clone, Debug)]
pub struct NewDevice {
    pub uuid: String,
    pub public_key: Vec<u8>,
    pub name: String,
    pub platform: String,
    /// The device's own TOTP seed, sealed with the server key (its codes verify until it is
    /// revoked).
    pub totp_seed: Vec<u8>,
}

/// What came of redeeming an enrollment.
#[derive(Clone, Debug)]
pub enum EnrollOutcome {
    /// No enrollment with this id, or the secret does not match.
    Unknown,
    /// Past its ten minutes.
    Expired,
    /// Redeemed before.
    Used,
    /// The device is recorded.
    Enrolled { app_id: i64, user_id: i64 },
}

/// A queued callback.
#[derive(Clone, Debug)]
pub struct CallbackRow {
    pub id: i64,
    pub app_id: i64,
    pub approval_uuid: String,
    pub url: String,
    pub method: String,
    pub payload: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub created_at: i64,
}

/// A callback to queue with a status change.
#[derive(Clone, Debug)]
pub struct NewCallback {
    pub app_id: i64,
    pub url: String,
    pub method: String,
    pub payload: String,
}

/// An answer to record.
#[derive(Clone, Debug)]
pub struct Answer<'a> {
    pub status: RequestStatus,
    pub reason: Option<DenyReason>,
    pub device_uuid: &'a str,
    pub signature: &'a str,
    pub signed_at: i64,
}

fn device_row(r: &AnyRow) -> Result<DeviceRow> {
    Ok(DeviceRow {
        id: r.try_get("id")?,
        uuid: r.try_get("uuid")?,
        user_id: r.try_get("user_id")?,
        app_id: r.try_get("app_id")?,
        public_key: r.try_get("public_key")?,
        name: r.try_get("name")?,
        platform: r.try_get("os_type")?,
        created_at: r.try_get("created_at")?,
        last_seen_at: r.try_get("last_seen_at")?,
    })
}

const DEVICE_COLUMNS: &str = "d.id, d.uuid, d.user_id, u.app_id, d.public_key, d.name, d.os_type, d.created_at, d.last_seen_at";

impl Db {
    // ----- enrollment and devices -----

    pub async fn insert_enrollment(
        &self,
        id: &str,
        app_id: i64,
        user_id: i64,
        secret_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO device_enrollments (id, app_id, user_id, secret_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(app_id)
            .bind(user_id)
            .bind(secret_hash)
            .bind(now)
            .bind(expires_at)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Redeems an enrollment and records the device, in one transaction. `secret_ok` compares
    /// the stored secret hash (in constant time) with the one presented.
    pub async fn redeem_enrollment(
        &self,
        id: &str,
        secret_ok: impl FnOnce(&str) -> bool,
        device: &NewDevice,
        now: i64,
    ) -> Result<EnrollOutcome> {
        let mut tx = self.writer.begin().await?;
        let Some(row) = sqlx::query(
            "SELECT app_id, user_id, secret_hash, expires_at, used_at FROM device_enrollments WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(EnrollOutcome::Unknown);
        };
        if !secret_ok(&row.try_get::<String, _>("secret_hash")?) {
            return Ok(EnrollOutcome::Unknown);
        }
        if row.try_get::<Option<i64>, _>("used_at")?.is_some() {
            return Ok(EnrollOutcome::Used);
        }
        if row.try_get::<i64, _>("expires_at")? <= now {
            return Ok(EnrollOutcome::Expired);
        }
        let app_id: i64 = row.try_get("app_id")?;
        let user_id: i64 = row.try_get("user_id")?;
        let used = sqlx::query(
            "UPDATE device_enrollments SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if used.rows_affected() != 1 {
            return Ok(EnrollOutcome::Used);
        }
        sqlx::query("INSERT INTO devices (user_id, device_type, os_type, created_at, uuid, public_key, name, totp_seed) \
                     VALUES ($1, 'twofold', $2, $3, $4, $5, $6, $7)")
            .bind(user_id)
            .bind(device.platform.clone())
            .bind(now)
            .bind(device.uuid.clone())
            .bind(device.public_key.clone())
            .bind(device.name.clone())
            .bind(device.totp_seed.clone())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(EnrollOutcome::Enrolled { app_id, user_id })
    }

    /// An enrolled, unrevoked device.
    pub async fn device(&self, uuid: &str) -> Result<Option<DeviceRow>> {
        let sql = format!(
            "SELECT {DEVICE_COLUMNS} FROM devices d JOIN users u ON u.id = d.user_id \
             WHERE d.uuid = $1 AND d.revoked = 0 AND u.deleted = 0"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(uuid)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| device_row(&r))
            .transpose()
    }

    /// A user's enrolled devices, oldest first.
    pub async fn devices_of(&self, user_id: i64) -> Result<Vec<DeviceRow>> {
        let sql = format!(
            "SELECT {DEVICE_COLUMNS} FROM devices d JOIN users u ON u.id = d.user_id \
             WHERE d.user_id = $1 AND d.revoked = 0 AND d.uuid IS NOT NULL ORDER BY d.id"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(device_row)
            .collect()
    }

    /// Revokes a device of a user and erases its TOTP seed, so its codes stop verifying at once;
    /// false when there was no such live device. Revoking a legacy device (one that was given the
    /// user's app seed) erases that shared seed from the user's other legacy devices too.
    pub async fn revoke_device(&self, user_id: i64, uuid: &str) -> Result<bool> {
        let mut tx = self.writer.begin().await?;
        let Some(row) = sqlx::query(
            "UPDATE devices SET revoked = 1, totp_seed = NULL WHERE user_id = $1 AND uuid = $2 AND revoked = 0 \
             RETURNING legacy_seed",
        )
        .bind(user_id)
        .bind(uuid)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(false);
        };
        if row.try_get::<i64, _>("legacy_seed")? != 0 {
            sqlx::query(
                "UPDATE devices SET totp_seed = NULL WHERE user_id = $1 AND legacy_seed = 1",
            )
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Records a request nonce of a device; false when it was used already (a replay).
    pub async fn use_nonce(
        &self,
        device_id: i64,
        nonce: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<bool> {
        self.claim_nonce(
            "INSERT INTO device_nonces (device_id, nonce, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            "UPDATE devices SET last_seen_at = $1 WHERE id = $2",
            (device_id, nonce, expires_at, now),
        )
        .await
    }

    /// Claims a device's request nonce with `insert` (false: seen before) and notes the device
    /// seen with `touch`, in one transaction: the device channel's and the sync channel's.
    pub(super) async fn claim_nonce(
        &self,
        insert: &'static str,
        touch: &'static str,
        (device_id, nonce, expires_at, now): (i64, &str, i64, i64),
    ) -> Result<bool> {
        let mut tx = self.writer.begin().await?;
        let fresh = sqlx::query(insert)
            .bind(device_id)
            .bind(nonce)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        sqlx::query(touch)
            .bind(now)
            .bind(device_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(fresh)
    }

    // ----- approval requests -----

    /// Stores a new request and its first event unless the user already has `max_pending`
    /// pending, unexpired requests; the event's sequence number, or None when the cap was met.
    /// The count and the insert are one transaction that holds the user (PostgreSQL: its row
    /// locked; SQLite: the one writer connection), so requests made at once on any number of
    /// servers never pass the cap together.
    pub async fn insert_approval(&self, a: &ApprovalRow, max_pending: i64) -> Result<Option<i64>> {
        let mut tx = self.writer.begin().await?;
        if self.backend == super::Backend::Postgres {
            sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
                .bind(a.user_id)
                .fetch_optional(&mut *tx)
                .await?;
        }
        let pending: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM approval_requests WHERE user_id = $1 AND status = 'pending' \
             AND (seconds_to_expire = 0 OR created_at + seconds_to_expire > $2)",
        )
        .bind(a.user_id)
        .bind(a.created_at)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if pending >= max_pending {
            return Ok(None);
        }
        sqlx::query(
            "INSERT INTO approval_requests (uuid, app_id, user_id, message, details, hidden_details, logos, seconds_to_expire, \
             status, created_at, updated_at, number, requester) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(a.uuid.clone())
        .bind(a.app_id)
        .bind(a.user_id)
        .bind(a.message.clone())
        .bind(a.details.clone())
        .bind(a.hidden_details.clone())
        .bind(a.logos.clone())
        .bind(a.seconds_to_expire)
        .bind(a.status.as_str())
        .bind(a.created_at)
        .bind(a.updated_at)
        .bind(a.number)
        .bind(a.requester.clone())
        .execute(&mut *tx)
        .await?;
        let seq = event(&mut tx, a.user_id, &a.uuid, a.created_at).await?;
        tx.commit().await?;
        Ok(Some(seq))
    }

    /// A request of any application (devices reach requests through their user).
    pub async fn approval_by_uuid(&self, uuid: &str) -> Result<Option<ApprovalRow>> {
        sqlx::query("SELECT * FROM approval_requests WHERE uuid = $1")
            .bind(uuid)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| approval_row(&r))
            .transpose()
    }

    /// Records an answer (or expiry, with `answer` None) on a pending request, its event, and its
    /// callback when one is given; the new event's sequence, or None when the request was no
    /// longer pending.
    pub async fn finish_approval(
        &self,
        row: &ApprovalRow,
        status: RequestStatus,
        answer: Option<&Answer<'_>>,
        callback: Option<&NewCallback>,
        now: i64,
    ) -> Result<Option<i64>> {
        let mut tx = self.writer.begin().await?;
        let done = sqlx::query(
            "UPDATE approval_requests SET status = $1, updated_at = $2, processed_at = $3, reason = $4, device_uuid = $5, \
             device_signature = $6, signed_at = $7 WHERE uuid = $8 AND status = 'pending'",
        )
        .bind(status.as_str())
        .bind(now)
        .bind(now)
        .bind(answer.and_then(|a| a.reason).map(DenyReason::as_str))
        .bind(answer.map(|a| a.device_uuid.to_owned()))
        .bind(answer.map(|a| a.signature.to_owned()))
        .bind(answer.map(|a| a.signed_at))
        .bind(row.uuid.clone())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(None);
        }
        let seq = event(&mut tx, row.user_id, &row.uuid, now).await?;
        if let Some(c) = callback {
            sqlx::query("INSERT INTO callbacks (app_id, approval_uuid, status, url, method, payload, attempts, next_attempt_at, created_at) \
                         VALUES ($1, $2, 'queued', $3, $4, $5, 0, $6, $7)")
                .bind(c.app_id)
                .bind(row.uuid.clone())
                .bind(c.url.clone())
                .bind(c.method.clone())
                .bind(c.payload.clone())
                .bind(now)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Some(seq))
    }

    /// Pending requests past their lifetime.
    pub async fn overdue_approvals(&self, now: i64) -> Result<Vec<ApprovalRow>> {
        sqlx::query("SELECT * FROM approval_requests WHERE status = 'pending' AND seconds_to_expire > 0 AND created_at + seconds_to_expire <= $1 LIMIT 500")
            .bind(now)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(approval_row)
            .collect()
    }

    /// A user's events after `after`, oldest first, each with the request as it is now.
    pub async fn events_after(
        &self,
        user_id: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, ApprovalRow)>> {
        sqlx::query("SELECT e.seq AS seq, a.* FROM approval_events e JOIN approval_requests a ON a.uuid = e.uuid \
                     WHERE e.user_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3")
            .bind(user_id)
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("seq")?, approval_row(r)?)))
            .collect()
    }

    /// A user's pending, unexpired requests with the sequence of their latest event.
    pub async fn pending_events(&self, user_id: i64, now: i64) -> Result<Vec<(i64, ApprovalRow)>> {
        sqlx::query("SELECT (SELECT MAX(e.seq) FROM approval_events e WHERE e.uuid = a.uuid) AS seq, a.* FROM approval_requests a \
                     WHERE a.user_id = $1 AND a.status = 'pending' AND (a.seconds_to_expire = 0 OR a.created_at + a.seconds_to_expire > $2) \
                     ORDER BY a.created_at, a.uuid")
            .bind(user_id)
            .bind(now)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get::<Option<i64>, _>("seq")?.unwrap_or(0), approval_row(r)?)))
            .collect()
    }

    /// The newest event sequence of a user (0 when none).
    pub async fn last_event(&self, user_id: i64) -> Result<i64> {
        let n: Option<i64> =
            sqlx::query("SELECT MAX(seq) AS n FROM approval_events WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(&self.pool)
                .await?
                .try_get("n")?;
        Ok(n.unwrap_or(0))
    }

    // ----- callbacks -----

    /// Callbacks due for an attempt.
    pub async fn due_callbacks(&self, now: i64, limit: i64) -> Result<Vec<CallbackRow>> {
        sqlx::query("SELECT id, app_id, approval_uuid, url, method, payload, attempts, next_attempt_at, created_at FROM callbacks \
                     WHERE status = 'queued' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2")
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(CallbackRow {
                    id: r.try_get("id")?,
                    app_id: r.try_get("app_id")?,
                    approval_uuid: r.try_get("approval_uuid")?,
                    url: r.try_get("url")?,
                    method: r.try_get("method")?,
                    payload: r.try_get("payload")?,
                    attempts: r.try_get("attempts")?,
                    next_attempt_at: r.try_get("next_attempt_at")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Takes a due callback for one attempt (a lease until `until`), so that two servers on
    /// one database never deliver it twice at once; false when another took it.
    pub async fn lease_callback(&self, row: &CallbackRow, until: i64) -> Result<bool> {
        let done = sqlx::query("UPDATE callbacks SET next_attempt_at = $1 WHERE id = $2 AND status = 'queued' AND next_attempt_at = $3")
            .bind(until)
            .bind(row.id)
            .bind(row.next_attempt_at)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Makes a leased callback due at `now` again, if the lease `until` is still the one held
    /// (nothing recorded an attempt since); false otherwise.
    pub async fn release_callback(&self, id: i64, until: i64, now: i64) -> Result<bool> {
        let done = sqlx::query("UPDATE callbacks SET next_attempt_at = $1 WHERE id = $2 AND status = 'queued' AND next_attempt_at = $3")
            .bind(now)
            .bind(id)
            .bind(until)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records an attempt: delivered, retried at `next_attempt_at`, or given up (`failed`).
    pub async fn callback_attempted(
        &self,
        id: i64,
        outcome: CallbackOutcome<'_>,
        now: i64,
    ) -> Result<()> {
        let (status, next, error, delivered) = match outcome {
            CallbackOutcome::Delivered => ("delivered", now, None, Some(now)),
            CallbackOutcome::Retry { at, error } => ("queued", at, Some(error), None),
            CallbackOutcome::GiveUp { error } => ("failed", now, Some(error), None),
        };
        sqlx::query("UPDATE callbacks SET status = $1, attempts = attempts + 1, next_attempt_at = $2, last_error = $3, delivered_at = $4 WHERE id = $5")
            .bind(status)
            .bind(next)
            .bind(error.map(str::to_owned))
            .bind(delivered)
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Callbacks of a request and their states, oldest first (for operators and tests).
    pub async fn callbacks_of(&self, uuid: &str) -> Result<Vec<(String, i64, Option<String>)>> {
        sqlx::query("SELECT status, attempts, last_error FROM callbacks WHERE approval_uuid = $1 ORDER BY id")
            .bind(uuid)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("status")?, r.try_get("attempts")?, r.try_get("last_error")?)))
            .collect()
    }

    /// An application by id.
    pub async fn app_by_id(&self, id: i64) -> Result<Option<super::AppRow>> {
        sqlx::query("SELECT * FROM apps WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| super::app_row(&r))
            .transpose()
    }
}

/// What came of delivering a callback.
#[derive(Clone, Copy, Debug)]
pub enum CallbackOutcome<'a> {
    Delivered,
    Retry { at: i64, error: &'a str },
    GiveUp { error: &'a str },
}

async fn event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: i64,
    uuid: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query(
        "INSERT INTO approval_events (user_id, uuid, created_at) VALUES ($1, $2, $3) RETURNING seq",
    )
    .bind(user_id)
    .bind(uuid)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("seq")?)
}
