//! Bitwarden's unencrypted exports, JSON and CSV (the password manager's and Bitwarden
//! Authenticator's): each login's `totp` field — an `otpauth://` link, `steam://SECRET` or a
//! bare secret. The issuer comes from the link, else the item's name; the account from the
//! link, else the login's user name. Folders become tags, favourites are pinned; items without
//! a TOTP field are not accounts and are passed over. A password-protected JSON export is opened
//! with its password (PBKDF2-SHA256 or Argon2id, bounded; HKDF-expanded keys; AES-256-CBC with
//! HMAC-SHA256 "2." cipher strings); an account-restricted one needs the account's key, which
//! the file does not hold: refused with a clear error.

use base64::Engine;
use serde::Deserialize;
use serde_json::Value;
use sha2::Digest;
use twofold_core::Secret;
use zeroize::Zeroizing;

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

/// Whether the JSON is a Bitwarden export, and which kind.
pub(super) fn detect(json: &Value) -> Option<Format> {
    if json.get("passwordProtected").and_then(Value::as_bool) == Some(true)
        && json.get("data").is_some_and(Value::is_string)
    {
        return Some(Format::BitwardenEncrypted);
    }
    (json.get("encrypted").is_some_and(Value::is_boolean)
        && (json.get("items").is_some() || json.get("encKeyValidation_DO_NOT_EDIT").is_some()))
    .then_some(Format::BitwardenJson)
}

/// The most PBKDF2 rounds (Bitwarden's default is 600,000), Argon2id MiB, passes and lanes.
const MAX_PBKDF2: u64 = 5_000_000;
const MAX_ARGON_MIB: u64 = 1024;
const MAX_ARGON_PASSES: u64 = 16;
const MAX_ARGON_LANES: u64 = 16;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Protected {
    salt: String,
    kdf_type: u8,
    kdf_iterations: u64,
    kdf_memory: Option<u64>,
    kdf_parallelism: Option<u64>,
    #[serde(rename = "encKeyValidation_DO_NOT_EDIT")]
    validation: String,
    data: String,
}

/// The master key a password-protected export's KDF settings make, refused beyond the bounds.
fn master_key(p: &Protected, password: &Secret) -> Result<Zeroizing<[u8; 32]>, ImportError> {
    let costly = |what: &'static str, value: u64, limit: u64| ImportError::KdfTooCostly {
        app: APP,
        what,
        value,
        limit,
    };
    let mut master = Zeroizing::new([0u8; 32]);
    match p.kdf_type {
        0 => {
            if p.kdf_iterations > MAX_PBKDF2 {
                return Err(costly("PBKDF2 rounds", p.kdf_iterations, MAX_PBKDF2));
            }
            let rounds = u32::try_from(p.kdf_iterations).unwrap_or(u32::MAX).max(1);
            crate::crypto::pbkdf2::<sha2::Sha256>(
                password.expose(),
                p.salt.as_bytes(),
                rounds,
                master.as_mut(),
            );
        }
        1 => {
            let memory = p.kdf_memory.unwrap_or(64);
            let lanes = p.kdf_parallelism.unwrap_or(4);
            if memory > MAX_ARGON_MIB {
                return Err(costly("Argon2id memory (MiB)", memory, MAX_ARGON_MIB));
            }
            if p.kdf_iterations > MAX_ARGON_PASSES {
                return Err(costly(
                    "Argon2id passes",
                    p.kdf_iterations,
                    MAX_ARGON_PASSES,
                ));
            }
            if lanes > MAX_ARGON_LANES {
                return Err(costly("Argon2id lanes", lanes, MAX_ARGON_LANES));
            }
            // Bitwarden's Argon2id salt is SHA-256 of the salt text.
            let salt: [u8; 32] = sha2::Sha256::digest(p.salt.as_bytes()).into();
            master = crate::crypto::argon2id(
                password.expose(),
                &salt,
                u32::try_from(memory * 1024).unwrap_or(u32::MAX),
                u32::try_from(p.kdf_iterations).unwrap_or(u32::MAX),
                u32::try_from(lanes).unwrap_or(u32::MAX),
            )
            .map_err(|e| ImportError::damaged(APP, "kdf", e))?;
        }
        other => {
            return Err(ImportError::damaged(
                APP,
                "kdfType",
                format!("{other} is not 0 (PBKDF2) or 1 (Argon2id)"),
            ));
        }
    }
    Ok(master)
}

/// A type 2 cipher string (`2.iv|data|mac`: AES-256-CBC and HMAC-SHA256 over iv and data);
/// `None` when its MAC does not match (a wrong key).
fn open_cipher_string(
    field: &'static str,
    text: &str,
    enc: &[u8; 32],
    mac: &[u8; 32],
) -> Result<Option<Zeroizing<Vec<u8>>>, ImportError> {
    use hmac::{KeyInit, Mac};
    let rest = text
        .strip_prefix("2.")
        .ok_or_else(|| ImportError::damaged(APP, field, "not a type 2 cipher string"))?;
    let parts: Vec<&str> = rest.split('|').collect();
    let [iv, data, tag] = parts[..] else {
        return Err(ImportError::damaged(APP, field, "not iv|data|mac"));
    };
    let b64 = |t: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(t)
            .map_err(|e| ImportError::damaged(APP, field, format!("not base64: {e}")))
    };
    let (iv, data, tag) = (b64(iv)?, b64(data)?, b64(tag)?);
    let mut check = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(mac)
        .map_err(|_| ImportError::damaged(APP, field, "HMAC key"))?;
    check.update(&iv);
    check.update(&data);
    if check.verify_slice(&tag).is_err() {
        return Ok(None);
    }
    let iv: [u8; 16] = iv
        .try_into()
        .map_err(|_| ImportError::damaged(APP, field, "an IV that is not 16 bytes"))?;
    crate::crypto::cbc_open(enc, &iv, &data)
        .map(Some)
        .ok_or_else(|| ImportError::damaged(APP, field, "bad padding"))
}

/// Opens a password-protected export: the unencrypted export's JSON.
fn open_protected(bytes: &[u8], password: &Secret) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let p: Protected = super::parse_json(APP, "the file", bytes)?;
    let master = master_key(&p, password)?;
    let hkdf = hkdf::Hkdf::<sha2::Sha256>::from_prk(master.as_ref())
        .map_err(|_| ImportError::damaged(APP, "kdf", "a key of the wrong length"))?;
    let mut enc = Zeroizing::new([0u8; 32]);
    let mut mac = Zeroizing::new([0u8; 32]);
    hkdf.expand(b"enc", enc.as_mut())
        .and_then(|()| hkdf.expand(b"mac", mac.as_mut()))
        .map_err(|_| ImportError::damaged(APP, "kdf", "HKDF"))?;
    if open_cipher_string("encKeyValidation_DO_NOT_EDIT", &p.validation, &enc, &mac)?.is_none() {
        return Err(ImportError::WrongPassword { app: APP });
    }
    open_cipher_string("data", &p.data, &enc, &mac)?
        .ok_or_else(|| ImportError::damaged(APP, "data", "fails its integrity check"))
}

pub(super) fn import_protected(
    bytes: &[u8],
    password: Option<&Secret>,
) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    let password = password.ok_or(ImportError::PasswordRequired { app: APP })?;
    let plain = open_protected(bytes, password)?;
    import_json(Input::Bytes(&plain))
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
            "this export is locked to a Bitwarden account (its key is not in the file); export \
             again as \"password protected\" or unencrypted",
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
