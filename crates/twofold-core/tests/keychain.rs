//! The vault key in a real Secret Service (gnome-keyring inside `dbus-run-session`, started by
//! `cargo xtask test`), not a mock store: entries are written, read back by a fresh connection,
//! replaced and deleted, and a keychain vault opens from them.

use twofold_core::keychain::{KeyStore, Keychain};
use twofold_core::vault::{Contents, KeyMode, Protection, Vault};
use twofold_core::{OsEntropy, Secret};

fn real_keychain() -> Option<Keychain> {
    if std::env::var_os("TWOFOLD_TEST_SECRET_SERVICE").is_none() {
        eprintln!("needs `cargo xtask test`, which starts a Secret Service");
        return None;
    }
    Some(
        Keychain::open_os()
            .expect("TWOFOLD_TEST_SECRET_SERVICE is set, so a Secret Service must answer"),
    )
}

#[test]
fn entries_round_trip_through_the_secret_service() {
    let Some(k) = real_keychain() else { return };
    let id = format!("test-{}", std::process::id());
    assert!(k.get(&id).unwrap().is_none());
    k.set(&id, &Secret::from_slice(&[0u8, 1, 2, 255, 254]))
        .unwrap();
    // A new connection sees it: it lives in the service, not in this process.
    let fresh = Keychain::open_os().unwrap();
    assert_eq!(
        fresh.get(&id).unwrap().unwrap().expose(),
        &[0u8, 1, 2, 255, 254]
    );
    k.set(&id, &Secret::from_slice(b"replaced")).unwrap();
    assert_eq!(fresh.get(&id).unwrap().unwrap().expose(), b"replaced");
    k.delete(&id).unwrap();
    assert!(fresh.get(&id).unwrap().is_none());
    k.delete(&id).unwrap(); // deleting twice is fine
}

#[test]
fn a_keychain_vault_opens_from_a_fresh_connection() {
    let Some(k) = real_keychain() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.tfv");
    let (mut vault, _) = Vault::create(&path, Protection::Keychain(&k), &mut OsEntropy).unwrap();
    let draft = twofold_core::otpauth::parse("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP").unwrap();
    vault
        .update(&mut OsEntropy, |c: &mut Contents| {
            c.add(draft, &mut OsEntropy, 0)
        })
        .unwrap()
        .unwrap();
    let info = Vault::inspect(&path).unwrap();
    assert_eq!(info.mode, KeyMode::Keychain);
    let (_, contents) = Vault::open(&path, &Keychain::open_os().unwrap(), None).unwrap();
    assert_eq!(contents.accounts[0].code_at(59).as_str(), "996554");
    k.delete(&info.vault_id).unwrap();
}
