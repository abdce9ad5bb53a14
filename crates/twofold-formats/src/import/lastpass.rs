//! LastPass Authenticator's JSON export: `accounts` with issuer, user name, secret, time step,
//! digits and algorithm; favourites are pinned, the user's folders become tags (the built-in
//! "Favorites" and "Other accounts" do not).

use serde::Deserialize;
use serde_json::Value;

use super::{Entry, Fields, Input, check_count, convert, nth, null_as_default};
use crate::error::{EntryProblem, ImportError};

const APP: &str = "LastPass Authenticator";

/// LastPass's own folders: 0 "Other accounts", 1 "Favorites".
const BUILT_IN_FOLDERS: [i64; 2] = [0, 1];

#[derive(Deserialize)]
struct File {
    accounts: Vec<Value>,
    #[serde(default, deserialize_with = "null_as_default")]
    folders: Vec<Folder>,
}

#[derive(Deserialize)]
struct Folder {
    id: i64,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Account {
    #[serde(default, deserialize_with = "null_as_default")]
    issuer_name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    user_name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    secret: String,
    time_step: Option<u64>,
    digits: Option<u64>,
    #[serde(default, deserialize_with = "null_as_default")]
    algorithm: String,
    #[serde(default, deserialize_with = "null_as_default")]
    is_favorite: bool,
    #[serde(default)]
    folder_data: Option<FolderData>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FolderData {
    folder_id: i64,
}

/// Whether the JSON is a LastPass Authenticator export.
pub(super) fn detect(json: &Value) -> bool {
    json.get("accounts")
        .and_then(Value::as_array)
        .is_some_and(|a| {
            json.get("deviceName").is_some() || a.iter().any(|x| x.get("issuerName").is_some())
        })
}

pub(super) fn import(input: Input<'_>) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    let file: File = input.parse(APP, "the file")?;
    check_count(APP, file.accounts.len())?;
    let folders = file.folders;
    let fields = file.accounts.into_iter().enumerate().map(|(i, value)| {
        let a: Account = serde_json::from_value(value).map_err(|e| EntryProblem {
            entry: nth(i),
            field: "entry",
            problem: e.to_string(),
        })?;
        let tags = a
            .folder_data
            .map(|f| f.folder_id)
            .filter(|id| !BUILT_IN_FOLDERS.contains(id))
            .and_then(|id| folders.iter().find(|f| f.id == id))
            .map(|f| vec![f.name.clone()])
            .unwrap_or_default();
        Ok(Fields {
            kind: "totp".into(),
            issuer: a.issuer_name,
            name: a.user_name,
            secret: a.secret,
            algorithm: a.algorithm,
            digits: a.digits,
            period: a.time_step,
            counter: None,
            tags,
            favourite: a.is_favorite,
        })
    });
    Ok(convert(fields))
}
