//! Applications (tenants): created, found by their API key's hash (on SQLite files through the
//! hot path), listed and changed.

use super::*;

/// An application (tenant).
#[derive(Clone, Debug)]
pub struct AppRow {
    pub id: i64,
    pub name: String,
    pub api_key_hash: String,
    /// Digits of the application's codes (6–8).
    pub token_length: u8,
    pub sms_enabled: bool,
    pub calls_enabled: bool,
    pub email_enabled: bool,
    pub onetouch_enabled: bool,
    pub callback_url: Option<String>,
    pub callback_method: String,
    /// The API key sealed with the server key (callbacks are signed with it); absent for
    /// applications created before push, until their key is rotated.
    pub api_key_sealed: Option<Vec<u8>>,
    /// `verify` without `force` accepts any token for a user who never verified (Authy's
    /// documented behaviour, off unless the operator turns it on for the application).
    pub authy_unverified_quirk: bool,
    pub created_at: i64,
}

impl Db {
    pub async fn count_apps(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM apps")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }

    pub async fn create_app(
        &self,
        name: &str,
        key_hash: &str,
        key_sealed: Option<&[u8]>,
        token_length: u8,
        now: i64,
    ) -> Result<i64> {
        let q = sqlx::query("INSERT INTO apps (name, api_key_hash, api_key_sealed, token_length, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(name)
            .bind(key_hash)
            .bind(key_sealed.map(<[u8]>::to_vec))
            .bind(i64::from(token_length))
            .bind(now);
        Ok(self
            .write_returning(q)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?
            .try_get("id")?)
    }

    /// The application with this key hash, read for every request (never cached: a key that
    /// `app set --rotate-key` replaced, in this process or another, stops working at once). On
    /// SQLite files it is read on the hot-path thread's warm connection.
    pub async fn app_for_request(&self, key_hash: &str) -> Result<Option<AppRow>> {
        match &self.hot {
            Some(hot) => hot.app(key_hash).await,
            None => self.app_by_key_hash(key_hash).await,
        }
    }

    pub async fn app_by_key_hash(&self, key_hash: &str) -> Result<Option<AppRow>> {
        let row = sqlx::query("SELECT * FROM apps WHERE api_key_hash = $1")
            .bind(key_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| app_row(&r)).transpose()
    }

    pub async fn app_by_name(&self, name: &str) -> Result<Option<AppRow>> {
        let row = sqlx::query("SELECT * FROM apps WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| app_row(&r)).transpose()
    }

    pub async fn list_apps(&self) -> Result<Vec<AppRow>> {
        sqlx::query("SELECT * FROM apps ORDER BY id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(app_row)
            .collect()
    }

    pub async fn update_app(&self, app: &AppRow) -> Result<()> {
        sqlx::query(
            "UPDATE apps SET token_length = $1, sms_enabled = $2, calls_enabled = $3, email_enabled = $4, \
             onetouch_enabled = $5, callback_url = $6, callback_method = $7, api_key_hash = $8, api_key_sealed = $9, \
             authy_unverified_quirk = $10 WHERE id = $11",
        )
        .bind(i64::from(app.token_length))
        .bind(b(app.sms_enabled))
        .bind(b(app.calls_enabled))
        .bind(b(app.email_enabled))
        .bind(b(app.onetouch_enabled))
        .bind(app.callback_url.clone())
        .bind(app.callback_method.clone())
        .bind(app.api_key_hash.clone())
        .bind(app.api_key_sealed.clone())
        .bind(b(app.authy_unverified_quirk))
        .bind(app.id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    // ----- users -----
}
pub(super) fn app_row(r: &AnyRow) -> Result<AppRow> {
    Ok(AppRow::from_columns(r)?)
}

impl AppRow {
    pub(crate) fn from_columns<C: Columns>(r: &C) -> std::result::Result<Self, C::Error> {
        Ok(Self {
            id: r.int("id")?,
            name: r.text("name")?,
            api_key_hash: r.text("api_key_hash")?,
            // The one conversion: the column holds 6–8 (checked when set); a value edited out
            // of range by hand reads as Authy's default rather than failing every request.
            token_length: u8::try_from(r.int("token_length")?).unwrap_or(7),
            sms_enabled: r.flag("sms_enabled")?,
            calls_enabled: r.flag("calls_enabled")?,
            email_enabled: r.flag("email_enabled")?,
            onetouch_enabled: r.flag("onetouch_enabled")?,
            callback_url: r.opt_text("callback_url")?,
            callback_method: r.text("callback_method")?,
            api_key_sealed: r.opt_bytes("api_key_sealed")?,
            authy_unverified_quirk: r.flag("authy_unverified_quirk")?,
            created_at: r.int("created_at")?,
        })
    }
}
