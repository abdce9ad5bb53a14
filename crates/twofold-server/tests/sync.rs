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

impl Computer {
    fn state(&self) -> twofold_push::sync::SyncState {
        self.sync.state().unwrap().unwrap()
    }

    /// The space key this computer holds (the keychain entry's 32 bytes after the generation).
    fn space_key(&self) -> Secret {
        use twofold_core::keychain::KeyStore;
        let state = self.state();
        let entry = self
            .keys
            .get(&format!("sync-space-{}-{}", state.space, state.device))
            .unwrap()
            .unwrap();
        Secret::from_slice(&entry.expose()[4..36])
    }
}

/// Every record of the space as the server holds it.
async fn stored(server: &Server, device: &str) -> Vec<twofold_server::store::SyncRecordRow> {
    let db = &server.state.db;
    let space = db.sync_device(device).await.unwrap().unwrap().space_id;
    db.sync_records_after(space, 0, 10_000).await.unwrap().0
}

fn opens(key: &Secret, r: &twofold_server::store::SyncRecordRow) -> bool {
    twofold_core::sync::SyncedAccount::open(
        key,
        &twofold_core::AccountId::from_string(r.record_id.clone()),
        u64::try_from(r.version).unwrap(),
        &r.ciphertext,
    )
    .is_ok()
}

async fn removal(backend: Backend, tag: &str) {
    let Some(server) = server(backend, tag).await else {
        return;
    };
    let (mut a, mut b) = pair(&server).await;
    let link = a.sync.make_link(&a.keys).await.unwrap();
    let mut c = Computer::new();
    c.sync
        .join(&c.keys, &JoinBy::Link(link), "laptop", "linux")
        .await
        .unwrap();
    a.add("GitHub", "octocat", b"12345678901234567890", false);
    a.round().await.unwrap();
    b.round().await.unwrap();
    c.round().await.unwrap();
    let devices = a.sync.devices(&a.keys).await.unwrap();
    assert_eq!(
        devices.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
        ["home", "work", "laptop"]
    );
    let old_key = b.space_key();

    // A removes B: the key rotates, every record is re-sealed.
    let removed = a.sync.remove_device(&a.keys, "work").await.unwrap();
    assert_eq!(removed.uuid, b.state().device);
    assert_eq!(a.state().generation, 2);
    a.add("After", "removal", b"afterafterafterafter", false);
    a.round().await.unwrap();

    // B can neither pull nor push any more.
    b.add("Sneaky", "b", b"sneakysneakysneakysn", false);
    let err = b.round().await.unwrap_err();
    assert!(
        matches!(
            err,
            SyncError::Push(twofold_push::client::PushError::Refused { status: 401, .. })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("removed"), "{err}");
    // Nothing at the server opens with B's old key; everything with the new one.
    let records = stored(&server, &a.state().device).await;
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| !opens(&old_key, r)));
    assert!(records.iter().all(|r| opens(&a.space_key(), r)));

    // C, still in the space, takes the new key (sealed to it by A) and the new account.
    c.round().await.unwrap();
    assert_eq!(c.state().generation, 2);
    assert_eq!(a.view(), c.view());
    assert!(c.view().iter().any(|v| v.0 == "After"));
    assert_eq!(c.sync.devices(&c.keys).await.unwrap().len(), 2);

    // C leaves on its own: it is forgotten there and here, its vault keeps every account.
    c.sync.leave(&c.keys).await.unwrap();
    assert!(c.sync.state().unwrap().is_none());
    assert_eq!(c.view().len(), 2);
    assert_eq!(a.sync.devices(&a.keys).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_removed_computer_reads_and_writes_nothing_more_on_sqlite() {
    removal(Backend::Sqlite, "sync_removal").await;
}

#[tokio::test]
async fn a_removed_computer_reads_and_writes_nothing_more_on_postgres() {
    removal(Backend::Postgres, "sync_removal").await;
}

/// Every byte the database holds, as text that can be searched: the SQLite file and its WAL
/// (binary, searched as bytes), or PostgreSQL's dump (byte columns as hex).
fn database_bytes(server: &Server, backend: Backend) -> Vec<u8> {
    match backend {
        Backend::Sqlite => {
            let path = server.dir.path().join("server.db");
            let mut bytes = std::fs::read(&path).unwrap();
            if let Ok(wal) = std::fs::read(path.with_extension("db-wal")) {
                bytes.extend(wal);
            }
            bytes
        }
        Backend::Postgres => {
            let out = std::process::Command::new("pg_dump")
                .args(["--data-only", "--no-owner", &server.url])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            out.stdout
        }
    }
}

async fn nothing_in_clear(backend: Backend, tag: &str) {
    let Some(server) = server(backend, tag).await else {
        return;
    };
    let (mut a, mut b) = pair(&server).await;
    let secrets: [(&str, &str, &str, &[u8]); 3] = [
        (
            "Zyxwvissuer",
            "qwertyname@example.org",
            "plumtag",
            b"seedseedseedseedseed",
        ),
        (
            "Bankofnowhere",
            "mallory.account",
            "finances",
            b"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a",
        ),
        (
            "Steamish",
            "gaben",
            "gamesandstuff",
            b"0123456789abcdefghij",
        ),
    ];
    for (issuer, name, tag, seed) in secrets {
        a.add(issuer, name, seed, false);
        a.account(issuer).tags = vec![tag.into()];
    }
    a.round().await.unwrap();
    b.round().await.unwrap();
    assert_eq!(a.view(), b.view());
    let bytes = database_bytes(&server, backend);
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    // The search sees what is stored in clear (the device's name is not account data).
    assert!(
        bytes.windows(4).any(|w| w == b"home"),
        "the search reads the database"
    );
    for (issuer, name, tag, seed) in secrets {
        let base32 = twofold_core::Secret::from_slice(seed).to_base32();
        for needle in [
            issuer.as_bytes(),
            name.as_bytes(),
            tag.as_bytes(),
            seed,
            base32.as_bytes(),
        ] {
            let windows = |n: &[u8]| bytes.windows(n.len()).any(|w| w == n);
            assert!(
                !windows(needle),
                "{:?} is in the database",
                String::from_utf8_lossy(needle)
            );
            assert!(
                !windows(hex(needle).as_bytes()),
                "{:?} is in the database as hex",
                String::from_utf8_lossy(needle)
            );
        }
    }
}

#[tokio::test]
async fn the_database_holds_no_account_data_in_clear_on_sqlite() {
    nothing_in_clear(Backend::Sqlite, "sync_clear").await;
}

#[tokio::test]
async fn the_database_holds_no_account_data_in_clear_on_postgres() {
    nothing_in_clear(Backend::Postgres, "sync_clear").await;
}

async fn tampering(backend: Backend, tag: &str) {
    let Some(server) = server(backend, tag).await else {
        return;
    };
    let (mut a, mut b) = pair(&server).await;
    a.add("GitHub", "octocat", b"12345678901234567890", false);
    a.round().await.unwrap();
    let first = stored(&server, &a.state().device).await.remove(0);
    a.account("GitHub").name = "renamed".into();
    a.round().await.unwrap();
    b.round().await.unwrap();
    let pool = server.state.db.pool();
    let id = first.record_id.clone();
    let current = stored(&server, &a.state().device).await.remove(0);
    assert_eq!(current.version, 2);
    // Each attack rewrites the record as a newer write (a new sequence number, so that B
    // reads it), and is undone afterwards.
    let rewrite = |version: i64, ciphertext: Vec<u8>| {
        let id = id.clone();
        async move {
            sqlx::query("UPDATE sync_spaces SET last_sequence = last_sequence + 1")
                .execute(pool)
                .await
                .unwrap();
            sqlx::query(
                "UPDATE sync_records SET version = $1, ciphertext = $2, \
                 sequence = (SELECT last_sequence FROM sync_spaces) WHERE record_id = $3",
            )
            .bind(version)
            .bind(ciphertext)
            .bind(id)
            .execute(pool)
            .await
            .unwrap();
        }
    };
    let mut altered = current.ciphertext.clone();
    altered[30] ^= 1;
    let attacks: [(&str, i64, Vec<u8>); 3] = [
        ("altered", 2, altered),
        ("replayed as its old version", 1, first.ciphertext.clone()),
        ("replayed under a new version", 3, first.ciphertext.clone()),
    ];
    for (what, version, ciphertext) in attacks {
        let before = (b.view(), b.state());
        rewrite(version, ciphertext).await;
        let err = b.round().await.unwrap_err();
        match version {
            1 => assert!(matches!(err, SyncError::Rollback(_)), "{what}: {err}"),
            _ => assert!(matches!(err, SyncError::Record(_)), "{what}: {err}"),
        }
        assert!(err.to_string().contains(&id), "{what}: {err}");
        assert_eq!((b.view(), b.state()), before, "{what} changed something");
        rewrite(2, current.ciphertext.clone()).await;
        b.round().await.unwrap();
    }
    // The space's sequence set back: refused as well.
    sqlx::query("UPDATE sync_spaces SET last_sequence = 1")
        .execute(pool)
        .await
        .unwrap();
    let err = b.round().await.unwrap_err();
    assert!(matches!(err, SyncError::Rollback(_)), "{err}");
    assert!(err.to_string().contains("went back"), "{err}");
}

#[tokio::test]
async fn an_altered_or_replayed_record_is_refused_on_sqlite() {
    tampering(Backend::Sqlite, "sync_tamper").await;
}

#[tokio::test]
async fn an_altered_or_replayed_record_is_refused_on_postgres() {
    tampering(Backend::Postgres, "sync_tamper").await;
}

impl Computer {
    /// Talks to another server from now on (as a load balancer would send it elsewhere).
    fn point_at(&self, base: &str) {
        let mut state = self.state();
        state.server = base.to_owned();
        std::fs::write(self.sync.path(), serde_json::to_vec(&state).unwrap()).unwrap();
    }

    /// Rounds until one succeeds (the server may be restarting).
    async fn round_until_done(&mut self) {
        for _ in 0..100 {
            if self.round().await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no round succeeded: {:?}", self.round().await);
    }

    fn add_many(&mut self, prefix: &str, n: usize) {
        for i in 0..n {
            let seed = format!("{prefix}-seed-{i:08}-xxxxxxxx");
            self.add(prefix, &format!("user{i}"), seed.as_bytes(), false);
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The server killed with SIGKILL in the middle of a large push, then started again on the
/// same database: the next rounds finish it, nothing is lost or doubled; and on PostgreSQL a
/// second server on the same database serves the other computer at the same time.
async fn restart_and_second_server(backend: Backend, tag: &str) {
    const N: usize = 1_200;
    let dir = tempfile::tempdir().unwrap();
    let (url, _pg) = match backend {
        Backend::Sqlite => (
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("server.db").display()
            ),
            None,
        ),
        Backend::Postgres => {
            let Some(pg) = support::PgDb::create(tag) else {
                return;
            };
            (pg.url.clone(), Some(pg))
        }
    };
    let listen = format!("127.0.0.1:{}", free_port());
    let env = [("TWOFOLD_SYNC", "open")];
    let first = support::start_at(dir.path(), &url, None, &listen, &env);
    let base = first.base.clone();
    let a = Computer::new();
    a.sync
        .join(&a.keys, &JoinBy::Open(base.clone()), "home", "linux")
        .await
        .unwrap();
    let link = a.sync.make_link(&a.keys).await.unwrap();
    let mut b = Computer::new();
    b.sync
        .join(&b.keys, &JoinBy::Link(link), "work", "linux")
        .await
        .unwrap();
    let mut a = a;
    a.add_many("alpha", N);
    // The kill lands somewhere in the round (three pushes of 500, 500 and 200).
    let (interrupted, ()) = tokio::join!(a.round(), async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        drop(first);
    });
    eprintln!("round under a kill: {:?}", interrupted.map(|_| ()));
    let _second = support::start_at(dir.path(), &url, None, &listen, &env);
    a.round_until_done().await;

    // PostgreSQL: B goes through another server on the same database, both computers write
    // at once.
    let _other = match backend {
        Backend::Postgres => {
            let other = support::start_at(
                dir.path(),
                &url,
                Some(&dir.path().join("outbox2.jsonl")),
                "127.0.0.1:0",
                &env,
            );
            b.point_at(&other.base);
            Some(other)
        }
        Backend::Sqlite => None,
    };
    b.add_many("beta", 300);
    let (ra, rb) = tokio::join!(
        async {
            a.add_many("gamma", 300);
            a.round().await
        },
        b.round()
    );
    eprintln!(
        "concurrent rounds: {:?} {:?}",
        ra.map(|_| ()),
        rb.map(|_| ())
    );
    for _ in 0..3 {
        a.round_until_done().await;
        b.round_until_done().await;
    }
    assert_eq!(a.view().len(), N + 600);
    assert_eq!(a.view(), b.view());
    assert_eq!(a.round().await.unwrap(), (0, 0));
    assert_eq!(b.round().await.unwrap(), (0, 0));
    // Exactly one record per account at the server.
    let db = twofold_server::store::Db::connect(&url).await.unwrap();
    let device = db.sync_device(&a.state().device).await.unwrap().unwrap();
    let (records, _, _) = db
        .sync_records_after(device.space_id, 0, 100_000)
        .await
        .unwrap();
    assert_eq!(records.len(), N + 600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_push_loses_and_doubles_nothing_on_sqlite() {
    restart_and_second_server(Backend::Sqlite, "sync_restart").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_and_a_second_server_on_postgres_lose_and_double_nothing() {
    restart_and_second_server(Backend::Postgres, "sync_restart").await;
}

async fn locked(backend: Backend, tag: &str) {
    let Some(server) = server(backend, tag).await else {
        return;
    };
    let (mut a, mut b) = pair(&server).await;
    a.add("GitHub", "octocat", b"12345678901234567890", false);
    a.round().await.unwrap();
    b.round().await.unwrap();
    // A changes something, stamps it, and locks: what was sealed goes up without the vault.
    a.account("GitHub").name = "while locked".into();
    a.add("Later", "one", b"laterlaterlaterlater", false);
    a.stamp();
    assert_eq!(a.sync.push_pending(&a.keys).await.unwrap(), 2);
    assert!(a.state().pending.is_empty());
    b.round().await.unwrap();
    assert_eq!(a.view(), b.view());
    // A record B changed meanwhile is not overwritten by a locked push: it waits for a round.
    b.account("GitHub").tags = vec!["b".into()];
    b.round().await.unwrap();
    a.account("GitHub").issuer = "GitHub A".into();
    a.stamp();
    assert_eq!(a.sync.push_pending(&a.keys).await.unwrap(), 0);
    assert_eq!(a.state().pending.len(), 1);
    a.round().await.unwrap();
    b.round().await.unwrap();
    assert_eq!(a.view(), b.view());
    assert_eq!(a.view()[0].0, "GitHub A");
    assert_eq!(a.view()[0].2, vec!["b".to_owned()]);
}

#[tokio::test]
async fn a_locked_vault_pushes_what_was_stamped_on_sqlite() {
    locked(Backend::Sqlite, "sync_locked").await;
}

#[tokio::test]
async fn a_locked_vault_pushes_what_was_stamped_on_postgres() {
    locked(Backend::Postgres, "sync_locked").await;
}

async fn server_in_mode(mode: SyncMode, tag: &str) -> Server {
    let policy = Policy {
        sync: mode,
        ..Policy::default()
    };
    Server::start_with(Backend::Sqlite, tag, policy)
        .await
        .unwrap()
}

fn refused(err: SyncError) -> (u16, String) {
    match err {
        SyncError::Push(twofold_push::client::PushError::Refused { status, message }) => {
            (status, message)
        }
        other => panic!("not a refusal: {other}"),
    }
}

#[tokio::test]
async fn spaces_are_created_only_as_the_operator_allows() {
    // Off (the default): every sync request is refused, saying so.
    let off = server_in_mode(SyncMode::Off, "sync_off").await;
    let c = Computer::new();
    let err = c
        .sync
        .join(&c.keys, &JoinBy::Open(off.base.clone()), "home", "linux")
        .await
        .unwrap_err();
    let (status, message) = refused(err);
    assert_eq!(status, 403);
    assert!(message.contains("sync is off"), "{message}");
    assert!(
        c.sync.state().unwrap().is_none(),
        "nothing kept after a refusal"
    );

    // Open: three spaces at once from one address, then the limit.
    let open = server_in_mode(SyncMode::Open, "sync_open").await;
    for _ in 0..3 {
        let c = Computer::new();
        c.sync
            .join(&c.keys, &JoinBy::Open(open.base.clone()), "home", "linux")
            .await
            .unwrap();
    }
    let c = Computer::new();
    let (status, message) = refused(
        c.sync
            .join(&c.keys, &JoinBy::Open(open.base.clone()), "home", "linux")
            .await
            .unwrap_err(),
    );
    assert_eq!(status, 429, "{message}");

    // Invite: without an invitation refused; `twofold-server sync invite` prints one that
    // works once.
    let invite = server_in_mode(SyncMode::Invite, "sync_invite").await;
    let c = Computer::new();
    let (status, message) = refused(
        c.sync
            .join(&c.keys, &JoinBy::Open(invite.base.clone()), "home", "linux")
            .await
            .unwrap_err(),
    );
    assert_eq!(status, 403);
    assert!(message.contains("invitation"), "{message}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_twofold-server"))
        .args([
            "--database-url",
            &invite.url,
            "sync",
            "invite",
            "--server",
            &invite.base,
        ])
        .env_remove("TWOFOLD_CONFIG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let link = text
        .lines()
        .find(|l| l.starts_with("twofold://sync?"))
        .unwrap_or_else(|| panic!("no link in {text}"));
    assert!(link.contains("invite="), "{link}");
    let parsed = SyncLink::parse(link).unwrap();
    let mut c = Computer::new();
    c.sync
        .join(&c.keys, &JoinBy::Link(parsed.clone()), "home", "linux")
        .await
        .unwrap();
    c.add("GitHub", "octocat", b"12345678901234567890", false);
    c.round().await.unwrap();
    let again = Computer::new();
    let (status, message) = refused(
        again
            .sync
            .join(&again.keys, &JoinBy::Link(parsed), "thief", "linux")
            .await
            .unwrap_err(),
    );
    assert_eq!(status, 403);
    assert!(message.contains("used already"), "{message}");
}

#[tokio::test]
async fn a_backup_restored_in_place_deletes_and_reverts_nothing() {
    let Some(server) = server(Backend::Sqlite, "sync_rebase").await else {
        return;
    };
    let (mut a, mut b) = pair(&server).await;
    a.sync.check_vault("vault-one").unwrap();
    a.add("GitHub", "octocat", b"12345678901234567890", false);
    a.round().await.unwrap();
    b.round().await.unwrap();
    // A's backup, taken now.
    let backup = a.contents.clone();
    // Later: B renames GitHub and adds GitLab; A adds Mastodon.
    b.account("GitHub").name = "renamed later".into();
    b.add("GitLab", "tanuki", b"09876543210987654321", false);
    b.round().await.unwrap();
    a.add("Mastodon", "toot", b"mastodonmastodonmast", false);
    a.round().await.unwrap();
    // A's vault is replaced by the backup (a new vault, restored), plus one account only it has.
    a.contents = backup;
    a.add("OnlyInBackup", "x", b"onlyinbackuponlyinba", false);
    a.sync.check_vault("vault-two").unwrap();
    assert!(a.state().rebase);
    a.round().await.unwrap();
    b.round().await.unwrap();
    assert_eq!(a.view(), b.view());
    let issuers: Vec<String> = a.view().into_iter().map(|v| v.0).collect();
    for issuer in ["GitHub", "GitLab", "Mastodon", "OnlyInBackup"] {
        assert!(
            issuers.contains(&issuer.to_owned()),
            "{issuer} missing: {issuers:?}"
        );
    }
    assert!(
        a.view().iter().any(|v| v.1 == "renamed later"),
        "{:?}",
        a.view()
    );
    assert!(!a.state().rebase);
}
