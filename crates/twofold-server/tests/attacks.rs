//! The attacks of the security review, each reproduced over real HTTP against the router on a
//! loopback port, on SQLite and on PostgreSQL. Concurrent attacks use clients on their own
//! connections, warmed up and then released together by a barrier.

mod support;

use serde_json::Value;
use support::{Backend, Server, count, enroll_device, totp};
use twofold_server::store::Db;

/// Runs an attack on SQLite (`…::on_sqlite`) and on PostgreSQL (`…::on_postgres`).
macro_rules! on_both {
    ($attack:ident) => {
        mod $attack {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn on_sqlite() {
                super::$attack(super::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn on_postgres() {
                super::$attack(super::Backend::Postgres).await;
            }
        }
    };
}

/// Sends every request at once: one client (and connection) each, released by a barrier.
async fn together(server: &Server, requests: Vec<(&'static str, String)>) -> Vec<(u16, Value)> {
    support::together(
        requests
            .into_iter()
            .map(|(method, path)| support::Together {
                base: server.base.clone(),
                method,
                path,
                headers: Vec::new(),
            })
            .collect(),
    )
    .await
}

const PHONE: &str = "phone_number=775-461-5609&country_code=1";

/// Finding 1: wrong codes sent at once must not get more guesses than the cap (5).
async fn phone_verification_cap_holds_under_concurrency(backend: Backend) {
    let Some(s) = Server::start(backend, "phonecap").await else {
        return;
    };
    let (st, b) = s
        .call(
            "POST",
            &format!("/protected/json/phones/verification/start?{PHONE}&via=sms&code_length=4"),
            None,
        )
        .await;
    assert_eq!(st, 200, "{b}");
    let code = s.outbox()[0]["code"].as_str().unwrap().to_owned();
    let wrong: Vec<String> = (0..10_000)
        .map(|n| format!("{n:04}"))
        .filter(|g| *g != code)
        .take(80)
        .collect();
    let answers = together(
        &s,
        wrong
            .iter()
            .map(|g| {
                (
                    "GET",
                    format!(
                        "/protected/json/phones/verification/check?{PHONE}&verification_code={g}"
                    ),
                )
            })
            .collect(),
    )
    .await;
    // Refused either by the verification's cap (404) or, once the phone's daily allowance of
    // wrong codes (10) is used up, by the rate limit (429): never judged.
    let evaluated = count(&answers, 401, "60022");
    let refused = count(&answers, 404, "60023") + count(&answers, 429, "60003");
    assert_eq!(
        (evaluated, evaluated + refused),
        (5, 80),
        "exactly 5 guesses are judged, the rest refused: {answers:?}"
    );
    let (st, b) = s
        .call(
            "GET",
            &format!("/protected/json/phones/verification/check?{PHONE}&verification_code={code}"),
            None,
        )
        .await;
    assert!(
        matches!(
            (st, b["error_code"].as_str()),
            (404, Some("60023")) | (429, Some("60003"))
        ),
        "the right code after the cap is refused: {st} {b}"
    );
    let (_, b) = s
        .call(
            "GET",
            &format!("/protected/json/phones/verification/status?{PHONE}"),
            None,
        )
        .await;
    assert_eq!(b["status"], "failed", "{b}");
}

on_both!(phone_verification_cap_holds_under_concurrency);

/// Finding 2: wrong tokens sent at once must not get more guesses than the lockout allows (10),
/// and the right code afterwards meets the lock.
async fn verify_lockout_holds_under_concurrency(backend: Backend) {
    let Some(s) = Server::start(backend, "verifylock").await else {
        return;
    };
    let id = s.user("775-461-5609").await;
    let seed = s.authenticator_seed(id).await;
    // A first real login, so the user is registered.
    let first = totp(&seed, 6, 0);
    let (st, b) = s
        .call(
            "GET",
            &format!("/protected/json/verify/{first}/{id}?force=true"),
            None,
        )
        .await;
    assert_eq!(st, 200, "{b}");
    let wrong = support::wrong_codes(&seed, 80);
    let answers = together(
        &s,
        wrong
            .iter()
            .map(|g| ("GET", format!("/protected/json/verify/{g}/{id}?force=true")))
            .collect(),
    )
    .await;
    let evaluated = count(&answers, 401, "60020");
    let locked = count(&answers, 429, "60003");
    assert_eq!(
        (evaluated, evaluated + locked),
        (10, 80),
        "exactly 10 guesses are judged, the rest meet the lock: {answers:?}"
    );
    let right = totp(&seed, 6, 0);
    let (st, b) = s
        .call(
            "GET",
            &format!("/protected/json/verify/{right}/{id}?force=true"),
            None,
        )
        .await;
    assert_eq!(
        (st, b["error_code"].as_str()),
        (429, Some("60003")),
        "the right code while locked: {b}"
    );
}

on_both!(verify_lockout_holds_under_concurrency);

/// Finding 3: a revoked device's codes stop verifying at once, and the user's other device keeps
/// working (each device has a seed of its own, deleted with the device).
async fn a_revoked_device_is_no_second_factor(backend: Backend) {
    let Some(s) = Server::start(backend, "revoked").await else {
        return;
    };
    let id = s.user("775-461-5609").await;
    let (lost, lost_seed) = enroll_device(&s, id).await;
    let (_, kept_seed) = enroll_device(&s, id).await;
    assert_ne!(lost_seed, kept_seed, "each device has a seed of its own");
    let verify = |code: String| format!("/protected/json/verify/{code}/{id}?force=true");
    let (st, b) = s.call("GET", &verify(totp(&lost_seed, 7, 0)), None).await;
    assert_eq!(st, 200, "before the revocation: {b}");
    let (st, b) = s
        .call(
            "POST",
            &format!("/protected/json/users/{id}/devices/{lost}/delete"),
            None,
        )
        .await;
    assert_eq!(st, 200, "{b}");
    let (st, b) = s.call("GET", &verify(totp(&lost_seed, 7, 1)), None).await;
    assert_eq!(
        (st, b["error_code"].as_str()),
        (401, Some("60020")),
        "the revoked device's next code: {b}"
    );
    let (st, b) = s.call("GET", &verify(totp(&kept_seed, 7, 1)), None).await;
    assert_eq!(st, 200, "the other device: {b}");
}

/// Finding 4: `seconds_to_expire` beyond 30 days, negative or not a 64-bit number is refused
/// naming the field; the longest allowed is stored, read back and swept without overflow.
async fn seconds_to_expire_is_bounded(backend: Backend) {
    let Some(s) = Server::start(backend, "ttl").await else {
        return;
    };
    let id = s.user("775-461-5609").await;
    enroll_device(&s, id).await;
    let create = |ttl: &str| {
        format!("/onetouch/json/users/{id}/approval_requests?message=Login&seconds_to_expire={ttl}")
    };
    for ttl in [
        "9223372036854775000",
        "9223372036854775807",
        "2592001",
        "-1",
        "99999999999999999999999",
    ] {
        let (st, b) = s.call("POST", &create(ttl), None).await;
        assert_eq!(
            (st, b["error_code"].as_str()),
            (400, Some("60004")),
            "{ttl}: {b}"
        );
        assert!(
            b["message"].as_str().unwrap().contains("seconds_to_expire"),
            "{ttl}: {b}"
        );
    }
    let (st, b) = s.call("POST", &create("2592000"), None).await;
    assert_eq!(st, 200, "{b}");
    let uuid = b["approval_request"]["uuid"].as_str().unwrap().to_owned();
    twofold_server::api::expire_overdue(&s.state).await;
    let (st, b) = s
        .call(
            "GET",
            &format!("/onetouch/json/approval_requests/{uuid}"),
            None,
        )
        .await;
    assert_eq!(
        (st, b["approval_request"]["status"].as_str()),
        (200, Some("pending")),
        "{b}"
    );
}

/// Finding 8: codes sent by SMS (or call, or email) and phone verifications started are limited
/// per user and per phone, and only the newest sent code works.
async fn sends_are_throttled_and_only_the_newest_code_works(backend: Backend) {
    let Some(s) = Server::start(backend, "sends").await else {
        return;
    };
    let id = s.user("775-461-5609").await;
    for n in 0..5 {
        let (st, b) = s
            .call("GET", &format!("/protected/json/sms/{id}?force=true"), None)
            .await;
        assert_eq!(st, 200, "send {n}: {b}");
    }
    let (st, b) = s
        .call(
            "GET",
            &format!("/protected/json/call/{id}?force=true"),
            None,
        )
        .await;
    assert_eq!((st, b["error_code"].as_str()), (429, Some("60003")), "{b}");
    let codes: Vec<String> = s
        .outbox()
        .iter()
        .map(|m| m["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 5);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&s.outbox).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the outbox holds codes: owner only");
    }
    let (first, last) = (&codes[0], &codes[4]);
    if first != last {
        let (st, b) = s
            .call(
                "GET",
                &format!("/protected/json/verify/{first}/{id}?force=true"),
                None,
            )
            .await;
        assert_eq!((st, b["error_code"].as_str()), (401, Some("60020")), "{b}");
    }
    let (st, b) = s
        .call(
            "GET",
            &format!("/protected/json/verify/{last}/{id}?force=true"),
            None,
        )
        .await;
    assert_eq!(st, 200, "the newest code: {b}");
    let start = format!("/protected/json/phones/verification/start?{PHONE}&via=sms");
    for n in 0..5 {
        let (st, b) = s.call("POST", &start, None).await;
        assert_eq!(st, 200, "start {n}: {b}");
    }
    let (st, b) = s.call("POST", &start, None).await;
    assert_eq!((st, b["error_code"].as_str()), (429, Some("60003")), "{b}");
}

/// Finding 10: once a code was accepted, the code of an earlier step (still inside the ±1 step
/// window) is refused.
async fn a_code_older_than_a_used_one_is_refused(backend: Backend) {
    let Some(s) = Server::start(backend, "older").await else {
        return;
    };
    let id = s.user("775-461-5609").await;
    let seed = s.authenticator_seed(id).await;
    let verify = |code: String| format!("/protected/json/verify/{code}/{id}?force=true");
    let (st, b) = s.call("GET", &verify(totp(&seed, 6, 1)), None).await;
    assert_eq!(st, 200, "{b}");
    let (st, b) = s.call("GET", &verify(totp(&seed, 6, 0)), None).await;
    assert_eq!(
        (st, b["error_code"].as_str()),
        (401, Some("60020")),
        "the previous step's code after the next one: {b}"
    );
}

/// Finding 11 (and `onetouch_enabled`): what `twofold-server app set` changes in another process
/// applies to the very next request: a rotated API key stops working at once.
async fn application_changes_apply_at_once(backend: Backend) {
    let Some(s) = Server::start(backend, "rotate").await else {
        return;
    };
    let id = s.user("775-461-5609").await;
    enroll_device(&s, id).await;
    // Another process's connection, as `app set` opens it.
    let admin = Db::connect(&s.url).await.unwrap();
    let mut app = admin.app_by_name("Acme").await.unwrap().unwrap();
    app.onetouch_enabled = false;
    admin.update_app(&app).await.unwrap();
    let (st, b) = s
        .call(
            "POST",
            &format!("/onetouch/json/users/{id}/approval_requests?message=Login"),
            None,
        )
        .await;
    assert_eq!(st, 400, "OneTouch turned off: {b}");
    app.api_key_hash = twofold_server::crypto::hash("the rotated key");
    admin.update_app(&app).await.unwrap();
    let (st, b) = s.call("GET", "/protected/json/app/details", None).await;
    assert_eq!(
        (st, b["error_code"].as_str()),
        (401, Some("60001")),
        "the old key right after the rotation: {b}"
    );
    let r = reqwest::Client::new()
        .get(format!("{}/protected/json/app/details", s.base))
        .header("X-Authy-API-Key", "the rotated key")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

on_both!(a_revoked_device_is_no_second_factor);

on_both!(seconds_to_expire_is_bounded);

on_both!(sends_are_throttled_and_only_the_newest_code_works);

on_both!(a_code_older_than_a_used_one_is_refused);

on_both!(application_changes_apply_at_once);

/// Approval requests for one user sent at once: no more than the pending cap (3) are created,
/// the rest are refused with Authy's rate-limit error.
async fn the_pending_approval_cap_holds_under_concurrency(backend: Backend) {
    let Some(s) = Server::start(backend, "pendingcap").await else {
        return;
    };
    let id = s.user("775-461-5611").await;
    let answers = together(
        &s,
        (0..30)
            .map(|_| {
                (
                    "POST",
                    format!("/onetouch/json/users/{id}/approval_requests?message=Login"),
                )
            })
            .collect(),
    )
    .await;
    let created = answers.iter().filter(|(st, _)| *st == 200).count();
    assert_eq!(
        (created, created + count(&answers, 429, "60003")),
        (3, 30),
        "{answers:?}"
    );
}

on_both!(the_pending_approval_cap_holds_under_concurrency);
