//! What the server's integration tests share: a fresh PostgreSQL database per test (when
//! `cargo xtask test` started a server), and the router served over real HTTP on loopback.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;
use twofold_server::crypto::{self, ServerKey};
use twofold_server::delivery::Delivery;
use twofold_server::limits::{LimitSettings, Limits};
use twofold_server::state::{AppState, Policy};
use twofold_server::store::Db;

/// A fresh PostgreSQL database for one test, dropped with this value.
pub struct PgDb {
    admin: String,
    name: String,
    pub url: String,
}

/// Runs one SQL command through `psql` on `admin` (a database URL), stopping on an error.
pub fn psql(admin: &str, sql: &str) {
    let out = Command::new("psql")
        .arg(admin)
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl PgDb {
    /// `None` (after saying why) outside `cargo xtask test`, which starts PostgreSQL.
    pub fn create(tag: &str) -> Option<Self> {
        let Some(admin) = std::env::var("TWOFOLD_TEST_POSTGRES_URL").ok() else {
            eprintln!("needs `cargo xtask test`, which starts PostgreSQL");
            return None;
        };
        let name = format!("twofold_{tag}_{}", std::process::id());
        psql(&admin, &format!("DROP DATABASE IF EXISTS {name}"));
        psql(&admin, &format!("CREATE DATABASE {name}"));
        let url = match admin.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => panic!("TWOFOLD_TEST_POSTGRES_URL has no database part"),
        };
        Some(Self { admin, name, url })
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .arg(&self.admin)
            .args([
                "-q",
                "-c",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}

/// Which database a test server runs on.
#[derive(Clone, Copy, Debug)]
pub enum Backend {
    /// An SQLite file (the hot path of `verify`).
    Sqlite,
    /// A fresh PostgreSQL database.
    Postgres,
}

/// The API key of the test application.
pub const KEY: &str = "attack-test-api-key";

/// The router on a loopback port over a real database.
pub struct Server {
    pub state: AppState,
    pub base: String,
    /// The database URL (another process's view of the same data).
    pub url: String,
    pub outbox: PathBuf,
    pub dir: tempfile::TempDir,
    _pg: Option<PgDb>,
}

impl Server {
    /// A server with one application (`Acme`, key [`KEY`]) and limits per address and per key
    /// high enough that only the per-user rules under test apply. `None` on PostgreSQL outside
    /// `cargo xtask test`.
    pub async fn start(backend: Backend, tag: &str) -> Option<Self> {
        Self::start_with(backend, tag, Policy::default()).await
    }

    /// [`Server::start`] with other policy numbers.
    pub async fn start_with(backend: Backend, tag: &str, policy: Policy) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let (url, pg) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}", dir.path().join("server.db").display()),
                None,
            ),
            Backend::Postgres => {
                let pg = PgDb::create(tag)?;
                (pg.url.clone(), Some(pg))
            }
        };
        let db = Db::connect(&url).await.unwrap();
        let key = ServerKey::from_hex(&"5a".repeat(32)).unwrap();
        db.create_app(
            "Acme",
            &crypto::hash(KEY),
            Some(&key.seal(twofold_server::crypto::Purpose::ApiKey, KEY.as_bytes())),
            7,
            0,
        )
        .await
        .unwrap();
        let outbox = dir.path().join("outbox.jsonl");
        let limits = LimitSettings {
            per_key_per_second: 100_000,
            per_key_burst: 100_000,
            per_ip_per_second: 100_000,
            per_ip_burst: 100_000,
            ..LimitSettings::default()
        };
        let state = AppState::new(
            db,
            key,
            Delivery::outbox(outbox.clone()),
            policy,
            Limits::new(limits),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = twofold_server::router(state.clone());
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
        });
        tokio::spawn(twofold_server::callbacks::run(state.clone()));
        Some(Self {
            state,
            base,
            url,
            outbox,
            dir,
            _pg: pg,
        })
    }

    /// One API call on a new connection: (status, body).
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        call(&reqwest::Client::new(), &self.base, method, path, body).await
    }

    /// A user with this phone number; returns the authy id.
    pub async fn user(&self, phone: &str) -> i64 {
        let (s, b) = self
            .call(
                "POST",
                "/protected/json/users/new",
                Some(
                    serde_json::json!({"user": {"email": format!("{phone}@example.com"),
                    "cellphone": phone, "country_code": 1}}),
                ),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        b["user"]["id"].as_i64().unwrap()
    }

    /// The user's authenticator seed (`users/{id}/secret`), as raw bytes.
    pub async fn authenticator_seed(&self, id: i64) -> Vec<u8> {
        let (s, b) = self
            .call(
                "POST",
                &format!("/protected/json/users/{id}/secret"),
                Some(serde_json::json!({"label": "Acme"})),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        secret_seed(&b)
    }

    /// The messages delivered so far (outbox lines).
    pub fn outbox(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.outbox)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

/// One API call with this client: (status, body).
pub async fn call(
    http: &reqwest::Client,
    base: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = http
        .request(method.parse().unwrap(), format!("{base}{path}"))
        .header("X-Authy-API-Key", KEY);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The seed in a `users/{id}/secret` answer, as raw bytes.
pub fn secret_seed(answer: &Value) -> Vec<u8> {
    data_encoding::BASE32_NOPAD
        .decode(
            answer["secret"]
                .as_str()
                .unwrap()
                .trim_end_matches('=')
                .as_bytes(),
        )
        .unwrap()
}

/// `n` six-digit guesses, none of them a code `seed` makes for the previous, current or next
/// step.
pub fn wrong_codes(seed: &[u8], n: usize) -> Vec<String> {
    let live: Vec<String> = (-1..=1).map(|o| totp(seed, 6, o)).collect();
    (0..1_000_000)
        .map(|n| format!("{:06}", (n * 7919 + 13) % 1_000_000))
        .filter(|g| !live.contains(g))
        .take(n)
        .collect()
}

/// Unix seconds now, on the system clock.
pub fn now() -> i64 {
    twofold_core::clock::Clock::unix_seconds(&twofold_core::clock::SystemClock) as i64
}

/// The 6-digit, 30-second TOTP of `seed` for the step `offset` steps from now.
pub fn totp(seed: &[u8], digits: u8, offset: i64) -> String {
    use twofold_core::otp::{Algorithm, Method, OtpParams};
    OtpParams::new(Method::Totp { period: 30 }, Algorithm::Sha1, digits)
        .unwrap()
        .code_for_counter(seed, (now() / 30 + offset) as u64)
        .to_string()
}

/// A device of the user enrolled through the router as the desktop app does it (an enrollment,
/// then the device's signed-up key): its uuid and its TOTP seed.
pub async fn enroll_device(server: &Server, id: i64) -> (String, Vec<u8>) {
    use twofold_push::protocol::{self, DeviceKey, EnrollmentLink};
    let (s, b) = server
        .call(
            "POST",
            &format!("/protected/json/users/{id}/devices/enrollments"),
            Some(serde_json::json!({})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let link = EnrollmentLink::parse(b["enrollment"]["uri"].as_str().unwrap()).unwrap();
    let key = DeviceKey::generate().unwrap();
    let public_key = key.public_b64();
    let body = serde_json::json!({
        "id": link.id,
        "secret": link.secret.as_str(),
        "proof": key.sign(&protocol::enroll_string(&link.id, &public_key)),
        "public_key": public_key,
        "name": "attack test",
        "platform": "linux",
    });
    let (s, b) = server.call("POST", "/device/v1/enroll", Some(body)).await;
    assert_eq!(s, 200, "{b}");
    let seed = data_encoding::BASE32_NOPAD
        .decode(b["account"]["secret"].as_str().unwrap().as_bytes())
        .unwrap();
    (b["device"]["uuid"].as_str().unwrap().to_owned(), seed)
}

/// The server key every run shares (the database holds seeds sealed under it).
pub const SERVER_KEY: &str = "6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b";

/// Points the Default application's callbacks at `callback_url`, as an operator does (`app set
/// --callback-url` on the binary).
pub fn set_callback_url(database_url: &str, callback_url: &str) {
    let set = Command::new(env!("CARGO_BIN_EXE_twofold-server"))
        .env("TWOFOLD_SERVER_KEY", SERVER_KEY)
        .env_remove("TWOFOLD_CONFIG")
        .args(["--database-url", database_url, "app", "set", "Default"])
        .args(["--callback-url", callback_url])
        .output()
        .unwrap();
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
}

/// The `twofold-server` binary, running (on `127.0.0.1:0`, logging into `dir/server.log`).
pub struct Running {
    pub child: Child,
    pub base: String,
}

/// Starts the binary on `url` and waits until it listens; text messages go to `outbox`
/// (default: `dir/outbox.jsonl`).
pub fn start(dir: &Path, url: &str, outbox: Option<&Path>) -> Running {
    start_at(dir, url, outbox, "127.0.0.1:0", &[])
}

/// [`start`] on a given address (a restart keeps its clients' address), with more settings in
/// the environment.
pub fn start_at(
    dir: &Path,
    url: &str,
    outbox: Option<&Path>,
    listen: &str,
    env: &[(&str, &str)],
) -> Running {
    start_with_args(
        dir,
        url,
        outbox,
        listen,
        env,
        &["--rate-per-ip", "1000000", "--rate-per-key", "1000000"],
    )
}

/// [`start_at`] with these `serve` flags instead of the high per-address and per-key limits.
pub fn start_with_args(
    dir: &Path,
    url: &str,
    outbox: Option<&Path>,
    listen: &str,
    env: &[(&str, &str)],
    args: &[&str],
) -> Running {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("server.log"))
        .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_twofold-server"))
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .env("TWOFOLD_SERVER_KEY", SERVER_KEY)
        .env("TWOFOLD_BOOTSTRAP_API_KEY", KEY)
        .env_remove("TWOFOLD_CONFIG")
        .envs(env.iter().copied())
        .args(["--database-url", url, "serve", "--listen", listen])
        .args(args)
        .arg("--outbox")
        .arg(outbox.map_or_else(|| dir.join("outbox.jsonl"), Path::to_path_buf))
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("the server announced itself (see server.log)")
            .unwrap();
        if let Some(url) = line.strip_prefix("twofold-server listening on ") {
            break url.to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Running { child, base }
}

impl Running {
    /// SIGKILL, and waits for the process to be gone.
    pub fn kill(self) {}
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One API call that may find the server gone (a killed or dying server): the error, not a
/// panic. 20 s at most.
pub async fn try_call(
    http: &reqwest::Client,
    base: &str,
    method: &str,
    path: &str,
    body: Value,
) -> Result<(u16, Value), reqwest::Error> {
    let r = http
        .request(method.parse().unwrap(), format!("{base}{path}"))
        .header("X-Authy-API-Key", KEY)
        .timeout(std::time::Duration::from_secs(20))
        .json(&body)
        .send()
        .await?;
    let status = r.status().as_u16();
    let body = r.json().await?;
    Ok((status, body))
}

/// One request to send together with others: the server, method, path and headers.
pub struct Together {
    pub base: String,
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(&'static str, String)>,
}

/// Sends every request at once: one client (and connection) each, opened first with a
/// `/healthz` (from the proxy's own address when a request names a client in
/// `X-Forwarded-For`), then released together by a barrier.
pub async fn together(requests: Vec<Together>) -> Vec<(u16, Value)> {
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(requests.len()));
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|r| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let with_headers = |mut req: reqwest::RequestBuilder| {
                    for (name, value) in &r.headers {
                        req = req.header(*name, value);
                    }
                    req
                };
                http.get(format!("{}/healthz", r.base))
                    .send()
                    .await
                    .unwrap();
                barrier.wait().await;
                let resp = with_headers(
                    http.request(r.method.parse().unwrap(), format!("{}{}", r.base, r.path))
                        .header("X-Authy-API-Key", KEY),
                )
                .send()
                .await
                .unwrap();
                let status = resp.status().as_u16();
                let text = resp.text().await.unwrap();
                (
                    status,
                    serde_json::from_str(&text).unwrap_or(Value::String(text)),
                )
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// How many answers have this status and Authy error code.
pub fn count(answers: &[(u16, Value)], status: u16, code: &str) -> usize {
    answers
        .iter()
        .filter(|(s, b)| *s == status && b["error_code"] == code)
        .count()
}

/// SQLite's own checks of a file the server left (after a crash: with its WAL).
pub fn sqlite_integrity(path: &Path) {
    let db = rusqlite::Connection::open(path).unwrap();
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let broken: i64 = db
        .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(broken, 0, "foreign keys point nowhere");
}
