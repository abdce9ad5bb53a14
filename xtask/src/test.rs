//! `cargo xtask test`: system packages, formatting, lints, the house rules (`house.rs`), the supply-chain
//! policy (`deny.toml`, npm audit where it can run), then every test
//! inside a private D-Bus session with a real gnome-keyring, and the independent decryption of
//! the vault test vector.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::packages::{self, Area};
use crate::postgres::Postgres;
use crate::shell;

/// What the Python checks need: PyNaCl (vault and backup vectors), cryptography (other apps'
/// encrypted exports, decrypted independently), the official Authy client, pyotp, Selenium (the
/// desktop app) and segno (QR images drawn independently of our encoder).
const PYTHON_PACKAGES: &[&str] = &[
    "pynacl==1.5.0",
    "cryptography==48.0.0",
    "authy==2.2.6",
    "pyotp==2.9.0",
    "selenium==4.51.0",
    "segno==1.6.6",
];

pub fn test(args: &[String]) -> Result<()> {
    packages::ensure(Area::Test)?;
    crate::ui::build()?;
    let ui_tests = crate::ui::check_and_test()?;
    shell::run(shell::cargo().args(["fmt", "--all", "--check"]))?;
    shell::run(shell::cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    crate::house::check()?;
    crate::supply_chain::check()?;
    let venv = python_venv()?;
    // npm authy-client, whose own callback check the push suite runs (install scripts are an
    // optional native tracer of its logger: not needed).
    crate::ui::npm_ci(
        &shell::root().join("crates/twofold-server/tests/node"),
        &["--ignore-scripts"],
    )?;
    // Build the tests outside the session, so that compile time is not spent inside it.
    let target = shell::target_dir();
    let free_before = shell::free_gib(&target);
    if let Some(free) = free_before.filter(|&f| f < NEEDED_DISK_GIB) {
        eprintln!(
            "xtask: warning: {free} GiB free on the disk of {}; a first test build takes about \
             {NEEDED_DISK_GIB} GiB",
            target.display()
        );
    }
    shell::run(shell::cargo().args(["test", "--workspace", "--no-run"])).map_err(|e| {
        match shell::free_gib(&target) {
            Some(free) if free < 1 => e.context(format!(
                "the disk of {} is full ({free} GiB free, {} GiB before the build)",
                target.display(),
                free_before.map_or("?".into(), |f| f.to_string())
            )),
            _ => e,
        }
    })?;
    let driver = crate::desktop::ensure_tauri_driver()?;
    let postgres = Postgres::start()?;
    let small_disk = crate::small_disk::SmallDisk::mount()?;
    let me = std::env::current_exe().context("finding the xtask binary")?;
    let mut cmd = Command::new("keyctl");
    cmd.args(["session", "-", "dbus-run-session", "--"])
        // Settings written inside the session (accessibility turned on for the AT-SPI
        // check) stay there, never in the user's own dconf database.
        .env("GSETTINGS_BACKEND", "memory")
        .arg(&me)
        .arg("__test-in-session")
        .args(args)
        .env("TWOFOLD_XTASK_VENV", &venv)
        .env("TWOFOLD_XTASK_BIN", &me)
        .env("TWOFOLD_TEST_POSTGRES_URL", postgres.url())
        .env("TWOFOLD_TEST_SMALL_DISK", small_disk.path())
        .env("TWOFOLD_TAURI_DRIVER", &driver)
        .env("TWOFOLD_UI_TESTS", ui_tests.to_string())
        .current_dir(shell::root());
    let result = shell::run(&mut cmd);
    drop(postgres);
    drop(small_disk);
    result?;
    // Every fuzz target briefly, on its seeds, corpus and regressions (long runs: `cargo xtask
    // fuzz`; their figures are in docs/security.md).
    crate::fuzz::smoke(FUZZ_SECONDS)
}

/// About how much disk a first `cargo test --workspace` build takes in its target directory.
const NEEDED_DISK_GIB: u64 = 20;

/// How long `cargo xtask test` fuzzes each target.
const FUZZ_SECONDS: u64 = 10;

/// Inside a D-Bus session: starts gnome-keyring with a throwaway, unlocked keyring; returns the
/// XDG data and runtime directories it uses (pass them on to whatever talks to it).
pub fn start_keyring() -> Result<(PathBuf, PathBuf)> {
    let data = tempfile_dir("twofold-keyring-data")?;
    let runtime = tempfile_dir("twofold-runtime")?;
    let mut keyring = Command::new("gnome-keyring-daemon")
        .args(["--unlock", "--components=secrets"])
        .env("XDG_DATA_HOME", &data)
        .env("XDG_RUNTIME_DIR", &runtime)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .context("starting gnome-keyring-daemon")?;
    keyring
        .stdin
        .take()
        .context("keyring stdin")?
        .write_all(b"twofold-test-keyring")?;
    keyring.wait()?;
    Ok((data, runtime))
}

/// Runs inside `dbus-run-session`: starts gnome-keyring with a throwaway keyring, then the tests.
pub fn in_session(args: &[String]) -> Result<()> {
    let (data, runtime) = start_keyring()?;
    let mut cmd = shell::cargo();
    cmd.args(["test", "--workspace", "--no-fail-fast"])
        .args(args)
        .env("XDG_DATA_HOME", &data)
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("TWOFOLD_TEST_SECRET_SERVICE", "1");
    let result = run_counting(&mut cmd);
    let desktop = match result {
        Ok(_) => desktop_runs(&data, &runtime),
        Err(_) => Ok(0),
    };
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_dir_all(&runtime);
    let (passed, failed) = result?;
    let desktop = desktop?;
    let venv = std::env::var_os("TWOFOLD_XTASK_VENV")
        .map(PathBuf::from)
        .context("no venv")?;
    // The vault's and the backup's test vectors, decrypted by PyNaCl from their documents.
    for dir in [
        "crates/twofold-core/tests/fixtures/vault",
        "crates/twofold-formats/tests/fixtures/backup",
    ] {
        let fixtures = shell::root().join(dir);
        shell::run(
            Command::new(venv.join("bin/python"))
                .arg(fixtures.join("decrypt_vector.py"))
                .arg(&fixtures),
        )?;
    }
    let ui: u64 = std::env::var("TWOFOLD_UI_TESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    // One closing line for the whole run (cargo's last block is often a doc-test run of 0):
    // Rust tests, the two vector checks, the desktop WebDriver checks and the UI tests.
    println!(
        "\ntwofold: {} passed, {failed} failed",
        passed + 2 + desktop + ui
    );
    Ok(())
}

/// `cargo xtask desktop-e2e`: only the desktop WebDriver suite, for working on the app (the
/// app and the server built, then both modes inside a private D-Bus session).
pub fn desktop_e2e() -> Result<()> {
    packages::ensure(Area::Test)?;
    crate::ui::build()?;
    let venv = python_venv()?;
    shell::run(shell::cargo().args(["build", "-p", "twofold-desktop", "-p", "twofold-server"]))?;
    let driver = crate::desktop::ensure_tauri_driver()?;
    let me = std::env::current_exe().context("finding the xtask binary")?;
    shell::run(
        Command::new("keyctl")
            .args(["session", "-", "dbus-run-session", "--"])
            // Settings written inside the session (accessibility turned on for the AT-SPI
            // check) stay there, never in the user's own dconf database.
            .env("GSETTINGS_BACKEND", "memory")
            .arg(me)
            .arg("__desktop-e2e-in-session")
            .env("TWOFOLD_XTASK_VENV", &venv)
            .env("TWOFOLD_TAURI_DRIVER", &driver)
            .current_dir(shell::root()),
    )
}

/// Inside the D-Bus session of `desktop_e2e`.
pub fn desktop_e2e_in_session() -> Result<()> {
    let (data, runtime) = start_keyring()?;
    let result = desktop_runs(&data, &runtime);
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_dir_all(&runtime);
    println!(
        "
twofold: {} desktop checks passed",
        result?
    );
    Ok(())
}

/// The desktop WebDriver suite, without a keychain and with the session's gnome-keyring.
fn desktop_runs(data: &std::path::Path, runtime: &std::path::Path) -> Result<u64> {
    use crate::desktop::{Mode, webdriver_e2e};
    let venv = std::env::var_os("TWOFOLD_XTASK_VENV")
        .map(PathBuf::from)
        .context("no venv")?;
    let driver = std::env::var_os("TWOFOLD_TAURI_DRIVER")
        .map(PathBuf::from)
        .context("no tauri-driver")?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| shell::root().join("target"));
    let app = target.join("debug/twofold-desktop");
    let without = webdriver_e2e(&venv, &driver, &app, Mode::Passphrase, &[])?;
    let with = webdriver_e2e(
        &venv,
        &driver,
        &app,
        Mode::Keychain,
        &[("XDG_DATA_HOME", data), ("XDG_RUNTIME_DIR", runtime)],
    )?;
    Ok(without + with)
}

/// Runs `cargo test`, passing its output through, and adds up its `test result:` lines.
fn run_counting(cmd: &mut Command) -> Result<(u64, u64)> {
    use std::io::BufRead;
    eprintln!("$ cargo test --workspace (inside the D-Bus session)");
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .context("starting cargo test")?;
    let stdout = child.stdout.take().context("cargo test stdout")?;
    let (mut passed, mut failed) = (0u64, 0u64);
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line?;
        println!("{line}");
        if let Some(rest) = line.strip_prefix("test result: ") {
            for part in rest.split(['.', ';']) {
                let mut words = part.split_whitespace();
                match (
                    words.next().and_then(|n| n.parse::<u64>().ok()),
                    words.next(),
                ) {
                    (Some(n), Some("passed")) => passed += n,
                    (Some(n), Some("failed")) => failed += n,
                    _ => {}
                }
            }
        }
    }
    let status = child.wait()?;
    if !status.success() || failed > 0 {
        println!("\ntwofold: {passed} passed, {failed} failed");
        bail!("cargo test failed ({status})");
    }
    Ok((passed, failed))
}

/// A Python virtual environment with PyNaCl, for checking the vault format independently.
fn python_venv() -> Result<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| shell::root().join("target"));
    let venv = target.join("xtask-venv");
    if !venv.join("bin/python").exists() {
        shell::run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    let ready = Command::new(venv.join("bin/python"))
        .args([
            "-c",
            "import nacl, cryptography, authy, pyotp, selenium, segno",
        ])
        .status()
        .is_ok_and(|s| s.success());
    if !ready {
        shell::run(
            Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet"])
                .args(PYTHON_PACKAGES),
        )?;
    }
    Ok(venv)
}

fn tempfile_dir(prefix: &str) -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    #[cfg(unix)]
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    Ok(dir)
}
