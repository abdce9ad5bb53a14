//! Exports: every format read back by our importers with nothing lost that the format can hold;
//! the accounts a format cannot hold named; Google's QR codes decoded by `zbarimg` (ZBar, not our
//! decoder) and re-imported; the Aegis encrypted export decrypted by an independent Python script
//! following Aegis's published vault documentation; the backup's test vector reproduced byte for
//! byte (`fixtures/backup/decrypt_vector.py` decrypts it with PyNaCl from the format document).

use std::path::{Path, PathBuf};
use std::process::Command;

use twofold_core::account::{AccountId, Labels};
use twofold_core::entropy::FixedEntropy;
use twofold_core::vault::{Contents, KdfParams};
use twofold_core::{Account, OsEntropy, Secret, otpauth};
use twofold_formats::{ExportFormat, Format, Output, backup, export, import};

const NOW: u64 = 1_700_000_000;

fn password() -> Secret {
    Secret::new(b"correct horse battery".to_vec())
}

/// Accounts of every kind, with tags, a pin, a colour and a kept parameter.
fn accounts() -> Vec<Account> {
    let links = [
        "otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP&issuer=GitHub",
        "otpauth://totp/Bank:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Bank&algorithm=SHA256&digits=8&period=60",
        "otpauth://hotp/Forge:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Forge&counter=7",
        "otpauth://steam/Steam:gamer?secret=MFRGGZDFMZTWQ2LK&issuer=Steam",
        "otpauth://totp/Shop:carol?secret=MFRGGZDFMZTWQ2LKNBVGY3DP&issuer=Shop&algorithm=SHA512&digits=7&image=https%3A%2F%2Fshop.example%2Ficon.png",
        "otpauth://totp/no-issuer%40example.com?secret=KRSXG5CTMVRXEZLU",
    ];
    links
        .iter()
        .enumerate()
        .map(|(i, link)| {
            let draft = otpauth::parse(link).unwrap();
            let mut account =
                Account::from_draft(draft, AccountId::from_string(format!("{i:032x}")), NOW);
            match i {
                0 => {
                    account.tags = vec!["Work".into()];
                    account.pinned = true;
                    account.color = Some("#3a7bd5".into());
                }
                1 => account.tags = vec!["Work".into(), "Money".into()],
                _ => {}
            }
            account
        })
        .collect()
}

/// What an account is, as a format may keep it.
fn essence(issuer: &str, name: &str, secret: &Secret, params: twofold_core::OtpParams) -> String {
    format!(
        "{issuer} | {name} | {} | {:?} {} {}",
        secret.to_base32().as_str(),
        params.method(),
        params.algorithm(),
        params.digits()
    )
}

fn file(output: Output) -> Vec<u8> {
    match output {
        Output::File(bytes) => bytes.to_vec(),
        Output::Links(_) => panic!("a file was expected"),
    }
}

/// Exports every account, imports the file, and checks the fields the format keeps.
fn round_trip(format: ExportFormat, expect: Format, keeps_tags: usize, keeps_pin: bool) {
    let accounts = accounts();
    let exported = export(format, &accounts, Some(&password()), &mut OsEntropy, NOW).unwrap();
    assert!(
        exported.skipped.is_empty(),
        "{format:?}: {:?}",
        exported.skipped
    );
    let bytes = file(exported.output);
    let imported = import(&bytes, Some(&password())).unwrap();
    assert_eq!(imported.format, expect, "{format:?}");
    assert!(
        imported.problems.is_empty(),
        "{format:?}: {:?}",
        imported.problems
    );
    assert_eq!(imported.entries.len(), accounts.len(), "{format:?}");
    for (entry, account) in imported.entries.iter().zip(&accounts) {
        // A 2FAS service always has a title: an account without an issuer gets its name.
        let issuer = if format == ExportFormat::TwoFas && account.issuer.is_empty() {
            &account.name
        } else {
            &account.issuer
        };
        assert_eq!(
            essence(
                &entry.draft.issuer,
                &entry.draft.name,
                &entry.draft.secret,
                entry.draft.params
            ),
            essence(issuer, &account.name, &account.secret, account.params),
            "{format:?}"
        );
        let tags: Vec<&String> = account.tags.iter().take(keeps_tags).collect();
        assert_eq!(
            entry.labels.tags.iter().collect::<Vec<_>>(),
            tags,
            "{format:?}"
        );
        assert_eq!(
            entry.labels.pinned,
            keeps_pin && account.pinned,
            "{format:?}"
        );
    }
}

#[test]
fn every_format_round_trips_what_it_can_hold() {
    round_trip(ExportFormat::AegisPlain, Format::AegisPlain, 2, true);
    round_trip(
        ExportFormat::AegisEncrypted,
        Format::AegisEncrypted,
        2,
        true,
    );
    round_trip(ExportFormat::TwoFas, Format::TwoFasPlain, 1, false);
    round_trip(ExportFormat::Ente, Format::UriList, 2, true);
    round_trip(ExportFormat::UriList, Format::UriList, 0, false);
    round_trip(ExportFormat::TwofoldBackup, Format::TwofoldBackup, 2, true);
}

#[test]
fn the_backup_keeps_everything_and_needs_its_passphrase() {
    let accounts = accounts();
    let contents = Contents {
        accounts: accounts.clone(),
    };
    let bytes = backup::seal(
        &contents,
        &password(),
        KdfParams::INSECURE_FAST,
        &mut OsEntropy,
        NOW,
    )
    .unwrap();
    let opened = backup::open(&bytes, Some(&password())).unwrap();
    assert_eq!(
        opened, contents,
        "every field, the colour and the kept parameters included"
    );
    assert_eq!(
        backup::open(&bytes, Some(&Secret::new(b"wrong".to_vec()))).unwrap_err(),
        twofold_formats::ImportError::WrongPassword {
            app: "Twofold backup"
        }
    );
    assert_eq!(
        backup::open(&bytes, None).unwrap_err(),
        twofold_formats::ImportError::PasswordRequired {
            app: "Twofold backup"
        }
    );
    // Through the importer, the labels come too.
    let imported = import(&bytes, Some(&password())).unwrap();
    assert_eq!(imported.entries[0].labels, Labels::of(&accounts[0]));
    assert_eq!(imported.entries[4].draft.extra, accounts[4].extra);
    // A file asking Argon2id for more than the bounds is refused before deriving.
    let mut json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    json["slots"][0]["kdf"]["memory_kib"] = serde_json::json!(64 * 1024 * 1024);
    let err = backup::open(&serde_json::to_vec(&json).unwrap(), Some(&password())).unwrap_err();
    assert!(
        err.to_string().contains("refused rather than obeyed"),
        "{err}"
    );
}

fn vector_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/backup")
}

/// The documented vector: one account, fixed randomness, the cheap KDF. `TWOFOLD_BLESS=1`
/// rewrites it.
#[test]
fn the_backup_vector_is_reproduced_byte_for_byte() {
    let account = Account::from_draft(
        otpauth::parse(
            "otpauth://totp/Example:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
        )
        .unwrap(),
        AccountId::from_string("000102030405060708090a0b0c0d0e0f".into()),
        NOW,
    );
    let contents = Contents {
        accounts: vec![account],
    };
    let randomness: Vec<u8> = (0u8..=255).collect();
    let bytes = backup::seal(
        &contents,
        &Secret::new(b"correct horse battery staple".to_vec()),
        KdfParams::INSECURE_FAST,
        &mut FixedEntropy::new(&randomness),
        NOW,
    )
    .unwrap();
    let path = vector_dir().join("vector.twofold-backup");
    if std::env::var_os("TWOFOLD_BLESS").is_some() {
        std::fs::write(&path, &*bytes).unwrap();
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        *bytes,
        "the vector changed; if on purpose, TWOFOLD_BLESS=1 and update docs/backup-format.md"
    );
    let opened = backup::open(
        &bytes,
        Some(&Secret::new(b"correct horse battery staple".to_vec())),
    )
    .unwrap();
    assert_eq!(opened, contents);
}

/// The documented vector of an automatic backup: sealed to a recovery key (the vault vector's)
/// and a backup passphrase, with a vault slot; fixed randomness, the cheap KDF.
/// `TWOFOLD_BLESS=1` rewrites it.
#[test]
fn the_automatic_backup_vector_is_reproduced_byte_for_byte() {
    use twofold_core::recovery::{Recipient, RecoveryKey};
    let account = Account::from_draft(
        otpauth::parse(
            "otpauth://totp/Example:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
        )
        .unwrap(),
        AccountId::from_string("000102030405060708090a0b0c0d0e0f".into()),
        NOW,
    );
    let contents = Contents {
        accounts: vec![account],
    };
    let recovery_text = "E1RQ-4WVM-ENV7-EY3S-F9XQ-RZBY-FY08-30M3-C97A";
    let recovery = RecoveryKey::parse(recovery_text).unwrap();
    let salts: Vec<u8> = (0xA0u8..=0xBF).collect();
    let mut salt_entropy = FixedEntropy::new(&salts);
    let to_recovery = recovery
        .recipient(KdfParams::INSECURE_FAST, &mut salt_entropy)
        .unwrap();
    let backup_words = Secret::new(b"backup words".to_vec());
    let to_passphrase =
        Recipient::new(&backup_words, KdfParams::INSECURE_FAST, &mut salt_entropy).unwrap();
    let vault_key = Secret::from_slice(&[0x42; 32]);
    let vault_id = "00112233445566778899aabbccddeeff";
    let randomness: Vec<u8> = (0u8..=255).rev().collect();
    let bytes = backup::seal_with(
        &contents,
        &[
            backup::Lock::RecoveryKey(to_recovery),
            backup::Lock::BackupPassphrase(to_passphrase),
            backup::Lock::Vault {
                vault_id,
                key: &vault_key,
            },
        ],
        &mut FixedEntropy::new(&randomness),
        NOW,
    )
    .unwrap();
    let path = vector_dir().join("vector-automatic.twofold-backup");
    if std::env::var_os("TWOFOLD_BLESS").is_some() {
        std::fs::write(&path, &*bytes).unwrap();
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        *bytes,
        "the vector changed; if on purpose, TWOFOLD_BLESS=1 and update docs/backup-format.md"
    );
    for typed in [recovery_text, "backup words"] {
        let opened = backup::open_with(
            &bytes,
            backup::Unlock::Typed(&Secret::new(typed.as_bytes().to_vec())),
        )
        .unwrap();
        assert_eq!(opened, contents, "{typed}");
    }
    let opened = backup::open_with(&bytes, backup::Unlock::VaultKey(&vault_key)).unwrap();
    assert_eq!(opened, contents);
    let info = backup::info(&bytes).unwrap();
    assert_eq!(info.slots, ["recovery-key", "backup-passphrase", "vault"]);
    assert_eq!(info.vault_id.as_deref(), Some(vault_id));
}

/// The Python of `cargo xtask test`'s virtual environment (PyNaCl, cryptography).
fn venv_python() -> Option<PathBuf> {
    match std::env::var_os("TWOFOLD_XTASK_VENV") {
        Some(v) => Some(Path::new(&v).join("bin/python")),
        None => {
            eprintln!("needs `cargo xtask test`, which makes the Python environment");
            None
        }
    }
}

#[test]
fn python_decrypts_the_aegis_export_and_the_backup_vector() {
    let Some(python) = venv_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let accounts = accounts();
    let exported = export(
        ExportFormat::AegisEncrypted,
        &accounts,
        Some(&password()),
        &mut OsEntropy,
        NOW,
    )
    .unwrap();
    let path = dir.path().join("aegis.json");
    std::fs::write(&path, file(exported.output)).unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/aegis_decrypt.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(&path)
        .arg("correct horse battery")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = String::from_utf8(out.stdout).unwrap();
    let expected: Vec<String> = accounts
        .iter()
        .map(|a| {
            format!(
                "{} | {} | {} | {}",
                a.issuer,
                a.name,
                a.secret.to_base32().as_str(),
                a.params.method().type_name()
            )
        })
        .collect();
    assert_eq!(listed.lines().collect::<Vec<_>>(), expected);

    let out = Command::new(&python)
        .arg(vector_dir().join("decrypt_vector.py"))
        .arg(vector_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn google_qr_codes_scan_with_zbar_and_hold_what_google_can() {
    let accounts = accounts();
    let exported = export(
        ExportFormat::GoogleMigration,
        &accounts,
        None,
        &mut OsEntropy,
        NOW,
    )
    .unwrap();
    let skipped: Vec<String> = exported.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(
        skipped,
        [
            "Bank (alice): period: not in a Google Authenticator export: 60 seconds (it knows only 30)",
            "Steam (gamer): type: not in a Google Authenticator export: Steam codes have no place in it",
            "Shop (carol): digits: not in a Google Authenticator export: 7 digits (it knows only 6 and 8)",
        ]
    );
    let Output::Links(links) = exported.output else {
        panic!("links expected");
    };
    assert_eq!(links.len(), 1, "three accounts fit one code");
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("google-1.png");
    std::fs::write(&png, twofold_core::qr::encode_png(&links[0], 6).unwrap()).unwrap();
    let out = Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(&png)
        .output()
        .expect("zbarimg (cargo xtask test installs zbar-tools)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let scanned = String::from_utf8(out.stdout).unwrap();
    assert_eq!(scanned.trim(), links[0].as_str());
    let imported = import(scanned.as_bytes(), None).unwrap();
    let names: Vec<String> = imported
        .entries
        .iter()
        .map(|e| e.draft.display_name())
        .collect();
    assert_eq!(
        names,
        ["GitHub (octocat)", "Forge (bob)", "no-issuer@example.com"]
    );
    let forge = &imported.entries[1].draft;
    assert_eq!(
        forge.params.method(),
        twofold_core::Method::Hotp { counter: 7 }
    );
}

#[test]
fn plain_exports_hold_their_secrets_and_encrypted_ones_do_not() {
    let accounts = accounts();
    for format in ExportFormat::ALL {
        if format == ExportFormat::GoogleMigration {
            continue;
        }
        let exported = export(format, &accounts, Some(&password()), &mut OsEntropy, NOW).unwrap();
        let text = String::from_utf8(file(exported.output)).unwrap();
        assert_eq!(
            !text.contains("JBSWY3DPEHPK3PXP"),
            format.encrypted(),
            "{format:?}"
        );
    }
    let err = export(
        ExportFormat::AegisEncrypted,
        &accounts,
        None,
        &mut OsEntropy,
        NOW,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Aegis (encrypted JSON): give a password to encrypt the export with"
    );
}
