//! Codes one keystroke away: the global shortcut (X11, through the global-shortcut plugin), the
//! `--quick` argument (for a desktop's own shortcut, the way on Wayland), both bringing the
//! window up with the search focused, and the tray's pinned accounts, each copying its code.

use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Shortcut, ShortcutState};
use twofold_core::account::AccountId;

use crate::i18n::{tr, tr1};
use crate::session::AppSession;

/// Sent to the page when the shortcut or `--quick` brings the window up: it focuses the
/// search, and hides the window again once a code is copied.
pub const QUICK_EVENT: &str = "twofold://quick";
/// The argument that does what the shortcut does (a second launch hands it over).
pub const QUICK_ARG: &str = "--quick";

/// Brings the window up for a quick copy.
pub fn quick<R: Runtime>(app: &AppHandle<R>) {
    crate::desktop::show_main(app);
    let _ = app.emit(QUICK_EVENT, ());
}

/// Whether `text` is a shortcut the plugin understands ("Ctrl+Alt+K"), with why not.
pub fn parse(text: &str) -> Result<Shortcut, String> {
    let shortcut = Shortcut::from_str(text.trim())
        .map_err(|e| tr1("problem-shortcut-invalid", "reason", e.to_string()))?;
    if shortcut.mods.is_empty() {
        return Err(tr("problem-shortcut-modifier", None));
    }
    Ok(shortcut)
}

/// A Wayland session, where one program cannot take a key for the whole desktop.
fn on_wayland() -> bool {
    std::env::var_os("WAYLAND_DISPLAY").is_some()
        && std::env::var("GDK_BACKEND").map_or(true, |b| !b.starts_with("x11"))
}

/// Whether this app holds a global shortcut now.
static HELD: AtomicBool = AtomicBool::new(false);

/// Makes `wanted` the global shortcut (none: no shortcut). Says why when the system refuses.
pub fn set_shortcut<R: Runtime>(app: &AppHandle<R>, wanted: Option<&str>) -> Result<(), String> {
    let wanted = wanted.filter(|t| !t.trim().is_empty());
    // Nothing held and nothing wanted (most starts): the shortcut manager is not asked anything,
    // as asking it waits on its X11 thread on the start-up path (10–40 ms measured).
    if wanted.is_none() && !HELD.load(Ordering::SeqCst) {
        return Ok(());
    }
    let Some(plugin) = app.try_state::<tauri_plugin_global_shortcut::GlobalShortcut<R>>() else {
        return Ok(());
    };
    let _ = plugin.unregister_all();
    HELD.store(false, Ordering::SeqCst);
    let Some(text) = wanted else {
        return Ok(());
    };
    let shortcut = parse(text)?;
    if on_wayland() {
        return Err(tr1(
            "problem-shortcut-wayland",
            "command",
            format!("twofold-desktop {QUICK_ARG}"),
        ));
    }
    app.global_shortcut()
        .on_shortcut(shortcut, |app, _, event| {
            if event.state == ShortcutState::Pressed {
                quick(app);
            }
        })
        .map_err(|e| tr1("problem-shortcut-refused", "reason", e.to_string()))?;
    HELD.store(true, Ordering::SeqCst);
    Ok(())
}

/// The page asks to hide the window (a quick copy is done, or Escape).
#[tauri::command]
pub fn hide_window<R: Runtime>(app: AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.hide();
    }
}

/// The pinned accounts the tray lists (id, label), as last seen unlocked.
static PINNED: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

/// What the tray lists: the pinned accounts, or nothing while the vault is locked.
pub fn pinned() -> Vec<(String, String)> {
    PINNED.lock().map(|p| p.clone()).unwrap_or_default()
}

/// The tray's entries for the pinned accounts among `accounts`: id and "Issuer (name)".
pub fn pinned_of(accounts: &[twofold_core::account::Account]) -> Vec<(String, String)> {
    accounts
        .iter()
        .filter(|a| a.pinned)
        .map(|a| {
            let label = match (a.issuer.is_empty(), a.name.is_empty()) {
                (false, false) => format!("{} ({})", a.issuer, a.name),
                (false, true) => a.issuer.clone(),
                _ => a.name.clone(),
            };
            (a.id.to_string(), label)
        })
        .collect()
}

/// Updates the tray's pinned accounts (the tray is rebuilt only when they changed).
pub fn show_pinned<R: Runtime>(app: &AppHandle<R>, now: Vec<(String, String)>) {
    let changed = PINNED
        .lock()
        .map(|mut p| {
            let changed = *p != now;
            *p = now;
            changed
        })
        .unwrap_or(false);
    if changed {
        crate::desktop::refresh_tray(app);
    }
}

/// The tray's item for a pinned account was clicked: its current code to the clipboard.
pub fn copy_pinned<R: Runtime>(app: &AppHandle<R>, id: &str) {
    let Some(session) = app.try_state::<AppSession>() else {
        return;
    };
    if let Err(e) =
        crate::commands::manage::copy(&session, AccountId::from_string(id.to_owned()), false)
    {
        eprintln!(
            "twofold-desktop: the tray could not copy the code: {}",
            e.message
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tray_lists_only_pinned_accounts_each_by_what_it_has() {
        use twofold_core::account::{Account, AccountDraft};
        use twofold_core::otp::{Algorithm, Method, OtpParams};
        use twofold_core::secret::Secret;
        let make = |id: &str, issuer: &str, name: &str, pinned: bool| {
            let draft = AccountDraft {
                issuer: issuer.into(),
                name: name.into(),
                secret: Secret::from_slice(b"12345678901234567890"),
                params: OtpParams::new(Method::Totp { period: 30 }, Algorithm::Sha1, 6).unwrap(),
                extra: Vec::new(),
            };
            let mut a = Account::from_draft(draft, AccountId::from_string(id.into()), 0);
            a.pinned = pinned;
            a
        };
        let accounts = [
            make("a", "GitHub", "octocat", true),
            make("b", "Google", "alice", false),
            make("c", "Bank", "", true),
            make("d", "", "bob@example.com", true),
        ];
        assert_eq!(
            pinned_of(&accounts),
            [
                ("a".to_owned(), "GitHub (octocat)".to_owned()),
                ("c".to_owned(), "Bank".to_owned()),
                ("d".to_owned(), "bob@example.com".to_owned()),
            ]
        );
    }

    #[test]
    fn shortcuts_parse_with_a_modifier_and_say_why_not() {
        assert!(parse("Ctrl+Alt+K").is_ok());
        assert!(parse("super+shift+2").is_ok());
        assert!(
            parse("K")
                .unwrap_err()
                .contains("Ctrl, Alt, Shift or Super")
        );
        assert!(parse("Ctrl+Nope").unwrap_err().contains("Not a shortcut"));
    }
}
