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

/// The keychain going away while a vault is open: a child process (this test binary, on a
/// private D-Bus session with its own gnome-keyring) opens a keychain vault; the session bus is
/// then killed, taking the keychain with it. The open vault reports the keychain unreachable,
/// and moves itself behind a passphrase from the key it holds, so nothing is lost: the file
/// opens afterwards with the passphrase alone.
#[test]
fn the_keychain_going_away_while_a_vault_is_open() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    if real_keychain().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut bus = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("dbus-daemon runs");
    let mut address = String::new();
    BufReader::new(bus.stdout.take().unwrap())
        .read_line(&mut address)
        .unwrap();
    let address = address.trim().to_owned();
    let mut keyring = Command::new("gnome-keyring-daemon")
        .args(["--unlock", "--components=secrets"])
        .env_remove("GNOME_KEYRING_CONTROL")
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .env("XDG_DATA_HOME", dir.path())
        .env("XDG_RUNTIME_DIR", dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    keyring.stdin.take().unwrap().write_all(b"pw").unwrap();
    keyring.wait().unwrap();

    let path = dir.path().join("vault.tfv");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "keychain_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("TWOFOLD_KEYCHAIN_CHILD", &path)
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // (The harness prints "test keychain_child ... " before the child's own words.)
    let ready = lines
        .by_ref()
        .map(Result::unwrap)
        .find(|l| l.ends_with("READY"));
    assert!(ready.is_some(), "the child opened its keychain vault");
    // The session bus dies (gnome-keyring goes with it).
    bus.kill().unwrap();
    bus.wait().unwrap();
    writeln!(child.stdin.take().unwrap(), "GO").unwrap();
    let said: Vec<String> = lines.map(Result::unwrap).collect();
    assert!(child.wait().unwrap().success(), "{said:?}");
    assert!(said.iter().any(|l| l.contains("PROTECTED")), "{said:?}");
    let (_, contents) = Vault::open(
        &path,
        &twofold_core::keychain::NoKeyStore,
        Some(&Secret::from_slice(b"lifeline")),
    )
    .unwrap();
    assert_eq!(contents.accounts[0].issuer, "Survivor");
}

/// The child of [`the_keychain_going_away_while_a_vault_is_open`] (does nothing on its own).
#[test]
fn keychain_child() {
    use std::io::{BufRead, Write};
    let Some(path) = std::env::var_os("TWOFOLD_KEYCHAIN_CHILD") else {
        return;
    };
    let path = std::path::PathBuf::from(path);
    let keychain = Keychain::open_os().unwrap();
    let (mut vault, _) =
        Vault::create(&path, Protection::Keychain(&keychain), &mut OsEntropy).unwrap();
    let draft =
        twofold_core::otpauth::parse("otpauth://totp/Survivor:me?secret=JBSWY3DPEHPK3PXP").unwrap();
    vault
        .update(&mut OsEntropy, |c: &mut Contents| {
            c.add(draft, &mut OsEntropy, 1_700_000_000)
        })
        .unwrap()
        .unwrap();
    assert_eq!(
        vault.check_keychain(&keychain).unwrap(),
        twofold_core::vault::KeychainCheck::Present
    );
    println!("READY");
    std::io::stdout().flush().unwrap();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).unwrap();
    let gone = vault.check_keychain(&keychain);
    assert!(
        matches!(
            gone,
            Err(twofold_core::VaultError::Keychain(
                twofold_core::keychain::KeyStoreError::Unavailable { .. }
            ))
        ),
        "{gone:?}"
    );
    vault
        .set_passphrase(
            &keychain,
            &Secret::from_slice(b"lifeline"),
            twofold_core::vault::KdfParams::INSECURE_FAST,
            &mut OsEntropy,
        )
        .unwrap();
    println!("PROTECTED");
}
