//! The Twofold desktop app: Tauri wiring (state, commands, window) over `twofold-core`. Commands
//! live in `commands/`; this file only assembles them.

pub mod commands;
pub mod error;
pub mod session;

use tauri::{Manager, Runtime};

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
        commands::vault::VaultStatus::decl(&cfg),
        commands::accounts::CodeView::decl(&cfg),
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
        commands::accounts::list_codes,
        commands::accounts::add_uri,
        commands::accounts::add_manual,
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
