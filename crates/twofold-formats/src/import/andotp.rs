//! andOTP's backups: the plain JSON list, and the encrypted file — since andOTP 0.6.3 the
//! PBKDF2-HMAC-SHA1 rounds (4 bytes, big-endian), a 12-byte salt and a 12-byte IV before the
//! AES-256-GCM ciphertext; before it, the key was SHA-256 of the password and the file just IV
//! and ciphertext. Tags are kept.

use serde::Deserialize;
use serde_json::Value;
use sha2::Digest;
use twofold_core::Secret;
use zeroize::Zeroizing;

use super::{Entry, Fields, Input, check_count, convert, nth, null_as_default};
use crate::error::{EntryProblem, ImportError};

const APP: &str = "andOTP";

/// The most PBKDF2 rounds a file may ask for (andOTP picks 140,000–160,000; 2,000,000 take
/// about two seconds).
const MAX_ROUNDS: u32 = 2_000_000;
/// The fewest rounds a real file has; fewer is not this format.
const MIN_ROUNDS: u32 = 1_000;
/// Salt, IV and GCM tag lengths.
const SALT: usize = 12;
const IV: usize = 12;
const TAG: usize = 16;

#[derive(Deserialize)]
struct Token {
    #[serde(default, deserialize_with = "null_as_default")]
    secret: String,
    #[serde(default, deserialize_with = "null_as_default")]
    issuer: String,
    #[serde(default, deserialize_with = "null_as_default")]
    label: String,
    digits: Option<u64>,
    period: Option<u64>,
    counter: Option<u64>,
    #[serde(default, rename = "type", deserialize_with = "null_as_default")]
    kind: String,
    #[serde(default, deserialize_with = "null_as_default")]
    algorithm: String,
    #[serde(default, deserialize_with = "null_as_default")]
    tags: Vec<String>,
}

/// Whether the JSON is an andOTP list: an array of objects with a secret and a type.
pub(super) fn detect(json: &Value) -> bool {
    json.as_array().is_some_and(|items| {
        items.iter().all(|t| {
            t.get("secret").is_some_and(Value::is_string)
                && t.get("type").is_some_and(Value::is_string)
        })
    })
}

/// Whether the bytes look like andOTP's current encrypted layout: a plausible round count and
/// room for salt, IV and tag. (The oldest layout has no header; `--format andotp` reads it.)
pub(super) fn detect_encrypted(bytes: &[u8]) -> bool {
    rounds(bytes).is_some_and(|r| (MIN_ROUNDS..=MAX_ROUNDS).contains(&r))
        && bytes.len() >= 4 + SALT + IV + TAG
}

fn rounds(bytes: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?))
}

pub(super) fn import_plain(
    input: Input<'_>,
) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    let tokens: Vec<Value> = input.parse(APP, "the file")?;
    check_count(APP, tokens.len())?;
    let fields = tokens.into_iter().enumerate().map(|(i, value)| {
        let t: Token = serde_json::from_value(value).map_err(|e| EntryProblem {
            entry: nth(i),
            field: "entry",
            problem: e.to_string(),
        })?;
        // Old andOTP versions had no issuer field and wrote `Issuer - account` as the label.
        let (issuer, name) = match t.label.split_once(" - ") {
            Some((issuer, name)) if t.issuer.trim().is_empty() => {
                (issuer.to_owned(), name.to_owned())
            }
            _ => (t.issuer, t.label),
        };
        Ok(Fields {
            kind: t.kind,
            issuer,
            name,
            secret: t.secret,
            algorithm: t.algorithm,
            digits: t.digits,
            period: t.period,
            counter: t.counter,
            tags: t.tags,
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
    if bytes.len() < IV + TAG {
        return Err(ImportError::damaged(
            APP,
            "the file",
            "too short to be encrypted",
        ));
    }
    let plain = match rounds(bytes) {
        Some(r) if (MIN_ROUNDS..=MAX_ROUNDS).contains(&r) && bytes.len() >= 4 + SALT + IV + TAG => {
            current(bytes, r, password).or_else(|| old(bytes, password))
        }
        // The first bytes are either the oldest layout's IV or a round count beyond the cap:
        // only the oldest layout is tried, and a failure names both readings.
        Some(r) if r > MAX_ROUNDS => Some(old(bytes, password).ok_or_else(|| {
            ImportError::damaged(
                APP,
                "the file",
                format!(
                    "the password does not open it (older andOTP layout), and read as the \
                     current layout it asks for {r} PBKDF2 rounds, more than Twofold allows \
                     ({MAX_ROUNDS}); check the password"
                ),
            )
        })?),
        _ => old(bytes, password),
    };
    let plain = plain.ok_or(ImportError::WrongPassword { app: APP })?;
    import_plain(Input::Bytes(&plain))
}

fn open(key: &[u8; 32], iv: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    crate::crypto::gcm_open(key, &iv.try_into().ok()?, sealed, b"")
}

/// Rounds, salt, IV, ciphertext.
fn current(bytes: &[u8], rounds: u32, password: &Secret) -> Option<Zeroizing<Vec<u8>>> {
    let salt = &bytes[4..4 + SALT];
    let iv = &bytes[4 + SALT..4 + SALT + IV];
    let mut key = Zeroizing::new([0u8; 32]);
    crate::crypto::pbkdf2::<sha1::Sha1>(password.expose(), salt, rounds, key.as_mut());
    open(&key, iv, &bytes[4 + SALT + IV..])
}

/// IV, ciphertext, under SHA-256 of the password.
fn old(bytes: &[u8], password: &Secret) -> Option<Zeroizing<Vec<u8>>> {
    let key = Zeroizing::new(<[u8; 32]>::from(sha2::Sha256::digest(password.expose())));
    open(&key, &bytes[..IV], &bytes[IV..])
}
