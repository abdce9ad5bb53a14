//! The vault file's header: its fixed layout (magic, version, key mode, vault id, generation,
//! KDF parameters and salt, the wrapped key, the payload nonce and length), parsed strictly and
//! bounded in what it may ask of the KDF, and the Argon2id key derivation.

use argon2::Argon2;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use std::path::Path;

use super::{KeyMode, VaultError, VaultInfo};
use crate::entropy::Entropy;
use crate::secret::Secret;

/// The first eight bytes of every vault file.
pub const MAGIC: &[u8; 8] = b"TWOFOLD\0";
/// The format version this code writes and reads.
pub const FORMAT_VERSION: u16 = 1;
/// Length of the header, which is also the associated data of the payload.
pub const HEADER_LEN: usize = 168;
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
    /// A cheap cost for tests and test vectors only.
    pub const INSECURE_FAST: Self = Self {
        m_cost_kib: 64,
        t_cost: 1,
        p_cost: 1,
    };
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Header {
    pub(super) mode: KeyMode,
    pub(super) vault_id: [u8; 16],
    pub(super) generation: u64,
    pub(super) kdf: KdfParams,
    pub(super) salt: [u8; 16],
    pub(super) wrap_nonce: [u8; 24],
    pub(super) wrapped_key: [u8; WRAPPED_LEN],
    pub(super) payload_nonce: [u8; 24],
    pub(super) payload_len: u64,
}

impl Header {
    pub(super) fn keychain(vault_id: [u8; 16]) -> Self {
        Self {
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
        }
    }

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
        b
    }

    /// Associated data of the key wrap: everything that describes the key, not the generation.
    pub(super) fn wrap_aad(&self) -> Vec<u8> {
        let b = self.to_bytes();
        let mut aad = Vec::with_capacity(56);
        aad.extend_from_slice(&b[0..28]);
        aad.extend_from_slice(&b[36..64]);
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
        if version != FORMAT_VERSION {
            return Err(VaultError::UnsupportedVersion { version });
        }
        if bytes.len() < HEADER_LEN {
            return Err(VaultError::Truncated {
                expected: HEADER_LEN as u64,
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
        if mode == KeyMode::Passphrase {
            let ok = (1..=MAX_P_COST).contains(&kdf.p_cost)
                && (1..=MAX_T_COST).contains(&kdf.t_cost)
                && kdf.m_cost_kib >= 8 * kdf.p_cost
                && kdf.m_cost_kib <= MAX_M_COST_KIB;
            if !ok {
                return Err(corrupt("KDF parameters out of range"));
            }
        }
        let mut header = Self::keychain([0; 16]);
        header.mode = mode;
        header.vault_id.copy_from_slice(arr(12, 16));
        header.generation = u64_at(28);
        header.kdf = kdf;
        header.salt.copy_from_slice(arr(48, 16));
        header.wrap_nonce.copy_from_slice(arr(64, 24));
        header.wrapped_key.copy_from_slice(arr(88, WRAPPED_LEN));
        header.payload_nonce.copy_from_slice(arr(136, 24));
        header.payload_len = u64_at(160);
        let actual = (bytes.len() - HEADER_LEN) as u64;
        if actual < header.payload_len {
            return Err(VaultError::Truncated {
                expected: (HEADER_LEN as u64).saturating_add(header.payload_len),
                actual: bytes.len() as u64,
            });
        }
        if actual > header.payload_len {
            return Err(corrupt("unexpected bytes after the payload"));
        }
        if header.payload_len < TAG_LEN as u64 {
            return Err(corrupt("payload shorter than its tag"));
        }
        Ok((header, &bytes[HEADER_LEN..]))
    }

    pub(super) fn wrap(
        &mut self,
        key: &Secret,
        passphrase: &Secret,
        kdf: KdfParams,
        entropy: &mut dyn Entropy,
    ) -> Result<(), VaultError> {
        self.mode = KeyMode::Passphrase;
        self.kdf = kdf;
        entropy.fill(&mut self.salt)?;
        entropy.fill(&mut self.wrap_nonce)?;
        let kek = derive_kek(passphrase, &self.salt, kdf)?;
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

    pub(super) fn unwrap_key(&self, passphrase: &Secret) -> Result<Secret, VaultError> {
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
        Ok(Secret::new(key))
    }

    pub(super) fn unwrap_to_keychain(&mut self) {
        let generation = self.generation;
        let (id, nonce, len) = (self.vault_id, self.payload_nonce, self.payload_len);
        *self = Self::keychain(id);
        self.generation = generation;
        self.payload_nonce = nonce;
        self.payload_len = len;
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
