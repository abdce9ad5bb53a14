//! Building the front end (`ui/`): `npm ci` when the lock file changed, then `vite build` into
//! `ui/dist`, which the Tauri crate embeds.

use std::process::Command;

use anyhow::{Context, Result};

use crate::shell;

/// Installs the npm packages if needed and builds `ui/dist`.
pub fn build() -> Result<()> {
    let ui = shell::root().join("ui");
    if !shell::have("npm") {
        anyhow::bail!("npm is not installed: install Node.js 20 or newer");
    }
    let lock =
        std::fs::read(ui.join("package-lock.json")).context("reading ui/package-lock.json")?;
    let stamp = ui.join("node_modules/.twofold-lock");
    let installed = std::fs::read(&stamp).map(|s| s == lock).unwrap_or(false);
    if !installed {
        shell::run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&ui),
        )?;
        std::fs::write(&stamp, &lock).context("writing the npm stamp")?;
    }
    shell::run(
        Command::new("npm")
            .args(["run", "--silent", "build"])
            .current_dir(&ui),
    )
}
