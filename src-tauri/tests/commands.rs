//! The IPC commands through Tauri's mock runtime (no display, no D-Bus): first run, adding by
//! URI, codes equal to independently known answers and no seed in any reply, lock and unlock
//! with a passphrase, HOTP, and the `{code, message}` errors.

use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindowBuilder};
use twofold_core::keychain::UnreachableKeyStore;
use twofold_desktop::AppSession;

struct App {
    window: tauri::WebviewWindow<tauri::test::MockRuntime>,
    _dir: tempfile::TempDir,
}

impl App {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let session = AppSession::with_keystore(
            dir.path().join("vault.tfv"),
            Box::new(UnreachableKeyStore::new("no keychain in this test")),
        );
        let app = twofold_desktop::with_commands(mock_builder())
            .build(mock_context(noop_assets()))
            .unwrap();
        app.manage(session);
        let window = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap();
        Self { window, _dir: dir }
    }

    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        tauri::test::get_ipc_response(&self.window, request)
            .map(|b| b.deserialize::<Value>().unwrap())
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
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
    assert_eq!(
        app.call("add_uri", json!({"uri": uri}))
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let dup = app.call("add_uri", json!({"uri": uri})).unwrap_err();
    assert_eq!(dup["code"], "duplicate");
    let bad = app
        .call("add_uri", json!({"uri": "otpauth://totp/x?secret=0000"}))
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
        .call(
            "add_uri",
            json!({"uri": "otpauth://hotp/Y:c?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0"}),
        )
        .unwrap();
    let id = ids[0].as_str().unwrap().to_owned();
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
    app.call("add_uri", json!({"uri": export})).unwrap();
    let codes = app.call("list_codes", json!({})).unwrap();
    assert_eq!(
        (codes[0]["issuer"].as_str(), codes[0]["name"].as_str()),
        (Some("Discord"), Some("johndoe@example.com"))
    );
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
    let fields: Vec<&str> = err["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["issuer", "secret", "digits"]);
    let good = json!({"entry": {"issuer": "Bank", "name": "me", "secret": "gezd gnbv gy3t qojq gezd gnbv gy3t qojq", "kind": "hotp", "algorithm": "SHA1", "digits": "6", "period": "", "counter": "1"}});
    let id = app.call("add_manual", good).unwrap();
    let next = app.call("next_hotp", json!({"id": id})).unwrap();
    assert_eq!(next["code"], "287082"); // RFC 4226, counter 1
}
