//! The database: SQLite by default, PostgreSQL through the same code (sqlx's `Any` driver with
//! `$n` placeholders, always numbered in order of appearance), embedded migrations per backend,
//! and one function per query.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sqlx::SqlSafeStr;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyPool, Row};
use std::str::FromStr;
use twofold_push::protocol::{DenyReason, RequestStatus};

mod push;
mod sqlite_hot;
mod verify;
pub use push::{
    Answer, CallbackOutcome, CallbackRow, DeviceRow, EnrollOutcome, NewCallback, NewDevice,
};
use sqlite_hot::SqliteHot;
pub use verify::{Attempt, DeviceSeed, Judge, TokenClaim, Verdict};

/// Whether a SQLite connection going back to the pool is still inside a transaction. A
/// failed commit (a full disk) can leave one open that sqlx no longer knows about; every later
/// write on the connection would then be acknowledged inside it and never committed. Such a
/// connection is closed (which rolls the transaction back) instead of reused.
async fn stuck_in_transaction(conn: &mut sqlx::AnyConnection) -> bool {
    // `BEGIN` is refused inside a transaction.
    match sqlx::query("BEGIN").execute(&mut *conn).await {
        Ok(_) => sqlx::query("ROLLBACK").execute(&mut *conn).await.is_err(),
        Err(_) => {
            tracing::error!("a database connection was left inside a transaction: closed");
            true
        }
    }
}

/// Which database is behind the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite (a file, or memory in tests).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// The connection pool.
#[derive(Clone, Debug)]
pub struct Db {
    backend: Backend,
    pool: AnyPool,
    /// Writes go through here: one connection for SQLite (it has one writer anyway, and
    /// contending connections only spin on the lock), the shared pool for PostgreSQL.
    writer: AnyPool,
    usage: Arc<Mutex<UsageCounts>>,
    /// SQLite files: user reads and verification attempts through rusqlite (see [`sqlite_hot`]).
    hot: Option<Arc<SqliteHot>>,
}

/// Usage events not yet written: (app, year × 12 + month − 1, counter) → count.
type UsageCounts = HashMap<(i64, i32, Counter), i64>;

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

/// A OneTouch approval request.
#[derive(Clone, Debug)]
pub struct ApprovalRow {
    pub uuid: String,
    pub app_id: i64,
    pub user_id: i64,
    pub message: String,
    pub details: String,
    pub hidden_details: String,
    pub logos: String,
    pub seconds_to_expire: i64,
    pub status: RequestStatus,
    pub created_at: i64,
    pub updated_at: i64,
    pub processed_at: Option<i64>,
    /// The number the user must type (number matching), if asked for.
    pub number: Option<i64>,
    /// Why it was denied (`not_me`, `wrong_number`).
    pub reason: Option<DenyReason>,
    /// The device that answered, its signature and when it signed.
    pub device_uuid: Option<String>,
    pub device_signature: Option<String>,
    pub signed_at: Option<i64>,
    /// Who asked, as the website said (`{"ip","location"}` JSON).
    pub requester: Option<String>,
}

impl ApprovalRow {
    /// When it expires (Unix seconds); `None` never.
    pub fn expires_at(&self) -> Option<i64> {
        (self.seconds_to_expire > 0).then(|| self.created_at.saturating_add(self.seconds_to_expire))
    }

    /// Whether it is still pending but past its lifetime at `now`.
    pub fn overdue(&self, now: i64) -> bool {
        self.status == RequestStatus::Pending && self.expires_at().is_some_and(|at| now >= at)
    }
}

/// A JSON text column (details, logos, requester) as a value; `null` if it does not parse.
pub fn json_column(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
}

/// A month of usage counters.
#[derive(Clone, Debug)]
pub struct UsageRow {
    pub month: String,
    pub api_calls: i64,
    pub auths: i64,
    pub calls: i64,
    pub sms: i64,
    pub users: i64,
}

/// A usage counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Counter {
    ApiCalls,
    Auths,
    Calls,
    Sms,
    Users,
}

type Result<T> = std::result::Result<T, sqlx::Error>;

fn b(v: bool) -> i64 {
    i64::from(v)
}

impl Db {
    /// Connects and runs the migrations. `sqlite:` URLs create the file when missing.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            anyhow::bail!("database URL: `{url}` is neither sqlite: nor postgres:");
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") && !url.contains(":memory:") => {
                format!("{url}{}mode=rwc", if url.contains('?') { "&" } else { "?" })
            }
            _ => url.to_owned(),
        };
        let max = if url.contains(":memory:") { 1 } else { 8 };
        if backend == Backend::Sqlite && max > 1 {
            create_private(SqliteConnectOptions::from_str(&url)?.get_filename())?;
        }
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .connect(&url)
            .await?;
        if backend == Backend::Sqlite {
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await
                .ok();
            sqlx::query("PRAGMA busy_timeout = 5000")
                .execute(&pool)
                .await
                .ok();
            sqlx::query("PRAGMA synchronous = NORMAL")
                .execute(&pool)
                .await
                .ok();
        }
        migrator(backend).run(&pool).await?;
        let writer = match backend {
            Backend::Sqlite if max > 1 => {
                let writer = AnyPoolOptions::new()
                    .max_connections(1)
                    .after_release(|conn, _| {
                        Box::pin(async move { Ok(!stuck_in_transaction(conn).await) })
                    })
                    .connect(&url)
                    .await?;
                sqlx::query("PRAGMA busy_timeout = 5000")
                    .execute(&writer)
                    .await
                    .ok();
                sqlx::query("PRAGMA synchronous = NORMAL")
                    .execute(&writer)
                    .await
                    .ok();
                writer
            }
            _ => pool.clone(),
        };
        let hot = match backend {
            Backend::Sqlite if max > 1 => {
                let options = SqliteConnectOptions::from_str(&url)?;
                Some(Arc::new(SqliteHot::open(options.get_filename())?))
            }
            _ => None,
        };
        Ok(Self {
            backend,
            pool,
            writer,
            usage: Arc::default(),
            hot,
        })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for health checks.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    // ----- applications -----

    /// A value the server keeps about itself (`server_meta`).
    pub async fn meta(&self, name: &str) -> Result<Option<Vec<u8>>> {
        sqlx::query("SELECT value FROM server_meta WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get("value"))
            .transpose()
    }

    /// Keeps a value about the server, unless one is kept already under that name.
    pub async fn set_meta_once(&self, name: &str, value: &[u8]) -> Result<()> {
        sqlx::query(
            "INSERT INTO server_meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(value.to_vec())
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    pub async fn count_apps(&self) -> Result<i64> {
        sqlx::query("SELECT COUNT(*) AS n FROM apps")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")
    }

    /// The row of a write with `RETURNING`, committed before it is returned. sqlx's SQLite
    /// driver hands back an autocommit statement's first row before the commit and drops the
    /// commit's error (sqlx issues 2099, 3430): a full disk would be acknowledged and lost. In a
    /// transaction the change is made by the statement and the commit's error is ours.
    async fn write_returning<'q>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> Result<Option<AnyRow>> {
        let mut tx = self.writer.begin().await?;
        let row = query.fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row)
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
        self.write_returning(q)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?
            .try_get("id")
    }

    /// The application with this key hash, read for every request (never cached: a key that
    /// `app set --rotate-key` replaced, in this process or another, stops working at once). On
    /// SQLite files it is read on the hot-path thread's warm connection.
    pub async fn app_for_request(&self, key_hash: &str) -> Result<Option<AppRow>> {
        match &self.hot {
            Some(hot) => hot.app(key_hash).await.map_err(sqlx::Error::Protocol),
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
            return hot.user(app_id, id).await.map_err(sqlx::Error::Protocol);
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
        self.write_returning(q)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?
            .try_get("id")
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

    /// Deletes what can no longer be used: replay-protection claims for time steps before
    /// `oldest_step`, expired sent codes and expired QR images. Returns the rows deleted.
    pub async fn prune(&self, oldest_step: i64, now: i64) -> Result<u64> {
        let mut deleted = 0;
        for (sql, value) in [
            ("DELETE FROM used_tokens WHERE step < $1", oldest_step),
            ("DELETE FROM sent_codes WHERE expires_at < $1", now),
            ("DELETE FROM qr_images WHERE expires_at < $1", now),
            ("DELETE FROM device_nonces WHERE expires_at < $1", now),
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
        Ok(deleted)
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

    /// Counts one event against a limit: `limit` events per `window` seconds per `key`, in fixed
    /// windows. The count changes in the same statement that reads it, so concurrent callers on
    /// any number of servers never get past the limit together. True when this event is within
    /// the limit (it is counted either way).
    pub async fn count_event(&self, key: &str, now: i64, window: i64, limit: i64) -> Result<bool> {
        let window = window.max(1);
        let bucket = now.div_euclid(window);
        let q = sqlx::query(
            "INSERT INTO rate_counters (key, bucket, count, expires_at) VALUES ($1, $2, 1, $3) \
             ON CONFLICT (key, bucket) DO UPDATE SET count = rate_counters.count + 1 RETURNING count",
        )
        .bind(key)
        .bind(bucket)
        .bind((bucket + 1).saturating_mul(window));
        let n: i64 = self
            .write_returning(q)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?
            .try_get("count")?;
        Ok(n <= limit)
    }

    /// Takes back one event counted by [`Db::count_event`] in the current window (an attempt
    /// that turned out not to count, such as a right code).
    pub async fn uncount_event(&self, key: &str, now: i64, window: i64) -> Result<()> {
        let bucket = now.div_euclid(window.max(1));
        sqlx::query(
            "UPDATE rate_counters SET count = count - 1 WHERE key = $1 AND bucket = $2 AND count > 0",
        )
        .bind(key)
        .bind(bucket)
        .execute(&self.writer)
        .await?;
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

    pub async fn approval(&self, app_id: i64, uuid: &str) -> Result<Option<ApprovalRow>> {
        let row = sqlx::query("SELECT * FROM approval_requests WHERE app_id = $1 AND uuid = $2")
            .bind(app_id)
            .bind(uuid)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| approval_row(&r)).transpose()
    }

    // ----- usage and QR images -----

    /// Counts one event in memory; [`Db::flush_usage`] writes the totals.
    pub fn bump(&self, app_id: i64, now: i64, counter: Counter) {
        let t = time::OffsetDateTime::from_unix_timestamp(now)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let month = t.year() * 12 + i32::from(u8::from(t.month())) - 1;
        let mut usage = self.usage.lock().unwrap_or_else(|e| e.into_inner());
        *usage.entry((app_id, month, counter)).or_default() += 1;
    }

    /// Writes the counted events to the database (every few seconds, and before reading them).
    pub async fn flush_usage(&self) -> Result<()> {
        let pending: Vec<((i64, i32, Counter), i64)> = {
            let mut usage = self.usage.lock().unwrap_or_else(|e| e.into_inner());
            usage.drain().collect()
        };
        for ((app_id, month, counter), n) in pending {
            let month = format!("{:04}-{:02}", month / 12, month % 12 + 1);
            let sql = match counter {
                Counter::ApiCalls => {
                    "INSERT INTO usage (app_id, month, api_calls) VALUES ($1, $2, $3) ON CONFLICT (app_id, month) DO UPDATE SET api_calls = usage.api_calls + excluded.api_calls"
                }
                Counter::Auths => {
                    "INSERT INTO usage (app_id, month, auths) VALUES ($1, $2, $3) ON CONFLICT (app_id, month) DO UPDATE SET auths = usage.auths + excluded.auths"
                }
                Counter::Calls => {
                    "INSERT INTO usage (app_id, month, calls) VALUES ($1, $2, $3) ON CONFLICT (app_id, month) DO UPDATE SET calls = usage.calls + excluded.calls"
                }
                Counter::Sms => {
                    "INSERT INTO usage (app_id, month, sms) VALUES ($1, $2, $3) ON CONFLICT (app_id, month) DO UPDATE SET sms = usage.sms + excluded.sms"
                }
                Counter::Users => {
                    "INSERT INTO usage (app_id, month, users) VALUES ($1, $2, $3) ON CONFLICT (app_id, month) DO UPDATE SET users = usage.users + excluded.users"
                }
            };
            sqlx::query(sql)
                .bind(app_id)
                .bind(month)
                .bind(n)
                .execute(&self.writer)
                .await?;
        }
        Ok(())
    }

    pub async fn usage(&self, app_id: i64) -> Result<Vec<UsageRow>> {
        self.flush_usage().await?;
        sqlx::query("SELECT * FROM usage WHERE app_id = $1 ORDER BY month")
            .bind(app_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(UsageRow {
                    month: r.try_get("month")?,
                    api_calls: r.try_get("api_calls")?,
                    auths: r.try_get("auths")?,
                    calls: r.try_get("calls")?,
                    sms: r.try_get("sms")?,
                    users: r.try_get("users")?,
                })
            })
            .collect()
    }

    pub async fn count_users(&self, app_id: i64) -> Result<i64> {
        sqlx::query("SELECT COUNT(*) AS n FROM users WHERE app_id = $1 AND deleted = 0")
            .bind(app_id)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")
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
        row.map(|r| r.try_get("png")).transpose()
    }
}

/// Creates an SQLite database file readable by its owner alone (SQLite gives its log files the
/// same mode); an existing file is left as it is.
fn create_private(path: &std::path::Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// The embedded migrations of a backend (the SQL files are compiled into the binary).
fn migrator(backend: Backend) -> Migrator {
    let steps: [(&str, &str); 4] = match backend {
        Backend::Sqlite => [
            ("init", include_str!("../migrations/sqlite/0001_init.sql")),
            (
                "used tokens by step",
                include_str!("../migrations/sqlite/0002_used_tokens_by_step.sql"),
            ),
            ("push", include_str!("../migrations/sqlite/0003_push.sql")),
            (
                "security",
                include_str!("../migrations/sqlite/0004_security.sql"),
            ),
        ],
        Backend::Postgres => [
            ("init", include_str!("../migrations/postgres/0001_init.sql")),
            (
                "used tokens by step",
                include_str!("../migrations/postgres/0002_used_tokens_by_step.sql"),
            ),
            ("push", include_str!("../migrations/postgres/0003_push.sql")),
            (
                "security",
                include_str!("../migrations/postgres/0004_security.sql"),
            ),
        ],
    };
    Migrator::with_migrations(
        steps
            .into_iter()
            .zip(1..)
            .map(|((name, sql), version)| {
                Migration::new(
                    version,
                    Cow::Borrowed(name),
                    MigrationType::Simple,
                    SqlSafeStr::into_sql_str(sql),
                    false,
                )
            })
            .collect(),
    )
}

fn bool_col(r: &AnyRow, name: &str) -> Result<bool> {
    Ok(r.try_get::<i64, _>(name)? != 0)
}

fn app_row(r: &AnyRow) -> Result<AppRow> {
    AppRow::from_columns(r)
}

/// A row read by column name, from sqlx or from rusqlite (the hot path), so that each table's
/// row is mapped once.
pub(crate) trait Columns {
    type Error;
    fn int(&self, name: &str) -> std::result::Result<i64, Self::Error>;
    fn text(&self, name: &str) -> std::result::Result<String, Self::Error>;
    fn opt_text(&self, name: &str) -> std::result::Result<Option<String>, Self::Error>;
    fn opt_bytes(&self, name: &str) -> std::result::Result<Option<Vec<u8>>, Self::Error>;
    fn flag(&self, name: &str) -> std::result::Result<bool, Self::Error> {
        Ok(self.int(name)? != 0)
    }
}

impl Columns for AnyRow {
    type Error = sqlx::Error;
    fn int(&self, name: &str) -> Result<i64> {
        self.try_get(name)
    }
    fn text(&self, name: &str) -> Result<String> {
        self.try_get(name)
    }
    fn opt_text(&self, name: &str) -> Result<Option<String>> {
        self.try_get(name)
    }
    fn opt_bytes(&self, name: &str) -> Result<Option<Vec<u8>>> {
        self.try_get(name)
    }
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

fn approval_row(r: &AnyRow) -> Result<ApprovalRow> {
    Ok(ApprovalRow {
        uuid: r.try_get("uuid")?,
        app_id: r.try_get("app_id")?,
        user_id: r.try_get("user_id")?,
        message: r.try_get("message")?,
        details: r.try_get("details")?,
        hidden_details: r.try_get("hidden_details")?,
        logos: r.try_get("logos")?,
        seconds_to_expire: r.try_get("seconds_to_expire")?,
        status: {
            let text: String = r.try_get("status")?;
            RequestStatus::parse(&text).ok_or_else(|| {
                sqlx::Error::Protocol(format!("approval request status `{text}` is unknown"))
            })?
        },
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        processed_at: r.try_get("processed_at")?,
        number: r.try_get("number")?,
        reason: match r.try_get::<Option<String>, _>("reason")? {
            None => None,
            Some(text) => Some(DenyReason::parse(&text).ok_or_else(|| {
                sqlx::Error::Protocol(format!("approval request reason `{text}` is unknown"))
            })?),
        },
        device_uuid: r.try_get("device_uuid")?,
        device_signature: r.try_get("device_signature")?,
        signed_at: r.try_get("signed_at")?,
        requester: r.try_get("requester")?,
    })
}
