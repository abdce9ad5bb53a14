//! Aegis vault JSON (database version 3), as Aegis documents it: tags become groups, the pin a
//! favourite; encrypted, the database is sealed with AES-256-GCM under a random master key that
//! one password slot wraps with a key from scrypt (N = 2^15, r = 8, p = 1, Aegis's own
//! parameters).

use base64::Engine;
use serde::Serialize;
use serde_json::{Value, json};
use twofold_core::entropy::{Entropy, EntropyError};
use twofold_core::otp::Method;
use twofold_core::{Account, Secret};
use zeroize::Zeroizing;

use super::uuid_of;

/// Aegis's scrypt parameters.
const LOG_N: u8 = 15;
const R: u32 = 8;
const P: u32 = 1;

#[derive(Serialize)]
struct Db {
    version: u32,
    entries: Vec<DbEntry>,
    groups: Vec<Group>,
    icons_optimized: bool,
}

#[derive(Serialize)]
struct Group {
    uuid: String,
    name: String,
}

#[derive(Serialize)]
struct DbEntry {
    #[serde(rename = "type")]
    kind: &'static str,
    uuid: String,
    name: String,
    issuer: String,
    note: &'static str,
    favorite: bool,
    icon: Option<()>,
    info: Info,
    groups: Vec<String>,
}

#[derive(Serialize)]
struct Info {
    secret: Zeroizing<String>,
    algo: &'static str,
    digits: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    period: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    counter: Option<u64>,
}

fn group_uuid(tag: &str) -> String {
    uuid_of(&format!("tag:{tag}"))
}

/// The database: entries and the groups their tags make.
fn database(accounts: &[Account]) -> Db {
    let mut groups: Vec<String> = Vec::new();
    for account in accounts {
        for tag in &account.tags {
            if !groups.contains(tag) {
                groups.push(tag.clone());
            }
        }
    }
    let entries = accounts
        .iter()
        .map(|a| {
            let params = a.params;
            let (kind, period, counter) = match params.method() {
                Method::Totp { period } => ("totp", Some(period), None),
                Method::Steam { period } => ("steam", Some(period), None),
                Method::Hotp { counter } => ("hotp", None, Some(counter)),
            };
            DbEntry {
                kind,
                uuid: uuid_of(a.id.as_str()),
                name: a.name.clone(),
                issuer: a.issuer.clone(),
                note: "",
                favorite: a.pinned,
                icon: None,
                info: Info {
                    secret: a.secret.to_base32(),
                    algo: params.algorithm().as_str(),
                    digits: params.digits(),
                    period,
                    counter,
                },
                groups: a.tags.iter().map(|t| group_uuid(t)).collect(),
            }
        })
        .collect();
    Db {
        version: 3,
        entries,
        groups: groups
            .into_iter()
            .map(|name| Group {
                uuid: group_uuid(&name),
                name,
            })
            .collect(),
        icons_optimized: true,
    }
}

fn pretty(value: &impl Serialize) -> Zeroizing<Vec<u8>> {
    let mut bytes = Zeroizing::new(serde_json::to_vec_pretty(value).unwrap_or_default());
    bytes.push(b'\n');
    bytes
}

#[derive(Serialize)]
struct PlainFile {
    version: u32,
    header: Value,
    db: Db,
}

/// The unencrypted vault file.
pub(super) fn plain(accounts: &[Account]) -> Zeroizing<Vec<u8>> {
    pretty(&PlainFile {
        version: 1,
        header: json!({"slots": null, "params": null}),
        db: database(accounts),
    })
}

/// AES-256-GCM; the ciphertext and the tag apart, as Aegis stores them.
fn seal(key: &[u8; 32], nonce: &[u8; 12], plain: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut sealed = crate::crypto::gcm_seal(key, nonce, plain);
    let tag = sealed.split_off(sealed.len().saturating_sub(16));
    (sealed, tag)
}

/// The vault file encrypted with `password`.
pub(super) fn encrypted(
    accounts: &[Account],
    password: &Secret,
    entropy: &mut dyn Entropy,
) -> Result<Zeroizing<Vec<u8>>, EntropyError> {
    let master = crate::crypto::random::<32>(entropy)?;
    let salt = crate::crypto::random::<32>(entropy)?;
    let key_nonce = crate::crypto::random::<12>(entropy)?;
    let db_nonce = crate::crypto::random::<12>(entropy)?;
    let slot_id = crate::crypto::random::<16>(entropy)?;
    let mut derived = Zeroizing::new([0u8; 32]);
    // Aegis's fixed parameters are valid for scrypt.
    if let Ok(params) = scrypt::Params::new(LOG_N, R, P) {
        let _ = scrypt::scrypt(password.expose(), salt.as_ref(), &params, derived.as_mut());
    }
    let (wrapped, key_tag) = seal(&derived, &key_nonce, master.as_ref());
    let db_bytes = Zeroizing::new(serde_json::to_vec(&database(accounts)).unwrap_or_default());
    let (sealed_db, db_tag) = seal(&master, &db_nonce, &db_bytes);
    let hex = |b: &[u8]| data_encoding::HEXLOWER.encode(b);
    let file = json!({
        "version": 1,
        "header": {
            "slots": [{
                "type": 1,
                "uuid": super::uuid_text(&slot_id),
                "key": hex(&wrapped),
                "key_params": {"nonce": hex(key_nonce.as_ref()), "tag": hex(&key_tag)},
                "n": 1u64 << LOG_N,
                "r": R,
                "p": P,
                "salt": hex(salt.as_ref()),
                "repaired": true,
                "is_backup": false,
            }],
            "params": {"nonce": hex(db_nonce.as_ref()), "tag": hex(&db_tag)},
        },
        "db": base64::engine::general_purpose::STANDARD.encode(&sealed_db),
    });
    Ok(pretty(&file))
}
