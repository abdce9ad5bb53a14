//! Aegis's vault JSON (`version` 1; its database versions 1–3): plain, or encrypted — the
//! database sealed with AES-256-GCM under a random master key, which each password slot wraps
//! with a key derived by scrypt. Groups become tags, favourites are pinned; Aegis's icons and
//! notes have no place in Twofold yet and are left out.

use base64::Engine;
use serde::Deserialize;
use serde_json::Value;
use twofold_core::Secret;
use zeroize::Zeroizing;

use super::{Entry, Fields, Format, Input, check_count, convert, nth};
use crate::error::{EntryProblem, ImportError};

const APP: &str = "Aegis";

/// The most scrypt may be asked for: N = 2^20, r = 16, p = 16, and 1 GiB of memory (Aegis
/// itself uses N = 2^15, r = 8, p = 1: 32 MiB).
const MAX_LOG_N: u8 = 20;
const MAX_R: u32 = 16;
const MAX_P: u32 = 16;
const MAX_SCRYPT_BYTES: u64 = 1 << 30;

#[derive(Deserialize)]
struct File {
    header: Header,
    db: Value,
}

#[derive(Deserialize)]
struct Header {
    slots: Option<Vec<Value>>,
    params: Option<Params>,
}

#[derive(Deserialize)]
struct Params {
    nonce: String,
    tag: String,
}

#[derive(Deserialize)]
struct PasswordSlot {
    key: String,
    key_params: Params,
    n: u64,
    r: u32,
    p: u32,
    salt: String,
}

#[derive(Deserialize)]
struct Db {
    #[serde(default)]
    entries: Vec<Value>,
    #[serde(default)]
    groups: Vec<Group>,
}

#[derive(Deserialize)]
struct Group {
    uuid: String,
    name: String,
}

#[derive(Deserialize)]
struct DbEntry {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, deserialize_with = "crate::import::null_as_default")]
    name: String,
    #[serde(default, deserialize_with = "crate::import::null_as_default")]
    issuer: String,
    #[serde(default, deserialize_with = "crate::import::null_as_default")]
    favorite: bool,
    /// Database version 3: the uuids of the entry's groups.
    #[serde(default)]
    groups: Vec<String>,
    /// Database versions 1–2: the name of its one group.
    #[serde(default)]
    group: Option<String>,
    info: Info,
}

#[derive(Deserialize)]
struct Info {
    #[serde(default)]
    secret: String,
    #[serde(default)]
    algo: String,
    digits: Option<u64>,
    period: Option<u64>,
    counter: Option<u64>,
}

/// Whether the JSON is an Aegis vault, and which kind.
pub(super) fn detect(json: &Value) -> Option<Format> {
    if json.get("version").and_then(Value::as_u64) != Some(1) || json.get("header").is_none() {
        return None;
    }
    match (json.get("db"), json.pointer("/header/slots")) {
        (Some(Value::String(_)), Some(Value::Array(_))) => Some(Format::AegisEncrypted),
        (Some(Value::Object(_)), _) => Some(Format::AegisPlain),
        _ => None,
    }
}

pub(super) fn import(
    input: Input<'_>,
    password: Option<&Secret>,
) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    let file: File = input.parse(APP, "the file")?;
    let db: Db = match file.db {
        Value::Object(_) => serde_json::from_value(file.db)
            .map_err(|e| ImportError::damaged(APP, "db", e.to_string()))?,
        Value::String(sealed) => {
            let password = password.ok_or(ImportError::PasswordRequired { app: APP })?;
            let plain = decrypt(&file.header, &sealed, password)?;
            serde_json::from_slice(&plain)
                .map_err(|e| ImportError::damaged(APP, "db (decrypted)", e.to_string()))?
        }
        _ => {
            return Err(ImportError::damaged(
                APP,
                "db",
                "neither an object nor a string",
            ));
        }
    };
    check_count(APP, db.entries.len())?;
    let groups = db.groups;
    let fields = db.entries.into_iter().enumerate().map(|(i, value)| {
        let e: DbEntry = serde_json::from_value(value).map_err(|e| EntryProblem {
            entry: nth(i),
            field: "entry",
            problem: e.to_string(),
        })?;
        let mut tags: Vec<String> = e
            .groups
            .iter()
            .filter_map(|uuid| groups.iter().find(|g| &g.uuid == uuid))
            .map(|g| g.name.clone())
            .collect();
        tags.extend(e.group.filter(|g| !g.is_empty()));
        Ok(Fields {
            kind: e.kind,
            issuer: e.issuer,
            name: e.name,
            secret: e.info.secret,
            algorithm: e.info.algo,
            digits: e.info.digits,
            period: e.info.period,
            counter: e.info.counter,
            tags,
            favourite: e.favorite,
        })
    });
    Ok(convert(fields))
}

fn hex(field: &str, text: &str) -> Result<Vec<u8>, ImportError> {
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(text.as_bytes())
        .map_err(|e| ImportError::damaged(APP, field, format!("not hexadecimal: {e}")))
}

/// AES-256-GCM with Aegis's parameters (the tag kept apart from the ciphertext).
fn open(
    key: &[u8],
    params: &Params,
    ciphertext: &[u8],
    field: &str,
) -> Result<Option<Zeroizing<Vec<u8>>>, ImportError> {
    let nonce = hex(&format!("{field}.nonce"), &params.nonce)?;
    let tag = hex(&format!("{field}.tag"), &params.tag)?;
    let nonce: [u8; 12] = nonce
        .try_into()
        .map_err(|_| ImportError::damaged(APP, format!("{field}.nonce"), "not 12 bytes"))?;
    if tag.len() != 16 {
        return Err(ImportError::damaged(
            APP,
            format!("{field}.tag"),
            "not 16 bytes",
        ));
    }
    let key: &[u8; 32] = key
        .try_into()
        .map_err(|_| ImportError::damaged(APP, field, "a key of 32 bytes"))?;
    let mut sealed = ciphertext.to_vec();
    sealed.extend_from_slice(&tag);
    Ok(crate::crypto::gcm_open(key, &nonce, &sealed, b""))
}

/// The master key from the first password slot the password opens, then the database.
fn decrypt(
    header: &Header,
    sealed: &str,
    password: &Secret,
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let params = header
        .params
        .as_ref()
        .ok_or_else(|| ImportError::damaged(APP, "header.params", "missing"))?;
    let slots = header.slots.as_deref().unwrap_or_default();
    let mut tried = false;
    for (i, slot) in slots.iter().enumerate() {
        // Type 1 is a password slot; others (biometric) cannot be opened off the phone.
        if slot.get("type").and_then(Value::as_u64) != Some(1) {
            continue;
        }
        let field = format!("header.slots[{i}]");
        let slot: PasswordSlot = serde_json::from_value(slot.clone())
            .map_err(|e| ImportError::damaged(APP, field.clone(), e.to_string()))?;
        let key = derive(&slot, password, &field)?;
        tried = true;
        let wrapped = hex(&format!("{field}.key"), &slot.key)?;
        if let Some(master) = open(
            key.as_ref(),
            &slot.key_params,
            &wrapped,
            &format!("{field}.key_params"),
        )? {
            let db = base64::engine::general_purpose::STANDARD
                .decode(sealed.trim())
                .map_err(|e| ImportError::damaged(APP, "db", format!("not base64: {e}")))?;
            return open(&master, params, &db, "header.params")?
                .ok_or_else(|| ImportError::damaged(APP, "db", "fails its integrity check"));
        }
    }
    if tried {
        Err(ImportError::WrongPassword { app: APP })
    } else {
        Err(ImportError::damaged(
            APP,
            "header.slots",
            "no password slot",
        ))
    }
}

/// scrypt with the slot's parameters, refused beyond Twofold's bounds before any work.
fn derive(
    slot: &PasswordSlot,
    password: &Secret,
    field: &str,
) -> Result<Zeroizing<[u8; 32]>, ImportError> {
    let costly = |what: &'static str, value: u64, limit: u64| ImportError::KdfTooCostly {
        app: APP,
        what,
        value,
        limit,
    };
    if !slot.n.is_power_of_two() || slot.n < 2 {
        return Err(ImportError::damaged(
            APP,
            format!("{field}.n"),
            "not a power of two",
        ));
    }
    let log_n = u8::try_from(slot.n.trailing_zeros()).unwrap_or(u8::MAX);
    if log_n > MAX_LOG_N {
        return Err(costly("scrypt N", slot.n, 1 << MAX_LOG_N));
    }
    if slot.r > MAX_R {
        return Err(costly("scrypt r", u64::from(slot.r), u64::from(MAX_R)));
    }
    if slot.p > MAX_P {
        return Err(costly("scrypt p", u64::from(slot.p), u64::from(MAX_P)));
    }
    let memory = 128 * slot.n * u64::from(slot.r);
    if memory > MAX_SCRYPT_BYTES {
        return Err(costly("scrypt memory (bytes)", memory, MAX_SCRYPT_BYTES));
    }
    let salt = hex(&format!("{field}.salt"), &slot.salt)?;
    let (log_n, r, p) = (
        crate::crypto::work(log_n, 1),
        crate::crypto::work(slot.r, 1),
        crate::crypto::work(slot.p, 1),
    );
    let params = scrypt::Params::new(log_n, r, p)
        .map_err(|e| ImportError::damaged(APP, field, format!("scrypt parameters: {e}")))?;
    let mut key = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(password.expose(), &salt, &params, key.as_mut())
        .map_err(|e| ImportError::damaged(APP, field, format!("scrypt: {e}")))?;
    Ok(key)
}
