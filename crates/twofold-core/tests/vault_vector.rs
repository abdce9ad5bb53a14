//! The test vector of `docs/vault-format.md`: this code must reproduce the committed file byte for
//! byte from fixed randomness, and open it. `decrypt_vector.py` beside the fixture decrypts the
//! same file with PyNaCl, independently of this code (run by `cargo xtask test`).
//!
//! To regenerate after a deliberate format change: `TWOFOLD_BLESS=1 cargo test --test vault_vector`.

use std::path::PathBuf;

use twofold_core::entropy::FixedEntropy;
use twofold_core::keychain::NoKeyStore;
use twofold_core::vault::{Contents, KdfParams, Protection, Vault};
use twofold_core::{Secret, otpauth};

const PASSPHRASE: &str = "correct horse battery staple";
const URI: &str = "otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example";

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vault")
}

fn entropy() -> FixedEntropy {
    let bytes: Vec<u8> = (0u8..=250).collect();
    FixedEntropy::new(&bytes)
}

fn make(dir: &std::path::Path) -> (Vec<u8>, Secret) {
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
    let mut id_entropy = entropy();
    vault
        .update(&mut e, |c: &mut Contents| {
            c.add(otpauth::parse(URI).unwrap(), &mut id_entropy, 1_700_000_000)
        })
        .unwrap()
        .unwrap();
    (std::fs::read(&path).unwrap(), vault.key().clone())
}

#[test]
fn documented_test_vector_is_reproduced_and_opens() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, key) = make(dir.path());
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
    let key_committed: Vec<u8> = (0..64)
        .step_by(2)
        .map(|i| u8::from_str_radix(&key_hex.trim()[i..i + 2], 16).unwrap())
        .collect();
    assert_eq!(key.expose(), key_committed.as_slice());
}
