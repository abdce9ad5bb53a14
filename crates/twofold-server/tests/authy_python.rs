//! End to end: the real `twofold-server` binary driven by the official PyPI `authy` 2.2.6 client
//! (`python/authy_client_e2e.py`), once on SQLite and once on PostgreSQL; and push approval
//! (`python/push_e2e.py`: the `twofold` CLI as the device, the same library as the website, two
//! servers on one PostgreSQL database).
//!
//! `cargo xtask test` provides the Python environment (TWOFOLD_XTASK_VENV) and a PostgreSQL
//! server (TWOFOLD_TEST_POSTGRES_URL); without them these tests say so instead of running.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

mod support;
use support::PgDb;

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(database_url: &str, dir: &Path) -> Server {
    let log = std::fs::File::create(dir.join("server.log")).expect("log file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_twofold-server"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            database_url,
        ])
        .arg("--outbox")
        .arg(dir.join("outbox.jsonl"))
        .arg("--server-key-file")
        .arg(dir.join("server.key"))
        .env("TWOFOLD_BOOTSTRAP_API_KEY", "e2e-test-api-key")
        .arg("--log-json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("twofold-server starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("the server printed its address")
            .expect("utf-8");
        if let Some(url) = line.strip_prefix("twofold-server listening on ") {
            break url.trim().to_owned();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, url }
}

fn venv() -> Option<PathBuf> {
    match std::env::var_os("TWOFOLD_XTASK_VENV") {
        Some(v) => Some(PathBuf::from(v)),
        None => {
            eprintln!("needs `cargo xtask test`, which installs the authy client in a venv");
            None
        }
    }
}

fn run_client(venv: &Path, server: &Server, dir: &Path) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/authy_client_e2e.py");
    let out = Command::new(venv.join("bin/python"))
        .arg(script)
        .env("TWOFOLD_URL", &server.url)
        .env("TWOFOLD_API_KEY", "e2e-test-api-key")
        .env("TWOFOLD_OUTBOX", dir.join("outbox.jsonl"))
        .output()
        .expect("python runs");
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "the authy client suite failed:\n{text}"
    );
    assert!(text.contains(" passed, 0 failed"), "{text}");
}

#[test]
fn official_python_client_on_sqlite() {
    let Some(venv) = venv() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = start(
        &format!("sqlite://{}", dir.path().join("twofold.db").display()),
        dir.path(),
    );
    run_client(&venv, &server, dir.path());
}

#[test]
fn official_python_client_on_postgres() {
    let Some(venv) = venv() else { return };
    let Some(db) = PgDb::create("e2e") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = start(&db.url, dir.path());
    run_client(&venv, &server, dir.path());
}

/// npm `authy-client`'s callback check (`tests/node`), installed by `cargo xtask test`.
fn node_verifier() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/node");
    assert!(
        dir.join("node_modules/authy-client").exists(),
        "npm authy-client is not installed in {}: `cargo xtask test` does it (npm ci there)",
        dir.display()
    );
    dir.join("verify_callback.js")
}

/// The push suite: it starts (and restarts) the servers itself.
fn run_push(venv: &Path, database_url: &str) {
    let server_bin = PathBuf::from(env!("CARGO_BIN_EXE_twofold-server"));
    let cli_bin = server_bin.with_file_name("twofold");
    assert!(
        cli_bin.exists(),
        "{} is missing: build the CLI too (`cargo test --workspace` does)",
        cli_bin.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/push_e2e.py");
    let out = Command::new(venv.join("bin/python"))
        .arg(script)
        .env("TWOFOLD_SERVER_BIN", &server_bin)
        .env("TWOFOLD_CLI_BIN", &cli_bin)
        .env("TWOFOLD_DATABASE_URL", database_url)
        .env("TWOFOLD_WORKDIR", dir.path())
        .env("TWOFOLD_NODE_VERIFIER", node_verifier())
        .output()
        .expect("python runs");
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}{}", String::from_utf8_lossy(&out.stderr));
    for log in ["server.log", "second.log", "listen.log"] {
        if !out.status.success()
            && let Ok(t) = std::fs::read_to_string(dir.path().join(log))
        {
            println!("--- {log} ---\n{t}");
        }
    }
    assert!(out.status.success(), "the push suite failed:\n{text}");
    assert!(text.contains(" passed, 0 failed"), "{text}");
}

#[test]
fn push_approval_end_to_end_on_sqlite() {
    let Some(venv) = venv() else { return };
    if std::env::var_os("TWOFOLD_TEST_SECRET_SERVICE").is_none() {
        eprintln!("needs `cargo xtask test`: the CLI device keeps its key in the session keychain");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    run_push(
        &venv,
        &format!("sqlite://{}", dir.path().join("push.db").display()),
    );
}

#[test]
fn push_approval_end_to_end_on_postgres_with_two_servers() {
    let Some(venv) = venv() else { return };
    if std::env::var_os("TWOFOLD_TEST_SECRET_SERVICE").is_none() {
        eprintln!("needs `cargo xtask test`: the CLI device keeps its key in the session keychain");
        return;
    }
    let Some(db) = PgDb::create("push") else {
        return;
    };
    run_push(&venv, &db.url);
}
