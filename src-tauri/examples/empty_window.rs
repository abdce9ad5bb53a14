//! The floor of the desktop benchmark: an empty Tauri window, built like the app (same crate,
//! same profile), whose page reports its first paint through the same `ui_ready` command, and
//! which reports the same start-up steps (`main`, `setup`) so the two can be compared.

use twofold_desktop::commands::vault::report;

fn main() {
    report("at main");
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![
            twofold_desktop::commands::vault::ui_ready
        ])
        .on_page_load(|_, p| report(&format!("at page load {:?}", p.event())))
        .setup(|_| {
            report("at setup");
            Ok(())
        })
        .run(tauri::generate_context!("bench/empty/tauri.conf.json"))
        .expect("the empty window runs");
}
