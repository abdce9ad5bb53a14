//! Steam Desktop Authenticator's `.maFile` (one account) and the accounts JSON some tools
//! write (`accounts` keyed by id): the `shared_secret` in base64 makes Steam Guard codes; the
//! account name becomes the name, "Steam" the issuer.

use base64::Engine;
use serde::Deserialize;
use serde_json::Value;
use twofold_core::Secret;
use twofold_core::account::AccountDraft;
use twofold_core::otp::{Algorithm, Method, OtpParams};

use super::{Entry, Input, check_count, entry_from_draft, null_as_default};
use crate::error::{EntryProblem, ImportError};

const APP: &str = "Steam";

#[derive(Deserialize)]
struct MaFile {
    shared_secret: String,
    #[serde(default, deserialize_with = "null_as_default")]
    account_name: String,
}

/// Whether the JSON is a `.maFile` or an accounts map of them.
pub(super) fn detect(json: &Value) -> bool {
    json.get("shared_secret").is_some()
        || json
            .get("accounts")
            .and_then(Value::as_object)
            .is_some_and(|a| !a.is_empty() && a.values().all(|v| v.get("shared_secret").is_some()))
}

pub(super) fn import(input: Input<'_>) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    let json: Value = input.parse(APP, "the file")?;
    let files: Vec<(String, Value)> = match json.get("accounts").and_then(Value::as_object) {
        Some(accounts) => accounts
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        None => vec![("account".to_owned(), json)],
    };
    check_count(APP, files.len())?;
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (key, value) in files {
        let converted = serde_json::from_value::<MaFile>(value)
            .map_err(|e| EntryProblem {
                entry: key.clone(),
                field: "entry",
                problem: e.to_string(),
            })
            .and_then(|f| {
                let who = if f.account_name.is_empty() {
                    key.clone()
                } else {
                    f.account_name.clone()
                };
                let secret = base64::engine::general_purpose::STANDARD
                    .decode(f.shared_secret.trim())
                    .map_err(|e| EntryProblem {
                        entry: who.clone(),
                        field: "shared_secret",
                        problem: format!("not base64: {e}"),
                    })?;
                if secret.is_empty() {
                    return Err(EntryProblem {
                        entry: who,
                        field: "shared_secret",
                        problem: "empty".into(),
                    });
                }
                let params = OtpParams::new(Method::Steam { period: 30 }, Algorithm::Sha1, 5)
                    .map_err(|e| EntryProblem {
                        entry: who.clone(),
                        field: "digits",
                        problem: e.to_string(),
                    })?;
                entry_from_draft(
                    AccountDraft {
                        issuer: "Steam".into(),
                        name: f.account_name,
                        secret: Secret::new(secret),
                        params,
                        extra: Vec::new(),
                    },
                    Vec::new(),
                    false,
                )
            });
        match converted {
            Ok(e) => entries.push(e),
            Err(p) => problems.push(p),
        }
    }
    Ok((entries, problems))
}
