//! Desktop integration: the tray (show, lock, quit, waiting approval requests, a failing
//! backup, the pinned accounts to copy), closing to the
//! tray, and links handed over by the browser or by a second launch, queued in Rust until the
//! vault is open and previewed there, every one in order.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tauri::menu::{IsMenuItem, Menu, MenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Emitter, Manager, Runtime, WindowEvent};

use twofold_core::scan;

use crate::i18n::{tr, tr1, trn};
use crate::session::AppSession;

/// The tray menu id of a pinned account's copy item: this prefix and the account's id.
const COPY_PREFIX: &str = "copy:";

/// Event sent to the page when links arrive; it then calls `preview_opened_links`.
pub const LINKS_EVENT: &str = "twofold://links";
/// Event sent to the page when the vault was locked from outside it (the tray).
pub const LOCKED_EVENT: &str = "twofold://locked";

/// The links Twofold reads (`otpauth://`, `otpauth-migration://`, `twofold://`) among a
/// launch's arguments, in order.
pub fn links_in<S: AsRef<str>>(args: &[S]) -> Vec<String> {
    args.iter()
        .map(|a| a.as_ref().trim())
        .filter(|a| scan::link_scheme(a).is_some())
        .map(str::to_owned)
        .collect()
}

/// Queues links for the page and tells it.
pub fn open_links<R: Runtime>(app: &AppHandle<R>, links: Vec<String>) {
    if links.is_empty() {
        return;
    }
    if let Some(session) = app.try_state::<AppSession>()
        && let Ok(mut queue) = session.opened_links.lock()
    {
        queue.extend(links);
    }
    show_main(app);
    let _ = app.emit(LINKS_EVENT, ());
}

/// Brings the main window to the front.
pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Locks the vault from outside the page (tray, screen lock) and tells it.
pub fn lock<R: Runtime>(app: &AppHandle<R>) {
    if let Some(session) = app.try_state::<AppSession>() {
        session.lock_now();
    }
    crate::quick::show_pinned(app, Vec::new());
    let _ = app.emit(LOCKED_EVENT, ());
}

/// The tray icon and its menu. Where the desktop has no tray, this still succeeds and the window
/// simply is not hidden on close (see [`on_window_event`]).
pub fn tray<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let mut builder = TrayIconBuilder::with_id("main")
        .tooltip(tray_tooltip())
        .menu(&tray_menu(app)?)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "show" | "approvals" | "backups" => show_main(app),
            "lock" => lock(app),
            "quit" => app.exit(0),
            id => {
                if let Some(account) = id.strip_prefix(COPY_PREFIX) {
                    crate::quick::copy_pinned(app, account);
                }
            }
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show_main(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    Ok(())
}

/// Login requests waiting for an answer, as the tray shows them.
static WAITING: AtomicUsize = AtomicUsize::new(0);
/// The last automatic backup failed.
static BACKUP_FAILING: AtomicBool = AtomicBool::new(false);

/// "N logins waiting for approval", when any are.
fn waiting_label() -> Option<String> {
    match WAITING.load(Ordering::SeqCst) {
        0 => None,
        n => Some(tr1("tray-waiting", "count", n)),
    }
}

/// The tray's tooltip: what needs the user first.
fn tray_tooltip() -> String {
    let backups = BACKUP_FAILING
        .load(Ordering::SeqCst)
        .then(|| tr("tray-backups-failing", None));
    let status = match (waiting_label(), backups) {
        (Some(first), Some(second)) => Some(trn(
            "tray-status-join",
            [("first", first.into()), ("second", second.into())],
        )),
        (one, other) => one.or(other),
    };
    match status {
        Some(status) => tr1("tray-tooltip-status", "status", status),
        None => tr("app-name", None),
    }
}

/// The tray menu: waiting approval requests and a failing backup first, then the pinned
/// accounts (a click copies the current code), then the usual items.
fn tray_menu<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<Menu<R>> {
    let mut entries: Vec<(String, String)> = Vec::new();
    if let Some(label) = waiting_label() {
        entries.push(("approvals".into(), label));
    }
    if BACKUP_FAILING.load(Ordering::SeqCst) {
        entries.push(("backups".into(), tr("tray-backups-item", None)));
    }
    for (id, label) in crate::quick::pinned() {
        entries.push((format!("{COPY_PREFIX}{id}"), tr1("tray-copy", "who", label)));
    }
    for (id, message) in [
        ("show", "tray-show"),
        ("lock", "tray-lock"),
        ("quit", "tray-quit"),
    ] {
        entries.push((id.into(), tr(message, None)));
    }
    let items = entries
        .into_iter()
        .map(|(id, label)| MenuItem::with_id(app, id, label, true, None::<&str>))
        .collect::<tauri::Result<Vec<_>>>()?;
    let refs: Vec<&dyn IsMenuItem<R>> = items.iter().map(|i| i as &dyn IsMenuItem<R>).collect();
    Menu::with_items(app, &refs)
}

/// Rebuilds the tray's tooltip and menu from what is waiting, in the language in use.
pub fn refresh_tray<R: Runtime>(app: &AppHandle<R>) {
    let handle = app.clone();
    let _ = app.run_on_main_thread(move || {
        if let Some(tray) = handle.tray_by_id("main") {
            let _ = tray.set_tooltip(Some(tray_tooltip()));
            if let Ok(menu) = tray_menu(&handle) {
                let _ = tray.set_menu(Some(menu));
            }
        }
    });
}

/// Shows the number of waiting approval requests in the tray (tooltip and menu).
pub fn show_waiting<R: Runtime>(app: &AppHandle<R>, waiting: usize) {
    WAITING.store(waiting, Ordering::SeqCst);
    refresh_tray(app);
}

/// Shows in the tray whether automatic backups are failing (until one succeeds).
pub fn show_backup_problem<R: Runtime>(app: &AppHandle<R>, failing: bool) {
    if BACKUP_FAILING.swap(failing, Ordering::SeqCst) != failing {
        refresh_tray(app);
    }
}

/// The argument the session's autostart entry passes: start without showing the window.
pub const BACKGROUND_ARG: &str = "--background";

/// Adds or removes the session autostart entry (where the autostart plugin runs).
pub fn start_at_login<R: Runtime>(
    app: &AppHandle<R>,
    on: bool,
) -> Result<(), crate::error::IpcError> {
    let Some(manager) = app.try_state::<tauri_plugin_autostart::AutoLaunchManager>() else {
        return Ok(());
    };
    let failed = |e: tauri_plugin_autostart::Error| {
        crate::error::IpcError::new(
            crate::error::ErrorCode::Io,
            format!("starting with the session could not be changed: {e}"),
        )
    };
    let enabled = manager.is_enabled().unwrap_or(false);
    match (on, enabled) {
        (true, false) => manager.enable().map_err(failed),
        (false, true) => manager.disable().map_err(failed),
        _ => Ok(()),
    }
}

/// The page has shown its first screen: now the tray icon is made (off the start-up path, where
/// it would delay the first codes).
#[tauri::command]
pub fn page_shown<R: Runtime>(app: AppHandle<R>) {
    static TRAY: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    if TRAY.set(()).is_ok() {
        let handle = app.clone();
        let _ = app.run_on_main_thread(move || {
            if let Err(e) = tray(&handle) {
                eprintln!("twofold-desktop: no tray icon: {e}");
            }
        });
    }
}

/// Closing the window hides it to the tray when the user wants that; the tray's Quit quits.
pub fn on_window_event<R: Runtime>(window: &tauri::Window<R>, event: &WindowEvent) {
    if let WindowEvent::CloseRequested { api, .. } = event {
        let to_tray = window
            .try_state::<AppSession>()
            .and_then(|s| s.settings.lock().ok().map(|s| s.close_to_tray))
            .unwrap_or(false);
        if to_tray {
            api.prevent_close();
            let _ = window.hide();
        }
    }
}
