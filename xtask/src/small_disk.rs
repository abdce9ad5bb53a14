//! A small file system for the full-disk tests: a 32 MiB tmpfs mounted (as root, or through
//! `sudo -n`) on a fresh directory, handed to the tests as `TWOFOLD_TEST_SMALL_DISK`, unmounted
//! and removed when dropped. The tests fill it to the last byte, then free it again.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::shell;

pub struct SmallDisk {
    dir: PathBuf,
}

/// `mount`/`umount` as root, or through `sudo -n`.
fn privileged(program: &str) -> Command {
    let root = shell::output(Command::new("id").arg("-u"))
        .map(|s| s.trim() == "0")
        .unwrap_or(false);
    if root {
        Command::new(program)
    } else {
        let mut c = Command::new("sudo");
        c.args(["-n", program]);
        c
    }
}

impl SmallDisk {
    pub fn mount() -> Result<Self> {
        let dir = std::env::temp_dir().join(format!("twofold-small-disk-{}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let status = privileged("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                "size=32m,mode=0777",
                "twofold-small-disk",
            ])
            .arg(&dir)
            .status()
            .context("running mount")?;
        if !status.success() {
            let _ = std::fs::remove_dir(&dir);
            bail!(
                "cannot mount a small tmpfs for the full-disk tests ({status}): run as root or \
                 with passwordless sudo"
            );
        }
        Ok(Self { dir })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = privileged("umount").arg(&self.dir).status();
        let _ = std::fs::remove_dir(&self.dir);
    }
}
