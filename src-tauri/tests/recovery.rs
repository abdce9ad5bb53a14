//! The recovery key, recovery and backups through the app's commands (Tauri's mock runtime, a
//! keychain in memory; the real gnome-keyring runs in the WebDriver suite): the key confirmed by
//! typing part of it back, a wiped keychain entry recovered with it (a typo and a wrong key
//! refused, nothing changed), backups written and verified, and a backup restored onto a fresh
//! install and over a vault nothing here opens any more (kept aside, never deleted).

mod common;

use std::sync::Arc;

use common::App;
use serde_json::{Value, json};
use tauri::ipc::InvokeBody;
use twofold_core::keychain::{KeyStore, Keychain};

const LINKS: [&str; 2] = [
    "otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP",
    "otpauth://hotp/Bank:bob?secret=GEZDGNBVGY3TQOJQ&counter=7",
];

/// A keychain in memory; every handle made from the same store sees the same entries.
fn store() -> Arc<keyring_core::CredentialStore> {
    keyring_core::mock::Store::new().unwrap()
}

fn keychain_app(store: &Arc<keyring_core::CredentialStore>) -> App {
    App::with_keystore(
        tempfile::tempdir().unwrap(),
        "vault.tfv",
        Box::new(Keychain::with_store(store.clone())),
    )
}

fn vault_id(app: &App) -> String {
    twofold_core::Vault::inspect(&app._dir.path().join("vault.tfv"))
        .unwrap()
        .vault_id
}

/// The codes the app shows (issuer, name, code), in its order.
fn shown(app: &App) -> Vec<(String, String, String)> {
    app.call("list_codes", json!({}))
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["issuer"].as_str().unwrap_or_default().to_owned(),
                c["name"].as_str().unwrap_or_default().to_owned(),
                c["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Makes and confirms a recovery key the way the page does; returns it as written.
fn make_recovery_key(app: &App) -> String {
    let offer = app.call("new_recovery_key", json!({})).unwrap();
    let key = offer["key"].as_str().unwrap().to_owned();
    let groups: Vec<&str> = key.split('-').collect();
    assert_eq!(groups.len(), 9, "{key}");
    let answers: Vec<String> = offer["confirm"]
        .as_array()
        .unwrap()
        .iter()
        // Typed back as people do: lower case, with spaces around.
        .map(|g| {
            format!(
                " {} ",
                groups[g.as_u64().unwrap() as usize - 1].to_lowercase()
            )
        })
        .collect();
    let status = app
        .call("confirm_recovery_key", json!({ "answers": answers }))
        .unwrap();
    assert_eq!(status["has_recovery_key"], true, "{status}");
    key
}

fn field_error(err: &Value, field: &str) -> String {
    assert_eq!(err["code"], "invalid_fields", "{err}");
    let f = err["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == field)
        .unwrap_or_else(|| panic!("no problem with {field}: {err}"));
    f["message"].as_str().unwrap().to_owned()
}

#[test]
fn the_recovery_key_is_confirmed_then_recovers_a_wiped_keychain_entry() {
    let store = store();
    let app = keychain_app(&store);
    let status = app
        .call("create_vault", json!({"passphrase": null}))
        .unwrap();
    assert_eq!(status["has_recovery_key"], false, "{status}");
    for link in LINKS {
        app.add_link(link).unwrap();
    }

    // Wrong groups typed back: each named, and the vault does not depend on the key yet.
    let offer = app.call("new_recovery_key", json!({})).unwrap();
    let asked: Vec<u64> = offer["confirm"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_u64().unwrap())
        .collect();
    assert_eq!(asked.len(), 2);
    assert_ne!(asked[0], asked[1]);
    let err = app
        .call("confirm_recovery_key", json!({"answers": ["0000", ""]}))
        .unwrap_err();
    for g in &asked {
        assert!(field_error(&err, &format!("group_{g}")).contains(&format!("group {g}")));
    }
    assert_eq!(
        app.call("vault_status", json!({})).unwrap()["has_recovery_key"],
        false
    );
    let key = make_recovery_key(&app);
    let before = shown(&app);
    assert_eq!(before.len(), 2);

    // The keychain entry wiped (a reset keychain): the app names it.
    app.call("lock", json!({})).unwrap();
    Keychain::with_store(store.clone())
        .delete(&vault_id(&app))
        .unwrap();
    let err = app.call("unlock", json!({"passphrase": null})).unwrap_err();
    assert_eq!(err["code"], "key_missing", "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("recovery key"),
        "{err}"
    );

    // A typo is caught by the checksum, before anything is tried.
    let mut typo: Vec<char> = key.chars().collect();
    typo[2] = if typo[2] == 'A' { 'B' } else { 'A' };
    let typo: String = typo.into_iter().collect();
    let err = app
        .call(
            "recover_vault",
            json!({"recoveryKey": typo, "passphrase": null}),
        )
        .unwrap_err();
    assert!(field_error(&err, "recovery_key").contains("typo"), "{err}");
    // Another vault's key is refused and nothing is overwritten.
    let file = std::fs::read(app._dir.path().join("vault.tfv")).unwrap();
    let other = twofold_core::recovery::RecoveryKey::generate(&mut twofold_core::OsEntropy)
        .unwrap()
        .to_text();
    let err = app
        .call(
            "recover_vault",
            json!({"recoveryKey": String::from_utf8_lossy(other.expose()), "passphrase": null}),
        )
        .unwrap_err();
    assert!(
        field_error(&err, "recovery_key").contains("nothing was changed"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(app._dir.path().join("vault.tfv")).unwrap(),
        file
    );

    // The right key: the vault opens, every account and code as before, and its new key is in
    // the keychain, so the next unlock needs nothing.
    let status = app
        .call(
            "recover_vault",
            json!({"recoveryKey": key.to_lowercase().replace('-', " "), "passphrase": null}),
        )
        .unwrap();
    assert_eq!(status["state"], "unlocked", "{status}");
    assert_eq!(status["has_recovery_key"], true);
    assert_eq!(shown(&app), before);
    app.call("lock", json!({})).unwrap();
    app.call("unlock", json!({"passphrase": null})).unwrap();
    assert_eq!(shown(&app), before);

    // A new recovery key replaces the old one: the old one no longer recovers the vault.
    let new_key = make_recovery_key(&app);
    assert_ne!(new_key, key);
    app.call("lock", json!({})).unwrap();
    Keychain::with_store(store.clone())
        .delete(&vault_id(&app))
        .unwrap();
    let err = app
        .call(
            "recover_vault",
            json!({"recoveryKey": key, "passphrase": null}),
        )
        .unwrap_err();
    field_error(&err, "recovery_key");
    app.call(
        "recover_vault",
        json!({"recoveryKey": new_key, "passphrase": null}),
    )
    .unwrap();
    assert_eq!(shown(&app), before);
}

#[test]
fn backups_are_written_verified_and_restored_on_a_fresh_install() {
    let store = store();
    let app = keychain_app(&store);
    app.call("create_vault", json!({"passphrase": null}))
        .unwrap();
    for link in LINKS {
        app.add_link(link).unwrap();
    }
    // No recovery key and no backup passphrase: nothing but this keychain would open a
    // backup, so none is written and the app says why.
    let err = app.call("backup_now", json!({})).unwrap_err();
    assert_eq!(err["code"], "no_recovery_key", "{err}");
    let key = make_recovery_key(&app);
    let view = app.call("backup_now", json!({})).unwrap();
    assert_eq!(view["error"], Value::Null, "{view}");
    assert_eq!(view["files"], 1);
    assert_eq!(view["last"]["accounts"], 2);
    assert_eq!(view["has_recovery_key"], true);
    let file = view["last"]["file"].as_str().unwrap().to_owned();
    assert!(file.starts_with(app._dir.path().join("backups").to_str().unwrap()));
    let before = shown(&app);

    // A relative folder is refused, naming the field; an absolute one is made.
    let err = app
        .call(
            "set_backup_folder",
            json!({"enabled": true, "folder": "backups-here"}),
        )
        .unwrap_err();
    assert!(field_error(&err, "folder").contains("full path"));
    let elsewhere = app._dir.path().join("cloud/twofold");
    let view = app
        .call(
            "set_backup_folder",
            json!({"enabled": true, "folder": elsewhere}),
        )
        .unwrap();
    assert_eq!(view["folder"], elsewhere.to_str().unwrap());
    assert!(elsewhere.is_dir());
    let view = app.call("backup_now", json!({})).unwrap();
    assert!(
        view["last"]["file"]
            .as_str()
            .unwrap()
            .starts_with(elsewhere.to_str().unwrap())
    );
    // A backup passphrase also opens the backups written from now on.
    app.call(
        "set_backup_passphrase",
        json!({"passphrase": "backup words"}),
    )
    .unwrap();
    let view = app.call("backup_now", json!({})).unwrap();
    assert_eq!(view["has_passphrase"], true);
    let with_passphrase = view["last"]["file"].as_str().unwrap().to_owned();

    // A fresh install (another keychain, no vault): the backup picked, what opens it said.
    let fresh = keychain_app(&self::store());
    let offer = fresh
        .invoke(
            "stage_backup",
            InvokeBody::Raw(std::fs::read(&file).unwrap()),
        )
        .unwrap();
    assert_eq!(offer["opens_with"], json!(["recovery-key"]), "{offer}");
    let err = fresh
        .call(
            "restore_backup",
            json!({"password": "not it", "passphrase": null}),
        )
        .unwrap_err();
    field_error(&err, "password");
    assert_eq!(
        fresh.call("vault_status", json!({})).unwrap()["state"],
        "missing"
    );
    let status = fresh
        .call(
            "restore_backup",
            json!({"password": key, "passphrase": null}),
        )
        .unwrap();
    assert_eq!(status["state"], "unlocked", "{status}");
    // A new vault: it asks for its own recovery key.
    assert_eq!(status["has_recovery_key"], false);
    assert_eq!(shown(&fresh), before);

    // The backup passphrase opens the later backup too.
    let other = keychain_app(&self::store());
    let offer = other
        .invoke(
            "stage_backup",
            InvokeBody::Raw(std::fs::read(&with_passphrase).unwrap()),
        )
        .unwrap();
    assert_eq!(
        offer["opens_with"],
        json!(["recovery-key", "backup-passphrase"])
    );
    other
        .call(
            "restore_backup",
            json!({"password": "backup words", "passphrase": null}),
        )
        .unwrap();
    assert_eq!(shown(&other), before);

    // Not a backup at all: said plainly.
    let err = other
        .invoke("stage_backup", InvokeBody::Raw(b"{\"hello\": 1}".to_vec()))
        .unwrap_err();
    assert_eq!(err["code"], "invalid_file", "{err}");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("not a Twofold backup"),
        "{err}"
    );
}

#[test]
fn a_failing_backup_is_recorded_and_shown_until_one_succeeds() {
    let store = store();
    let app = keychain_app(&store);
    app.call("create_vault", json!({"passphrase": null}))
        .unwrap();
    app.add_link(LINKS[0]).unwrap();
    make_recovery_key(&app);
    let folder = app._dir.path().join("synced");
    app.call(
        "set_backup_folder",
        json!({"enabled": true, "folder": folder}),
    )
    .unwrap();
    app.call("backup_now", json!({})).unwrap();
    // The folder turned into a file (a cloud drive gone wrong): the backup fails, says where,
    // and the status keeps the error (and the last good backup) until a backup succeeds.
    std::fs::rename(&folder, app._dir.path().join("moved")).unwrap();
    std::fs::write(&folder, b"not a folder").unwrap();
    let err = app.call("backup_now", json!({})).unwrap_err();
    assert!(err["message"].as_str().unwrap().contains("synced"), "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("is not a folder"),
        "{err}"
    );
    let view = app.call("backup_status", json!({})).unwrap();
    assert!(view["error"].as_str().unwrap().contains("synced"), "{view}");
    assert_eq!(view["last"]["accounts"], 1, "{view}");
    std::fs::remove_file(&folder).unwrap();
    std::fs::rename(app._dir.path().join("moved"), &folder).unwrap();
    let view = app.call("backup_now", json!({})).unwrap();
    assert_eq!(view["error"], Value::Null, "{view}");
    assert_eq!(view["files"], 2);
}

#[test]
fn a_backup_restored_over_a_vault_nothing_opens_keeps_that_vault_aside() {
    let store = store();
    let app = keychain_app(&store);
    app.call("create_vault", json!({"passphrase": null}))
        .unwrap();
    app.add_link(LINKS[0]).unwrap();
    let key = make_recovery_key(&app);
    let view = app.call("backup_now", json!({})).unwrap();
    let file = view["last"]["file"].as_str().unwrap().to_owned();
    let before = shown(&app);
    // The open vault is never replaced by a restore.
    app.invoke(
        "stage_backup",
        InvokeBody::Raw(std::fs::read(&file).unwrap()),
    )
    .unwrap();
    let err = app
        .call(
            "restore_backup",
            json!({"password": key, "passphrase": null}),
        )
        .unwrap_err();
    assert_eq!(err["code"], "already_exists", "{err}");

    app.call("lock", json!({})).unwrap();
    Keychain::with_store(store.clone())
        .delete(&vault_id(&app))
        .unwrap();
    let old = std::fs::read(app._dir.path().join("vault.tfv")).unwrap();
    let status = app
        .call(
            "restore_backup",
            json!({"password": key, "passphrase": null}),
        )
        .unwrap();
    assert_eq!(status["state"], "unlocked");
    assert_eq!(shown(&app), before);
    let aside: Vec<_> = std::fs::read_dir(app._dir.path())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("vault.tfv.unopened-")
        })
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read(aside[0].path()).unwrap(), old);
}

#[test]
fn without_a_keychain_recovery_asks_for_a_passphrase() {
    let app = App::new();
    app.call("create_vault", json!({"passphrase": "forgotten"}))
        .unwrap();
    app.add_link(LINKS[0]).unwrap();
    let key = make_recovery_key(&app);
    let before = shown(&app);
    app.call("lock", json!({})).unwrap();
    let err = app
        .call(
            "recover_vault",
            json!({"recoveryKey": key, "passphrase": null}),
        )
        .unwrap_err();
    assert!(field_error(&err, "passphrase").contains("No system keychain"));
    let status = app
        .call(
            "recover_vault",
            json!({"recoveryKey": key, "passphrase": "remembered"}),
        )
        .unwrap();
    assert_eq!(status["needs_passphrase"], true);
    assert_eq!(shown(&app), before);
    app.call("lock", json!({})).unwrap();
    assert_eq!(
        app.call("unlock", json!({"passphrase": "forgotten"}))
            .unwrap_err()["code"],
        "wrong_passphrase"
    );
    app.call("unlock", json!({"passphrase": "remembered"}))
        .unwrap();
}

#[test]
fn the_app_backs_up_each_change_once_the_changes_settle() {
    let store = store();
    let app = keychain_app(&store);
    twofold_desktop::backups::start(tauri::Manager::app_handle(&app.window));
    app.call("create_vault", json!({"passphrase": null}))
        .unwrap();
    make_recovery_key(&app);
    let count = || {
        app.call("backup_status", json!({})).unwrap()["files"]
            .as_u64()
            .unwrap()
    };
    let settle = twofold_desktop::backups::DEBOUNCE + std::time::Duration::from_millis(1500);
    std::thread::sleep(settle);
    assert_eq!(count(), 1);
    // A burst of changes makes one backup, once they settle.
    for link in LINKS {
        app.add_link(link).unwrap();
    }
    std::thread::sleep(settle);
    let view = app.call("backup_status", json!({})).unwrap();
    assert_eq!(
        (view["files"].as_u64(), view["last"]["accounts"].as_u64()),
        (Some(2), Some(2)),
        "{view}"
    );
    // Reading codes changes nothing and backs up nothing.
    for _ in 0..3 {
        app.call("list_codes", json!({})).unwrap();
    }
    std::thread::sleep(settle);
    assert_eq!(count(), 2);
    let id = shown_ids(&app)[0].clone();
    app.call("delete_account", json!({ "id": id })).unwrap();
    std::thread::sleep(settle);
    let view = app.call("backup_status", json!({})).unwrap();
    assert_eq!(
        (view["files"].as_u64(), view["last"]["accounts"].as_u64()),
        (Some(3), Some(1)),
        "{view}"
    );
}

fn shown_ids(app: &App) -> Vec<String> {
    app.call("list_codes", json!({}))
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}
