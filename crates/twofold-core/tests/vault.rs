//! The vault file: round trips in both key modes, wrong passphrases, tampering and truncation
//! (an error, and the file left as it was), no plaintext seed in the bytes, the previous
//! generation kept, and concurrent writers serialised by the lock.

use std::path::{Path, PathBuf};

use twofold_core::entropy::FixedEntropy;
use twofold_core::keychain::{KeyStore, KeyStoreError, Keychain, NoKeyStore};
use twofold_core::otp::{Algorithm, Method, OtpParams};
use twofold_core::vault::{self, Contents, KdfParams, KeyMode, Protection, Vault, VaultError};
use twofold_core::{AccountDraft, OsEntropy, Secret, otpauth};

const FAST: KdfParams = KdfParams::INSECURE_FAST;
const SEED: &[u8] = b"unmistakable-seed-bytes!";

fn pass(p: &str) -> Secret {
    Secret::from_slice(p.as_bytes())
}

fn mock_keychain() -> Keychain {
    Keychain::with_store(keyring_core::mock::Store::new().unwrap())
}

fn draft(issuer: &str, name: &str, seed: &[u8]) -> AccountDraft {
    AccountDraft {
        issuer: issuer.to_owned(),
        name: name.to_owned(),
        secret: Secret::from_slice(seed),
        params: OtpParams::new(Method::Totp { period: 30 }, Algorithm::Sha256, 8).unwrap(),
        extra: vec![("image".into(), "https://x.test/i.png".into())],
    }
}

fn new_passphrase_vault(dir: &Path) -> (PathBuf, Vault) {
    let path = dir.join("vault.tfv");
    let (vault, _) = Vault::create(
        &path,
        Protection::Passphrase {
            passphrase: &pass("correct horse"),
            kdf: FAST,
        },
        &mut OsEntropy,
    )
    .unwrap();
    (path, vault)
}

fn add(vault: &mut Vault, d: AccountDraft) {
    vault
        .update(&mut OsEntropy, |c: &mut Contents| {
            c.add(d, &mut OsEntropy, 1_700_000_000)
        })
        .unwrap()
        .unwrap();
}

#[test]
fn passphrase_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_passphrase_vault(dir.path());
    add(&mut vault, draft("GitHub", "octocat", SEED));
    add(&mut vault, draft("Bank", "böb", b"another seed"));
    let (_, contents) = Vault::open(&path, &NoKeyStore, Some(&pass("correct horse"))).unwrap();
    let names: Vec<String> = contents.accounts.iter().map(|a| a.display_name()).collect();
    assert_eq!(names, ["GitHub (octocat)", "Bank (böb)"]);
    let a = &contents.accounts[0];
    assert_eq!(a.secret.expose(), SEED);
    assert_eq!(a.params, draft("", "", SEED).params);
    assert_eq!(
        a.extra,
        [("image".to_owned(), "https://x.test/i.png".to_owned())]
    );
    assert_eq!(a.created_at, 1_700_000_000);
    assert_eq!(Vault::inspect(&path).unwrap().mode, KeyMode::Passphrase);
}

#[test]
fn every_account_kind_survives_a_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_passphrase_vault(dir.path());
    let uris = [
        "otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP&algorithm=SHA512&digits=7&period=45",
        "otpauth://hotp/B:b?secret=GEZDGNBV&counter=123456789",
        "otpauth://steam/Steam:c?secret=JBSWY3DPEHPK3PXQ",
    ];
    for u in uris {
        add(&mut vault, otpauth::parse(u).unwrap());
    }
    let (_, contents) = Vault::open(&path, &NoKeyStore, Some(&pass("correct horse"))).unwrap();
    let back: Vec<String> = contents
        .accounts
        .iter()
        .map(|a| otpauth::format(&a.to_draft()))
        .collect();
    let want: Vec<String> = uris
        .iter()
        .map(|u| otpauth::format(&otpauth::parse(u).unwrap()))
        .collect();
    assert_eq!(back, want);
}

#[test]
fn keychain_round_trip_and_missing_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.tfv");
    let keychain = mock_keychain();
    let (mut vault, _) =
        Vault::create(&path, Protection::Keychain(&keychain), &mut OsEntropy).unwrap();
    add(&mut vault, draft("GitHub", "octocat", SEED));
    let info = Vault::inspect(&path).unwrap();
    assert_eq!(info.mode, KeyMode::Keychain);
    let (_, contents) = Vault::open(&path, &keychain, None).unwrap();
    assert_eq!(contents.accounts.len(), 1);
    keychain.delete(&info.vault_id).unwrap();
    assert!(matches!(
        Vault::open(&path, &keychain, None),
        Err(VaultError::KeyMissing { .. })
    ));
}

#[test]
fn no_keychain_means_no_vault_without_a_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.tfv");
    let err = Vault::create(&path, Protection::Keychain(&NoKeyStore), &mut OsEntropy).unwrap_err();
    assert!(
        matches!(err, VaultError::Keychain(KeyStoreError::Unavailable { .. })),
        "{err:?}"
    );
    assert!(!path.exists(), "no file, and certainly no plaintext one");
}

#[test]
fn wrong_or_missing_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_passphrase_vault(dir.path());
    assert!(matches!(
        Vault::open(&path, &NoKeyStore, Some(&pass("Correct horse"))),
        Err(VaultError::WrongPassphrase)
    ));
    assert!(matches!(
        Vault::open(&path, &NoKeyStore, None),
        Err(VaultError::PassphraseRequired)
    ));
}

#[test]
fn create_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_passphrase_vault(dir.path());
    let before = std::fs::read(&path).unwrap();
    let err = Vault::create(
        &path,
        Protection::Passphrase {
            passphrase: &pass("x"),
            kdf: FAST,
        },
        &mut OsEntropy,
    )
    .unwrap_err();
    assert!(matches!(err, VaultError::AlreadyExists { .. }));
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn file_never_contains_a_seed_or_a_name_in_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_passphrase_vault(dir.path());
    add(&mut vault, draft("PlaintextIssuer", "plaintext-name", SEED));
    for file in [path.clone(), vault::backup_path(&path)] {
        let bytes = std::fs::read(&file).unwrap();
        let b32 = data_encoding::BASE32_NOPAD.encode(SEED);
        let hex: String = SEED.iter().map(|b| format!("{b:02x}")).collect();
        for needle in [
            SEED,
            b32.as_bytes(),
            hex.as_bytes(),
            b"PlaintextIssuer",
            b"plaintext-name",
            b"secret",
        ] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{} contains {:?}",
                file.display(),
                String::from_utf8_lossy(needle)
            );
        }
    }
}

#[test]
fn every_tampered_byte_is_refused_and_the_file_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_passphrase_vault(dir.path());
    add(&mut vault, draft("GitHub", "octocat", SEED));
    let good = std::fs::read(&path).unwrap();
    let key = vault.key().clone();
    for i in 0..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0x01;
        std::fs::write(&path, &bad).unwrap();
        let opened = Vault::open_with_key(&path, key.clone());
        assert!(opened.is_err(), "flipping byte {i} went unnoticed");
        // An update through an already open vault refuses too, and writes nothing.
        let r = vault.update(&mut OsEntropy, |c: &mut Contents| -> Result<(), ()> {
            c.accounts.clear();
            Ok(())
        });
        assert!(r.is_err(), "update over a tampered byte {i} went ahead");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            bad,
            "byte {i}: the file was changed"
        );
    }
    std::fs::write(&path, &good).unwrap();
    // The passphrase path notices a changed KDF field or wrapped key as well.
    for i in [40, 50, 70, 100, 140, 170] {
        let mut bad = good.clone();
        bad[i] ^= 0x80;
        std::fs::write(&path, &bad).unwrap();
        assert!(
            Vault::open(&path, &NoKeyStore, Some(&pass("correct horse"))).is_err(),
            "byte {i}"
        );
    }
}

#[test]
fn truncated_files_are_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_passphrase_vault(dir.path());
    add(&mut vault, draft("GitHub", "octocat", SEED));
    let good = std::fs::read(&path).unwrap();
    for len in [0, 4, 9, 100, vault::HEADER_LEN, good.len() - 1] {
        std::fs::write(&path, &good[..len]).unwrap();
        let err = Vault::open_with_key(&path, vault.key().clone()).unwrap_err();
        match len {
            0 | 4 => assert!(
                matches!(err, VaultError::NotAVault { .. }),
                "{len}: {err:?}"
            ),
            _ => assert!(
                matches!(err, VaultError::Truncated { .. }),
                "{len}: {err:?}"
            ),
        }
        assert!(
            vault
                .update(&mut OsEntropy, |_: &mut Contents| Ok::<(), ()>(()))
                .is_err()
        );
        assert_eq!(std::fs::read(&path).unwrap(), &good[..len]);
    }
}

#[test]
fn newer_format_version_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_passphrase_vault(dir.path());
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[8] = 3;
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(
        Vault::inspect(&path),
        Err(VaultError::UnsupportedVersion { version: 3 })
    ));
}

#[test]
fn absurd_kdf_parameters_are_refused_before_running_the_kdf() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_passphrase_vault(dir.path());
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[36..40].copy_from_slice(&u32::MAX.to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let err = Vault::open(&path, &NoKeyStore, Some(&pass("correct horse"))).unwrap_err();
    assert!(matches!(err, VaultError::Corrupt { .. }), "{err:?}");
}

#[test]
fn previous_generation_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_passphrase_vault(dir.path());
    add(&mut vault, draft("One", "1", b"seed one"));
    add(&mut vault, draft("Two", "2", b"seed two"));
    let (_, current) = Vault::open_with_key(&path, vault.key().clone()).unwrap();
    let (bak, previous) =
        Vault::open_with_key(&vault::backup_path(&path), vault.key().clone()).unwrap();
    assert_eq!(current.accounts.len(), 2);
    assert_eq!(previous.accounts.len(), 1);
    assert_eq!(bak.info().generation + 1, vault.info().generation);
}

#[test]
fn set_and_remove_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.tfv");
    let keychain = mock_keychain();
    let (mut vault, _) =
        Vault::create(&path, Protection::Keychain(&keychain), &mut OsEntropy).unwrap();
    add(&mut vault, draft("GitHub", "octocat", SEED));
    let id = vault.info().vault_id;
    vault
        .set_passphrase(&keychain, &pass("new pass"), FAST, &mut OsEntropy)
        .unwrap();
    assert!(
        keychain.get(&id).unwrap().is_none(),
        "the keychain copy is gone"
    );
    assert!(matches!(
        Vault::open(&path, &keychain, None),
        Err(VaultError::PassphraseRequired)
    ));
    let (mut vault, c) = Vault::open(&path, &keychain, Some(&pass("new pass"))).unwrap();
    assert_eq!(c.accounts.len(), 1);
    vault
        .set_passphrase(&keychain, &pass("changed"), FAST, &mut OsEntropy)
        .unwrap();
    assert!(matches!(
        Vault::open(&path, &keychain, Some(&pass("new pass"))),
        Err(VaultError::WrongPassphrase)
    ));
    vault.remove_passphrase(&keychain, &mut OsEntropy).unwrap();
    let (_, c) = Vault::open(&path, &keychain, None).unwrap();
    assert_eq!(c.accounts.len(), 1);
    assert_eq!(Vault::inspect(&path).unwrap().mode, KeyMode::Keychain);
}

/// Finding 6 of the security review: changing the passphrase re-keys the vault. Neither the
/// `.bak` nor a copy taken before opens with the old passphrase's key any more, and the old key
/// decrypts nothing written afterwards; a process still holding the old key is told to unlock
/// again rather than shown an integrity failure.
#[test]
fn changing_the_protection_re_keys_the_vault_and_its_backup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.tfv");
    let keychain = mock_keychain();
    let (mut vault, _) =
        Vault::create(&path, Protection::Keychain(&keychain), &mut OsEntropy).unwrap();
    add(&mut vault, draft("GitHub", "octocat", SEED));
    vault
        .set_passphrase(&keychain, &pass("first"), FAST, &mut OsEntropy)
        .unwrap();
    let first_key = vault.key().clone();
    let (mut other, _) = Vault::open(&path, &keychain, Some(&pass("first"))).unwrap();
    vault
        .set_passphrase(&keychain, &pass("second"), FAST, &mut OsEntropy)
        .unwrap();
    assert_ne!(vault.key().expose(), first_key.expose(), "a new key");
    let bak = vault::backup_path(&path);
    for file in [&path, &bak] {
        assert!(
            matches!(
                Vault::open(file, &keychain, Some(&pass("first"))),
                Err(VaultError::WrongPassphrase)
            ),
            "{} with the old passphrase",
            file.display()
        );
        assert!(
            matches!(
                Vault::open_with_key(file, first_key.clone()),
                Err(VaultError::Tampered)
            ),
            "{} with the old key",
            file.display()
        );
        let (_, c) = Vault::open(file, &keychain, Some(&pass("second"))).unwrap();
        assert_eq!(c.accounts.len(), 1, "{}", file.display());
    }
    // Later generations are not readable with the old key either.
    add(
        &mut vault,
        draft("GitLab", "tanuki", b"another-seed-of-twenty!!"),
    );
    assert!(Vault::open_with_key(&path, first_key.clone()).is_err());
    // The process that still holds the old key is told what happened.
    assert!(matches!(other.read(), Err(VaultError::Rekeyed)));
    // Back to the keychain: a new key again, the passphrase's key opens nothing.
    let second_key = vault.key().clone();
    vault.remove_passphrase(&keychain, &mut OsEntropy).unwrap();
    for file in [&path, &bak] {
        assert!(Vault::open_with_key(file, second_key.clone()).is_err());
        let (_, c) = Vault::open(file, &keychain, None).unwrap();
        assert_eq!(c.accounts.len(), 2, "{}", file.display());
    }
}

#[test]
fn remove_passphrase_without_keychain_keeps_the_vault_openable() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_passphrase_vault(dir.path());
    assert!(
        vault
            .remove_passphrase(&NoKeyStore, &mut OsEntropy)
            .is_err()
    );
    assert!(Vault::open(&path, &NoKeyStore, Some(&pass("correct horse"))).is_ok());
}

#[test]
fn concurrent_writers_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (path, vault) = new_passphrase_vault(dir.path());
    let key = vault.key().clone();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (path, key) = (path.clone(), key.clone());
            std::thread::spawn(move || {
                let (mut v, _) = Vault::open_with_key(&path, key).unwrap();
                for i in 0..25 {
                    add(
                        &mut v,
                        draft(
                            &format!("T{t}"),
                            &format!("{i}"),
                            format!("seed-{t}-{i}").as_bytes(),
                        ),
                    );
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let (_, c) = Vault::open_with_key(&path, key).unwrap();
    assert_eq!(c.accounts.len(), 100);
}

#[test]
fn duplicates_are_detected() {
    let mut contents = Contents::default();
    contents
        .add(draft("A", "a", SEED), &mut OsEntropy, 0)
        .unwrap();
    let dup = contents
        .add(draft("Other", "name", SEED), &mut OsEntropy, 0)
        .unwrap_err();
    assert!(
        matches!(dup, vault::AddError::Duplicate { ref name, .. } if name == "A (a)"),
        "{dup:?}"
    );
    assert_eq!(contents.accounts.len(), 1);
}

#[test]
fn the_same_entropy_gives_the_same_file() {
    // What makes the documented test vector reproducible.
    let dir = tempfile::tempdir().unwrap();
    let make = |name: &str| {
        let path = dir.path().join(name);
        let mut e = FixedEntropy::new(&[7, 1, 9]);
        let (mut v, _) = Vault::create(
            &path,
            Protection::Passphrase {
                passphrase: &pass("p"),
                kdf: FAST,
            },
            &mut e,
        )
        .unwrap();
        v.update(&mut e, |c: &mut Contents| {
            c.add(draft("A", "a", SEED), &mut FixedEntropy::new(&[1]), 5)
        })
        .unwrap()
        .unwrap();
        std::fs::read(&path).unwrap()
    };
    assert_eq!(make("a.tfv"), make("b.tfv"));
}

/// Found by the `vault_file` fuzz target: a header whose payload length is near `u64::MAX`
/// overflowed the "expected length" of the truncation error (a panic in debug builds). Its input
/// is kept in `fuzz/regressions/vault_file`.
#[test]
fn a_huge_payload_length_is_a_truncated_file_not_a_panic() {
    let bytes = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fuzz/regressions/vault_file/payload-length-overflow"),
    )
    .unwrap();
    let key = Secret::from_slice(&[7u8; 32]);
    assert!(matches!(
        vault::read_bytes(&bytes, &key),
        Err(VaultError::Truncated {
            expected: u64::MAX,
            ..
        })
    ));
}

/// The keychain entry disappearing while the vault is open (deleted, or the keychain reset):
/// the open vault puts its key back, so the file still opens afterwards; an unreachable
/// keychain is reported; a vault another process moved behind a passphrase is left alone.
#[test]
fn a_lost_keychain_entry_is_put_back_while_the_vault_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.tfv");
    let keychain = mock_keychain();
    let (mut vault, _) =
        Vault::create(&path, Protection::Keychain(&keychain), &mut OsEntropy).unwrap();
    add(&mut vault, draft("Kept", "alice", SEED));
    let id = Vault::inspect(&path).unwrap().vault_id;
    assert_eq!(
        vault.check_keychain(&keychain).unwrap(),
        vault::KeychainCheck::Present
    );

    keychain.delete(&id).unwrap();
    assert!(
        Vault::open(&path, &keychain, None).is_err(),
        "the file no longer opens"
    );
    assert_eq!(
        vault.check_keychain(&keychain).unwrap(),
        vault::KeychainCheck::Restored
    );
    let (_, contents) = Vault::open(&path, &keychain, None).unwrap();
    assert_eq!(contents.accounts[0].issuer, "Kept");
    // A different key under the entry (a reset keychain reused the name) is replaced too.
    keychain.set(&id, &Secret::from_slice(&[7; 32])).unwrap();
    assert_eq!(
        vault.check_keychain(&keychain).unwrap(),
        vault::KeychainCheck::Restored
    );
    assert!(Vault::open(&path, &keychain, None).is_ok());

    // The keychain is gone: said so, nothing changed.
    assert!(matches!(
        vault.check_keychain(&NoKeyStore),
        Err(VaultError::Keychain(KeyStoreError::Unavailable { .. }))
    ));

    // Another process moves the vault behind a passphrase (a new key): the old key is not put
    // back into the keychain.
    let (mut other, _) = Vault::open(&path, &keychain, None).unwrap();
    other
        .set_passphrase(&keychain, &pass("pp"), FAST, &mut OsEntropy)
        .unwrap();
    assert!(keychain.get(&id).unwrap().is_none());
    assert!(matches!(
        vault.check_keychain(&keychain),
        Err(VaultError::Rekeyed)
    ));
    assert!(keychain.get(&id).unwrap().is_none());

    // A passphrase vault has no entry to check.
    let (_, mut protected) = (
        0,
        Vault::open(&path, &keychain, Some(&pass("pp"))).unwrap().0,
    );
    assert_eq!(
        protected.check_keychain(&keychain).unwrap(),
        vault::KeychainCheck::NotUsed
    );
}

#[test]
fn many_accounts_at_once_skip_duplicates_and_keep_their_labels() {
    use twofold_core::account::Labels;
    use twofold_core::vault::AddError;
    let mut contents = Contents::default();
    contents
        .add(draft("GitHub", "octocat", b"seed-one"), &mut OsEntropy, 1)
        .unwrap();
    let labelled = |d: AccountDraft, tag: &str| {
        let labels = Labels {
            issuer: d.issuer.clone(),
            name: d.name.clone(),
            tags: vec![tag.to_owned()],
            color: None,
            icon: None,
            pinned: true,
        };
        (d, labels)
    };
    let results = contents
        .add_labelled(
            [
                labelled(draft("Bank", "alice", b"seed-two"), "Money"),
                // The vault has this seed already (under another name).
                labelled(draft("Other", "x", b"seed-one"), "Work"),
                // Repeated within the same batch.
                labelled(draft("Bank again", "alice", b"seed-two"), "Money"),
            ],
            &mut OsEntropy,
            2,
        )
        .unwrap();
    assert!(results[0].is_ok());
    assert!(
        matches!(&results[1], Err(AddError::Duplicate { name, .. }) if name == "GitHub (octocat)")
    );
    assert!(matches!(&results[2], Err(AddError::Duplicate { name, .. }) if name == "Bank (alice)"));
    assert_eq!(contents.accounts.len(), 2);
    let bank = &contents.accounts[1];
    assert_eq!(
        (bank.tags.clone(), bank.pinned, bank.created_at),
        (vec!["Money".to_owned()], true, 2)
    );
}
