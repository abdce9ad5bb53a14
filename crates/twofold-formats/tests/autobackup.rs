//! Automatic backups against real files: written after a change and verified, opened with the
//! recovery key or the backup passphrase (never only the vault key), rotated over weeks of
//! simulated time, a damaged file found by `verify`, and `kill -9` in the middle of backups
//! leaving every earlier backup and the vault intact.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use twofold_core::keychain::NoKeyStore;
use twofold_core::vault::{Contents, KdfParams, Protection, Vault};
use twofold_core::{OsEntropy, Secret, otpauth};
use twofold_formats::autobackup::{self, BackupError, Record};
use twofold_formats::backup::{self, Unlock};

const FAST: KdfParams = KdfParams::INSECURE_FAST;
const NOW: u64 = 1_796_000_000;

/// A link with a seed of its own (the same seed twice would be a duplicate).
fn link(issuer: &str, i: usize) -> String {
    let seed = data_encoding::BASE32_NOPAD.encode(format!("seed-{issuer}-{i:08}").as_bytes());
    format!("otpauth://totp/{issuer}{i}:user{i}?secret={seed}")
}

fn pass() -> Secret {
    Secret::from_slice(b"vault passphrase")
}

fn vault(path: &Path, accounts: usize) -> Vault {
    let (mut vault, _) = Vault::create(
        path,
        Protection::Passphrase {
            passphrase: &pass(),
            kdf: FAST,
        },
        &mut OsEntropy,
    )
    .unwrap();
    vault
        .update(&mut OsEntropy, |c: &mut Contents| {
            for i in 0..accounts {
                let uri = link("Issuer", i);
                c.add(otpauth::parse(&uri).unwrap(), &mut OsEntropy, 1_700_000_000)?;
            }
            Ok::<(), twofold_core::vault::AddError>(())
        })
        .unwrap()
        .unwrap();
    vault
}

fn contents(vault: &Vault) -> Contents {
    Vault::open_with_key(vault.path(), vault.key().clone())
        .unwrap()
        .1
}

#[test]
fn a_backup_is_written_verified_recorded_and_opens_with_the_recovery_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.tfv");
    let mut v = vault(&path, 3);
    // Without a recovery key or a backup passphrase nothing is written, and the record says so.
    let err = autobackup::run(&v, &contents(&v), NOW, &mut OsEntropy).unwrap_err();
    assert!(matches!(err, BackupError::NoLock), "{err}");
    let record = Record::load(&path);
    assert!(
        record
            .status
            .error
            .as_deref()
            .unwrap()
            .contains("recovery key")
    );
    assert!(autobackup::list(&record.folder(&path)).unwrap().is_empty());

    let recovery = v
        .set_recovery_key(&NoKeyStore, FAST, &mut OsEntropy)
        .unwrap();
    assert!(Record::load(&path).due(v.info().generation, NOW));
    let written = autobackup::run(&v, &contents(&v), NOW, &mut OsEntropy).unwrap();
    assert_eq!(written.accounts, 3);
    let record = Record::load(&path);
    assert_eq!(record.status.last_success.as_ref(), Some(&written));
    assert_eq!(record.status.error, None);
    assert!(!record.due(v.info().generation, NOW + 60));
    assert!(record.due(v.info().generation, NOW + autobackup::DAILY));
    assert!(record.due(v.info().generation + 1, NOW + 60));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&written.file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let bytes = std::fs::read(&written.file).unwrap();
    let info = backup::info(&bytes).unwrap();
    assert_eq!(info.slots, ["recovery-key", "vault"]);
    // The recovery key as typed opens it; the vault passphrase does not.
    let typed = recovery.to_text();
    let opened = backup::open_with(&bytes, Unlock::Typed(&typed)).unwrap();
    assert_eq!(
        twofold_core::vault::encode_payload(&opened),
        twofold_core::vault::encode_payload(&contents(&v))
    );
    assert!(backup::open_with(&bytes, Unlock::Typed(&pass())).is_err());

    // A backup passphrase as a second lock.
    let mut record = Record::load(&path);
    let backup_pass = Secret::from_slice(b"backup passphrase");
    record
        .set_passphrase(Some(&backup_pass), FAST, &mut OsEntropy)
        .unwrap();
    record.save(&path).unwrap();
    let written = autobackup::run(&v, &contents(&v), NOW + 1, &mut OsEntropy).unwrap();
    let bytes = std::fs::read(&written.file).unwrap();
    assert_eq!(
        backup::info(&bytes).unwrap().slots,
        ["recovery-key", "backup-passphrase", "vault"]
    );
    assert_eq!(
        backup::open_with(&bytes, Unlock::Typed(&backup_pass))
            .unwrap()
            .accounts
            .len(),
        3
    );
    let json = String::from_utf8(std::fs::read(autobackup::record_path(&path)).unwrap()).unwrap();
    assert!(
        !json.contains("backup passphrase"),
        "only the public half is kept"
    );
}

#[test]
fn rotation_over_weeks_of_changes_keeps_a_bounded_history() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.tfv");
    let mut v = vault(&path, 1);
    v.set_recovery_key(&NoKeyStore, FAST, &mut OsEntropy)
        .unwrap();
    // A change every eight hours for sixty days.
    let mut now = NOW;
    for _ in 0..180 {
        autobackup::run(&v, &contents(&v), now, &mut OsEntropy).unwrap();
        now += 8 * 3600;
    }
    let folder = Record::load(&path).folder(&path);
    let files = autobackup::list(&folder).unwrap();
    assert!(files.len() >= autobackup::KEEP_LATEST, "{}", files.len());
    assert!(files.len() <= 10 + 7 + 5, "{}", files.len());
    let newest = files[0].at;
    let oldest = files.last().unwrap().at;
    assert_eq!(newest, now - 8 * 3600);
    assert!(newest - oldest >= 3 * 7 * 86_400, "weeks are kept");
    // Files that are not ours are never touched.
    std::fs::write(folder.join("notes.txt"), "mine").unwrap();
    autobackup::run(&v, &contents(&v), now, &mut OsEntropy).unwrap();
    assert!(folder.join("notes.txt").exists());
    for f in files.iter().take(3) {
        autobackup::verify(&f.path, Unlock::VaultKey(v.key())).unwrap();
    }
}

#[test]
fn a_damaged_backup_is_found_by_verify() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.tfv");
    let mut v = vault(&path, 2);
    v.set_recovery_key(&NoKeyStore, FAST, &mut OsEntropy)
        .unwrap();
    let written = autobackup::run(&v, &contents(&v), NOW, &mut OsEntropy).unwrap();
    let good = std::fs::read(&written.file).unwrap();
    autobackup::verify(&written.file, Unlock::VaultKey(v.key())).unwrap();
    let text = String::from_utf8(good.clone()).unwrap();
    // One character of the payload changed, the file cut short, a slot's key changed.
    let payload_at = text.find("\"payload\": \"").unwrap() + 20;
    let mut flipped = good.clone();
    flipped[payload_at] = if flipped[payload_at] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let damaged = [
        ("payload", flipped),
        ("file", good[..good.len() / 2].to_vec()),
    ];
    for (what, bytes) in damaged {
        let bad = dir.path().join(format!("bad-{what}.twofold-backup"));
        std::fs::write(&bad, &bytes).unwrap();
        let err = autobackup::verify(&bad, Unlock::VaultKey(v.key())).unwrap_err();
        assert!(
            matches!(err, BackupError::Unverified { .. }),
            "{what}: {err}"
        );
    }
}

/// The child of the crash test: backs up in a loop, a change before each, until killed.
#[test]
fn backup_crash_child() {
    let Some(path) = std::env::var_os("TWOFOLD_BACKUP_CRASH_CHILD") else {
        return;
    };
    let path = PathBuf::from(path);
    let key =
        Secret::new(std::fs::read(path.with_extension("key")).expect("the parent wrote the key"));
    let (mut v, _) = Vault::open_with_key(&path, key).unwrap();
    let mut now = NOW;
    loop {
        let ((), c) = v
            .update(&mut OsEntropy, |c: &mut Contents| {
                let i = c.accounts.len();
                let uri = link("More", i);
                c.add(otpauth::parse(&uri).unwrap(), &mut OsEntropy, 0)
                    .map(|_| ())
            })
            .unwrap()
            .unwrap();
        autobackup::run(&v, &c, now, &mut OsEntropy).unwrap();
        now += 3600;
    }
}

/// `kill -9` at random moments of a backup loop (writing, verifying, rotating, recording):
/// afterwards the vault opens whole, and every backup file in the folder opens and holds a
/// vault generation — no half-written backup is ever left under a backup's name.
#[test]
fn kill_9_during_backups_leaves_the_vault_and_every_earlier_backup_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.tfv");
    let mut v = vault(&path, 500);
    v.set_recovery_key(&NoKeyStore, FAST, &mut OsEntropy)
        .unwrap();
    std::fs::write(path.with_extension("key"), v.key().expose()).unwrap();
    let folder = Record::load(&path).folder(&path);
    let mut seen_files = 0;
    for round in 0..40u64 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "backup_crash_child", "--nocapture"])
            .env("TWOFOLD_BACKUP_CRASH_CHILD", &path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Somewhere in the loop: a few milliseconds to a few backups in.
        std::thread::sleep(Duration::from_millis(15 + (round * 37) % 120));
        child.kill().unwrap();
        child.wait().unwrap();
        let (_, now_contents) =
            Vault::open_with_key(&path, v.key().clone()).expect("the vault opens after every kill");
        assert!(now_contents.accounts.len() >= 500);
        let files = autobackup::list(&folder).unwrap();
        for f in &files {
            let c = autobackup::verify(&f.path, Unlock::VaultKey(v.key()))
                .unwrap_or_else(|e| panic!("round {round}: {e}"));
            assert!(c.accounts.len() >= 500);
        }
        seen_files = seen_files.max(files.len());
    }
    assert!(
        seen_files > 0,
        "the child wrote backups before being killed"
    );
    // The record is readable (or absent), and the next backup cleans up after the crashes.
    let _ = Record::load(&path);
    let (v2, c) = Vault::open_with_key(&path, v.key().clone()).unwrap();
    autobackup::run(&v2, &c, NOW + 10_000_000, &mut OsEntropy).unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
