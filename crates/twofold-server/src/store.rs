//! The database: SQLite by default, PostgreSQL through the same code (sqlx's `Any` driver with
//! `$n` placeholders, always numbered in order of appearance), embedded migrations per backend,
//! and one function per query.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use sqlx::SqlSafeStr;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyPool, Row};
use std::str::FromStr;

mod push;
mod sqlite_hot;
pub use push::{
    Answer, CallbackOutcome, CallbackRow, DeviceRow, EnrollOutcome, NewCallback, NewDevice,
};
use sqlite_hot::SqliteHot;

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
    apps: Arc<Mutex<AppCache>>,
    /// Replay-protection claims, group-committed: through sqlx when `hot` is absent.
    claims: Option<mpsc::UnboundedSender<Claim>>,
    /// SQLite files: user reads and claims through rusqlite (see [`sqlite_hot`]).
    hot: Option<Arc<SqliteHot>>,
}

/// A request to mark (user, kind, step) as used, answered once its batch is committed (the
/// sqlx path; SQLite files claim on the hot-path thread).
#[derive(Debug)]
struct Claim {
    user_id: i64,
    kind: &'static str,
    step: i64,
    now: i64,
    /// Also record a successful verification for the user when the claim is granted.
    mark_success: bool,
    reply: oneshot::Sender<std::result::Result<bool, String>>,
}

/// The claim a verification asks for once it has seen the user: this (kind, time step) as used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenClaim {
    pub kind: &'static str,
    pub step: i64,
    /// Also record a successful verification for the user (registered, failures reset).
    pub mark_success: bool,
}

/// What came of the claim in [`Db::user_then_claim`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claimed {
    /// The decision asked for no claim.
    NotAsked,
    /// The claim is recorded: the code was not used before.
    Granted,
    /// The (kind, step) was used already: a replay.
    AlreadyUsed,
}

/// Looks at a user and decides what to claim; errors are internal (a seed that cannot be read).
pub type Decide =
    Box<dyn FnOnce(&UserRow) -> std::result::Result<Option<TokenClaim>, String> + Send>;

/// Most claims written in one statement.
const CLAIM_BATCH: usize = 400;

/// Group commit for replay protection: claims that arrive while a batch is being written go into
/// the next one, so concurrent verifications share one transaction. Each claim still learns
/// whether its own row was new.
async fn claim_writer(writer: AnyPool, mut rx: mpsc::UnboundedReceiver<Claim>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < CLAIM_BATCH {
            match rx.try_recv() {
                Ok(c) => batch.push(c),
                Err(_) => break,
            }
        }
        let mut sql =
            String::from("INSERT INTO used_tokens (user_id, kind, step, used_at) VALUES ");
        for i in 0..batch.len() {
            let n = i * 4;
            sql.push_str(&format!(
                "{}(${}, ${}, ${}, ${})",
                if i == 0 { "" } else { ", " },
                n + 1,
                n + 2,
                n + 3,
                n + 4
            ));
        }
        sql.push_str(" ON CONFLICT DO NOTHING RETURNING user_id, kind, step");
        // Built only from fixed fragments and placeholder numbers; every value is bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for c in &batch {
            query = query.bind(c.user_id).bind(c.kind).bind(c.step).bind(c.now);
        }
        let result = query.fetch_all(&writer).await.map(|rows| {
            rows.iter()
                .filter_map(|r| {
                    Some((
                        r.try_get::<i64, _>("user_id").ok()?,
                        r.try_get::<String, _>("kind").ok()?,
                        r.try_get::<i64, _>("step").ok()?,
                    ))
                })
                .collect::<std::collections::HashSet<_>>()
        });
        let mut granted = std::collections::HashSet::new();
        for c in batch {
            let mut answer = match &result {
                // A key inserted by this batch goes to the first claim that asked for it.
                Ok(inserted) => Ok(inserted.contains(&(c.user_id, c.kind.to_owned(), c.step))
                    && granted.insert((c.user_id, c.kind, c.step))),
                Err(e) => Err(e.to_string()),
            };
            if answer == Ok(true) && c.mark_success {
                answer = mark_success(&writer, c.user_id)
                    .await
                    .map(|()| true)
                    .map_err(|e| e.to_string());
            }
            let _ = c.reply.send(answer);
        }
    }
}

async fn mark_success(writer: &AnyPool, id: i64) -> Result<()> {
    sqlx::query(
        "UPDATE users SET registered = 1, failed_attempts = 0, locked_until = 0 WHERE id = $1",
    )
    .bind(id)
    .execute(writer)
    .await?;
    Ok(())
}

/// Usage events not yet written: (app, year × 12 + month − 1, counter) → count.
type UsageCounts = HashMap<(i64, i32, Counter), i64>;
/// Applications by key hash, with when they were read.
type AppCache = HashMap<String, (Arc<AppRow>, Instant)>;

/// How long an application looked up by key is reused before it is read again.
const APP_CACHE: Duration = Duration::from_secs(5);

/// An application (tenant).
#[derive(Clone, Debug)]
pub struct AppRow {
    pub id: i64,
    pub name: String,
    pub api_key_hash: String,
    pub token_length: i64,
    pub sms_enabled: bool,
    pub calls_enabled: bool,
    pub email_enabled: bool,
    pub onetouch_enabled: bool,
    pub callback_url: Option<String>,
    pub callback_method: String,
    /// The API key sealed with the server key (callbacks are signed with it); absent for
    /// applications created before push, until their key is rotated.
    pub api_key_sealed: Option<Vec<u8>>,
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
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub processed_at: Option<i64>,
    /// The number the user must type (number matching), if asked for.
    pub number: Option<i64>,
    /// Why it was denied (`not_me`, `wrong_number`).
    pub reason: Option<String>,
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
        (self.seconds_to_expire > 0).then_some(self.created_at + self.seconds_to_expire)
    }

    /// Whether it is still pending but past its lifetime at `now`.
    pub fn overdue(&self, now: i64) -> bool {
        self.status == "pending" && self.expires_at().is_some_and(|at| now >= at)
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
        let claims = hot.is_none().then(|| {
            let (claims, rx) = mpsc::unbounded_channel();
            tokio::spawn(claim_writer(writer.clone(), rx));
            claims
        });
        Ok(Self {
            backend,
            pool,
            writer,
            usage: Arc::default(),
            apps: Arc::default(),
            claims,
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

    pub async fn count_apps(&self) -> Result<i64> {
        sqlx::query("SELECT COUNT(*) AS n FROM apps")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")
    }

    pub async fn create_app(
        &self,
        name: &str,
        key_hash: &str,
        key_sealed: Option<&[u8]>,
        token_length: i64,
        now: i64,
    ) -> Result<i64> {
        sqlx::query("INSERT INTO apps (name, api_key_hash, api_key_sealed, token_length, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(name)
            .bind(key_hash)
            .bind(key_sealed.map(<[u8]>::to_vec))
            .bind(token_length)
            .bind(now)
            .fetch_one(&self.writer)
            .await?
            .try_get("id")
    }

    /// The application with this key hash, reused for a few seconds after each read.
    pub async fn app_by_key_hash_cached(&self, key_hash: &str) -> Result<Option<Arc<AppRow>>> {
        if let Some((app, at)) = self
            .apps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key_hash)
            && at.elapsed() < APP_CACHE
        {
            return Ok(Some(app.clone()));
        }
        let app = self.app_by_key_hash(key_hash).await?.map(Arc::new);
        if let Some(a) = &app {
            self.apps
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key_hash.to_owned(), (a.clone(), Instant::now()));
        }
        Ok(app)
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
        self.apps.lock().unwrap_or_else(|e| e.into_inner()).clear();
        sqlx::query(
            "UPDATE apps SET token_length = $1, sms_enabled = $2, calls_enabled = $3, email_enabled = $4, \
             onetouch_enabled = $5, callback_url = $6, callback_method = $7, api_key_hash = $8, api_key_sealed = $9 WHERE id = $10",
        )
        .bind(app.token_length)
        .bind(b(app.sms_enabled))
        .bind(b(app.calls_enabled))
        .bind(b(app.email_enabled))
        .bind(b(app.onetouch_enabled))
        .bind(app.callback_url.clone())
        .bind(app.callback_method.clone())
        .bind(app.api_key_hash.clone())
        .bind(app.api_key_sealed.clone())
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
        sqlx::query(
            "INSERT INTO users (app_id, email, country_code, cellphone, app_seed, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(app_id)
        .bind(email)
        .bind(country_code)
        .bind(cellphone)
        .bind(app_seed.to_vec())
        .bind(now)
        .fetch_one(&self.writer)
        .await?
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

    /// Records a successful verification: the user is registered, the failure count resets.
    pub async fn verification_succeeded(&self, id: i64) -> Result<()> {
        mark_success(&self.writer, id).await
    }

    /// Records a failed verification; locks the user until `lock_until` once `max` is reached.
    pub async fn verification_failed(&self, id: i64, max: i64, lock_until: i64) -> Result<()> {
        sqlx::query(
            "UPDATE users SET failed_attempts = failed_attempts + 1, \
             locked_until = CASE WHEN failed_attempts + 1 >= $1 THEN $2 ELSE locked_until END WHERE id = $3",
        )
        .bind(max)
        .bind(lock_until)
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

    /// Reads a live user, lets `decide` look at it, and makes the claim it asks for. On SQLite all
    /// of it is one job on the hot-path thread, in one transaction with other requests' jobs
    /// (one hand-over per verification); elsewhere a read followed by a group-committed claim.
    /// `None` when there is no such user.
    pub async fn user_then_claim(
        &self,
        app_id: i64,
        id: i64,
        now: i64,
        decide: Decide,
    ) -> Result<Option<(UserRow, Claimed)>> {
        if let Some(hot) = &self.hot {
            return hot
                .user_then_claim(app_id, id, now, decide)
                .await
                .map_err(sqlx::Error::Protocol);
        }
        let Some(user) = self.user(app_id, id).await? else {
            return Ok(None);
        };
        let claimed = match decide(&user).map_err(sqlx::Error::Protocol)? {
            None => Claimed::NotAsked,
            Some(c) => {
                if self
                    .use_token_step(user.id, c.kind, c.step, now, c.mark_success)
                    .await?
                {
                    Claimed::Granted
                } else {
                    Claimed::AlreadyUsed
                }
            }
        };
        Ok(Some((user, claimed)))
    }

    /// Marks a (kind, time step) as used through sqlx; false when it already was (a replay). With
    /// `mark_success`, a granted claim also records a successful verification for the user.
    /// Concurrent calls are committed together.
    async fn use_token_step(
        &self,
        user_id: i64,
        kind: &'static str,
        step: i64,
        now: i64,
        mark_success: bool,
    ) -> Result<bool> {
        let (reply, answer) = oneshot::channel();
        let claim = Claim {
            user_id,
            kind,
            step,
            now,
            mark_success,
            reply,
        };
        let claims = self.claims.as_ref().ok_or(sqlx::Error::PoolClosed)?;
        claims.send(claim).map_err(|_| sqlx::Error::PoolClosed)?;
        answer
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?
            .map_err(sqlx::Error::Protocol)
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

    pub async fn insert_sent_code(
        &self,
        user_id: i64,
        channel: &str,
        code_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO sent_codes (user_id, channel, code_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(user_id)
            .bind(channel)
            .bind(code_hash)
            .bind(now)
            .bind(expires_at)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Uses up an unexpired sent code with this hash; false when there is none.
    pub async fn use_sent_code(&self, user_id: i64, code_hash: &str, now: i64) -> Result<bool> {
        let done = sqlx::query("UPDATE sent_codes SET used = 1 WHERE user_id = $1 AND code_hash = $2 AND used = 0 AND expires_at > $3")
            .bind(user_id)
            .bind(code_hash)
            .bind(now)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() > 0)
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

    pub async fn update_verification(&self, uuid: &str, attempts: i64, status: &str) -> Result<()> {
        sqlx::query("UPDATE phone_verifications SET attempts = $1, status = $2 WHERE uuid = $3")
            .bind(attempts)
            .bind(status)
            .bind(uuid)
            .execute(&self.writer)
            .await?;
        Ok(())
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

/// The embedded migrations of a backend (the SQL files are compiled into the binary).
fn migrator(backend: Backend) -> Migrator {
    let steps: [(&str, &str); 3] = match backend {
        Backend::Sqlite => [
            ("init", include_str!("../migrations/sqlite/0001_init.sql")),
            (
                "used tokens by step",
                include_str!("../migrations/sqlite/0002_used_tokens_by_step.sql"),
            ),
            ("push", include_str!("../migrations/sqlite/0003_push.sql")),
        ],
        Backend::Postgres => [
            ("init", include_str!("../migrations/postgres/0001_init.sql")),
            (
                "used tokens by step",
                include_str!("../migrations/postgres/0002_used_tokens_by_step.sql"),
            ),
            ("push", include_str!("../migrations/postgres/0003_push.sql")),
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
    Ok(AppRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        api_key_hash: r.try_get("api_key_hash")?,
        token_length: r.try_get("token_length")?,
        sms_enabled: bool_col(r, "sms_enabled")?,
        calls_enabled: bool_col(r, "calls_enabled")?,
        email_enabled: bool_col(r, "email_enabled")?,
        onetouch_enabled: bool_col(r, "onetouch_enabled")?,
        callback_url: r.try_get("callback_url")?,
        callback_method: r.try_get("callback_method")?,
        api_key_sealed: r.try_get("api_key_sealed")?,
        created_at: r.try_get("created_at")?,
    })
}

fn user_row(r: &AnyRow) -> Result<UserRow> {
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
        status: r.try_get("status")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        processed_at: r.try_get("processed_at")?,
        number: r.try_get("number")?,
        reason: r.try_get("reason")?,
        device_uuid: r.try_get("device_uuid")?,
        device_signature: r.try_get("device_signature")?,
        signed_at: r.try_get("signed_at")?,
        requester: r.try_get("requester")?,
    })
}
