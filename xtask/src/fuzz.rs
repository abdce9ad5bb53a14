//! `cargo xtask fuzz [TARGET] [--time S] [--runs N]`: libFuzzer through cargo-fuzz on every
//! parser of outside input (`fuzz/fuzz_targets`), on the stable toolchain (`RUSTC_BOOTSTRAP=1`,
//! no sanitizer: Rust code is memory-safe, and what we look for is panics, hangs and runaway
//! memory). Each target starts from its seeds (`fuzz/seeds/TARGET` and the test fixtures),
//! keeps its growing corpus under the target directory, and replays `fuzz/regressions/TARGET`
//! (inputs that once failed) first. A failing input is left in `fuzz/artifacts/TARGET`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::shell;

/// Every target, in the order they run.
pub const TARGETS: [&str; 7] = [
    "otpauth_uri",
    "migration",
    "qr_image",
    "server_params",
    "device_protocol",
    "vault_file",
    "import_file",
];

/// The cargo-fuzz release the targets are built with (crates.io).
const CARGO_FUZZ: &str = "0.13.2";

/// What to run: which targets, for how long (seconds) or how many executions each.
struct Plan {
    targets: Vec<&'static str>,
    seconds: Option<u64>,
    runs: Option<u64>,
}

fn parse(args: &[String]) -> Result<Plan> {
    let mut plan = Plan {
        targets: Vec::new(),
        seconds: None,
        runs: None,
    };
    let mut args = args.iter();
    while let Some(a) = args.next() {
        let mut number = |flag: &str| -> Result<u64> {
            args.next()
                .and_then(|v| v.parse().ok())
                .with_context(|| format!("{flag} needs a whole number"))
        };
        match a.as_str() {
            "--time" => plan.seconds = Some(number("--time")?),
            "--runs" => plan.runs = Some(number("--runs")?),
            name => match TARGETS.iter().find(|t| **t == name) {
                Some(t) => plan.targets.push(t),
                None => bail!(
                    "unknown fuzz target `{name}` (targets: {})",
                    TARGETS.join(", ")
                ),
            },
        }
    }
    if plan.targets.is_empty() {
        plan.targets = TARGETS.to_vec();
    }
    if plan.seconds.is_none() && plan.runs.is_none() {
        plan.seconds = Some(60);
    }
    Ok(plan)
}

pub fn fuzz(args: &[String]) -> Result<()> {
    let plan = parse(args)?;
    let summary = run(&plan.targets, plan.seconds, plan.runs)?;
    println!("\nfuzz: target, executions, seconds, corpus entries — no failures");
    for line in summary {
        println!("  {line}");
    }
    Ok(())
}

/// A short run of every target, as `cargo xtask test` does it (CI).
pub fn smoke(seconds: u64) -> Result<()> {
    run(&TARGETS, Some(seconds), None).map(|_| ())
}

fn run(targets: &[&str], seconds: Option<u64>, runs: Option<u64>) -> Result<Vec<String>> {
    ensure_cargo_fuzz()?;
    let root = shell::root();
    let out = shell::target_dir().join("fuzz");
    let mut summary = Vec::new();
    for target in targets {
        let corpus = out.join("corpus").join(target);
        std::fs::create_dir_all(&corpus)
            .with_context(|| format!("creating {}", corpus.display()))?;
        let mut cmd = cargo_fuzz(&out);
        cmd.args(["run", "--sanitizer", "none", "--fuzz-dir"])
            .arg(root.join("fuzz"))
            .arg(target)
            .arg(&corpus);
        for dir in seeds(&root, target) {
            cmd.arg(dir);
        }
        cmd.arg("--").arg("-rss_limit_mb=2048").arg("-timeout=10");
        if let Some(s) = seconds {
            cmd.arg(format!("-max_total_time={s}"));
        }
        if let Some(n) = runs {
            cmd.arg(format!("-runs={n}"));
        }
        let log = shell::root().join("fuzz").join(format!(".{target}.log"));
        let _ = std::fs::remove_file(&log);
        eprintln!("$ cargo fuzz run {target} (log: {})", log.display());
        let output = cmd
            .output()
            .with_context(|| format!("starting cargo fuzz for {target}"))?;
        let text = String::from_utf8_lossy(&output.stderr).into_owned();
        std::fs::write(&log, &text).ok();
        if !output.status.success() {
            let tail: Vec<&str> = text.lines().rev().take(30).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            bail!(
                "fuzz target {target} failed; the input is in fuzz/artifacts/{target} (keep it \
                 in fuzz/regressions/{target} once fixed):\n{}",
                tail.join("\n")
            );
        }
        let _ = std::fs::remove_file(&log);
        summary.push(describe(target, &text, &corpus));
    }
    Ok(summary)
}

/// "target: N runs in S s, C corpus entries" from libFuzzer's closing line.
fn describe(target: &str, log: &str, corpus: &Path) -> String {
    let done = log
        .lines()
        .rev()
        .find(|l| l.starts_with("Done "))
        .unwrap_or("Done ? runs in ? second(s)");
    let mut words = done.split_whitespace().skip(1);
    let runs = words.next().unwrap_or("?");
    let secs = words.nth(2).unwrap_or("?");
    let entries = std::fs::read_dir(corpus).map(|d| d.count()).unwrap_or(0);
    format!("{target}: {runs} runs in {secs} s, {entries} corpus entries")
}

/// The seed directories of a target that exist: its own seeds, the regressions, and the test
/// fixtures of what it parses.
fn seeds(root: &Path, target: &str) -> Vec<PathBuf> {
    let mut dirs = vec![
        root.join("fuzz/regressions").join(target),
        root.join("fuzz/seeds").join(target),
    ];
    match target {
        "migration" => dirs.push(root.join("crates/twofold-core/tests/fixtures/migration")),
        "vault_file" => dirs.push(root.join("crates/twofold-core/tests/fixtures/vault")),
        "qr_image" => dirs.push(root.join("icons")),
        "import_file" => {
            dirs.push(root.join("crates/twofold-formats/tests/fixtures/aegis"));
            dirs.push(root.join("crates/twofold-formats/tests/fixtures/apps"));
        }
        _ => {}
    }
    dirs.into_iter().filter(|d| d.is_dir()).collect()
}

/// `cargo fuzz` on the stable toolchain, building into `out`.
fn cargo_fuzz(out: &Path) -> Command {
    let mut cmd = shell::cargo();
    cmd.arg("fuzz")
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_DIR", out.join("build"));
    cmd
}

fn ensure_cargo_fuzz() -> Result<()> {
    let installed = shell::output(shell::cargo().args(["fuzz", "--version"]))
        .is_ok_and(|v| v.contains(CARGO_FUZZ));
    if !installed {
        shell::run(shell::cargo().args([
            "install",
            "cargo-fuzz",
            "--locked",
            "--version",
            CARGO_FUZZ,
        ]))?;
    }
    Ok(())
}
