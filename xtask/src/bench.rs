//! `cargo xtask bench [core|qr|all]`: runs the benchmark binaries in release mode, each beside its
//! reference in the same run, and writes BENCHMARKS.md.

use std::fmt::Write as _;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::packages::{self, Area};
use crate::shell;

pub fn bench(args: &[String]) -> Result<()> {
    let area = args.first().map(String::as_str).unwrap_or("all");
    if !["core", "qr", "server", "all"].contains(&area) {
        bail!("unknown benchmark area `{area}` (core, qr, server, all)");
    }
    packages::ensure(Area::Bench)?;
    let path = shell::root().join("BENCHMARKS.md");
    let mut doc = std::fs::read_to_string(&path).unwrap_or_default();
    if !doc.starts_with("# Benchmarks") {
        doc = String::from(
            "# Benchmarks\n\n<!-- header -->\n<!-- /header -->\n\n<!-- core -->\n<!-- /core -->\n\n<!-- server -->\n<!-- /server -->\n",
        );
    }
    doc = replace_section(&doc, "header", &header()?);
    if area != "server" {
        let which = if area == "all" { "all" } else { area };
        let table = shell::output(shell::cargo().args([
            "bench",
            "-p",
            "twofold-core",
            "--bench",
            "core",
            "--",
            which,
        ]))?;
        print!("{table}");
        doc = replace_section(
            &doc,
            "core",
            &format!("## twofold-core\n\n{table}{CORE_NOTES}"),
        );
    }
    if area == "server" || area == "all" {
        let table = shell::output(shell::cargo().args([
            "bench",
            "-p",
            "twofold-server",
            "--bench",
            "verify",
        ]))?;
        print!("{table}");
        doc = replace_section(
            &doc,
            "server",
            &format!("## twofold-server\n\n{table}{SERVER_NOTES}"),
        );
    }
    std::fs::write(&path, doc).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

const CORE_NOTES: &str = "\nNotes:\n\n\
    - *Codes per tick* computes the current code of 1,000 accounts (80 % SHA1/6 digits, 10 % \
    SHA256/8, 10 % SHA512/6); the reference is totp-rs generating the same codes.\n\
    - *Vault open* reads, authenticates, decrypts and parses the file; *save* is a complete \
    `Vault::update`: lock, re-read and decrypt, change one account, encrypt, write a temporary \
    file, fsync, keep the previous generation, rename, fsync the directory.\n\
    - *QR decode* reads each PNG from disk and decodes it in-process; zbarimg \
    (`--nodbus -Sdisable -Sqrcode.enable`, plus `-Stest-inverted` for the inverted set) \
    decodes the same files in one process, so its start-up is shared by 8 images. The \
    screenshots are synthetic cluttered desktops (windows, text-like rows, icons, noise) with \
    one code at a random place.\n";

const SERVER_NOTES: &str = "\nNotes:\n\n\
    - wrk, 2 threads, 32 keep-alive connections, 10 s per run, on the same 2 cores as the \
    servers (both servers in one process, measured one after the other). The run varies by \
    about ±0.04× from one run to the next on this shared machine.\n\
    - The bare endpoint does the same TOTP check as `verify` (7 digits, one step either side) \
    with the seed in memory.\n\
    - Every `verify` request is a valid code of a different user (500,000 users, registered as \
    on a site in steady state), so none is a replay and each one pays for the API-key check \
    (cached 5 s), the user read, the seed decryption, the ±1 step window and the durable \
    replay-protection insert before it answers.\n\
    - How: on SQLite the user read and the claim go to one thread that owns one rusqlite \
    connection with a warm page cache and runs whatever has queued up in one transaction \
    (group commit); checkpoints run on their own thread; usage counters are kept in memory \
    and flushed every 5 s. Through sqlx (one worker-thread hop and one transaction per \
    statement) the same run gave 0.05×.\n";

fn header() -> Result<String> {
    let mut h = String::from(
        "Produced by `cargo xtask bench [core|qr|server|all]` (release builds). Every row is \
         measured beside its reference in the same run on the same machine, so the ratios hold \
         even when the machine is shared; absolute times move with load. Nothing here is \
         asserted by the tests.\n\n",
    );
    let _ = writeln!(
        h,
        "- date: {}",
        shell::output(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"]))?.trim()
    );
    let _ = writeln!(
        h,
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
        h,
        "- machine: {}, {} cores, load average {}",
        cpu_model(),
        shell::output(&mut Command::new("nproc"))?.trim(),
        load()
    );
    let _ = writeln!(
        h,
        "- zbarimg: {}",
        shell::output(Command::new("zbarimg").arg("--version"))
            .unwrap_or_else(|_| "not installed".into())
            .trim()
    );
    let _ = writeln!(
        h,
        "- wrk: {}",
        shell::output(Command::new("wrk").arg("--version"))
            .unwrap_or_else(|e| e.to_string())
            .lines()
            .next()
            .unwrap_or("")
            .trim()
    );
    Ok(h)
}

fn replace_section(doc: &str, name: &str, body: &str) -> String {
    let (open, close) = (format!("<!-- {name} -->"), format!("<!-- /{name} -->"));
    match (doc.find(&open), doc.find(&close)) {
        (Some(a), Some(b)) if a < b => format!("{}{open}\n{body}{}", &doc[..a], &doc[b..]),
        _ => format!("{doc}\n{open}\n{body}{close}\n"),
    }
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
