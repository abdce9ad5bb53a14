//! Users of an application: created, found, changed and deleted; their devices as Authy lists
//! them; the codes sent to them and their activity.

use super::*;

/// A user of an application.
#[derive(Clone, Debug)]
pub struct UserRow {
    pub id: i64,
    pub app_id: i64,
    pub email: String,
    pub country_code: i64,
    pub cellphone: String,
    pub app_seed: Vec<u8>,
    pub authenticator_seed: Option<Vec<u8>>,
    pub registered: bool,
    pub failed_attempts: i64,
    pub locked_until: i64,
    pub created_at: i64,
}

impl Db {
    pub async fn user_by_phone(
        &self,
        app_id: i64,
        country_code: i64,
        cellphone: &str,
    ) -> Result<Option<UserRow>> {
        let row = sqlx::query("SELECT * FROM users WHERE app_id = $1 AND country_code = $2 AND cellphone = $3 AND deleted = 0")
            .bind(app_id)
            .bind(country_code)
            .bind(cellphone)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| user_row(&r)).transpose()
    }

    pub async fn user(&self, app_id: i64, id: i64) -> Result<Option<UserRow>> {
        if let Some(hot) = &self.hot {
            return hot.user(app_id, id).await;
        }
        let row = sqlx::query("SELECT * FROM users WHERE app_id = $1 AND id = $2 AND deleted = 0")
            .bind(app_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| user_row(&r)).transpose()
    }

    pub async fn insert_user(
        &self,
        app_id: i64,
        email: &str,
        country_code: i64,
        cellphone: &str,
        app_seed: &[u8],
        now: i64,
    ) -> Result<i64> {
        let q = sqlx::query(
            "INSERT INTO users (app_id, email, country_code, cellphone, app_seed, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(app_id)
        .bind(email)
        .bind(country_code)
        .bind(cellphone)
        .bind(app_seed.to_vec())
        .bind(now);
        Ok(self
            .write_returning(q)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?
            .try_get("id")?)
    }

    pub async fn set_user_email(&self, id: i64, email: &str) -> Result<()> {
        sqlx::query("UPDATE users SET email = $1 WHERE id = $2")
            .bind(email)
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn delete_user(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE users SET deleted = 1 WHERE id = $1")
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn set_authenticator_seed(&self, id: i64, sealed: &[u8]) -> Result<()> {
        sqlx::query("UPDATE users SET authenticator_seed = $1 WHERE id = $2")
            .bind(sealed.to_vec())
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn device_types(&self, user_id: i64) -> Result<Vec<(i64, String, String, i64)>> {
        sqlx::query("SELECT id, device_type, os_type, created_at FROM devices WHERE user_id = $1 AND revoked = 0 ORDER BY id")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("device_type")?, r.try_get("os_type")?, r.try_get("created_at")?)))
            .collect()
    }

    pub async fn count_users(&self, app_id: i64) -> Result<i64> {
        Ok(
            sqlx::query("SELECT COUNT(*) AS n FROM users WHERE app_id = $1 AND deleted = 0")
                .bind(app_id)
                .fetch_one(&self.pool)
                .await?
                .try_get("n")?,
        )
    }

    /// Records a sent code; the user's earlier unused codes stop working (only the newest code
    /// sent is live).
    pub async fn insert_sent_code(
        &self,
        user_id: i64,
        channel: &str,
        code_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("UPDATE sent_codes SET used = 1 WHERE user_id = $1 AND used = 0")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO sent_codes (user_id, channel, code_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(user_id)
            .bind(channel)
            .bind(code_hash)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn insert_activity(
        &self,
        user_id: i64,
        kind: &str,
        data: &str,
        ip: Option<&str>,
        now: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO activities (user_id, kind, data, ip, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(user_id)
            .bind(kind)
            .bind(data)
            .bind(ip.map(str::to_owned))
            .bind(now)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    // ----- phone verification -----
}
pub(crate) fn user_row(r: &AnyRow) -> Result<UserRow> {
    Ok(UserRow {
        id: r.try_get("id")?,
        app_id: r.try_get("app_id")?,
        email: r.try_get("email")?,
        country_code: r.try_get("country_code")?,
        cellphone: r.try_get("cellphone")?,
        app_seed: r.try_get("app_seed")?,
        authenticator_seed: r.try_get("authenticator_seed")?,
        registered: bool_col(r, "registered")?,
        failed_attempts: r.try_get("failed_attempts")?,
        locked_until: r.try_get("locked_until")?,
        created_at: r.try_get("created_at")?,
    })
}
