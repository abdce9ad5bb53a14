//! Benchmarks of twofold-core, each beside a reference measured in the same run: codes for 1,000
//! accounts per tick (vs totp-rs), vault open and save with 10,000 accounts, unlock with the
//! passphrase KDF, and QR decoding of 1080p and 4K screenshots (vs `zbarimg` on the same files).
//!
//! Prints Markdown (for BENCHMARKS.md) on stdout. `--quick` runs fewer iterations.

#[path = "../tests/support/screens.rs"]
mod screens;

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use screens::{Canvas, sample_uri};
use twofold_core::keychain::NoKeyStore;
use twofold_core::otp::{Algorithm, Method, OtpParams};
use twofold_core::vault::{Contents, KdfParams, Protection, Vault};
use twofold_core::{Account, AccountDraft, AccountId, OsEntropy, Secret, qr};

struct Stats {
    median: Duration,
    p95: Duration,
}

fn measure(iterations: usize, mut f: impl FnMut()) -> Stats {
    f(); // warm up
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
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn accounts(n: usize) -> Vec<Account> {
    (0..n)
        .map(|i| {
            let (alg, digits, period) = match i % 10 {
                0 => (Algorithm::Sha256, 8, 30),
                1 => (Algorithm::Sha512, 6, 60),
                _ => (Algorithm::Sha1, 6, 30),
            };
            let mut seed = vec![0u8; 20];
            seed[..8].copy_from_slice(&(i as u64).to_be_bytes());
            Account::from_draft(
                AccountDraft {
                    issuer: format!("Issuer {i}"),
                    name: format!("user{i}@example.com"),
                    secret: Secret::new(seed),
                    params: OtpParams::new(Method::Totp { period }, alg, digits).unwrap(),
                    extra: Vec::new(),
                },
                AccountId::from_string(format!("{i:032x}")),
                1_700_000_000,
            )
        })
        .collect()
}

fn bench_codes(quick: bool) {
    let list = accounts(1000);
    let oracle: Vec<(totp_rs::Totp, u64)> = list
        .iter()
        .map(|a| {
            let alg = match a.params.algorithm() {
                Algorithm::Sha1 => totp_rs::Algorithm::SHA1,
                Algorithm::Sha256 => totp_rs::Algorithm::SHA256,
                Algorithm::Sha512 => totp_rs::Algorithm::SHA512,
            };
            let period = u64::from(a.params.method().period().unwrap());
            let t = totp_rs::Builder::new()
                .with_algorithm(alg)
                .with_digits(a.params.digits())
                .with_step_duration(period)
                .with_secret(a.secret.expose().to_vec())
                .build_noncompliant();
            (t, period)
        })
        .collect();
    let n = if quick { 50 } else { 500 };
    let mut t = 1_700_000_000u64;
    let ours = measure(n, || {
        t += 1;
        for a in &list {
            black_box(a.code_at(black_box(t)));
        }
    });
    let theirs = measure(n, || {
        t += 1;
        for (o, _) in &oracle {
            black_box(o.generate(black_box(t)).to_string());
        }
    });
    println!(
        "| Codes for 1,000 accounts, one tick | {} | {} | ≤ 1 ms | totp-rs, same accounts: {} ({:.2}×) |",
        ms(ours.median),
        ms(ours.p95),
        ms(theirs.median),
        theirs.median.as_secs_f64() / ours.median.as_secs_f64()
    );
}

fn bench_vault(quick: bool, dir: &Path) {
    let path = dir.join("big.tfv");
    let (mut vault, _) = Vault::create(
        &path,
        Protection::Passphrase {
            passphrase: &Secret::from_slice(b"p"),
            kdf: KdfParams::INSECURE_FAST,
        },
        &mut OsEntropy,
    )
    .unwrap();
    vault
        .update(&mut OsEntropy, |c: &mut Contents| -> Result<(), ()> {
            c.accounts = accounts(10_000);
            Ok(())
        })
        .unwrap()
        .unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    let key = vault.key().clone();
    let n = if quick { 5 } else { 30 };
    let open = measure(n, || {
        black_box(Vault::open_with_key(&path, key.clone()).unwrap());
    });
    let save = measure(n, || {
        vault
            .update(&mut OsEntropy, |c: &mut Contents| -> Result<(), ()> {
                c.accounts[0].pinned ^= true;
                Ok(())
            })
            .unwrap()
            .unwrap();
    });
    println!(
        "| Vault open, 10,000 accounts, key known ({:.1} MB file) | {} | {} | ≤ 50 ms | |",
        size as f64 / 1e6,
        ms(open.median),
        ms(open.p95)
    );
    println!(
        "| Vault save (read, change, encrypt, write, fsync, rename), 10,000 accounts | {} | {} | ≤ 50 ms | |",
        ms(save.median),
        ms(save.p95)
    );

    let small = dir.join("kdf.tfv");
    let pass = Secret::from_slice(b"a reasonable passphrase");
    Vault::create(
        &small,
        Protection::Passphrase {
            passphrase: &pass,
            kdf: KdfParams::DEFAULT,
        },
        &mut OsEntropy,
    )
    .unwrap();
    let unlock = measure(if quick { 3 } else { 10 }, || {
        black_box(Vault::open(&small, &NoKeyStore, Some(&pass)).unwrap());
    });
    println!(
        "| Unlock with the passphrase (Argon2id 64 MiB, t=3, p=1) | {} | {} | ≤ 300 ms | |",
        ms(unlock.median),
        ms(unlock.p95)
    );
}

struct ImageSet {
    label: &'static str,
    files: Vec<(std::path::PathBuf, String)>,
    zbar_inverted: bool,
}

fn image_sets(dir: &Path) -> Vec<ImageSet> {
    let mut sets = Vec::new();
    for (label, w, h, module_px, degrees, invert) in [
        (
            "1080p screenshot, 3 px/module",
            1920u32,
            1080u32,
            3u32,
            0.0f64,
            false,
        ),
        ("4K screenshot, 3 px/module", 3840, 2160, 3, 0.0, false),
        ("1080p, rotated 15°", 1920, 1080, 4, 15.0, false),
        ("1080p, inverted (dark theme)", 1920, 1080, 3, 0.0, true),
    ] {
        let mut files = Vec::new();
        for i in 0..8u64 {
            let seed = (w as u64) * 100 + i + if invert { 50 } else { 0 } + degrees as u64;
            let uri = sample_uri(seed as usize);
            let mut c = Canvas::desktop(w, h, seed);
            let (side, px) = qr::encode_luma(&uri, module_px).unwrap();
            let mut rng = screens::Rng::new(seed);
            let cx = f64::from(side) + f64::from(rng.below(w - 2 * side));
            let cy = f64::from(side) + f64::from(rng.below(h - 2 * side));
            c.paste_rotated(&px, side, cx, cy, degrees);
            if invert {
                c.invert();
            }
            let path = dir.join(format!(
                "{}-{i}.png",
                label.split(',').next().unwrap().replace(' ', "_")
            ));
            let path = path.with_file_name(format!(
                "{}{}-{i}.png",
                w,
                if invert {
                    "inv"
                } else if degrees > 0.0 {
                    "rot"
                } else {
                    ""
                }
            ));
            std::fs::write(&path, c.png()).unwrap();
            files.push((path, uri));
        }
        sets.push(ImageSet {
            label,
            files,
            zbar_inverted: invert,
        });
    }
    sets
}

fn bench_qr(quick: bool, dir: &Path) {
    let have_zbar = Command::new("zbarimg")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    for set in image_sets(dir) {
        let rounds = if quick { 1 } else { 3 };
        let mut ours_ok = 0;
        let ours = measure(rounds, || {
            ours_ok = 0;
            for (path, uri) in &set.files {
                let bytes = std::fs::read(path).unwrap();
                if qr::decode_image(&bytes).is_ok_and(|found| found.contains(uri)) {
                    ours_ok += 1;
                }
            }
        });
        let per_ours = ours.median / set.files.len() as u32;
        if !have_zbar {
            println!(
                "| QR decode, {} (per image, PNG load included) | {} | | {}/{} decoded | zbarimg not installed |",
                set.label,
                ms(per_ours),
                ours_ok,
                set.files.len()
            );
            continue;
        }
        let mut zbar_ok = 0;
        let zbar = measure(rounds, || {
            let mut cmd = Command::new("zbarimg");
            cmd.args(["--nodbus", "-q", "--raw", "-Sdisable", "-Sqrcode.enable"]);
            if set.zbar_inverted {
                cmd.arg("-Stest-inverted");
            }
            cmd.args(set.files.iter().map(|(p, _)| p));
            let out = cmd.output().unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            zbar_ok = set
                .files
                .iter()
                .filter(|(_, uri)| text.lines().any(|l| l == uri))
                .count();
        });
        let per_zbar = zbar.median / set.files.len() as u32;
        println!(
            "| QR decode, {} (per image, PNG load included) | {} | | {}/{} decoded, ≥ 5× zbarimg | zbarimg: {} per image, {}/{} decoded; **{:.1}×** |",
            set.label,
            ms(per_ours),
            ours_ok,
            set.files.len(),
            ms(per_zbar),
            zbar_ok,
            set.files.len(),
            per_zbar.as_secs_f64() / per_ours.as_secs_f64()
        );
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let only = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--") && a != "--bench");
    let dir = tempfile::tempdir().unwrap();
    println!("| benchmark | median | p95 | goal / result | reference in the same run |");
    println!("|---|---:|---:|---|---|");
    let wants = |area: &str| only.as_deref().is_none_or(|o| o == area || o == "all");
    if wants("core") {
        bench_codes(quick);
        bench_vault(quick, dir.path());
    }
    if wants("qr") {
        bench_qr(quick, dir.path());
    }
}
