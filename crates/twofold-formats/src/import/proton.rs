//! Proton Authenticator's export: `version` 1 with `entries` whose content is an `otpauth://`
//! link (or `steam://`); or the password-protected file — `salt` and `content` in base64, the
//! key Argon2id of the password (19 MiB, 2 passes, 1 lane: fixed by the format), the content a
//! 12-byte nonce and AES-256-GCM ciphertext with `proton.authenticator.export.v1` as associated
//! data. The entry's name is used when the link has no account.

use base64::Engine;
use serde::Deserialize;
use serde_json::Value;
use twofold_core::Secret;
use zeroize::Zeroizing;

use twofold_core::account::display_name;

use super::{
    Entry, Format, Input, check_count, draft_from_totp_field, entry_from_draft, link_labels, nth,
    null_as_default,
};
use crate::error::{EntryProblem, ImportError};

const APP: &str = "Proton Authenticator";
const AAD: &[u8] = b"proton.authenticator.export.v1";

#[derive(Deserialize)]
struct Plain {
    entries: Vec<Value>,
}

#[derive(Deserialize)]
struct Sealed {
    salt: String,
    content: String,
}

#[derive(Deserialize)]
struct ProtonEntry {
    content: Content,
}

#[derive(Deserialize)]
struct Content {
    uri: String,
    #[serde(default, deserialize_with = "null_as_default")]
    name: String,
}

/// Whether the JSON is a Proton Authenticator export, and which kind.
pub(super) fn detect(json: &Value) -> Option<Format> {
    if json.get("version").and_then(Value::as_u64) != Some(1) {
        return None;
    }
    if json.get("entries").is_some_and(Value::is_array) {
        return Some(Format::ProtonPlain);
    }
    (json.get("salt").is_some_and(Value::is_string)
        && json.get("content").is_some_and(Value::is_string))
    .then_some(Format::ProtonEncrypted)
}

pub(super) fn import(
    input: Input<'_>,
    password: Option<&Secret>,
) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    let json: Value = input.parse(APP, "the file")?;
    let file: Plain = if json.get("entries").is_some() {
        Input::Json(json).parse(APP, "entries")?
    } else {
        let sealed: Sealed = serde_json::from_value(json)
            .map_err(|e| ImportError::damaged(APP, "the file", e.to_string()))?;
        let password = password.ok_or(ImportError::PasswordRequired { app: APP })?;
        let plain = decrypt(&sealed, password)?;
        super::parse_json(APP, "entries", &plain)?
    };
    check_count(APP, file.entries.len())?;
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (i, value) in file.entries.into_iter().enumerate() {
        let converted = serde_json::from_value::<ProtonEntry>(value)
            .map_err(|e| EntryProblem {
                entry: nth(i),
                field: "entry",
                problem: e.to_string(),
            })
            .and_then(|e| {
                let mut draft =
                    draft_from_totp_field(&e.content.uri).map_err(|(field, problem)| {
                        let (issuer, name) = link_labels(&e.content.uri);
                        let name = if name.is_empty() {
                            e.content.name.clone()
                        } else {
                            name
                        };
                        EntryProblem {
                            entry: if issuer.is_empty() && name.is_empty() {
                                nth(i)
                            } else {
                                display_name(&issuer, &name)
                            },
                            field,
                            problem,
                        }
                    })?;
                if draft.name.trim().is_empty() && draft.issuer.trim() != e.content.name.trim() {
                    draft.name = e.content.name;
                }
                entry_from_draft(draft, Vec::new(), false)
            });
        match converted {
            Ok(e) => entries.push(e),
            Err(p) => problems.push(p),
        }
    }
    Ok((entries, problems))
}

fn decrypt(sealed: &Sealed, password: &Secret) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let b64 = |field: &'static str, text: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| ImportError::damaged(APP, field, format!("not base64: {e}")))
    };
    let salt = b64("salt", &sealed.salt)?;
    let content = b64("content", &sealed.content)?;
    if content.len() < 12 + 16 {
        return Err(ImportError::damaged(APP, "content", "too short"));
    }
    let (nonce, ciphertext) = content.split_at(12);
    let nonce: [u8; 12] = nonce.try_into().unwrap_or_default();
    let key = crate::crypto::argon2id(password.expose(), &salt, 19 * 1024, 2, 1)
        .map_err(|e| ImportError::damaged(APP, "salt", e))?;
    crate::crypto::gcm_open(&key, &nonce, ciphertext, AAD)
        .ok_or(ImportError::WrongPassword { app: APP })
}
