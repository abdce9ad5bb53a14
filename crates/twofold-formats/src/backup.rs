//! Twofold's own backup file (`docs/backup-format.md`): the vault's plaintext (every account
//! with its tags, colour, pin and kept parameters) sealed with XChaCha20-Poly1305 under a random
//! backup key, which each slot wraps — today a passphrase through Argon2id. It depends on no OS
//! keychain, so it restores on a new machine. JSON, so that a person can read its structure and
//! decrypt it by hand.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use twofold_core::entropy::{Entropy, EntropyError};
use twofold_core::vault::{self, Contents, KdfParams};
use twofold_core::{Account, Secret};
use zeroize::Zeroizing;

use crate::error::{EntryProblem, ImportError};
use crate::import::{Entry, Input};

const APP: &str = "Twofold backup";
/// The `format` field's value.
pub const FORMAT: &str = "twofold-backup";
/// The version this module writes and reads.
pub const VERSION: u64 = 1;
/// Associated data of the payload.
const PAYLOAD_AAD: &[u8] = b"twofold-backup-v1";
/// Associated data of a key wrap.
const WRAP_AAD: &[u8] = b"twofold-backup-v1 key";
/// The bounds a file's Argon2id parameters must keep: the vault reader's.
use twofold_core::vault::{
    MAX_M_COST_KIB as MAX_MEMORY_KIB, MAX_P_COST as MAX_LANES, MAX_T_COST as MAX_PASSES,
};

#[derive(Serialize, Deserialize)]
struct File {
    format: String,
    version: u64,
    created_at: u64,
    slots: Vec<Slot>,
    nonce: String,
    payload: String,
}

#[derive(Serialize, Deserialize)]
struct Slot {
    kind: String,
    kdf: Kdf,
    nonce: String,
    wrapped_key: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    memory_kib: u32,
    passes: u32,
    lanes: u32,
    salt: String,
}

/// Whether the JSON is a Twofold backup.
pub(crate) fn detect(json: &Value) -> bool {
    json.get("format").and_then(Value::as_str) == Some(FORMAT)
}

/// The key-encryption key of a passphrase slot: the vault's own derivation.
fn kek(passphrase: &Secret, salt: &[u8], kdf: KdfParams) -> Result<Zeroizing<[u8; 32]>, String> {
    vault::derive_kek(passphrase, salt, kdf).map_err(|e| e.to_string())
}

/// Seals `contents` under `passphrase`: the backup file's bytes (zeroized when dropped; they
/// hold no secret in the clear, but the caller's copies should not linger either).
pub fn seal(
    contents: &Contents,
    passphrase: &Secret,
    kdf: KdfParams,
    entropy: &mut dyn Entropy,
    now: u64,
) -> Result<Zeroizing<Vec<u8>>, EntropyError> {
    let key = crate::crypto::random::<32>(entropy)?;
    let salt = crate::crypto::random::<16>(entropy)?;
    let wrap_nonce = crate::crypto::random::<24>(entropy)?;
    let nonce = crate::crypto::random::<24>(entropy)?;
    // Twofold's own parameters are always valid for Argon2.
    let kek = kek(passphrase, salt.as_ref(), kdf).unwrap_or_else(|_| Zeroizing::new([0; 32]));
    let wrapped = XChaCha20Poly1305::new((&*kek).into())
        .encrypt(
            &XNonce::from(*wrap_nonce),
            Payload {
                msg: key.as_ref(),
                aad: WRAP_AAD,
            },
        )
        .unwrap_or_default();
    let plaintext = vault::encode_payload(contents);
    let sealed = XChaCha20Poly1305::new((&*key).into())
        .encrypt(
            &XNonce::from(*nonce),
            Payload {
                msg: plaintext.as_slice(),
                aad: PAYLOAD_AAD,
            },
        )
        .unwrap_or_default();
    let file = File {
        format: FORMAT.into(),
        version: VERSION,
        created_at: now,
        slots: vec![Slot {
            kind: "passphrase".into(),
            kdf: Kdf {
                name: "argon2id".into(),
                memory_kib: kdf.m_cost_kib,
                passes: kdf.t_cost,
                lanes: kdf.p_cost,
                salt: B64.encode(salt.as_ref()),
            },
            nonce: B64.encode(wrap_nonce.as_ref()),
            wrapped_key: B64.encode(&wrapped),
        }],
        nonce: B64.encode(nonce.as_ref()),
        payload: B64.encode(&sealed),
    };
    let mut bytes = serde_json::to_vec_pretty(&file).unwrap_or_default();
    bytes.push(b'\n');
    Ok(Zeroizing::new(bytes))
}

fn b64(field: &str, text: &str) -> Result<Vec<u8>, ImportError> {
    B64.decode(text.trim())
        .map_err(|e| ImportError::damaged(APP, field, format!("not base64: {e}")))
}

fn fixed<const N: usize>(field: &str, text: &str) -> Result<[u8; N], ImportError> {
    b64(field, text)?
        .try_into()
        .map_err(|_| ImportError::damaged(APP, field, format!("not {N} bytes")))
}

/// The Argon2id parameters of a slot, refused beyond the bounds before any work.
fn checked_kdf(i: usize, kdf: &Kdf) -> Result<KdfParams, ImportError> {
    let costly = |what: &'static str, value: u32, limit: u32| ImportError::KdfTooCostly {
        app: APP,
        what,
        value: u64::from(value),
        limit: u64::from(limit),
    };
    if kdf.name != "argon2id" {
        return Err(ImportError::damaged(
            APP,
            format!("slots[{i}].kdf.name"),
            format!("`{}` is not argon2id", kdf.name),
        ));
    }
    if kdf.memory_kib > MAX_MEMORY_KIB {
        return Err(costly(
            "Argon2id memory (KiB)",
            kdf.memory_kib,
            MAX_MEMORY_KIB,
        ));
    }
    if kdf.passes > MAX_PASSES {
        return Err(costly("Argon2id passes", kdf.passes, MAX_PASSES));
    }
    if kdf.lanes > MAX_LANES {
        return Err(costly("Argon2id lanes", kdf.lanes, MAX_LANES));
    }
    if kdf.passes == 0 || kdf.lanes == 0 || kdf.memory_kib < 8 * kdf.lanes {
        return Err(ImportError::damaged(
            APP,
            format!("slots[{i}].kdf"),
            "passes and lanes of at least 1, and at least 8 KiB of memory a lane",
        ));
    }
    Ok(KdfParams {
        m_cost_kib: kdf.memory_kib,
        t_cost: kdf.passes,
        p_cost: kdf.lanes,
    })
}

/// Opens a backup with its passphrase: the vault contents it holds.
pub fn open(bytes: &[u8], passphrase: Option<&Secret>) -> Result<Contents, ImportError> {
    open_input(Input::Bytes(bytes), passphrase)
}

fn open_input(input: Input<'_>, passphrase: Option<&Secret>) -> Result<Contents, ImportError> {
    let file: File = input.parse(APP, "the file")?;
    if file.format != FORMAT {
        return Err(ImportError::damaged(APP, "format", "not a Twofold backup"));
    }
    if file.version != VERSION {
        return Err(ImportError::damaged(
            APP,
            "version",
            format!(
                "version {} (this Twofold reads version {VERSION}; a newer Twofold wrote it)",
                file.version
            ),
        ));
    }
    let passphrase = passphrase.ok_or(ImportError::PasswordRequired { app: APP })?;
    let mut tried = false;
    let mut key = None;
    for (i, slot) in file.slots.iter().enumerate() {
        if slot.kind != "passphrase" {
            continue;
        }
        let kdf = checked_kdf(i, &slot.kdf)?;
        let salt = b64(&format!("slots[{i}].kdf.salt"), &slot.kdf.salt)?;
        let nonce: [u8; 24] = fixed(&format!("slots[{i}].nonce"), &slot.nonce)?;
        let wrapped = b64(&format!("slots[{i}].wrapped_key"), &slot.wrapped_key)?;
        let kek = kek(passphrase, &salt, kdf)
            .map_err(|e| ImportError::damaged(APP, format!("slots[{i}].kdf"), e))?;
        tried = true;
        if let Ok(k) = XChaCha20Poly1305::new((&*kek).into()).decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: &wrapped,
                aad: WRAP_AAD,
            },
        ) {
            key = Some(Zeroizing::new(k));
            break;
        }
    }
    let Some(key) = key else {
        return Err(if tried {
            ImportError::WrongPassword { app: APP }
        } else {
            ImportError::damaged(APP, "slots", "no passphrase slot")
        });
    };
    let key: [u8; 32] = key
        .as_slice()
        .try_into()
        .map_err(|_| ImportError::damaged(APP, "slots", "a wrapped key that is not 32 bytes"))?;
    let key = Zeroizing::new(key);
    let nonce: [u8; 24] = fixed("nonce", &file.nonce)?;
    let sealed = b64("payload", &file.payload)?;
    let plaintext = XChaCha20Poly1305::new((&*key).into())
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: &sealed,
                aad: PAYLOAD_AAD,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| ImportError::damaged(APP, "payload", "fails its integrity check"))?;
    vault::decode_payload(&plaintext)
        .map_err(|e| ImportError::damaged(APP, "payload (decrypted)", e.to_string()))
}

/// A backup's accounts as import entries: every label kept (tags, colour, pin) and the
/// parameters Twofold keeps verbatim.
pub(crate) fn import(
    input: Input<'_>,
    passphrase: Option<&Secret>,
) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    let contents = open_input(input, passphrase)?;
    crate::import::check_count(APP, contents.accounts.len())?;
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for account in &contents.accounts {
        match entry_of(account) {
            Ok(e) => entries.push(e),
            Err(p) => problems.push(p),
        }
    }
    Ok((entries, problems))
}

/// The account as an entry, its labels checked by the rules every account has (a backup is
/// outside input like any other file).
fn entry_of(account: &Account) -> Result<Entry, EntryProblem> {
    let labels = twofold_core::account::Labels::of(account)
        .check()
        .map_err(|mut problems| {
            let first = problems.remove(0);
            EntryProblem {
                entry: account.display_name(),
                field: first.field,
                problem: first.message,
            }
        })?;
    Ok(Entry {
        draft: account.to_draft(),
        labels,
    })
}
