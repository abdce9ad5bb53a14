//! Apps' own data as rooted or backed-up Android phones hold it (SharedPreferences XML): Authy
//! (`decryptedSecret`, or `encryptedSecret` with its salt — PBKDF2-SHA1, 1,000 rounds,
//! AES-256-CBC with a zero IV — opened with the backup password), FreeOTP and FreeOTP+ (a token
//! JSON per entry) and TOTP Authenticator (`STATIC_TOTP_CODES_LIST`, hex or base32 keys); and
//! TOTP Authenticator's encrypted backup file (base64, AES-256-CBC under SHA-256 of the
//! password, a zero IV); and Battle.net's authenticator (its serial and secret XORed with the
//! fixed mask the app has always used — no password — in the current app's
//! `com.blizzard.messenger` preferences and the old `com.blizzard.bma.AUTH_STORE.HASH`).

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
const BATTLE_NET_SECRET: &str = "com.blizzard.messenger.AUTHENTICATOR_DEVICE_SECRET";
const BATTLE_NET_SERIAL: &str = "com.blizzard.messenger.AUTHENTICATOR_SERIAL";
const BATTLE_NET_ENCRYPTION: &str =
    "com.blizzard.messenger.AUTHENTICATOR_CREDENTIALS_ENCRYPTION_TYPE";
const BATTLE_NET_OLD: &str = "com.blizzard.bma.AUTH_STORE.HASH";

/// The XOR mask Battle.net's Android app stores its authenticator under ("MASK"): the secret as
/// 40 hexadecimal characters followed by the 17-character serial.
const BATTLE_NET_MASK: [u8; 57] = [
    57, 142, 39, 252, 80, 39, 106, 101, 96, 101, 176, 229, 37, 244, 192, 108, 4, 198, 16, 117, 40,
    107, 142, 122, 237, 165, 157, 169, 129, 59, 93, 214, 200, 13, 47, 179, 128, 104, 119, 63, 165,
    155, 164, 124, 23, 202, 108, 100, 121, 1, 92, 29, 91, 139, 143, 107, 154,
];

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
    if text.contains(&format!("name=\"{BATTLE_NET_SECRET}\""))
        || text.contains(&format!("name=\"{BATTLE_NET_OLD}\""))
    {
        return Some(Format::BattleNet);
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
    crate::crypto::pbkdf2::<sha1::Sha1>(
        password.expose(),
        token.salt.as_bytes(),
        1000,
        key.as_mut(),
    );
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

/// Hex text XORed with the mask from its start: the text it hides.
fn battle_net_unmask(field: &str, hex: &str) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    const APP: &str = "Battle.net";
    let masked = Zeroizing::new(
        data_encoding::HEXLOWER_PERMISSIVE
            .decode(hex.trim().as_bytes())
            .map_err(|e| ImportError::damaged(APP, field, format!("not hexadecimal: {e}")))?,
    );
    if masked.len() > BATTLE_NET_MASK.len() {
        return Err(ImportError::damaged(
            APP,
            field,
            format!(
                "{} bytes, more than the {} the app stores",
                masked.len(),
                BATTLE_NET_MASK.len()
            ),
        ));
    }
    Ok(Zeroizing::new(
        masked
            .iter()
            .zip(BATTLE_NET_MASK)
            .map(|(b, m)| b ^ m)
            .collect(),
    ))
}

/// Battle.net's authenticator: one account, Battle.net / its serial, 8 digits every 30 s.
pub(super) fn import_battle_net(
    bytes: &[u8],
) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    const APP: &str = "Battle.net";
    let prefs = strings(bytes, APP)?;
    let get = |key: &str| {
        prefs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let (secret_hex, serial): (Zeroizing<Vec<u8>>, Vec<u8>) =
        if let Some(secret) = get(BATTLE_NET_SECRET) {
            if let Some(kind) = get(BATTLE_NET_ENCRYPTION).filter(|k| *k != "MASK") {
                return Err(ImportError::damaged(
                    APP,
                    BATTLE_NET_ENCRYPTION,
                    format!("`{kind}` is not an encryption Twofold can read (only MASK)"),
                ));
            }
            let serial = get(BATTLE_NET_SERIAL)
                .ok_or_else(|| ImportError::damaged(APP, BATTLE_NET_SERIAL, "missing"))?;
            (
                battle_net_unmask(BATTLE_NET_SECRET, secret)?,
                battle_net_unmask(BATTLE_NET_SERIAL, serial)?.to_vec(),
            )
        } else {
            let hash = get(BATTLE_NET_OLD)
                .ok_or_else(|| ImportError::damaged(APP, BATTLE_NET_OLD, "missing"))?;
            let both = battle_net_unmask(BATTLE_NET_OLD, hash)?;
            if both.len() != BATTLE_NET_MASK.len() {
                return Err(ImportError::damaged(
                    APP,
                    BATTLE_NET_OLD,
                    format!("{} bytes, not {}", both.len(), BATTLE_NET_MASK.len()),
                ));
            }
            (Zeroizing::new(both[..40].to_vec()), both[40..].to_vec())
        };
    let serial = String::from_utf8(serial)
        .ok()
        .filter(|s| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .ok_or_else(|| {
            ImportError::damaged(APP, "serial", "not a serial once unmasked (a damaged file)")
        })?;
    let key = Zeroizing::new(
        data_encoding::HEXLOWER_PERMISSIVE
            .decode(&secret_hex)
            .map_err(|_| {
                ImportError::damaged(APP, "secret", "not a secret once unmasked (a damaged file)")
            })?,
    );
    let fields = Fields {
        kind: "totp".into(),
        issuer: APP.into(),
        name: serial,
        secret: data_encoding::BASE32_NOPAD.encode(&key),
        algorithm: "SHA1".into(),
        digits: Some(8),
        period: Some(30),
        counter: None,
        tags: Vec::new(),
        favourite: false,
    };
    Ok(convert([Ok(fields)]))
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
