//! Account commands: the code list (codes, never seeds), manual entry, and the next HOTP code.
//! (Links and QR codes are added through a preview: `scan.rs`.)

use serde::Serialize;
use tauri::State;
use twofold_core::vault::Contents;
use twofold_core::{Account, AccountId, OsEntropy};

use crate::error::{ErrorCode, IpcError};
use crate::session::AppSession;

/// One account as the UI sees it.
/// How an account's codes are made.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum OtpKind {
    Totp,
    Hotp,
    Steam,
}

impl OtpKind {
    /// The kind of `method`.
    pub fn of(method: twofold_core::otp::Method) -> Self {
        match method {
            twofold_core::otp::Method::Totp { .. } => Self::Totp,
            twofold_core::otp::Method::Hotp { .. } => Self::Hotp,
            twofold_core::otp::Method::Steam { .. } => Self::Steam,
        }
    }
}

#[derive(Debug, Serialize, Clone, PartialEq, Eq, ts_rs::TS)]
pub struct CodeView {
    pub id: String,
    pub issuer: String,
    pub name: String,
    pub kind: OtpKind,
    pub code: String,
    pub next_code: String,
    pub period: Option<u32>,
    pub seconds_left: Option<u32>,
    pub tags: Vec<String>,
    /// `#rrggbb` the user picked, or null for the colour made from the issuer.
    pub color: Option<String>,
    /// The icon the user picked (`""`: none), or null for the one matched to the issuer.
    pub icon: Option<String>,
    pub pinned: bool,
    /// Unix seconds a code was last copied.
    #[ts(type = "number | null")]
    pub last_used_at: Option<u64>,
}

pub(crate) fn view(a: &Account, t: u64) -> CodeView {
    CodeView {
        id: a.id.to_string(),
        issuer: a.issuer.clone(),
        name: a.name.clone(),
        kind: OtpKind::of(a.params.method()),
        code: a.code_at(t).to_string(),
        next_code: a.next_code_at(t).to_string(),
        period: a.params.method().period(),
        seconds_left: a.params.seconds_left(t),
        tags: a.tags.clone(),
        color: a.color.clone(),
        icon: a.icon.clone(),
        pinned: a.pinned,
        last_used_at: a.last_used_at,
    }
}

pub(crate) fn locked() -> IpcError {
    IpcError::new(ErrorCode::Locked, "the vault is locked")
}

#[tauri::command]
pub async fn list_codes<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    session: State<'_, AppSession>,
) -> Result<Vec<CodeView>, IpcError> {
    crate::commands::vault::report("at list_codes");
    // Re-read: the CLI may have changed the vault since.
    let contents = session.with_vault(|vault| Ok(vault.read()?))?;
    let t = session.now();
    // The tray lists the pinned accounts for a copy without the window.
    crate::quick::show_pinned(&app, crate::quick::pinned_of(&contents.accounts));
    Ok(contents.accounts.iter().map(|a| view(a, t)).collect())
}

/// A manually typed account, as the form sends it.
#[derive(Debug, serde::Deserialize, ts_rs::TS)]
pub struct ManualEntry {
    pub issuer: String,
    pub name: String,
    pub secret: String,
    pub kind: String,
    pub algorithm: String,
    pub digits: String,
    pub period: String,
    pub counter: String,
}

#[tauri::command]
pub async fn add_manual(
    session: State<'_, AppSession>,
    entry: ManualEntry,
) -> Result<String, IpcError> {
    let fields = twofold_core::manual::ManualFields {
        issuer: entry.issuer,
        name: entry.name,
        secret: entry.secret,
        kind: entry.kind,
        algorithm: entry.algorithm,
        digits: entry.digits,
        period: entry.period,
        counter: entry.counter,
    };
    let draft = twofold_core::manual::validate(&fields).map_err(IpcError::fields)?;
    let t = session.now();
    let (id, _) = session.with_vault(|vault| {
        Ok(vault.update(&mut OsEntropy, |c: &mut Contents| {
            c.add(draft, &mut OsEntropy, t)
        })??)
    })?;
    Ok(id.to_string())
}

#[tauri::command]
pub async fn next_hotp(session: State<'_, AppSession>, id: String) -> Result<CodeView, IpcError> {
    let id = AccountId::from_string(id);
    let t = session.now();
    session.with_vault(|vault| {
        let (shown, _) = vault.update(&mut OsEntropy, |c: &mut Contents| {
            let a = c
                .get_mut(&id)
                .ok_or_else(|| IpcError::new(ErrorCode::NotFound, "no such account"))?;
            let shown = view(a, t);
            a.advance_counter();
            a.last_used_at = Some(t);
            Ok::<_, IpcError>(shown)
        })??;
        Ok(shown)
    })
}
