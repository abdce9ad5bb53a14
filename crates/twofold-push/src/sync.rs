//! Sync, this computer's side (`docs/sync-protocol.md`), once for the CLI and the desktop: joining
//! or creating a space, the link that adds another computer, and a sync round — the vault's
//! changes since the last round become records, the server's new records are checked (no
//! version or sequence going back, every record opening under the space key) and merged, the
//! result is pushed with compare-and-set (pull, merge, retry on a conflict), and the vault's
//! new contents come back for the caller to save. What the server held at the last round is
//! kept beside the vault (`sync.json`: ciphertext only); the device's keys and the space key
//! are in the keychain.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use twofold_core::clock::SharedClock;
use twofold_core::entropy::OsEntropy;
use twofold_core::keychain::{KeyStore, KeyStoreError};
use twofold_core::sync::{self as core_sync, Hlc, HlcClock, RecordError, SyncedAccount};
use twofold_core::vault::Contents;
use twofold_core::{AccountId, Secret};
use zeroize::Zeroizing;

use crate::client::PushError;
use crate::protocol::{b64, unb64};
use crate::sync_client::{self, DeviceKeys, PushOutcome, SyncClient};
use crate::sync_protocol::{
    Admission, Joined, MAX_RECORDS, PushRecord, RemoveRequest, SealedKey, SyncDevice, SyncLink,
    WireRecord,
};

/// The state file's name, in the vault's directory.
pub const STATE_FILE: &str = "sync.json";

/// How many times a round pulls and merges again after a conflicting push.
const MAX_ATTEMPTS: usize = 8;

/// Why sync failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// This computer is not in a sync space.
    #[error("this computer does not sync yet: `twofold sync join LINK` (or Settings → Sync)")]
    NotJoined,
    /// This computer is in a space already.
    #[error("this computer already syncs through {server}; leave that space first")]
    AlreadyJoined {
        /// The server.
        server: String,
    },
    /// There is no keychain to keep the sync keys in.
    #[error("sync keeps this computer's keys in the OS keychain, and there is none: {0}")]
    NoKeychain(String),
    /// The keychain failed.
    #[error("keychain: {0}")]
    Keychain(#[from] KeyStoreError),
    /// A key this computer needs is not in its keychain.
    #[error(
        "the keychain has no {0} for this computer's sync (was it reset?); leave and join again"
    )]
    KeyMissing(&'static str),
    /// The server or the network.
    #[error(transparent)]
    Push(#[from] PushError),
    /// A record or a key does not open.
    #[error("{0} (refused: the server's copy was altered, replayed or is not this space's)")]
    Record(#[from] RecordError),
    /// The server offered an older state than this computer has seen.
    #[error("the server went back in time: {0}; nothing was changed here")]
    Rollback(String),
    /// The server answered something that cannot be right.
    #[error("the sync server answered something wrong: {0}")]
    BadAnswer(String),
    /// Writes kept conflicting.
    #[error("the space kept changing while this computer synced; try again")]
    Busy,
    /// The state file cannot be read or written.
    #[error("{path}: {problem}")]
    State {
        /// The file.
        path: String,
        /// What is wrong.
        problem: String,
    },
}

/// What this computer knows of one record: as the server held it at the last round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownRecord {
    /// Its version.
    pub version: u64,
    /// Its sequence number.
    pub sequence: i64,
    /// The key generation it is sealed under.
    pub generation: u32,
    /// Its ciphertext, base64url.
    pub ciphertext: String,
    /// Whether it is a delete.
    pub deleted: bool,
}

/// This computer's sync state (nothing secret: ciphertext and numbers).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// The server's base URL.
    pub server: String,
    /// The space's id.
    pub space: String,
    /// This device's id.
    pub device: String,
    /// This device's name.
    pub name: String,
    /// This device's number in the space.
    pub node: u32,
    /// The space key generation this computer holds.
    pub generation: u32,
    /// The space's sequence number read up to.
    pub last: i64,
    /// Every record, as the server held it.
    pub records: BTreeMap<String, KnownRecord>,
    /// The last reading of this device's clock.
    pub clock: Hlc,
    /// When the last round finished (Unix seconds).
    pub last_sync_at: Option<i64>,
    /// Changes stamped here and not pushed yet, sealed under the space key as the version
    /// they would be written as.
    #[serde(default)]
    pub pending: BTreeMap<String, Pending>,
    /// The vault these records were synced with (its id); another vault in its place (a backup
    /// restored, a vault made anew) is not a continuation of them.
    #[serde(default)]
    pub vault: Option<String>,
    /// The vault in place is not the one last synced: the next round takes the space's state
    /// and adds only the vault's accounts the space does not have (nothing the vault lacks is
    /// deleted, nothing older in it overwrites a newer edit).
    #[serde(default)]
    pub rebase: bool,
}

/// A change stamped here and not pushed yet: ready to push as it is (no need to open it, so
/// it goes up while the vault is locked) while the server still holds `base_version`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// The key generation it is sealed under.
    pub generation: u32,
    /// The version the server held when it was stamped (0: a new record).
    pub base_version: u64,
    /// Its ciphertext, sealed as `base_version + 1`, base64url.
    pub ciphertext: String,
    /// Whether it is a delete.
    pub deleted: bool,
}

/// This computer's view of the space at the start of a round or a stamp.
struct Local {
    /// The server's copies at the last round.
    known: BTreeMap<String, (KnownRecord, SyncedAccount)>,
    /// Those with this computer's changes.
    merged: BTreeMap<String, SyncedAccount>,
    hlc: HlcClock,
}

/// What a round found, and the state to keep once the vault is saved.
#[derive(Debug)]
pub struct Round {
    /// The vault's new contents, when they differ from what the round started from.
    pub contents: Option<Contents>,
    /// Records taken in from the server.
    pub pulled: usize,
    /// Records written to the server.
    pub pushed: usize,
    state: SyncState,
}

/// One computer's sync, beside its vault.
#[derive(Debug)]
pub struct Sync {
    path: PathBuf,
    clock: SharedClock,
    /// Records this value opened before, by (id, version, ciphertext): a round opens only what
    /// is new (a long-lived `Sync`, as the desktop keeps, saves a thousand openings a round).
    opened: std::sync::Mutex<std::collections::HashMap<(String, u64, String), SyncedAccount>>,
}

fn device_entry(uuid: &str) -> String {
    format!("sync-device-{uuid}")
}

/// The space key's entry, per device: two vaults of one person on one computer (one keychain)
/// are two devices, each with its own entry.
fn space_entry(space: &str, device: &str) -> String {
    format!("sync-space-{space}-{device}")
}

fn keychain(e: KeyStoreError) -> SyncError {
    match e {
        KeyStoreError::Unavailable { reason } => SyncError::NoKeychain(reason),
        other => SyncError::Keychain(other),
    }
}

/// A space key and its generation, with the one before it (records a rotation re-sealed may
/// still be in this computer's state when the round that took the new key did not finish), as
/// the keychain keeps them: 4 bytes big-endian, 32, and 32 more for the previous key.
struct SpaceKey {
    generation: u32,
    key: Secret,
    previous: Option<Secret>,
}

impl SpaceKey {
    fn to_bytes(&self) -> Secret {
        let mut bytes = Zeroizing::new(self.generation.to_be_bytes().to_vec());
        bytes.extend_from_slice(self.key.expose());
        if let Some(previous) = &self.previous {
            bytes.extend_from_slice(previous.expose());
        }
        Secret::from_slice(&bytes)
    }

    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let (generation, keys) = bytes.split_first_chunk::<4>()?;
        let (key, previous) = match keys.len() {
            32 => (keys, None),
            64 => (&keys[..32], Some(Secret::from_slice(&keys[32..]))),
            _ => return None,
        };
        Some(Self {
            generation: u32::from_be_bytes(*generation),
            key: Secret::from_slice(key),
            previous,
        })
    }

    /// The key of `generation`, when this computer holds it.
    fn of(&self, generation: u32) -> Option<&Secret> {
        if generation == self.generation {
            Some(&self.key)
        } else if generation.checked_add(1) == Some(self.generation) {
            self.previous.as_ref()
        } else {
            None
        }
    }
}

fn random_key() -> Result<Secret, SyncError> {
    let mut key = Zeroizing::new([0u8; 32]);
    getrandom::fill(key.as_mut()).map_err(|e| PushError::Random(e.to_string()))?;
    Ok(Secret::from_slice(key.as_ref()))
}

impl Sync {
    /// The sync of the vault at `vault_path`.
    pub fn beside(vault_path: &Path, clock: SharedClock) -> Self {
        let dir = vault_path.parent().unwrap_or_else(|| Path::new("."));
        Self {
            path: dir.join(STATE_FILE),
            clock,
            opened: std::sync::Mutex::default(),
        }
    }

    /// Opens a record, or takes it from the records opened before (the same id, version and
    /// ciphertext opened under a key that was right then; the AEAD tag ties all three).
    fn open(
        &self,
        key: &Secret,
        id: &str,
        version: u64,
        ciphertext: &str,
    ) -> Result<SyncedAccount, SyncError> {
        let entry = (id.to_owned(), version, ciphertext.to_owned());
        let mut cache = self
            .opened
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(account) = cache.get(&entry) {
            return Ok(account.clone());
        }
        let account = open(key, id, version, ciphertext)?;
        // Bounded: a space's records, each at a few versions.
        if cache.len() > 20_000 {
            cache.clear();
        }
        cache.insert(entry, account.clone());
        Ok(account)
    }

    /// The state file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn now(&self) -> i64 {
        i64::try_from(self.clock.unix_seconds()).unwrap_or(i64::MAX)
    }

    fn wall_ms(&self) -> u64 {
        u64::try_from(self.clock.since_epoch().as_millis()).unwrap_or(u64::MAX)
    }

    fn state_error(&self, problem: impl Into<String>) -> SyncError {
        SyncError::State {
            path: self.path.display().to_string(),
            problem: problem.into(),
        }
    }

    /// This computer's sync state, `None` when it does not sync.
    pub fn state(&self) -> Result<Option<SyncState>, SyncError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| self.state_error(format!("unreadable ({e})"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.state_error(e.to_string())),
        }
    }

    fn save(&self, state: &SyncState) -> Result<(), SyncError> {
        if let Some(dir) = self.path.parent() {
            twofold_core::vault::create_private_dir(dir)
                .map_err(|e| self.state_error(e.to_string()))?;
        }
        let bytes =
            serde_json::to_vec_pretty(state).map_err(|e| self.state_error(e.to_string()))?;
        twofold_core::vault::write_atomically(&self.path, &bytes)
            .map_err(|e| self.state_error(e.to_string()))
    }

    fn client(
        &self,
        keys: &dyn KeyStore,
        state: &SyncState,
    ) -> Result<(SyncClient, DeviceKeys), SyncError> {
        let bytes = keys
            .get(&device_entry(&state.device))
            .map_err(keychain)?
            .ok_or(SyncError::KeyMissing("device key"))?;
        let device =
            DeviceKeys::from_bytes(bytes.expose()).ok_or(SyncError::KeyMissing("device key"))?;
        let signing = crate::protocol::DeviceKey::from_seed(&device.signing.seed());
        Ok((
            SyncClient::new(&state.server, &state.device, signing, self.clock.clone()),
            device,
        ))
    }

    fn space_key(&self, keys: &dyn KeyStore, state: &SyncState) -> Result<SpaceKey, SyncError> {
        let bytes = keys
            .get(&space_entry(&state.space, &state.device))
            .map_err(keychain)?
            .ok_or(SyncError::KeyMissing("space key"))?;
        SpaceKey::from_bytes(bytes.expose()).ok_or(SyncError::KeyMissing("space key"))
    }

    /// Joins a space: by a link from a computer already in it, or creates one (an operator's
    /// invitation, or `server` alone on a server open to anyone). The vault's accounts go up
    /// at the first round.
    pub async fn join(
        &self,
        keys: &dyn KeyStore,
        how: &JoinBy,
        name: &str,
        platform: &str,
    ) -> Result<SyncState, SyncError> {
        if let Some(state) = self.state()? {
            return Err(SyncError::AlreadyJoined {
                server: state.server,
            });
        }
        // A keychain that cannot keep the keys fails before the server records a device.
        keys.get(&device_entry("check")).map_err(keychain)?;
        let device = DeviceKeys::generate()?;
        let (server, joined, space_key): (String, Joined, SpaceKey) = match how {
            JoinBy::Link(link) => match &link.admission {
                Admission::Link {
                    id,
                    secret,
                    pairing,
                } => {
                    let joined =
                        sync_client::join_space(&link.server, id, secret, &device, name, platform)
                            .await?;
                    let sealed = joined
                        .sealed_space_key
                        .as_deref()
                        .ok_or_else(|| SyncError::BadAnswer("no space key in the answer".into()))?;
                    let sealed = unb64("sealed_space_key", sealed).map_err(PushError::from)?;
                    let key = core_sync::open_space_key(
                        &sealed,
                        pairing,
                        &joined.space,
                        joined.generation,
                    )?;
                    let generation = joined.generation;
                    let space_key = SpaceKey {
                        generation,
                        key,
                        previous: None,
                    };
                    (link.server.clone(), joined, space_key)
                }
                Admission::Invite { id, secret } => {
                    let joined = sync_client::create_space(
                        &link.server,
                        Some((id, secret)),
                        &device,
                        name,
                        platform,
                    )
                    .await?;
                    let generation = joined.generation;
                    let space_key = SpaceKey {
                        generation,
                        key: random_key()?,
                        previous: None,
                    };
                    (link.server.clone(), joined, space_key)
                }
            },
            JoinBy::Open(server) => {
                let server = server.trim_end_matches('/').to_owned();
                let joined =
                    sync_client::create_space(&server, None, &device, name, platform).await?;
                let generation = joined.generation;
                let space_key = SpaceKey {
                    generation,
                    key: random_key()?,
                    previous: None,
                };
                (server, joined, space_key)
            }
        };
        keys.set(&device_entry(&joined.device.uuid), &device.to_bytes())
            .map_err(keychain)?;
        keys.set(
            &space_entry(&joined.space, &joined.device.uuid),
            &space_key.to_bytes(),
        )
        .map_err(keychain)?;
        let state = SyncState {
            server,
            space: joined.space,
            device: joined.device.uuid,
            name: joined.device.name,
            node: joined.device.node,
            generation: space_key.generation,
            last: 0,
            records: BTreeMap::new(),
            clock: Hlc::default(),
            last_sync_at: None,
            pending: BTreeMap::new(),
            vault: None,
            rebase: false,
        };
        self.save(&state)?;
        Ok(state)
    }

    /// A one-time link (ten minutes) that adds another computer to this space: the server gets
    /// the space key sealed under a pairing secret that stays in the link's fragment.
    pub async fn make_link(&self, keys: &dyn KeyStore) -> Result<SyncLink, SyncError> {
        let state = self.state()?.ok_or(SyncError::NotJoined)?;
        let (client, _) = self.client(keys, &state)?;
        let space_key = self.space_key(keys, &state)?;
        let mut pairing = Zeroizing::new([0u8; 32]);
        getrandom::fill(pairing.as_mut()).map_err(|e| PushError::Random(e.to_string()))?;
        let sealed = core_sync::seal_space_key(
            &space_key.key,
            &pairing,
            &state.space,
            space_key.generation,
            &mut OsEntropy,
        )?;
        let made = client.link(&sealed, space_key.generation).await?;
        Ok(SyncLink {
            server: state.server,
            admission: Admission::Link {
                id: made.id,
                secret: made.secret,
                pairing,
            },
        })
    }

    /// The space's devices.
    pub async fn devices(&self, keys: &dyn KeyStore) -> Result<Vec<SyncDevice>, SyncError> {
        let state = self.state()?.ok_or(SyncError::NotJoined)?;
        let (client, _) = self.client(keys, &state)?;
        Ok(client.devices().await?)
    }

    /// Waits (at most `seconds`) until something is written to the space after sequence
    /// `after`; whether something was.
    pub async fn wait(
        &self,
        keys: &dyn KeyStore,
        after: i64,
        seconds: u32,
    ) -> Result<bool, SyncError> {
        let state = self.state()?.ok_or(SyncError::NotJoined)?;
        let (client, _) = self.client(keys, &state)?;
        let page = client.pull(after, seconds).await?;
        Ok(!page.records.is_empty() || page.generation != state.generation)
    }

    /// Leaves the space: the server forgets this device, and this computer its sync keys and
    /// state (the vault keeps every account).
    pub async fn leave(&self, keys: &dyn KeyStore) -> Result<(), SyncError> {
        let state = self.state()?.ok_or(SyncError::NotJoined)?;
        let (client, _) = self.client(keys, &state)?;
        match client.leave().await {
            Ok(()) => {}
            // Removed already (by another computer): leaving here is all that is left.
            Err(PushError::Refused { status: 401, .. }) => {}
            Err(e) => return Err(e.into()),
        }
        self.forget(keys, &state)
    }

    fn forget(&self, keys: &dyn KeyStore, state: &SyncState) -> Result<(), SyncError> {
        keys.delete(&device_entry(&state.device))
            .map_err(keychain)?;
        keys.delete(&space_entry(&state.space, &state.device))
            .map_err(keychain)?;
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.state_error(e.to_string())),
        }
    }

    /// Takes the space key of the server's current generation (sealed to this device by the
    /// computer that rotated it) into the keychain.
    async fn refresh_key(
        &self,
        keys: &dyn KeyStore,
        client: &SyncClient,
        device: &DeviceKeys,
        state: &mut SyncState,
        generation: u32,
    ) -> Result<SpaceKey, SyncError> {
        if generation < state.generation {
            return Err(SyncError::Rollback(format!(
                "the space key generation went from {} back to {generation}",
                state.generation
            )));
        }
        let reply = client.key().await?;
        if reply.generation != generation {
            return Err(SyncError::BadAnswer(format!(
                "asked for key generation {generation}, got {}",
                reply.generation
            )));
        }
        let sealed = unb64("sealed", &reply.sealed).map_err(PushError::from)?;
        let key = core_sync::open_space_key_as_device(
            &sealed,
            &device.box_secret,
            &state.space,
            generation,
        )?;
        let current = self.space_key(keys, state)?;
        let space_key = SpaceKey {
            generation,
            key,
            previous: (current.generation + 1 == generation).then_some(current.key),
        };
        keys.set(
            &space_entry(&state.space, &state.device),
            &space_key.to_bytes(),
        )
        .map_err(keychain)?;
        state.generation = generation;
        Ok(space_key)
    }

    /// This computer's view: what the server held at the last round (opened), and that with
    /// the changes not pushed yet — the ones stamped before ([`Sync::stamp`]) and the vault's
    /// changes since, stamped now.
    fn local(
        &self,
        state: &mut SyncState,
        space_key: &SpaceKey,
        contents: &Contents,
    ) -> Result<Local, SyncError> {
        let mut hlc = HlcClock::new(state.node);
        hlc.witness(state.clock);
        // What the server held at the last round, opened (a record this computer kept does
        // not open only if the file or the keychain was changed under it).
        let mut known = BTreeMap::new();
        let mut stale = false;
        for (id, k) in &state.records {
            let Some(key) = space_key.of(k.generation) else {
                // Sealed under a key this computer no longer holds: pulled again.
                stale = true;
                continue;
            };
            let account = self.open(key, id, k.version, &k.ciphertext)?;
            witness(&mut hlc, &account);
            known.insert(id.clone(), (k.clone(), account));
        }
        if stale {
            state.last = 0;
        }
        let mut merged: BTreeMap<String, SyncedAccount> = known
            .iter()
            .map(|(id, (_, a))| (id.clone(), a.clone()))
            .collect();
        for (id, p) in &state.pending {
            if let Some(key) = space_key.of(p.generation) {
                let account = self.open(key, id, p.base_version + 1, &p.ciphertext)?;
                witness(&mut hlc, &account);
                merged.insert(id.clone(), account);
            }
        }
        if state.rebase {
            // Another vault in place: its accounts the space lacks go in, after the others (the
            // same account under another id collapses with the space's).
            let mut last = merged
                .values()
                .filter(|a| a.alive())
                .map(|a| a.position.value.clone())
                .max();
            let at = hlc.now(self.wall_ms());
            for account in &contents.accounts {
                if merged.contains_key(account.id.as_str()) {
                    continue;
                }
                let position = core_sync::position_between(last.as_deref(), None);
                merged.insert(
                    account.id.as_str().to_owned(),
                    SyncedAccount::new(account, position.clone(), at),
                );
                last = Some(position);
            }
            return Ok(Local { known, merged, hlc });
        }
        let base: Vec<SyncedAccount> = merged.values().cloned().collect();
        for change in core_sync::local_changes(&base, contents, &mut hlc, self.wall_ms()) {
            merged.insert(change.id.as_str().to_owned(), change);
        }
        Ok(Local { known, merged, hlc })
    }

    /// Tells sync which vault it works with (its id): the first time it is noted; another one
    /// later (a backup restored in place, a new vault) makes the next round a rebase (see
    /// [`SyncState::rebase`]) instead of reading the difference as edits and deletes.
    pub fn check_vault(&self, vault_id: &str) -> Result<(), SyncError> {
        let Some(mut state) = self.state()? else {
            return Ok(());
        };
        match &state.vault {
            Some(v) if v == vault_id => return Ok(()),
            Some(_) => {
                state.rebase = true;
                state.pending.clear();
            }
            None => {}
        }
        state.vault = Some(vault_id.to_owned());
        self.save(&state)
    }

    /// Stamps the vault's changes since the last stamp or round with the time now, and keeps
    /// them sealed (under the space key) until a round pushes them: run after every change to
    /// the vault, so that a change made offline counts from when it was made. No network.
    pub fn stamp(&self, keys: &dyn KeyStore, contents: &Contents) -> Result<usize, SyncError> {
        let Some(mut state) = self.state()? else {
            return Ok(0);
        };
        if state.rebase {
            // Nothing is a change of the records until the rebase round took the space in.
            return Ok(0);
        }
        let space_key = self.space_key(keys, &state)?;
        let Local { known, merged, hlc } = self.local(&mut state, &space_key, contents)?;
        let mut pending = BTreeMap::new();
        for (id, account) in &merged {
            let base_version = match known.get(id) {
                Some((_, theirs)) if theirs == account => continue,
                Some((k, _)) => k.version,
                None => 0,
            };
            // Unchanged since the last stamp: kept as it was sealed.
            if let Some(p) = state.pending.get(id)
                && p.base_version == base_version
                && p.generation == space_key.generation
                && self
                    .open(&space_key.key, id, base_version + 1, &p.ciphertext)
                    .ok()
                    .as_ref()
                    == Some(account)
            {
                pending.insert(id.clone(), p.clone());
                continue;
            }
            let sealed = account.seal(&space_key.key, base_version + 1, &mut OsEntropy)?;
            pending.insert(
                id.clone(),
                Pending {
                    generation: space_key.generation,
                    base_version,
                    ciphertext: b64(&sealed),
                    deleted: !account.alive(),
                },
            );
        }
        let n = pending.len();
        state.pending = pending;
        state.clock = hlc.last();
        self.save(&state)?;
        Ok(n)
    }

    /// While the vault is locked: pushes the changes stamped before as they were sealed (no
    /// record is opened, nothing is pulled). A change whose record moved on at the server waits
    /// for a round with the vault open. How many went up.
    pub async fn push_pending(&self, keys: &dyn KeyStore) -> Result<usize, SyncError> {
        let Some(mut state) = self.state()? else {
            return Ok(0);
        };
        if state.pending.is_empty() {
            return Ok(0);
        }
        let (client, _) = self.client(keys, &state)?;
        let generation = state.generation;
        let ready: Vec<(String, Pending)> = state
            .pending
            .iter()
            .filter(|(_, p)| p.generation == generation)
            .map(|(id, p)| (id.clone(), p.clone()))
            .collect();
        let mut pushed = 0;
        for chunk in ready.chunks(MAX_RECORDS) {
            let records = chunk
                .iter()
                .map(|(id, p)| PushRecord {
                    id: id.clone(),
                    base_version: p.base_version,
                    ciphertext: p.ciphertext.clone(),
                    deleted: p.deleted,
                })
                .collect();
            match client.push(generation, records).await? {
                PushOutcome::Written(done) => {
                    for ((id, p), written) in chunk.iter().zip(done.records) {
                        state.records.insert(
                            id.clone(),
                            KnownRecord {
                                version: written.version,
                                sequence: written.sequence,
                                generation,
                                ciphertext: p.ciphertext.clone(),
                                deleted: p.deleted,
                            },
                        );
                        state.pending.remove(id);
                        pushed += 1;
                    }
                    self.save(&state)?;
                }
                // Changed at the server, or a new key: a round with the vault open merges.
                PushOutcome::Conflicts(_) | PushOutcome::KeyChanged(_) => break,
            }
        }
        Ok(pushed)
    }

    /// One sync round against the vault's `contents`. Save the returned contents (if any) to
    /// the vault, then [`Sync::commit`] the round.
    pub async fn round(
        &self,
        keys: &dyn KeyStore,
        contents: &Contents,
    ) -> Result<Round, SyncError> {
        let mut state = self.state()?.ok_or(SyncError::NotJoined)?;
        let (client, device) = self.client(keys, &state)?;
        let mut space_key = self.space_key(keys, &state)?;
        if space_key.generation != state.generation {
            state.generation = space_key.generation;
        }
        let Local {
            mut known,
            mut merged,
            mut hlc,
        } = self.local(&mut state, &space_key, contents)?;
        let mut pulled = 0;
        let mut pushed = 0;
        let mut attempts = 0;
        loop {
            // Everything written since the last read.
            loop {
                let page = client.pull(state.last, 0).await?;
                if page.last < state.last {
                    return Err(SyncError::Rollback(format!(
                        "its last sequence number is {} and this computer has read up to {}",
                        page.last, state.last
                    )));
                }
                if page.generation != space_key.generation {
                    space_key = self
                        .refresh_key(keys, &client, &device, &mut state, page.generation)
                        .await?;
                }
                let mut newest = state.last;
                for w in &page.records {
                    newest = newest.max(w.sequence);
                    if let Some((k, _)) = known.get(&w.id) {
                        if w.version < k.version {
                            return Err(SyncError::Rollback(format!(
                                "record {} is offered at version {} after version {}",
                                w.id, w.version, k.version
                            )));
                        }
                        if w.version == k.version && w.ciphertext == k.ciphertext {
                            continue;
                        }
                    }
                    let Some(key) = space_key.of(w.generation) else {
                        return Err(SyncError::BadAnswer(format!(
                            "record {} is sealed under key generation {} while the space is at {}",
                            w.id, w.generation, space_key.generation
                        )));
                    };
                    let account = self.open(key, &w.id, w.version, &w.ciphertext)?;
                    witness(&mut hlc, &account);
                    let now = match merged.get(&w.id) {
                        Some(mine) => mine.merge(&account),
                        None => account.clone(),
                    };
                    merged.insert(w.id.clone(), now);
                    known.insert(w.id.clone(), (known_of(w), account));
                    pulled += 1;
                }
                state.last = if page.more {
                    newest
                } else {
                    newest.max(page.last)
                };
                if !page.more {
                    break;
                }
            }
            let mut all: Vec<SyncedAccount> = merged.values().cloned().collect();
            core_sync::collapse_duplicates(&mut all);
            merged = all
                .into_iter()
                .map(|a| (a.id.as_str().to_owned(), a))
                .collect();
            // What differs from the server's copy goes up, each from the version it has there.
            let mut out: Vec<(PushRecord, SyncedAccount)> = Vec::new();
            for (id, account) in &merged {
                let base_version = match known.get(id) {
                    Some((_, theirs)) if theirs == account => continue,
                    Some((k, _)) => k.version,
                    None => 0,
                };
                let sealed = account.seal(&space_key.key, base_version + 1, &mut OsEntropy)?;
                out.push((
                    PushRecord {
                        id: id.clone(),
                        base_version,
                        ciphertext: b64(&sealed),
                        deleted: !account.alive(),
                    },
                    account.clone(),
                ));
            }
            if out.is_empty() {
                break;
            }
            let mut conflicted = false;
            for chunk in out.chunks(MAX_RECORDS) {
                let records: Vec<PushRecord> = chunk.iter().map(|(r, _)| r.clone()).collect();
                match client.push(space_key.generation, records).await? {
                    PushOutcome::Written(done) => {
                        for ((record, account), written) in chunk.iter().zip(done.records) {
                            if written.id != record.id {
                                return Err(SyncError::BadAnswer(
                                    "the written records came back out of order".into(),
                                ));
                            }
                            known.insert(
                                record.id.clone(),
                                (
                                    KnownRecord {
                                        version: written.version,
                                        sequence: written.sequence,
                                        generation: space_key.generation,
                                        ciphertext: record.ciphertext.clone(),
                                        deleted: record.deleted,
                                    },
                                    account.clone(),
                                ),
                            );
                            pushed += 1;
                        }
                    }
                    PushOutcome::Conflicts(_) => {
                        conflicted = true;
                        break;
                    }
                    PushOutcome::KeyChanged(generation) => {
                        space_key = self
                            .refresh_key(keys, &client, &device, &mut state, generation)
                            .await?;
                        conflicted = true;
                        break;
                    }
                }
            }
            if !conflicted {
                break;
            }
            attempts += 1;
            if attempts >= MAX_ATTEMPTS {
                return Err(SyncError::Busy);
            }
        }
        state.records = known.into_iter().map(|(id, (k, _))| (id, k)).collect();
        // Everything this computer had is at the server now.
        state.pending.clear();
        state.rebase = false;
        state.clock = hlc.last();
        state.last_sync_at = Some(self.now());
        let all: Vec<SyncedAccount> = merged.into_values().collect();
        let new_contents = core_sync::contents_of(&all);
        Ok(Round {
            contents: (new_contents != *contents).then_some(new_contents),
            pulled,
            pushed,
            state,
        })
    }

    /// Keeps what a round learned (after the vault holds the round's contents).
    pub fn commit(&self, round: Round) -> Result<(), SyncError> {
        self.save(&round.state)
    }

    /// Removes another device from the space and rotates the space key: every record re-sealed
    /// under a new key, which goes to each remaining device sealed to its X25519 key. Run after
    /// a round, so that this computer holds every record.
    pub async fn remove_device(
        &self,
        keys: &dyn KeyStore,
        uuid: &str,
    ) -> Result<SyncDevice, SyncError> {
        let mut state = self.state()?.ok_or(SyncError::NotJoined)?;
        let (client, _) = self.client(keys, &state)?;
        let space_key = self.space_key(keys, &state)?;
        let devices = client.devices().await?;
        let removed = devices
            .iter()
            .find(|d| d.uuid == uuid || d.name == uuid)
            .cloned()
            .ok_or_else(|| SyncError::BadAnswer(format!("no device {uuid} in this space")))?;
        if removed.uuid == state.device {
            return Err(SyncError::BadAnswer(
                "that is this computer: leave the space instead".into(),
            ));
        }
        let generation = space_key.generation + 1;
        let new_key = SpaceKey {
            generation,
            key: random_key()?,
            previous: Some(space_key.key.clone()),
        };
        let mut records = Vec::new();
        let mut resealed = BTreeMap::new();
        for (id, k) in &state.records {
            let key = space_key.of(k.generation).ok_or(SyncError::Busy)?;
            let account = self.open(key, id, k.version, &k.ciphertext)?;
            let sealed = account.seal(&new_key.key, k.version + 1, &mut OsEntropy)?;
            let ciphertext = b64(&sealed);
            records.push(PushRecord {
                id: id.clone(),
                base_version: k.version,
                ciphertext: ciphertext.clone(),
                deleted: k.deleted,
            });
            resealed.insert(
                id.clone(),
                KnownRecord {
                    version: k.version + 1,
                    sequence: k.sequence,
                    generation,
                    ciphertext,
                    deleted: k.deleted,
                },
            );
        }
        let mut sealed_keys = Vec::new();
        for d in devices.iter().filter(|d| d.uuid != removed.uuid) {
            let public: [u8; 32] = unb64("box_key", &d.box_key)
                .map_err(PushError::from)?
                .try_into()
                .map_err(|_| SyncError::BadAnswer(format!("device {}'s key", d.uuid)))?;
            let sealed = core_sync::seal_space_key_to_device(
                &new_key.key,
                &public,
                &state.space,
                generation,
                &mut OsEntropy,
            )?;
            sealed_keys.push(SealedKey {
                device: d.uuid.clone(),
                sealed: b64(&sealed),
            });
        }
        let request = RemoveRequest {
            generation,
            records,
            keys: sealed_keys,
        };
        match client.remove(&removed.uuid, &request).await? {
            PushOutcome::Written(_) => {
                keys.set(
                    &space_entry(&state.space, &state.device),
                    &new_key.to_bytes(),
                )
                .map_err(keychain)?;
                state.generation = generation;
                state.records = resealed;
                self.save(&state)?;
                Ok(removed)
            }
            // Something changed (or the key did) since the last round: sync, then
            // try again.
            PushOutcome::Conflicts(_) | PushOutcome::KeyChanged(_) => Err(SyncError::Busy),
        }
    }
}

/// How a computer comes into a space.
#[derive(Debug)]
pub enum JoinBy {
    /// A link (from another computer, or an operator's invitation).
    Link(SyncLink),
    /// A new space on a server open to anyone.
    Open(String),
}

fn open(
    key: &Secret,
    id: &str,
    version: u64,
    ciphertext: &str,
) -> Result<SyncedAccount, SyncError> {
    let bytes = unb64("ciphertext", ciphertext).map_err(|_| RecordError::Tampered {
        id: id.to_owned(),
        version,
    })?;
    Ok(SyncedAccount::open(
        key,
        &AccountId::from_string(id.to_owned()),
        version,
        &bytes,
    )?)
}

fn witness(hlc: &mut HlcClock, account: &SyncedAccount) {
    hlc.witness(account.edited_at());
    if let Some(deleted) = account.deleted {
        hlc.witness(deleted);
    }
}

fn known_of(w: &WireRecord) -> KnownRecord {
    KnownRecord {
        version: w.version,
        sequence: w.sequence,
        generation: w.generation,
        ciphertext: w.ciphertext.clone(),
        deleted: w.deleted,
    }
}
