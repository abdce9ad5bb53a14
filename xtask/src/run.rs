//! `cargo xtask run`: builds the UI and starts the desktop app; `--cli` instead shows the `twofold`
//! CLI on a demo vault.

use std::path::PathBuf;
use std::process::Command;

use anyhow::Result;

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
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| shell::root().join("target"));
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
    shell::run(shell::cargo().args(["run", "--release", "-p", "twofold-desktop"]))
}
