//! Bitwarden's unencrypted exports, JSON and CSV (the password manager's and Bitwarden
//! Authenticator's): each login's `totp` field — an `otpauth://` link, `steam://SECRET` or a
//! bare secret. The issuer comes from the link, else the item's name; the account from the
//! link, else the login's user name. Folders become tags, favourites are pinned; items without
//! a TOTP field are not accounts and are passed over. Password-protected and account-restricted
//! JSON exports are refused with a clear error: export unencrypted JSON instead.

use serde::Deserialize;
use serde_json::Value;

use twofold_core::account::display_name;

use super::{
    Entry, Format, Input, check_count, draft_from_totp_field, entry_from_draft, link_labels, nth,
    null_as_default,
};
use crate::error::{EntryProblem, ImportError};

const APP: &str = "Bitwarden";

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    encrypted: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    folders: Vec<Folder>,
    #[serde(default)]
    items: Vec<Value>,
}

#[derive(Deserialize)]
struct Folder {
    id: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    #[serde(default, deserialize_with = "null_as_default")]
    name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    favorite: bool,
    #[serde(default)]
    folder_id: Option<String>,
    #[serde(default)]
    login: Option<Login>,
}

#[derive(Deserialize)]
struct Login {
    #[serde(default, deserialize_with = "null_as_default")]
    username: String,
    #[serde(default, deserialize_with = "null_as_default")]
    totp: String,
}

/// Whether the JSON is a Bitwarden export.
pub(super) fn detect(json: &Value) -> Option<Format> {
    (json.get("items").is_some_and(Value::is_array)
        && json.get("encrypted").is_some_and(Value::is_boolean))
    .then_some(Format::BitwardenJson)
}

/// Whether the bytes are a Bitwarden CSV export: a header row with a `login_totp` column.
pub(super) fn detect_csv(bytes: &[u8]) -> bool {
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    std::str::from_utf8(first).is_ok_and(|h| {
        h.trim_start_matches('\u{feff}')
            .split(',')
            .any(|c| c.trim() == "login_totp")
    })
}

/// One TOTP field with the item's labels as an entry.
fn entry(
    index: usize,
    totp: &str,
    item_name: &str,
    username: &str,
    tags: Vec<String>,
    pinned: bool,
) -> Result<Entry, EntryProblem> {
    let mut draft = draft_from_totp_field(totp).map_err(|(field, problem)| {
        let (issuer, name) = link_labels(totp);
        let issuer = if issuer.is_empty() {
            item_name.trim()
        } else {
            &issuer
        };
        let name = if name.is_empty() {
            username.trim()
        } else {
            &name
        };
        EntryProblem {
            entry: if issuer.is_empty() && name.is_empty() {
                nth(index)
            } else {
                display_name(issuer, name)
            },
            field,
            problem,
        }
    })?;
    if draft.issuer.trim().is_empty() {
        item_name.trim().clone_into(&mut draft.issuer);
    }
    if draft.name.trim().is_empty() {
        username.trim().clone_into(&mut draft.name);
    }
    entry_from_draft(draft, tags, pinned)
}

pub(super) fn import_json(
    input: Input<'_>,
) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    let file: File = input.parse(APP, "the file")?;
    if file.encrypted {
        return Err(ImportError::damaged(
            APP,
            "encrypted",
            "this export is encrypted; Twofold reads Bitwarden's unencrypted JSON or CSV export",
        ));
    }
    check_count(APP, file.items.len())?;
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (i, value) in file.items.into_iter().enumerate() {
        let item: Item = match serde_json::from_value(value) {
            Ok(item) => item,
            Err(e) => {
                problems.push(EntryProblem {
                    entry: nth(i),
                    field: "entry",
                    problem: e.to_string(),
                });
                continue;
            }
        };
        let Some(login) = item.login.filter(|l| !l.totp.trim().is_empty()) else {
            continue;
        };
        let tags = item
            .folder_id
            .and_then(|id| file.folders.iter().find(|f| f.id == id))
            .map(|f| vec![f.name.clone()])
            .unwrap_or_default();
        match entry(
            i,
            &login.totp,
            &item.name,
            &login.username,
            tags,
            item.favorite,
        ) {
            Ok(e) => entries.push(e),
            Err(p) => problems.push(p),
        }
    }
    Ok((entries, problems))
}

#[derive(Deserialize)]
struct Row {
    #[serde(default)]
    folder: String,
    #[serde(default)]
    favorite: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    login_username: String,
    #[serde(default)]
    login_totp: String,
}

pub(super) fn import_csv(bytes: &[u8]) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (i, row) in reader.deserialize::<Row>().enumerate() {
        check_count(APP, i)?;
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                problems.push(EntryProblem {
                    entry: format!("row {}", i + 2),
                    field: "row",
                    problem: e.to_string(),
                });
                continue;
            }
        };
        if row.login_totp.trim().is_empty() {
            continue;
        }
        let tags: Vec<String> = Some(row.folder.trim().to_owned())
            .filter(|f| !f.is_empty())
            .into_iter()
            .collect();
        let pinned = row.favorite.trim() == "1" || row.favorite.trim().eq_ignore_ascii_case("true");
        match entry(
            i,
            &row.login_totp,
            &row.name,
            &row.login_username,
            tags,
            pinned,
        ) {
            Ok(e) => entries.push(e),
            Err(p) => problems.push(p),
        }
    }
    Ok((entries, problems))
}
