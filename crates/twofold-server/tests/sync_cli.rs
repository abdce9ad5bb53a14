//! Sync as a person uses it from the terminal: two computers, each its own HOME, D-Bus session
//! and gnome-keyring, running the `twofold` CLI against the real server binary. Added on one,
//! the same code on the other; concurrent edits, a delete against an edit, an HOTP counter
//! used on both, and edits made while the server is down all converge.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// One computer: a home directory, its own D-Bus session bus and keyring.
struct Computer {
    home: tempfile::TempDir,
    bus: String,
    bus_pid: u32,
    data: PathBuf,
    runtime: PathBuf,
}

impl Computer {
    fn new() -> Self {
        let home = tempfile::tempdir().unwrap();
        let data = home.path().join(".local/share");
        let runtime = home.path().join("run");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::create_dir_all(&runtime).unwrap();
        let out = Command::new("dbus-daemon")
            .args(["--session", "--fork", "--print-address=1", "--print-pid=1"])
            .output()
            .expect("dbus-daemon runs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut lines = text.lines();
        let bus = lines.next().expect("a bus address").trim().to_owned();
        let bus_pid: u32 = lines.next().expect("a pid").trim().parse().unwrap();
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &bus)
            .env("XDG_DATA_HOME", &data)
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("HOME", home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon runs");
        use std::io::Write;
        keyring
            .stdin
            .take()
            .unwrap()
            .write_all(b"keyring-password")
            .unwrap();
        keyring.wait().unwrap();
        Self {
            home,
            bus,
            bus_pid,
            data,
            runtime,
        }
    }

    fn cli(&self, args: &[&str]) -> Output {
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_twofold-server")).with_file_name("twofold");
        Command::new(bin)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .env("XDG_DATA_HOME", &self.data)
            .env("XDG_RUNTIME_DIR", &self.runtime)
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .output()
            .unwrap()
    }

    /// Runs the CLI; its stdout, or a panic with what it said.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "twofold {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    /// The accounts as `twofold list --json` shows them: (issuer, name), in order.
    fn accounts(&self) -> Vec<(String, String)> {
        self.json(&["list"])
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["issuer"].as_str().unwrap().to_owned(),
                    a["account"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    fn code_at(&self, query: &str, at: &str) -> String {
        self.json(&["code", query, "--at", at])["code"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn vault_dir(&self) -> PathBuf {
        self.home.path().join(".local/share/dev.twofold.app")
    }
}

impl Drop for Computer {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.bus_pid.to_string()).status();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn server(dir: &Path, listen: &str) -> support::Running {
    support::start_at(
        dir,
        &format!("sqlite://{}?mode=rwc", dir.join("server.db").display()),
        None,
        listen,
        &[("TWOFOLD_SYNC", "open")],
    )
}

#[test]
fn two_computers_sync_through_the_cli() {
    if std::env::var_os("TWOFOLD_TEST_SECRET_SERVICE").is_none() {
        eprintln!("needs `cargo xtask test` (a Secret Service with D-Bus and gnome-keyring)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let listen = format!("127.0.0.1:{}", free_port());
    let running = server(dir.path(), &listen);
    let base = running.base.clone();
    let (a, b) = (Computer::new(), Computer::new());

    // A has an account, starts a space and shows a link; B joins by it and has the account.
    a.ok(&[
        "add",
        "--issuer",
        "GitHub",
        "--account",
        "octocat",
        "--secret",
        "JBSWY3DPEHPK3PXP",
    ]);
    a.ok(&["sync", "join", "--server", &base, "--name", "home"]);
    let link = a.json(&["sync", "link"])["link"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(link.starts_with("twofold://sync?"), "{link}");
    b.ok(&["sync", "join", &link, "--name", "work"]);
    assert_eq!(b.accounts(), a.accounts());
    assert_eq!(
        b.code_at("GitHub", "1700000000"),
        a.code_at("GitHub", "1700000000")
    );
    // The server and the link never see what the vault holds; the keys are in each keyring.
    assert!(
        std::fs::read_to_string(a.vault_dir().join("sync.json"))
            .unwrap()
            .find("octocat")
            .is_none()
    );

    // Added on A (pushed by the add itself), there on B after `sync now`, with the same code.
    a.ok(&[
        "add",
        "--issuer",
        "GitLab",
        "--account",
        "tanuki",
        "--secret",
        "GEZDGNBVGY3TQOJQ",
    ]);
    b.ok(&["sync", "now"]);
    assert_eq!(
        b.code_at("GitLab", "1700000000"),
        a.code_at("GitLab", "1700000000")
    );

    // Renamed on A and on B at the same time (different fields): both survive, on both.
    a.ok(&["rename", "GitHub", "--account", "octocat@work"]);
    b.ok(&["rename", "GitHub", "--issuer", "GitHub Enterprise"]);
    a.ok(&["sync", "now"]);
    assert_eq!(a.accounts(), b.accounts());
    assert!(
        a.accounts()
            .contains(&("GitHub Enterprise".into(), "octocat@work".into()))
    );

    // An HOTP account: codes shown on both computers; the counter ends at the larger, so no
    // code is ever shown twice.
    a.ok(&[
        "add",
        "--issuer",
        "Bank",
        "--account",
        "hotp",
        "--secret",
        "MFRGGZDFMZTWQ2LK",
        "--type",
        "hotp",
    ]);
    b.ok(&["sync", "now"]);
    let shown_a: Vec<String> = (0..3)
        .map(|_| {
            a.json(&["code", "Bank"])["code"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let next_b = b.json(&["code", "Bank"])["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        !shown_a.contains(&next_b),
        "B showed a code A used: {next_b}"
    );
    a.ok(&["sync", "now"]);
    b.ok(&["sync", "now"]);
    let counter = |c: &Computer| {
        c.json(&["list"])
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["issuer"] == "Bank")
            .unwrap()["counter"]
            .clone()
    };
    assert_eq!(counter(&a), counter(&b));
    assert_eq!(counter(&a), 4);

    // The server down: both computers change things (kept, said to be unsent), then it comes
    // back and they converge — B's rename of GitLab was made before A deleted it: gone.
    drop(running);
    b.ok(&["rename", "GitLab", "--account", "tanuki-old"]);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = a.cli(&["rm", "GitLab", "--yes"]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not synced yet"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    a.ok(&[
        "add",
        "--issuer",
        "Offline",
        "--account",
        "a",
        "--secret",
        "KRUGS4ZANFZSAYJA",
    ]);
    let status = a.json(&["sync", "status"]);
    assert_eq!(status["pending"], 2, "{status}");
    let _running = server(dir.path(), &listen);
    b.ok(&["sync", "now"]);
    a.ok(&["sync", "now"]);
    b.ok(&["sync", "now"]);
    assert_eq!(a.accounts(), b.accounts());
    assert!(
        !a.accounts().iter().any(|(i, _)| i == "GitLab"),
        "{:?}",
        a.accounts()
    );
    assert!(a.accounts().iter().any(|(i, _)| i == "Offline"));

    // Devices, removal: B can do nothing more, and says so.
    let devices = a.json(&["sync", "devices"]);
    assert_eq!(devices.as_array().unwrap().len(), 2);
    a.ok(&["sync", "remove", "work"]);
    let out = b.cli(&["sync", "now"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("removed"));
    b.ok(&["sync", "leave"]);
    assert_eq!(b.json(&["sync", "status"])["syncing"], false);
}
