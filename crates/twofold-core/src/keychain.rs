//! Where a vault key lives when no passphrase guards it: the OS keychain (Secret Service on Linux,
//! Keychain on macOS, Credential Manager on Windows) through the `keyring-core` store crates,
//! behind the small [`KeyStore`] trait so the vault does not care which.

use std::sync::Arc;

use keyring_core::{CredentialStore, Entry};

use crate::secret::Secret;

/// The service name under which Twofold keeps vault keys.
pub const SERVICE: &str = "twofold";

/// Why the keychain could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    /// No keychain service is reachable (no session bus, no Secret Service, unsupported OS).
    #[error("no keychain is available ({reason}); use a passphrase instead")]
    Unavailable {
        /// What the platform said.
        reason: String,
    },
    /// The keychain exists but refused access (locked, or a prompt that cannot be shown).
    #[error("the keychain refused access: {reason}")]
    Denied {
        /// What the platform said.
        reason: String,
    },
    /// Any other platform failure.
    #[error("keychain error: {reason}")]
    Platform {
        /// What the platform said.
        reason: String,
    },
}

/// Storage for vault keys, one entry per vault id (shared between threads: the desktop app
/// reads it from async commands).
pub trait KeyStore: Send + Sync {
    /// The key of a vault, `None` when the keychain has no entry for it.
    fn get(&self, vault_id: &str) -> Result<Option<Secret>, KeyStoreError>;
    /// Stores (or replaces) the key of a vault.
    fn set(&self, vault_id: &str, key: &Secret) -> Result<(), KeyStoreError>;
    /// Deletes the key of a vault; deleting a missing entry is not an error.
    fn delete(&self, vault_id: &str) -> Result<(), KeyStoreError>;
}

/// A keychain backed by a `keyring-core` credential store.
pub struct Keychain {
    store: Arc<CredentialStore>,
}

impl std::fmt::Debug for Keychain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keychain").finish_non_exhaustive()
    }
}

impl Keychain {
    /// Uses a given credential store (the OS one, or `keyring_core::mock::Store` in tests).
    pub fn with_store(store: Arc<CredentialStore>) -> Self {
        Self { store }
    }

    /// The platform's keychain. Fails with [`KeyStoreError::Unavailable`] where there is none
    /// (a headless Linux session without a Secret Service, say).
    pub fn open_os() -> Result<Self, KeyStoreError> {
        #[cfg(all(target_os = "linux", feature = "os-keychain"))]
        {
            let store = zbus_secret_service_keyring_store::Store::new().map_err(|e| {
                KeyStoreError::Unavailable {
                    reason: e.to_string(),
                }
            })?;
            Ok(Self { store })
        }
        #[cfg(not(all(target_os = "linux", feature = "os-keychain")))]
        {
            Err(KeyStoreError::Unavailable {
                reason: "this build has no keychain for this platform".to_owned(),
            })
        }
    }

    fn entry(&self, vault_id: &str) -> Result<Entry, KeyStoreError> {
        Entry::new_in_store(&self.store, SERVICE, &format!("vault-{vault_id}")).map_err(map_err)
    }
}

impl KeyStore for Keychain {
    fn get(&self, vault_id: &str) -> Result<Option<Secret>, KeyStoreError> {
        match self.entry(vault_id)?.get_secret() {
            Ok(bytes) => Ok(Some(Secret::new(bytes))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    fn set(&self, vault_id: &str, key: &Secret) -> Result<(), KeyStoreError> {
        self.entry(vault_id)?
            .set_secret(key.expose())
            .map_err(map_err)
    }

    fn delete(&self, vault_id: &str) -> Result<(), KeyStoreError> {
        match self.entry(vault_id)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_err(e)),
        }
    }
}

/// A store that is never available: what a shell uses when it was told not to touch the
/// keychain, so that only passphrase vaults open.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoKeyStore;

impl KeyStore for NoKeyStore {
    fn get(&self, _: &str) -> Result<Option<Secret>, KeyStoreError> {
        Err(unavailable())
    }
    fn set(&self, _: &str, _: &Secret) -> Result<(), KeyStoreError> {
        Err(unavailable())
    }
    fn delete(&self, _: &str) -> Result<(), KeyStoreError> {
        Err(unavailable())
    }
}

/// The keychain that could not be opened, remembering why, so every use reports the real cause.
#[derive(Debug, Clone)]
pub struct UnreachableKeyStore {
    reason: String,
}

impl UnreachableKeyStore {
    /// A store that fails with `reason`.
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }

    fn err(&self) -> KeyStoreError {
        KeyStoreError::Unavailable {
            reason: self.reason.clone(),
        }
    }
}

impl KeyStore for UnreachableKeyStore {
    fn get(&self, _: &str) -> Result<Option<Secret>, KeyStoreError> {
        Err(self.err())
    }
    fn set(&self, _: &str, _: &Secret) -> Result<(), KeyStoreError> {
        Err(self.err())
    }
    fn delete(&self, _: &str) -> Result<(), KeyStoreError> {
        Err(self.err())
    }
}

fn unavailable() -> KeyStoreError {
    KeyStoreError::Unavailable {
        reason: "the keychain is turned off".to_owned(),
    }
}

fn map_err(e: keyring_core::Error) -> KeyStoreError {
    match e {
        keyring_core::Error::NoStorageAccess(err) => KeyStoreError::Denied {
            reason: err.to_string(),
        },
        keyring_core::Error::NoDefaultStore => KeyStoreError::Unavailable {
            reason: "no credential store".to_owned(),
        },
        keyring_core::Error::PlatformFailure(err) => KeyStoreError::Unavailable {
            reason: err.to_string(),
        },
        other => KeyStoreError::Platform {
            reason: other.to_string(),
        },
    }
}
