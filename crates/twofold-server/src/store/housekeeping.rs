//! Housekeeping: pruning expired claims, sent codes, counters and QR images, and the QR images
//! themselves.

use super::*;

impl Db {
    /// Deletes what can no longer be used: replay-protection claims for time steps before
    /// `oldest_step`, expired sent codes and expired QR images. Returns the rows deleted.
    pub async fn prune(&self, oldest_step: i64, now: i64) -> Result<u64> {
        let mut deleted = 0;
        for (sql, value) in [
            ("DELETE FROM used_tokens WHERE step < $1", oldest_step),
            ("DELETE FROM sent_codes WHERE expires_at < $1", now),
            ("DELETE FROM qr_images WHERE expires_at < $1", now),
            ("DELETE FROM device_nonces WHERE expires_at < $1", now),
            ("DELETE FROM sync_nonces WHERE expires_at < $1", now),
            ("DELETE FROM sync_links WHERE expires_at < $1", now - 86_400),
            (
                "DELETE FROM sync_invites WHERE expires_at < $1",
                now - 86_400,
            ),
            ("DELETE FROM rate_counters WHERE expires_at < $1", now),
            (
                "DELETE FROM device_enrollments WHERE expires_at < $1",
                now - 86_400,
            ),
        ] {
            deleted += sqlx::query(sql)
                .bind(value)
                .execute(&self.writer)
                .await?
                .rows_affected();
        }
        if self.backend == Backend::Postgres {
            // A bucket whose arrival time has passed is full: forgetting it changes nothing.
            deleted += sqlx::query(
                "DELETE FROM rate_buckets WHERE tat < extract(epoch FROM clock_timestamp()) - 60",
            )
            .execute(&self.writer)
            .await?
            .rows_affected();
        }
        Ok(deleted)
    }

    pub async fn insert_qr(&self, token: &str, png: &[u8], expires_at: i64) -> Result<()> {
        sqlx::query("INSERT INTO qr_images (token, png, expires_at) VALUES ($1, $2, $3)")
            .bind(token)
            .bind(png.to_vec())
            .bind(expires_at)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn qr(&self, token: &str, now: i64) -> Result<Option<Vec<u8>>> {
        let row = sqlx::query("SELECT png FROM qr_images WHERE token = $1 AND expires_at > $2")
            .bind(token)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("png")).transpose()?)
    }
}
