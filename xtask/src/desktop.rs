//! The desktop end-to-end run: a private Xvfb display, tauri-driver in front of WebKitWebDriver,
//! and `tests/desktop/webdriver_e2e.py` driving the real app binary.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::shell;

/// The tauri-driver release the tests use.
const TAURI_DRIVER: &str = "2.1.0";

/// Kills a child process when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
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

/// Runs the WebDriver suite; returns how many checks passed.
pub fn webdriver_e2e(venv: &Path, driver: &Path, app: &Path) -> Result<u64> {
    let work = std::env::temp_dir().join(format!("twofold-desktop-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let display = start_xvfb(&work)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let _driver = Guard(
        Command::new(driver)
            .args([
                "--port",
                &port.to_string(),
                "--native-driver",
                "/usr/bin/WebKitWebDriver",
            ])
            .env("DISPLAY", &display.1)
            .env("TWOFOLD_VAULT", work.join("vault.tfv"))
            .env("TWOFOLD_NO_KEYCHAIN", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting tauri-driver")?,
    );
    wait_for_port(port)?;
    let out = Command::new(venv.join("bin/python"))
        .arg(shell::root().join("tests/desktop/webdriver_e2e.py"))
        .env("TWOFOLD_DRIVER_URL", format!("http://127.0.0.1:{port}"))
        .env("TWOFOLD_APP", app)
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

/// Starts Xvfb on the first free display from :90; returns the guard and `:N`.
fn start_xvfb(work: &Path) -> Result<(Guard, String)> {
    for n in 90..140 {
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
        if socket.exists() || Path::new(&format!("/tmp/.X{n}-lock")).exists() {
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
