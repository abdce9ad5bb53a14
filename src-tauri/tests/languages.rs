//! Rust's own words reach the window in the language the user chose: the field problems core
//! finds and those the shell finds, in German and French, through the real commands (a process
//! of its own: the language is the whole app's).

use serde_json::{Value, json};

mod common;
use common::App;

/// Each field an `invalid_fields` error names, with its words.
fn problems(error: &Value) -> Vec<(String, String)> {
    assert_eq!(error["code"], "invalid_fields", "{error}");
    error["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn settings(language: &str, auto_lock: u32) -> Value {
    json!({"settings": {"auto_lock_minutes": auto_lock, "clipboard_clear_seconds": 30, "sort": "name", "close_to_tray": true, "start_at_login": false, "unlock_to_approve": false, "language": language, "global_shortcut": null}})
}

#[test]
fn field_problems_come_in_the_chosen_language() {
    let app = App::new();
    app.call("set_settings", settings("de", 5)).unwrap();

    // Core's problems with a typed account, each translated with its values.
    let bad = json!({"entry": {"issuer": "", "name": "", "secret": "0000", "kind": "totp", "algorithm": "MD5", "digits": "12", "period": "30", "counter": ""}});
    let err = app.call("add_manual", bad).unwrap_err();
    assert_eq!(
        problems(&err),
        [
            (
                "issuer".into(),
                "Geben Sie dem Konto einen Anbieter oder einen Namen.".into()
            ),
            (
                "secret".into(),
                "„0“ an Stelle 1 ist kein Base32-Zeichen (A–Z, 2–7).".into()
            ),
            (
                "algorithm".into(),
                "„MD5“ ist weder SHA1 noch SHA256 noch SHA512.".into()
            ),
        ]
    );

    // The shell's own.
    let err = app
        .call("set_settings", settings("de", 100_000))
        .unwrap_err();
    assert_eq!(
        problems(&err),
        [(
            "auto_lock_minutes".into(),
            "Höchstens 1440 Minuten (0 schaltet es aus).".into()
        )]
    );

    // Another language, chosen in the settings, applies at once.
    app.call("set_settings", settings("fr", 5)).unwrap();
    let err = app
        .call("set_settings", settings("fr", 100_000))
        .unwrap_err();
    assert_eq!(
        problems(&err)[0].1,
        "1440 minutes au plus (0 le désactive)."
    );
}
