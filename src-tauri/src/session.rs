//! The app's one piece of state: where the vault is, which keychain to use, and the vault while
//! it is unlocked (the key stays in memory only then).

use std::path::PathBuf;
use std::sync::Mutex;

use twofold_core::Vault;
use twofold_core::keychain::{KeyStore, KeyStoreError, Keychain, UnreachableKeyStore};

/// Shared by every command.
pub struct AppSession {
    pub path: PathBuf,
    pub keystore: Box<dyn KeyStore + Send + Sync>,
    pub vault: Mutex<Option<Vault>>,
}

impl std::fmt::Debug for AppSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppSession")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl AppSession {
    /// A session on `path`, with the OS keychain unless `TWOFOLD_NO_KEYCHAIN` is set.
    pub fn new(path: PathBuf) -> Self {
        let keystore: Box<dyn KeyStore + Send + Sync> =
            if std::env::var_os("TWOFOLD_NO_KEYCHAIN").is_some() {
                Box::new(UnreachableKeyStore::new(
                    "the keychain is turned off (TWOFOLD_NO_KEYCHAIN)",
                ))
            } else {
                match Keychain::open_os() {
                    Ok(k) => Box::new(k),
                    Err(KeyStoreError::Unavailable { reason }) => {
                        Box::new(UnreachableKeyStore::new(reason))
                    }
                    Err(e) => Box::new(UnreachableKeyStore::new(e.to_string())),
                }
            };
        Self::with_keystore(path, keystore)
    }

    /// A session with a given keystore (tests use a mock store).
    pub fn with_keystore(path: PathBuf, keystore: Box<dyn KeyStore + Send + Sync>) -> Self {
        Self {
            path,
            keystore,
            vault: Mutex::new(None),
        }
    }
}
