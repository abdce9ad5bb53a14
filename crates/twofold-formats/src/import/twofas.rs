//! 2FAS's `.2fas` backup (schema versions 1–4): plain, or encrypted — the services sealed with
//! AES-256-GCM under a key PBKDF2-HMAC-SHA256 derives from the password (10,000 rounds, fixed
//! by the format), stored as `ciphertext:salt:iv` in base64. Groups become tags; issuer from the
//! token's issuer, else the service's name; the account from the token.

use base64::Engine;
use serde::Deserialize;
use serde_json::Value;
use twofold_core::Secret;
use zeroize::Zeroizing;

use super::{Entry, Fields, Format, Input, check_count, convert, nth, null_as_default};
use crate::error::{EntryProblem, ImportError};

const APP: &str = "2FAS";
const ROUNDS: u32 = 10_000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    #[serde(default)]
    services: Vec<Value>,
    #[serde(default, deserialize_with = "null_as_default")]
    groups: Vec<Group>,
    #[serde(default, deserialize_with = "null_as_default")]
    services_encrypted: String,
}

#[derive(Deserialize)]
struct Group {
    id: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Service {
    #[serde(default, deserialize_with = "null_as_default")]
    name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    secret: String,
    #[serde(default)]
    otp: Otp,
    #[serde(default)]
    group_id: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Otp {
    #[serde(deserialize_with = "null_as_default")]
    account: String,
    #[serde(deserialize_with = "null_as_default")]
    label: String,
    #[serde(deserialize_with = "null_as_default")]
    issuer: String,
    #[serde(deserialize_with = "null_as_default")]
    link: String,
    digits: Option<u64>,
    period: Option<u64>,
    counter: Option<u64>,
    #[serde(deserialize_with = "null_as_default")]
    algorithm: String,
    #[serde(deserialize_with = "null_as_default")]
    token_type: String,
}

/// Whether the JSON is a 2FAS backup, and which kind.
pub(super) fn detect(json: &Value) -> Option<Format> {
    if !json.get("services").is_some_and(Value::is_array) || json.get("schemaVersion").is_none() {
        return None;
    }
    match json.get("servicesEncrypted") {
        Some(Value::String(s)) if !s.is_empty() => Some(Format::TwoFasEncrypted),
        _ => Some(Format::TwoFasPlain),
    }
}

pub(super) fn import(
    input: Input<'_>,
    password: Option<&Secret>,
) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    let file: File = input.parse(APP, "the file")?;
    let services = if file.services_encrypted.is_empty() {
        file.services
    } else {
        let password = password.ok_or(ImportError::PasswordRequired { app: APP })?;
        let plain = decrypt(&file.services_encrypted, password)?;
        super::parse_json(APP, "servicesEncrypted (decrypted)", &plain)?
    };
    check_count(APP, services.len())?;
    let groups = file.groups;
    let fields = services.into_iter().enumerate().map(|(i, value)| {
        let s: Service = serde_json::from_value(value).map_err(|e| EntryProblem {
            entry: nth(i),
            field: "entry",
            problem: e.to_string(),
        })?;
        let name = [s.otp.account, s.otp.label, label_of(&s.otp.link)]
            .into_iter()
            .find(|n| !n.trim().is_empty())
            .unwrap_or_default();
        // A service always has a name in 2FAS, the title it shows: the issuer when the token
        // names none.
        let issuer = if s.otp.issuer.trim().is_empty() {
            s.name
        } else {
            s.otp.issuer
        };
        let tags = s
            .group_id
            .and_then(|id| groups.iter().find(|g| g.id == id))
            .map(|g| vec![g.name.clone()])
            .unwrap_or_default();
        Ok(Fields {
            kind: s.otp.token_type,
            issuer,
            name,
            secret: s.secret,
            algorithm: s.otp.algorithm,
            digits: s.otp.digits,
            period: s.otp.period,
            counter: s.otp.counter,
            tags,
            favourite: false,
        })
    });
    Ok(convert(fields))
}

/// The account part of an `otpauth://` link's label (`Issuer:account` → `account`), for
/// services whose token names no account.
fn label_of(link: &str) -> String {
    twofold_core::otpauth::parse(link)
        .map(|d| d.name)
        .unwrap_or_default()
}

/// `ciphertext:salt:iv`, each base64; the ciphertext ends with GCM's tag.
fn decrypt(sealed: &str, password: &Secret) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let parts: Vec<&str> = sealed.split(':').collect();
    let [ciphertext, salt, iv] = parts[..] else {
        return Err(ImportError::damaged(
            APP,
            "servicesEncrypted",
            "not three base64 parts (ciphertext:salt:iv)",
        ));
    };
    let b64 = |field: &'static str, text: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| ImportError::damaged(APP, field, format!("not base64: {e}")))
    };
    let ciphertext = b64("servicesEncrypted (ciphertext)", ciphertext)?;
    let salt = b64("servicesEncrypted (salt)", salt)?;
    let iv: [u8; 12] = b64("servicesEncrypted (iv)", iv)?
        .try_into()
        .map_err(|_| ImportError::damaged(APP, "servicesEncrypted (iv)", "not 12 bytes"))?;
    let mut key = Zeroizing::new([0u8; 32]);
    crate::crypto::pbkdf2::<sha2::Sha256>(password.expose(), &salt, ROUNDS, key.as_mut());
    crate::crypto::gcm_open(&key, &iv, &ciphertext, b"")
        .ok_or(ImportError::WrongPassword { app: APP })
}
