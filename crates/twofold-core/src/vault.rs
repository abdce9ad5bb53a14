//! The encrypted vault file: a versioned header, the vault key kept in the OS keychain or wrapped
//! by an Argon2id passphrase key, the accounts sealed with XChaCha20-Poly1305, atomic saves that
//! keep the previous generation, and a lock file that lets the CLI and the desktop app share it.
//!
//! The byte layout is specified in `docs/vault-format.md`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use argon2::Argon2;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::account::{Account, AccountDraft, AccountId};
use crate::entropy::{Entropy, EntropyError};
use crate::keychain::{KeyStore, KeyStoreError};
use crate::payload;
use crate::secret::Secret;

/// The first eight bytes of every vault file.
pub const MAGIC: &[u8; 8] = b"TWOFOLD\0";
/// The format version this code writes and reads.
pub const FORMAT_VERSION: u16 = 1;
/// Length of the header, which is also the associated data of the payload.
pub const HEADER_LEN: usize = 168;
const KEY_LEN: usize = 32;
const TAG_LEN: usize = 16;
const WRAPPED_LEN: usize = KEY_LEN + TAG_LEN;

/// The most memory (KiB), passes and lanes a vault file may ask the KDF for; a file asking
/// for more is refused rather than allowed to exhaust the machine.
const MAX_M_COST_KIB: u32 = 1024 * 1024;
const MAX_T_COST: u32 = 64;
const MAX_P_COST: u32 = 16;

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

/// Where the key of a vault is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyMode {
    /// In the OS keychain, under the vault's id.
    Keychain,
    /// Wrapped in the file by a key derived from the user's passphrase.
    Passphrase,
}

/// What [`Vault::check_keychain`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeychainCheck {
    /// The vault is protected by a passphrase: no keychain entry to check.
    NotUsed,
    /// The keychain holds the vault's key.
    Present,
    /// The entry was missing or different: the vault's key was put back.
    Restored,
}

/// What the header says, readable without a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaultInfo {
    /// Where the key is.
    pub mode: KeyMode,
    /// The vault's id (32 hex characters); names its keychain entry.
    pub vault_id: String,
    /// How many times the vault has been saved.
    pub generation: u64,
    /// The KDF cost, in passphrase mode.
    pub kdf: Option<KdfParams>,
}

/// Why a vault could not be created, opened or saved.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// No vault at that path.
    #[error("no vault at {path}")]
    NotFound {
        /// The path.
        path: PathBuf,
    },
    /// A vault already exists there (creating never overwrites).
    #[error("a vault already exists at {path}")]
    AlreadyExists {
        /// The path.
        path: PathBuf,
    },
    /// A file-system error.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The disk (or the user's quota) is full: nothing was changed.
    #[error("{path}: the disk is full; the vault was not changed (free some space and try again)")]
    DiskFull {
        /// The file that could not be written.
        path: PathBuf,
    },
    /// The file does not start with the vault magic.
    #[error("{path} is not a Twofold vault")]
    NotAVault {
        /// The path.
        path: PathBuf,
    },
    /// A format version this build cannot read.
    #[error("the vault uses format version {version}, this build reads version {FORMAT_VERSION}")]
    UnsupportedVersion {
        /// The version found.
        version: u16,
    },
    /// The file is shorter than its header says.
    #[error("the vault file is truncated ({actual} of {expected} bytes); it was not changed")]
    Truncated {
        /// Bytes the header promises.
        expected: u64,
        /// Bytes present.
        actual: u64,
    },
    /// A header field is invalid.
    #[error("the vault file is corrupt ({reason}); it was not changed")]
    Corrupt {
        /// What is wrong.
        reason: String,
    },
    /// The payload failed authentication: the file was altered, or the key is not this vault's.
    #[error("the vault failed its integrity check (altered or damaged file); it was not changed")]
    Tampered,
    /// The passphrase does not unlock this vault.
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// The vault is protected by a passphrase and none was given.
    #[error("this vault is locked with a passphrase")]
    PassphraseRequired,
    /// The keychain has no key for this vault.
    #[error("the keychain has no key for vault {vault_id}")]
    KeyMissing {
        /// The vault id.
        vault_id: String,
    },
    /// Another process changed the vault's passphrase (or moved it to or from the keychain),
    /// which gave it a new key.
    #[error("the vault's passphrase was changed by another program; unlock it again")]
    Rekeyed,
    /// Another vault replaced this one on disk while it was open.
    #[error("the vault file was replaced by another vault; open it again")]
    Replaced,
    /// The keychain failed.
    #[error(transparent)]
    Keychain(#[from] KeyStoreError),
    /// The random source failed.
    #[error(transparent)]
    Entropy(#[from] EntropyError),
    /// The passphrase KDF failed (bad parameters).
    #[error("passphrase key derivation failed: {reason}")]
    Kdf {
        /// What the KDF said.
        reason: String,
    },
}

/// How a new vault's key is protected.
#[derive(Clone, Copy)]
pub enum Protection<'a> {
    /// In the OS keychain.
    Keychain(&'a dyn KeyStore),
    /// Wrapped by a passphrase.
    Passphrase {
        /// The passphrase.
        passphrase: &'a Secret,
        /// The KDF cost.
        kdf: KdfParams,
    },
}

impl std::fmt::Debug for Protection<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Keychain(_) => f.write_str("Protection::Keychain"),
            Self::Passphrase { kdf, .. } => write!(f, "Protection::Passphrase({kdf:?})"),
        }
    }
}

/// The decrypted contents of a vault.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contents {
    /// The accounts, in the user's order.
    pub accounts: Vec<Account>,
}

/// Why an account was not added.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AddError {
    /// An account with the same secret is already in the vault.
    #[error("{name} is already in the vault")]
    Duplicate {
        /// The existing account's id.
        existing: AccountId,
        /// The existing account's display name.
        name: String,
    },
    /// No random id could be made.
    #[error(transparent)]
    Entropy(#[from] EntropyError),
}

impl Contents {
    /// Adds an account unless one with the same secret is there already.
    pub fn add(
        &mut self,
        draft: AccountDraft,
        entropy: &mut dyn Entropy,
        now: u64,
    ) -> Result<AccountId, AddError> {
        if let Some(existing) = self.find_duplicate(&draft) {
            return Err(AddError::Duplicate {
                existing: existing.id.clone(),
                name: existing.display_name(),
            });
        }
        let id = AccountId::random(entropy)?;
        self.accounts
            .push(Account::from_draft(draft, id.clone(), now));
        Ok(id)
    }

    /// The account that `draft` would duplicate, if any.
    pub fn find_duplicate(&self, draft: &AccountDraft) -> Option<&Account> {
        self.accounts.iter().find(|a| a.is_duplicate_of(draft))
    }

    /// Accounts matching `query` (see [`Account::matches`]).
    pub fn search(&self, query: &str) -> Vec<&Account> {
        self.accounts.iter().filter(|a| a.matches(query)).collect()
    }

    /// The account with this id.
    pub fn get(&self, id: &AccountId) -> Option<&Account> {
        self.accounts.iter().find(|a| &a.id == id)
    }

    /// The account with this id, mutably.
    pub fn get_mut(&mut self, id: &AccountId) -> Option<&mut Account> {
        self.accounts.iter_mut().find(|a| &a.id == id)
    }

    /// Removes and returns the account with this id.
    pub fn remove(&mut self, id: &AccountId) -> Option<Account> {
        let index = self.accounts.iter().position(|a| &a.id == id)?;
        Some(self.accounts.remove(index))
    }
}

/// An open vault: its path, its key, and the header of the generation last read or written.
pub struct Vault {
    path: PathBuf,
    key: Secret,
    header: Header,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .field("mode", &self.header.mode)
            .field("generation", &self.header.generation)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Creates an empty vault with a new random key. Never overwrites an existing file.
    pub fn create(
        path: &Path,
        protection: Protection<'_>,
        entropy: &mut dyn Entropy,
    ) -> Result<(Self, Contents), VaultError> {
        let _lock = FileLock::exclusive(path)?;
        if path.exists() {
            return Err(VaultError::AlreadyExists {
                path: path.to_owned(),
            });
        }
        let key = new_key(entropy)?;
        let mut vault_id = [0u8; 16];
        entropy.fill(&mut vault_id)?;
        let mut header = Header::keychain(vault_id);
        match protection {
            Protection::Keychain(store) => store.set(&header.vault_id_hex(), &key)?,
            Protection::Passphrase { passphrase, kdf } => {
                header.wrap(&key, passphrase, kdf, entropy)?;
            }
        }
        let mut vault = Self {
            path: path.to_owned(),
            key,
            header,
        };
        let contents = Contents::default();
        vault.write(&contents, entropy)?;
        Ok((vault, contents))
    }

    /// Reads the header without a key.
    pub fn inspect(path: &Path) -> Result<VaultInfo, VaultError> {
        let bytes = read_file(path)?;
        let (header, _) = Header::parse(path, &bytes)?;
        Ok(header.info())
    }

    /// Opens a vault: the key comes from `keystore` (keychain mode) or from `passphrase`.
    pub fn open(
        path: &Path,
        keystore: &dyn KeyStore,
        passphrase: Option<&Secret>,
    ) -> Result<(Self, Contents), VaultError> {
        let _lock = FileLock::shared(path)?;
        let bytes = read_file(path)?;
        let (header, ciphertext) = Header::parse(path, &bytes)?;
        let key = match header.mode {
            KeyMode::Keychain => {
                keystore
                    .get(&header.vault_id_hex())?
                    .ok_or_else(|| VaultError::KeyMissing {
                        vault_id: header.vault_id_hex(),
                    })?
            }
            KeyMode::Passphrase => {
                let passphrase = passphrase.ok_or(VaultError::PassphraseRequired)?;
                header.unwrap_key(passphrase)?
            }
        };
        let contents = decrypt(&key, &bytes[..HEADER_LEN], &header, ciphertext)?;
        Ok((
            Self {
                path: path.to_owned(),
                key,
                header,
            },
            contents,
        ))
    }

    /// Opens a vault with its key already known (after an unlock, in tests and benchmarks).
    pub fn open_with_key(path: &Path, key: Secret) -> Result<(Self, Contents), VaultError> {
        let _lock = FileLock::shared(path)?;
        let bytes = read_file(path)?;
        let (header, ciphertext) = Header::parse(path, &bytes)?;
        let contents = decrypt(&key, &bytes[..HEADER_LEN], &header, ciphertext)?;
        Ok((
            Self {
                path: path.to_owned(),
                key,
                header,
            },
            contents,
        ))
    }

    /// The vault's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the header of the last generation read or written says.
    pub fn info(&self) -> VaultInfo {
        self.header.info()
    }

    /// The vault key. Only for handing to another part of the same process.
    pub fn key(&self) -> &Secret {
        &self.key
    }

    /// Reads the current generation from disk (another process may have saved since).
    pub fn read(&mut self) -> Result<Contents, VaultError> {
        let _lock = FileLock::shared(&self.path)?;
        self.read_locked()
    }

    /// Makes sure the keychain still holds this vault's key, and puts it back when it does not:
    /// an entry deleted or a keychain reset while the vault is open would otherwise leave a file
    /// that opens nowhere. The key is put back only while it still decrypts the file on disk
    /// (another process may have re-keyed it: [`VaultError::Rekeyed`]). Passphrase vaults do
    /// not use the keychain. An unreachable keychain is [`KeyStoreError::Unavailable`].
    pub fn check_keychain(&mut self, keystore: &dyn KeyStore) -> Result<KeychainCheck, VaultError> {
        if self.header.mode != KeyMode::Keychain {
            return Ok(KeychainCheck::NotUsed);
        }
        let id = self.header.vault_id_hex();
        let stored = keystore.get(&id)?;
        if stored.is_some_and(|k| k.expose() == self.key.expose()) {
            return Ok(KeychainCheck::Present);
        }
        let _lock = FileLock::exclusive(&self.path)?;
        self.read_locked()?;
        if self.header.mode != KeyMode::Keychain {
            return Ok(KeychainCheck::NotUsed);
        }
        keystore.set(&id, &self.key)?;
        Ok(KeychainCheck::Restored)
    }

    /// Reads the latest contents under an exclusive lock, lets `change` edit them, and saves the
    /// result atomically. When `change` fails nothing is written. Returns what `change` returned
    /// and the contents as saved.
    pub fn update<T, E>(
        &mut self,
        entropy: &mut dyn Entropy,
        change: impl FnOnce(&mut Contents) -> Result<T, E>,
    ) -> Result<Result<(T, Contents), E>, VaultError> {
        let _lock = FileLock::exclusive(&self.path)?;
        let mut contents = self.read_locked()?;
        let value = match change(&mut contents) {
            Ok(value) => value,
            Err(e) => return Ok(Err(e)),
        };
        self.write(&contents, entropy)?;
        Ok(Ok((value, contents)))
    }

    /// Protects the vault with a passphrase instead of the keychain (or changes the passphrase),
    /// then removes the keychain entry. The vault gets a new key: no copy of the file from
    /// before — its `.bak`, a backup, a stolen copy — opens with what protected it then, and the
    /// old key decrypts nothing written from now on.
    pub fn set_passphrase(
        &mut self,
        keystore: &dyn KeyStore,
        passphrase: &Secret,
        kdf: KdfParams,
        entropy: &mut dyn Entropy,
    ) -> Result<(), VaultError> {
        let was_keychain = self.header.mode == KeyMode::Keychain;
        {
            let _lock = FileLock::exclusive(&self.path)?;
            let contents = self.read_locked()?;
            let key = new_key(entropy)?;
            let mut header = self.header.clone();
            header.wrap(&key, passphrase, kdf, entropy)?;
            self.rekey_locked(key, header, &contents, entropy)?;
        }
        if was_keychain {
            // The file no longer needs the keychain entry; a failure to delete it leaves a
            // harmless copy of the old key in the keychain (it opens nothing current), so it is
            // not an error of the save.
            let _ = keystore.delete(&self.header.vault_id_hex());
        }
        Ok(())
    }

    /// Moves the vault from its passphrase to the keychain, under a new key (as
    /// [`Vault::set_passphrase`]). The keychain entry is written before the file drops the
    /// wrap, so a failure leaves the vault openable with its passphrase.
    pub fn remove_passphrase(
        &mut self,
        keystore: &dyn KeyStore,
        entropy: &mut dyn Entropy,
    ) -> Result<(), VaultError> {
        let key = new_key(entropy)?;
        keystore.set(&self.header.vault_id_hex(), &key)?;
        let _lock = FileLock::exclusive(&self.path)?;
        let contents = self.read_locked()?;
        let mut header = self.header.clone();
        header.unwrap_to_keychain();
        self.rekey_locked(key, header, &contents, entropy)
    }

    /// Writes `contents` under a new key and header, twice: the second generation pushes the
    /// first into the `.bak`, so that no generation under the old key is left beside the vault.
    /// The caller holds the exclusive lock. When the first write fails nothing changed.
    fn rekey_locked(
        &mut self,
        key: Secret,
        header: Header,
        contents: &Contents,
        entropy: &mut dyn Entropy,
    ) -> Result<(), VaultError> {
        let old_key = std::mem::replace(&mut self.key, key);
        let old_header = std::mem::replace(&mut self.header, header);
        if let Err(e) = self.write(contents, entropy) {
            self.key = old_key;
            self.header = old_header;
            return Err(e);
        }
        self.write(contents, entropy)
    }

    fn read_locked(&mut self) -> Result<Contents, VaultError> {
        let bytes = read_file(&self.path)?;
        let (header, ciphertext) = Header::parse(&self.path, &bytes)?;
        if header.vault_id != self.header.vault_id {
            return Err(VaultError::Replaced);
        }
        let contents = match decrypt(&self.key, &bytes[..HEADER_LEN], &header, ciphertext) {
            // Another process changed how the vault is protected, which gave it a new key.
            Err(VaultError::Tampered) if header.protection_changed(&self.header) => {
                return Err(VaultError::Rekeyed);
            }
            other => other?,
        };
        self.header = header;
        Ok(contents)
    }

    /// Seals `contents` as the next generation and replaces the file atomically. The caller
    /// holds the exclusive lock.
    fn write(&mut self, contents: &Contents, entropy: &mut dyn Entropy) -> Result<(), VaultError> {
        let mut header = self.header.clone();
        header.generation += 1;
        entropy.fill(&mut header.payload_nonce)?;
        let plaintext = payload::encode(contents);
        header.payload_len = (plaintext.len() + TAG_LEN) as u64;
        let head = header.to_bytes();
        let cipher = XChaCha20Poly1305::new_from_slice(self.key.expose()).map_err(|_| {
            VaultError::Corrupt {
                reason: "vault key has the wrong length".into(),
            }
        })?;
        let ciphertext = cipher
            .encrypt(
                &XNonce::from(header.payload_nonce),
                Payload {
                    msg: &plaintext,
                    aad: &head,
                },
            )
            .map_err(|_| VaultError::Corrupt {
                reason: "encryption failed".into(),
            })?;
        let mut file = Vec::with_capacity(HEADER_LEN + ciphertext.len());
        file.extend_from_slice(&head);
        file.extend_from_slice(&ciphertext);
        atomic_replace(&self.path, &file)?;
        self.header = header;
        Ok(())
    }
}

/// Reads a vault file's bytes with its key, as [`Vault::open_with_key`] reads the file, without a
/// path or a lock (for tools, and for the fuzzer of the vault reader).
pub fn read_bytes(bytes: &[u8], key: &Secret) -> Result<(VaultInfo, Contents), VaultError> {
    let (header, ciphertext) = Header::parse(Path::new("<bytes>"), bytes)?;
    let contents = decrypt(key, &bytes[..HEADER_LEN], &header, ciphertext)?;
    Ok((header.info(), contents))
}

/// Decodes a decrypted payload: what [`read_bytes`] does after the integrity check, exposed so
/// that the fuzzer reaches the payload decoder without forging authentication tags.
#[doc(hidden)]
pub fn decode_payload(bytes: &[u8]) -> Result<Contents, VaultError> {
    payload::decode(bytes).map_err(|reason| VaultError::Corrupt { reason })
}

/// A new random vault key.
fn new_key(entropy: &mut dyn Entropy) -> Result<Secret, VaultError> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    entropy.fill(key.as_mut())?;
    Ok(Secret::from_slice(key.as_ref()))
}

/// Path of the previous generation kept beside a vault.
pub fn backup_path(path: &Path) -> PathBuf {
    sibling(path, ".bak")
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

fn decrypt(
    key: &Secret,
    head: &[u8],
    header: &Header,
    ciphertext: &[u8],
) -> Result<Contents, VaultError> {
    let cipher =
        XChaCha20Poly1305::new_from_slice(key.expose()).map_err(|_| VaultError::Tampered)?;
    let plaintext = Zeroizing::new(
        cipher
            .decrypt(
                &XNonce::from(header.payload_nonce),
                Payload {
                    msg: ciphertext,
                    aad: head,
                },
            )
            .map_err(|_| VaultError::Tampered)?,
    );
    payload::decode(&plaintext).map_err(|reason| VaultError::Corrupt { reason })
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Header {
    mode: KeyMode,
    vault_id: [u8; 16],
    generation: u64,
    kdf: KdfParams,
    salt: [u8; 16],
    wrap_nonce: [u8; 24],
    wrapped_key: [u8; WRAPPED_LEN],
    payload_nonce: [u8; 24],
    payload_len: u64,
}

impl Header {
    fn keychain(vault_id: [u8; 16]) -> Self {
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
    fn protection_changed(&self, other: &Header) -> bool {
        self.mode != other.mode
            || self.salt != other.salt
            || self.wrap_nonce != other.wrap_nonce
            || self.wrapped_key != other.wrapped_key
    }

    fn vault_id_hex(&self) -> String {
        self.vault_id.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn info(&self) -> VaultInfo {
        VaultInfo {
            mode: self.mode,
            vault_id: self.vault_id_hex(),
            generation: self.generation,
            kdf: (self.mode == KeyMode::Passphrase).then_some(self.kdf),
        }
    }

    fn to_bytes(&self) -> [u8; HEADER_LEN] {
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
    fn wrap_aad(&self) -> Vec<u8> {
        let b = self.to_bytes();
        let mut aad = Vec::with_capacity(56);
        aad.extend_from_slice(&b[0..28]);
        aad.extend_from_slice(&b[36..64]);
        aad
    }

    fn parse<'a>(path: &Path, bytes: &'a [u8]) -> Result<(Self, &'a [u8]), VaultError> {
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

    fn wrap(
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

    fn unwrap_key(&self, passphrase: &Secret) -> Result<Secret, VaultError> {
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

    fn unwrap_to_keychain(&mut self) {
        let generation = self.generation;
        let (id, nonce, len) = (self.vault_id, self.payload_nonce, self.payload_len);
        *self = Self::keychain(id);
        self.generation = generation;
        self.payload_nonce = nonce;
        self.payload_len = len;
    }
}

/// Argon2id(passphrase, salt) → 32-byte key-encryption key.
fn derive_kek(
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

fn read_file(path: &Path) -> Result<Vec<u8>, VaultError> {
    match fs::read(path) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(VaultError::NotFound {
            path: path.to_owned(),
        }),
        Err(source) => Err(VaultError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Writes `bytes` to a temporary file, fsyncs it, keeps the current file as the `.bak`
/// generation (a hard link, or a copy where links are not supported), renames the temporary
/// file over the vault and fsyncs the directory. At every instant the vault path holds either
/// the old or the new complete file.
fn atomic_replace(path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    let tmp = sibling(path, ".tmp");
    let result = replace_through(path, &tmp, bytes);
    if result.is_err() {
        // A half-written temporary file would only take the space a retry needs.
        let _ = fs::remove_file(&tmp);
        let _ = fs::remove_file(sibling(path, ".bak.tmp"));
    }
    result
}

/// An I/O error on `path`: [`VaultError::DiskFull`] when the disk or quota is full.
fn io_error(path: &Path) -> impl FnOnce(io::Error) -> VaultError {
    let path = path.to_owned();
    move |source| match source.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => VaultError::DiskFull { path },
        _ => VaultError::Io { path, source },
    }
}

fn replace_through(path: &Path, tmp: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    let io_err = io_error;
    {
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(tmp).map_err(io_err(tmp))?;
        file.write_all(bytes).map_err(io_err(tmp))?;
        file.sync_all().map_err(io_err(tmp))?;
    }
    if path.exists() {
        let bak = backup_path(path);
        let bak_tmp = sibling(path, ".bak.tmp");
        let _ = fs::remove_file(&bak_tmp);
        if fs::hard_link(path, &bak_tmp).is_err() {
            fs::copy(path, &bak_tmp).map_err(io_err(&bak_tmp))?;
            File::open(&bak_tmp)
                .and_then(|f| f.sync_all())
                .map_err(io_err(&bak_tmp))?;
        }
        fs::rename(&bak_tmp, &bak).map_err(io_err(&bak))?;
    }
    fs::rename(tmp, path).map_err(io_err(path))?;
    sync_dir(path).map_err(io_err(path))?;
    Ok(())
}

fn sync_dir(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// An advisory lock on `<vault>.lock`, held for the duration of a read or a read-modify-write.
struct FileLock {
    _file: File,
}

impl FileLock {
    fn open(path: &Path) -> Result<File, VaultError> {
        let lock_path = sibling(path, ".lock");
        if let Some(dir) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|source| VaultError::Io {
                path: dir.to_owned(),
                source,
            })?;
        }
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|source| VaultError::Io {
                path: lock_path,
                source,
            })
    }

    fn exclusive(path: &Path) -> Result<Self, VaultError> {
        let file = Self::open(path)?;
        file.lock().map_err(|source| VaultError::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self { _file: file })
    }

    fn shared(path: &Path) -> Result<Self, VaultError> {
        let file = Self::open(path)?;
        file.lock_shared().map_err(|source| VaultError::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self { _file: file })
    }
}
