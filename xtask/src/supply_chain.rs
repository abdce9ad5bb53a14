//! The supply-chain checks of `cargo xtask test`: `cargo deny check licenses bans sources`
//! against `deny.toml` (cargo-deny installed on demand), and `npm audit --omit=dev` on the
//! shipped UI's runtime dependencies where the registry's audit endpoint answers. Advisories for
//! Rust crates need the RustSec database from GitHub, which this machine cannot reach: said, not
//! faked.

use std::process::Command;

use anyhow::{Result, bail};

use crate::shell;

/// The cargo-deny release the policy is checked with (crates.io).
const CARGO_DENY: &str = "0.20.2";

pub fn check() -> Result<()> {
    let installed = shell::output(shell::cargo().args(["deny", "--version"]))
        .is_ok_and(|v| v.contains(CARGO_DENY));
    if !installed {
        shell::run(shell::cargo().args([
            "install",
            "cargo-deny",
            "--locked",
            "--version",
            CARGO_DENY,
        ]))?;
    }
    // cargo-deny reads the metadata of every platform's crates offline; a fresh machine has
    // only the host's downloaded by the build.
    shell::run(shell::cargo().args(["fetch", "--locked"]))?;
    shell::run(shell::cargo().args([
        "deny",
        "--offline",
        "--workspace",
        "check",
        "licenses",
        "bans",
        "sources",
    ]))?;
    eprintln!(
        "supply chain: crate advisories not checked (the RustSec database needs a network this \
         machine does not have; run `cargo deny check advisories` where there is one)"
    );
    npm_audit()
}

/// `npm audit --omit=dev` in `ui/`: a failure when it finds advisories; a notice when the
/// registry does not offer its audit endpoint here.
fn npm_audit() -> Result<()> {
    let out = Command::new("npm")
        .args(["audit", "--omit=dev", "--json"])
        .current_dir(shell::root().join("ui"))
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    if let Some(found) = report["metadata"]["vulnerabilities"].as_object() {
        let total: u64 = found
            .iter()
            .filter(|(k, _)| k.as_str() != "total")
            .filter_map(|(_, v)| v.as_u64())
            .sum();
        if total > 0 {
            bail!("npm audit --omit=dev (ui): {total} advisories:\n{text}");
        }
        eprintln!("supply chain: npm audit --omit=dev (ui): no advisories");
        return Ok(());
    }
    let why = [&report["error"]["summary"], &report["message"]]
        .into_iter()
        .filter_map(|v| v.as_str())
        .find(|s| !s.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| String::from_utf8_lossy(&out.stderr).trim().to_owned());
    eprintln!("supply chain: npm audit could not run here ({why}); not checked");
    Ok(())
}
