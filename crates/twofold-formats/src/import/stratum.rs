//! Authenticator Pro / Stratum backups (`.authpro`): the JSON (`Authenticators`, categories as
//! tags), encrypted "strong" (`AUTHENTICATORPRO`, a 16-byte salt and 12-byte nonce, Argon2id
//! with 3 passes, 64 MiB and 4 lanes — fixed by the format —, AES-256-GCM) or "legacy"
//! (`AuthenticatorPro`, a 20-byte salt and 16-byte IV, PBKDF2-SHA1 with 64,000 rounds,
//! AES-256-CBC). Types 1 HOTP, 2 TOTP, 4 Steam; mOTP (3) and Yandex (5) are reported.

use serde::Deserialize;
use serde_json::Value;
use twofold_core::Secret;
use zeroize::Zeroizing;

use super::{Entry, Fields, Input, check_count, convert, nth, null_as_default};
use crate::error::{EntryProblem, ImportError};

const APP: &str = "Authenticator Pro";
const STRONG: &[u8] = b"AUTHENTICATORPRO";
const LEGACY: &[u8] = b"AuthenticatorPro";

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct File {
    authenticators: Vec<Value>,
    #[serde(default, deserialize_with = "null_as_default")]
    categories: Vec<Category>,
    #[serde(default, deserialize_with = "null_as_default")]
    authenticator_categories: Vec<Membership>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Category {
    id: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Membership {
    category_id: String,
    authenticator_secret: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Authenticator {
    #[serde(rename = "Type")]
    kind: u8,
    #[serde(default, deserialize_with = "null_as_default")]
    issuer: String,
    #[serde(default, deserialize_with = "null_as_default")]
    username: String,
    #[serde(default, deserialize_with = "null_as_default")]
    secret: String,
    #[serde(default)]
    algorithm: u8,
    digits: Option<u64>,
    period: Option<u64>,
    counter: Option<u64>,
}

/// Whether the JSON is an Authenticator Pro backup.
pub(super) fn detect(json: &Value) -> bool {
    json.get("Authenticators").is_some_and(Value::is_array)
}

/// Whether the bytes are an encrypted Authenticator Pro backup.
pub(super) fn detect_encrypted(bytes: &[u8]) -> bool {
    bytes.starts_with(STRONG) || bytes.starts_with(LEGACY)
}

pub(super) fn import(input: Input<'_>) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    let file: File = input.parse(APP, "the file")?;
    check_count(APP, file.authenticators.len())?;
    let File {
        authenticators,
        categories,
        authenticator_categories: members,
    } = file;
    let fields = authenticators.into_iter().enumerate().map(|(i, value)| {
        let a: Authenticator = serde_json::from_value(value).map_err(|e| EntryProblem {
            entry: nth(i),
            field: "entry",
            problem: e.to_string(),
        })?;
        let kind = match a.kind {
            1 => "hotp",
            2 => "totp",
            4 => "steam",
            3 => "mOTP",
            5 => "Yandex",
            _ => "unknown",
        };
        let algorithm = match a.algorithm {
            0 => "SHA1".to_owned(),
            1 => "SHA256".to_owned(),
            2 => "SHA512".to_owned(),
            n => format!("number {n}"),
        };
        let tags = members
            .iter()
            .filter(|m| m.authenticator_secret == a.secret)
            .filter_map(|m| categories.iter().find(|c| c.id == m.category_id))
            .map(|c| c.name.clone())
            .collect();
        Ok(Fields {
            kind: kind.into(),
            issuer: a.issuer,
            name: a.username,
            secret: a.secret,
            algorithm,
            digits: a.digits,
            period: a.period,
            counter: a.counter,
            tags,
            favourite: false,
        })
    });
    Ok(convert(fields))
}

pub(super) fn import_encrypted(
    bytes: &[u8],
    password: Option<&Secret>,
) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    let password = password.ok_or(ImportError::PasswordRequired { app: APP })?;
    let plain = if let Some(rest) = bytes.strip_prefix(STRONG) {
        strong(rest, password)?
    } else if let Some(rest) = bytes.strip_prefix(LEGACY) {
        legacy(rest, password)?
    } else {
        return Err(ImportError::damaged(
            APP,
            "the file",
            "not an Authenticator Pro backup",
        ));
    };
    import(Input::Bytes(&plain))
}

fn strong(rest: &[u8], password: &Secret) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    if rest.len() < 16 + 12 + 16 {
        return Err(ImportError::damaged(APP, "the file", "too short"));
    }
    let (salt, rest) = rest.split_at(16);
    let (nonce, sealed) = rest.split_at(12);
    let nonce: [u8; 12] = nonce.try_into().unwrap_or_default();
    let key = crate::crypto::argon2id(password.expose(), salt, 65_536, 3, 4)
        .map_err(|e| ImportError::damaged(APP, "the file", e))?;
    crate::crypto::gcm_open(&key, &nonce, sealed, b"")
        .ok_or(ImportError::WrongPassword { app: APP })
}

fn legacy(rest: &[u8], password: &Secret) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    if rest.len() < 20 + 16 + 16 || !(rest.len() - 36).is_multiple_of(16) {
        return Err(ImportError::damaged(
            APP,
            "the file",
            "not whole AES blocks",
        ));
    }
    let (salt, rest) = rest.split_at(20);
    let (iv, sealed) = rest.split_at(16);
    let mut key = Zeroizing::new([0u8; 32]);
    crate::crypto::pbkdf2::<sha1::Sha1>(password.expose(), salt, 64_000, key.as_mut());
    let iv: [u8; 16] = iv.try_into().unwrap_or_default();
    let plain = crate::crypto::cbc_open(&key, &iv, sealed)
        .ok_or(ImportError::WrongPassword { app: APP })?;
    // CBC has no integrity check: a wrong password can unpad by chance, but is not JSON.
    if serde_json::from_slice::<serde::de::IgnoredAny>(&plain).is_err() {
        return Err(ImportError::WrongPassword { app: APP });
    }
    Ok(plain)
}
