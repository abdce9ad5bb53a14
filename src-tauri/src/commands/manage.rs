//! Managing accounts: copy a code (cleared from the clipboard later), edit the labels, pin, move,
//! delete with undo, the one explicit seed export (an account as a QR code), and the settings.

use serde::Deserialize;
use tauri::State;
use twofold_core::account::Labels;
use twofold_core::vault::Contents;
use twofold_core::{AccountId, OsEntropy, otpauth, qr};

use super::accounts::{CodeView, view};
use super::vault::poisoned;
use crate::error::{ErrorCode, IpcError};
use crate::session::AppSession;
use crate::settings::{self, Settings};

fn not_found() -> IpcError {
    IpcError::new(ErrorCode::NotFound, "no such account")
}

/// Where an account is in the user's order.
fn index_of(c: &Contents, id: &AccountId) -> Result<usize, IpcError> {
    c.accounts
        .iter()
        .position(|a| &a.id == id)
        .ok_or_else(not_found)
}

fn with_contents<T>(
    session: &AppSession,
    change: impl FnOnce(&mut Contents) -> Result<T, IpcError>,
) -> Result<T, IpcError> {
    session.with_vault(|vault| Ok(vault.update(&mut OsEntropy, change)??.0))
}

/// Copies an account's current code (or the next one) to the clipboard, marked for clipboard
/// managers to leave out of their history, and clears it after the user's delay if it is still
/// there. Returns what was copied.
#[tauri::command]
pub async fn copy_code(
    session: State<'_, AppSession>,
    id: String,
    next: bool,
) -> Result<CodeView, IpcError> {
    copy(&session, AccountId::from_string(id), next)
}

/// What `copy_code` does, also for the tray's pinned accounts.
pub fn copy(session: &AppSession, id: AccountId, next: bool) -> Result<CodeView, IpcError> {
    let t = session.now();
    let shown = with_contents(session, |c| {
        let a = c.get_mut(&id).ok_or_else(not_found)?;
        let shown = view(a, t);
        a.last_used_at = Some(t);
        Ok(shown)
    })?;
    let code = if next {
        shown.next_code.clone()
    } else {
        shown.code.clone()
    };
    let generation = session.clipboard.put_secret(&code)?;
    let delay = session
        .settings
        .lock()
        .map_err(poisoned)?
        .clipboard_clear_seconds;
    if delay > 0 {
        let clipboard = session.clipboard.clone();
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs(u64::from(delay))).await;
            clipboard.clear_if(generation, &code);
        });
    }
    Ok(shown)
}

/// The labels the user can change.
#[derive(Debug, Deserialize, ts_rs::TS)]
pub struct AccountEdit {
    pub issuer: String,
    pub name: String,
    pub tags: Vec<String>,
    /// `#rrggbb`, or null for the colour made from the issuer.
    pub color: Option<String>,
    /// The icon: null matched by the app, `""` none (the initials), a slug the one picked.
    pub icon: Option<String>,
    pub pinned: bool,
}

/// Changes an account's issuer, name, tags, colour, icon and pin.
#[tauri::command]
pub async fn update_account<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    session: State<'_, AppSession>,
    id: String,
    edit: AccountEdit,
) -> Result<CodeView, IpcError> {
    let labels = Labels {
        issuer: edit.issuer,
        name: edit.name,
        tags: edit.tags,
        color: edit.color,
        icon: edit.icon,
        pinned: edit.pinned,
    }
    .check()
    .map_err(IpcError::fields)?;
    let id = AccountId::from_string(id);
    let t = session.now();
    let (shown, pinned) = with_contents(&session, |c| {
        let a = c.get_mut(&id).ok_or_else(not_found)?;
        labels.apply_to(a);
        Ok((view(a, t), crate::quick::pinned_of(&c.accounts)))
    })?;
    // A pin or a new name shows in the tray at once.
    crate::quick::show_pinned(&app, pinned);
    Ok(shown)
}

/// Moves an account to `index` in the user's order.
#[tauri::command]
pub async fn move_account(
    session: State<'_, AppSession>,
    id: String,
    index: u32,
) -> Result<(), IpcError> {
    let id = AccountId::from_string(id);
    with_contents(&session, |c| {
        let from = index_of(c, &id)?;
        let account = c.accounts.remove(from);
        let to = (index as usize).min(c.accounts.len());
        c.accounts.insert(to, account);
        Ok(())
    })
}

/// Deletes an account. The app keeps it in memory (never on disk) until the next delete or lock,
/// so `undo_delete` can put it back where it was.
#[tauri::command]
pub async fn delete_account<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    session: State<'_, AppSession>,
    id: String,
) -> Result<(), IpcError> {
    let id = AccountId::from_string(id);
    let (removed, pinned) = with_contents(&session, |c| {
        let at = index_of(c, &id)?;
        let removed = (at, c.accounts.remove(at));
        Ok((removed, crate::quick::pinned_of(&c.accounts)))
    })?;
    *session.trash.lock().map_err(poisoned)? = Some(removed);
    crate::quick::show_pinned(&app, pinned);
    Ok(())
}

/// Puts the last deleted account back; returns its id.
#[tauri::command]
pub async fn undo_delete(session: State<'_, AppSession>) -> Result<String, IpcError> {
    let Some((at, account)) = session.trash.lock().map_err(poisoned)?.take() else {
        return Err(IpcError::new(ErrorCode::NotFound, "nothing to undo"));
    };
    let id = account.id.to_string();
    with_contents(&session, move |c| {
        if c.accounts
            .iter()
            .any(|a| a.id == account.id || a.is_duplicate_of(&account.to_draft()))
        {
            return Err(IpcError::new(
                ErrorCode::Duplicate,
                format!("{} is in the vault again already", account.display_name()),
            ));
        }
        let at = at.min(c.accounts.len());
        c.accounts.insert(at, account);
        Ok(())
    })?;
    Ok(id)
}

/// The one export of a seed: the account as an SVG QR code to scan with a phone. The page asks
/// the user to confirm before it calls this.
#[tauri::command]
pub async fn export_qr(session: State<'_, AppSession>, id: String) -> Result<String, IpcError> {
    let id = AccountId::from_string(id);
    let contents = session.with_vault(|vault| Ok(vault.read()?))?;
    let account = contents.get(&id).ok_or_else(not_found)?;
    let uri = zeroize::Zeroizing::new(otpauth::format(&account.to_draft()));
    qr::encode_svg(&uri).map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))
}

#[tauri::command]
pub async fn get_settings(session: State<'_, AppSession>) -> Result<Settings, IpcError> {
    Ok(session.settings.lock().map_err(poisoned)?.clone())
}

/// Checks and saves the settings.
#[tauri::command]
pub async fn set_settings<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    session: State<'_, AppSession>,
    settings: Settings,
) -> Result<Settings, IpcError> {
    settings.check()?;
    crate::quick::set_shortcut(&app, settings.global_shortcut.as_deref())
        .map_err(|why| IpcError::field("global_shortcut", why))?;
    crate::desktop::start_at_login(&app, settings.start_at_login)?;
    settings
        .save(&settings::path_beside(&session.path))
        .map_err(|e| IpcError::new(ErrorCode::Io, format!("settings not saved: {e}")))?;
    *session.settings.lock().map_err(poisoned)? = settings.clone();
    crate::i18n::set_language(settings.language.as_deref());
    crate::desktop::refresh_tray(&app);
    Ok(settings)
}
