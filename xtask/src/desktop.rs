//! The desktop end-to-end run: a private Xvfb display, tauri-driver in front of WebKitWebDriver,
//! and `tests/desktop/webdriver_e2e.py` driving the real app binary.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::shell;

/// The tauri-driver release the tests use.
const TAURI_DRIVER: &str = "2.1.0";

/// Kills a child process — and its process group, when it leads one — when dropped.
pub struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        // tauri-driver leaves WebKitWebDriver behind when killed alone: end the whole group.
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.0.id())])
            .stderr(Stdio::null())
            .status();
        // The process itself (Xvfb is not a group leader): TERM lets it remove its lock file
        // and socket; KILL only if it does not go within two seconds.
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .stderr(Stdio::null())
            .status();
        for _ in 0..40 {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Installs tauri-driver with cargo when it is missing; returns its path.
pub fn ensure_tauri_driver() -> Result<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .context("neither CARGO_HOME nor HOME is set")?;
    let bin = home.join("bin/tauri-driver");
    let current = Command::new(&bin)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains(TAURI_DRIVER))
        .unwrap_or(false);
    if !current {
        shell::run(shell::cargo().args([
            "install",
            "tauri-driver",
            "--version",
            TAURI_DRIVER,
            "--locked",
        ]))?;
    }
    Ok(bin)
}

/// How the app keeps its vault key in a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// No keychain: the vault is behind a passphrase.
    Passphrase,
    /// The session's gnome-keyring holds the key.
    Keychain,
}

/// Runs the WebDriver suite in one mode; `env` goes to the app (through tauri-driver). Returns
/// how many checks passed.
pub fn webdriver_e2e(
    venv: &Path,
    driver: &Path,
    app: &Path,
    mode: Mode,
    env: &[(&str, &Path)],
) -> Result<u64> {
    let work = std::env::temp_dir().join(format!("twofold-desktop-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let display = start_xvfb(&work)?;
    let port = free_port()?;
    let native = free_port()?;
    // Accessibility on, as a screen reader turns it on: the app then exposes its tree on the
    // AT-SPI bus for tests/desktop/atspi_tree.py.
    let a11y = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.a11y.Bus",
            "/org/a11y/bus",
            "org.freedesktop.DBus.Properties.Set",
            "string:org.a11y.Status",
            "string:IsEnabled",
            "variant:boolean:true",
        ])
        .stdout(Stdio::null())
        .status();
    if !a11y.is_ok_and(|s| s.success()) {
        eprintln!(
            "xtask: could not turn accessibility on (org.a11y.Bus): the AT-SPI check will say why"
        );
    }
    let mut cmd = Command::new(driver);
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    cmd.args([
        "--port",
        &port.to_string(),
        "--native-port",
        &native.to_string(),
    ])
    .args(["--native-driver", "/usr/bin/WebKitWebDriver"])
    .env("DISPLAY", &display.1)
    .env("TWOFOLD_VAULT", work.join("vault.tfv"))
    // The autostart entry goes under $HOME/.config/autostart: keep it in the work directory.
    .env("HOME", &work)
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    if mode == Mode::Passphrase {
        cmd.env("TWOFOLD_NO_KEYCHAIN", "1");
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let _driver = Guard(cmd.spawn().context("starting tauri-driver")?);
    wait_for_port(port)?;
    // A hung WebDriver session must not hang CI: the whole suite gets ten minutes.
    let out = Command::new("timeout")
        .arg("600")
        .arg(venv.join("bin/python"))
        .arg(shell::root().join("tests/desktop/webdriver_e2e.py"))
        .env("TWOFOLD_DRIVER_URL", format!("http://127.0.0.1:{port}"))
        .env("TWOFOLD_APP", app)
        // The push checks run a real server beside the app.
        .env("TWOFOLD_SERVER_BIN", app.with_file_name("twofold-server"))
        .env("TWOFOLD_E2E_WORK", &work)
        .env("TWOFOLD_E2E_SHOTS", screenshots_dir().join("desktop"))
        .env(
            "TWOFOLD_E2E_MODE",
            if mode == Mode::Keychain {
                "keychain"
            } else {
                "passphrase"
            },
        )
        .env("DISPLAY", &display.1)
        .output()
        .context("running the WebDriver suite")?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    print!("{text}");
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    drop(display);
    let _ = std::fs::remove_dir_all(&work);
    if !out.status.success() {
        bail!("the desktop WebDriver suite failed");
    }
    let passed = text
        .lines()
        .rev()
        .find_map(|l| {
            l.strip_suffix(" passed, 0 failed")
                .and_then(|n| n.trim().parse().ok())
        })
        .unwrap_or(0);
    Ok(passed)
}

/// Where review screenshots go: `$CARGO_TARGET_DIR/screenshots` (not the source tree).
pub fn screenshots_dir() -> PathBuf {
    shell::target_dir().join("screenshots")
}

/// Starts Xvfb on the first free display from :90; returns the guard and `:N`.
pub fn start_xvfb(work: &Path) -> Result<(Guard, String)> {
    for n in 90..140 {
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
        let lock = PathBuf::from(format!("/tmp/.X{n}-lock"));
        // A lock whose server is gone (killed before it could clean up) frees the display.
        let owner = std::fs::read_to_string(&lock)
            .ok()
            .and_then(|t| t.trim().parse::<u32>().ok());
        if let Some(pid) = owner
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_file(&lock);
            let _ = std::fs::remove_file(&socket);
        }
        if socket.exists() || lock.exists() {
            continue;
        }
        let child = Command::new("Xvfb")
            .args([
                &format!(":{n}"),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .current_dir(work)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting Xvfb")?;
        let guard = Guard(child);
        for _ in 0..100 {
            if socket.exists() {
                return Ok((guard, format!(":{n}")));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
    bail!("no free X display between :90 and :139")
}

fn wait_for_port(port: u16) -> Result<()> {
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    bail!("tauri-driver did not start on port {port}")
}
