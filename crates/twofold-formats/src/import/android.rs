//! Apps' own data as rooted or backed-up Android phones hold it (SharedPreferences XML): Authy
//! (`decryptedSecret`, or `encryptedSecret` with its salt — PBKDF2-SHA1, 1,000 rounds,
//! AES-256-CBC with a zero IV — opened with the backup password), FreeOTP and FreeOTP+ (a token
//! JSON per entry) and TOTP Authenticator (`STATIC_TOTP_CODES_LIST`, hex or base32 keys); and
//! TOTP Authenticator's encrypted backup file (base64, AES-256-CBC under SHA-256 of the
//! password, a zero IV).

use base64::Engine;
use serde::Deserialize;
use serde_json::Value;
use sha2::Digest;
use twofold_core::Secret;
use twofold_core::account::display_name;
use zeroize::Zeroizing;

use super::{Entry, Fields, Format, check_count, convert, nth, null_as_default};
use crate::error::{EntryProblem, ImportError};

const AUTHY_KEY: &str = "com.authy.storage.tokens.authenticator.key";
const TOTP_AUTHENTICATOR_KEY: &str = "STATIC_TOTP_CODES_LIST";

/// The `<string name=…>` values of a SharedPreferences file, in order.
fn strings(bytes: &[u8], app: &'static str) -> Result<Vec<(String, String)>, ImportError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| ImportError::damaged(app, "the file", format!("not UTF-8: {e}")))?;
    let doc = roxmltree::Document::parse(text)
        .map_err(|e| ImportError::damaged(app, "the file", format!("not XML: {e}")))?;
    Ok(doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("string"))
        .filter_map(|n| {
            Some((
                n.attribute("name")?.to_owned(),
                n.text().unwrap_or("").to_owned(),
            ))
        })
        .collect())
}

/// Which app's SharedPreferences these are.
pub(super) fn detect(bytes: &[u8]) -> Option<Format> {
    let text = std::str::from_utf8(bytes).ok()?;
    let head = text.trim_start();
    if !(head.starts_with("<?xml") || head.starts_with("<map")) || !text.contains("<map") {
        return None;
    }
    if text.contains(&format!("name=\"{AUTHY_KEY}\"")) {
        return Some(if text.contains("encryptedSecret") {
            Format::AuthyEncrypted
        } else {
            Format::AuthyPlain
        });
    }
    if text.contains(&format!("name=\"{TOTP_AUTHENTICATOR_KEY}\"")) {
        return Some(Format::TotpAuthenticatorXml);
    }
    (text.contains("&quot;secret&quot;:[") || text.contains("\"secret\":["))
        .then_some(Format::FreeOtpXml)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuthyToken {
    #[serde(default, deserialize_with = "null_as_default")]
    name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    original_issuer: String,
    #[serde(default, deserialize_with = "null_as_default")]
    original_name: String,
    digits: Option<u64>,
    #[serde(default, deserialize_with = "null_as_default")]
    decrypted_secret: String,
    #[serde(default, deserialize_with = "null_as_default")]
    encrypted_secret: String,
    #[serde(default, deserialize_with = "null_as_default")]
    salt: String,
}

/// Authy's encrypted seed: PBKDF2-SHA1(password, salt, 1,000) → AES-256-CBC, zero IV.
fn authy_decrypt(token: &AuthyToken, password: &Secret) -> Option<Zeroizing<String>> {
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(token.encrypted_secret.trim())
        .ok()?;
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password.expose(), token.salt.as_bytes(), 1000, key.as_mut());
    let plain = crate::crypto::cbc_open(&key, &[0; 16], &sealed)?;
    let text = Zeroizing::new(String::from_utf8(plain.to_vec()).ok()?);
    // A wrong password unpads by chance at most: what comes out must be base32.
    twofold_core::base32::decode_lenient(&text).ok()?;
    Some(text)
}

pub(super) fn import_authy(
    bytes: &[u8],
    password: Option<&Secret>,
) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    const APP: &str = "Authy";
    let json = strings(bytes, APP)?
        .into_iter()
        .find(|(k, _)| k == AUTHY_KEY)
        .map(|(_, v)| v)
        .ok_or_else(|| ImportError::damaged(APP, AUTHY_KEY, "missing"))?;
    let tokens: Vec<Value> = super::parse_json(APP, AUTHY_KEY, json.as_bytes())?;
    check_count(APP, tokens.len())?;
    let tokens: Vec<Result<AuthyToken, EntryProblem>> = tokens
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value(v).map_err(|e| EntryProblem {
                entry: nth(i),
                field: "entry",
                problem: e.to_string(),
            })
        })
        .collect();
    let encrypted = tokens
        .iter()
        .flatten()
        .any(|t| t.decrypted_secret.is_empty() && !t.encrypted_secret.is_empty());
    let password = if encrypted {
        Some(password.ok_or(ImportError::PasswordRequired { app: APP })?)
    } else {
        None
    };
    let mut opened_any = !encrypted;
    let mut fields = Vec::new();
    for token in tokens {
        let token = match token {
            Ok(t) => t,
            Err(p) => {
                fields.push(Err(p));
                continue;
            }
        };
        // Authy names accounts "Issuer: name".
        let (issuer, name) = match token.name.split_once(':') {
            Some((i, n)) => (i.trim().to_owned(), n.trim().to_owned()),
            None if !token.original_issuer.is_empty() => {
                (token.original_issuer.clone(), token.name.trim().to_owned())
            }
            None => (String::new(), token.name.trim().to_owned()),
        };
        let secret = if token.decrypted_secret.is_empty() {
            match password.and_then(|p| authy_decrypt(&token, p)) {
                Some(s) => {
                    opened_any = true;
                    s
                }
                None => {
                    fields.push(Err(EntryProblem {
                        entry: display_name(&issuer, &name),
                        field: "encryptedSecret",
                        problem: "the password does not open it".into(),
                    }));
                    continue;
                }
            }
        } else {
            Zeroizing::new(token.decrypted_secret.clone())
        };
        let _ = &token.original_name;
        fields.push(Ok(Fields {
            kind: "totp".into(),
            issuer,
            name,
            secret: secret.to_string(),
            algorithm: String::new(),
            digits: token.digits,
            period: None,
            counter: None,
            tags: Vec::new(),
            favourite: false,
        }));
    }
    if !opened_any {
        return Err(ImportError::WrongPassword { app: APP });
    }
    Ok(convert(fields))
}

/// FreeOTP's and FreeOTP+'s own data: one token JSON per entry (and `tokenOrder`).
pub(super) fn import_freeotp(bytes: &[u8]) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    const APP: &str = "FreeOTP";
    let tokens: Vec<Value> = strings(bytes, APP)?
        .into_iter()
        .filter(|(k, _)| k != "tokenOrder")
        .filter_map(|(_, v)| serde_json::from_str::<Value>(&v).ok())
        .filter(|v| v.get("secret").is_some_and(Value::is_array))
        .collect();
    check_count(APP, tokens.len())?;
    let file = serde_json::json!({"tokenOrder": [], "tokens": tokens});
    super::freeotp_plus::import(super::Input::Json(file))
}

#[derive(Deserialize)]
struct TotpAuthenticatorEntry {
    #[serde(default, deserialize_with = "null_as_default")]
    issuer: String,
    #[serde(default, deserialize_with = "null_as_default")]
    name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    key: String,
    #[serde(default)]
    base: Option<u32>,
    #[serde(default, deserialize_with = "null_as_default")]
    digits: String,
    #[serde(default, deserialize_with = "null_as_default")]
    period: String,
    #[serde(default, rename = "isFavorite", deserialize_with = "null_as_default")]
    favourite: bool,
}

/// TOTP Authenticator's list (from its own data or its backup).
fn totp_authenticator_list(
    app: &'static str,
    list: &str,
) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    let items: Vec<Value> = super::parse_json(app, TOTP_AUTHENTICATOR_KEY, list.as_bytes())?;
    check_count(app, items.len())?;
    let fields = items.into_iter().enumerate().map(|(i, v)| {
        let e: TotpAuthenticatorEntry = serde_json::from_value(v).map_err(|e| EntryProblem {
            entry: nth(i),
            field: "entry",
            problem: e.to_string(),
        })?;
        let secret = match e.base {
            Some(16) => {
                let bytes = data_encoding::HEXUPPER_PERMISSIVE
                    .decode(e.key.trim().as_bytes())
                    .map_err(|err| EntryProblem {
                        entry: display_name(&e.issuer, &e.name),
                        field: "key",
                        problem: format!("not hexadecimal: {err}"),
                    })?;
                data_encoding::BASE32_NOPAD.encode(&bytes)
            }
            _ => e.key.clone(),
        };
        let number = |t: &str| t.trim().parse::<u64>().ok();
        Ok(Fields {
            kind: "totp".into(),
            issuer: e.issuer,
            name: e.name,
            secret,
            algorithm: String::new(),
            digits: number(&e.digits),
            period: number(&e.period),
            counter: None,
            tags: Vec::new(),
            favourite: e.favourite,
        })
    });
    Ok(convert(fields))
}

pub(super) fn import_totp_authenticator_xml(
    bytes: &[u8],
) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    const APP: &str = "TOTP Authenticator";
    let list = strings(bytes, APP)?
        .into_iter()
        .find(|(k, _)| k == TOTP_AUTHENTICATOR_KEY)
        .map(|(_, v)| v)
        .ok_or_else(|| ImportError::damaged(APP, TOTP_AUTHENTICATOR_KEY, "missing"))?;
    totp_authenticator_list(APP, &list)
}

/// Whether the bytes are base64 text of whole AES blocks (TOTP Authenticator's backup); only
/// tried last, for files nothing else matched.
pub(super) fn detect_totp_authenticator(bytes: &[u8]) -> bool {
    let text = bytes.trim_ascii();
    text.len() >= 24
        && text
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'\n' | b'\r'))
        && base64::engine::general_purpose::STANDARD
            .decode(
                text.iter()
                    .filter(|b| !b.is_ascii_whitespace())
                    .copied()
                    .collect::<Vec<u8>>(),
            )
            .is_ok_and(|d| !d.is_empty() && d.len().is_multiple_of(16))
}

pub(super) fn import_totp_authenticator_backup(
    bytes: &[u8],
    password: Option<&Secret>,
) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    const APP: &str = "TOTP Authenticator";
    let password = password.ok_or(ImportError::PasswordRequired { app: APP })?;
    let text: Vec<u8> = bytes
        .iter()
        .filter(|b| !b.is_ascii_whitespace())
        .copied()
        .collect();
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(&text)
        .map_err(|e| ImportError::damaged(APP, "the file", format!("not base64: {e}")))?;
    let key = Zeroizing::new(<[u8; 32]>::from(sha2::Sha256::digest(password.expose())));
    let plain = crate::crypto::cbc_open(&key, &[0; 16], &sealed)
        .ok_or(ImportError::WrongPassword { app: APP })?;
    // The backup is a JSON object whose first key is the list, as JSON text.
    let object: serde_json::Map<String, Value> =
        serde_json::from_slice(&plain).map_err(|_| ImportError::WrongPassword { app: APP })?;
    let list = object
        .keys()
        .next()
        .ok_or_else(|| ImportError::damaged(APP, "the file", "an empty backup"))?;
    totp_authenticator_list(APP, list)
}
