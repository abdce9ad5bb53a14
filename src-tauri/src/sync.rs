//! Sync in the app: a background thread (its own async runtime) that, while the vault is open,
//! stamps each saved change and runs a round at once, then waits in a long poll for the other
//! computers' changes (they arrive within a second), retries with a growing pause while the
//! server cannot be reached, and tells the page how it stands (synced, syncing, offline, error
//! with its reason). A round's new contents are saved only over the generation they were made
//! from; a change made meanwhile makes another round.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use twofold_core::OsEntropy;
use twofold_core::vault::Contents;
use twofold_push::client::PushError;
use twofold_push::sync::{Sync, SyncError};

use crate::session::AppSession;

/// Event sent to the page when the sync state changed or a round changed the vault (it then
/// asks `sync_status` and the codes).
pub const SYNC_EVENT: &str = "twofold://sync";

/// How long a long poll waits for the other computers before it asks again.
const WAIT_SECONDS: u32 = 25;

/// The longest pause between attempts while the server cannot be reached.
const MAX_PAUSE: Duration = Duration::from_secs(60);

/// Where sync stands.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// This computer does not sync.
    Off,
    /// Everything is sent and taken in.
    Synced,
    /// A round is running.
    Syncing,
    /// The vault is locked: nothing to compare (changes are stamped when it is open).
    Locked,
    /// The server cannot be reached; it is tried again.
    Offline,
    /// The server refused, or what it sent was refused here (the reason says which).
    Error,
}

/// The thread's last word.
#[derive(Clone, Debug)]
pub struct Status {
    pub state: SyncState,
    pub reason: Option<String>,
}

/// The way to the sync thread, its status, and the lock that keeps rounds one at a time (the
/// thread's and those the commands run).
#[derive(Debug)]
pub struct Notifier {
    tx: Mutex<Option<UnboundedSender<()>>>,
    status: Mutex<Status>,
    pub rounds: tokio::sync::Mutex<()>,
}

impl Default for Notifier {
    fn default() -> Self {
        Self {
            tx: Mutex::default(),
            status: Mutex::new(Status {
                state: SyncState::Off,
                reason: None,
            }),
            rounds: tokio::sync::Mutex::new(()),
        }
    }
}

impl Notifier {
    /// The vault changed (or was opened, or sync was joined): a round follows at once.
    pub fn changed(&self) {
        if let Some(tx) = self
            .tx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            let _ = tx.send(());
        }
    }

    /// Where sync stands now.
    pub fn status(&self) -> Status {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set(&self, state: SyncState, reason: Option<String>) -> bool {
        let mut status = self.status.lock().unwrap_or_else(PoisonError::into_inner);
        let changed = status.state != state || status.reason != reason;
        *status = Status { state, reason };
        changed
    }
}

/// This computer's sync.
pub fn sync_of(session: &AppSession) -> &Sync {
    &session.syncer
}

/// What a pass found.
enum Outcome {
    /// Not syncing, or the vault is locked.
    Idle(SyncState),
    /// Done; `true` when the vault changed.
    Synced(bool),
    /// The vault changed during the round: run another.
    Again,
}

/// The server cannot be reached or is failing for now (a rate limit is an error to show).
fn is_offline(e: &SyncError) -> bool {
    matches!(e, SyncError::Push(p)
        if p.is_transient() && !matches!(p, PushError::Refused { status: 429, .. }))
}

/// One pass: the open vault's changes stamped, a round, its contents saved over the
/// generation they came from.
async fn pass(session: &AppSession) -> Result<Outcome, SyncError> {
    let _one = session.sync.rounds.lock().await;
    let sync = sync_of(session);
    if sync.state()?.is_none() {
        return Ok(Outcome::Idle(SyncState::Off));
    }
    let contents = {
        let mut guard = session.vault.lock().unwrap_or_else(PoisonError::into_inner);
        match guard.as_mut() {
            Some(vault) => {
                sync.check_vault(&vault.info().vault_id)?;
                Some(
                    vault
                        .read()
                        .map_err(|e| SyncError::BadAnswer(format!("the vault: {e}")))?,
                )
            }
            None => None,
        }
    };
    let keys = session.keystore.as_ref();
    let Some(contents) = contents else {
        // Locked: what was stamped and sealed goes up; nothing is opened or taken in.
        sync.push_pending(keys).await?;
        return Ok(Outcome::Idle(SyncState::Locked));
    };
    sync.stamp(keys, &contents)?;
    let round = sync.round(keys, &contents).await?;
    let changed = round.contents.is_some();
    if let Some(new) = &round.contents {
        let mut guard = session.vault.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(vault) = guard.as_mut() else {
            return Ok(Outcome::Idle(SyncState::Locked));
        };
        let saved = vault.update(&mut OsEntropy, |c: &mut Contents| {
            if *c != contents {
                return Err(());
            }
            *c = new.clone();
            Ok(())
        });
        match saved {
            Ok(Ok(_)) => session.backups.changed(),
            // Changed meanwhile: the next round merges that change too.
            Ok(Err(())) => return Ok(Outcome::Again),
            Err(e) => return Err(SyncError::BadAnswer(format!("saving the vault: {e}"))),
        }
    }
    sync.commit(round)?;
    Ok(Outcome::Synced(changed))
}

/// Runs one pass now and reports it (the commands' "Sync now", and the thread).
pub async fn run_pass<R: Runtime>(app: &AppHandle<R>) -> Status {
    let session = app.state::<AppSession>();
    // Said only when this computer syncs: a computer that does not hears nothing.
    let joined = matches!(sync_of(&session).state(), Ok(Some(_)));
    if joined && session.sync.set(SyncState::Syncing, None) {
        let _ = app.emit(SYNC_EVENT, ());
    }
    let mut vault_changed = false;
    let (state, reason) = loop {
        match pass(&session).await {
            Ok(Outcome::Idle(state)) => break (state, None),
            Ok(Outcome::Synced(changed)) => {
                vault_changed |= changed;
                break (SyncState::Synced, None);
            }
            Ok(Outcome::Again) => vault_changed = true,
            Err(e) if is_offline(&e) => break (SyncState::Offline, Some(e.to_string())),
            Err(e) => break (SyncState::Error, Some(e.to_string())),
        }
    };
    if state == SyncState::Error
        && let Some(reason) = &reason
    {
        eprintln!("twofold-desktop: sync: {reason}");
    }
    if session.sync.set(state, reason) || vault_changed {
        let _ = app.emit(SYNC_EVENT, ());
    }
    session.sync.status()
}

/// Starts the sync thread.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let (tx, rx) = unbounded_channel::<()>();
    *app.state::<AppSession>()
        .sync
        .tx
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = Some(tx);
    let app = app.clone();
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            eprintln!("twofold-desktop: sync: no async runtime");
            return;
        };
        runtime.block_on(run(app, rx));
    });
}

async fn run<R: Runtime>(app: AppHandle<R>, mut rx: UnboundedReceiver<()>) {
    let mut pause = Duration::from_secs(2);
    loop {
        let status = run_pass(&app).await;
        let session = app.state::<AppSession>();
        let sync = sync_of(&session);
        match status.state {
            SyncState::Synced => {
                pause = Duration::from_secs(2);
                let last = sync.state().ok().flatten().map_or(0, |s| s.last);
                tokio::select! {
                    r = rx.recv() => if r.is_none() { return },
                    // Something written by another computer, or a timeout: either way, a round.
                    _ = sync.wait(session.keystore.as_ref(), last, WAIT_SECONDS) => {}
                }
            }
            SyncState::Offline | SyncState::Error => {
                tokio::select! {
                    r = rx.recv() => if r.is_none() { return },
                    () = tokio::time::sleep(pause) => {}
                }
                pause = (pause * 2).min(MAX_PAUSE);
            }
            SyncState::Off | SyncState::Locked | SyncState::Syncing => {
                if rx.recv().await.is_none() {
                    return;
                }
            }
        }
        // A burst of changes makes one round.
        while rx.try_recv().is_ok() {}
    }
}
