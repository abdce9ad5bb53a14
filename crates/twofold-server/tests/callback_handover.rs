//! A callback that a replica leased and was attempting when it was killed (SIGKILL: no graceful
//! stop hands the lease back) is delivered by another replica once the lease runs out — exactly
//! once to a website that answers, signed as Authy signs. Two `twofold-server` processes on one
//! PostgreSQL database. (Skipped, saying why, outside `cargo xtask test`, which starts
//! PostgreSQL.)

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;
use support::{KEY, PgDb, call, set_callback_url, start};
use twofold_push::client::{self, DeviceClient};
use twofold_push::protocol::{Decision, EnrollmentLink};

/// What the website received: headers and body of each callback it answered.
type Answered = Arc<Mutex<Vec<(HeaderMap, String)>>>;

/// The website: every callback hangs (never answered) until `answering` is set, then each is
/// answered 200 and recorded. Counts the hung ones.
async fn website(answering: Arc<AtomicBool>) -> (String, Arc<AtomicUsize>, Answered) {
    let hung = Arc::new(AtomicUsize::new(0));
    let answered: Answered = Arc::default();
    let (h, a) = (hung.clone(), answered.clone());
    let app = Router::new().fallback(move |req: axum::extract::Request| {
        let (hung, answered, answering) = (h.clone(), a.clone(), answering.clone());
        async move {
            if !answering.load(Ordering::SeqCst) {
                hung.fetch_add(1, Ordering::SeqCst);
                std::future::pending::<()>().await;
            }
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
            answered
                .lock()
                .unwrap()
                .push((parts.headers, String::from_utf8_lossy(&body).into_owned()));
            StatusCode::OK
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/authy/callback", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, hung, answered)
}

async fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_leased_by_a_killed_replica_is_delivered_by_another() {
    let Some(pg) = PgDb::create("handover") else {
        return;
    };
    let answering = Arc::new(AtomicBool::new(false));
    let (callback_url, hung, answered) = website(answering.clone()).await;
    let http = reqwest::Client::new();

    // Replica A; the application's callback URL set as an operator does.
    let dir_a = tempfile::tempdir().unwrap();
    let a = start(dir_a.path(), &pg.url, None);
    set_callback_url(&pg.url, &callback_url);

    // A user with a device approves a request through A: A queues the callback, leases it and
    // attempts it; the website holds the attempt.
    let (s, body) = call(
        &http,
        &a.base,
        "POST",
        "/protected/json/users/new?user[email]=h@example.com&user[cellphone]=775-461-7000&user[country_code]=1",
        None,
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let user = body["user"]["id"].as_i64().unwrap();
    let (_, enrollment) = call(
        &http,
        &a.base,
        "POST",
        &format!("/protected/json/users/{user}/devices/enrollments"),
        None,
    )
    .await;
    let link = EnrollmentLink::parse(enrollment["enrollment"]["uri"].as_str().unwrap()).unwrap();
    let (enrolled, key) = client::enroll(&link, "phone", "linux").await.unwrap();
    let device = DeviceClient::new(
        &a.base,
        &enrolled.device.uuid,
        key,
        twofold_core::clock::SystemClock::shared(),
    );
    let (s, created) = call(
        &http,
        &a.base,
        "POST",
        &format!("/onetouch/json/users/{user}/approval_requests?message=Login+requested"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{created}");
    let uuid = created["approval_request"]["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    device.answer(&uuid, Decision::Approve, None).await.unwrap();
    wait_until("A attempts the callback", Duration::from_secs(20), || {
        hung.load(Ordering::SeqCst) >= 1
    })
    .await;

    // A dies mid-attempt, holding the lease; B starts on the same database; the website now
    // answers.
    let killed_at = Instant::now();
    drop(a);
    answering.store(true, Ordering::SeqCst);
    let dir_b = tempfile::tempdir().unwrap();
    let b = start(dir_b.path(), &pg.url, None);
    wait_until(
        "B delivers the callback A held",
        Duration::from_secs(twofold_server::callbacks::LEASE as u64 + 20),
        || !answered.lock().unwrap().is_empty(),
    )
    .await;
    let waited = killed_at.elapsed();

    // Delivered once, by B, as Authy signs it; stored as delivered.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let answered = answered.lock().unwrap().clone();
    assert_eq!(answered.len(), 1, "delivered exactly once: {answered:?}");
    let (headers, body) = &answered[0];
    let params: Value = serde_json::from_str(body).unwrap();
    assert_eq!(params["uuid"], uuid.as_str());
    assert_eq!(params["status"], "approved");
    let nonce = headers["x-authy-signature-nonce"].to_str().unwrap();
    let expected =
        twofold_server::callbacks::signature(KEY.as_bytes(), nonce, "POST", &callback_url, &params);
    assert_eq!(headers["x-authy-signature"].to_str().unwrap(), expected);
    let (s, status) = call(
        &http,
        &b.base,
        "GET",
        &format!("/onetouch/json/approval_requests/{uuid}"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{status}");
    assert_eq!(status["approval_request"]["status"], "approved");
    let db = twofold_server::store::Db::connect(&pg.url).await.unwrap();
    let states = db.callbacks_of(&uuid).await.unwrap();
    assert_eq!(states.len(), 1, "{states:?}");
    assert_eq!(states[0].0, "delivered", "{states:?}");
    // Not before A's lease ran out (taken less than a second before the kill; whole seconds):
    // no second attempt while A might still have been at it.
    let lease = Duration::from_secs(twofold_server::callbacks::LEASE as u64);
    assert!(
        waited + Duration::from_secs(3) >= lease,
        "delivered {waited:?} after the kill, within the lease of {lease:?}"
    );
}
