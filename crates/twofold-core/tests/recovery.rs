//! The recovery key against the vault: a keychain entry lost or replaced is named as such and
//! recovered from (every account intact, the key fresh in the keychain); a wrong or replaced
//! recovery key changes nothing; a new recovery key re-keys the vault; passphrase changes keep
//! the recovery key working. In a mock store and in the real Secret Service.

use std::path::Path;

use twofold_core::keychain::{KeyStore, Keychain, NoKeyStore};
use twofold_core::recovery::RecoveryKey;
use twofold_core::vault::{self, Contents, KdfParams, KeyMode, Protection, RecoverTo, Vault};
use twofold_core::{OsEntropy, Secret, VaultError, otpauth};

const FAST: KdfParams = KdfParams::INSECURE_FAST;

fn mock_keychain() -> Keychain {
    Keychain::with_store(keyring_core::mock::Store::new().unwrap())
}

/// A keychain vault with two accounts and a recovery key.
fn keychain_vault(path: &Path, store: &dyn KeyStore) -> (Vault, RecoveryKey) {
    let (mut vault, _) = Vault::create(path, Protection::Keychain(store), &mut OsEntropy).unwrap();
    let recovery = vault.set_recovery_key(store, FAST, &mut OsEntropy).unwrap();
    for uri in [
        "otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP",
        "otpauth://hotp/Bank:bob?secret=GEZDGNBVGY3TQOJQ&counter=7",
    ] {
        let draft = otpauth::parse(uri).unwrap();
        vault
            .update(&mut OsEntropy, |c: &mut Contents| {
                c.add(draft, &mut OsEntropy, 1_700_000_000)
            })
            .unwrap()
            .unwrap();
    }
    (vault, recovery)
}

fn assert_intact(contents: &Contents) {
    assert_eq!(contents.accounts.len(), 2);
    assert_eq!(contents.accounts[0].code_at(59).as_str(), "996554");
    assert_eq!(contents.accounts[1].display_name(), "Bank (bob)");
}

fn id(path: &Path) -> String {
    Vault::inspect(path).unwrap().vault_id
}

#[test]
fn a_lost_keychain_entry_is_named_and_recovered_with_the_recovery_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.tfv");
    let store = mock_keychain();
    let (vault, recovery) = keychain_vault(&path, &store);
    let old_key = vault.key().clone();
    store.delete(&id(&path)).unwrap();
    let err = Vault::open(&path, &store, None).unwrap_err();
    assert!(matches!(err, VaultError::KeyMissing { .. }), "{err}");
    assert!(err.to_string().contains("recovery key"), "{err}");

    let typed = String::from_utf8(recovery.to_text().expose().to_vec()).unwrap();
    let parsed = RecoveryKey::parse(&typed.to_lowercase()).unwrap();
    let (recovered, contents) =
        Vault::recover(&path, &parsed, RecoverTo::Keychain(&store), &mut OsEntropy).unwrap();
    assert_intact(&contents);
    assert_ne!(
        recovered.key(),
        &old_key,
        "the recovered vault has a new key"
    );
    assert_eq!(
        store.get(&id(&path)).unwrap().as_ref(),
        Some(recovered.key())
    );
    let (_, contents) = Vault::open(&path, &store, None).unwrap();
    assert_intact(&contents);
    // Neither the file nor its previous generation opens with the lost key any more.
    for file in [path.clone(), vault::backup_path(&path)] {
        assert!(Vault::open_with_key(&file, old_key.clone()).is_err());
    }
    // The same recovery key still works (it was not replaced).
    Vault::recover(&path, &parsed, RecoverTo::Keychain(&store), &mut OsEntropy).unwrap();
}

#[test]
fn a_different_keychain_key_is_named_not_called_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.tfv");
    let store = mock_keychain();
    keychain_vault(&path, &store);
    store
        .set(&id(&path), &Secret::from_slice(&[7; 32]))
        .unwrap();
    let err = Vault::open(&path, &store, None).unwrap_err();
    assert!(matches!(err, VaultError::KeyMismatch { .. }), "{err}");
}

#[test]
fn a_wrong_recovery_key_is_refused_and_nothing_is_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.tfv");
    let store = mock_keychain();
    keychain_vault(&path, &store);
    let before = std::fs::read(&path).unwrap();
    let backup_before = std::fs::read(vault::backup_path(&path)).unwrap();
    let wrong = RecoveryKey::generate(&mut OsEntropy).unwrap();
    let err =
        Vault::recover(&path, &wrong, RecoverTo::Keychain(&store), &mut OsEntropy).unwrap_err();
    assert!(matches!(err, VaultError::WrongRecoveryKey), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(
        std::fs::read(vault::backup_path(&path)).unwrap(),
        backup_before
    );
    Vault::open(&path, &store, None).unwrap();
}

#[test]
fn a_vault_without_a_recovery_key_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.tfv");
    let store = mock_keychain();
    Vault::create(&path, Protection::Keychain(&store), &mut OsEntropy).unwrap();
    assert_eq!(Vault::inspect(&path).unwrap().recovery, None);
    let key = RecoveryKey::generate(&mut OsEntropy).unwrap();
    assert!(matches!(
        Vault::recover(&path, &key, RecoverTo::Keychain(&store), &mut OsEntropy),
        Err(VaultError::NoRecoveryKey)
    ));
}

#[test]
fn a_new_recovery_key_replaces_the_old_one_and_rekeys_the_vault() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.tfv");
    let store = mock_keychain();
    let (mut vault, old_recovery) = keychain_vault(&path, &store);
    let old_key = vault.key().clone();
    let new_recovery = vault
        .set_recovery_key(&store, FAST, &mut OsEntropy)
        .unwrap();
    assert_ne!(vault.key(), &old_key);
    for file in [path.clone(), vault::backup_path(&path)] {
        assert!(Vault::open_with_key(&file, old_key.clone()).is_err());
    }
    let (_, contents) = Vault::open(&path, &store, None).unwrap();
    assert_intact(&contents);
    assert!(matches!(
        Vault::recover(
            &path,
            &old_recovery,
            RecoverTo::Keychain(&store),
            &mut OsEntropy
        ),
        Err(VaultError::WrongRecoveryKey)
    ));
    let (_, contents) = Vault::recover(
        &path,
        &new_recovery,
        RecoverTo::Keychain(&store),
        &mut OsEntropy,
    )
    .unwrap();
    assert_intact(&contents);
}

#[test]
fn passphrase_vaults_recover_a_forgotten_passphrase_and_keep_the_key_through_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.tfv");
    let first = Secret::from_slice(b"first passphrase");
    let (mut vault, _) = Vault::create(
        &path,
        Protection::Passphrase {
            passphrase: &first,
            kdf: FAST,
        },
        &mut OsEntropy,
    )
    .unwrap();
    let recovery = vault
        .set_recovery_key(&NoKeyStore, FAST, &mut OsEntropy)
        .unwrap();
    // Changing the passphrase, and moving to the keychain and back, keep the recovery key.
    let second = Secret::from_slice(b"second passphrase");
    let store = mock_keychain();
    vault
        .set_passphrase(&store, &second, FAST, &mut OsEntropy)
        .unwrap();
    vault.remove_passphrase(&store, &mut OsEntropy).unwrap();
    assert_eq!(Vault::inspect(&path).unwrap().mode, KeyMode::Keychain);
    vault
        .set_passphrase(&store, &second, FAST, &mut OsEntropy)
        .unwrap();
    // A new recovery key in passphrase mode needs no passphrase prompt when the vault was
    // unlocked with it…
    let (mut reopened, _) = Vault::open(&path, &NoKeyStore, Some(&second)).unwrap();
    let replaced = reopened
        .set_recovery_key(&NoKeyStore, FAST, &mut OsEntropy)
        .unwrap();
    Vault::open(&path, &NoKeyStore, Some(&second)).unwrap();
    assert!(matches!(
        Vault::recover(
            &path,
            &recovery,
            RecoverTo::Keychain(&store),
            &mut OsEntropy
        ),
        Err(VaultError::WrongRecoveryKey)
    ));
    // …and one opened by key alone asks for it.
    let (mut by_key, _) = Vault::open_with_key(&path, reopened.key().clone()).unwrap();
    assert!(matches!(
        by_key.set_recovery_key(&NoKeyStore, FAST, &mut OsEntropy),
        Err(VaultError::PassphraseRequired)
    ));
    // The passphrase forgotten: the recovery key sets a new one.
    let third = Secret::from_slice(b"third passphrase");
    Vault::recover(
        &path,
        &replaced,
        RecoverTo::Passphrase {
            passphrase: &third,
            kdf: FAST,
        },
        &mut OsEntropy,
    )
    .unwrap();
    assert!(matches!(
        Vault::open(&path, &NoKeyStore, Some(&second)),
        Err(VaultError::WrongPassphrase)
    ));
    let (_, contents) = Vault::open(&path, &NoKeyStore, Some(&third)).unwrap();
    assert!(contents.accounts.is_empty());
}

#[test]
fn another_process_replacing_the_recovery_key_is_a_rekey_for_open_vaults() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.tfv");
    let store = mock_keychain();
    let (mut first, _) = keychain_vault(&path, &store);
    let (mut second, _) = Vault::open(&path, &store, None).unwrap();
    second
        .set_recovery_key(&store, FAST, &mut OsEntropy)
        .unwrap();
    assert!(matches!(first.read(), Err(VaultError::Rekeyed)));
}

/// The real Secret Service: the entry deleted (what a keychain reset does to Twofold), then
/// recovered; the new key is in the keychain and a fresh connection opens the vault.
#[test]
fn recovery_through_the_real_secret_service() {
    if std::env::var_os("TWOFOLD_TEST_SECRET_SERVICE").is_none() {
        eprintln!("needs `cargo xtask test`, which starts a Secret Service");
        return;
    }
    let store = Keychain::open_os().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.tfv");
    let (_, recovery) = keychain_vault(&path, &store);
    store.delete(&id(&path)).unwrap();
    assert!(matches!(
        Vault::open(&path, &Keychain::open_os().unwrap(), None),
        Err(VaultError::KeyMissing { .. })
    ));
    Vault::recover(
        &path,
        &recovery,
        RecoverTo::Keychain(&store),
        &mut OsEntropy,
    )
    .unwrap();
    let (_, contents) = Vault::open(&path, &Keychain::open_os().unwrap(), None).unwrap();
    assert_intact(&contents);
    store.delete(&id(&path)).unwrap();
}
