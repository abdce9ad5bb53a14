//! Automatic backups: after changes and at least daily, the vault's accounts written as a Twofold
//! backup (`docs/backup-format.md`) into a folder the person picks, atomically, read back and
//! decrypted before they count, then rotated (the last 10, one a day for a week, one a week for
//! five weeks). A backup opens with the recovery key or the backup passphrase — never only with
//! this computer's keychain — and also with the vault key, so the vault can verify it.
//!
//! Settings and the record of the last backup live beside the vault
//! (`<vault>.backups.json`); the shells decide when to run (the desktop app debounced after
//! changes and on a daily timer, the CLI after each change and on `twofold backup now`).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use data_encoding::HEXLOWER;
use serde::{Deserialize, Serialize};
use twofold_core::entropy::Entropy;
use twofold_core::recovery::Recipient;
use twofold_core::vault::{self, Contents, KdfParams, VaultError, VaultInfo};
use twofold_core::{Secret, Vault};

use crate::backup::{self, Lock, Unlock};

/// File name extension of Twofold backups.
pub const EXTENSION: &str = "twofold-backup";
/// Backups kept whatever their age.
pub const KEEP_LATEST: usize = 10;
/// Days for which the newest backup of each day is kept.
pub const KEEP_DAYS: u64 = 7;
/// Weeks for which the newest backup of each week is kept.
pub const KEEP_WEEKS: u64 = 5;
/// How old the last good backup may get before a daily one is due.
pub const DAILY: u64 = 24 * 3600;
const PREFIX: &str = "twofold-";

/// Why a backup was not made (or not verified).
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// Nothing but this computer could open it.
    #[error(
        "no recovery key and no backup passphrase: a backup must open without this computer's keychain (make a recovery key, or set a backup passphrase)"
    )]
    NoLock,
    /// Writing or reading the folder failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The backup folder's path names something that is not a folder.
    #[error("{path} is not a folder, so no backup can be written there; choose another folder")]
    NotAFolder {
        /// The path.
        path: PathBuf,
    },
    /// Sealing or writing failed (disk full, no randomness…).
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The file read back is not the backup that was written.
    #[error("{path} did not verify after writing: {reason}")]
    Unverified {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> BackupError {
    let path = path.to_owned();
    move |source| BackupError::Io { path, source }
}

/// A backup passphrase's public half, as stored in the settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRecipient {
    /// Argon2id memory (KiB).
    pub memory_kib: u32,
    /// Argon2id passes.
    pub passes: u32,
    /// Argon2id lanes.
    pub lanes: u32,
    /// Salt, hex.
    pub salt: String,
    /// X25519 public key, hex.
    pub public_key: String,
}

impl StoredRecipient {
    fn of(r: &Recipient) -> Self {
        Self {
            memory_kib: r.kdf.m_cost_kib,
            passes: r.kdf.t_cost,
            lanes: r.kdf.p_cost,
            salt: HEXLOWER.encode(&r.salt),
            public_key: HEXLOWER.encode(&r.public),
        }
    }

    fn recipient(&self) -> Option<Recipient> {
        let kdf = KdfParams {
            m_cost_kib: self.memory_kib,
            t_cost: self.passes,
            p_cost: self.lanes,
        };
        let r = Recipient {
            kdf,
            salt: HEXLOWER
                .decode(self.salt.as_bytes())
                .ok()?
                .try_into()
                .ok()?,
            public: HEXLOWER
                .decode(self.public_key.as_bytes())
                .ok()?
                .try_into()
                .ok()?,
        };
        (kdf.within_bounds() && r.is_valid()).then_some(r)
    }
}

/// What the person chose.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Automatic backups on (the default).
    pub enabled: bool,
    /// The folder; `None` is `backups/` beside the vault.
    pub folder: Option<PathBuf>,
    /// The backup passphrase's public half, when one is set.
    pub passphrase: Option<StoredRecipient>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            enabled: true,
            folder: None,
            passphrase: None,
        }
    }
}

/// A backup written and verified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Written {
    /// The file.
    pub file: PathBuf,
    /// When (Unix seconds).
    pub at: u64,
    /// The vault generation it holds.
    pub generation: u64,
    /// How many accounts it holds.
    pub accounts: usize,
}

/// What happened last.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Status {
    /// The last attempt (Unix seconds).
    pub last_attempt: Option<u64>,
    /// The last backup that was written and verified.
    pub last_success: Option<Written>,
    /// Why the last attempt failed (`None` when it succeeded).
    pub error: Option<String>,
}

/// The settings and status of one vault's backups, kept in `<vault>.backups.json`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Record {
    /// What the person chose.
    pub settings: Settings,
    /// What happened last.
    pub status: Status,
}

/// Where a vault's backup record lives.
pub fn record_path(vault_path: &Path) -> PathBuf {
    let mut name = vault_path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".backups.json");
    vault_path.with_file_name(name)
}

impl Record {
    /// Reads the record beside `vault_path` (defaults when there is none; a damaged record is
    /// read as defaults too, and rewritten at the next backup: it holds no secret).
    pub fn load(vault_path: &Path) -> Self {
        fs::read(record_path(vault_path))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Saves the record atomically.
    pub fn save(&self, vault_path: &Path) -> Result<(), BackupError> {
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| VaultError::Corrupt {
            reason: e.to_string(),
        })?;
        vault::write_atomically(&record_path(vault_path), &bytes)?;
        Ok(())
    }

    /// The folder backups go to.
    pub fn folder(&self, vault_path: &Path) -> PathBuf {
        self.settings.folder.clone().unwrap_or_else(|| {
            vault_path
                .parent()
                .unwrap_or(Path::new("."))
                .join("backups")
        })
    }

    /// Sets (or with `None` removes) the backup passphrase: only its public half is kept.
    pub fn set_passphrase(
        &mut self,
        passphrase: Option<&Secret>,
        kdf: KdfParams,
        entropy: &mut dyn Entropy,
    ) -> Result<(), BackupError> {
        self.settings.passphrase = match passphrase {
            Some(p) => Some(StoredRecipient::of(&Recipient::new(p, kdf, entropy)?)),
            None => None,
        };
        Ok(())
    }

    /// Whether an automatic backup is due at `now`: after a change not yet backed up, or when
    /// the last good one is a day old.
    pub fn due(&self, generation: u64, now: u64) -> bool {
        self.settings.enabled
            && match &self.status.last_success {
                None => true,
                Some(w) => w.generation != generation || now.saturating_sub(w.at) >= DAILY,
            }
    }
}

/// The locks of a backup of this vault: its recovery key and the backup passphrase (at least
/// one), and its own key.
fn locks<'a>(
    info: &'a VaultInfo,
    key: &'a Secret,
    record: &Record,
) -> Result<Vec<Lock<'a>>, BackupError> {
    let mut locks = Vec::new();
    if let Some(r) = info.recovery {
        locks.push(Lock::RecoveryKey(r));
    }
    if let Some(r) = record
        .settings
        .passphrase
        .as_ref()
        .and_then(StoredRecipient::recipient)
    {
        locks.push(Lock::BackupPassphrase(r));
    }
    if locks.is_empty() {
        return Err(BackupError::NoLock);
    }
    locks.push(Lock::Vault {
        vault_id: &info.vault_id,
        key,
    });
    Ok(locks)
}

/// The file name of a backup written at `now`: `twofold-YYYYMMDDTHHMMSSZ.twofold-backup`.
pub fn file_name(now: u64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(i64::try_from(now).unwrap_or(0))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{PREFIX}{:04}{:02}{:02}T{:02}{:02}{:02}Z.{EXTENSION}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// When a backup file of ours was written, read from its name (`None`: not one of ours).
pub fn written_at(name: &str) -> Option<u64> {
    name_order(name).map(|(at, _)| at)
}

/// A backup's time and its number within that second (`-2`, `-3`… when several were written
/// in one second; 1 for the first).
fn name_order(name: &str) -> Option<(u64, u32)> {
    let stem = name
        .strip_prefix(PREFIX)?
        .strip_suffix(&format!(".{EXTENSION}"))?;
    let (stamp, seq) = match stem.split_once('-') {
        Some((stamp, n)) => (stamp, n.parse::<u32>().ok().filter(|n| *n >= 2)?),
        None => (stem, 1),
    };
    let digits = |r: std::ops::Range<usize>| stamp.get(r)?.parse::<u32>().ok();
    if stamp.len() != 16 || stamp.as_bytes()[8] != b'T' || !stamp.ends_with('Z') {
        return None;
    }
    let date = time::Date::from_calendar_date(
        i32::try_from(digits(0..4)?).ok()?,
        time::Month::try_from(u8::try_from(digits(4..6)?).ok()?).ok()?,
        u8::try_from(digits(6..8)?).ok()?,
    )
    .ok()?;
    let t = time::Time::from_hms(
        u8::try_from(digits(9..11)?).ok()?,
        u8::try_from(digits(11..13)?).ok()?,
        u8::try_from(digits(13..15)?).ok()?,
    )
    .ok()?;
    let at = u64::try_from(date.with_time(t).assume_utc().unix_timestamp()).ok()?;
    Some((at, seq))
}

/// A backup file in the folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupFile {
    /// Its path.
    pub path: PathBuf,
    /// When it was written (from its name).
    pub at: u64,
    /// Its size in bytes.
    pub size: u64,
}

/// Our backups in `folder`, newest first (other files are left alone and not listed).
pub fn list(folder: &Path) -> Result<Vec<BackupFile>, BackupError> {
    let entries = match fs::read_dir(folder) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err(folder)(e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io_err(folder))?;
        let name = entry.file_name();
        let Some((at, seq)) = name.to_str().and_then(name_order) else {
            continue;
        };
        let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
        out.push((
            seq,
            BackupFile {
                path: entry.path(),
                at,
                size,
            },
        ));
    }
    out.sort_by(|(sa, a), (sb, b)| b.at.cmp(&a.at).then(sb.cmp(sa)));
    Ok(out.into_iter().map(|(_, f)| f).collect())
}

/// Which of `times` (newest first) rotation keeps at `now`: the newest [`KEEP_LATEST`], the
/// newest of each of the last [`KEEP_DAYS`] days and of each of the last [`KEEP_WEEKS`] weeks.
pub fn keep(times: &[u64], now: u64) -> Vec<bool> {
    let day = |t: u64| t / 86_400;
    let week = |t: u64| t / (7 * 86_400);
    let mut kept = vec![false; times.len()];
    let mut days = std::collections::HashSet::new();
    let mut weeks = std::collections::HashSet::new();
    for (i, &t) in times.iter().enumerate() {
        if i < KEEP_LATEST {
            kept[i] = true;
        }
        if day(now).saturating_sub(day(t)) < KEEP_DAYS && days.insert(day(t)) {
            kept[i] = true;
        }
        if week(now).saturating_sub(week(t)) < KEEP_WEEKS && weeks.insert(week(t)) {
            kept[i] = true;
        }
    }
    kept
}

/// Writes a backup of `contents` (read from `vault` just now) into the folder, reads it back
/// and opens it with the vault key, then rotates the folder; records the outcome beside the
/// vault. A failure leaves every earlier backup in place.
pub fn run(
    vault: &Vault,
    contents: &Contents,
    now: u64,
    entropy: &mut dyn Entropy,
) -> Result<Written, BackupError> {
    let mut record = Record::load(vault.path());
    let result = write_verified(vault, contents, &record, now, entropy);
    record.status.last_attempt = Some(now);
    match &result {
        Ok(w) => {
            record.status.last_success = Some(w.clone());
            record.status.error = None;
        }
        Err(e) => record.status.error = Some(e.to_string()),
    }
    record.save(vault.path())?;
    result
}

fn write_verified(
    vault: &Vault,
    contents: &Contents,
    record: &Record,
    now: u64,
    entropy: &mut dyn Entropy,
) -> Result<Written, BackupError> {
    let info = vault.info();
    let locks = locks(&info, vault.key(), record)?;
    let bytes = backup::seal_with(contents, &locks, entropy, now)?;
    let folder = record.folder(vault.path());
    if folder.exists() && !folder.is_dir() {
        return Err(BackupError::NotAFolder { path: folder });
    }
    vault::create_private_dir(&folder).map_err(io_err(&folder))?;
    clean_temporary(&folder);
    let mut path = folder.join(file_name(now));
    let mut n = 2;
    while path.exists() {
        path = folder
            .join(file_name(now).replace(&format!(".{EXTENSION}"), &format!("-{n}.{EXTENSION}")));
        n += 1;
    }
    vault::write_atomically(&path, &bytes)?;
    let unverified = |reason: String| BackupError::Unverified {
        path: path.clone(),
        reason,
    };
    let read = fs::read(&path).map_err(io_err(&path))?;
    if read != bytes.as_slice() {
        return Err(unverified(
            "the file read back differs from what was written".into(),
        ));
    }
    let opened = backup::open_with(&read, Unlock::VaultKey(vault.key()))
        .map_err(|e| unverified(e.to_string()))?;
    if vault::encode_payload(&opened) != vault::encode_payload(contents) {
        return Err(unverified("it does not hold the vault's accounts".into()));
    }
    rotate(&folder, now)?;
    Ok(Written {
        file: path,
        at: now,
        generation: info.generation,
        accounts: contents.accounts.len(),
    })
}

/// Deletes what rotation does not keep (only files named as ours).
pub fn rotate(folder: &Path, now: u64) -> Result<Vec<PathBuf>, BackupError> {
    let files = list(folder)?;
    let times: Vec<u64> = files.iter().map(|f| f.at).collect();
    let mut removed = Vec::new();
    for (file, keep) in files.iter().zip(keep(&times, now)) {
        if !keep {
            fs::remove_file(&file.path).map_err(io_err(&file.path))?;
            removed.push(file.path.clone());
        }
    }
    Ok(removed)
}

/// Removes temporary files a killed backup left (`*.twofold-backup.tmp`).
fn clean_temporary(folder: &Path) {
    let Ok(entries) = fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(PREFIX) && name.ends_with(&format!(".{EXTENSION}.tmp")) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Verifies a backup file: it parses and opens with `unlock` (the vault key of the vault that
/// wrote it, or what the person types). Returns the accounts it holds.
pub fn verify(path: &Path, unlock: Unlock<'_>) -> Result<Contents, BackupError> {
    let bytes = fs::read(path).map_err(io_err(path))?;
    backup::open_with(&bytes, unlock).map_err(|e| BackupError::Unverified {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_foreign_files_are_not_ours() {
        let now = 1_765_090_500; // 2025-12-07T06:55:00Z
        assert_eq!(file_name(now), "twofold-20251207T065500Z.twofold-backup");
        assert_eq!(written_at(&file_name(now)), Some(now));
        assert_eq!(
            written_at("twofold-20251207T065500Z-2.twofold-backup"),
            Some(now)
        );
        for foreign in [
            "notes.txt",
            "twofold-2025.twofold-backup",
            "twofold-20251307T065500Z.twofold-backup",
            "twofold-20251207T065500Z.twofold-backup.tmp",
            "twofold-20251207T06550Z.twofold-backup",
            "twofold-20251207T065500Z-1.twofold-backup",
            "twofold-20251207T065500Z-x.twofold-backup",
        ] {
            assert_eq!(written_at(foreign), None, "{foreign}");
        }
    }

    #[test]
    fn rotation_keeps_ten_then_one_a_day_then_one_a_week() {
        let day = 86_400;
        let now = 400 * day + 12 * 3600;
        // Every six hours for sixty days, newest first.
        let times: Vec<u64> = (0..240).map(|i| now - i * 6 * 3600).collect();
        let kept: Vec<u64> = times
            .iter()
            .zip(keep(&times, now))
            .filter(|(_, k)| *k)
            .map(|(t, _)| *t)
            .collect();
        assert!(kept.starts_with(&times[..10]));
        for d in 0..KEEP_DAYS {
            assert_eq!(
                kept.iter()
                    .filter(|&&t| t / day == now / day - d)
                    .count()
                    .min(1),
                1,
                "day {d}"
            );
        }
        let week = 7 * day;
        let weeks: std::collections::BTreeSet<u64> = kept.iter().map(|t| t / week).collect();
        let expected: std::collections::BTreeSet<u64> =
            (0..KEEP_WEEKS).map(|w| now / week - w).collect();
        assert_eq!(weeks, expected);
        assert!(kept.len() <= KEEP_LATEST + KEEP_DAYS as usize + KEEP_WEEKS as usize);
        // Nothing old is kept when there are fewer than ten.
        assert_eq!(keep(&[now - 400 * day], now), vec![true]);
    }

    #[test]
    fn a_damaged_stored_recipient_is_not_used() {
        let bad = StoredRecipient {
            memory_kib: 64,
            passes: 1,
            lanes: 1,
            salt: "zz".into(),
            public_key: "00".repeat(32),
        };
        assert_eq!(bad.recipient(), None);
    }
}
