//! The IPC commands through Tauri's mock runtime (no display, no D-Bus): first run, adding by
//! link or image through the preview, codes equal to independently known answers and no seed in any reply, lock and unlock
//! with a passphrase, HOTP, and the `{code, message}` errors.

use serde_json::{Value, json};
use tauri::ipc::InvokeBody;
use twofold_core::keychain::UnreachableKeyStore;

mod common;
use common::App;

/// Unix seconds now, on the system clock.
/// The fields an `invalid_fields` error names, in order.
fn fields_of(error: &Value) -> Vec<&str> {
    error["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect()
}

fn now() -> u64 {
    twofold_core::clock::Clock::unix_seconds(&twofold_core::clock::SystemClock)
}

#[test]
fn first_run_add_codes_lock_unlock() {
    let app = App::new();
    assert_eq!(
        app.call("vault_status", json!({})).unwrap()["state"],
        "missing"
    );
    // Without a keychain a vault needs a passphrase: a clear error, not a plaintext fallback.
    let err = app
        .call("create_vault", json!({"passphrase": null}))
        .unwrap_err();
    assert_eq!(err["code"], "no_keychain", "{err}");
    let status = app
        .call("create_vault", json!({"passphrase": "correct horse"}))
        .unwrap();
    assert_eq!(
        (
            status["state"].as_str(),
            status["needs_passphrase"].as_bool()
        ),
        (Some("unlocked"), Some(true))
    );

    let uri = "otpauth://totp/RFC:sha1?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8";
    let preview = app.call("preview_link", json!({ "text": uri })).unwrap();
    assert_eq!(
        preview["items"][0],
        json!({"index": 0, "issuer": "RFC", "name": "sha1", "kind": "totp", "algorithm": "SHA1",
               "digits": 8, "period": 30, "duplicate_of": null, "tags": []})
    );
    assert_eq!(app.confirm_all(&preview).unwrap().len(), 1);
    // The same account again: the preview names the existing one, and confirming adds nothing.
    let again = app.call("preview_link", json!({ "text": uri })).unwrap();
    assert_eq!(again["items"][0]["duplicate_of"], "RFC (sha1)");
    assert_eq!(app.confirm_all(&again).unwrap(), Vec::<String>::new());
    let gone = app
        .call("confirm_add", json!({"id": again["id"], "indexes": [0]}))
        .unwrap_err();
    assert_eq!(gone["code"], "not_found", "a preview is confirmed once");
    let bad = app
        .call(
            "preview_link",
            json!({"text": "otpauth://totp/x?secret=0000"}),
        )
        .unwrap_err();
    assert_eq!(bad["code"], "invalid_uri");
    assert!(
        bad["message"].as_str().unwrap().starts_with("secret:"),
        "{bad}"
    );

    let t = now();
    let codes = app.call("list_codes", json!({})).unwrap();
    let c = &codes[0];
    let want = twofold_core::otp::OtpParams::new(
        twofold_core::Method::Totp { period: 30 },
        twofold_core::Algorithm::Sha1,
        8,
    )
    .unwrap()
    .code_at(b"12345678901234567890", t)
    .to_string();
    // The code may roll over between the two clocks; accept the next step only then.
    assert!(
        c["code"] == want.as_str() || c["seconds_left"] == 30,
        "{c} vs {want}"
    );
    let text = codes.to_string();
    assert!(
        !text.contains("GEZDGNBV") && !text.contains("secret"),
        "a seed crossed IPC: {text}"
    );

    app.call("lock", json!({})).unwrap();
    assert_eq!(
        app.call("list_codes", json!({})).unwrap_err()["code"],
        "locked"
    );
    assert_eq!(
        app.call("unlock", json!({"passphrase": "wrong"}))
            .unwrap_err()["code"],
        "wrong_passphrase"
    );
    assert_eq!(
        app.call("unlock", json!({"passphrase": null})).unwrap_err()["code"],
        "passphrase_required"
    );
    assert_eq!(
        app.call("unlock", json!({"passphrase": "correct horse"}))
            .unwrap()["state"],
        "unlocked"
    );
    assert_eq!(
        app.call("list_codes", json!({}))
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn hotp_next_code_advances_the_counter() {
    let app = App::new();
    app.call("create_vault", json!({"passphrase": "p"}))
        .unwrap();
    let ids = app
        .add_link("otpauth://hotp/Y:c?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0")
        .unwrap();
    let id = ids[0].clone();
    let codes: Vec<Value> = (0..3)
        .map(|_| app.call("next_hotp", json!({"id": id})).unwrap()["code"].clone())
        .collect();
    assert_eq!(codes, ["755224", "287082", "359152"]); // RFC 4226
    assert_eq!(
        app.call("next_hotp", json!({"id": "nope"})).unwrap_err()["code"],
        "not_found"
    );
}

#[test]
fn a_google_export_adds_every_account() {
    let app = App::new();
    app.call("create_vault", json!({"passphrase": "p"}))
        .unwrap();
    let export = "otpauth-migration://offline?data=CjYKEExyJfPiZeroMa/MdF%2BnkTISE2pvaG5kb2VAZXhhbXBsZS5jb20aB0Rpc2NvcmQgASgBMAIQARgBIAA%3D";
    app.add_link(export).unwrap();
    let codes = app.call("list_codes", json!({})).unwrap();
    assert_eq!(
        (codes[0]["issuer"].as_str(), codes[0]["name"].as_str()),
        (Some("Discord"), Some("johndoe@example.com"))
    );
}

#[test]
fn an_image_sent_as_bytes_or_by_path_goes_through_the_preview() {
    let app = App::new();
    app.call("create_vault", json!({"passphrase": "p"}))
        .unwrap();
    let uri = "otpauth://totp/Acme:alice?secret=JBSWY3DPEHPK3PXP&issuer=Acme";
    let png = twofold_core::qr::encode_png(uri, 6).unwrap();
    let preview = app.invoke("scan_image", InvokeBody::Raw(png)).unwrap();
    assert_eq!(preview["source"], "image");
    assert_eq!(
        (
            preview["items"][0]["issuer"].as_str(),
            preview["items"][0]["name"].as_str()
        ),
        (Some("Acme"), Some("alice"))
    );
    assert!(
        !preview.to_string().contains("JBSWY3DP"),
        "a seed crossed IPC: {preview}"
    );
    // Nothing is saved before the user confirms.
    assert_eq!(app.call("list_codes", json!({})).unwrap(), json!([]));
    app.call("cancel_add", json!({})).unwrap();
    assert_eq!(
        app.call("confirm_add", json!({"id": preview["id"], "indexes": [0]}))
            .unwrap_err()["code"],
        "not_found"
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("code.png");
    std::fs::write(&file, twofold_core::qr::encode_png(uri, 4).unwrap()).unwrap();
    let preview = app
        .call("scan_file", json!({"path": file.to_str().unwrap()}))
        .unwrap();
    assert_eq!(app.confirm_all(&preview).unwrap().len(), 1);
    assert_eq!(
        app.call("list_codes", json!({})).unwrap()[0]["issuer"],
        "Acme"
    );

    let missing = app
        .call("scan_file", json!({"path": "/nonexistent/code.png"}))
        .unwrap_err();
    assert_eq!(missing["code"], "no_code");
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .starts_with("/nonexistent/code.png:"),
        "{missing}"
    );
    let not_image = app
        .invoke("scan_image", InvokeBody::Raw(b"hello".to_vec()))
        .unwrap_err();
    assert_eq!(not_image["code"], "no_code");
    let blank = app
        .invoke(
            "scan_image",
            InvokeBody::Raw(twofold_core::qr::encode_png("https://example.com", 4).unwrap()),
        )
        .unwrap_err();
    assert_eq!(blank["code"], "invalid_uri", "{blank}");
}

#[test]
fn edit_move_delete_undo_and_export() {
    let app = App::new();
    app.call("create_vault", json!({"passphrase": "p"}))
        .unwrap();
    let a = app
        .add_link("otpauth://totp/Acme:alice?secret=JBSWY3DPEHPK3PXP&issuer=Acme")
        .unwrap()
        .remove(0);
    let b = app
        .add_link("otpauth://totp/Bank:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Bank")
        .unwrap()
        .remove(0);
    let order = |app: &App| -> Vec<String> {
        app.call("list_codes", json!({}))
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["issuer"].as_str().unwrap().to_owned())
            .collect()
    };

    // Every problem at once, by field.
    let bad = app
        .call(
            "update_account",
            json!({"id": a, "edit": {"issuer": " ", "name": "", "tags": ["x".repeat(41)], "color": "blue", "pinned": false}}),
        )
        .unwrap_err();
    assert_eq!(bad["code"], "invalid_fields");
    let fields = fields_of(&bad);
    // One rule set for labels (twofold_core::account::Labels): "issuer or name needed" is
    // reported on the issuer, the first of the two, as in manual entry.
    assert_eq!(fields, ["issuer", "tags", "color"], "{bad}");
    let view = app
        .call(
            "update_account",
            json!({"id": a, "edit": {"issuer": " Acme Corp ", "name": "alice", "tags": ["work", " Work ", ""], "color": "#3A7BD5", "pinned": true}}),
        )
        .unwrap();
    assert_eq!(
        (
            &view["issuer"],
            &view["tags"],
            &view["color"],
            &view["pinned"]
        ),
        (
            &json!("Acme Corp"),
            &json!(["work"]),
            &json!("#3a7bd5"),
            &json!(true)
        )
    );

    app.call("move_account", json!({"id": b, "index": 0}))
        .unwrap();
    assert_eq!(order(&app), ["Bank", "Acme Corp"]);

    // Delete, then undo: back in its place.
    app.call("delete_account", json!({"id": b})).unwrap();
    assert_eq!(order(&app), ["Acme Corp"]);
    assert_eq!(app.call("undo_delete", json!({})).unwrap(), json!(b));
    assert_eq!(order(&app), ["Bank", "Acme Corp"]);
    assert_eq!(
        app.call("undo_delete", json!({})).unwrap_err()["code"],
        "not_found"
    );
    // Locking forgets what could be undone.
    app.call("delete_account", json!({"id": b})).unwrap();
    app.call("lock", json!({})).unwrap();
    app.call("unlock", json!({"passphrase": "p"})).unwrap();
    assert_eq!(
        app.call("undo_delete", json!({})).unwrap_err()["code"],
        "not_found"
    );

    // The explicit export: the account's URI as an SVG QR code.
    let svg = app.call("export_qr", json!({"id": a})).unwrap();
    let uri = "otpauth://totp/Acme%20Corp:alice?secret=JBSWY3DPEHPK3PXP&issuer=Acme%20Corp&algorithm=SHA1&digits=6&period=30";
    assert_eq!(
        svg.as_str().unwrap(),
        twofold_core::qr::encode_svg(uri).unwrap(),
        "the export encodes the account as an otpauth link"
    );
    assert_eq!(
        app.call("export_qr", json!({"id": "nope"})).unwrap_err()["code"],
        "not_found"
    );
}

#[test]
fn settings_are_checked_and_kept_beside_the_vault() {
    let app = App::new();
    let defaults = app.call("get_settings", json!({})).unwrap();
    assert_eq!(
        defaults,
        json!({"auto_lock_minutes": 5, "clipboard_clear_seconds": 30, "sort": "name", "close_to_tray": true, "start_at_login": false, "unlock_to_approve": false, "language": null, "global_shortcut": null})
    );
    let bad = app
        .call(
            "set_settings",
            json!({"settings": {"auto_lock_minutes": 100000, "clipboard_clear_seconds": 5000, "sort": "name", "close_to_tray": true, "language": "xx", "global_shortcut": "K"}}),
        )
        .unwrap_err();
    let fields = fields_of(&bad);
    assert_eq!(
        fields,
        [
            "auto_lock_minutes",
            "clipboard_clear_seconds",
            "language",
            "global_shortcut"
        ],
        "{bad}"
    );
    let wanted = json!({"auto_lock_minutes": 0, "clipboard_clear_seconds": 10, "sort": "recent", "close_to_tray": false, "start_at_login": false, "unlock_to_approve": true, "language": "de", "global_shortcut": null});
    assert_eq!(
        app.call("set_settings", json!({ "settings": wanted }))
            .unwrap(),
        wanted
    );
    let file = app._dir.path().join("settings.json");
    let saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved, wanted);
    // A damaged file means the defaults, and is left alone until the user saves.
    std::fs::write(&file, b"{not json").unwrap();
    assert_eq!(
        twofold_desktop::settings::Settings::load(&file),
        twofold_desktop::settings::Settings::default()
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"{not json");
}

#[test]
fn links_are_found_among_launch_arguments() {
    let args = [
        "--flag",
        " otpauth://totp/x?secret=AAAA ",
        "OTPAUTH-MIGRATION://offline?data=x",
        "https://example.com",
        "otpauth",
    ];
    assert_eq!(
        twofold_desktop::desktop::links_in(&args),
        [
            "otpauth://totp/x?secret=AAAA",
            "OTPAUTH-MIGRATION://offline?data=x"
        ]
    );
}

#[test]
fn every_opened_link_is_previewed_in_rust_in_order_once_the_vault_is_open() {
    let app = App::new();
    let handle = tauri::Manager::app_handle(&app.window).clone();
    twofold_desktop::desktop::open_links(
        &handle,
        twofold_desktop::desktop::links_in(&[
            "otpauth://totp/A:a?secret=AAAAAAAA",
            "otpauth://totp/broken?secret=",
        ]),
    );
    // A second launch hands over more before the vault is open: queued behind the first.
    twofold_desktop::desktop::open_links(
        &handle,
        vec!["otpauth://totp/B:b?secret=BBBBBBBB".to_owned()],
    );
    // No vault open yet: they wait.
    assert_eq!(
        app.call("preview_opened_links", json!({})).unwrap_err()["code"],
        "locked"
    );
    app.call("create_vault", json!({"passphrase": "p"}))
        .unwrap();
    let preview = app.call("preview_opened_links", json!({})).unwrap();
    let issuers: Vec<&str> = preview["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["issuer"].as_str().unwrap())
        .collect();
    assert_eq!(issuers, ["A", "B"], "{preview}");
    assert_eq!(
        preview["problems"].as_array().unwrap().len(),
        1,
        "{preview}"
    );
    assert_eq!(app.confirm_all(&preview).unwrap().len(), 2);
    // Each link is handled once.
    assert!(
        app.call("preview_opened_links", json!({}))
            .unwrap()
            .is_null()
    );
}

#[test]
fn a_vault_rekeyed_by_another_program_locks_the_app() {
    let app = App::new();
    app.call("create_vault", json!({"passphrase": "old"}))
        .unwrap();
    // The CLI changes the passphrase while the app has the vault open.
    let path = app._dir.path().join("vault.tfv");
    let keys = UnreachableKeyStore::new("no keychain in this test");
    let old = twofold_core::Secret::new(b"old".to_vec());
    let (mut cli, _) = twofold_core::Vault::open(&path, &keys, Some(&old)).unwrap();
    cli.set_passphrase(
        &keys,
        &twofold_core::Secret::new(b"new".to_vec()),
        twofold_core::KdfParams::INSECURE_FAST,
        &mut twofold_core::OsEntropy,
    )
    .unwrap();
    // The app's key no longer opens the file: it says so, and locks instead of showing a
    // vault it can no longer read.
    let err = app.call("list_codes", json!({})).unwrap_err();
    assert_eq!(err["code"], "locked", "{err}");
    assert_eq!(
        app.call("vault_status", json!({})).unwrap()["state"],
        "locked"
    );
    assert_eq!(
        app.call("unlock", json!({"passphrase": "old"}))
            .unwrap_err()["code"],
        "wrong_passphrase"
    );
    app.call("unlock", json!({"passphrase": "new"})).unwrap();
    assert_eq!(app.call("list_codes", json!({})).unwrap(), json!([]));
}

#[test]
fn typescript_bindings_are_current() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/ipc/bindings.ts");
    let generated = twofold_desktop::typescript_bindings();
    if std::env::var_os("TWOFOLD_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        committed, generated,
        "ui/src/lib/ipc/bindings.ts is stale: run `TWOFOLD_BLESS=1 cargo test -p twofold-desktop`"
    );
}

#[test]
fn manual_entry_reports_every_field_and_adds_when_valid() {
    let app = App::new();
    app.call("create_vault", json!({"passphrase": "p"}))
        .unwrap();
    let bad = json!({"entry": {"issuer": "", "name": "", "secret": "0000", "kind": "totp", "algorithm": "SHA1", "digits": "12", "period": "30", "counter": ""}});
    let err = app.call("add_manual", bad).unwrap_err();
    assert_eq!(err["code"], "invalid_fields");
    let fields = fields_of(&err);
    assert_eq!(fields, ["issuer", "secret", "digits"]);
    let good = json!({"entry": {"issuer": "Bank", "name": "me", "secret": "gezd gnbv gy3t qojq gezd gnbv gy3t qojq", "kind": "hotp", "algorithm": "SHA1", "digits": "6", "period": "", "counter": "1"}});
    let id = app.call("add_manual", good).unwrap();
    let next = app.call("next_hotp", json!({"id": id})).unwrap();
    assert_eq!(next["code"], "287082"); // RFC 4226, counter 1
}

#[test]
fn push_commands_say_what_is_wrong() {
    let app = App::new();
    assert_eq!(app.call("push_pending", json!({})).unwrap(), json!([]));
    assert_eq!(app.call("push_devices", json!({})).unwrap(), json!([]));
    let bad = app
        .call(
            "push_answer",
            json!({"uuid": "r1", "decision": "maybe", "number": null}),
        )
        .unwrap_err();
    assert_eq!(bad["code"], "invalid_fields");
    assert!(
        bad["message"]
            .as_str()
            .unwrap()
            .contains("approve, deny or not_me"),
        "{bad}"
    );
    let gone = app
        .call(
            "push_answer",
            json!({"uuid": "r1", "decision": "approve", "number": null}),
        )
        .unwrap_err();
    assert_eq!(gone["code"], "not_found");
    assert!(
        gone["message"]
            .as_str()
            .unwrap()
            .contains("no longer waiting"),
        "{gone}"
    );
    let none = app
        .call("confirm_enroll", json!({"id": 1, "name": null}))
        .unwrap_err();
    assert_eq!(none["code"], "not_found");
    let missing = app.call("push_remove", json!({"uuid": "d1"})).unwrap_err();
    assert_eq!(missing["code"], "not_found");
}

/// Finding 5 of the security review: with "unlock to approve" on, a locked vault refuses an
/// approval (before anything reaches the server) and still lets the user deny.
#[test]
fn unlock_to_approve_refuses_approving_while_locked() {
    let app = App::new();
    app.call("create_vault", json!({"passphrase": "p"}))
        .unwrap();
    let mut settings = app.call("get_settings", json!({})).unwrap();
    settings["unlock_to_approve"] = json!(true);
    app.call("set_settings", json!({ "settings": settings }))
        .unwrap();
    app.call("lock", json!({})).unwrap();
    let answer = |decision: &str| {
        app.call(
            "push_answer",
            json!({"uuid": "r1", "decision": decision, "number": null}),
        )
        .unwrap_err()
    };
    let locked = answer("approve");
    assert_eq!(locked["code"], "locked", "{locked}");
    assert!(
        locked["message"].as_str().unwrap().contains("unlock"),
        "{locked}"
    );
    // Denying is not held back (this request is simply no longer waiting).
    assert_eq!(answer("deny")["code"], "not_found");
    app.call("unlock", json!({"passphrase": "p"})).unwrap();
    assert_eq!(answer("approve")["code"], "not_found");
}

#[test]
fn an_enrollment_link_is_previewed_and_needs_a_keychain() {
    let app = App::new();
    app.call("create_vault", json!({"passphrase": "p"}))
        .unwrap();
    let preview = app
        .call(
            "preview_link",
            json!({"text": "twofold://enroll?server=http%3A%2F%2F127.0.0.1%3A9&id=abc&secret=AAAA&app=Shop"}),
        )
        .unwrap();
    assert_eq!(preview["items"], json!([]));
    assert_eq!(
        preview["enrollment"],
        json!({"server": "http://127.0.0.1:9", "app": "Shop"})
    );
    // This test's keychain is unreachable: refused before the server is asked.
    let err = app
        .call("confirm_enroll", json!({"id": preview["id"], "name": null}))
        .unwrap_err();
    assert_eq!(err["code"], "no_keychain");
    assert!(
        err["message"].as_str().unwrap().contains("OS keychain"),
        "{err}"
    );
    // A broken link names its part.
    let bad = app
        .call(
            "preview_link",
            json!({"text": "twofold://enroll?id=abc&secret=AAAA"}),
        )
        .unwrap_err();
    assert!(
        bad["message"]
            .as_str()
            .unwrap()
            .contains("server: is missing"),
        "{bad}"
    );
}

#[cfg(unix)]
#[test]
fn a_new_vault_directory_is_private_to_the_user() {
    use std::os::unix::fs::PermissionsExt;
    let app = App::with_vault_at("new/dir/vault.tfv");
    app.call("create_vault", json!({"passphrase": "p"}))
        .unwrap();
    let root = app._dir.path();
    for dir in [root.join("new"), root.join("new/dir")] {
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", dir.display());
    }
}

#[test]
fn an_encrypted_export_dropped_on_the_window_asks_its_password_then_previews() {
    let app = App::new();
    app.call("create_vault", json!({"passphrase": "correct horse"}))
        .unwrap();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/twofold-formats/tests/fixtures");
    let path = fixtures.join("aegis/encrypted.json");
    let step = app
        .call("open_file", json!({"path": path.display().to_string()}))
        .unwrap();
    assert_eq!(
        step,
        json!({"step": "password", "app": "Aegis", "format": "Aegis (encrypted JSON)"})
    );
    // A wrong password: said, and the file still waits for the right one.
    let err = app
        .call("import_password", json!({"password": "wrong"}))
        .unwrap_err();
    assert_eq!(err["code"], "wrong_passphrase", "{err}");
    let step = app
        .call(
            "import_password",
            json!({"password": "correct horse battery"}),
        )
        .unwrap();
    assert_eq!(step["step"], "preview");
    let preview = &step["preview"];
    assert_eq!(preview["source"], "file");
    assert_eq!(preview["items"].as_array().unwrap().len(), 5);
    assert_eq!(preview["items"][1]["tags"], json!(["Work", "Personal"]));
    assert_eq!(preview["problems"].as_array().unwrap().len(), 2);
    assert!(
        !preview.to_string().contains("JBSWY3DPEHPK3PXP"),
        "no seed in the preview"
    );
    assert_eq!(app.confirm_all(preview).unwrap().len(), 5);
    // The tags and the pin came with the accounts.
    let codes = app.call("list_codes", json!({})).unwrap();
    let github = codes
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["issuer"] == "GitHub")
        .unwrap();
    assert_eq!(github["tags"], json!(["Work"]));
    assert_eq!(github["pinned"], true);
    // A plain export of another app goes straight to its preview; everything is a duplicate.
    let step = app
        .call(
            "open_file",
            json!({"path": fixtures.join("apps/2fas-plain.2fas").display().to_string()}),
        )
        .unwrap();
    let items = step["preview"]["items"].as_array().unwrap();
    assert!(
        items.iter().all(|i| i["duplicate_of"].is_string()),
        "{items:?}"
    );
    // A file that is neither an export nor an image: a clear error.
    let notes = app._dir.path().join("notes.txt");
    std::fs::write(&notes, "my shopping list").unwrap();
    let err = app
        .call("open_file", json!({"path": notes.display().to_string()}))
        .unwrap_err();
    assert_eq!(err["code"], "no_code", "{err}");
}

#[test]
fn exports_are_new_private_files_and_need_a_password_when_encrypted() {
    let app = App::new();
    app.call("create_vault", json!({"passphrase": "correct horse"}))
        .unwrap();
    app.add_link("otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP&issuer=GitHub")
        .unwrap();
    let formats = app.call("export_formats", json!({})).unwrap();
    assert!(
        formats
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "twofold" && f["encrypted"] == true)
    );
    let err = app
        .call(
            "export_accounts",
            json!({"format": "twofold", "password": null}),
        )
        .unwrap_err();
    assert_eq!(err["code"], "passphrase_required", "{err}");
    let qr = app.call("export_google_qr", json!({})).unwrap();
    assert_eq!(qr["codes"].as_array().unwrap().len(), 1);
    assert!(
        qr["codes"][0].as_str().unwrap().starts_with("<?xml")
            || qr["codes"][0].as_str().unwrap().contains("<svg")
    );
}
