//! The vault file's header: its fixed layout (magic, version, key mode, vault id, generation,
//! KDF parameters and salt, the wrapped key, the payload nonce and length; from version 2 the
//! key check and the recovery-key slot), parsed strictly and bounded in what it may ask of the
//! KDF, and the Argon2id key derivation. Version 1 files are read; version 2 is written.

use argon2::Argon2;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use std::path::Path;

use sha2::{Digest, Sha256};

use super::{KeyMode, VaultError, VaultInfo};
use crate::entropy::Entropy;
use crate::recovery::{Recipient, SEALED_LEN};
use crate::secret::Secret;

/// The first eight bytes of every vault file.
pub const MAGIC: &[u8; 8] = b"TWOFOLD\0";
/// The format version this code writes (it reads this one and version 1).
pub const FORMAT_VERSION: u16 = 2;
/// Length of the header this code writes, which is also the associated data of the payload.
pub const HEADER_LEN: usize = 324;
/// Length of a version 1 header.
pub const HEADER_LEN_V1: usize = 168;
/// Length of the key check (version 2).
pub(super) const KEY_CHECK_LEN: usize = 16;
pub(super) const KEY_LEN: usize = 32;
pub(super) const TAG_LEN: usize = 16;
pub(super) const WRAPPED_LEN: usize = KEY_LEN + TAG_LEN;

/// The most memory (KiB), passes and lanes a vault file (or a Twofold backup) may ask the KDF
/// for; a file asking for more is refused rather than allowed to exhaust the machine.
pub const MAX_M_COST_KIB: u32 = 1024 * 1024;
/// The most Argon2id passes a file may ask for.
pub const MAX_T_COST: u32 = 64;
/// The most Argon2id lanes a file may ask for.
pub const MAX_P_COST: u32 = 16;

/// Argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Passes.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl KdfParams {
    /// The production cost: 64 MiB, 3 passes, 1 lane.
    pub const DEFAULT: Self = Self {
        m_cost_kib: 64 * 1024,
        t_cost: 3,
        p_cost: 1,
    };
    /// Whether a file may ask for this cost: 8·lanes ≤ memory ≤ 1 GiB, 1 ≤ passes ≤ 64,
    /// 1 ≤ lanes ≤ 16.
    pub fn within_bounds(&self) -> bool {
        (1..=MAX_P_COST).contains(&self.p_cost)
            && (1..=MAX_T_COST).contains(&self.t_cost)
            && self.m_cost_kib >= 8 * self.p_cost
            && self.m_cost_kib <= MAX_M_COST_KIB
    }

    /// A cheap cost for tests and test vectors only.
    pub const INSECURE_FAST: Self = Self {
        m_cost_kib: 64,
        t_cost: 1,
        p_cost: 1,
    };
}

/// The recovery key's slot: its recipient and the vault key sealed to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct RecoverySlot {
    pub(super) recipient: Recipient,
    pub(super) sealed: [u8; SEALED_LEN],
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Header {
    /// The version read (what is written is always [`FORMAT_VERSION`]).
    pub(super) version: u16,
    pub(super) mode: KeyMode,
    pub(super) vault_id: [u8; 16],
    pub(super) generation: u64,
    pub(super) kdf: KdfParams,
    pub(super) salt: [u8; 16],
    pub(super) wrap_nonce: [u8; 24],
    pub(super) wrapped_key: [u8; WRAPPED_LEN],
    pub(super) payload_nonce: [u8; 24],
    pub(super) payload_len: u64,
    /// [`key_check`] of the vault key (version 2; zeros when read from version 1).
    pub(super) key_check: [u8; KEY_CHECK_LEN],
    pub(super) recovery: Option<RecoverySlot>,
}

/// The first 16 bytes of SHA-256("twofold vault key check" ‖ key): tells a different key (a
/// reset or foreign keychain entry) from a damaged file, and reveals nothing of the key.
pub(super) fn key_check(key: &Secret) -> [u8; KEY_CHECK_LEN] {
    let digest = Sha256::new()
        .chain_update(b"twofold vault key check")
        .chain_update(key.expose())
        .finalize();
    let mut out = [0u8; KEY_CHECK_LEN];
    out.copy_from_slice(&digest[..KEY_CHECK_LEN]);
    out
}

/// The associated data of the recovery slot's seal: the magic and the vault id.
pub(super) fn recovery_aad(vault_id: &[u8; 16]) -> Vec<u8> {
    let mut aad = MAGIC.to_vec();
    aad.extend_from_slice(vault_id);
    aad
}

impl Header {
    pub(super) fn keychain(vault_id: [u8; 16]) -> Self {
        Self {
            version: FORMAT_VERSION,
            mode: KeyMode::Keychain,
            vault_id,
            generation: 0,
            kdf: KdfParams {
                m_cost_kib: 0,
                t_cost: 0,
                p_cost: 0,
            },
            salt: [0; 16],
            wrap_nonce: [0; 24],
            wrapped_key: [0; WRAPPED_LEN],
            payload_nonce: [0; 24],
            payload_len: 0,
            key_check: [0; KEY_CHECK_LEN],
            recovery: None,
        }
    }

    /// Length of this header on disk (the payload's associated data).
    pub(super) fn len(&self) -> usize {
        if self.version == 1 {
            HEADER_LEN_V1
        } else {
            HEADER_LEN
        }
    }

    /// Whether `other` (an earlier header of the same vault) protects the key differently:
    /// another mode, or another passphrase wrap.
    pub(super) fn protection_changed(&self, other: &Header) -> bool {
        self.mode != other.mode
            || self.salt != other.salt
            || self.wrap_nonce != other.wrap_nonce
            || self.wrapped_key != other.wrapped_key
    }

    pub(super) fn vault_id_hex(&self) -> String {
        self.vault_id.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub(super) fn info(&self) -> VaultInfo {
        VaultInfo {
            mode: self.mode,
            vault_id: self.vault_id_hex(),
            generation: self.generation,
            kdf: (self.mode == KeyMode::Passphrase).then_some(self.kdf),
            version: self.version,
            recovery: self.recovery.as_ref().map(|slot| slot.recipient),
        }
    }

    /// The header as written: always the current version.
    pub(super) fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[0..8].copy_from_slice(MAGIC);
        b[8..10].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        b[10] = match self.mode {
            KeyMode::Keychain => 1,
            KeyMode::Passphrase => 2,
        };
        b[11] = 0;
        b[12..28].copy_from_slice(&self.vault_id);
        b[28..36].copy_from_slice(&self.generation.to_le_bytes());
        b[36..40].copy_from_slice(&self.kdf.m_cost_kib.to_le_bytes());
        b[40..44].copy_from_slice(&self.kdf.t_cost.to_le_bytes());
        b[44..48].copy_from_slice(&self.kdf.p_cost.to_le_bytes());
        b[48..64].copy_from_slice(&self.salt);
        b[64..88].copy_from_slice(&self.wrap_nonce);
        b[88..136].copy_from_slice(&self.wrapped_key);
        b[136..160].copy_from_slice(&self.payload_nonce);
        b[160..168].copy_from_slice(&self.payload_len.to_le_bytes());
        b[168..184].copy_from_slice(&self.key_check);
        if let Some(slot) = &self.recovery {
            let r = &slot.recipient;
            b[184..188].copy_from_slice(&r.kdf.m_cost_kib.to_le_bytes());
            b[188..192].copy_from_slice(&r.kdf.t_cost.to_le_bytes());
            b[192..196].copy_from_slice(&r.kdf.p_cost.to_le_bytes());
            b[196..212].copy_from_slice(&r.salt);
            b[212..244].copy_from_slice(&r.public);
            b[244..324].copy_from_slice(&slot.sealed);
        }
        b
    }

    /// Associated data of the passphrase wrap: what describes the key, not the generation. It
    /// is version 1's header bytes 0–28 and 36–64 in passphrase mode (magic, version 1, mode 2,
    /// reserved 0, vault id, KDF parameters, salt) in every version, so that upgrading a vault's
    /// format keeps its wrap and needs no passphrase.
    pub(super) fn wrap_aad(&self) -> Vec<u8> {
        let mut aad = Vec::with_capacity(56);
        aad.extend_from_slice(MAGIC);
        aad.extend_from_slice(&1u16.to_le_bytes());
        aad.extend_from_slice(&[2, 0]);
        aad.extend_from_slice(&self.vault_id);
        aad.extend_from_slice(&self.kdf.m_cost_kib.to_le_bytes());
        aad.extend_from_slice(&self.kdf.t_cost.to_le_bytes());
        aad.extend_from_slice(&self.kdf.p_cost.to_le_bytes());
        aad.extend_from_slice(&self.salt);
        aad
    }

    pub(super) fn parse<'a>(path: &Path, bytes: &'a [u8]) -> Result<(Self, &'a [u8]), VaultError> {
        let corrupt = |reason: &str| VaultError::Corrupt {
            reason: reason.to_owned(),
        };
        if bytes.len() < MAGIC.len() || &bytes[..8] != MAGIC {
            return Err(VaultError::NotAVault {
                path: path.to_owned(),
            });
        }
        if bytes.len() < 10 {
            return Err(VaultError::Truncated {
                expected: HEADER_LEN as u64,
                actual: bytes.len() as u64,
            });
        }
        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        let header_len = match version {
            1 => HEADER_LEN_V1,
            FORMAT_VERSION => HEADER_LEN,
            _ => return Err(VaultError::UnsupportedVersion { version }),
        };
        if bytes.len() < header_len {
            return Err(VaultError::Truncated {
                expected: header_len as u64,
                actual: bytes.len() as u64,
            });
        }
        let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap_or([0; 4]));
        let u64_at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or([0; 8]));
        let arr = |i: usize, n: usize| &bytes[i..i + n];
        let mode = match bytes[10] {
            1 => KeyMode::Keychain,
            2 => KeyMode::Passphrase,
            other => return Err(corrupt(&format!("unknown key mode {other}"))),
        };
        if bytes[11] != 0 {
            return Err(corrupt("reserved byte is not zero"));
        }
        let kdf = KdfParams {
            m_cost_kib: u32_at(36),
            t_cost: u32_at(40),
            p_cost: u32_at(44),
        };
        if mode == KeyMode::Passphrase && !kdf.within_bounds() {
            return Err(corrupt("KDF parameters out of range"));
        }
        let mut header = Self::keychain([0; 16]);
        header.version = version;
        header.mode = mode;
        header.vault_id.copy_from_slice(arr(12, 16));
        header.generation = u64_at(28);
        header.kdf = kdf;
        header.salt.copy_from_slice(arr(48, 16));
        header.wrap_nonce.copy_from_slice(arr(64, 24));
        header.wrapped_key.copy_from_slice(arr(88, WRAPPED_LEN));
        header.payload_nonce.copy_from_slice(arr(136, 24));
        header.payload_len = u64_at(160);
        if version >= 2 {
            header.key_check.copy_from_slice(arr(168, KEY_CHECK_LEN));
            if bytes[184..324].iter().any(|&b| b != 0) {
                let kdf = KdfParams {
                    m_cost_kib: u32_at(184),
                    t_cost: u32_at(188),
                    p_cost: u32_at(192),
                };
                if !kdf.within_bounds() {
                    return Err(corrupt("recovery key KDF parameters out of range"));
                }
                let mut recipient = Recipient {
                    kdf,
                    salt: [0; 16],
                    public: [0; 32],
                };
                recipient.salt.copy_from_slice(arr(196, 16));
                recipient.public.copy_from_slice(arr(212, 32));
                let mut sealed = [0u8; SEALED_LEN];
                sealed.copy_from_slice(arr(244, SEALED_LEN));
                header.recovery = Some(RecoverySlot { recipient, sealed });
            }
        }
        let actual = (bytes.len() - header_len) as u64;
        if actual < header.payload_len {
            return Err(VaultError::Truncated {
                expected: (header_len as u64).saturating_add(header.payload_len),
                actual: bytes.len() as u64,
            });
        }
        if actual > header.payload_len {
            return Err(corrupt("unexpected bytes after the payload"));
        }
        if header.payload_len < TAG_LEN as u64 {
            return Err(corrupt("payload shorter than its tag"));
        }
        Ok((header, &bytes[header_len..]))
    }

    pub(super) fn wrap(
        &mut self,
        key: &Secret,
        passphrase: &Secret,
        kdf: KdfParams,
        entropy: &mut dyn Entropy,
    ) -> Result<Zeroizing<[u8; KEY_LEN]>, VaultError> {
        self.mode = KeyMode::Passphrase;
        self.kdf = kdf;
        entropy.fill(&mut self.salt)?;
        let kek = derive_kek(passphrase, &self.salt, kdf)?;
        self.wrap_with_kek(key, &kek, entropy)?;
        Ok(kek)
    }

    /// Wraps `key` under an already derived passphrase key (same KDF parameters and salt):
    /// a re-key that does not ask for the passphrase again.
    pub(super) fn wrap_with_kek(
        &mut self,
        key: &Secret,
        kek: &[u8; KEY_LEN],
        entropy: &mut dyn Entropy,
    ) -> Result<(), VaultError> {
        entropy.fill(&mut self.wrap_nonce)?;
        let cipher =
            XChaCha20Poly1305::new_from_slice(kek.as_ref()).map_err(|e| VaultError::Kdf {
                reason: e.to_string(),
            })?;
        let aad = self.wrap_aad();
        let wrapped = cipher
            .encrypt(
                &XNonce::from(self.wrap_nonce),
                Payload {
                    msg: key.expose(),
                    aad: &aad,
                },
            )
            .map_err(|_| VaultError::Kdf {
                reason: "key wrap failed".into(),
            })?;
        self.wrapped_key.copy_from_slice(&wrapped);
        Ok(())
    }

    /// The vault key and the passphrase key that unwrapped it.
    #[allow(clippy::type_complexity)]
    pub(super) fn unwrap_key(
        &self,
        passphrase: &Secret,
    ) -> Result<(Secret, Zeroizing<[u8; KEY_LEN]>), VaultError> {
        let kek = derive_kek(passphrase, &self.salt, self.kdf)?;
        let cipher =
            XChaCha20Poly1305::new_from_slice(kek.as_ref()).map_err(|e| VaultError::Kdf {
                reason: e.to_string(),
            })?;
        let aad = self.wrap_aad();
        let key = cipher
            .decrypt(
                &XNonce::from(self.wrap_nonce),
                Payload {
                    msg: &self.wrapped_key,
                    aad: &aad,
                },
            )
            .map_err(|_| VaultError::WrongPassphrase)?;
        Ok((Secret::new(key), kek))
    }

    pub(super) fn unwrap_to_keychain(&mut self) {
        let generation = self.generation;
        let (id, nonce, len) = (self.vault_id, self.payload_nonce, self.payload_len);
        let recovery = self.recovery.take();
        *self = Self::keychain(id);
        self.generation = generation;
        self.payload_nonce = nonce;
        self.payload_len = len;
        self.recovery = recovery;
    }

    /// Seals `key` to the recovery recipient (a new slot, or the same recipient again after a
    /// re-key).
    pub(super) fn seal_recovery(
        &mut self,
        recipient: Recipient,
        key: &Secret,
        entropy: &mut dyn Entropy,
    ) -> Result<(), VaultError> {
        let sealed = recipient.seal(key, &recovery_aad(&self.vault_id), entropy)?;
        self.recovery = Some(RecoverySlot { recipient, sealed });
        Ok(())
    }
}

/// Argon2id(passphrase, salt) → 32-byte key-encryption key (the vault's, and Twofold backups').
pub fn derive_kek(
    passphrase: &Secret,
    salt: &[u8],
    kdf: KdfParams,
) -> Result<Zeroizing<[u8; KEY_LEN]>, VaultError> {
    let params = argon2::Params::new(kdf.m_cost_kib, kdf.t_cost, kdf.p_cost, Some(KEY_LEN))
        .map_err(|e| VaultError::Kdf {
            reason: e.to_string(),
        })?;
    let argon = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    argon
        .hash_password_into(passphrase.expose(), salt, out.as_mut())
        .map_err(|e| VaultError::Kdf {
            reason: e.to_string(),
        })?;
    Ok(out)
}
