//! The Twofold desktop app: Tauri wiring (state, commands, window) over `twofold-core`. Commands
//! live in `commands/`; this file only assembles them.

pub mod commands;
pub mod error;
pub mod session;

use tauri::{Manager, Runtime};

pub use session::AppSession;

/// Registers every command (shared by the real app and the tests).
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::vault::vault_status,
        commands::vault::create_vault,
        commands::vault::unlock,
        commands::vault::lock,
        commands::accounts::list_codes,
        commands::accounts::add_uri,
        commands::accounts::next_hotp,
    ])
}

/// Runs the app; the vault is the CLI's (`<data dir>/dev.twofold.app/vault.tfv`) unless
/// `TWOFOLD_VAULT` names another.
pub fn run() {
    let app = with_commands(tauri::Builder::default())
        .setup(|app| {
            let path = match std::env::var_os("TWOFOLD_VAULT") {
                Some(p) => p.into(),
                None => app.path().app_data_dir()?.join("vault.tfv"),
            };
            app.manage(AppSession::new(path));
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = app {
        eprintln!("twofold-desktop: error: {e}");
        std::process::exit(1);
    }
}
