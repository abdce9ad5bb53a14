//! What the push and soak benchmarks share: users with enrolled devices written straight into
//! an SQLite database, and the real `twofold-server` binary (release) serving it. With
//! `HEAPTRACK_OUT=<file>` the server runs under heaptrack (Debian's `heaptrack`), to see what
//! holds its memory (`heaptrack_print <file>.zst`; the resident-memory column then measures
//! heaptrack's wrapper, not the server).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use twofold_push::protocol::DeviceKey;
use twofold_server::crypto::{self, ServerKey};
use twofold_server::store::Db;

pub const KEY: &str = "bench-api-key";

/// The word after `name` on the command line.
pub fn text_arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// The number after `name` on the command line, or `default`.
pub fn arg(name: &str, default: usize) -> usize {
    text_arg(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A duration in milliseconds, two decimals.
pub fn ms(d: std::time::Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The `p` quantile (0 to 1) of sorted durations; zero when there are none.
pub fn percentile(sorted: &[std::time::Duration], p: f64) -> std::time::Duration {
    if sorted.is_empty() {
        return std::time::Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Resident memory of a process, KiB.
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The server process, killed when dropped.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        if std::env::var_os("HEAPTRACK_OUT").is_some() {
            // The server is heaptrack's child: SIGTERM its whole group (a graceful stop, so that
            // heaptrack writes its data out).
            let _ = Command::new("kill")
                .args(["-TERM", "--", &format!("-{}", self.0.id())])
                .status();
        } else {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// Open file descriptors of a process.
pub fn fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Threads of a process.
pub fn threads(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Threads:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Raises this process's open-file limit to its hard limit (children inherit it): thousands of
/// streams need more than the usual 1,024 descriptors on both sides.
pub fn raise_fd_limit() {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
}

/// `users` users (ids 1..=users), each with one device, then the server on them (with `extra`
/// flags): its base URL, its pid, the process, and each device's (uuid, key) in user order.
pub async fn start(
    dir: &Path,
    users: usize,
    extra: &[&str],
) -> (String, u32, Server, Vec<(String, DeviceKey)>) {
    raise_fd_limit();
    let db_url = format!("sqlite://{}", dir.join("push.db").display());
    let key_file = dir.join("server.key");
    let server_key = ServerKey::load_or_create(&key_file).unwrap();
    // Users and their devices, written directly (enrolling 1,000 devices is not the point).
    let keys: Vec<(String, DeviceKey)> = {
        let db = Db::connect(&db_url).await.unwrap();
        db.create_app(
            "Bench",
            &crypto::hash(KEY),
            Some(&server_key.seal(twofold_server::crypto::Purpose::ApiKey, KEY.as_bytes())),
            7,
            0,
        )
        .await
        .unwrap();
        let mut tx = db.pool().begin().await.unwrap();
        let mut keys = Vec::new();
        for i in 0..users {
            let uid: i64 = sqlx::query_scalar("INSERT INTO users (app_id, email, country_code, cellphone, app_seed, registered, created_at) VALUES (1, $1, 1, $2, $3, 1, 0) RETURNING id")
        .bind(format!("u{i}@example.com"))
        .bind(format!("{:010}", 2_000_000_000u64 + i as u64))
        .bind(server_key.seal(twofold_server::crypto::Purpose::AppSeed, &crypto::random_bytes(20)))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
            let key = DeviceKey::generate().unwrap();
            let uuid = uuid::Uuid::new_v4().to_string();
            sqlx::query("INSERT INTO devices (user_id, device_type, os_type, created_at, uuid, public_key, name) VALUES ($1, 'twofold', 'bench', 0, $2, $3, 'bench')")
        .bind(uid)
        .bind(uuid.clone())
        .bind(twofold_push::protocol::PublicKey::parse(&key.public_b64()).unwrap().to_bytes().to_vec())
        .execute(&mut *tx)
        .await
        .unwrap();
            keys.push((uuid, key));
        }
        tx.commit().await.unwrap();
        keys
    };
    let mut cmd = match std::env::var_os("HEAPTRACK_OUT") {
        Some(out) => {
            let mut c = Command::new("heaptrack");
            c.arg("-o")
                .arg(out)
                .arg(env!("CARGO_BIN_EXE_twofold-server"));
            c
        }
        None => Command::new(env!("CARGO_BIN_EXE_twofold-server")),
    };
    let mut child = cmd
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &db_url,
        ])
        .arg("--server-key-file")
        .arg(&key_file)
        .arg("--outbox")
        .arg(dir.join("outbox.jsonl"))
        .args(["--rate-per-ip", "1000000", "--rate-per-key", "1000000"])
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("twofold-server starts");
    let stdout = child.stdout.take().unwrap();
    let pid = child.id();
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("the server prints its address")
            .unwrap();
        if let Some(url) = line.strip_prefix("twofold-server listening on ") {
            break url.trim().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (base, pid, Server(child), keys)
}
