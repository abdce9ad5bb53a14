//! Phone verifications (`phones/verification/start|check|status`): each check taken in the
//! statement that tests the attempt cap.

use super::*;

/// A phone verification (Verify v1).
#[derive(Clone, Debug)]
pub struct VerificationRow {
    pub uuid: String,
    pub e164: String,
    pub via: String,
    pub code_hash: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub attempts: i64,
    pub status: String,
}

impl Db {
    pub async fn insert_verification(&self, app_id: i64, v: &VerificationRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO phone_verifications (uuid, app_id, e164, via, code_hash, created_at, expires_at, attempts, status) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8)",
        )
        .bind(v.uuid.clone())
        .bind(app_id)
        .bind(v.e164.clone())
        .bind(v.via.clone())
        .bind(v.code_hash.clone())
        .bind(v.created_at)
        .bind(v.expires_at)
        .bind(v.status.clone())
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The newest verification of a phone.
    pub async fn latest_verification(
        &self,
        app_id: i64,
        e164: &str,
    ) -> Result<Option<VerificationRow>> {
        let row = sqlx::query("SELECT * FROM phone_verifications WHERE app_id = $1 AND e164 = $2 ORDER BY created_at DESC, uuid LIMIT 1")
            .bind(app_id)
            .bind(e164)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| verification_row(&r)).transpose()
    }

    pub async fn verification(&self, app_id: i64, uuid: &str) -> Result<Option<VerificationRow>> {
        let row = sqlx::query("SELECT * FROM phone_verifications WHERE app_id = $1 AND uuid = $2")
            .bind(app_id)
            .bind(uuid)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| verification_row(&r)).transpose()
    }

    /// Takes one check of the newest verification of a phone, if it is pending, unexpired and
    /// has checks left: the attempt is counted in the same statement that tests the cap, so
    /// concurrent checks never get more than `max` between them. The row as it is after.
    pub async fn take_verification_check(
        &self,
        app_id: i64,
        e164: &str,
        now: i64,
        max: i64,
    ) -> Result<Option<VerificationRow>> {
        let q = sqlx::query(
            "UPDATE phone_verifications SET attempts = attempts + 1 WHERE uuid = \
             (SELECT uuid FROM phone_verifications WHERE app_id = $1 AND e164 = $2 ORDER BY created_at DESC, uuid LIMIT 1) \
             AND status = 'pending' AND expires_at > $3 AND attempts < $4 RETURNING *",
        )
        .bind(app_id)
        .bind(e164)
        .bind(now)
        .bind(max);
        let row = self.write_returning(q).await?;
        row.map(|r| verification_row(&r)).transpose()
    }

    /// Moves a pending verification to `verified` or `failed`; false when it was no longer
    /// pending.
    pub async fn finish_verification(&self, uuid: &str, status: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE phone_verifications SET status = $1 WHERE uuid = $2 AND status = 'pending'",
        )
        .bind(status)
        .bind(uuid)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    // ----- OneTouch -----
}
fn verification_row(r: &AnyRow) -> Result<VerificationRow> {
    Ok(VerificationRow {
        uuid: r.try_get("uuid")?,
        e164: r.try_get("e164")?,
        via: r.try_get("via")?,
        code_hash: r.try_get("code_hash")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        attempts: r.try_get("attempts")?,
        status: r.try_get("status")?,
    })
}
