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

mod approvals;
mod apps;
mod counters;
mod housekeeping;
mod pg_verify;
mod phones;
mod push;
mod sqlite_hot;
mod sync;
mod users;
mod verify;

pub use approvals::ApprovalRow;
use approvals::approval_row;
pub use apps::AppRow;
use apps::app_row;
use counters::UsageCounts;
pub use counters::{Counter, UsageRow};
pub use phones::VerificationRow;
pub use push::{
    Answer, CallbackOutcome, CallbackRow, DeviceRow, EnrollOutcome, NewCallback, NewDevice,
};
use sqlite_hot::SqliteHot;
pub use sync::{
    AdmissionRefused, NewSyncDeviceRow, NewSyncLink, RecordWrite, SyncDeviceRow, SyncRecordRow,
    WriteRefused,
};
pub use users::UserRow;
pub(crate) use users::user_row;
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

/// Per-connection settings, run on every connection the pools open (a `PRAGMA` run on a pool
/// reaches one connection only): SQLite waits up to 5 s for a lock and syncs at WAL commit
/// points (`NORMAL`: durable across a crash of the process; the fault tests kill it).
async fn configure(conn: &mut sqlx::AnyConnection, backend: Backend) -> sqlx::Result<()> {
    if backend == Backend::Sqlite {
        sqlx::query("PRAGMA busy_timeout = 5000")
            .execute(&mut *conn)
            .await?;
        sqlx::query("PRAGMA synchronous = NORMAL")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
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
    /// PostgreSQL: verification attempts in batches (see [`pg_verify`]).
    pg_verify: Option<Arc<pg_verify::PgVerifier>>,
}

/// A JSON text column (details, logos, requester) as a value; `null` if it does not parse.
pub fn json_column(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
}

/// Why the database could not answer a query.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// sqlx failed (either backend).
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    /// The SQLite hot-path connection (rusqlite) failed: SQLite's code and message.
    #[error("sqlite: {message}")]
    Sqlite {
        /// SQLite's primary result code, when it gave one.
        code: Option<rusqlite::ErrorCode>,
        /// What SQLite said.
        message: String,
    },
    /// The verify path's thread or batcher (SQLite's hot path, PostgreSQL's batches) has
    /// stopped (the server is shutting down).
    #[error("the verify path has stopped")]
    HotPathStopped,
    /// A call made for a batch of attempts failed; every attempt in it gets its text.
    #[error("{message}")]
    Batch {
        /// What the database said.
        message: String,
        /// Whether the error was the storage being unavailable.
        unavailable: bool,
    },
    /// A stored value this code cannot read (an unknown status, say).
    #[error("stored data: {0}")]
    Corrupt(String),
    /// The verify judge failed (a seed the server key cannot open).
    #[error("{0}")]
    Judge(String),
}

impl StoreError {
    /// Whether the storage cannot take the request now (full, unreachable, read-only, busy)
    /// rather than a fault of the request or the code: the client may try again later.
    pub fn unavailable(&self) -> bool {
        match self {
            Self::Sqlx(e) => sqlx_unavailable(e),
            Self::Sqlite { code, .. } => matches!(
                code,
                Some(
                    rusqlite::ErrorCode::DiskFull
                        | rusqlite::ErrorCode::SystemIoFailure
                        | rusqlite::ErrorCode::DatabaseBusy
                        | rusqlite::ErrorCode::DatabaseLocked
                )
            ),
            Self::HotPathStopped => true,
            Self::Batch { unavailable, .. } => *unavailable,
            Self::Corrupt(_) | Self::Judge(_) => false,
        }
    }
}

impl From<&rusqlite::Error> for StoreError {
    fn from(e: &rusqlite::Error) -> Self {
        Self::Sqlite {
            code: e.sqlite_error_code(),
            message: e.to_string(),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self::from(&e)
    }
}

/// Whether an sqlx error is the storage being unavailable (see [`StoreError::unavailable`]).
fn sqlx_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => true,
        sqlx::Error::Database(db) => {
            if let Some(e) = db.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
                // SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY (and their extended codes).
                let primary = sqlx::error::DatabaseError::code(e)
                    .and_then(|c| c.parse::<i32>().ok())
                    .map(|c| c & 0xff);
                matches!(primary, Some(13 | 10 | 5))
            } else if let Some(e) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                // Insufficient resources (disk full, out of memory), a system or I/O error of
                // the server's own storage (class 58: a write that failed as the disk filled),
                // the server shutting down or starting, a lost connection, a standby that
                // cannot write.
                let code = e.code();
                code.starts_with("53")
                    || code.starts_with("58")
                    || code.starts_with("57P")
                    || code.starts_with("08")
                    || code == "25006"
            } else {
                false
            }
        }
        _ => false,
    }
}

type Result<T> = std::result::Result<T, StoreError>;

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
            .after_connect(move |conn, _| Box::pin(async move { configure(conn, backend).await }))
            .connect(&url)
            .await?;
        if backend == Backend::Sqlite {
            // Kept in the file: once is enough.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await
                .ok();
        }
        migrator(backend).run(&pool).await?;
        let writer = match backend {
            Backend::Sqlite if max > 1 => {
                AnyPoolOptions::new()
                    .max_connections(1)
                    .after_connect(move |conn, _| {
                        Box::pin(async move { configure(conn, backend).await })
                    })
                    .after_release(|conn, _| {
                        Box::pin(async move { Ok(!stuck_in_transaction(conn).await) })
                    })
                    .connect(&url)
                    .await?
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
        let pg_verify = (backend == Backend::Postgres)
            .then(|| Arc::new(pg_verify::PgVerifier::start(pool.clone())));
        Ok(Self {
            backend,
            pool,
            writer,
            usage: Arc::default(),
            hot,
            pg_verify,
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
        Ok(sqlx::query("SELECT value FROM server_meta WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get("value"))
            .transpose()?)
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
    let steps: [(&str, &str); 7] = match backend {
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
            ("sync", include_str!("../migrations/sqlite/0005_sync.sql")),
            (
                "shared limits",
                include_str!("../migrations/sqlite/0006_shared_limits.sql"),
            ),
            (
                "verify batch",
                include_str!("../migrations/sqlite/0007_verify_batch.sql"),
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
            ("sync", include_str!("../migrations/postgres/0005_sync.sql")),
            (
                "shared limits",
                include_str!("../migrations/postgres/0006_shared_limits.sql"),
            ),
            (
                "verify batch",
                include_str!("../migrations/postgres/0007_verify_batch.sql"),
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
    fn int(&self, name: &str) -> sqlx::Result<i64> {
        self.try_get(name)
    }
    fn text(&self, name: &str) -> sqlx::Result<String> {
        self.try_get(name)
    }
    fn opt_text(&self, name: &str) -> sqlx::Result<Option<String>> {
        self.try_get(name)
    }
    fn opt_bytes(&self, name: &str) -> sqlx::Result<Option<Vec<u8>>> {
        self.try_get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_pooled_sqlite_connection_gets_the_settings() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("s.db").display());
        let db = Db::connect(&url).await.unwrap();
        // Hold several connections at once, so that the pool must open more than one.
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(db.pool.acquire().await.unwrap());
        }
        held.push(db.writer.acquire().await.unwrap());
        for conn in &mut held {
            let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            let timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            assert_eq!(
                (sync, timeout),
                (1, 5000),
                "NORMAL and 5 s on every connection"
            );
        }
    }

    #[test]
    fn storage_that_cannot_take_a_request_is_told_from_a_fault() {
        let sqlite = |code| StoreError::Sqlite {
            code: Some(code),
            message: "x".into(),
        };
        for code in [
            rusqlite::ErrorCode::DiskFull,
            rusqlite::ErrorCode::SystemIoFailure,
            rusqlite::ErrorCode::DatabaseBusy,
            rusqlite::ErrorCode::DatabaseLocked,
        ] {
            assert!(sqlite(code).unavailable(), "{code:?}");
        }
        assert!(!sqlite(rusqlite::ErrorCode::ConstraintViolation).unavailable());
        assert!(StoreError::HotPathStopped.unavailable());
        assert!(StoreError::Sqlx(sqlx::Error::PoolTimedOut).unavailable());
        assert!(!StoreError::Sqlx(sqlx::Error::RowNotFound).unavailable());
        assert!(!StoreError::Corrupt("status".into()).unavailable());
        assert!(!StoreError::Judge("seed".into()).unavailable());
        // rusqlite's own error keeps SQLite's code.
        let full = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(13), None);
        assert!(StoreError::from(full).unavailable());
    }
}
