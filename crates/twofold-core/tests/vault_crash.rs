//! Crash safety: a child process saves the vault in a loop and is killed (SIGKILL) at a random
//! moment, hundreds of times; after every kill the vault must open and hold exactly a committed
//! generation — the last one the child reported, or the one it was finishing.
//!
//! This binary is its own child (`TWOFOLD_CRASH_CHILD` set), hence `harness = false`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use twofold_core::otp::{Algorithm, Method, OtpParams};
use twofold_core::vault::{Contents, KdfParams, Protection, Vault};
use twofold_core::{AccountDraft, OsEntropy, Secret};

const ROUNDS: usize = 300;
/// Accounts present before the loop starts, so that each save writes a sizeable file.
const BASE_ACCOUNTS: usize = 2000;

fn draft(i: usize) -> AccountDraft {
    AccountDraft {
        issuer: format!("Issuer {i}"),
        name: format!("user{i}@example.com"),
        secret: Secret::new(format!("seed-number-{i:08}").into_bytes()),
        params: OtpParams::new(Method::Totp { period: 30 }, Algorithm::Sha1, 6).unwrap(),
        extra: Vec::new(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Child: add one account per save, forever, reporting each committed generation.
fn child(path: &Path, key: Secret) {
    let (mut vault, _) = Vault::open_with_key(path, key).expect("child opens the vault");
    loop {
        let ((), contents) = vault
            .update(&mut OsEntropy, |c: &mut Contents| -> Result<(), ()> {
                let n = c.accounts.len();
                c.add(draft(n), &mut OsEntropy, 0).unwrap();
                Ok(())
            })
            .expect("save")
            .expect("change");
        println!(
            "committed {} {}",
            vault.info().generation,
            contents.accounts.len()
        );
    }
}

/// A small deterministic generator for kill delays.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn parent() -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path: PathBuf = dir.path().join("vault.tfv");
    let (mut vault, _) = Vault::create(
        &path,
        Protection::Passphrase {
            passphrase: &Secret::from_slice(b"p"),
            kdf: KdfParams::INSECURE_FAST,
        },
        &mut OsEntropy,
    )
    .map_err(|e| e.to_string())?;
    vault
        .update(&mut OsEntropy, |c: &mut Contents| -> Result<(), ()> {
            for i in 0..BASE_ACCOUNTS {
                c.add(draft(i), &mut OsEntropy, 0).unwrap();
            }
            Ok(())
        })
        .map_err(|e| e.to_string())?
        .map_err(|()| "setup")?;
    // One save's duration sets the range of kill delays, so kills land before, inside and after
    // the write whatever the machine's speed.
    let started = std::time::Instant::now();
    vault
        .update(&mut OsEntropy, |_: &mut Contents| Ok::<(), ()>(()))
        .map_err(|e| e.to_string())?
        .map_err(|()| "save")?;
    let save_us = (started.elapsed().as_micros() as u64).max(200);
    let key_hex = hex(vault.key().expose());
    let tmp = dir.path().join("vault.tfv.tmp");
    let mut kills_mid_write = 0usize;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut rng = Lcg(0x7f4a_7c15);
    let (mut kills_mid_save, mut last_generation) = (0usize, vault.info().generation);

    for round in 0..ROUNDS {
        let mut child = Command::new(&exe)
            .env("TWOFOLD_CRASH_CHILD", &path)
            .env("TWOFOLD_CRASH_KEY", &key_hex)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait for the first commit so the kill lands inside the save loop, then a random delay.
        let first = rx
            .recv_timeout(Duration::from_secs(30))
            .map_err(|_| format!("round {round}: child never committed"))?;
        std::thread::sleep(Duration::from_micros(rng.next() % (3 * save_us)));
        child.kill().map_err(|e| e.to_string())?;
        child.wait().map_err(|e| e.to_string())?;
        reader.join().map_err(|_| "reader panicked")?;
        if tmp.exists() {
            kills_mid_write += 1;
            let _ = std::fs::remove_file(&tmp);
        }
        let mut committed = parse(&first)?;
        while let Ok(line) = rx.try_recv() {
            committed = parse(&line)?;
        }
        let (opened, contents) = Vault::open_with_key(&path, Secret::new(unhex(&key_hex)))
            .map_err(|e| format!("round {round}: the vault did not reopen after the kill: {e}"))?;
        let generation = opened.info().generation;
        if generation != committed.0 && generation != committed.0 + 1 {
            return Err(format!(
                "round {round}: reopened generation {generation}, last committed {}",
                committed.0
            ));
        }
        // Each generation adds exactly one account: the contents match the generation.
        let expected = committed.1 + usize::from(generation == committed.0 + 1);
        if contents.accounts.len() != expected {
            return Err(format!(
                "round {round}: {} accounts for generation {generation}",
                contents.accounts.len()
            ));
        }
        if generation == committed.0 + 1 {
            kills_mid_save += 1;
        }
        if generation < last_generation {
            return Err(format!(
                "round {round}: generation went back from {last_generation} to {generation}"
            ));
        }
        last_generation = generation;
    }
    println!(
        "{ROUNDS} kills ({save_us} µs a save): {kills_mid_write} mid-write, {kills_mid_save} after a commit not yet reported; final generation {last_generation}"
    );
    if kills_mid_write < ROUNDS / 60 {
        return Err(format!(
            "only {kills_mid_write} of {ROUNDS} kills landed mid-write: the test did not test"
        ));
    }
    Ok(())
}

fn parse(line: &str) -> Result<(u64, usize), String> {
    let mut parts = line.split_whitespace().skip(1);
    let g = parts
        .next()
        .and_then(|g| g.parse().ok())
        .ok_or(format!("bad line {line}"))?;
    let n = parts
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or(format!("bad line {line}"))?;
    Ok((g, n))
}

fn main() {
    if let Some(path) = std::env::var_os("TWOFOLD_CRASH_CHILD") {
        let key = std::env::var("TWOFOLD_CRASH_KEY").expect("key");
        child(Path::new(&path), Secret::new(unhex(&key)));
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        println!("crash_mid_save_always_reopens_a_committed_generation: test");
        return;
    }
    println!("\nrunning 1 test");
    match parent() {
        Ok(()) => {
            println!("test crash_mid_save_always_reopens_a_committed_generation ... ok\n");
            println!(
                "test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n"
            );
        }
        Err(e) => {
            println!(
                "test crash_mid_save_always_reopens_a_committed_generation ... FAILED\n\n{e}\n"
            );
            println!(
                "test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out\n"
            );
            std::process::exit(101);
        }
    }
}
