//! The `twofold-server` binary as an operator uses it: application admin commands, the bootstrap
//! key, the TOML config file, the server key file (mode 0600), seeds never stored in clear, clear
//! one-line errors, and a graceful stop on SIGTERM (with a drain for load balancers).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn server(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_twofold-server"));
    c.current_dir(dir)
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .env_remove("TWOFOLD_BOOTSTRAP_API_KEY")
        .env_remove("TWOFOLD_SERVER_KEY");
    c
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn spawn(mut cmd: Command) -> (Child, String, Vec<String>) {
    let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut before = Vec::new();
    let url = loop {
        let line = lines.next().expect("the server announced itself").unwrap();
        if let Some(url) = line.strip_prefix("twofold-server listening on ") {
            break url.to_owned();
        }
        before.push(line);
    };
    std::thread::spawn(move || for _ in lines {});
    (child, url, before)
}

#[test]
fn app_create_list_and_set() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("admin.db").display());
    let out = ok(server(dir.path())
        .args([
            "--database-url",
            &db,
            "app",
            "create",
            "--name",
            "Shop",
            "--token-length",
            "6",
        ])
        .output()
        .unwrap());
    let key = out.lines().last().unwrap().trim().to_owned();
    assert_eq!(key.len(), 32, "{out}");
    let again = server(dir.path())
        .args(["--database-url", &db, "app", "create", "--name", "Shop"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let bad = server(dir.path())
        .args([
            "--database-url",
            &db,
            "app",
            "create",
            "--name",
            "X",
            "--token-length",
            "12",
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .trim()
            .ends_with("token length: 12 is outside 6–8")
    );
    ok(server(dir.path())
        .args([
            "--database-url",
            &db,
            "app",
            "set",
            "Shop",
            "--callback-url",
            "https://shop.example/authy",
            "--sms",
            "false",
        ])
        .output()
        .unwrap());
    let list = ok(server(dir.path())
        .args(["--database-url", &db, "app", "list"])
        .output()
        .unwrap());
    assert!(
        list.contains("Shop")
            && list.contains("POST https://shop.example/authy")
            && list.contains("false"),
        "{list}"
    );
    assert!(!list.contains(&key), "keys are never shown again");
    let bad_url = server(dir.path())
        .args([
            "--database-url",
            &db,
            "app",
            "set",
            "Shop",
            "--callback-url",
            "ftp://x",
        ])
        .output()
        .unwrap();
    assert!(!bad_url.status.success());
    let rotated = ok(server(dir.path())
        .args(["--database-url", &db, "app", "set", "Shop", "--rotate-key"])
        .output()
        .unwrap());
    let new_key = rotated.lines().last().unwrap().trim();
    assert_ne!(new_key, key);
    // The database holds only hashes of the keys.
    let bytes = std::fs::read(dir.path().join("admin.db")).unwrap();
    for k in [key.as_str(), new_key] {
        assert!(
            !bytes.windows(k.len()).any(|w| w == k.as_bytes()),
            "an API key is stored in clear"
        );
    }
}

#[test]
fn config_file_bootstrap_key_file_seeds_at_rest_and_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("twofold.toml"),
        format!(
            "listen = \"127.0.0.1:0\"\ndatabase_url = \"sqlite://{}\"\noutbox = \"{}\"\n",
            dir.path().join("s.db").display(),
            dir.path().join("out.jsonl").display()
        ),
    )
    .unwrap();
    let mut cmd = server(dir.path());
    cmd.args(["--config", "twofold.toml", "serve"]);
    let (mut child, url, before) = spawn(cmd);
    let key = before.last().unwrap().trim().to_owned();
    assert!(
        before
            .iter()
            .any(|l| l.contains("Created application `Default`")),
        "{before:?}"
    );
    let key_file = dir.path().join("twofold-server.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let base = url.trim_end_matches('/');
    let post = |path: &str, body: &str| {
        let out = Command::new("curl")
            .args([
                "-s",
                "-X",
                "POST",
                "-H",
                &format!("X-Authy-API-Key: {key}"),
                "-H",
                "content-type: application/json",
                "-d",
                body,
                &format!("{base}{path}"),
            ])
            .output()
            .expect("curl");
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("JSON")
    };
    let user = post(
        "/protected/json/users/new",
        r#"{"user":{"email":"a@b.co","cellphone":"7754615609","country_code":1}}"#,
    );
    let id = user["user"]["id"].as_i64().unwrap();
    let secret = post(&format!("/protected/json/users/{id}/secret"), "{}");
    let seed = data_encoding::BASE32_NOPAD
        .decode(secret["secret"].as_str().unwrap().as_bytes())
        .unwrap();
    // SIGTERM: the server finishes and exits on its own.
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no graceful stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    for file in ["s.db", "s.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.path().join(file)) {
            assert!(
                !bytes.windows(seed.len()).any(|w| w == seed.as_slice()),
                "{file} holds a seed in clear"
            );
        }
    }
    // Restarted with the same key file, the sealed seeds still open.
    let mut cmd = server(dir.path());
    cmd.args(["--config", "twofold.toml", "serve"]);
    let (mut child, url, _) = spawn(cmd);
    let out = Command::new("curl")
        .args([
            "-s",
            "-X",
            "POST",
            "-H",
            &format!("X-Authy-API-Key: {key}"),
            &format!(
                "{}/protected/json/users/{id}/secret",
                url.trim_end_matches('/')
            ),
        ])
        .output()
        .unwrap();
    let again: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again["secret"], secret["secret"]);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn bad_configuration_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), "listen = 5\n").unwrap();
    for args in [
        vec!["--config", "bad.toml", "serve"],
        vec!["--config", "missing.toml", "serve"],
        vec!["--database-url", "mysql://x", "serve"],
        vec!["serve", "--delivery", "webhook"],
        vec![
            "serve",
            "--delivery",
            "twilio",
            "--twilio-account-sid",
            "AC1",
        ],
    ] {
        let out = server(dir.path()).args(&args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 1, "{args:?}: {err}");
        assert!(lines[0].starts_with("twofold-server: error: "), "{err}");
    }
}

/// The server key belongs to its database: `app create` with another key file never makes a
/// second key (after which that application's callbacks could not be signed), and a wrong key
/// stops the start with a clear line. The database, its log and the outbox are 0600.
#[test]
fn one_server_key_per_database_and_private_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("keyed.db").display());
    let create = |key_file: &str, name: &str| {
        server(dir.path())
            .env("TWOFOLD_SERVER_KEY_FILE", key_file)
            .args(["--database-url", &db, "app", "create", "--name", name])
            .output()
            .unwrap()
    };
    ok(create("first.key", "Shop"));
    assert!(dir.path().join("first.key").exists());
    let second = create("second.key", "Blog");
    assert!(!second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("second.key") && err.contains("does not exist"),
        "{err}"
    );
    assert!(
        !dir.path().join("second.key").exists(),
        "a second key file was made"
    );
    // Another key (in the environment) that did not seal this database.
    let wrong = server(dir.path())
        .env("TWOFOLD_SERVER_KEY", "77".repeat(32))
        .args(["--database-url", &db, "app", "create", "--name", "Blog"])
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        err.contains("not the one this database was sealed with"),
        "{err}"
    );
    ok(create("first.key", "Blog"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in ["keyed.db", "first.key"] {
            let mode = std::fs::metadata(dir.path().join(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
    }
}

/// A graceful stop behind a load balancer: after SIGTERM, `/readyz` answers 503 at once while
/// API requests are still served for the drain time (and the 503s are not logged as failures);
/// then the server exits on its own.
#[test]
fn sigterm_drains_before_it_stops() {
    let dir = tempfile::tempdir().unwrap();
    let key = "drain-test-api-key";
    let mut cmd = server(dir.path());
    cmd.env("TWOFOLD_BOOTSTRAP_API_KEY", key).args([
        "--database-url",
        "sqlite://s.db",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--outbox",
        "outbox.jsonl",
        "--drain-seconds",
        "2",
    ]);
    cmd.env("RUST_LOG", "info").stderr(Stdio::piped());
    let (mut child, url, _) = spawn(cmd);
    let mut stderr = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut text).unwrap();
        text
    });
    let base = url.trim_end_matches('/').to_owned();
    let status_of = |path: &str| -> String {
        let out = Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "5"])
            .args(["-H", &format!("X-Authy-API-Key: {key}")])
            .arg(format!("{base}{path}"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(status_of("/readyz"), "200");
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let signalled = Instant::now();
    // The readiness check turns at once; the API still answers during the drain.
    let mut ready = String::new();
    while signalled.elapsed() < Duration::from_secs(1) {
        ready = status_of("/readyz");
        if ready == "503" {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(ready, "503", "/readyz while draining");
    assert_eq!(status_of("/protected/json/app/details"), "200");
    assert!(
        signalled.elapsed() < Duration::from_millis(1500),
        "the checks took too long to say anything about the drain"
    );
    assert!(
        child.try_wait().unwrap().is_none(),
        "still serving during the drain"
    );
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(15),
            "no stop after the drain"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    assert!(
        signalled.elapsed() >= Duration::from_secs(2),
        "stopped before the drain time: {:?}",
        signalled.elapsed()
    );
    // Saying "draining" to the load balancer is not a failure of the server's.
    let log = log.join().unwrap();
    assert!(log.contains("draining"), "{log}");
    assert!(!log.contains("request failed"), "{log}");
}
