//! Vault commands: status, first-run creation, unlock and lock, and the keychain's health while
//! the vault is open (its key put back when lost, a passphrase when the keychain is gone).

use serde::Serialize;
use tauri::State;
use twofold_core::keychain::KeyStoreError;
use twofold_core::vault::{KdfParams, KeyMode, KeychainCheck, Protection, Vault, VaultError};
use twofold_core::{OsEntropy, Secret};

use crate::commands::accounts::locked;
use crate::error::IpcError;
use crate::i18n::tr;
use crate::session::AppSession;

/// What the UI shows before the code list.
/// Where the vault stands.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum VaultState {
    /// No vault file yet.
    Missing,
    /// A vault exists and is not open.
    Locked,
    /// The vault is open.
    Unlocked,
}

/// What the keychain check found.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum KeychainState {
    /// The key is there (or the vault has a passphrase).
    Ok,
    /// The key was missing and was put back.
    Restored,
    /// The keychain is gone: only this running app can still open the vault.
    Unreachable,
}

#[derive(Debug, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct VaultStatus {
    pub state: VaultState,
    /// Unlocking needs a passphrase.
    pub needs_passphrase: bool,
    /// The vault file.
    pub path: String,
    /// The vault has a recovery key (else the page asks the user to make one).
    pub has_recovery_key: bool,
}

pub fn status_of(session: &AppSession) -> VaultStatus {
    let unlocked = session.vault.lock().map(|v| v.is_some()).unwrap_or(false);
    let info = Vault::inspect(&session.path).ok();
    let state = match (&info, unlocked) {
        (_, true) => VaultState::Unlocked,
        (Some(_), false) => VaultState::Locked,
        (None, false) => VaultState::Missing,
    };
    VaultStatus {
        state,
        needs_passphrase: info.as_ref().is_some_and(|i| i.mode == KeyMode::Passphrase),
        has_recovery_key: info.is_some_and(|i| i.recovery.is_some()),
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
    // A daily backup may be due; the other computers' changes come in.
    session.backups.changed();
    session.sync.changed();
    Ok(status_of(&session))
}

#[tauri::command]
pub fn lock<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    session: State<'_, AppSession>,
) -> Result<VaultStatus, IpcError> {
    session.lock_now();
    crate::quick::show_pinned(&app, Vec::new());
    Ok(status_of(&session))
}

/// The page reports that its first codes are on the screen. With `TWOFOLD_REPORT_READY` set
/// (the start-up benchmark), the moment is printed on stdout.
#[tauri::command]
pub fn ui_ready(what: String) {
    report(&format!("ready {what}"));
}

/// With `TWOFOLD_REPORT_READY` set (the start-up benchmark), prints `twofold: <what>` on
/// stdout: the moments the benchmark times (`ready …` ends a start; `at …` marks a step).
pub fn report(what: &str) {
    if std::env::var_os("TWOFOLD_REPORT_READY").is_some() {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "twofold: {what}");
        let _ = out.flush();
    }
}

/// Whether the vault could be opened again after the app closes, as far as the keychain goes.
#[derive(Debug, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct KeychainHealth {
    pub state: KeychainState,
    /// Why the keychain is unreachable, in the system's words (empty otherwise); the UI says
    /// the rest in the user's language.
    pub reason: String,
}

/// Checks that the keychain still holds the open vault's key and puts it back when it was lost
/// (the UI asks after unlocking, on focus and every minute).
#[tauri::command]
pub async fn check_keychain(session: State<'_, AppSession>) -> Result<KeychainHealth, IpcError> {
    let mut guard = session.vault.lock().map_err(poisoned)?;
    let vault = guard.as_mut().ok_or_else(locked)?;
    let (state, reason) = match vault.check_keychain(session.keystore.as_ref()) {
        Ok(KeychainCheck::Present | KeychainCheck::NotUsed) => (KeychainState::Ok, String::new()),
        Ok(KeychainCheck::Restored) => (KeychainState::Restored, String::new()),
        Err(VaultError::Keychain(KeyStoreError::Unavailable { reason })) => {
            (KeychainState::Unreachable, reason)
        }
        Err(e) => return Err(e.into()),
    };
    Ok(KeychainHealth { state, reason })
}

/// Moves the open vault from the keychain to a passphrase (a new key; works with the keychain
/// gone, which is when it is needed).
#[tauri::command]
pub async fn protect_with_passphrase(
    session: State<'_, AppSession>,
    passphrase: String,
) -> Result<VaultStatus, IpcError> {
    let Some(pass) = secret(Some(passphrase)) else {
        return Err(IpcError::field(
            "passphrase",
            tr("problem-passphrase-needed", None),
        ));
    };
    session.with_vault(|vault| {
        Ok(vault.set_passphrase(
            session.keystore.as_ref(),
            &pass,
            KdfParams::DEFAULT,
            &mut OsEntropy,
        )?)
    })?;
    Ok(status_of(&session))
}

pub fn poisoned<T>(_: T) -> IpcError {
    IpcError::new(
        crate::error::ErrorCode::Internal,
        "internal state is unusable; restart the app",
    )
}
