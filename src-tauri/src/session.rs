//! The app's one piece of state: where the vault is, which keychain to use, and the vault while
//! it is unlocked (the key stays in memory only then).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use twofold_core::clock::SharedClock;
use twofold_core::keychain::{KeyStore, KeyStoreError, Keychain, UnreachableKeyStore};
use twofold_core::vault::KeyMode;
use twofold_core::{Account, Vault};

use crate::error::{ErrorCode, IpcError};

use crate::clipboard::SecretClipboard;
use crate::settings::{self, Settings};

/// Shared by every command.
pub struct AppSession {
    pub path: PathBuf,
    pub keystore: Box<dyn KeyStore>,
    pub vault: Mutex<Option<Vault>>,
    /// Accounts found by a scan or a pasted link, waiting for the user to confirm them.
    pub pending: Mutex<Option<PendingAdd>>,
    /// The last deleted account and where it was, for undo (memory only, dropped on lock).
    pub trash: Mutex<Option<(usize, Account)>>,
    /// Preferences, from `settings.json` beside the vault.
    pub settings: Mutex<Settings>,
    pub clipboard: Arc<SecretClipboard>,
    /// Another app's export file waiting for its password (kept in memory, dropped on lock).
    pub staged_import: Mutex<Option<StagedImport>>,
    /// `otpauth://` links the browser or a second launch handed over, not yet previewed.
    pub opened_links: Mutex<Vec<String>>,
    /// Set by every lock, so an unlock started at launch never undoes one.
    locked_since_start: AtomicBool,
    /// The app's one clock, passed to everything that needs the time.
    pub clock: SharedClock,
    /// A recovery key shown to the user and the groups they must type back before the vault
    /// is sealed to it (memory only, dropped on lock).
    pub pending_recovery: Mutex<Option<PendingRecoveryKey>>,
    /// A backup file picked on the first or the recovery screen, waiting for what opens it.
    pub staged_restore: Mutex<Option<zeroize::Zeroizing<Vec<u8>>>>,
    /// Tells the automatic backups that the vault changed.
    pub backups: crate::backups::Notifier,
    /// Tells the sync thread that the vault changed; where sync stands.
    pub sync: crate::sync::Notifier,
    /// This computer's sync (kept for the app's life: it remembers the records it opened).
    pub syncer: twofold_push::sync::Sync,
}

/// A recovery key made but not yet in the vault: the person writes it down, then types back
/// the groups asked for.
pub struct PendingRecoveryKey {
    pub key: twofold_core::recovery::RecoveryKey,
    /// The groups (1 to 9) to type back.
    pub groups: Vec<u32>,
}

impl std::fmt::Debug for PendingRecoveryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PendingRecoveryKey(groups {:?})", self.groups)
    }
}

/// A preview's accounts with the labels they come with (an import's tags and pins), kept in
/// Rust (seeds never go to the page) until confirmed.
#[derive(Debug)]
pub struct PendingAdd {
    pub id: u32,
    pub entries: Vec<twofold_formats::Entry>,
    /// A push-approval enrollment link found with them.
    pub enrollment: Option<twofold_push::protocol::EnrollmentLink>,
}

/// An encrypted export read but not yet opened: its bytes and format, until the password comes.
pub struct StagedImport {
    pub bytes: zeroize::Zeroizing<Vec<u8>>,
    pub format: twofold_formats::Format,
}

impl std::fmt::Debug for StagedImport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "StagedImport({:?}, {} bytes)",
            self.format,
            self.bytes.len()
        )
    }
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
    pub fn new(path: PathBuf, clock: SharedClock) -> Self {
        let keystore: Box<dyn KeyStore> = if std::env::var_os("TWOFOLD_NO_KEYCHAIN").is_some() {
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
        Self::with_keystore(path, keystore, clock)
    }

    /// Unix seconds now.
    pub fn now(&self) -> u64 {
        self.clock.unix_seconds()
    }

    /// Forgets the vault's key and everything read from it: the open vault, a pending preview,
    /// the account kept for undo.
    pub fn lock_now(&self) {
        // Cleared even after a panic elsewhere poisoned a lock: locking must always work.
        let mut vault = self.vault.lock().unwrap_or_else(PoisonError::into_inner);
        self.locked_since_start.store(true, Ordering::SeqCst);
        *vault = None;
        drop(vault);
        // Sync pushes what was stamped and stops taking changes in.
        self.sync.changed();
        *self.pending.lock().unwrap_or_else(PoisonError::into_inner) = None;
        *self.trash.lock().unwrap_or_else(PoisonError::into_inner) = None;
        *self
            .staged_import
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        *self
            .pending_recovery
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// Runs `op` on the open vault. When the file turns out to be re-keyed or replaced by
    /// another program (the CLI changed the passphrase, a backup was restored), the key held
    /// here no longer opens it: the session locks, so the page shows the unlock screen instead
    /// of a vault it can no longer read.
    pub fn with_vault<T>(
        &self,
        op: impl FnOnce(&mut Vault) -> Result<T, IpcError>,
    ) -> Result<T, IpcError> {
        let result = {
            let mut guard = self
                .vault
                .lock()
                .map_err(crate::commands::vault::poisoned)?;
            let vault = guard
                .as_mut()
                .ok_or_else(crate::commands::accounts::locked)?;
            let generation = vault.info().generation;
            let result = op(vault);
            // A change saved: the automatic backup follows once the changes settle.
            if vault.info().generation != generation {
                self.backups.changed();
                self.sync.changed();
            }
            result
        };
        if let Err(e) = &result
            && e.code == ErrorCode::Locked
        {
            self.lock_now();
        }
        result
    }

    /// At launch, opens a vault whose key is in the keychain (no passphrase) while the window is
    /// still loading, so the first codes are ready when the page asks. The vault's lock is held
    /// throughout, so a page that asks early waits for this instead of opening the vault a second
    /// time; any failure is left for the page's own unlock to report.
    pub fn open_at_launch(&self) {
        let mut slot = self.vault.lock().unwrap_or_else(PoisonError::into_inner);
        let keychain = Vault::inspect(&self.path).is_ok_and(|i| i.mode == KeyMode::Keychain);
        if !keychain || slot.is_some() || self.locked_since_start.load(Ordering::SeqCst) {
            return;
        }
        if let Ok((vault, _)) = Vault::open(&self.path, self.keystore.as_ref(), None) {
            crate::commands::vault::report("at vault open");
            *slot = Some(vault);
            // A daily backup may be due; the other computers' changes come in.
            self.backups.changed();
            self.sync.changed();
        }
    }

    /// A session with a given keystore (tests use a mock store).
    pub fn with_keystore(path: PathBuf, keystore: Box<dyn KeyStore>, clock: SharedClock) -> Self {
        Self {
            syncer: twofold_push::sync::Sync::beside(&path, clock.clone()),
            keystore,
            clock,
            vault: Mutex::new(None),
            pending: Mutex::new(None),
            staged_import: Mutex::new(None),
            trash: Mutex::new(None),
            settings: Mutex::new(Settings::load(&settings::path_beside(&path))),
            clipboard: Arc::default(),
            opened_links: Mutex::default(),
            pending_recovery: Mutex::new(None),
            staged_restore: Mutex::new(None),
            backups: crate::backups::Notifier::default(),
            sync: crate::sync::Notifier::default(),
            locked_since_start: AtomicBool::new(false),
            path,
        }
    }
}
