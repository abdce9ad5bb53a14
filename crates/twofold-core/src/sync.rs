//! Sync's merge rules (`docs/sync-protocol.md`): a hybrid logical clock, each synced field
//! stamped with the clock of its last write, and the merge of two versions of an account —
//! per field the later write wins, an HOTP counter takes the maximum, a delete wins over older
//! edits and loses to newer ones — and the collapse of one account added on two devices into
//! one; and a record's sealing under the space key (XChaCha20-Poly1305, the record id and
//! version as associated data). No network, no clock (wall times come in as arguments).

use std::cmp::Ordering;

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::Secret;
use crate::account::{Account, AccountId};
use crate::entropy::{Entropy, EntropyError};
use crate::otp::{Method, OtpParams};

/// A hybrid logical clock reading: wall time in milliseconds, a counter for events within one
/// millisecond (or while the wall clock stands behind a time already seen), and the device
/// that made it, so that no two devices' readings are ever equal.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Hlc {
    /// Milliseconds since the Unix epoch (the largest seen, not necessarily this device's).
    pub wall_ms: u64,
    /// Events at the same `wall_ms`.
    pub counter: u32,
    /// The device's number in the sync space.
    pub node: u32,
}

/// One device's hybrid logical clock.
#[derive(Clone, Debug)]
pub struct HlcClock {
    last: Hlc,
}

impl HlcClock {
    /// A clock for device `node` that has seen nothing yet.
    pub fn new(node: u32) -> Self {
        Self {
            last: Hlc {
                wall_ms: 0,
                counter: 0,
                node,
            },
        }
    }

    /// The reading for a local event at wall time `wall_ms`: later than every reading this
    /// clock made or witnessed.
    pub fn now(&mut self, wall_ms: u64) -> Hlc {
        self.last = if wall_ms > self.last.wall_ms {
            Hlc {
                wall_ms,
                counter: 0,
                node: self.last.node,
            }
        } else {
            Hlc {
                counter: self.last.counter.saturating_add(1),
                ..self.last
            }
        };
        self.last
    }

    /// Takes in a reading from another device, so that the next local event comes after it.
    pub fn witness(&mut self, seen: Hlc) {
        if (seen.wall_ms, seen.counter) > (self.last.wall_ms, self.last.counter) {
            self.last.wall_ms = seen.wall_ms;
            self.last.counter = seen.counter;
        }
    }

    /// The latest reading made or witnessed.
    pub fn last(&self) -> Hlc {
        self.last
    }
}

/// A value and the clock of its last write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamped<T> {
    pub value: T,
    pub at: Hlc,
}

impl<T: Clone + TieBreak> Stamped<T> {
    /// The later write; at equal stamps (one write seen twice) a fixed choice, so that every
    /// device picks the same.
    fn merge(&self, other: &Self) -> Self {
        match self.at.cmp(&other.at) {
            Ordering::Less => other.clone(),
            Ordering::Greater => self.clone(),
            Ordering::Equal => {
                if self.value.tie_key() >= other.value.tie_key() {
                    self.clone()
                } else {
                    other.clone()
                }
            }
        }
    }

    /// Stamps `value` at `at` when it differs from the value held.
    fn set(&mut self, value: &T, at: Hlc)
    where
        T: PartialEq,
    {
        if &self.value != value {
            self.value = value.clone();
            self.at = at;
        }
    }
}

/// Bytes that order two values deterministically (only consulted for equal stamps).
pub trait TieBreak {
    fn tie_key(&self) -> Vec<u8>;
}

impl TieBreak for String {
    fn tie_key(&self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }
}

impl TieBreak for bool {
    fn tie_key(&self) -> Vec<u8> {
        vec![u8::from(*self)]
    }
}

impl TieBreak for Option<String> {
    fn tie_key(&self) -> Vec<u8> {
        self.as_ref().map_or_else(Vec::new, |s| {
            let mut k = vec![1];
            k.extend(s.as_bytes());
            k
        })
    }
}

impl TieBreak for Vec<String> {
    fn tie_key(&self) -> Vec<u8> {
        self.join("\u{0}").into_bytes()
    }
}

impl TieBreak for Vec<(String, String)> {
    fn tie_key(&self) -> Vec<u8> {
        self.iter()
            .flat_map(|(k, v)| [k.as_str(), "\u{0}", v.as_str(), "\u{1}"])
            .collect::<String>()
            .into_bytes()
    }
}

/// What makes the codes: the secret and how codes are computed (the HOTP counter aside, which
/// merges on its own). They change together: a re-keyed account is a new seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seed {
    pub secret: Secret,
    /// With an HOTP counter of 0; the counter is [`SyncedAccount::counter`].
    pub params: OtpParams,
}

impl TieBreak for Seed {
    fn tie_key(&self) -> Vec<u8> {
        let mut k = self.secret.expose().to_vec();
        k.extend(format!("{:?}", self.params).into_bytes());
        k
    }
}

impl Seed {
    fn of(account: &Account) -> Self {
        Self {
            secret: account.secret.clone(),
            params: account.params.with_counter(0),
        }
    }

    /// The same account as far as codes go: same secret and same kind of code.
    fn same_codes(&self, other: &Self) -> bool {
        self.secret.expose() == other.secret.expose()
            && std::mem::discriminant(&self.params.method())
                == std::mem::discriminant(&other.params.method())
    }
}

/// An account as a sync record holds it (inside the ciphertext): every field the person can
/// change, each with the clock of its last write, and the delete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncedAccount {
    /// The record id (the account's id).
    pub id: AccountId,
    pub issuer: Stamped<String>,
    pub name: Stamped<String>,
    pub seed: Stamped<Seed>,
    /// The next HOTP counter (0 for other kinds): the largest any device reached.
    pub counter: u64,
    pub tags: Stamped<Vec<String>>,
    pub color: Stamped<Option<String>>,
    pub icon: Stamped<Option<String>>,
    pub pinned: Stamped<bool>,
    /// Where the account sits in the person's order: a key that sorts between its neighbours'
    /// ([`position_between`]).
    pub position: Stamped<String>,
    /// Unknown `otpauth://` parameters.
    pub extra: Stamped<Vec<(String, String)>>,
    /// When it was first added (the earliest any device says).
    pub created_at: u64,
    /// When a code was last used (the latest).
    pub last_used_at: Option<u64>,
    /// When it was deleted, if it was.
    pub deleted: Option<Hlc>,
}

fn counter_of(params: &OtpParams) -> u64 {
    match params.method() {
        Method::Hotp { counter } => counter,
        _ => 0,
    }
}

impl SyncedAccount {
    /// An account first put into sync at `at`, at `position` in the order.
    pub fn new(account: &Account, position: String, at: Hlc) -> Self {
        let stamp = |value| Stamped { value, at };
        Self {
            id: account.id.clone(),
            issuer: stamp(account.issuer.clone()),
            name: stamp(account.name.clone()),
            seed: Stamped {
                value: Seed::of(account),
                at,
            },
            counter: counter_of(&account.params),
            tags: Stamped {
                value: account.tags.clone(),
                at,
            },
            color: Stamped {
                value: account.color.clone(),
                at,
            },
            icon: Stamped {
                value: account.icon.clone(),
                at,
            },
            pinned: Stamped {
                value: account.pinned,
                at,
            },
            position: stamp(position),
            extra: Stamped {
                value: account.extra.clone(),
                at,
            },
            created_at: account.created_at,
            last_used_at: account.last_used_at,
            deleted: None,
        }
    }

    /// Takes in a local edit: every field of `account` that differs from what is held is
    /// stamped `at`; the counter and times merge as always.
    pub fn edit(&mut self, account: &Account, at: Hlc) {
        self.issuer.set(&account.issuer, at);
        self.name.set(&account.name, at);
        self.seed.set(&Seed::of(account), at);
        self.tags.set(&account.tags, at);
        self.color.set(&account.color, at);
        self.icon.set(&account.icon, at);
        self.pinned.set(&account.pinned, at);
        self.extra.set(&account.extra, at);
        self.counter = self.counter.max(counter_of(&account.params));
        self.last_used_at = self.last_used_at.max(account.last_used_at);
        self.created_at = self.created_at.min(account.created_at);
    }

    /// Moves it in the order.
    pub fn move_to(&mut self, position: String, at: Hlc) {
        self.position.set(&position, at);
    }

    /// Deletes it at `at`.
    pub fn delete(&mut self, at: Hlc) {
        self.deleted = self.deleted.max(Some(at));
    }

    /// The clock of its latest edit.
    pub fn edited_at(&self) -> Hlc {
        [
            self.issuer.at,
            self.name.at,
            self.seed.at,
            self.tags.at,
            self.color.at,
            self.icon.at,
            self.pinned.at,
            self.position.at,
            self.extra.at,
        ]
        .into_iter()
        .max()
        .unwrap_or_default()
    }

    /// Alive unless deleted after its latest edit (a newer edit brings a deleted account back;
    /// an edit older than the delete does not).
    pub fn alive(&self) -> bool {
        self.deleted.is_none_or(|d| self.edited_at() > d)
    }

    /// Merges two versions of the same record. Commutative, associative and idempotent, so
    /// devices that have seen the same versions hold the same state whatever the order.
    pub fn merge(&self, other: &Self) -> Self {
        Self {
            id: self.id.clone().min(other.id.clone()),
            issuer: self.issuer.merge(&other.issuer),
            name: self.name.merge(&other.name),
            seed: self.seed.merge(&other.seed),
            counter: self.counter.max(other.counter),
            tags: self.tags.merge(&other.tags),
            color: self.color.merge(&other.color),
            icon: self.icon.merge(&other.icon),
            pinned: self.pinned.merge(&other.pinned),
            position: self.position.merge(&other.position),
            extra: self.extra.merge(&other.extra),
            created_at: self.created_at.min(other.created_at),
            last_used_at: self.last_used_at.max(other.last_used_at),
            deleted: self.deleted.max(other.deleted),
        }
    }

    /// The account as the vault keeps it.
    pub fn to_account(&self) -> Account {
        let params = match self.seed.value.params.method() {
            Method::Hotp { .. } => self.seed.value.params.with_counter(self.counter),
            _ => self.seed.value.params,
        };
        Account {
            id: self.id.clone(),
            issuer: self.issuer.value.clone(),
            name: self.name.value.clone(),
            secret: self.seed.value.secret.clone(),
            params,
            tags: self.tags.value.clone(),
            color: self.color.value.clone(),
            icon: self.icon.value.clone(),
            pinned: self.pinned.value,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            extra: self.extra.value.clone(),
        }
    }
}

/// One account added on two devices (two records, the same secret and kind of code) becomes
/// one: the record with the smaller id takes in the other's fields (the later write of each
/// wins) and the other is deleted as of its latest edit. Deterministic: every device that holds
/// the same records gets the same result, whatever their order. Returns the records in `records`'
/// order, merged ones changed in place.
pub fn collapse_duplicates(records: &mut [SyncedAccount]) {
    let mut alive: Vec<usize> = (0..records.len()).filter(|&i| records[i].alive()).collect();
    alive.sort_by(|&a, &b| records[a].id.cmp(&records[b].id));
    let mut taken = vec![false; records.len()];
    for (n, &keep) in alive.iter().enumerate() {
        if taken[keep] {
            continue;
        }
        for &other in &alive[n + 1..] {
            if taken[other]
                || !records[keep]
                    .seed
                    .value
                    .same_codes(&records[other].seed.value)
            {
                continue;
            }
            taken[other] = true;
            let gone = records[other].clone();
            let mut merged = records[keep].merge(&SyncedAccount {
                id: records[keep].id.clone(),
                deleted: None,
                ..gone.clone()
            });
            merged.id = records[keep].id.clone();
            merged.deleted = records[keep].deleted;
            records[keep] = merged;
            let at = gone.edited_at();
            records[other].deleted = records[other].deleted.max(Some(at));
        }
    }
}

/// What the vault changed since the records a device last synced (`known`), as records to
/// push: edited fields stamped with readings of `clock` at `wall_ms`, new accounts, accounts
/// removed from the vault (deleted), and positions for accounts whose place in the order
/// changed (only those: the others keep their keys). Records that did not change are left out.
pub fn local_changes(
    known: &[SyncedAccount],
    contents: &crate::vault::Contents,
    clock: &mut HlcClock,
    wall_ms: u64,
) -> Vec<SyncedAccount> {
    let at = clock.now(wall_ms);
    let index: std::collections::HashMap<&AccountId, &SyncedAccount> =
        known.iter().map(|r| (&r.id, r)).collect();
    let by_id = |id: &AccountId| index.get(id).copied();
    let accounts = &contents.accounts;
    let keys: Vec<Option<String>> = accounts
        .iter()
        .map(|a| {
            by_id(&a.id)
                .filter(|r| r.alive())
                .map(|r| r.position.value.clone())
        })
        .collect();
    // The accounts that keep their keys: the longest run (in the vault's order) whose keys
    // already increase; only the others get new keys.
    let keep = longest_increasing(&keys);
    let mut out = Vec::new();
    let mut last: Option<String> = None;
    for (i, account) in accounts.iter().enumerate() {
        let before = by_id(&account.id);
        let position = if keep[i] {
            keys[i].clone().unwrap_or_default()
        } else {
            let upper = (i + 1..accounts.len())
                .find(|&j| keep[j])
                .and_then(|j| keys[j].clone());
            position_between(last.as_deref(), upper.as_deref())
        };
        let record = match before {
            Some(r) => {
                let mut r = r.clone();
                if !r.alive() {
                    // Deleted elsewhere but still here: it comes back, as a new edit.
                    r.issuer.at = at;
                }
                r.edit(account, at);
                r.move_to(position.clone(), at);
                r
            }
            None => SyncedAccount::new(account, position.clone(), at),
        };
        if before != Some(&record) {
            out.push(record);
        }
        last = Some(position);
    }
    let present: std::collections::HashSet<&AccountId> = accounts.iter().map(|a| &a.id).collect();
    for r in known {
        if r.alive() && !present.contains(&r.id) {
            let mut gone = r.clone();
            gone.delete(at);
            out.push(gone);
        }
    }
    out
}

/// Which of `keys` form a longest strictly increasing subsequence (`None` never does).
fn longest_increasing(keys: &[Option<String>]) -> Vec<bool> {
    // tails[k]: index of the smallest last key of an increasing run of length k + 1.
    let mut tails: Vec<usize> = Vec::new();
    let mut previous: Vec<Option<usize>> = vec![None; keys.len()];
    for (i, key) in keys.iter().enumerate() {
        let Some(key) = key else { continue };
        let k = tails.partition_point(|&t| keys[t].as_ref().is_some_and(|tk| tk < key));
        previous[i] = k.checked_sub(1).map(|p| tails[p]);
        if k == tails.len() {
            tails.push(i);
        } else {
            tails[k] = i;
        }
    }
    let mut keep = vec![false; keys.len()];
    let mut at = tails.last().copied();
    while let Some(i) = at {
        keep[i] = true;
        at = previous[i];
    }
    keep
}

/// The vault's contents from the space's records: the alive accounts in the person's order.
pub fn contents_of(records: &[SyncedAccount]) -> crate::vault::Contents {
    let mut alive: Vec<&SyncedAccount> = records.iter().filter(|r| r.alive()).collect();
    alive.sort_by(|a, b| {
        a.position
            .value
            .cmp(&b.position.value)
            .then_with(|| a.id.cmp(&b.id))
    });
    crate::vault::Contents {
        accounts: alive.into_iter().map(SyncedAccount::to_account).collect(),
    }
}

/// Why a record could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The ciphertext does not open under the space key for this id and version: altered,
    /// moved to another record, replayed as another version, or sealed under another key.
    #[error("record {id} version {version} does not open: altered, replayed or not this space's")]
    Tampered {
        /// The record id.
        id: String,
        /// The version it was offered as.
        version: u64,
    },
    /// It opened but what is inside is not a record Twofold reads.
    #[error("record {id}: {reason}")]
    Damaged {
        /// The record id.
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// A sealed space key does not open with this pairing secret for this space and key
    /// generation (another link's secret, another space, an altered or replayed key).
    #[error("the space key of {space} (generation {generation}) does not open with this link")]
    SpaceKey {
        /// The space id.
        space: String,
        /// The key generation it was offered as.
        generation: u32,
    },
    /// No randomness for a nonce.
    #[error(transparent)]
    Entropy(#[from] EntropyError),
}

/// The associated data of a sealed space key: `twofold-sync-v1 space key`, the space id, a
/// zero byte and the key generation (4 bytes, big-endian).
fn space_key_aad(space: &str, generation: u32) -> Vec<u8> {
    let mut aad = b"twofold-sync-v1 space key".to_vec();
    aad.extend(space.as_bytes());
    aad.push(0);
    aad.extend(generation.to_be_bytes());
    aad
}

/// The key that seals the space key for a device being linked: SHA-256 of
/// `twofold sync link` and the pairing secret, which travels in the link only (never to the
/// server).
fn link_key(pairing: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    use sha2::Digest;
    Zeroizing::new(
        sha2::Sha256::new()
            .chain_update(b"twofold sync link")
            .chain_update(pairing)
            .finalize()
            .into(),
    )
}

/// Seals the space key (generation `generation` of space `space`) for the device that will
/// open the link carrying `pairing`: `nonce ‖ ciphertext ‖ tag`.
pub fn seal_space_key(
    space_key: &Secret,
    pairing: &[u8; 32],
    space: &str,
    generation: u32,
    entropy: &mut dyn Entropy,
) -> Result<Vec<u8>, RecordError> {
    wrap_space_key(space_key, &link_key(pairing), space, generation, entropy)
}

/// Opens a space key sealed by [`seal_space_key`].
pub fn open_space_key(
    sealed: &[u8],
    pairing: &[u8; 32],
    space: &str,
    generation: u32,
) -> Result<Secret, RecordError> {
    unwrap_space_key(sealed, &link_key(pairing), space, generation)
}

/// The public half of a device's X25519 key (its 32-byte secret is kept in its keychain, apart
/// from its Ed25519 signing key): what the server keeps so that a rotation can seal the new
/// space key to each remaining device.
pub fn box_public(box_secret: &Secret) -> Option<[u8; 32]> {
    let bytes: [u8; 32] = box_secret.expose().try_into().ok()?;
    Some(x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(bytes)).to_bytes())
}

/// The key that seals a space key to a device: SHA-256 of `twofold sync device key`, the
/// ephemeral public key, the device's public key and their X25519 shared secret.
fn device_wrap_key(
    ephemeral: &[u8; 32],
    device: &[u8; 32],
    shared: &[u8; 32],
) -> Zeroizing<[u8; 32]> {
    use sha2::Digest;
    Zeroizing::new(
        sha2::Sha256::new()
            .chain_update(b"twofold sync device key")
            .chain_update(ephemeral)
            .chain_update(device)
            .chain_update(shared)
            .finalize()
            .into(),
    )
}

/// Seals the space key to one device's X25519 public key (a key rotation hands each remaining
/// device the new key this way): `ephemeral public key ‖ nonce ‖ ciphertext ‖ tag`, under
/// [`device_wrap_key`], with the associated data of [`seal_space_key`].
pub fn seal_space_key_to_device(
    space_key: &Secret,
    device_box: &[u8; 32],
    space: &str,
    generation: u32,
    entropy: &mut dyn Entropy,
) -> Result<Vec<u8>, RecordError> {
    let mut secret = Zeroizing::new([0u8; 32]);
    entropy.fill(secret.as_mut())?;
    let ephemeral = x25519_dalek::StaticSecret::from(*secret);
    let public = x25519_dalek::PublicKey::from(&ephemeral).to_bytes();
    let shared = Zeroizing::new(
        ephemeral
            .diffie_hellman(&x25519_dalek::PublicKey::from(*device_box))
            .to_bytes(),
    );
    let key = device_wrap_key(&public, device_box, &shared);
    let mut out = public.to_vec();
    out.extend(wrap_space_key(space_key, &key, space, generation, entropy)?);
    Ok(out)
}

/// Opens a space key sealed by [`seal_space_key_to_device`] with the device's X25519 secret.
pub fn open_space_key_as_device(
    sealed: &[u8],
    box_secret: &Secret,
    space: &str,
    generation: u32,
) -> Result<Secret, RecordError> {
    let refused = || RecordError::SpaceKey {
        space: space.to_owned(),
        generation,
    };
    let (ephemeral, rest) = sealed.split_first_chunk::<32>().ok_or_else(refused)?;
    let bytes: [u8; 32] = box_secret.expose().try_into().map_err(|_| refused())?;
    let secret = x25519_dalek::StaticSecret::from(bytes);
    let device = x25519_dalek::PublicKey::from(&secret).to_bytes();
    let shared = Zeroizing::new(
        secret
            .diffie_hellman(&x25519_dalek::PublicKey::from(*ephemeral))
            .to_bytes(),
    );
    let key = device_wrap_key(ephemeral, &device, &shared);
    unwrap_space_key(rest, &key, space, generation)
}

fn wrap_space_key(
    space_key: &Secret,
    key: &[u8; 32],
    space: &str,
    generation: u32,
    entropy: &mut dyn Entropy,
) -> Result<Vec<u8>, RecordError> {
    let refused = || RecordError::SpaceKey {
        space: space.to_owned(),
        generation,
    };
    let mut nonce = [0u8; NONCE];
    entropy.fill(&mut nonce)?;
    let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(|_| refused())?;
    let sealed = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: space_key.expose(),
                aad: &space_key_aad(space, generation),
            },
        )
        .map_err(|_| refused())?;
    let mut out = nonce.to_vec();
    out.extend(sealed);
    Ok(out)
}

fn unwrap_space_key(
    sealed: &[u8],
    key: &[u8; 32],
    space: &str,
    generation: u32,
) -> Result<Secret, RecordError> {
    let refused = || RecordError::SpaceKey {
        space: space.to_owned(),
        generation,
    };
    let (nonce, ciphertext) = sealed
        .split_first_chunk::<NONCE>()
        .filter(|(_, c)| c.len() == 32 + 16)
        .ok_or_else(refused)?;
    let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(|_| refused())?;
    let plain = Zeroizing::new(
        cipher
            .decrypt(
                &XNonce::from(*nonce),
                Payload {
                    msg: ciphertext,
                    aad: &space_key_aad(space, generation),
                },
            )
            .map_err(|_| refused())?,
    );
    Ok(Secret::from_slice(&plain))
}

/// The plaintext of a record: the account as the vault keeps it, and the stamps.
#[derive(Serialize, Deserialize)]
struct RecordPlain {
    /// Format version of this plaintext.
    v: u32,
    /// The account (the vault's own JSON of one account).
    account: Zeroizing<String>,
    issuer: Hlc,
    name: Hlc,
    seed: Hlc,
    tags: Hlc,
    color: Hlc,
    /// Absent in records of Twofold before icons: never set.
    #[serde(default)]
    icon: Hlc,
    pinned: Hlc,
    position: (String, Hlc),
    extra: Hlc,
    deleted: Option<Hlc>,
}

/// The associated data of a record: `twofold-sync-v1 record`, the id, a zero byte and the
/// version (8 bytes, big-endian).
fn record_aad(id: &AccountId, version: u64) -> Vec<u8> {
    let mut aad = b"twofold-sync-v1 record".to_vec();
    aad.extend(id.as_str().as_bytes());
    aad.push(0);
    aad.extend(version.to_be_bytes());
    aad
}

const NONCE: usize = 24;

impl SyncedAccount {
    /// Seals the record as `version` under the 32-byte space key: a random 24-byte nonce
    /// followed by the ciphertext and its tag.
    pub fn seal(
        &self,
        space_key: &Secret,
        version: u64,
        entropy: &mut dyn Entropy,
    ) -> Result<Vec<u8>, RecordError> {
        let plain = RecordPlain {
            v: 1,
            account: crate::vault::encode_account(&self.to_account()),
            issuer: self.issuer.at,
            name: self.name.at,
            seed: self.seed.at,
            tags: self.tags.at,
            color: self.color.at,
            icon: self.icon.at,
            pinned: self.pinned.at,
            position: (self.position.value.clone(), self.position.at),
            extra: self.extra.at,
            deleted: self.deleted,
        };
        let bytes = Zeroizing::new(serde_json::to_vec(&plain).unwrap_or_default());
        let mut nonce = [0u8; NONCE];
        entropy.fill(&mut nonce)?;
        let damaged = |reason: &str| RecordError::Damaged {
            id: self.id.as_str().to_owned(),
            reason: reason.to_owned(),
        };
        let cipher = XChaCha20Poly1305::new_from_slice(space_key.expose())
            .map_err(|_| damaged("the space key is not 32 bytes"))?;
        let sealed = cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &bytes,
                    aad: &record_aad(&self.id, version),
                },
            )
            .map_err(|_| damaged("could not be sealed"))?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(out)
    }

    /// Opens record `id` as the server offers it at `version`: refused when it was altered,
    /// sealed for another record or version, or under another key.
    pub fn open(
        space_key: &Secret,
        id: &AccountId,
        version: u64,
        sealed: &[u8],
    ) -> Result<Self, RecordError> {
        let tampered = || RecordError::Tampered {
            id: id.as_str().to_owned(),
            version,
        };
        let damaged = |reason: String| RecordError::Damaged {
            id: id.as_str().to_owned(),
            reason,
        };
        let Some((nonce, ciphertext)) = sealed
            .split_first_chunk::<NONCE>()
            .filter(|(_, c)| c.len() >= 16)
        else {
            return Err(tampered());
        };
        let cipher =
            XChaCha20Poly1305::new_from_slice(space_key.expose()).map_err(|_| tampered())?;
        let bytes = Zeroizing::new(
            cipher
                .decrypt(
                    &XNonce::from(*nonce),
                    Payload {
                        msg: ciphertext,
                        aad: &record_aad(id, version),
                    },
                )
                .map_err(|_| tampered())?,
        );
        let plain: RecordPlain =
            serde_json::from_slice(&bytes).map_err(|e| damaged(e.to_string()))?;
        if plain.v != 1 {
            return Err(damaged(format!(
                "written by a newer Twofold (record format {})",
                plain.v
            )));
        }
        let account = crate::vault::decode_account(&plain.account).map_err(damaged)?;
        if &account.id != id {
            return Err(tampered());
        }
        let mut record = Self::new(&account, plain.position.0, Hlc::default());
        record.issuer.at = plain.issuer;
        record.name.at = plain.name;
        record.seed.at = plain.seed;
        record.tags.at = plain.tags;
        record.color.at = plain.color;
        record.icon.at = plain.icon;
        record.pinned.at = plain.pinned;
        record.position.at = plain.position.1;
        record.extra.at = plain.extra;
        record.deleted = plain.deleted;
        Ok(record)
    }
}

/// Digits of position keys: `0`–`9`, `A`–`Z`, `a`–`z` (ASCII order is their order).
const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn digit(c: Option<&u8>, missing: usize) -> usize {
    c.and_then(|c| DIGITS.iter().position(|d| d == c))
        .unwrap_or(missing)
}

/// A position key that sorts strictly between `before` and `after` (`None`: the start or the
/// end of the list), so that a move changes one record only. Keys never end in the smallest
/// digit, which keeps a key available between any two.
pub fn position_between(before: Option<&str>, after: Option<&str>) -> String {
    let base = DIGITS.len();
    let a = before.unwrap_or("").as_bytes();
    let b = after.map(str::as_bytes);
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        let lo = digit(a.get(i), 0);
        let hi = match b {
            Some(b) if i < b.len() => digit(b.get(i), base),
            _ => base,
        };
        if hi > lo + 1 {
            out.push(DIGITS[(lo + hi) / 2]);
            break;
        }
        out.push(DIGITS[lo]);
        // Past a prefix where `after` was one digit higher, anything above `before` fits.
        if hi == lo + 1 {
            let mut rest = position_between(
                Some(std::str::from_utf8(a.get(i + 1..).unwrap_or(&[])).unwrap_or("")),
                None,
            )
            .into_bytes();
            out.append(&mut rest);
            break;
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::Algorithm;
    use proptest::prelude::*;

    fn hlc(wall_ms: u64, counter: u32, node: u32) -> Hlc {
        Hlc {
            wall_ms,
            counter,
            node,
        }
    }

    fn account(id: &str, secret: &[u8], hotp: Option<u64>) -> Account {
        let method = match hotp {
            Some(counter) => Method::Hotp { counter },
            None => Method::Totp { period: 30 },
        };
        Account {
            id: AccountId::from_string(id.into()),
            issuer: "GitHub".into(),
            name: "octocat".into(),
            secret: Secret::from_slice(secret),
            params: OtpParams::new(method, Algorithm::Sha1, 6).unwrap(),
            tags: vec!["work".into()],
            color: None,
            icon: None,
            pinned: false,
            created_at: 1_700_000_000,
            last_used_at: None,
            extra: Vec::new(),
        }
    }

    #[test]
    fn the_clock_moves_forward_past_everything_it_saw() {
        let mut a = HlcClock::new(1);
        let t1 = a.now(1_000);
        let t2 = a.now(1_000);
        let t3 = a.now(900); // the wall clock went back
        assert!(t1 < t2 && t2 < t3);
        a.witness(hlc(5_000, 7, 2));
        let t4 = a.now(1_001);
        assert!(t4 > hlc(5_000, 7, 2));
        assert_eq!((t4.wall_ms, t4.counter, t4.node), (5_000, 8, 1));
        assert_eq!(a.now(6_000), hlc(6_000, 0, 1));
    }

    #[test]
    fn concurrent_edits_of_different_fields_both_survive() {
        let base = SyncedAccount::new(
            &account("a", b"12345678901234567890", None),
            "V".into(),
            hlc(1, 0, 1),
        );
        let mut on_a = base.clone();
        let mut renamed = account("a", b"12345678901234567890", None);
        renamed.name = "hubot".into();
        on_a.edit(&renamed, hlc(10, 0, 1));
        let mut on_b = base.clone();
        let mut retagged = account("a", b"12345678901234567890", None);
        retagged.tags = vec!["home".into()];
        on_b.edit(&retagged, hlc(11, 0, 2));
        let merged = on_a.merge(&on_b);
        assert_eq!(merged, on_b.merge(&on_a));
        let result = merged.to_account();
        assert_eq!(result.name, "hubot");
        assert_eq!(result.tags, ["home"]);
        // The same field on both: the later write wins.
        let mut later = base.clone();
        let mut other_name = account("a", b"12345678901234567890", None);
        other_name.name = "monalisa".into();
        later.edit(&other_name, hlc(12, 0, 2));
        assert_eq!(on_a.merge(&later).to_account().name, "monalisa");
    }

    #[test]
    fn an_icon_picked_on_one_device_reaches_the_other_and_survives_sealing() {
        use crate::entropy::OsEntropy;
        let base = SyncedAccount::new(
            &account("a", b"12345678901234567890", None),
            "V".into(),
            hlc(1, 0, 1),
        );
        let mut picked = account("a", b"12345678901234567890", None);
        picked.icon = Some("gitlab".into());
        let mut on_a = base.clone();
        on_a.edit(&picked, hlc(10, 0, 1));
        let mut on_b = base.clone();
        let mut renamed = account("a", b"12345678901234567890", None);
        renamed.name = "hubot".into();
        on_b.edit(&renamed, hlc(11, 0, 2));
        let merged = on_b.merge(&on_a);
        assert_eq!(merged.to_account().icon.as_deref(), Some("gitlab"));
        assert_eq!(merged.to_account().name, "hubot");
        let key = Secret::from_slice(&[7; 32]);
        let sealed = merged.seal(&key, 3, &mut OsEntropy).unwrap();
        let opened =
            SyncedAccount::open(&key, &AccountId::from_string("a".into()), 3, &sealed).unwrap();
        assert_eq!(opened, merged);
        // A record of a Twofold before icons has no icon stamp: it opens, with none picked.
        let plain = RecordPlain {
            v: 1,
            account: crate::vault::encode_account(&base.to_account()),
            issuer: hlc(1, 0, 1),
            name: hlc(1, 0, 1),
            seed: hlc(1, 0, 1),
            tags: hlc(1, 0, 1),
            color: hlc(1, 0, 1),
            icon: Hlc::default(),
            pinned: hlc(1, 0, 1),
            position: ("V".into(), hlc(1, 0, 1)),
            extra: hlc(1, 0, 1),
            deleted: None,
        };
        let mut old = serde_json::to_value(&plain).unwrap();
        old.as_object_mut().unwrap().remove("icon");
        let parsed: RecordPlain = serde_json::from_value(old).unwrap();
        assert_eq!(parsed.icon, Hlc::default());
    }

    #[test]
    fn a_delete_wins_over_older_edits_and_loses_to_newer_ones() {
        let base = SyncedAccount::new(
            &account("a", b"12345678901234567890", None),
            "V".into(),
            hlc(1, 0, 1),
        );
        let mut deleted = base.clone();
        deleted.delete(hlc(20, 0, 1));
        let mut older_edit = base.clone();
        let mut renamed = account("a", b"12345678901234567890", None);
        renamed.name = "hubot".into();
        older_edit.edit(&renamed, hlc(15, 0, 2));
        assert!(!deleted.merge(&older_edit).alive());
        let mut newer_edit = base.clone();
        newer_edit.edit(&renamed, hlc(25, 0, 2));
        let merged = deleted.merge(&newer_edit);
        assert!(merged.alive());
        assert_eq!(merged.to_account().name, "hubot");
    }

    #[test]
    fn an_hotp_counter_takes_the_maximum() {
        let base = SyncedAccount::new(
            &account("a", b"12345678901234567890", Some(5)),
            "V".into(),
            hlc(1, 0, 1),
        );
        let mut on_a = base.clone();
        on_a.edit(
            &account("a", b"12345678901234567890", Some(9)),
            hlc(2, 0, 1),
        );
        let mut on_b = base.clone();
        on_b.edit(
            &account("a", b"12345678901234567890", Some(7)),
            hlc(3, 0, 2),
        );
        let merged = on_a.merge(&on_b);
        assert_eq!(
            merged.to_account().params.method(),
            Method::Hotp { counter: 9 }
        );
        // Advancing the counter is not an edit of the seed.
        assert_eq!(merged.seed.at, hlc(1, 0, 1));
    }

    #[test]
    fn one_account_added_on_two_devices_collapses_into_one() {
        let secret = b"12345678901234567890";
        let mut on_a = account("b-record", secret, None);
        on_a.tags = vec!["a".into()];
        let mut on_b = account("a-record", secret, None);
        on_b.name = "octo".into();
        let other = account("c-record", b"another secret here!", None);
        let records = vec![
            SyncedAccount::new(&on_a, "V".into(), hlc(10, 0, 1)),
            SyncedAccount::new(&on_b, "W".into(), hlc(11, 0, 2)),
            SyncedAccount::new(&other, "X".into(), hlc(12, 0, 1)),
        ];
        let mut one = records.clone();
        collapse_duplicates(&mut one);
        let mut reversed: Vec<SyncedAccount> = records.iter().rev().cloned().collect();
        collapse_duplicates(&mut reversed);
        reversed.reverse();
        assert_eq!(one, reversed);
        let alive: Vec<&SyncedAccount> = one.iter().filter(|r| r.alive()).collect();
        assert_eq!(alive.len(), 2);
        assert_eq!(alive[0].id, AccountId::from_string("a-record".into()));
        assert_eq!(alive[0].name.value, "octo");
        assert!(!one[0].alive());
        // Collapsing again changes nothing.
        let mut again = one.clone();
        collapse_duplicates(&mut again);
        assert_eq!(again, one);
    }

    #[test]
    fn records_seal_and_open_only_as_the_record_and_version_they_were_sealed_for() {
        use crate::entropy::OsEntropy;
        let key = Secret::from_slice(&[7; 32]);
        let mut r = SyncedAccount::new(
            &account("rec", b"12345678901234567890", Some(4)),
            "V".into(),
            hlc(1, 0, 1),
        );
        r.edit(
            &account("rec", b"12345678901234567890", Some(6)),
            hlc(2, 0, 2),
        );
        r.delete(hlc(3, 1, 2));
        let id = AccountId::from_string("rec".into());
        let sealed = r.seal(&key, 5, &mut OsEntropy).unwrap();
        assert_eq!(SyncedAccount::open(&key, &id, 5, &sealed).unwrap(), r);
        // No seed, issuer or name in the clear.
        for clear in [
            &b"GitHub"[..],
            b"octocat",
            b"GEZDGNBVGY3TQOJQ",
            b"12345678901234567890",
        ] {
            assert!(!sealed.windows(clear.len()).any(|w| w == clear));
        }
        // Replayed as another version, moved to another record, altered, another key.
        let tampered =
            |e: Result<SyncedAccount, RecordError>| matches!(e, Err(RecordError::Tampered { .. }));
        assert!(tampered(SyncedAccount::open(&key, &id, 6, &sealed)));
        let other = AccountId::from_string("other".into());
        assert!(tampered(SyncedAccount::open(&key, &other, 5, &sealed)));
        let mut altered = sealed.clone();
        altered[30] ^= 1;
        assert!(tampered(SyncedAccount::open(&key, &id, 5, &altered)));
        let wrong = Secret::from_slice(&[8; 32]);
        assert!(tampered(SyncedAccount::open(&wrong, &id, 5, &sealed)));
        assert!(tampered(SyncedAccount::open(&key, &id, 5, &sealed[..10])));
    }

    #[test]
    fn a_space_key_opens_only_with_its_link_space_and_generation() {
        use crate::entropy::OsEntropy;
        let space_key = Secret::from_slice(&[9; 32]);
        let pairing = [3u8; 32];
        let sealed = seal_space_key(&space_key, &pairing, "space-1", 2, &mut OsEntropy).unwrap();
        assert_eq!(
            open_space_key(&sealed, &pairing, "space-1", 2)
                .unwrap()
                .expose(),
            space_key.expose()
        );
        assert!(!sealed.windows(32).any(|w| w == [9; 32]));
        for (pairing, space, generation) in [
            ([4u8; 32], "space-1", 2),
            (pairing, "space-2", 2),
            (pairing, "space-1", 1),
        ] {
            let err = open_space_key(&sealed, &pairing, space, generation).unwrap_err();
            assert!(matches!(err, RecordError::SpaceKey { .. }), "{err}");
        }
        let mut altered = sealed.clone();
        altered[40] ^= 0x80;
        assert!(open_space_key(&altered, &pairing, "space-1", 2).is_err());
        assert!(open_space_key(&sealed[..30], &pairing, "space-1", 2).is_err());
    }

    #[test]
    fn a_space_key_sealed_to_a_device_opens_only_with_that_device_s_secret() {
        use crate::entropy::OsEntropy;
        let space_key = Secret::from_slice(&[9; 32]);
        let device = Secret::from_slice(&[5; 32]);
        let other = Secret::from_slice(&[6; 32]);
        let public = box_public(&device).unwrap();
        let sealed =
            seal_space_key_to_device(&space_key, &public, "space-1", 3, &mut OsEntropy).unwrap();
        let opened = open_space_key_as_device(&sealed, &device, "space-1", 3).unwrap();
        assert_eq!(opened.expose(), space_key.expose());
        assert!(open_space_key_as_device(&sealed, &other, "space-1", 3).is_err());
        assert!(open_space_key_as_device(&sealed, &device, "space-1", 2).is_err());
        assert!(open_space_key_as_device(&sealed, &device, "space-2", 3).is_err());
        let mut altered = sealed.clone();
        altered[3] ^= 1;
        assert!(open_space_key_as_device(&altered, &device, "space-1", 3).is_err());
        assert!(box_public(&Secret::from_slice(&[1; 31])).is_none());
    }

    fn contents(accounts: Vec<Account>) -> crate::vault::Contents {
        crate::vault::Contents { accounts }
    }

    /// Merges `incoming` into `known` by id, as a device does after a pull.
    fn take_in(known: &mut Vec<SyncedAccount>, incoming: &[SyncedAccount]) {
        for r in incoming {
            match known.iter_mut().find(|k| k.id == r.id) {
                Some(k) => *k = k.merge(r),
                None => known.push(r.clone()),
            }
        }
        collapse_duplicates(known);
    }

    #[test]
    fn local_changes_are_only_what_changed_and_contents_come_back_in_order() {
        let mut clock = HlcClock::new(1);
        let a = account("a", b"aaaaaaaaaaaaaaaaaaaa", None);
        let b = account("b", b"bbbbbbbbbbbbbbbbbbbb", None);
        let c = account("c", b"cccccccccccccccccccc", Some(3));
        let start = contents(vec![c.clone(), a.clone(), b.clone()]);
        let known = local_changes(&[], &start, &mut clock, 1_000);
        assert_eq!(known.len(), 3);
        assert_eq!(contents_of(&known), start);
        // Nothing changed: nothing to push.
        assert!(local_changes(&known, &start, &mut clock, 2_000).is_empty());
        // Move b to the front: one record changes.
        let moved = contents(vec![b.clone(), c.clone(), a.clone()]);
        let changes = local_changes(&known, &moved, &mut clock, 3_000);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].id, b.id);
        let mut after = known.clone();
        take_in(&mut after, &changes);
        assert_eq!(contents_of(&after), moved);
        // Rename one, remove another.
        let mut renamed = a.clone();
        renamed.name = "new name".into();
        let edited = contents(vec![b.clone(), renamed.clone()]);
        let changes = local_changes(&after, &edited, &mut clock, 4_000);
        assert_eq!(changes.len(), 2, "{changes:?}");
        take_in(&mut after, &changes);
        assert_eq!(contents_of(&after), edited);
        assert_eq!(after.len(), 3, "the removed account stays as a delete");
    }

    #[test]
    fn two_devices_editing_offline_converge_by_the_rules() {
        let secret = b"12345678901234567890";
        let mut clock_a = HlcClock::new(1);
        let mut clock_b = HlcClock::new(2);
        let shared = contents(vec![
            account("x", secret, Some(5)),
            account("y", b"yyyyyyyyyyyyyyyyyyyy", None),
        ]);
        let base = local_changes(&[], &shared, &mut clock_a, 1_000);
        let (mut on_a, mut on_b) = (base.clone(), base.clone());
        // A: renames x and advances its counter to 9; B: retags x, counter 7, deletes y, and
        // adds the same new account A adds.
        let mut xa = shared.accounts[0].clone();
        xa.name = "renamed".into();
        xa.params = xa.params.with_counter(9);
        let new_a = account("new-on-a", b"zzzzzzzzzzzzzzzzzzzz", None);
        let a_now = contents(vec![xa, shared.accounts[1].clone(), new_a]);
        let mut xb = shared.accounts[0].clone();
        xb.tags = vec!["home".into()];
        xb.params = xb.params.with_counter(7);
        let new_b = account("new-on-b", b"zzzzzzzzzzzzzzzzzzzz", None);
        let b_now = contents(vec![xb, new_b]);
        let from_a = local_changes(&on_a, &a_now, &mut clock_a, 2_000);
        let from_b = local_changes(&on_b, &b_now, &mut clock_b, 2_500);
        // Each device holds its own changes, then takes in the other's.
        take_in(&mut on_a, &from_a);
        take_in(&mut on_b, &from_b);
        take_in(&mut on_a, &from_b);
        take_in(&mut on_b, &from_a);
        let (ca, cb) = (contents_of(&on_a), contents_of(&on_b));
        assert_eq!(ca, cb);
        let x = ca.accounts.iter().find(|a| a.id.as_str() == "x").unwrap();
        assert_eq!(x.name, "renamed");
        assert_eq!(x.tags, ["home"]);
        assert_eq!(x.params.method(), Method::Hotp { counter: 9 });
        assert!(
            ca.accounts.iter().all(|a| a.id.as_str() != "y"),
            "y was deleted"
        );
        let same: Vec<&Account> = ca
            .accounts
            .iter()
            .filter(|a| a.secret.expose() == b"zzzzzzzzzzzzzzzzzzzz")
            .collect();
        assert_eq!(
            same.len(),
            1,
            "the account added on both collapsed into one"
        );
    }

    #[test]
    fn position_keys_sort_between_their_neighbours() {
        let first = position_between(None, None);
        let mut keys = vec![first];
        // Always inserting at the front, at the end and after the first: keys stay ordered.
        for n in 0..300 {
            let key = match n % 3 {
                0 => position_between(None, Some(&keys[0])),
                1 => position_between(Some(keys.last().unwrap()), None),
                _ => position_between(Some(&keys[0]), Some(&keys[1])),
            };
            match n % 3 {
                0 => keys.insert(0, key),
                1 => keys.push(key),
                _ => keys.insert(1, key),
            }
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(sorted, keys, "after {n}");
            sorted.dedup();
            assert_eq!(sorted.len(), keys.len(), "a key repeated after {n}");
        }
        assert!(
            keys.iter().all(|k| k.len() < 80),
            "{:?}",
            keys.iter().map(String::len).max()
        );
    }

    fn any_hlc() -> impl Strategy<Value = Hlc> {
        (0u64..6, 0u32..3, 1u32..4).prop_map(|(w, c, n)| hlc(w, c, n))
    }

    fn version() -> impl Strategy<Value = SyncedAccount> {
        (
            (any_hlc(), "[ab]{0,2}"),
            (any_hlc(), "[ab]{0,2}"),
            (any_hlc(), any::<bool>()),
            0u64..20,
            proptest::option::of(any_hlc()),
            (any_hlc(), "[A-C]{1,2}"),
        )
            .prop_map(|(issuer, name, pinned, counter, deleted, position)| {
                let mut r = SyncedAccount::new(
                    &account("id", b"12345678901234567890", Some(0)),
                    "V".into(),
                    hlc(0, 0, 0),
                );
                r.issuer = Stamped {
                    value: issuer.1,
                    at: issuer.0,
                };
                r.name = Stamped {
                    value: name.1,
                    at: name.0,
                };
                r.pinned = Stamped {
                    value: pinned.1,
                    at: pinned.0,
                };
                r.position = Stamped {
                    value: position.1,
                    at: position.0,
                };
                r.counter = counter;
                r.deleted = deleted;
                r
            })
    }

    proptest! {
        #[test]
        fn merge_is_commutative_associative_and_idempotent(
            a in version(), b in version(), c in version()
        ) {
            prop_assert_eq!(a.merge(&b), b.merge(&a));
            prop_assert_eq!(a.merge(&b).merge(&c), a.merge(&b.merge(&c)));
            prop_assert_eq!(a.merge(&a), a.clone());
            prop_assert_eq!(a.merge(&b).alive(), b.merge(&a).alive());
        }

        #[test]
        fn any_reordering_comes_back_in_order_changing_only_moved_records(
            first in Just((0..8usize).collect::<Vec<_>>()).prop_shuffle(),
            second in Just((0..8usize).collect::<Vec<_>>()).prop_shuffle(),
        ) {
            let all: Vec<Account> = (0..8u8)
                .map(|i| account(&format!("id{i}"), &[b'a' + i; 20], None))
                .collect();
            let order = |o: &[usize]| contents(o.iter().map(|&i| all[i].clone()).collect());
            let mut clock = HlcClock::new(1);
            let mut known = local_changes(&[], &order(&first), &mut clock, 1);
            prop_assert_eq!(contents_of(&known), order(&first));
            let changes = local_changes(&known, &order(&second), &mut clock, 2);
            // Only accounts outside a longest kept run move (at least one keeps its key).
            if first == second {
                prop_assert!(changes.is_empty());
            } else {
                prop_assert!(!changes.is_empty() && changes.len() <= 7);
            }
            take_in(&mut known, &changes);
            prop_assert_eq!(contents_of(&known), order(&second));
        }

        #[test]
        fn position_between_any_two_keys(a in "[0-9A-Za-z]{0,6}[1-9A-Za-z]", b in "[0-9A-Za-z]{0,6}[1-9A-Za-z]") {
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            prop_assume!(lo != hi);
            let mid = position_between(Some(&lo), Some(&hi));
            prop_assert!(lo < mid && mid < hi, "{} < {} < {}", lo, mid, hi);
            let start = position_between(None, Some(&lo));
            prop_assert!(start < lo, "{} < {}", start, lo);
            let end = position_between(Some(&hi), None);
            prop_assert!(hi < end, "{} < {}", hi, end);
        }
    }
}
