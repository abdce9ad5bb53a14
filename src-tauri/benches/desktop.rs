//! The desktop benchmark (`cargo xtask bench desktop`): release builds under Xvfb, side by side
//! with an empty Tauri window built the same way (`examples/empty_window.rs`). Measures the cold
//! start — from starting the process to the first codes on the screen (the app, with 1,000
//! accounts whose key is in the session's keychain) or to the first paint (the empty window) —
//! and the proportional memory (PSS) of every process of each, WebKit's included.
//!
//! Needs DISPLAY, a D-Bus session with an unlocked Secret Service, and the two binaries in
//! TWOFOLD_BENCH_APP and TWOFOLD_BENCH_EMPTY (xtask provides all of it). Prints Markdown rows.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use twofold_core::keychain::Keychain;
use twofold_core::{
    AccountDraft, Algorithm, Method, OsEntropy, OtpParams, Protection, Secret, Vault,
};

const ACCOUNTS: usize = 1_000;
const RUNS: usize = 7;
/// How long after it is ready a process settles before its memory is read.
const SETTLE: Duration = Duration::from_secs(3);

struct Sample {
    ready: Duration,
    pss_kib: u64,
}

/// Every process started by `root` (children of children included), and `root` itself.
fn process_tree(root: u32) -> Vec<u32> {
    let mut all = vec![root];
    let mut i = 0;
    while i < all.len() {
        let pid = all[i];
        if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
            for task in tasks.flatten() {
                if let Ok(children) = std::fs::read_to_string(task.path().join("children")) {
                    all.extend(
                        children
                            .split_whitespace()
                            .filter_map(|c| c.parse::<u32>().ok()),
                    );
                }
            }
        }
        i += 1;
    }
    all
}

fn pss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|text| {
            text.lines().find_map(|l| {
                l.strip_prefix("Pss:")
                    .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            })
        })
        .unwrap_or(0)
}

fn kill_tree(child: &mut Child) {
    let pids = process_tree(child.id());
    for pid in pids.iter().rev() {
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
    }
    let _ = child.wait();
}

/// Starts `binary`, waits for its `twofold: ready` line, lets it settle, reads the memory of its
/// process tree, and stops it.
fn sample(binary: &Path, vault: &Path, data_home: &Path) -> Sample {
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env("TWOFOLD_REPORT_READY", "1")
        .env("TWOFOLD_VAULT", vault)
        .env("XDG_CONFIG_HOME", data_home.join("config"))
        .env("XDG_CACHE_HOME", data_home.join("cache"))
        .env(
            "XDG_DATA_HOME",
            std::env::var_os("XDG_DATA_HOME").unwrap_or_default(),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", binary.display()));
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    let steps = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = steps.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(step) = line.strip_prefix("twofold: at ")
                && let Ok(mut s) = seen.lock()
            {
                s.push(format!("{} {step}", started.elapsed().as_millis()));
            }
            if line.starts_with("twofold: ready") {
                let _ = tx.send(());
            }
        }
    });
    if rx.recv_timeout(Duration::from_secs(60)).is_err() {
        kill_tree(&mut child);
        panic!("{} never reported ready", binary.display());
    }
    let ready = started.elapsed();
    std::thread::sleep(SETTLE);
    let tree = process_tree(child.id());
    let total: u64 = tree.iter().copied().map(pss_kib).sum();
    // Where the time and the memory went, for whoever reads the log.
    let steps = steps.lock().map(|s| s.join(", ")).unwrap_or_default();
    let parts: Vec<String> = tree
        .iter()
        .map(|&pid| {
            let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            format!("{} {} MiB", name.trim(), pss_kib(pid) / 1024)
        })
        .collect();
    eprintln!(
        "{}: ready at {} ms [{steps}]; {}",
        binary.file_name().unwrap_or_default().to_string_lossy(),
        ready.as_millis(),
        parts.join(", ")
    );
    kill_tree(&mut child);
    Sample {
        ready,
        pss_kib: total,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn env_path(name: &str) -> PathBuf {
    std::env::var_os(name)
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("{name} is not set (run `cargo xtask bench desktop`)"))
}

fn main() {
    let app = env_path("TWOFOLD_BENCH_APP");
    let empty = env_path("TWOFOLD_BENCH_EMPTY");
    let dir = tempfile::tempdir().expect("temp dir");
    let vault_path = dir.path().join("vault.tfv");
    let keychain = Keychain::open_os().expect("a Secret Service in this session");
    let (mut vault, _) =
        Vault::create(&vault_path, Protection::Keychain(&keychain), &mut OsEntropy)
            .expect("creating the vault");
    vault
        .update(&mut OsEntropy, |c| -> Result<(), String> {
            for i in 0..ACCOUNTS {
                let params = OtpParams::new(Method::Totp { period: 30 }, Algorithm::Sha1, 6)
                    .map_err(|e| e.to_string())?;
                let mut seed = [0u8; 20];
                seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
                let draft = AccountDraft {
                    issuer: format!("Issuer {}", i % 97),
                    name: format!("user{i}@example.com"),
                    secret: Secret::from_slice(&seed),
                    params,
                    extra: Vec::new(),
                };
                c.add(draft, &mut OsEntropy, 0).map_err(|e| e.to_string())?;
            }
            Ok(())
        })
        .expect("saving the vault")
        .expect("adding accounts");

    let mut app_runs = Vec::new();
    let mut empty_runs = Vec::new();
    // Alternate, so a change in machine load touches both alike.
    for _ in 0..RUNS {
        empty_runs.push(sample(&empty, &vault_path, dir.path()));
        app_runs.push(sample(&app, &vault_path, dir.path()));
    }
    let ms = |runs: &[Sample]| {
        median(
            runs.iter()
                .map(|s| s.ready.as_secs_f64() * 1000.0)
                .collect(),
        )
    };
    let mib = |runs: &[Sample]| median(runs.iter().map(|s| s.pss_kib as f64 / 1024.0).collect());
    let (app_ms, empty_ms) = (ms(&app_runs), ms(&empty_runs));
    let (app_mib, empty_mib) = (mib(&app_runs), mib(&empty_runs));
    println!("| benchmark | Twofold | empty Tauri window | ratio (goal) |");
    println!("|---|---:|---:|---|");
    println!(
        "| Cold start to the first codes on screen (1,000 accounts; empty window: first paint), median of {RUNS} | {app_ms:.0} ms | {empty_ms:.0} ms | **{:.2}×** (≤ 1.2×) |",
        app_ms / empty_ms
    );
    println!(
        "| Memory (PSS) of all processes, {}s after ready, median of {RUNS} | {app_mib:.1} MiB | {empty_mib:.1} MiB | **{:.2}×** (≤ 1.1×) |",
        SETTLE.as_secs(),
        app_mib / empty_mib
    );
}
