//! Vault commands: status, first-run creation, unlock and lock.

use serde::Serialize;
use tauri::State;
use twofold_core::vault::{KdfParams, KeyMode, Protection, Vault};
use twofold_core::{OsEntropy, Secret};

use crate::error::IpcError;
use crate::session::AppSession;

/// What the UI shows before the code list.
#[derive(Debug, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct VaultStatus {
    /// `missing`, `locked` or `unlocked`.
    #[ts(type = "\"missing\" | \"locked\" | \"unlocked\"")]
    pub state: &'static str,
    /// Unlocking needs a passphrase.
    pub needs_passphrase: bool,
    /// The vault file.
    pub path: String,
}

pub fn status_of(session: &AppSession) -> VaultStatus {
    let unlocked = session.vault.lock().map(|v| v.is_some()).unwrap_or(false);
    let info = Vault::inspect(&session.path).ok();
    let state = match (&info, unlocked) {
        (_, true) => "unlocked",
        (Some(_), false) => "locked",
        (None, false) => "missing",
    };
    VaultStatus {
        state,
        needs_passphrase: info.is_some_and(|i| i.mode == KeyMode::Passphrase),
        path: session.path.display().to_string(),
    }
}

fn secret(passphrase: Option<String>) -> Option<Secret> {
    passphrase
        .filter(|p| !p.is_empty())
        .map(|p| Secret::new(p.into_bytes()))
}

#[tauri::command]
pub fn vault_status(session: State<'_, AppSession>) -> VaultStatus {
    status_of(&session)
}

#[tauri::command]
pub async fn create_vault(
    session: State<'_, AppSession>,
    passphrase: Option<String>,
) -> Result<VaultStatus, IpcError> {
    if let Some(dir) = session.path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| IpcError::new(crate::error::ErrorCode::Vault, e.to_string()))?;
    }
    let pass = secret(passphrase);
    let protection = match &pass {
        Some(p) => Protection::Passphrase {
            passphrase: p,
            kdf: KdfParams::DEFAULT,
        },
        None => Protection::Keychain(session.keystore.as_ref()),
    };
    let (vault, _) = Vault::create(&session.path, protection, &mut OsEntropy)?;
    *session.vault.lock().map_err(poisoned)? = Some(vault);
    Ok(status_of(&session))
}

#[tauri::command]
pub async fn unlock(
    session: State<'_, AppSession>,
    passphrase: Option<String>,
) -> Result<VaultStatus, IpcError> {
    let pass = secret(passphrase);
    let (vault, _) = Vault::open(&session.path, session.keystore.as_ref(), pass.as_ref())?;
    *session.vault.lock().map_err(poisoned)? = Some(vault);
    Ok(status_of(&session))
}

#[tauri::command]
pub fn lock(session: State<'_, AppSession>) -> Result<VaultStatus, IpcError> {
    session.lock_now();
    Ok(status_of(&session))
}

/// The page reports that its first codes are on the screen. With `TWOFOLD_REPORT_READY` set
/// (the start-up benchmark), the moment is printed on stdout.
#[tauri::command]
pub fn ui_ready(what: String) {
    if std::env::var_os("TWOFOLD_REPORT_READY").is_some() {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "twofold: ready {what}");
        let _ = out.flush();
    }
}

pub fn poisoned<T>(_: T) -> IpcError {
    IpcError::new(
        crate::error::ErrorCode::Vault,
        "internal state is unusable; restart the app",
    )
}
