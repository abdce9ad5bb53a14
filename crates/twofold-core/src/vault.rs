//! The encrypted vault file: a versioned header, the vault key kept in the OS keychain or wrapped
//! by an Argon2id passphrase key, and sealed to a recovery key that opens it when those are
//! lost; the accounts sealed with XChaCha20-Poly1305, atomic saves that keep the previous
//! generation, and a lock file that lets the CLI and the desktop app share it.
//!
//! The byte layout is specified in `docs/vault-format.md`. This module is the vault and its
//! operations; `header` is the header's layout and the KDF, `file` the bytes on disk (atomic
//! replace, lock file, where the vault lives), `contents` the accounts, `payload` their bytes.

use std::io;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::entropy::{Entropy, EntropyError};
use crate::keychain::{KeyStore, KeyStoreError};
use crate::recovery::{Recipient, RecoveryKey};
use crate::secret::Secret;

mod contents;
mod file;
mod header;
mod payload;
pub(crate) use payload::{decode_account, encode_account};

pub use contents::{AddError, Contents, DuplicateKey, duplicate_key};
pub use file::{
    APP_ID, backup_path, create_private_dir, default_location, write_atomically, write_new_private,
};
use file::{FileLock, atomic_replace, read_file};
pub use header::{
    FORMAT_VERSION, HEADER_LEN, HEADER_LEN_V1, KdfParams, MAGIC, MAX_M_COST_KIB, MAX_P_COST,
    MAX_T_COST, derive_kek,
};
use header::{Header, KEY_LEN, TAG_LEN, key_check, recovery_aad};

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
    /// The file's format version (1 until the first save by this version upgrades it).
    pub version: u16,
    /// The recovery key's public half, when the vault has one: what backups are sealed to.
    pub recovery: Option<Recipient>,
}

/// How a recovered vault's new key is kept.
#[derive(Clone, Copy)]
pub enum RecoverTo<'a> {
    /// In this machine's keychain.
    Keychain(&'a dyn KeyStore),
    /// Wrapped by a new passphrase.
    Passphrase {
        /// The new passphrase.
        passphrase: &'a Secret,
        /// The KDF cost.
        kdf: KdfParams,
    },
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
    /// The system names no per-user data directory for the default vault location.
    #[error(
        "this system has no per-user data directory (set XDG_DATA_HOME or HOME), so the vault needs an explicit path"
    )]
    NoDataDirectory,
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
    #[error(
        "this computer's keychain has no key for vault {vault_id} (a new computer, or a keychain that was reset); recover it with its recovery key or restore a backup"
    )]
    KeyMissing {
        /// The vault id.
        vault_id: String,
    },
    /// The keychain holds a key for this vault, but not the one that opens it.
    #[error(
        "this computer's keychain holds a different key for vault {vault_id} (a keychain restored from elsewhere, or reset); recover it with its recovery key or restore a backup"
    )]
    KeyMismatch {
        /// The vault id.
        vault_id: String,
    },
    /// The recovery key is not this vault's (or not the current one: it was replaced).
    #[error("this is not the vault's current recovery key; nothing was changed")]
    WrongRecoveryKey,
    /// The vault has no recovery key to recover with.
    #[error("this vault has no recovery key")]
    NoRecoveryKey,
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

impl std::fmt::Debug for RecoverTo<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Keychain(_) => f.write_str("RecoverTo::Keychain"),
            Self::Passphrase { kdf, .. } => write!(f, "RecoverTo::Passphrase({kdf:?})"),
        }
    }
}

impl std::fmt::Debug for Protection<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Keychain(_) => f.write_str("Protection::Keychain"),
            Self::Passphrase { kdf, .. } => write!(f, "Protection::Passphrase({kdf:?})"),
        }
    }
}

/// An open vault: its path, its key, and the header of the generation last read or written.
pub struct Vault {
    path: PathBuf,
    key: Secret,
    /// The passphrase key, when the vault was opened with its passphrase: a re-key (a new
    /// recovery key) wraps the new key without asking for the passphrase again.
    kek: Option<Zeroizing<[u8; KEY_LEN]>>,
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
        let mut kek = None;
        match protection {
            Protection::Keychain(store) => store.set(&header.vault_id_hex(), &key)?,
            Protection::Passphrase { passphrase, kdf } => {
                kek = Some(header.wrap(&key, passphrase, kdf, entropy)?);
            }
        }
        let mut vault = Self {
            path: path.to_owned(),
            key,
            kek,
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
        let (key, kek) = match header.mode {
            KeyMode::Keychain => {
                let key = keystore.get(&header.vault_id_hex())?.ok_or_else(|| {
                    VaultError::KeyMissing {
                        vault_id: header.vault_id_hex(),
                    }
                })?;
                if header.version >= 2 && key_check(&key) != header.key_check {
                    return Err(VaultError::KeyMismatch {
                        vault_id: header.vault_id_hex(),
                    });
                }
                (key, None)
            }
            KeyMode::Passphrase => {
                let passphrase = passphrase.ok_or(VaultError::PassphraseRequired)?;
                let (key, kek) = header.unwrap_key(passphrase)?;
                (key, Some(kek))
            }
        };
        let contents = decrypt(&key, &bytes[..header.len()], &header, ciphertext)?;
        Ok((
            Self {
                path: path.to_owned(),
                key,
                kek,
                header,
            },
            contents,
        ))
    }

    /// Recovers a vault with its recovery key, when the keychain lost its key or the
    /// passphrase is forgotten: the vault gets a new key kept as `to` says, stays sealed to the
    /// same recovery key, and no copy under the old key is left beside it. A wrong recovery
    /// key changes nothing ([`VaultError::WrongRecoveryKey`]).
    pub fn recover(
        path: &Path,
        recovery_key: &RecoveryKey,
        to: RecoverTo<'_>,
        entropy: &mut dyn Entropy,
    ) -> Result<(Self, Contents), VaultError> {
        let lock = FileLock::exclusive(path)?;
        let bytes = read_file(path)?;
        let (header, ciphertext) = Header::parse(path, &bytes)?;
        let slot = header.recovery.clone().ok_or(VaultError::NoRecoveryKey)?;
        let key = recovery_key.open(
            &slot.recipient,
            &slot.sealed,
            &recovery_aad(&header.vault_id),
        )?;
        let contents = decrypt(&key, &bytes[..header.len()], &header, ciphertext)?;
        let mut vault = Self {
            path: path.to_owned(),
            key,
            kek: None,
            header,
        };
        let new_key = new_key(entropy)?;
        let mut header = vault.header.clone();
        let id = header.vault_id_hex();
        match to {
            RecoverTo::Keychain(store) => {
                header.unwrap_to_keychain();
                store.set(&id, &new_key)?;
            }
            RecoverTo::Passphrase { passphrase, kdf } => {
                vault.kek = Some(header.wrap(&new_key, passphrase, kdf, entropy)?);
            }
        }
        header.seal_recovery(slot.recipient, &new_key, entropy)?;
        vault.rekey_locked(new_key, header, &contents, entropy)?;
        drop(lock);
        Ok((vault, contents))
    }

    /// Opens a vault with its key already known (after an unlock, in tests and benchmarks).
    pub fn open_with_key(path: &Path, key: Secret) -> Result<(Self, Contents), VaultError> {
        let _lock = FileLock::shared(path)?;
        let bytes = read_file(path)?;
        let (header, ciphertext) = Header::parse(path, &bytes)?;
        let contents = decrypt(&key, &bytes[..header.len()], &header, ciphertext)?;
        Ok((
            Self {
                path: path.to_owned(),
                key,
                kek: None,
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
            let kek = header.wrap(&key, passphrase, kdf, entropy)?;
            if let Some(slot) = &self.header.recovery {
                header.seal_recovery(slot.recipient, &key, entropy)?;
            }
            self.rekey_locked(key, header, &contents, entropy)?;
            self.kek = Some(kek);
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
        if let Some(slot) = &self.header.recovery {
            header.seal_recovery(slot.recipient, &key, entropy)?;
        }
        self.rekey_locked(key, header, &contents, entropy)?;
        self.kek = None;
        Ok(())
    }

    /// Makes a new recovery key for the vault and returns it (to show once). The first one is
    /// simply added; a later one replaces the old, and the vault gets a new key as well, so the
    /// old recovery key opens neither this file nor any copy written from now on (copies from
    /// before — old backups — still open with it). In keychain mode the new key goes to
    /// `keystore`; in passphrase mode the vault must have been opened with its passphrase.
    pub fn set_recovery_key(
        &mut self,
        keystore: &dyn KeyStore,
        kdf: KdfParams,
        entropy: &mut dyn Entropy,
    ) -> Result<RecoveryKey, VaultError> {
        let recovery_key = RecoveryKey::generate(entropy)?;
        self.install_recovery_key(keystore, &recovery_key, kdf, entropy)?;
        Ok(recovery_key)
    }

    /// [`Vault::set_recovery_key`] with a key made beforehand (the desktop app shows it and
    /// asks for part of it back before the vault starts depending on it).
    pub fn install_recovery_key(
        &mut self,
        keystore: &dyn KeyStore,
        recovery_key: &RecoveryKey,
        kdf: KdfParams,
        entropy: &mut dyn Entropy,
    ) -> Result<(), VaultError> {
        let recipient = recovery_key.recipient(kdf, entropy)?;
        let _lock = FileLock::exclusive(&self.path)?;
        let contents = self.read_locked()?;
        let mut header = self.header.clone();
        if self.header.recovery.is_none() {
            header.seal_recovery(recipient, &self.key, entropy)?;
            let old = std::mem::replace(&mut self.header, header);
            if let Err(e) = self.write(&contents, entropy) {
                self.header = old;
                return Err(e);
            }
            return Ok(());
        }
        let key = new_key(entropy)?;
        let id = header.vault_id_hex();
        let old_key = match header.mode {
            KeyMode::Keychain => {
                let old = keystore.get(&id)?;
                keystore.set(&id, &key)?;
                Some(old)
            }
            KeyMode::Passphrase => {
                let kek = self.kek.as_ref().ok_or(VaultError::PassphraseRequired)?;
                header.wrap_with_kek(&key, kek, entropy)?;
                None
            }
        };
        header.seal_recovery(recipient, &key, entropy)?;
        let new_check = key_check(&key);
        if let Err(e) = self.rekey_locked(key, header, &contents, entropy) {
            // The keychain goes back to the old key only when the first write failed (then
            // the vault kept its old key); after the second, the file is under the new key.
            if key_check(&self.key) == new_check {
                return Err(e);
            }
            if let Some(old) = old_key {
                match old {
                    Some(old) => keystore.set(&id, &old)?,
                    None => keystore.delete(&id)?,
                }
            }
            return Err(e);
        }
        Ok(())
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
        // Another process gave the vault a new key (a new passphrase, a move to or from the
        // keychain, a new recovery key).
        if header.version >= 2 && header.key_check != key_check(&self.key) {
            return Err(VaultError::Rekeyed);
        }
        let contents = match decrypt(&self.key, &bytes[..header.len()], &header, ciphertext) {
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
        header.version = FORMAT_VERSION;
        header.key_check = key_check(&self.key);
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
    let contents = decrypt(key, &bytes[..header.len()], &header, ciphertext)?;
    Ok((header.info(), contents))
}

/// Decodes a decrypted payload: what [`read_bytes`] does after the integrity check (used by
/// backups, and by the fuzzer to reach the payload decoder without forging authentication tags).
pub fn decode_payload(bytes: &[u8]) -> Result<Contents, VaultError> {
    payload::decode(bytes).map_err(|reason| VaultError::Corrupt { reason })
}

/// The plaintext a vault holds for `contents` (the JSON of `docs/vault-format.md`): what
/// Twofold's own backups seal, so that a backup keeps everything the vault keeps. Zeroized
/// when dropped.
pub fn encode_payload(contents: &Contents) -> Zeroizing<Vec<u8>> {
    payload::encode(contents)
}

/// A new random vault key.
fn new_key(entropy: &mut dyn Entropy) -> Result<Secret, VaultError> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    entropy.fill(key.as_mut())?;
    Ok(Secret::from_slice(key.as_ref()))
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
