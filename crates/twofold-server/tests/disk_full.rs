//! A full disk under the server: the `twofold-server` binary with its SQLite database and outbox
//! on a small file system (`cargo xtask test` mounts one: `TWOFOLD_TEST_SMALL_DISK`), or its
//! PostgreSQL database in a tablespace there. Filled to the last byte, the server answers every
//! request with a result or a clean 503 in the Authy envelope (never a hang, a panic or a dropped
//! connection), keeps what it acknowledged, and works again once space returns.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use support::{Backend, psql, sqlite_integrity, start, totp, try_call};

/// The small disk is one for the whole binary: one test fills it at a time.
static DISK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The small file system, or `None` (after saying why) outside `cargo xtask test`.
fn small_disk() -> Option<PathBuf> {
    match std::env::var_os("TWOFOLD_TEST_SMALL_DISK") {
        Some(p) => Some(PathBuf::from(p)),
        None => {
            eprintln!("needs `cargo xtask test`, which mounts a small file system");
            None
        }
    }
}

/// Takes every free byte of the file system holding `dir`; dropping it frees them.
struct Filler(PathBuf);

impl Filler {
    fn fill(dir: &Path) -> Self {
        let path = dir.join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let block = vec![0xa5u8; 64 * 1024];
        // Big blocks, then single bytes for the last partial block.
        loop {
            if file
                .write_all(&block)
                .and_then(|()| file.sync_all())
                .is_err()
            {
                break;
            }
        }
        while file.write_all(&[0]).and_then(|()| file.sync_all()).is_ok() {}
        Self(path)
    }
}

impl Drop for Filler {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// One API call, which the server must answer (a result or a clean error) within 20 s.
async fn call(
    http: &reqwest::Client,
    base: &str,
    method: &str,
    path: &str,
    body: Value,
) -> (u16, Value) {
    try_call(http, base, method, path, body)
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: no answer ({e})"))
}

/// A 200, or the 503 envelope that says storage is unavailable.
fn ok_or_unavailable(what: &str, s: u16, b: &Value) -> bool {
    if s == 200 {
        return true;
    }
    assert_eq!(s, 503, "{what}: {b}");
    assert_eq!(b["success"], false, "{what}: {b}");
    assert_eq!(b["error_code"], "60000", "{what}: {b}");
    assert!(
        b["message"].as_str().unwrap().contains("try again"),
        "{what}: {b}"
    );
    false
}

fn user_body(n: u32) -> Value {
    json!({"user": {"email": format!("full{n}@example.com"),
                    "cellphone": format!("775-{}-{:04}", 462 + n / 10_000, n % 10_000), "country_code": 1}})
}

async fn full_disk(backend: Backend) {
    let Some(disk) = small_disk() else { return };
    let _one = DISK.lock().await;
    let tag = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let dir = disk.join(format!("server-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let logs = tempfile::tempdir().unwrap();
    let (url, _pg) = match backend {
        Backend::Sqlite => (
            format!("sqlite://{}", dir.join("server.db").display()),
            None,
        ),
        Backend::Postgres => match SmallPg::create(&dir) {
            Some(pg) => (pg.url.clone(), Some(pg)),
            None => return,
        },
    };
    let server = start(logs.path(), &url, Some(&dir.join("outbox.jsonl")));
    let http = reqwest::Client::new();
    let base = server.base.clone();

    // Before: a user who verifies.
    let (s, b) = call(
        &http,
        &base,
        "POST",
        "/protected/json/users/new",
        user_body(0),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let first = b["user"]["id"].as_i64().unwrap();
    let (s, b) = call(
        &http,
        &base,
        "POST",
        &format!("/protected/json/users/{first}/secret"),
        json!({"label": "Acme"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let seed = support::secret_seed(&b);

    // The disk fills up.
    let filler = Filler::fill(&disk);
    let mut kept = Vec::new();
    let mut refused = 0;
    // Writes go on until the database has used up its own slack (free pages, a reusable WAL).
    for n in 1..=3000 {
        let (s, b) = call(
            &http,
            &base,
            "POST",
            "/protected/json/users/new",
            user_body(n),
        )
        .await;
        if s != 200 && s != 503 {
            // Which cause the server logged for a refusal that is not the clean 503.
            let log = std::fs::read_to_string(logs.path().join("server.log")).unwrap_or_default();
            let causes: Vec<&str> = log
                .lines()
                .filter(|l| l.contains("request failed"))
                .collect();
            panic!(
                "users/new on a full disk answered {s}: {b}\nserver log:\n{}",
                causes.join("\n")
            );
        }
        if ok_or_unavailable("users/new on a full disk", s, &b) {
            kept.push(b["user"]["id"].as_i64().unwrap());
        } else {
            refused += 1;
            if refused == 20 {
                break;
            }
        }
    }
    assert!(refused > 0, "the disk was full, yet every write succeeded");
    // Each refusal is logged once, by the request middleware, with its route and the cause.
    let log = std::fs::read_to_string(logs.path().join("server.log")).unwrap();
    let failed = log
        .lines()
        .find(|l| l.contains("request failed") && l.contains("/protected/json/users/new"))
        .unwrap_or_else(|| panic!("no failed request in the log:\n{log}"));
    assert!(
        failed.contains("storage unavailable") && failed.contains("503"),
        "{failed}"
    );
    // Verify still answers: a result, or the clean 503.
    let (s, b) = call(
        &http,
        &base,
        "GET",
        &format!(
            "/protected/json/verify/{}/{first}?force=true",
            totp(&seed, 6, 0)
        ),
        json!({}),
    )
    .await;
    ok_or_unavailable("verify on a full disk", s, &b);
    // A text message cannot be queued in the outbox: a clean error, not a panic.
    let (s, b) = call(
        &http,
        &base,
        "GET",
        &format!("/protected/json/sms/{first}?force=true"),
        json!({}),
    )
    .await;
    assert!(s == 200 || s == 503, "sms on a full disk: {s} {b}");
    let health = http.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200, "the server stays up");

    // Space returns: everything works again, and what was acknowledged is there.
    drop(filler);
    if let Backend::Sqlite = backend {
        // Another process sees every acknowledged user: they were committed, not left inside
        // a transaction of the server's connection (which a failed commit once did).
        let db = rusqlite::Connection::open(dir.join("server.db")).unwrap();
        for id in kept.iter().chain([&first]) {
            let n: i64 = db
                .query_row("SELECT COUNT(*) FROM users WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .unwrap();
            assert_eq!(
                n, 1,
                "user {id} was acknowledged on a full disk, but not committed"
            );
        }
    }
    let (s, b) = call(
        &http,
        &base,
        "POST",
        "/protected/json/users/new",
        user_body(9999),
    )
    .await;
    assert_eq!(s, 200, "after space returned: {b}");
    kept.push(first);
    for id in &kept {
        let (s, b) = call(
            &http,
            &base,
            "GET",
            &format!("/protected/json/users/{id}/status"),
            json!({}),
        )
        .await;
        assert_eq!(
            s, 200,
            "user {id} was acknowledged on a full disk, then lost: {b}"
        );
    }
    let (s, b) = call(
        &http,
        &base,
        "GET",
        &format!(
            "/protected/json/verify/{}/{first}?force=true",
            totp(&seed, 6, 1)
        ),
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "verify after space returned: {b}");
    server.kill();
    if let Backend::Sqlite = backend {
        sqlite_integrity(&dir.join("server.db"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A PostgreSQL database whose tables live on the small disk (a tablespace there).
struct SmallPg {
    admin: String,
    name: String,
    url: String,
}

impl SmallPg {
    fn create(dir: &Path) -> Option<Self> {
        let Some(admin) = std::env::var("TWOFOLD_TEST_POSTGRES_URL").ok() else {
            eprintln!("needs `cargo xtask test`, which starts PostgreSQL");
            return None;
        };
        let space = dir.join("tablespace");
        std::fs::create_dir_all(&space).unwrap();
        // The server runs as `postgres` when the tests run as root.
        let _ = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&space)
            .status();
        let name = format!("twofold_full_{}", std::process::id());
        psql(&admin, &format!("DROP DATABASE IF EXISTS {name}"));
        psql(&admin, &format!("DROP TABLESPACE IF EXISTS {name}"));
        psql(
            &admin,
            &format!("CREATE TABLESPACE {name} LOCATION '{}'", space.display()),
        );
        psql(&admin, &format!("CREATE DATABASE {name} TABLESPACE {name}"));
        let url = match admin.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => panic!("TWOFOLD_TEST_POSTGRES_URL has no database part"),
        };
        Some(Self { admin, name, url })
    }
}

impl Drop for SmallPg {
    fn drop(&mut self) {
        for sql in [
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            format!("DROP TABLESPACE IF EXISTS {}", self.name),
        ] {
            let _ = Command::new("psql")
                .arg(&self.admin)
                .args(["-q", "-c", &sql])
                .output();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_under_sqlite_gives_clean_errors_and_loses_nothing() {
    full_disk(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_under_postgres_gives_clean_errors_and_loses_nothing() {
    full_disk(Backend::Postgres).await;
}
