//! The Twofold desktop app: Tauri wiring (state, commands, window) over `twofold-core`. Commands
//! live in `commands/`; this file only assembles them.

pub mod backups;
pub mod clipboard;
pub mod commands;
pub mod desktop;
pub mod error;
pub mod i18n;
pub mod push;
pub mod quick;
#[cfg(target_os = "linux")]
pub mod screen_lock;
pub mod session;
pub mod settings;
pub mod sync;

use tauri::{Manager, Runtime};
use tauri_plugin_deep_link::DeepLinkExt;
use twofold_core::clock::SystemClock;

pub use session::AppSession;

/// The TypeScript declarations of every type that crosses IPC, as committed in
/// `ui/src/lib/ipc/bindings.ts` (a test fails when they drift; `TWOFOLD_BLESS=1` rewrites them).
pub fn typescript_bindings() -> String {
    use ts_rs::TS;
    let cfg = ts_rs::Config::default();
    let mut out = String::from(
        "// Generated from the Rust types in src-tauri by `typescript_bindings()`. Do not edit.\n\n",
    );
    for decl in [
        error::ErrorCode::decl(&cfg),
        error::FieldProblem::decl(&cfg),
        error::IpcError::decl(&cfg),
        commands::accounts::ManualEntry::decl(&cfg),
        commands::vault::VaultState::decl(&cfg),
        commands::vault::VaultStatus::decl(&cfg),
        commands::vault::KeychainState::decl(&cfg),
        commands::accounts::OtpKind::decl(&cfg),
        commands::vault::KeychainHealth::decl(&cfg),
        commands::accounts::CodeView::decl(&cfg),
        commands::scan::PreviewItem::decl(&cfg),
        commands::scan::Preview::decl(&cfg),
        commands::manage::AccountEdit::decl(&cfg),
        settings::SortOrder::decl(&cfg),
        settings::Settings::decl(&cfg),
        commands::scan::EnrollmentOffer::decl(&cfg),
        commands::transfer::ImportStep::decl(&cfg),
        commands::transfer::ExportChoice::decl(&cfg),
        commands::transfer::ExportDone::decl(&cfg),
        commands::transfer::QrExport::decl(&cfg),
        commands::recovery::RecoveryKeyOffer::decl(&cfg),
        commands::recovery::BackupOffer::decl(&cfg),
        commands::backup::BackupDone::decl(&cfg),
        commands::backup::BackupView::decl(&cfg),
        commands::clock::ClockView::decl(&cfg),
        sync::SyncState::decl(&cfg),
        commands::sync::SyncView::decl(&cfg),
        commands::sync::SyncDeviceView::decl(&cfg),
        commands::sync::SyncLinkView::decl(&cfg),
        commands::push::DetailRow::decl(&cfg),
        commands::push::ApprovalView::decl(&cfg),
        commands::push::PushDeviceView::decl(&cfg),
        commands::push::AnswerView::decl(&cfg),
        twofold_push::protocol::RequestStatus::decl(&cfg),
        twofold_push::protocol::DenyReason::decl(&cfg),
        twofold_push::protocol::Decision::decl(&cfg),
    ] {
        out.push_str("export ");
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    out
}

/// Registers every command (shared by the real app and the tests).
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::vault::vault_status,
        commands::vault::create_vault,
        commands::vault::unlock,
        commands::vault::lock,
        commands::vault::check_keychain,
        commands::vault::protect_with_passphrase,
        commands::vault::ui_ready,
        commands::recovery::new_recovery_key,
        commands::recovery::confirm_recovery_key,
        commands::recovery::recover_vault,
        commands::recovery::stage_backup,
        commands::recovery::restore_backup,
        commands::backup::backup_status,
        commands::backup::backup_now,
        commands::backup::set_backup_folder,
        commands::backup::set_backup_passphrase,
        commands::clock::check_clock,
        commands::clock::set_clock_ntp,
        desktop::page_shown,
        quick::hide_window,
        commands::accounts::list_codes,
        commands::scan::preview_link,
        commands::scan::scan_image,
        commands::scan::scan_file,
        commands::scan::scan_clipboard,
        commands::scan::scan_screen,
        commands::scan::confirm_add,
        commands::scan::cancel_add,
        commands::scan::preview_opened_links,
        commands::transfer::open_file,
        commands::transfer::open_file_bytes,
        commands::transfer::import_password,
        commands::transfer::export_formats,
        commands::transfer::export_accounts,
        commands::transfer::export_google_qr,
        commands::manage::copy_code,
        commands::manage::update_account,
        commands::manage::move_account,
        commands::manage::delete_account,
        commands::manage::undo_delete,
        commands::manage::export_qr,
        commands::manage::get_settings,
        commands::manage::set_settings,
        commands::accounts::add_manual,
        commands::accounts::next_hotp,
        commands::push::push_pending,
        commands::push::push_answer,
        commands::push::push_devices,
        commands::push::push_remove,
        commands::push::confirm_enroll,
        commands::sync::sync_status,
        commands::sync::sync_join,
        commands::sync::sync_link,
        commands::sync::sync_devices,
        commands::sync::sync_remove,
        commands::sync::sync_leave,
        commands::sync::sync_now,
    ])
}

/// Runs the app; the vault is the CLI's (`<data dir>/dev.twofold.app/vault.tfv`) unless
/// `TWOFOLD_VAULT` names another. One instance runs at a time: a second launch (say, an
/// `otpauth://` link opened in the browser) shows the first and hands it the link.
pub fn run() {
    commands::vault::report("at main");
    let app = with_commands(tauri::Builder::default())
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            if argv.iter().any(|a| a == quick::QUICK_ARG) {
                quick::quick(app);
            } else {
                desktop::show_main(app);
            }
            desktop::open_links(app, desktop::links_in(&argv));
        }))
        .plugin(tauri_plugin_global_shortcut::Builder::new().build())
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![desktop::BACKGROUND_ARG]),
        ))
        .setup(|app| {
            commands::vault::report("at setup");
            let path = match std::env::var_os("TWOFOLD_VAULT") {
                Some(p) => p.into(),
                // The CLI's vault, in a directory private to the user.
                None => twofold_core::vault::default_location()?,
            };
            // The app's one clock.
            app.manage(AppSession::new(path, SystemClock::shared()));
            app.manage(push::PushState::default());
            // Push approval: a listener per enrolled device, from the start.
            push::start_all(app.handle());
            // Automatic backups: after changes settle, and daily.
            backups::start(app.handle());
            sync::start(app.handle());
            let handle = app.handle().clone();
            std::thread::spawn(move || handle.state::<AppSession>().open_at_launch());
            let handle = app.handle().clone();
            app.deep_link().on_open_url(move |event| {
                let urls: Vec<String> = event.urls().iter().map(ToString::to_string).collect();
                desktop::open_links(&handle, desktop::links_in(&urls));
            });
            #[cfg(target_os = "linux")]
            tauri::async_runtime::spawn(screen_lock::watch(app.handle().clone()));
            let args: Vec<String> = std::env::args().skip(1).collect();
            // Started with the session: stay in the tray until a login request or the user.
            if args.iter().any(|a| a == desktop::BACKGROUND_ARG)
                && let Some(window) = app.get_webview_window("main")
            {
                let _ = window.hide();
            }
            desktop::open_links(app.handle(), desktop::links_in(&args));
            // The settings' language (or the system's) for what Rust shows, and the user's global
            // shortcut, if any (a refusal is said in the settings on save).
            let settings = app
                .state::<AppSession>()
                .settings
                .lock()
                .map(|s| s.clone())
                .unwrap_or_default();
            i18n::set_language(settings.language.as_deref());
            if let Err(why) = quick::set_shortcut(app.handle(), settings.global_shortcut.as_deref())
            {
                eprintln!("twofold-desktop: no global shortcut: {why}");
            }
            if args.iter().any(|a| a == quick::QUICK_ARG) {
                quick::quick(app.handle());
            }
            commands::vault::report("at setup done");
            Ok(())
        })
        .on_page_load(|_, p| commands::vault::report(&format!("at page load {:?}", p.event())))
        .on_window_event(desktop::on_window_event)
        .run(tauri::generate_context!());
    if let Err(e) = app {
        // Launched while the previous instance was quitting: it still held the single-instance
        // name but could no longer take our arguments. Start again (once) after it is gone,
        // rather than leaving the user with nothing on the screen.
        #[cfg(unix)]
        if e.to_string()
            .contains("failed to forward arguments to the running instance")
            && std::env::var_os(RELAUNCHED).is_none()
        {
            use std::os::unix::process::CommandExt;
            std::thread::sleep(std::time::Duration::from_millis(500));
            if let Ok(me) = std::env::current_exe() {
                let failed = std::process::Command::new(me)
                    .args(std::env::args_os().skip(1))
                    .env(RELAUNCHED, "1")
                    .exec();
                eprintln!("twofold-desktop: error: relaunching: {failed}");
            }
        }
        eprintln!("twofold-desktop: error: {e}");
        std::process::exit(1);
    }
}

/// Set on the one relaunch after the previous instance quit under us (see [`run`]).
const RELAUNCHED: &str = "TWOFOLD_RELAUNCHED";
