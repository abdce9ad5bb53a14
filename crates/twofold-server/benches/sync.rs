//! Sync of a 1,000-account space through the real `twofold-server` binary (release, SQLite):
//! the first computer's upload, a newly linked computer receiving everything, and the time from
//! a change on one computer to its arrival on another that is online (waiting in a long poll),
//! p50/p99. Beside them, in the same run, the reference: the same accounts as one sealed vault
//! payload uploaded and downloaded whole over HTTP on loopback (what a blob-sync would move on
//! every change).
//!
//! Prints Markdown on stdout. `--accounts N` (default 1000), `--changes N` (default 100).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::put;
use twofold_core::clock::SystemClock;
use twofold_core::keychain::Keychain;
use twofold_core::otp::{Algorithm, Method, OtpParams};
use twofold_core::vault::Contents;
use twofold_core::{AccountDraft, OsEntropy, Secret};
use twofold_push::sync::{JoinBy, Sync};

mod common;
use common::{arg, percentile};

struct Computer {
    _dir: tempfile::TempDir,
    keys: Arc<Keychain>,
    sync: Sync,
    contents: Contents,
}

impl Computer {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self {
            sync: Sync::beside(&dir.path().join("vault.tfv"), SystemClock::shared()),
            _dir: dir,
            keys: Arc::new(Keychain::with_store(
                keyring_core::mock::Store::new().unwrap(),
            )),
            contents: Contents::default(),
        }
    }

    async fn round(&mut self) {
        let round = self.sync.round(&*self.keys, &self.contents).await.unwrap();
        if let Some(c) = &round.contents {
            self.contents = c.clone();
        }
        self.sync.commit(round).unwrap();
    }
}

fn accounts(n: usize) -> Contents {
    let mut contents = Contents::default();
    for i in 0..n {
        contents
            .add(
                AccountDraft {
                    issuer: format!("Issuer {i}"),
                    name: format!("person{i}@example.com"),
                    secret: Secret::from_slice(format!("seed-{i:010}-0123456789").as_bytes()),
                    params: OtpParams::new(Method::Totp { period: 30 }, Algorithm::Sha1, 6)
                        .unwrap(),
                    extra: Vec::new(),
                },
                &mut OsEntropy,
                1_700_000_000,
            )
            .unwrap();
    }
    contents
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The reference: a blob store on loopback (PUT and GET of one body).
async fn blob_server() -> String {
    let store: Arc<Mutex<Bytes>> = Arc::default();
    let app = Router::new()
        .route(
            "/blob",
            put(
                |State(s): State<Arc<Mutex<Bytes>>>, body: Bytes| async move {
                    *s.lock().unwrap() = body;
                },
            )
            .get(|State(s): State<Arc<Mutex<Bytes>>>| async move { s.lock().unwrap().clone() }),
        )
        .with_state(store);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// The whole vault payload sealed, uploaded and downloaded and opened: one blob-sync step.
async fn blob_step(http: &reqwest::Client, base: &str, contents: &Contents, key: &Secret) {
    use chacha20poly1305::aead::Aead;
    use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
    let plain = twofold_core::vault::encode_payload(contents);
    let cipher = XChaCha20Poly1305::new_from_slice(key.expose()).unwrap();
    let nonce = XNonce::from([7u8; 24]);
    let sealed = cipher.encrypt(&nonce, plain.as_slice()).unwrap();
    http.put(format!("{base}/blob"))
        .body(sealed)
        .send()
        .await
        .unwrap();
    let back = http
        .get(format!("{base}/blob"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let opened = cipher.decrypt(&nonce, back.as_ref()).unwrap();
    let again = twofold_core::vault::decode_payload(&opened).unwrap();
    assert_eq!(again.accounts.len(), contents.accounts.len());
}

fn main() {
    let n = arg("--accounts", 1000);
    let changes = arg("--changes", 100);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    rt.block_on(async move {
        let (base, _pid, _server, _) = common::start(dir.path(), 0, &["--sync", "open"]).await;
        let mut a = Computer::new();
        a.contents = accounts(n);
        a.sync
            .join(&*a.keys, &JoinBy::Open(base.clone()), "home", "bench")
            .await
            .unwrap();
        let started = Instant::now();
        a.round().await;
        let upload = started.elapsed();

        // A new computer, linked: everything arrives.
        let link = a.sync.make_link(&*a.keys).await.unwrap();
        let mut b = Computer::new();
        let started = Instant::now();
        b.sync
            .join(&*b.keys, &JoinBy::Link(link), "work", "bench")
            .await
            .unwrap();
        b.round().await;
        let receive = started.elapsed();
        assert_eq!(b.contents.accounts.len(), n);

        // A change on A until B, waiting in a long poll, holds it.
        let mut latencies = Vec::with_capacity(changes);
        for i in 0..changes {
            let last = b.sync.state().unwrap().unwrap().last;
            let target = format!("renamed {i}");
            let index = i % n;
            let waiter = {
                let sync = Sync::beside(&b._dir.path().join("vault.tfv"), SystemClock::shared());
                let keys = b.keys.clone();
                tokio::spawn(async move { sync.wait(&*keys, last, 25).await.unwrap() })
            };
            tokio::time::sleep(Duration::from_millis(20)).await;
            let changed = Instant::now();
            a.contents.accounts[index].name = target.clone();
            a.sync.stamp(&*a.keys, &a.contents).unwrap();
            a.round().await;
            assert!(waiter.await.unwrap());
            b.round().await;
            assert_eq!(b.contents.accounts[index].name, target);
            latencies.push(changed.elapsed());
        }
        latencies.sort();

        // The reference, in the same run: one sealed payload of the same accounts.
        let blob = blob_server().await;
        let http = reqwest::Client::new();
        let key = Secret::from_slice(&[3; 32]);
        blob_step(&http, &blob, &a.contents, &key).await;
        let mut steps = Vec::with_capacity(changes);
        for _ in 0..changes.max(10) {
            let started = Instant::now();
            blob_step(&http, &blob, &a.contents, &key).await;
            steps.push(started.elapsed());
        }
        steps.sort();
        let full = percentile(&steps, 0.5);

        println!(
            "| {n} accounts | sync (records) | full-vault upload + download (reference) | ratio |"
        );
        println!("|---|---:|---:|---:|");
        println!(
            "| first computer's upload | {} | {} | {:.1}× |",
            ms(upload),
            ms(full),
            upload.as_secs_f64() / full.as_secs_f64()
        );
        println!(
            "| new computer receives everything after linking | {} | {} | {:.1}× |",
            ms(receive),
            ms(full),
            receive.as_secs_f64() / full.as_secs_f64()
        );
        println!(
            "| one change, p50 (to another online computer) | {} | {} | {:.2}× |",
            ms(percentile(&latencies, 0.5)),
            ms(full),
            percentile(&latencies, 0.5).as_secs_f64() / full.as_secs_f64()
        );
        println!(
            "| one change, p99 | {} | {} | {:.2}× |",
            ms(percentile(&latencies, 0.99)),
            ms(percentile(&steps, 0.99)),
            percentile(&latencies, 0.99).as_secs_f64() / percentile(&steps, 0.99).as_secs_f64()
        );
    });
}
