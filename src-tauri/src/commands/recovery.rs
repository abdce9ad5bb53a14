//! Recovery commands: the recovery key made, shown once and confirmed by typing part of it
//! back; a vault whose keychain entry is gone (or passphrase forgotten) recovered with it; and a
//! backup file restored onto a new vault (first run, or a vault nothing here opens any more).

use serde::Serialize;
use tauri::State;
use twofold_core::keychain::KeyStoreError;
use twofold_core::recovery::{RecoveryKey, RecoveryKeyError};
use twofold_core::vault::{Contents, KdfParams, Protection, RecoverTo, Vault, VaultError};
use twofold_core::{Entropy, OsEntropy, Secret};
use twofold_formats::backup::{self, Unlock};
use twofold_formats::{ImportError, import::MAX_FILE_BYTES};

use super::vault::{VaultStatus, poisoned, status_of};
use crate::error::{ErrorCode, FieldProblem, IpcError};
use crate::i18n::{tr, tr1, trn};
use crate::session::{AppSession, PendingRecoveryKey};

/// How many groups of the key the user types back.
const GROUPS_ASKED: usize = 2;

/// A recovery key to write down, and which of its groups to type back.
#[derive(Debug, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct RecoveryKeyOffer {
    /// Nine groups of four characters joined by hyphens.
    pub key: String,
    /// The groups (1 to 9) to type back, in order.
    pub confirm: Vec<u32>,
}

/// A backup picked to restore, before it is opened.
#[derive(Debug, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct BackupOffer {
    /// When it was written (Unix seconds, as the file says).
    #[ts(type = "number")]
    pub created_at: u64,
    /// What opens it: `recovery-key`, `backup-passphrase`, `passphrase` (an export's own).
    pub opens_with: Vec<String>,
}

fn secret(text: Option<String>) -> Option<Secret> {
    text.filter(|t| !t.is_empty())
        .map(|t| Secret::new(t.into_bytes()))
}

/// Two different groups of nine, at random.
fn groups_to_ask(entropy: &mut dyn Entropy) -> Result<Vec<u32>, IpcError> {
    let mut groups = Vec::with_capacity(GROUPS_ASKED);
    while groups.len() < GROUPS_ASKED {
        let mut b = [0u8; 1];
        entropy
            .fill(&mut b)
            .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
        // 252 is a multiple of 9: no group is likelier than another.
        if b[0] < 252 {
            let g = u32::from(b[0] % 9) + 1;
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
    }
    groups.sort_unstable();
    Ok(groups)
}

/// Makes a recovery key for the open vault and returns it to show, with the groups to type
/// back. The vault does not use it until `confirm_recovery_key`; a vault that has one keeps it
/// until then.
#[tauri::command]
pub async fn new_recovery_key(
    session: State<'_, AppSession>,
) -> Result<RecoveryKeyOffer, IpcError> {
    session.with_vault(|_| Ok(()))?;
    let key = RecoveryKey::generate(&mut OsEntropy)
        .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
    let confirm = groups_to_ask(&mut OsEntropy)?;
    let text = String::from_utf8_lossy(key.to_text().expose()).into_owned();
    *session.pending_recovery.lock().map_err(poisoned)? = Some(PendingRecoveryKey {
        key,
        groups: confirm.clone(),
    });
    Ok(RecoveryKeyOffer { key: text, confirm })
}

/// Checks the groups typed back (in the order asked) and, when they match, seals the vault to
/// the new key: from now on it opens the vault and every backup written after. A key that
/// replaces an older one re-keys the vault, so the old key opens nothing written from now on.
#[tauri::command]
pub async fn confirm_recovery_key(
    session: State<'_, AppSession>,
    answers: Vec<String>,
) -> Result<VaultStatus, IpcError> {
    let mut pending = session.pending_recovery.lock().map_err(poisoned)?;
    let Some(p) = pending.as_ref() else {
        return Err(IpcError::new(
            ErrorCode::NotFound,
            "no recovery key is waiting to be confirmed; make a new one",
        ));
    };
    let problems: Vec<FieldProblem> = p
        .groups
        .iter()
        .enumerate()
        .filter(|(i, g)| {
            !answers
                .get(*i)
                .is_some_and(|a| p.key.group_matches(**g as usize, a))
        })
        .map(|(_, g)| FieldProblem {
            field: format!("group_{g}"),
            message: tr1("problem-recovery-group-wrong", "group", g),
        })
        .collect();
    if !problems.is_empty() {
        return Err(IpcError::problems(problems));
    }
    session.with_vault(|vault| {
        Ok(vault.install_recovery_key(
            session.keystore.as_ref(),
            &p.key,
            KdfParams::DEFAULT,
            &mut OsEntropy,
        )?)
    })?;
    *pending = None;
    Ok(status_of(&session))
}

/// What keeps the recovered or restored vault's key: the keychain, or the passphrase given.
fn protection<'a>(
    session: &'a AppSession,
    passphrase: Option<&'a Secret>,
) -> Result<Protection<'a>, IpcError> {
    Ok(match passphrase {
        Some(p) => Protection::Passphrase {
            passphrase: p,
            kdf: KdfParams::DEFAULT,
        },
        None => {
            // Found out before anything is written.
            if let Err(KeyStoreError::Unavailable { reason }) = session.keystore.get("probe") {
                return Err(no_keychain(&reason));
            }
            Protection::Keychain(session.keystore.as_ref())
        }
    })
}

fn no_keychain(reason: &str) -> IpcError {
    IpcError::field(
        "passphrase",
        tr1(
            "problem-no-keychain-passphrase",
            "reason",
            reason.to_owned(),
        ),
    )
}

fn recovery_key_problem(e: &RecoveryKeyError) -> IpcError {
    let message = match e {
        RecoveryKeyError::Length { found } => trn(
            "problem-recovery-key-length",
            [
                ("expected", twofold_core::recovery::TEXT_CHARS.into()),
                ("found", (*found).into()),
            ],
        ),
        RecoveryKeyError::Character { character, group } => trn(
            "problem-recovery-key-character",
            [
                ("character", character.to_string().into()),
                ("group", (*group).into()),
            ],
        ),
        RecoveryKeyError::Checksum => tr("problem-recovery-key-checksum", None),
    };
    IpcError::field("recovery_key", message)
}

/// Opens the vault with its recovery key and gives it a new key: in this computer's keychain,
/// or under `passphrase` when one is given. A wrong key changes nothing.
#[tauri::command]
pub async fn recover_vault(
    session: State<'_, AppSession>,
    recovery_key: String,
    passphrase: Option<String>,
) -> Result<VaultStatus, IpcError> {
    let key = RecoveryKey::parse(&recovery_key).map_err(|e| recovery_key_problem(&e))?;
    let pass = secret(passphrase);
    let to = match protection(&session, pass.as_ref())? {
        Protection::Passphrase { passphrase, kdf } => RecoverTo::Passphrase { passphrase, kdf },
        Protection::Keychain(store) => RecoverTo::Keychain(store),
    };
    let (vault, _) = match Vault::recover(&session.path, &key, to, &mut OsEntropy) {
        Err(VaultError::Keychain(KeyStoreError::Unavailable { reason })) => {
            return Err(no_keychain(&reason));
        }
        other => other?,
    };
    *session.vault.lock().map_err(poisoned)? = Some(vault);
    session.backups.changed();
    Ok(status_of(&session))
}

/// The kinds of a backup's slots the user can open (the UI words them in their language).
fn opens_with(slots: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in slots {
        let known = matches!(
            s.as_str(),
            "recovery-key" | "backup-passphrase" | "passphrase"
        );
        if known && !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

/// A backup file's bytes (the raw request body), kept until `restore_backup` opens it.
#[tauri::command]
pub async fn stage_backup(
    session: State<'_, AppSession>,
    request: tauri::ipc::Request<'_>,
) -> Result<BackupOffer, IpcError> {
    let bytes = super::scan::body_bytes(request.body()).ok_or_else(|| {
        IpcError::new(
            ErrorCode::InvalidFile,
            "backup: send the file's bytes as the request body",
        )
    })?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(IpcError::new(
            ErrorCode::InvalidFile,
            format!(
                "{} bytes is more than a backup holds (at most {MAX_FILE_BYTES})",
                bytes.len()
            ),
        ));
    }
    match twofold_formats::detect(&bytes) {
        Some(twofold_formats::Format::TwofoldBackup) => {}
        found => {
            let what = found.map_or_else(
                || "this is not a Twofold backup (a .twofold-backup file)".to_owned(),
                |f| format!("this is not a Twofold backup but a file from {}", f.app()),
            );
            return Err(IpcError::new(
                ErrorCode::InvalidFile,
                format!("{what}: another app's export is imported once the vault exists"),
            ));
        }
    }
    let info =
        backup::info(&bytes).map_err(|e| IpcError::new(ErrorCode::InvalidFile, e.to_string()))?;
    let offer = BackupOffer {
        created_at: info.created_at,
        opens_with: opens_with(&info.slots),
    };
    *session.staged_restore.lock().map_err(poisoned)? = Some(zeroize::Zeroizing::new(bytes));
    Ok(offer)
}

/// Where a vault that nothing here opens is kept when a backup replaces it: never deleted.
fn set_aside(path: &std::path::Path, now: u64) -> Result<std::path::PathBuf, IpcError> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".unopened-{now}"));
    let aside = path.with_file_name(name);
    std::fs::rename(path, &aside).map_err(|e| {
        IpcError::new(
            ErrorCode::Io,
            format!("{}: could not be set aside: {e}", path.display()),
        )
    })?;
    Ok(aside)
}

/// Opens the staged backup with `password` (the recovery key as written, or a passphrase) and
/// makes it the vault: a new vault with exactly its accounts, its key in the keychain or under
/// `passphrase`. A vault already there that this app cannot open (its key gone) is renamed
/// beside it first, never deleted; an open vault is never replaced (restore into it through
/// import instead).
#[tauri::command]
pub async fn restore_backup(
    session: State<'_, AppSession>,
    password: String,
    passphrase: Option<String>,
) -> Result<VaultStatus, IpcError> {
    if session.vault.lock().map_err(poisoned)?.is_some() {
        return Err(IpcError::new(
            ErrorCode::AlreadyExists,
            "the vault is open: import the backup from the settings instead (its accounts are \
             previewed and duplicates skipped)",
        ));
    }
    let typed = Secret::new(password.into_bytes());
    let contents: Contents = {
        let staged = session.staged_restore.lock().map_err(poisoned)?;
        let bytes = staged
            .as_ref()
            .ok_or_else(|| IpcError::new(ErrorCode::NotFound, "pick the backup file first"))?;
        backup::open_with(bytes, Unlock::Typed(&typed)).map_err(|e| match e {
            ImportError::WrongPassword { .. } | ImportError::PasswordRequired { .. } => {
                IpcError::field("password", tr("problem-backup-password-wrong", None))
            }
            other => IpcError::new(ErrorCode::InvalidFile, other.to_string()),
        })?
    };
    let pass = secret(passphrase);
    let protection = protection(&session, pass.as_ref())?;
    if session.path.exists() {
        set_aside(&session.path, session.now())?;
    }
    let (mut vault, _) = Vault::create(&session.path, protection, &mut OsEntropy)?;
    vault.update(&mut OsEntropy, |c: &mut Contents| -> Result<(), IpcError> {
        *c = contents;
        Ok(())
    })??;
    *session.vault.lock().map_err(poisoned)? = Some(vault);
    *session.staged_restore.lock().map_err(poisoned)? = None;
    Ok(status_of(&session))
}

#[cfg(test)]
mod tests {
    use super::*;
    use twofold_core::entropy::FixedEntropy;

    #[test]
    fn two_different_groups_are_asked_and_every_group_can_be() {
        let mut seen = std::collections::BTreeSet::new();
        for seed in 0..200u8 {
            let g =
                groups_to_ask(&mut FixedEntropy::new(&[seed, 3, 77, 251, 252, 255, 9])).unwrap();
            assert_eq!(g.len(), 2);
            assert_ne!(g[0], g[1]);
            assert!(g.iter().all(|x| (1..=9).contains(x)), "{g:?}");
            seen.extend(g);
        }
        assert_eq!(seen.len(), 9);
    }

    #[test]
    fn a_backups_slots_are_named_once_each_and_only_those_a_user_can_open() {
        let slots =
            ["recovery-key", "backup-passphrase", "vault", "recovery-key"].map(String::from);
        assert_eq!(opens_with(&slots), ["recovery-key", "backup-passphrase"]);
    }
}
