//! Automatic backups in the app: a background thread that writes a verified backup once the
//! changes settle (a few seconds after the last one) and at least daily while the vault is open,
//! then tells the page and the tray how it went (a failing backup stays visible in both).

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use tauri::{AppHandle, Emitter, Manager, Runtime};
use twofold_core::OsEntropy;
use twofold_core::vault::Vault;
use twofold_formats::autobackup::{self, BackupError, Record, Written};

use crate::session::AppSession;

/// Event sent to the page when a backup ran (it then asks `backup_status`).
pub const BACKUP_EVENT: &str = "twofold://backup";

/// Quiet time after a change before the backup is written: a burst of edits makes one backup.
pub const DEBOUNCE: Duration = Duration::from_secs(2);

/// The longest a stream of changes postpones the backup.
const MAX_DELAY: Duration = Duration::from_secs(30);

/// How often the thread looks whether the daily backup is due.
const CHECK_EVERY: Duration = Duration::from_secs(10 * 60);

/// The way to the backup thread; without one (tests that run no app), changes are not backed up.
#[derive(Debug, Default)]
pub struct Notifier(Mutex<Option<Sender<()>>>);

impl Notifier {
    /// The vault changed (or was opened): a backup follows when one is due.
    pub fn changed(&self) {
        if let Some(tx) = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            let _ = tx.send(());
        }
    }
}

/// Whether a backup could open without this computer: the vault has a recovery key or a backup
/// passphrase is set. Without either, no backup is written (the page asks for a recovery key).
pub fn has_lock(vault: &Vault, record: &Record) -> bool {
    vault.info().recovery.is_some() || record.settings.passphrase.is_some()
}

/// Writes a backup of the open vault now when `force`, or when one is due. `Ok(None)`: nothing
/// to do (locked, backups off, nothing changed since the last, or nothing to seal it to).
pub fn run(session: &AppSession, force: bool) -> Result<Option<Written>, BackupError> {
    let mut guard = session.vault.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(vault) = guard.as_mut() else {
        return Ok(None);
    };
    // The generation on disk (the CLI may have saved meanwhile, and backed it up itself).
    let contents = vault.read()?;
    let record = Record::load(vault.path());
    let now = session.now();
    let due = has_lock(vault, &record) && record.due(vault.info().generation, now);
    if !force && !due {
        return Ok(None);
    }
    autobackup::run(vault, &contents, now, &mut OsEntropy).map(Some)
}

/// Tells the page and the tray what the last backup attempt left on record.
pub fn report<R: Runtime>(app: &AppHandle<R>) {
    let session = app.state::<AppSession>();
    let record = Record::load(&session.path);
    crate::desktop::show_backup_problem(app, record.status.error.is_some());
    let _ = app.emit(BACKUP_EVENT, ());
}

/// Starts the backup thread.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let (tx, rx) = mpsc::channel::<()>();
    *app.state::<AppSession>()
        .backups
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = Some(tx);
    let app = app.clone();
    // A failure recorded by an earlier run shows from the start.
    report(&app);
    std::thread::spawn(move || {
        loop {
            match rx.recv_timeout(CHECK_EVERY) {
                Ok(()) => {
                    // Wait until the changes settle, but not forever.
                    let deadline = Instant::now() + MAX_DELAY;
                    loop {
                        let left = deadline.saturating_duration_since(Instant::now());
                        if left.is_zero() || rx.recv_timeout(DEBOUNCE.min(left)).is_err() {
                            break;
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            let session = app.state::<AppSession>();
            match run(&session, false) {
                Ok(None) => {}
                Ok(Some(_)) => report(&app),
                Err(e) => {
                    eprintln!("twofold-desktop: automatic backup failed: {e}");
                    report(&app);
                }
            }
        }
    });
}
