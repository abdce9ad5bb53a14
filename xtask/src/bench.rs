//! `cargo xtask bench [core|qr|all]`: runs the benchmark binaries in release mode, each beside its
//! reference in the same run, and writes BENCHMARKS.md.

use std::fmt::Write as _;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::packages::{self, Area};
use crate::shell;

pub fn bench(args: &[String]) -> Result<()> {
    let area = args.first().map(String::as_str).unwrap_or("all");
    if !["core", "qr", "all"].contains(&area) {
        bail!("unknown benchmark area `{area}` (core, qr, all)");
    }
    packages::ensure(Area::Bench)?;
    let table = shell::output(shell::cargo().args([
        "bench",
        "-p",
        "twofold-core",
        "--bench",
        "core",
        "--",
        area,
    ]))?;
    print!("{table}");
    let mut doc = String::from("# Benchmarks\n\n");
    doc.push_str(
        "Produced by `cargo xtask bench` (release build). Every row is measured beside its \
         reference in the same run on the same machine, so the ratios hold even when the machine \
         is shared; absolute times move with load. Nothing here is asserted by the tests.\n\n",
    );
    let _ = writeln!(
        doc,
        "- date: {}",
        shell::output(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"]))?.trim()
    );
    let _ = writeln!(
        doc,
        "- commit: {}",
        shell::output(
            Command::new("git")
                .args(["rev-parse", "--short", "HEAD"])
                .current_dir(shell::root())
        )
        .unwrap_or_default()
        .trim()
    );
    let _ = writeln!(
        doc,
        "- machine: {}, {} cores, load average {}",
        cpu_model(),
        shell::output(&mut Command::new("nproc"))?.trim(),
        load()
    );
    let _ = writeln!(
        doc,
        "- zbarimg: {}\n",
        shell::output(Command::new("zbarimg").arg("--version"))
            .unwrap_or_else(|_| "not installed".into())
            .trim()
    );
    doc.push_str("## twofold-core\n\n");
    doc.push_str(&table);
    doc.push_str(
        "\nNotes:\n\n\
         - *Codes per tick* computes the current code of 1,000 accounts (80 % SHA1/6 digits, 10 % \
         SHA256/8, 10 % SHA512/6); the reference is totp-rs generating the same codes.\n\
         - *Vault open* reads, authenticates, decrypts and parses the file; *save* is a complete \
         `Vault::update`: lock, re-read and decrypt, change one account, encrypt, write a temporary \
         file, fsync, keep the previous generation, rename, fsync the directory.\n\
         - *QR decode* reads each PNG from disk and decodes it in-process; zbarimg \
         (`--nodbus -Sdisable -Sqrcode.enable`, plus `-Stest-inverted` for the inverted set) \
         decodes the same files in one process, so its start-up is shared by 8 images. The \
         screenshots are synthetic cluttered desktops (windows, text-like rows, icons, noise) with \
         one code at a random place.\n",
    );
    let path = shell::root().join("BENCHMARKS.md");
    std::fs::write(&path, doc).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
