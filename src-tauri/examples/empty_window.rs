//! The floor of the desktop benchmark: an empty Tauri window, built like the app (same crate,
//! same profile), whose page reports its first paint through the same `ui_ready` command.

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![
            twofold_desktop::commands::vault::ui_ready
        ])
        .run(tauri::generate_context!("bench/empty/tauri.conf.json"))
        .expect("the empty window runs");
}
