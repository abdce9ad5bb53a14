//! The test vectors of `docs/vault-format.md`: this code must reproduce the committed version 2
//! file byte for byte from fixed randomness and open it with its passphrase and with its
//! recovery key; the version 1 vector (the previous format) must open and upgrade.
//! `decrypt_vector.py` beside the fixtures decrypts both with PyNaCl, independently of this code
//! (run by `cargo xtask test`).
//!
//! To regenerate after a deliberate format change: `TWOFOLD_BLESS=1 cargo test --test vault_vector`.

use std::path::PathBuf;

use twofold_core::entropy::FixedEntropy;
use twofold_core::keychain::NoKeyStore;
use twofold_core::recovery::RecoveryKey;
use twofold_core::vault::{Contents, KdfParams, Protection, RecoverTo, Vault, VaultError};
use twofold_core::{OsEntropy, Secret, otpauth};

const PASSPHRASE: &str = "correct horse battery staple";
const URI: &str = "otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example";

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vault")
}

fn entropy() -> FixedEntropy {
    let bytes: Vec<u8> = (0u8..=250).collect();
    FixedEntropy::new(&bytes)
}

/// The recovery key the vector is sealed to (from the same fixed randomness).
const RECOVERY_KEY: &str = "E1RQ-4WVM-ENV7-EY3S-F9XQ-RZBY-FY08-30M3-C97A";

fn make(dir: &std::path::Path) -> (Vec<u8>, Secret, Secret) {
    let path = dir.join("vector.tfv");
    let mut e = entropy();
    let pass = Secret::from_slice(PASSPHRASE.as_bytes());
    let (mut vault, _) = Vault::create(
        &path,
        Protection::Passphrase {
            passphrase: &pass,
            kdf: KdfParams::INSECURE_FAST,
        },
        &mut e,
    )
    .unwrap();
    let recovery = vault
        .set_recovery_key(&NoKeyStore, KdfParams::INSECURE_FAST, &mut e)
        .unwrap();
    let mut id_entropy = entropy();
    vault
        .update(&mut e, |c: &mut Contents| {
            c.add(otpauth::parse(URI).unwrap(), &mut id_entropy, 1_700_000_000)
        })
        .unwrap()
        .unwrap();
    (
        std::fs::read(&path).unwrap(),
        vault.key().clone(),
        recovery.to_text(),
    )
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.trim().len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text.trim()[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn documented_test_vector_is_reproduced_and_opens() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, key, recovery) = make(dir.path());
    assert_eq!(
        std::str::from_utf8(recovery.expose()).unwrap(),
        RECOVERY_KEY,
        "update RECOVERY_KEY and docs/vault-format.md"
    );
    let vector = fixtures().join("vector.tfv");
    if std::env::var_os("TWOFOLD_BLESS").is_some() {
        std::fs::write(&vector, &bytes).unwrap();
        let key_hex: String = key.expose().iter().map(|b| format!("{b:02x}")).collect();
        std::fs::write(fixtures().join("vector.key.hex"), format!("{key_hex}\n")).unwrap();
    }
    let committed = std::fs::read(&vector).unwrap();
    assert_eq!(
        bytes, committed,
        "the vault format changed: update docs/vault-format.md and bless"
    );
    let pass = Secret::from_slice(PASSPHRASE.as_bytes());
    // Open a copy, so the fixture directory gets no lock file.
    let copy = dir.path().join("copy.tfv");
    std::fs::copy(&vector, &copy).unwrap();
    let (_, contents) = Vault::open(&copy, &NoKeyStore, Some(&pass)).unwrap();
    let a = &contents.accounts[0];
    assert_eq!(a.display_name(), "Example (alice@example.com)");
    assert_eq!(a.code_at(59).as_str(), "996554");
    let key_hex = std::fs::read_to_string(fixtures().join("vector.key.hex")).unwrap();
    assert_eq!(key.expose(), unhex(&key_hex).as_slice());

    // The recovery key opens it too (and gives it a new passphrase and key).
    let new_pass = Secret::from_slice(b"a new passphrase");
    let (_, contents) = Vault::recover(
        &copy,
        &RecoveryKey::parse(RECOVERY_KEY).unwrap(),
        RecoverTo::Passphrase {
            passphrase: &new_pass,
            kdf: KdfParams::INSECURE_FAST,
        },
        &mut OsEntropy,
    )
    .unwrap();
    assert_eq!(contents.accounts[0].code_at(59).as_str(), "996554");
    assert!(matches!(
        Vault::open(&copy, &NoKeyStore, Some(&pass)),
        Err(VaultError::WrongPassphrase)
    ));
    Vault::open(&copy, &NoKeyStore, Some(&new_pass)).unwrap();
}

/// The previous format's vector opens with its passphrase, and its first save writes the
/// current version (same passphrase, same key, the account intact).
#[test]
fn version_1_vector_opens_and_upgrades() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("v1.tfv");
    std::fs::copy(fixtures().join("vector-v1.tfv"), &copy).unwrap();
    let pass = Secret::from_slice(PASSPHRASE.as_bytes());
    let info = Vault::inspect(&copy).unwrap();
    assert_eq!((info.version, info.generation), (1, 2));
    let (mut vault, contents) = Vault::open(&copy, &NoKeyStore, Some(&pass)).unwrap();
    assert_eq!(contents.accounts[0].code_at(59).as_str(), "996554");
    let key_hex = std::fs::read_to_string(fixtures().join("vector-v1.key.hex")).unwrap();
    assert_eq!(vault.key().expose(), unhex(&key_hex).as_slice());
    vault
        .update(&mut OsEntropy, |_: &mut Contents| Ok::<(), ()>(()))
        .unwrap()
        .unwrap();
    let info = Vault::inspect(&copy).unwrap();
    assert_eq!((info.version, info.generation, info.recovery), (2, 3, None));
    let (reopened, contents) = Vault::open(&copy, &NoKeyStore, Some(&pass)).unwrap();
    assert_eq!(reopened.key().expose(), unhex(&key_hex).as_slice());
    assert_eq!(contents.accounts[0].code_at(59).as_str(), "996554");
    // The upgraded vault takes a recovery key like a new one.
    let (mut vault, _) = Vault::open(&copy, &NoKeyStore, Some(&pass)).unwrap();
    let recovery = vault
        .set_recovery_key(&NoKeyStore, KdfParams::INSECURE_FAST, &mut OsEntropy)
        .unwrap();
    let (_, contents) = Vault::recover(
        &copy,
        &recovery,
        RecoverTo::Passphrase {
            passphrase: &pass,
            kdf: KdfParams::INSECURE_FAST,
        },
        &mut OsEntropy,
    )
    .unwrap();
    assert_eq!(contents.accounts.len(), 1);
}
