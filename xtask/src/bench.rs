//! `cargo xtask bench`: runs the benchmark binaries in release mode and writes BENCHMARKS.md.

use anyhow::Result;

pub fn bench(_args: &[String]) -> Result<()> {
    anyhow::bail!("benchmarks are not wired yet")
}
