//! Crashes lose nothing acknowledged: the `twofold-server` binary is killed with SIGKILL 100
//! times under mixed load (new users and `verify`, OneTouch requests created and answered by
//! enrolled devices, signed callbacks to a local website; each kill once both kinds have got
//! through, at a different moment each time) on SQLite and on PostgreSQL. After each
//! restart every acknowledged verification still refuses its token's replay, every acknowledged
//! user, request and answer is there, and the database passes its integrity check; at the end
//! every answered request's callback has reached the website (at least once).

mod support;

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Backend, PgDb, set_callback_url, sqlite_integrity, start, totp, try_call};
use twofold_push::client::{self, DeviceClient};
use twofold_push::protocol::{Decision, DeviceKey, EnrollmentLink};

/// How many times the server is killed on each backend.
const KILLS: usize = 100;
/// Users with an enrolled device (each may have 20 approval requests a minute).
const PHONES: usize = 16;
/// What the server acknowledged, per kind.
#[derive(Debug, Default)]
struct Ledger {
    /// Users that `users/new` answered 200 for.
    users: Vec<i64>,
    /// (user, token) pairs that `verify` accepted: their replay must be refused.
    verified: Vec<(i64, String)>,
    /// Approval requests created (200), with their user.
    created: Vec<(String, i64)>,
    /// Approval requests a device's answer was acknowledged for, with the status it set.
    answered: Vec<(String, &'static str)>,
}

type Shared = Arc<Mutex<Ledger>>;

/// A new user with a phone number of its own.
async fn new_user(http: &reqwest::Client, base: &str, tag: &str) -> Result<i64, String> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let phone = format!("775-{}-{:04}", 461 + n / 10_000, n % 10_000);
    let (s, b) = try_call(
        http,
        base,
        "POST",
        "/protected/json/users/new",
        json!({"user": {"email": format!("{tag}@example.com"), "cellphone": phone, "country_code": 1}}),
    )
    .await
    .map_err(|e| e.to_string())?;
    if s != 200 {
        return Err(format!("users/new: {s} {b}"));
    }
    b["user"]["id"]
        .as_i64()
        .ok_or_else(|| format!("users/new: {b}"))
}

/// `verify` of `token` for user `id` (forced, as the load and the check both ask).
async fn verify(
    http: &reqwest::Client,
    base: &str,
    id: i64,
    token: &str,
) -> Result<(u16, Value), reqwest::Error> {
    try_call(
        http,
        base,
        "GET",
        &format!("/protected/json/verify/{token}/{id}?force=true"),
        json!({}),
    )
    .await
}

/// One verify client: a new user, its authenticator seed, a code — until the server dies.
async fn verify_load(base: String, worker: usize, ledger: Shared) {
    let http = reqwest::Client::new();
    for n in 0.. {
        let tag = format!("v{worker}-{n}-{}", support::now());
        let Ok(id) = new_user(&http, &base, &tag).await else {
            return;
        };
        ledger.lock().unwrap().users.push(id);
        let Ok((200, b)) = try_call(
            &http,
            &base,
            "POST",
            &format!("/protected/json/users/{id}/secret"),
            json!({"label": "Acme"}),
        )
        .await
        else {
            return;
        };
        let seed = support::secret_seed(&b);
        let token = totp(&seed, 6, 0);
        match verify(&http, &base, id, &token).await {
            Ok((200, _)) => ledger.lock().unwrap().verified.push((id, token)),
            Ok((s, b)) => panic!("a fresh code was refused: {s} {b}"),
            Err(_) => return,
        }
    }
}

/// A user with an enrolled device (enrolled once, before the kills: the enrollment's QR images
/// are slow in a debug build).
struct Phone {
    user: i64,
    device: String,
    key: [u8; 32],
}

impl Phone {
    async fn enroll(base: &str, n: usize) -> Self {
        let http = reqwest::Client::new();
        let user = new_user(&http, base, &format!("phone-{n}")).await.unwrap();
        let (s, e) = try_call(
            &http,
            base,
            "POST",
            &format!("/protected/json/users/{user}/devices/enrollments"),
            json!({}),
        )
        .await
        .unwrap();
        assert_eq!(s, 200, "{e}");
        let link = EnrollmentLink::parse(e["enrollment"]["uri"].as_str().unwrap()).unwrap();
        let (enrolled, key) = client::enroll(&link, "fault laptop", "linux")
            .await
            .unwrap();
        Self {
            user,
            device: enrolled.device.uuid,
            key: key.seed().as_ref().try_into().unwrap(),
        }
    }

    /// The device's client for the server at `base`.
    fn client(&self, base: &str) -> DeviceClient {
        DeviceClient::new(
            base,
            &self.device,
            DeviceKey::from_bytes(&self.key).unwrap(),
            twofold_core::clock::SystemClock::shared(),
        )
    }
}

/// Answers a request as the device: approve or deny by `n`; the status acknowledged.
async fn answer(device: &DeviceClient, uuid: &str, n: usize) -> Option<&'static str> {
    let (decision, status) = if n.is_multiple_of(2) {
        (Decision::Approve, "approved")
    } else {
        (Decision::Deny, "denied")
    };
    let outcome = device.answer(uuid, decision, None).await.ok()?;
    assert_eq!(outcome.status.as_str(), status);
    Some(status)
}

/// One OneTouch client: requests for its users, each answered by the user's device.
async fn onetouch_load(base: String, phones: Arc<Vec<Phone>>, worker: usize, ledger: Shared) {
    let http = reqwest::Client::new();
    let mine: Vec<&Phone> = phones.iter().skip(worker).step_by(2).collect();
    for n in 0.. {
        let phone = mine[n % mine.len()];
        let r = match try_call(
            &http,
            &base,
            "POST",
            &format!("/onetouch/json/users/{}/approval_requests", phone.user),
            json!({"message": "Login requested", "seconds_to_expire": 3600}),
        )
        .await
        {
            Ok((200, r)) => r,
            // This user's approval requests are over their rate (20 a minute): the next user.
            Ok((429, _)) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            _ => return,
        };
        let uuid = r["approval_request"]["uuid"].as_str().unwrap().to_owned();
        ledger
            .lock()
            .unwrap()
            .created
            .push((uuid.clone(), phone.user));
        match answer(&phone.client(&base), &uuid, n).await {
            Some(status) => ledger.lock().unwrap().answered.push((uuid, status)),
            None => return,
        }
    }
}

/// The website: records the uuid of every callback it receives.
async fn website() -> (String, Arc<Mutex<HashSet<String>>>) {
    let seen: Arc<Mutex<HashSet<String>>> = Arc::default();
    let record = seen.clone();
    let app = axum::Router::new().fallback(move |body: String| {
        let record = record.clone();
        async move {
            let params: Value = serde_json::from_str(&body).unwrap_or_default();
            if let Some(uuid) = params["uuid"].as_str() {
                record.lock().unwrap().insert(uuid.to_owned());
            }
            "ok"
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/authy/callback", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

/// PostgreSQL's B-tree checker (amcheck) over every index of the database, heap included.
fn postgres_integrity(url: &str) {
    let sql = "CREATE EXTENSION IF NOT EXISTS amcheck; \
               SELECT count(bt_index_check(index => c.oid, heapallindexed => true)) \
               FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
               JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am a ON a.oid = c.relam \
               WHERE n.nspname = 'public' AND a.amname = 'btree'";
    let out = Command::new("psql")
        .arg(url)
        .args(["-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "amcheck: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let checked: i64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert!(checked >= 5, "amcheck checked {checked} indexes");
}

/// Everything acknowledged in `cycle` is there (answers: as `all` has them); the requests a
/// crash left pending are answered now. Returns those answers.
async fn check(
    base: &str,
    cycle: &Ledger,
    all: &Ledger,
    phones: &[Phone],
) -> Vec<(String, &'static str)> {
    // Eight clients at once: a cycle may have acknowledged hundreds of users and codes.
    let mut lookups = tokio::task::JoinSet::new();
    for part in 0..8 {
        let base = base.to_owned();
        let verified: Vec<(i64, String)> = cycle
            .verified
            .iter()
            .skip(part)
            .step_by(8)
            .cloned()
            .collect();
        let users: Vec<i64> = cycle.users.iter().skip(part).step_by(8).copied().collect();
        lookups.spawn(async move {
            let http = reqwest::Client::new();
            for (id, token) in &verified {
                let (s, b) = verify(&http, &base, *id, token).await.unwrap();
                assert_eq!(
                    (s, b["error_code"].as_str()),
                    (401, Some("60020")),
                    "an accepted code was accepted again after a crash: {b}"
                );
            }
            for id in &users {
                let (s, b) = try_call(
                    &http,
                    &base,
                    "GET",
                    &format!("/protected/json/users/{id}/status"),
                    json!({}),
                )
                .await
                .unwrap();
                assert_eq!(s, 200, "user {id} was acknowledged, then lost: {b}");
            }
        });
    }
    while let Some(done) = lookups.join_next().await {
        if let Err(e) = done {
            std::panic::resume_unwind(e.into_panic());
        }
    }
    let http = reqwest::Client::new();
    let answered: HashMap<&str, &str> =
        all.answered.iter().map(|(u, s)| (u.as_str(), *s)).collect();
    let mut late = Vec::new();
    for (uuid, user) in &cycle.created {
        let (s, b) = try_call(
            &http,
            base,
            "GET",
            &format!("/onetouch/json/approval_requests/{uuid}"),
            json!({}),
        )
        .await
        .unwrap();
        assert_eq!(s, 200, "request {uuid} was acknowledged, then lost: {b}");
        let status = b["approval_request"]["status"].as_str().unwrap();
        match answered.get(uuid.as_str()) {
            Some(expected) => assert_eq!(status, *expected, "an acknowledged answer was lost"),
            None if status == "pending" => {
                let phone = phones.iter().find(|p| p.user == *user).unwrap();
                let status = answer(&phone.client(base), uuid, late.len()).await.unwrap();
                late.push((uuid.clone(), status));
            }
            // Answered, and the server died before it said so.
            None => assert!(["approved", "denied"].contains(&status), "{b}"),
        }
    }
    late
}

async fn kill_under_load(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (url, _pg) = match backend {
        Backend::Sqlite => (
            format!("sqlite://{}", dir.path().join("server.db").display()),
            None,
        ),
        Backend::Postgres => {
            let Some(pg) = PgDb::create("faults") else {
                return;
            };
            (pg.url.clone(), Some(pg))
        }
    };
    let (callback_url, delivered) = website().await;
    // The first start creates the application; the website gets its callbacks.
    let first = start(dir.path(), &url, None);
    set_callback_url(&url, &callback_url);
    let mut phones = Vec::new();
    for n in 0..PHONES {
        phones.push(Phone::enroll(&first.base, n).await);
    }
    let phones = Arc::new(phones);
    first.kill();

    let mut all = Ledger::default();
    let started = Instant::now();
    for cycle in 0..KILLS {
        let server = start(dir.path(), &url, None);
        let ledger: Shared = Arc::default();
        // One request first (a debug build spends a few hundred milliseconds on its first).
        let id = new_user(
            &reqwest::Client::new(),
            &server.base,
            &format!("warm-{cycle}"),
        )
        .await
        .unwrap();
        ledger.lock().unwrap().users.push(id);
        let mut load = Vec::new();
        for w in 0..3 {
            load.push(tokio::spawn(verify_load(
                server.base.clone(),
                w,
                ledger.clone(),
            )));
        }
        for w in 0..2 {
            load.push(tokio::spawn(onetouch_load(
                server.base.clone(),
                phones.clone(),
                w,
                ledger.clone(),
            )));
        }
        // Once both kinds of load have got through (a busy machine may take a while), then a
        // different moment in every cycle: 50–450 ms on.
        let through = Instant::now();
        while through.elapsed() < Duration::from_secs(30) {
            let got_through = {
                let so_far = ledger.lock().unwrap();
                !so_far.verified.is_empty() && !so_far.answered.is_empty()
            };
            if got_through {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(50 + (cycle as u64 * 97) % 400)).await;
        server.kill();
        for task in load {
            task.await
                .expect("a load client failed (not a connection error)");
        }
        if let Backend::Sqlite = backend {
            sqlite_integrity(&dir.path().join("server.db"));
        }
        let cycle_ledger = std::mem::take(&mut *ledger.lock().unwrap());
        all.users.extend(cycle_ledger.users.iter().copied());
        all.verified.extend(cycle_ledger.verified.iter().cloned());
        all.created.extend(cycle_ledger.created.iter().cloned());
        all.answered.extend(cycle_ledger.answered.iter().cloned());
        let server = start(dir.path(), &url, None);
        let late = check(&server.base, &cycle_ledger, &all, &phones).await;
        all.answered.extend(late);
        server.kill();
    }
    eprintln!(
        "{KILLS} kills in {:.0} s: {} users, {} verifications, {} requests, {} answers acknowledged",
        started.elapsed().as_secs_f64(),
        all.users.len(),
        all.verified.len(),
        all.created.len(),
        all.answered.len()
    );
    assert!(
        all.verified.len() >= KILLS && all.answered.len() >= KILLS,
        "too little load got through to mean anything"
    );

    // Every answered request's callback reaches the website: at once, or (for one a killed
    // server was attempting) when its lease runs out.
    let server = start(dir.path(), &url, None);
    let deadline =
        Instant::now() + Duration::from_secs(twofold_server::callbacks::LEASE as u64 + 30);
    loop {
        let missing: Vec<&String> = {
            let seen = delivered.lock().unwrap();
            all.answered
                .iter()
                .map(|(u, _)| u)
                .filter(|u| !seen.contains(*u))
                .collect()
        };
        if missing.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} callbacks never arrived, e.g. {}",
            missing.len(),
            missing[0]
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    server.kill();
    match backend {
        Backend::Sqlite => sqlite_integrity(&dir.path().join("server.db")),
        Backend::Postgres => postgres_integrity(&url),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_mixed_load_loses_nothing_on_sqlite() {
    kill_under_load(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_mixed_load_loses_nothing_on_postgres() {
    kill_under_load(Backend::Postgres).await;
}
