//! Importing 10,000 accounts into a vault: an Aegis plain export and a 2FAS encrypted one
//! (built here with the format's own PBKDF2 + AES-GCM), each read, converted, checked for
//! duplicates, added with its labels and saved — the time beyond the file's key derivation,
//! which is measured beside it. The reference in the same run: parsing the same file's JSON into
//! a `serde_json::Value`, the floor of reading it at all.
//!
//! Prints Markdown (for BENCHMARKS.md) on stdout. `--quick` runs fewer iterations.

use std::hint::black_box;
use std::time::{Duration, Instant};

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use serde_json::json;
use twofold_core::account::AccountId;
use twofold_core::otp::{Algorithm, Method, OtpParams};
use twofold_core::vault::{Contents, KdfParams, Protection, Vault};
use twofold_core::{Account, AccountDraft, OsEntropy, Secret};
use twofold_formats::{ExportFormat, Output, export, import};

const N: usize = 10_000;
const PASSWORD: &[u8] = b"correct horse battery";

struct Stats {
    median: Duration,
    p95: Duration,
}

fn measure(iterations: usize, mut f: impl FnMut()) -> Stats {
    f();
    let mut times: Vec<Duration> = (0..iterations)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    Stats {
        median: times[times.len() / 2],
        p95: times[(times.len() * 95 / 100).min(times.len() - 1)],
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn accounts() -> Vec<Account> {
    (0..N)
        .map(|i| {
            let (alg, digits, period) = match i % 10 {
                0 => (Algorithm::Sha256, 8, 30),
                1 => (Algorithm::Sha512, 6, 60),
                _ => (Algorithm::Sha1, 6, 30),
            };
            let mut seed = vec![0u8; 20];
            seed[..8].copy_from_slice(&(i as u64).to_be_bytes());
            let mut account = Account::from_draft(
                AccountDraft {
                    issuer: format!("Issuer {i}"),
                    name: format!("user{i}@example.com"),
                    secret: Secret::new(seed),
                    params: OtpParams::new(Method::Totp { period }, alg, digits).unwrap(),
                    extra: Vec::new(),
                },
                AccountId::from_string(format!("{i:032x}")),
                1_700_000_000,
            );
            account.tags = vec![format!("Group {}", i % 7)];
            account
        })
        .collect()
}

/// A 2FAS encrypted backup of the accounts, as 2FAS writes it.
fn twofas_encrypted(accounts: &[Account]) -> Vec<u8> {
    let services: Vec<_> = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            json!({
                "name": a.issuer,
                "secret": a.secret.to_base32().as_str(),
                "updatedAt": 1_700_000_000_000u64,
                "otp": {"account": a.name, "issuer": a.issuer, "digits": a.params.digits(),
                        "period": a.params.method().period(), "algorithm": a.params.algorithm().as_str(),
                        "tokenType": "TOTP", "source": "Link"},
                "order": {"position": i},
            })
        })
        .collect();
    let salt = [7u8; 256];
    let iv = [9u8; 12];
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(PASSWORD, &salt, 10_000, &mut key);
    let sealed = Aes256Gcm::new((&key).into())
        .encrypt(
            &Nonce::from(iv),
            serde_json::to_vec(&services).unwrap().as_slice(),
        )
        .unwrap();
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    serde_json::to_vec(&json!({
        "services": [], "groups": [], "updatedAt": 1_700_000_000_000u64, "schemaVersion": 4,
        "appVersionCode": 5_000_009, "appVersionName": "5.1.0", "appOrigin": "android",
        "servicesEncrypted": format!("{}:{}:{}", b64(&sealed), b64(&salt), b64(&iv)),
    }))
    .unwrap()
}

/// Reads the file and brings every entry into an empty vault (one save).
fn import_into(vault: &mut Vault, bytes: &[u8], password: Option<&Secret>) -> usize {
    let imported = import(bytes, password).unwrap();
    let (report, _) = vault
        .update(&mut OsEntropy, |c: &mut Contents| {
            c.accounts.clear();
            twofold_formats::apply(c, imported.entries, imported.problems, &mut OsEntropy, 1)
        })
        .unwrap()
        .unwrap();
    report.added.len()
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let n = if quick { 3 } else { 15 };
    let dir = tempfile::tempdir().unwrap();
    let (mut vault, _) = Vault::create(
        &dir.path().join("import.tfv"),
        Protection::Passphrase {
            passphrase: &Secret::from_slice(b"p"),
            kdf: KdfParams::INSECURE_FAST,
        },
        &mut OsEntropy,
    )
    .unwrap();
    let accounts = accounts();
    let password = Secret::from_slice(PASSWORD);
    println!("| benchmark | median | p95 | goal / result | reference in the same run |");
    println!("|---|---:|---:|---|---|");

    let Output::File(aegis) = export(ExportFormat::AegisPlain, &accounts, None, &mut OsEntropy, 1)
        .unwrap()
        .output
    else {
        unreachable!()
    };
    assert_eq!(import_into(&mut vault, &aegis, None), N);
    let ours = measure(n, || {
        black_box(import_into(&mut vault, &aegis, None));
    });
    let parse = measure(n, || {
        black_box(serde_json::from_slice::<serde_json::Value>(&aegis).unwrap());
    });
    println!(
        "| Import 10,000 accounts from an Aegis plain export ({:.1} MB) into a vault, saved | {} | {} | ≤ 200 ms: {} | parsing its JSON alone: {} (the import takes {:.1}× that) |",
        aegis.len() as f64 / 1e6,
        ms(ours.median),
        ms(ours.p95),
        if ours.median <= Duration::from_millis(200) {
            "met"
        } else {
            "missed"
        },
        ms(parse.median),
        ours.median.as_secs_f64() / parse.median.as_secs_f64(),
    );

    let twofas = twofas_encrypted(&accounts);
    assert_eq!(import_into(&mut vault, &twofas, Some(&password)), N);
    let total = measure(n, || {
        black_box(import_into(&mut vault, &twofas, Some(&password)));
    });
    let kdf = measure(n, || {
        let mut key = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(PASSWORD, &[7u8; 256], 10_000, &mut key);
        black_box(key);
    });
    let beyond = total.median.saturating_sub(kdf.median);
    println!(
        "| Import 10,000 accounts from a 2FAS encrypted backup into a vault, saved | {} | {} | ≤ 200 ms beyond the KDF: {} ({}) | its KDF alone (PBKDF2-SHA256, 10,000 rounds): {} |",
        ms(total.median),
        ms(total.p95),
        ms(beyond),
        if beyond <= Duration::from_millis(200) {
            "met"
        } else {
            "missed"
        },
        ms(kdf.median),
    );
}
