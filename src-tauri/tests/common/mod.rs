//! The app on Tauri's mock runtime for the command tests: a fresh vault directory, a keychain
//! of the test's choosing, and calls as the page makes them.

#![allow(dead_code)]

use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindowBuilder};
use twofold_core::keychain::UnreachableKeyStore;
use twofold_desktop::AppSession;

pub struct App {
    pub window: tauri::WebviewWindow<tauri::test::MockRuntime>,
    pub _dir: tempfile::TempDir,
}

impl App {
    pub fn new() -> Self {
        Self::with_vault_at("vault.tfv")
    }

    /// The app with its vault at `relative` inside a fresh temporary directory.
    pub fn with_vault_at(relative: &str) -> Self {
        Self::with_keystore(
            tempfile::tempdir().unwrap(),
            relative,
            Box::new(UnreachableKeyStore::new("no keychain in this test")),
        )
    }

    /// The app on `dir/relative` with the keychain `keystore`.
    pub fn with_keystore(
        dir: tempfile::TempDir,
        relative: &str,
        keystore: Box<dyn twofold_core::keychain::KeyStore>,
    ) -> Self {
        let session = AppSession::with_keystore(
            dir.path().join(relative),
            keystore,
            twofold_core::clock::SystemClock::shared(),
        );
        let app = twofold_desktop::with_commands(mock_builder())
            .build(mock_context(noop_assets()))
            .unwrap();
        app.manage(session);
        app.manage(twofold_desktop::push::PushState::default());
        let window = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap();
        Self { window, _dir: dir }
    }

    pub fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        self.invoke(cmd, InvokeBody::Json(args))
    }

    pub fn invoke(&self, cmd: &str, body: InvokeBody) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body,
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        tauri::test::get_ipc_response(&self.window, request)
            .map(|b| b.deserialize::<Value>().unwrap())
    }

    /// Adds what a link holds the way the UI does: preview, then confirm every item.
    pub fn add_link(&self, uri: &str) -> Result<Vec<String>, Value> {
        let preview = self.call("preview_link", json!({ "text": uri }))?;
        self.confirm_all(&preview)
    }

    pub fn confirm_all(&self, preview: &Value) -> Result<Vec<String>, Value> {
        let indexes: Vec<Value> = preview["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["index"].clone())
            .collect();
        let ids = self.call(
            "confirm_add",
            json!({ "id": preview["id"], "indexes": indexes }),
        )?;
        Ok(ids
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect())
    }
}
