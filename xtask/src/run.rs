//! `cargo xtask run`: builds the UI and starts the desktop app beside a local `twofold-server`
//! on its embedded SQLite database (stopped when the app quits); `--cli` instead shows the
//! `twofold` CLI on a demo vault.

use std::process::Command;

use anyhow::{Context, Result};

use crate::packages::{self, Area};
use crate::shell;

const DEMO_ACCOUNTS: &[&str] = &[
    "otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP&issuer=GitHub",
    "otpauth://totp/Google:alice@gmail.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Google",
    "otpauth://totp/Bank:alice?secret=KRSXG5CTMVRXEZLUKN2XAZLSKNSWG4TFOQ&issuer=Bank&algorithm=SHA256&digits=8",
    "otpauth://hotp/Yubico:alice?secret=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U&counter=0",
    "otpauth://steam/Steam:gaben?secret=OBQXG43XN5ZGIZDFMFZHK2LMMQ",
];

pub fn run(args: &[String]) -> Result<()> {
    packages::ensure(Area::Build)?;
    if !args.iter().any(|a| a == "--cli") {
        return desktop();
    }
    shell::run(shell::cargo().args(["build", "--release", "-p", "twofold-cli"]))?;
    let target = shell::target_dir();
    let bin = target.join("release/twofold");
    let vault = target.join("demo/vault.tfv");
    let twofold = |args: &[&str]| {
        let mut c = Command::new(&bin);
        c.args(["--no-keychain"])
            .args(args)
            .env("TWOFOLD_VAULT", &vault)
            .env("TWOFOLD_PASSPHRASE", "demo");
        c
    };
    if !vault.exists() {
        for uri in DEMO_ACCOUNTS {
            shell::run(&mut twofold(&["add", uri]))?;
        }
    }
    shell::run(&mut twofold(&["list"]))?;
    for query in ["github", "google", "bank", "steam"] {
        shell::run(&mut twofold(&["code", query, "--next"]))?;
    }
    println!(
        "\nThe demo vault is {} (passphrase `demo`). Try:\n  TWOFOLD_VAULT={} TWOFOLD_PASSPHRASE=demo {} --no-keychain code github",
        vault.display(),
        vault.display(),
        bin.display()
    );
    Ok(())
}

fn desktop() -> Result<()> {
    crate::ui::build()?;
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        anyhow::bail!(
            "no display (neither DISPLAY nor WAYLAND_DISPLAY is set): run it in a desktop session, \
             under `xvfb-run cargo xtask run`, or try `cargo xtask run --cli`"
        );
    }
    // One package per build: together, cargo would unify their features and rebuild shared
    // dependencies that the separate builds (tests, benchmarks) already have.
    for package in ["twofold-desktop", "twofold-server"] {
        shell::run(shell::cargo().args(["build", "--release", "-p", package]))?;
    }
    let target = shell::target_dir();
    let data = target.join("local-server");
    std::fs::create_dir_all(&data)?;
    let listen = local_address();
    let mut server = Command::new(target.join("release/twofold-server"));
    server
        .args(["serve", "--listen", &listen, "--database-url"])
        .arg(format!("sqlite://{}", data.join("twofold.db").display()))
        .arg("--outbox")
        .arg(data.join("outbox.jsonl"));
    let server = ServerGuard(server.spawn().context("starting twofold-server")?);
    println!(
        "\nLocal Authy-compatible server: http://{listen} (its database, key file and outbox are in {};\n\
         the Default app's API key is printed above on its first start). Quit the app to stop both.\n",
        data.display()
    );
    let app = shell::run(&mut Command::new(target.join("release/twofold-desktop")));
    drop(server);
    app
}

/// 127.0.0.1:8787 when it is free, else a free port.
fn local_address() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:8787")
        .or_else(|_| std::net::TcpListener::bind("127.0.0.1:0"))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(8787);
    format!("127.0.0.1:{port}")
}

/// Stops the local server with the app.
struct ServerGuard(std::process::Child);

impl Drop for ServerGuard {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}
