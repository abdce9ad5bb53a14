//! `cargo xtask bundle`: the installable `.deb` of the desktop app, built by the Tauri CLI from
//! npm (`@tauri-apps/cli`, a dev dependency of `ui/`). The package registers the app as the
//! handler of `otpauth://` and `otpauth-migration://` links.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::packages::{self, Area};
use crate::{shell, ui};

pub fn bundle() -> Result<()> {
    packages::ensure(Area::Build)?;
    ui::build()?;
    let root = shell::root();
    let cli = root.join("ui/node_modules/.bin/tauri");
    if !cli.exists() {
        bail!(
            "{} is missing: `npm ci` in ui/ did not install @tauri-apps/cli",
            cli.display()
        );
    }
    // A target directory of its own: the workspace's release profile keeps line tables for
    // profiling, a package ships a stripped binary, and the two must not rebuild each other.
    let target = shell::target_dir().join("dist");
    shell::run(
        Command::new(&cli)
            .args(["build", "--bundles", "deb"])
            .env("CARGO_TARGET_DIR", &target)
            .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
            .env("CARGO_PROFILE_RELEASE_STRIP", "symbols")
            .current_dir(root.join("src-tauri")),
    )?;
    let dir = target.join("release/bundle/deb");
    let debs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .collect();
    if debs.is_empty() {
        bail!("the Tauri CLI finished but {} holds no .deb", dir.display());
    }
    for deb in debs {
        println!("{}", deb.display());
    }
    Ok(())
}
