//! Building the front end (`ui/`): `npm ci` when the lock file changed, then `vite build` into
//! `ui/dist`, which the Tauri crate embeds.

use std::process::Command;

use anyhow::{Context, Result};

use crate::shell;

/// `npm ci` in `dir` unless its lock file is what was installed last time.
pub fn npm_ci(dir: &std::path::Path, extra: &[&str]) -> Result<()> {
    if !shell::have("npm") {
        anyhow::bail!("npm is not installed: install Node.js 20 or newer");
    }
    let lock = std::fs::read(dir.join("package-lock.json"))
        .with_context(|| format!("reading {}/package-lock.json", dir.display()))?;
    let stamp = dir.join("node_modules/.twofold-lock");
    let installed = std::fs::read(&stamp).map(|s| s == lock).unwrap_or(false);
    if !installed {
        shell::run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .args(extra)
                .current_dir(dir),
        )?;
        std::fs::write(&stamp, &lock).context("writing the npm stamp")?;
    }
    Ok(())
}

/// Installs the npm packages if needed and builds `ui/dist`.
pub fn build() -> Result<()> {
    let ui = shell::root().join("ui");
    npm_ci(&ui, &[])?;
    shell::run(
        Command::new("npm")
            .args(["run", "--silent", "build"])
            .current_dir(&ui),
    )
}

/// Type-checks the UI (svelte-check), runs its component tests (Vitest) and takes its
/// screenshots; returns how many tests and screens passed.
pub fn check_and_test() -> Result<u64> {
    let ui = shell::root().join("ui");
    shell::run(
        Command::new("npm")
            .args(["run", "--silent", "check"])
            .current_dir(&ui),
    )?;
    eprintln!("$ npm test (ui)");
    let text = echoed(
        Command::new("npm")
            .args(["run", "--silent", "test"])
            .current_dir(&ui)
            .env("NO_COLOR", "1")
            .env("FORCE_COLOR", "0"),
        "the UI tests",
    )?;
    let vitest: u64 = text
        .lines()
        .find_map(|l| {
            let l = l.trim();
            l.strip_prefix("Tests")
                .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0);
    Ok(vitest + screenshots()?)
}

/// Screenshots of the built UI, light and dark, in Debian's Chromium (`ui/screenshots.mjs`),
/// into `$CARGO_TARGET_DIR/screenshots/ui`; returns how many screens passed their checks.
fn screenshots() -> Result<u64> {
    let ui = shell::root().join("ui");
    eprintln!("$ node screenshots.mjs (ui)");
    let text = echoed(
        Command::new("node")
            .arg("screenshots.mjs")
            .current_dir(&ui)
            .env(
                "TWOFOLD_SCREENSHOTS",
                crate::desktop::screenshots_dir().join("ui"),
            ),
        "the UI screenshots",
    )?;
    Ok(text.lines().filter(|l| l.starts_with("ok   ")).count() as u64)
}

/// Runs `cmd`, passes its output on, fails when it fails; returns its stdout to count results.
fn echoed(cmd: &mut Command, what: &str) -> Result<String> {
    let out = cmd.output().with_context(|| format!("running {what}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    print!("{text}");
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        anyhow::bail!("{what} failed");
    }
    Ok(text)
}
