//! Backup commands: what the settings show (folder, last verified backup, what went wrong),
//! backing up now, and the folder, on/off and backup passphrase the user chooses.

use std::path::PathBuf;

use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use twofold_core::OsEntropy;
use twofold_core::vault::{self, KdfParams, Vault};
use twofold_formats::autobackup::{self, BackupError, Record};

use crate::error::{ErrorCode, IpcError};
use crate::i18n::{tr, tr1};
use crate::session::AppSession;

/// The last backup that was written and read back.
#[derive(Debug, Serialize, Clone, PartialEq, Eq, ts_rs::TS)]
pub struct BackupDone {
    pub file: String,
    /// Unix seconds.
    #[ts(type = "number")]
    pub at: u64,
    pub accounts: u32,
}

/// Where backups stand, for the settings and the warning.
#[derive(Debug, Serialize, Clone, PartialEq, Eq, ts_rs::TS)]
pub struct BackupView {
    pub enabled: bool,
    /// The folder backups go to.
    pub folder: String,
    /// The folder is the default one beside the vault.
    pub default_folder: bool,
    /// The last backup written and verified.
    pub last: Option<BackupDone>,
    /// Why the last attempt failed (`None` after a success).
    pub error: Option<String>,
    /// A backup passphrase is set.
    pub has_passphrase: bool,
    /// The vault has a recovery key.
    pub has_recovery_key: bool,
    /// Backup files in the folder.
    pub files: u32,
}

pub fn view_of(session: &AppSession) -> BackupView {
    let record = Record::load(&session.path);
    let folder = record.folder(&session.path);
    let files = autobackup::list(&folder).map(|f| f.len()).unwrap_or(0);
    BackupView {
        enabled: record.settings.enabled,
        folder: folder.display().to_string(),
        default_folder: record.settings.folder.is_none(),
        last: record.status.last_success.as_ref().map(|w| BackupDone {
            file: w.file.display().to_string(),
            at: w.at,
            accounts: u32::try_from(w.accounts).unwrap_or(u32::MAX),
        }),
        error: record.status.error.clone(),
        has_passphrase: record.settings.passphrase.is_some(),
        has_recovery_key: Vault::inspect(&session.path).is_ok_and(|i| i.recovery.is_some()),
        files: u32::try_from(files).unwrap_or(u32::MAX),
    }
}

fn backup_error(e: BackupError) -> IpcError {
    let code = match &e {
        BackupError::NoLock => ErrorCode::NoRecoveryKey,
        BackupError::Vault(vault::VaultError::DiskFull { .. }) => ErrorCode::DiskFull,
        _ => ErrorCode::Io,
    };
    IpcError::new(code, e.to_string())
}

#[tauri::command]
pub fn backup_status(session: State<'_, AppSession>) -> BackupView {
    view_of(&session)
}

/// Writes and verifies a backup of the open vault now.
#[tauri::command]
pub async fn backup_now<R: Runtime>(
    app: AppHandle<R>,
    session: State<'_, AppSession>,
) -> Result<BackupView, IpcError> {
    session.with_vault(|_| Ok(()))?;
    let result = crate::backups::run(&session, true);
    crate::backups::report(&app);
    result.map_err(backup_error)?;
    Ok(view_of(&session))
}

/// Turns automatic backups on or off and sets their folder (`None`: the default beside the
/// vault). The folder must be an absolute path; it is made (private to the user) when missing,
/// and a backup follows at once.
#[tauri::command]
pub async fn set_backup_folder(
    session: State<'_, AppSession>,
    enabled: bool,
    folder: Option<String>,
) -> Result<BackupView, IpcError> {
    let folder = folder
        .map(|f| f.trim().to_owned())
        .filter(|f| !f.is_empty());
    let folder = match folder {
        None => None,
        Some(f) => {
            let path = PathBuf::from(&f);
            if !path.is_absolute() {
                return Err(IpcError::field(
                    "folder",
                    tr("problem-folder-absolute", None),
                ));
            }
            vault::create_private_dir(&path).map_err(|e| {
                IpcError::field(
                    "folder",
                    tr1("problem-folder-unusable", "reason", e.to_string()),
                )
            })?;
            Some(path)
        }
    };
    let mut record = Record::load(&session.path);
    record.settings.enabled = enabled;
    record.settings.folder = folder;
    // A new place has no backup yet.
    record.status.last_success = None;
    record.save(&session.path).map_err(backup_error)?;
    session.backups.changed();
    Ok(view_of(&session))
}

/// Sets the backup passphrase (only its public half is kept: backups open with it, the vault
/// does not), or removes it with `None`.
#[tauri::command]
pub async fn set_backup_passphrase(
    session: State<'_, AppSession>,
    passphrase: Option<String>,
) -> Result<BackupView, IpcError> {
    let pass = passphrase
        .filter(|p| !p.is_empty())
        .map(|p| twofold_core::Secret::new(p.into_bytes()));
    let mut record = Record::load(&session.path);
    record
        .set_passphrase(pass.as_ref(), KdfParams::DEFAULT, &mut OsEntropy)
        .map_err(backup_error)?;
    // The next backup is sealed to it.
    record.status.last_success = None;
    record.save(&session.path).map_err(backup_error)?;
    session.backups.changed();
    Ok(view_of(&session))
}
