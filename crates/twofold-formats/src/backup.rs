//! Twofold's own backup file (`docs/backup-format.md`): the vault's plaintext (every account
//! with its tags, colour, pin and kept parameters) sealed with XChaCha20-Poly1305 under a random
//! backup key, which each slot wraps or seals: a passphrase (Argon2id), the vault's recovery key
//! or a backup passphrase (sealed to their public keys, so automatic backups need no secret),
//! and the writing vault's own key (so it can verify them). It depends on no OS keychain, so it
//! restores on a new machine. JSON, so that a person can read its structure and
//! decrypt it by hand.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use twofold_core::entropy::Entropy;
use twofold_core::recovery::{Recipient, RecoveryKey, SEALED_LEN};
use twofold_core::vault::{self, Contents, KdfParams, VaultError};
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
/// Associated data of a key wrap or seal.
const WRAP_AAD: &[u8] = b"twofold-backup-v1 key";
/// The most slots a file may have (each costs a key derivation to try).
const MAX_SLOTS: usize = 8;

/// Slot kinds.
const PASSPHRASE: &str = "passphrase";
const RECOVERY_KEY: &str = "recovery-key";
const BACKUP_PASSPHRASE: &str = "backup-passphrase";
const VAULT: &str = "vault";

#[derive(Serialize, Deserialize)]
struct File {
    format: String,
    version: u64,
    created_at: u64,
    slots: Vec<Slot>,
    nonce: String,
    payload: String,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Slot {
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kdf: Option<Kdf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    vault_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    public_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    wrapped_key: Option<String>,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Kdf {
    name: String,
    memory_kib: u32,
    passes: u32,
    lanes: u32,
    salt: String,
}

/// One way to open a backup, as it is written.
#[derive(Clone, Copy)]
pub enum Lock<'a> {
    /// A passphrase typed for this export (Argon2id, then the key wrapped).
    Passphrase {
        /// The passphrase.
        passphrase: &'a Secret,
        /// The KDF cost.
        kdf: KdfParams,
    },
    /// Sealed to the vault's recovery key (no secret needed to write it).
    RecoveryKey(Recipient),
    /// Sealed to the backup passphrase chosen in the settings (no secret needed to write it).
    BackupPassphrase(Recipient),
    /// The vault's own key: lets the vault that wrote it verify and restore it. Never the only
    /// lock of a backup (anyone with the vault key reads the vault anyway).
    Vault {
        /// The vault id (hex).
        vault_id: &'a str,
        /// The vault key.
        key: &'a Secret,
    },
}

impl std::fmt::Debug for Lock<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Passphrase { .. } => "Lock::Passphrase",
            Self::RecoveryKey(_) => "Lock::RecoveryKey",
            Self::BackupPassphrase(_) => "Lock::BackupPassphrase",
            Self::Vault { .. } => "Lock::Vault",
        })
    }
}

/// What a backup says about itself without being opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupInfo {
    /// When it was written (Unix seconds; not authenticated).
    pub created_at: u64,
    /// Its slot kinds, in order (`passphrase`, `recovery-key`, `backup-passphrase`, `vault`).
    pub slots: Vec<String>,
    /// The vault whose key opens it, when it has a vault slot.
    pub vault_id: Option<String>,
}

/// Whether the JSON is a Twofold backup.
pub(crate) fn detect(json: &Value) -> bool {
    json.get("format").and_then(Value::as_str) == Some(FORMAT)
}

/// The key-encryption key of a passphrase slot: the vault's own derivation.
fn kek(passphrase: &Secret, salt: &[u8], kdf: KdfParams) -> Result<Zeroizing<[u8; 32]>, String> {
    vault::derive_kek(passphrase, salt, kdf).map_err(|e| e.to_string())
}

/// The key of a vault slot: SHA-256("twofold backup vault slot" ‖ vault key).
fn vault_slot_key(key: &Secret) -> Zeroizing<[u8; 32]> {
    Zeroizing::new(
        Sha256::new()
            .chain_update(b"twofold backup vault slot")
            .chain_update(key.expose())
            .finalize()
            .into(),
    )
}

fn kdf_json(kdf: KdfParams, salt: &[u8]) -> Kdf {
    Kdf {
        name: "argon2id".into(),
        memory_kib: kdf.m_cost_kib,
        passes: kdf.t_cost,
        lanes: kdf.p_cost,
        salt: B64.encode(salt),
    }
}

fn wrap(
    kek: &[u8; 32],
    key: &[u8],
    entropy: &mut dyn Entropy,
) -> Result<(String, String), VaultError> {
    let nonce = crate::crypto::random::<24>(entropy)?;
    let wrapped = XChaCha20Poly1305::new(kek.into())
        .encrypt(
            &XNonce::from(*nonce),
            Payload {
                msg: key,
                aad: WRAP_AAD,
            },
        )
        .map_err(|_| VaultError::Corrupt {
            reason: "wrapping the backup key failed".into(),
        })?;
    Ok((B64.encode(nonce.as_ref()), B64.encode(wrapped)))
}

fn slot(kind: &str) -> Slot {
    Slot {
        kind: kind.into(),
        kdf: None,
        vault_id: None,
        public_key: None,
        sealed_key: None,
        nonce: None,
        wrapped_key: None,
    }
}

fn lock_slot(lock: &Lock<'_>, key: &Secret, entropy: &mut dyn Entropy) -> Result<Slot, VaultError> {
    Ok(match lock {
        Lock::Passphrase { passphrase, kdf } => {
            let salt = crate::crypto::random::<16>(entropy)?;
            let kek = vault::derive_kek(passphrase, salt.as_ref(), *kdf)?;
            let (nonce, wrapped) = wrap(&kek, key.expose(), entropy)?;
            Slot {
                kdf: Some(kdf_json(*kdf, salt.as_ref())),
                nonce: Some(nonce),
                wrapped_key: Some(wrapped),
                ..slot(PASSPHRASE)
            }
        }
        Lock::RecoveryKey(recipient) | Lock::BackupPassphrase(recipient) => {
            let kind = if matches!(lock, Lock::RecoveryKey(_)) {
                RECOVERY_KEY
            } else {
                BACKUP_PASSPHRASE
            };
            let sealed = recipient.seal(key, WRAP_AAD, entropy)?;
            Slot {
                kdf: Some(kdf_json(recipient.kdf, &recipient.salt)),
                public_key: Some(B64.encode(recipient.public)),
                sealed_key: Some(B64.encode(sealed)),
                ..slot(kind)
            }
        }
        Lock::Vault {
            vault_id,
            key: vault_key,
        } => {
            let (nonce, wrapped) = wrap(&vault_slot_key(vault_key), key.expose(), entropy)?;
            Slot {
                vault_id: Some((*vault_id).to_owned()),
                nonce: Some(nonce),
                wrapped_key: Some(wrapped),
                ..slot(VAULT)
            }
        }
    })
}

/// Seals `contents` under `passphrase`: the backup file's bytes (zeroized when dropped; they
/// hold no secret in the clear, but the caller's copies should not linger either).
pub fn seal(
    contents: &Contents,
    passphrase: &Secret,
    kdf: KdfParams,
    entropy: &mut dyn Entropy,
    now: u64,
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    seal_with(
        contents,
        &[Lock::Passphrase { passphrase, kdf }],
        entropy,
        now,
    )
}

/// Seals `contents` with one slot per lock (at least one that is not the vault's own key).
pub fn seal_with(
    contents: &Contents,
    locks: &[Lock<'_>],
    entropy: &mut dyn Entropy,
    now: u64,
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    if !locks.iter().any(|l| !matches!(l, Lock::Vault { .. })) || locks.len() > MAX_SLOTS {
        return Err(VaultError::Corrupt {
            reason: "a backup needs a passphrase or a recovery key to open it (and at most 8 ways)"
                .into(),
        });
    }
    let key = Secret::from_slice(crate::crypto::random::<32>(entropy)?.as_ref());
    let slots = locks
        .iter()
        .map(|lock| lock_slot(lock, &key, entropy))
        .collect::<Result<Vec<_>, _>>()?;
    let nonce = crate::crypto::random::<24>(entropy)?;
    let plaintext = vault::encode_payload(contents);
    let sealed = XChaCha20Poly1305::new_from_slice(key.expose())
        .map_err(|_| bad_key())?
        .encrypt(
            &XNonce::from(*nonce),
            Payload {
                msg: plaintext.as_slice(),
                aad: PAYLOAD_AAD,
            },
        )
        .map_err(|_| VaultError::Corrupt {
            reason: "encrypting the backup failed".into(),
        })?;
    let file = File {
        format: FORMAT.into(),
        version: VERSION,
        created_at: now,
        slots,
        nonce: B64.encode(nonce.as_ref()),
        payload: B64.encode(&sealed),
    };
    let mut bytes = serde_json::to_vec_pretty(&file).map_err(|e| VaultError::Corrupt {
        reason: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(Zeroizing::new(bytes))
}

fn bad_key() -> VaultError {
    VaultError::Corrupt {
        reason: "a backup key that is not 32 bytes".into(),
    }
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

fn field<'a>(i: usize, name: &str, value: &'a Option<String>) -> Result<&'a str, ImportError> {
    value
        .as_deref()
        .ok_or_else(|| ImportError::damaged(APP, format!("slots[{i}].{name}"), "missing"))
}

/// The Argon2id parameters of a slot, refused beyond the bounds before any work.
fn checked_kdf(i: usize, kdf: Option<&Kdf>) -> Result<(KdfParams, Vec<u8>), ImportError> {
    let kdf = kdf.ok_or_else(|| ImportError::damaged(APP, format!("slots[{i}].kdf"), "missing"))?;
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
    if kdf.memory_kib > vault::MAX_M_COST_KIB {
        return Err(costly(
            "Argon2id memory (KiB)",
            kdf.memory_kib,
            vault::MAX_M_COST_KIB,
        ));
    }
    if kdf.passes > vault::MAX_T_COST {
        return Err(costly("Argon2id passes", kdf.passes, vault::MAX_T_COST));
    }
    if kdf.lanes > vault::MAX_P_COST {
        return Err(costly("Argon2id lanes", kdf.lanes, vault::MAX_P_COST));
    }
    let params = KdfParams {
        m_cost_kib: kdf.memory_kib,
        t_cost: kdf.passes,
        p_cost: kdf.lanes,
    };
    if !params.within_bounds() {
        return Err(ImportError::damaged(
            APP,
            format!("slots[{i}].kdf"),
            "passes and lanes of at least 1, and at least 8 KiB of memory a lane",
        ));
    }
    let salt = b64(&format!("slots[{i}].kdf.salt"), &kdf.salt)?;
    Ok((params, salt))
}

fn unwrap_slot(kek: &[u8; 32], i: usize, slot: &Slot) -> Result<Option<Secret>, ImportError> {
    let nonce: [u8; 24] = fixed(
        &format!("slots[{i}].nonce"),
        field(i, "nonce", &slot.nonce)?,
    )?;
    let wrapped = b64(
        &format!("slots[{i}].wrapped_key"),
        field(i, "wrapped_key", &slot.wrapped_key)?,
    )?;
    Ok(XChaCha20Poly1305::new(kek.into())
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: &wrapped,
                aad: WRAP_AAD,
            },
        )
        .ok()
        .map(Secret::new))
}

fn open_sealed(i: usize, slot: &Slot, input: &Secret) -> Result<Option<Secret>, ImportError> {
    let (kdf, salt) = checked_kdf(i, slot.kdf.as_ref())?;
    let salt: [u8; 16] = salt
        .try_into()
        .map_err(|_| ImportError::damaged(APP, format!("slots[{i}].kdf.salt"), "not 16 bytes"))?;
    let public: [u8; 32] = fixed(
        &format!("slots[{i}].public_key"),
        field(i, "public_key", &slot.public_key)?,
    )?;
    let sealed: [u8; SEALED_LEN] = fixed(
        &format!("slots[{i}].sealed_key"),
        field(i, "sealed_key", &slot.sealed_key)?,
    )?;
    let recipient = Recipient { kdf, salt, public };
    match recipient.open(input, &sealed, WRAP_AAD) {
        Ok(key) => Ok(Some(key)),
        Err(VaultError::WrongRecoveryKey) => Ok(None),
        Err(VaultError::Kdf { reason }) => {
            Err(ImportError::damaged(APP, format!("slots[{i}].kdf"), reason))
        }
        Err(_) => Err(ImportError::damaged(
            APP,
            format!("slots[{i}].sealed_key"),
            "fails its integrity check",
        )),
    }
}

/// How to open a backup.
#[derive(Clone, Copy, Debug)]
pub enum Unlock<'a> {
    /// What the person typed: a passphrase (the export's or the backup passphrase) or a
    /// recovery key, tried against the slots of each kind.
    Typed(&'a Secret),
    /// The vault key of the vault that wrote it.
    VaultKey(&'a Secret),
}

/// Opens a backup with its passphrase or recovery key: the vault contents it holds.
pub fn open(bytes: &[u8], passphrase: Option<&Secret>) -> Result<Contents, ImportError> {
    let passphrase = passphrase.ok_or(ImportError::PasswordRequired { app: APP })?;
    open_input(Input::Bytes(bytes), Unlock::Typed(passphrase))
}

/// Opens a backup as `unlock` says.
pub fn open_with(bytes: &[u8], unlock: Unlock<'_>) -> Result<Contents, ImportError> {
    open_input(Input::Bytes(bytes), unlock)
}

/// What a backup says about itself, without opening it (a damaged file says what is wrong).
pub fn info(bytes: &[u8]) -> Result<BackupInfo, ImportError> {
    let file = parse(Input::Bytes(bytes))?;
    Ok(BackupInfo {
        created_at: file.created_at,
        slots: file.slots.iter().map(|s| s.kind.clone()).collect(),
        vault_id: file.slots.iter().find_map(|s| s.vault_id.clone()),
    })
}

fn parse(input: Input<'_>) -> Result<File, ImportError> {
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
    if file.slots.len() > MAX_SLOTS {
        return Err(ImportError::damaged(
            APP,
            "slots",
            format!("{} slots (at most {MAX_SLOTS})", file.slots.len()),
        ));
    }
    Ok(file)
}

/// The backup key from the first slot `unlock` opens.
fn backup_key(file: &File, unlock: Unlock<'_>) -> Result<Secret, ImportError> {
    let mut tried = false;
    match unlock {
        Unlock::VaultKey(vault_key) => {
            let kek = vault_slot_key(vault_key);
            for (i, slot) in file.slots.iter().enumerate() {
                if slot.kind == VAULT {
                    tried = true;
                    if let Some(key) = unwrap_slot(&kek, i, slot)? {
                        return Ok(key);
                    }
                }
            }
            Err(if tried {
                ImportError::damaged(
                    APP,
                    "slots",
                    "its vault slot does not open with this vault's current key (another vault wrote it, the vault got a new key since, or the file is damaged); open it with the recovery key or backup passphrase",
                )
            } else {
                ImportError::damaged(APP, "slots", "no slot for a vault key")
            })
        }
        Unlock::Typed(typed) => {
            let recovery = std::str::from_utf8(typed.expose())
                .ok()
                .and_then(|t| RecoveryKey::parse(t).ok());
            for (i, slot) in file.slots.iter().enumerate() {
                let key = match slot.kind.as_str() {
                    PASSPHRASE => {
                        let (kdf, salt) = checked_kdf(i, slot.kdf.as_ref())?;
                        let kek = kek(typed, &salt, kdf)
                            .map_err(|e| ImportError::damaged(APP, format!("slots[{i}].kdf"), e))?;
                        tried = true;
                        unwrap_slot(&kek, i, slot)?
                    }
                    BACKUP_PASSPHRASE => {
                        tried = true;
                        open_sealed(i, slot, typed)?
                    }
                    RECOVERY_KEY => {
                        tried = true;
                        match &recovery {
                            Some(r) => open_sealed(i, slot, &r.secret_bytes())?,
                            None => None,
                        }
                    }
                    _ => None,
                };
                if let Some(key) = key {
                    return Ok(key);
                }
            }
            Err(if tried {
                ImportError::WrongPassword { app: APP }
            } else {
                ImportError::damaged(APP, "slots", "no passphrase or recovery-key slot")
            })
        }
    }
}

fn open_input(input: Input<'_>, unlock: Unlock<'_>) -> Result<Contents, ImportError> {
    let file = parse(input)?;
    let key = backup_key(&file, unlock)?;
    let nonce: [u8; 24] = fixed("nonce", &file.nonce)?;
    let sealed = b64("payload", &file.payload)?;
    let plaintext = XChaCha20Poly1305::new_from_slice(key.expose())
        .map_err(|_| ImportError::damaged(APP, "slots", "a wrapped key that is not 32 bytes"))?
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
    let passphrase = passphrase.ok_or(ImportError::PasswordRequired { app: APP })?;
    let contents = open_input(input, Unlock::Typed(passphrase))?;
    crate::import::check_count(APP, contents.accounts.len())?;
    Ok(entries_of(&contents))
}

/// A backup's accounts as import entries (for adding them to a vault that has accounts
/// already), and those whose labels break the rules.
pub fn entries_of(contents: &Contents) -> (Vec<Entry>, Vec<EntryProblem>) {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for account in &contents.accounts {
        match entry_of(account) {
            Ok(e) => entries.push(e),
            Err(p) => problems.push(p),
        }
    }
    (entries, problems)
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
                problem: first.message(),
            }
        })?;
    Ok(Entry {
        draft: account.to_draft(),
        labels,
    })
}
