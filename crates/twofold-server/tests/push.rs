//! Push approval over real HTTP: the router on a loopback port, the `twofold-push` device client
//! (enroll, stream, long poll, answer), hand-made device requests for the refusals (forged,
//! replayed, stale, revoked), and a local receiver for the signed callbacks.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use serde_json::{Value, json};
use twofold_core::Secret;
use twofold_core::keychain::{KeyStore, KeyStoreError, Keychain};
use twofold_core::otp::{Algorithm, Method, OtpParams};
use twofold_push::client::{self, DeviceClient};
use twofold_push::protocol::{self, Decision, DeviceKey, EnrollmentLink, Event};
use twofold_push::registry::{EnrollError, Registry, RemoveError};
use twofold_server::crypto::{self, ServerKey};
use twofold_server::delivery::Delivery;
use twofold_server::limits::{LimitSettings, Limits};
use twofold_server::state::{AppState, Policy};
use twofold_server::store::Db;

const KEY: &str = "push-test-api-key";

type Seen = Arc<Mutex<Vec<(axum::http::HeaderMap, String, String)>>>;

/// A local HTTP receiver: records (headers, path+query, body); answers 503 `fail_first` times.
async fn receiver(fail_first: usize) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let app = Router::new().fallback(move |req: axum::extract::Request| {
        let record = record.clone();
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
            let mut seen = record.lock().unwrap();
            seen.push((
                parts.headers,
                parts.uri.to_string(),
                String::from_utf8(body.to_vec()).unwrap(),
            ));
            if seen.len() <= fail_first {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::OK
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/authy/callback", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

struct Env {
    state: AppState,
    base: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Env {
    async fn new(callback_url: Option<&str>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!(
            "sqlite://{}",
            dir.path().join("push.db").display()
        ))
        .await
        .unwrap();
        let key = ServerKey::from_hex(&"cd".repeat(32)).unwrap();
        let id = db
            .create_app(
                "Acme",
                &crypto::hash(KEY),
                Some(&key.seal(twofold_server::crypto::Purpose::ApiKey, KEY.as_bytes())),
                7,
                0,
            )
            .await
            .unwrap();
        if let Some(url) = callback_url {
            let mut app = db.app_by_id(id).await.unwrap().unwrap();
            app.callback_url = Some(url.to_owned());
            db.update_app(&app).await.unwrap();
        }
        let state = AppState::new(
            db,
            key,
            Delivery::outbox(dir.path().join("outbox.jsonl")),
            Policy::default(),
            Limits::new(LimitSettings::default()),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = twofold_server::router(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        tokio::spawn(twofold_server::callbacks::run(state.clone()));
        Self {
            state,
            base,
            http: reqwest::Client::new(),
            _dir: dir,
        }
    }

    async fn api(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base))
            .header("X-Authy-API-Key", KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    async fn user(&self, phone: &str) -> i64 {
        let (s, b) = self
            .api(
                "POST",
                "/protected/json/users/new",
                json!({"user":{"email":format!("{phone}@example.com"),"cellphone":phone,"country_code":1}}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        b["user"]["id"].as_i64().unwrap()
    }

    async fn enrollment(&self, user: i64) -> Value {
        let (s, b) = self
            .api(
                "POST",
                &format!("/protected/json/users/{user}/devices/enrollments"),
                json!({}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        b["enrollment"].clone()
    }

    async fn device(&self, user: i64) -> (DeviceClient, DeviceKey) {
        let e = self.enrollment(user).await;
        let link = EnrollmentLink::parse(e["uri"].as_str().unwrap()).unwrap();
        let (enrolled, key) = client::enroll(&link, "test laptop", "linux").await.unwrap();
        let copy = DeviceKey::from_bytes(key.seed().as_ref()).unwrap();
        (
            DeviceClient::new(
                &link.server,
                &enrolled.device.uuid,
                key,
                twofold_core::clock::SystemClock::shared(),
            ),
            copy,
        )
    }

    async fn ask(&self, user: i64, extra: Value) -> Value {
        let mut body = json!({"message": "Login requested", "details": {"username": "Bill"},
                              "hidden_details": {"ip_address": "10.9.8.7"}});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, b) = self
            .api(
                "POST",
                &format!("/onetouch/json/users/{user}/approval_requests"),
                body,
            )
            .await;
        assert_eq!(s, 200, "{b}");
        b["approval_request"].clone()
    }

    async fn status(&self, uuid: &str) -> Value {
        let (s, b) = self
            .api(
                "GET",
                &format!("/onetouch/json/approval_requests/{uuid}"),
                json!({}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        b["approval_request"].clone()
    }

    /// A device's GET made by hand: `(timestamp, nonce)` chosen by the test.
    fn signed_get(
        &self,
        uuid: &str,
        key: &DeviceKey,
        path: &str,
        ts: i64,
        nonce: &str,
    ) -> reqwest::RequestBuilder {
        let text = protocol::request_string("GET", path, ts, nonce, b"");
        self.http
            .get(format!("{}{path}", self.base))
            .header(protocol::HEADER_DEVICE, uuid)
            .header(protocol::HEADER_TIMESTAMP, ts.to_string())
            .header(protocol::HEADER_NONCE, nonce)
            .header(protocol::HEADER_SIGNATURE, key.sign(&text))
    }

    /// A user's device opening its event stream by hand (signed now with `nonce`): the open
    /// response, its status checked.
    async fn open_stream(&self, user: i64, key: &DeviceKey, nonce: &str) -> reqwest::Response {
        let uuid = self.devices_of(user).await[0]["uuid"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = format!("{}/stream", protocol::DEVICE_PREFIX);
        let ts = twofold_core::clock::Clock::unix_seconds(&twofold_core::clock::SystemClock) as i64;
        let response = self
            .signed_get(&uuid, key, &path, ts, nonce)
            .header("Accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response
    }

    /// [`Env::signed_get`], sent: its status and JSON body.
    async fn signed(
        &self,
        uuid: &str,
        key: &DeviceKey,
        path: &str,
        ts: i64,
        nonce: &str,
    ) -> (u16, Value) {
        let r = self
            .signed_get(uuid, key, path, ts, nonce)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }
}

/// Starts `listen` on a device; events arrive on the returned channel.
fn listen(device: &DeviceClient) -> tokio::sync::mpsc::UnboundedReceiver<Event> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let device = device.clone();
    tokio::spawn(async move {
        device
            .listen(
                move |e| {
                    let _ = tx.send(e);
                },
                |_| {},
            )
            .await
    });
    rx
}

async fn next_event(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Event>) -> Event {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("an event within 10 s")
        .expect("the listener is alive")
}

async fn wait_for_callbacks(seen: &Seen, n: usize) {
    for _ in 0..200 {
        if seen.lock().unwrap().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{n} callbacks did not arrive");
}

#[tokio::test]
async fn enroll_stream_approve_and_a_signed_callback() {
    let (callback_url, seen) = receiver(0).await;
    let env = Env::new(Some(&callback_url)).await;
    let user = env.user("2015550123").await;

    let e = env.enrollment(user).await;
    assert!(
        e["uri"]
            .as_str()
            .unwrap()
            .starts_with("twofold://enroll?server=http")
    );
    assert!(
        e["qr_code"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,")
    );
    assert!(e["qr_svg"].as_str().unwrap().contains("<svg"));
    assert!(e["expires_at"].as_i64().unwrap() > env.state.now() + 500);
    // The QR holds the link.
    let png = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        e["qr_code"].as_str().unwrap().split(',').nth(1).unwrap(),
    )
    .unwrap();
    assert_eq!(
        twofold_core::qr::decode_image(&png).unwrap(),
        vec![e["uri"].as_str().unwrap().to_owned()]
    );

    let link = EnrollmentLink::parse(e["uri"].as_str().unwrap()).unwrap();
    let (enrolled, key) = client::enroll(&link, "alice's laptop", "linux")
        .await
        .unwrap();
    assert_eq!(enrolled.app_name, "Acme");
    assert_eq!(enrolled.authy_id, user);
    // A second use of the same link is refused.
    let again = client::enroll(&link, "thief", "linux").await.unwrap_err();
    assert!(again.to_string().contains("used already"), "{again}");

    // The seed it received makes the codes `verify` accepts.
    let seed = twofold_core::base32::decode_lenient(&enrolled.account.secret).unwrap();
    let params = OtpParams::new(
        Method::Totp { period: 30 },
        Algorithm::Sha1,
        enrolled.account.digits,
    )
    .unwrap();
    let code = params
        .code_at(seed.expose(), env.state.now() as u64)
        .to_string();
    let (s, b) = env
        .api(
            "GET",
            &format!("/protected/json/verify/{code}/{user}"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{b}");

    // users/status and the device list show it.
    let (_, status) = env
        .api(
            "GET",
            &format!("/protected/json/users/{user}/status"),
            json!({}),
        )
        .await;
    assert_eq!(status["status"]["devices"], json!(["linux"]));
    assert_eq!(status["status"]["registered"], json!(true));
    let (_, list) = env
        .api(
            "GET",
            &format!("/protected/json/users/{user}/devices"),
            json!({}),
        )
        .await;
    assert_eq!(list["devices"][0]["name"], "alice's laptop");
    assert_eq!(list["devices"][0]["uuid"], enrolled.device.uuid.as_str());

    let device = DeviceClient::new(
        &link.server,
        &enrolled.device.uuid,
        key,
        twofold_core::clock::SystemClock::shared(),
    );
    assert_eq!(device.me().await.unwrap().name, "alice's laptop");
    let mut events = listen(&device);
    tokio::time::sleep(Duration::from_millis(300)).await;

    let created = env
        .ask(
            user,
            json!({"requester": {"ip": "203.0.113.9", "location": "Lyon, FR"}}),
        )
        .await;
    let uuid = created["uuid"].as_str().unwrap().to_owned();
    let ev = next_event(&mut events).await;
    assert_eq!(ev.request.uuid, uuid);
    assert_eq!(ev.request.status.as_str(), "pending");
    assert_eq!(ev.request.app_name, "Acme");
    assert_eq!(ev.request.details, json!({"username": "Bill"}));
    assert_eq!(
        ev.request.requester.as_ref().unwrap()["location"],
        "Lyon, FR"
    );
    assert!(
        !serde_json::to_string(&ev).unwrap().contains("10.9.8.7"),
        "hidden details reach no device"
    );

    let outcome = device.answer(&uuid, Decision::Approve, None).await.unwrap();
    assert_eq!(outcome.status.as_str(), "approved");
    let st = env.status(&uuid).await;
    assert_eq!(st["status"], "approved");
    assert_eq!(st["device"]["uuid"], enrolled.device.uuid.as_str());
    let ev = next_event(&mut events).await;
    assert_eq!(
        (ev.request.uuid.as_str(), ev.request.status.as_str()),
        (uuid.as_str(), "approved")
    );

    // The callback: POST, JSON, and a signature the §7.3 algorithm reproduces with the API key.
    wait_for_callbacks(&seen, 1).await;
    let (headers, path, body) = seen.lock().unwrap()[0].clone();
    assert_eq!(path, "/authy/callback");
    let params: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(params["status"], "approved");
    assert_eq!(params["callback_action"], "approval_request_status");
    assert_eq!(params["authy_id"], json!(user));
    assert_eq!(params["uuid"], uuid.as_str());
    assert_eq!(params["device_uuid"], enrolled.device.uuid.as_str());
    assert_eq!(
        params["approval_request"]["transaction"]["hidden_details"]["ip_address"],
        "10.9.8.7"
    );
    let nonce = headers["x-authy-signature-nonce"].to_str().unwrap();
    let expected =
        twofold_server::callbacks::signature(KEY.as_bytes(), nonce, "POST", &callback_url, &params);
    assert_eq!(headers["x-authy-signature"].to_str().unwrap(), expected);

    // A second answer conflicts.
    let err = device
        .answer(&uuid, Decision::Deny, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already approved"), "{err}");
}

#[tokio::test]
async fn forged_replayed_stale_and_revoked_requests_are_refused() {
    let env = Env::new(None).await;
    let user = env.user("2015550124").await;
    let (device, key) = env.device(user).await;
    let path = "/device/v1/me";
    let now = env.state.now();

    let (s, _) = env
        .signed(device.uuid(), &key, path, now, "nonce-0001")
        .await;
    assert_eq!(s, 200);
    // The same nonce again: a replay.
    let (s, b) = env
        .signed(device.uuid(), &key, path, now, "nonce-0001")
        .await;
    assert_eq!((s, b["error_code"].as_str()), (401, Some("60101")));
    assert!(b["message"].as_str().unwrap().contains("replayed"), "{b}");
    // Signed by another key.
    let stranger = DeviceKey::generate().unwrap();
    let (s, b) = env
        .signed(device.uuid(), &stranger, path, now, "nonce-0002")
        .await;
    assert_eq!(s, 401);
    assert!(b["message"].as_str().unwrap().contains("signature"), "{b}");
    // A stale timestamp.
    let (s, b) = env
        .signed(device.uuid(), &key, path, now - 600, "nonce-0003")
        .await;
    assert_eq!(s, 401);
    assert!(b["message"].as_str().unwrap().contains("clock"), "{b}");
    // A signature over another path does not carry over.
    let text = protocol::request_string("GET", "/device/v1/requests", now, "nonce-0004", b"");
    let r = env
        .http
        .get(format!("{}{path}", env.base))
        .header(protocol::HEADER_DEVICE, device.uuid())
        .header(protocol::HEADER_TIMESTAMP, now.to_string())
        .header(protocol::HEADER_NONCE, "nonce-0004")
        .header(protocol::HEADER_SIGNATURE, key.sign(&text))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // Missing headers name the header.
    let r = env
        .http
        .get(format!("{}{path}", env.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert!(r.text().await.unwrap().contains("x-twofold-device"));

    // An answer signed for another decision is refused.
    let created = env.ask(user, json!({})).await;
    let uuid = created["uuid"].as_str().unwrap();
    let mut forged = protocol::AnswerBody::sign(&key, uuid, Decision::Deny, None, now);
    forged.status = protocol::RequestStatus::Approved;
    let body = serde_json::to_vec(&forged).unwrap();
    let answer_path = format!("/device/v1/requests/{uuid}/answer");
    let text = protocol::request_string("POST", &answer_path, now, "nonce-0005", &body);
    let r = env
        .http
        .post(format!("{}{answer_path}", env.base))
        .header(protocol::HEADER_DEVICE, device.uuid())
        .header(protocol::HEADER_TIMESTAMP, now.to_string())
        .header(protocol::HEADER_NONCE, "nonce-0005")
        .header(protocol::HEADER_SIGNATURE, key.sign(&text))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(env.status(uuid).await["status"], "pending");

    // Another user's device cannot see or answer this request.
    let other = env.user("2015550125").await;
    let (other_device, _) = env.device(other).await;
    let err = other_device
        .answer(uuid, Decision::Approve, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not found"), "{err}");

    // Revoked by the website: the device is refused from then on.
    let (s, _) = env
        .api(
            "POST",
            &format!(
                "/protected/json/users/{user}/devices/{}/delete",
                device.uuid()
            ),
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let err = device.me().await.unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
    assert!(!err.is_transient());
}

#[tokio::test]
async fn number_matching_not_me_expiry_and_the_pending_cap() {
    let env = Env::new(None).await;
    let user = env.user("2015550126").await;
    let (device, _) = env.device(user).await;

    // Number matching: a wrong number denies.
    let created = env.ask(user, json!({"number_match": true})).await;
    let number = created["number"].as_i64().unwrap();
    assert!((10..=99).contains(&number));
    let uuid = created["uuid"].as_str().unwrap();
    assert!(device.request(uuid).await.unwrap().number_required);
    let wrong = u32::try_from(if number == 99 { 98 } else { number + 1 }).unwrap();
    let out = device
        .answer(uuid, Decision::Approve, Some(wrong))
        .await
        .unwrap();
    assert_eq!(
        (
            out.status.as_str(),
            out.reason.map(protocol::DenyReason::as_str)
        ),
        ("denied", Some("wrong_number"))
    );
    assert_eq!(env.status(uuid).await["reason"], "wrong_number");
    // The right number approves.
    let created = env.ask(user, json!({"number_match": "true"})).await;
    let uuid = created["uuid"].as_str().unwrap();
    let n = u32::try_from(created["number"].as_i64().unwrap()).unwrap();
    let out = device
        .answer(uuid, Decision::Approve, Some(n))
        .await
        .unwrap();
    assert_eq!(out.status.as_str(), "approved");

    // "This wasn't me" is recorded and shown in the status.
    let uuid = env.ask(user, json!({})).await["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = device.answer(&uuid, Decision::NotMe, None).await.unwrap();
    assert_eq!(
        (
            out.status.as_str(),
            out.reason.map(protocol::DenyReason::as_str)
        ),
        ("denied", Some("not_me"))
    );
    let st = env.status(&uuid).await;
    assert_eq!(
        (st["status"].as_str(), st["reason"].as_str()),
        (Some("denied"), Some("not_me"))
    );

    // Expiry is enforced: an answer after it is refused and the status says expired.
    let uuid = env.ask(user, json!({"seconds_to_expire": 1})).await["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let err = device
        .answer(&uuid, Decision::Approve, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already expired"), "{err}");
    assert_eq!(env.status(&uuid).await["status"], "expired");

    // At most three pending requests per user.
    for _ in 0..3 {
        env.ask(user, json!({})).await;
    }
    let (s, b) = env
        .api(
            "POST",
            &format!("/onetouch/json/users/{user}/approval_requests"),
            json!({"message": "one too many"}),
        )
        .await;
    assert_eq!((s, b["error_code"].as_str()), (429, Some("60003")));
    assert!(b["message"].as_str().unwrap().contains("3 pending"), "{b}");
    let (s, b) = env
        .api(
            "POST",
            &format!("/onetouch/json/users/{user}/approval_requests"),
            json!({"message": "x", "number_match": "maybe"}),
        )
        .await;
    assert_eq!((s, b["error_code"].as_str()), (400, Some("60004")));
    assert!(
        b["message"].as_str().unwrap().contains("number_match"),
        "{b}"
    );
}

#[tokio::test]
async fn the_long_poll_replays_pending_requests_and_waits_for_new_ones() {
    let env = Env::new(None).await;
    let user = env.user("2015550127").await;
    let (device, _) = env.device(user).await;
    let first = env.ask(user, json!({})).await["uuid"]
        .as_str()
        .unwrap()
        .to_owned();

    let page = device.poll(0, 0).await.unwrap();
    assert_eq!(page.events.len(), 1);
    assert_eq!(page.events[0].request.uuid, first);
    let last = page.last;

    // Nothing new: the poll waits until a request is created, then answers at once.
    let started = std::time::Instant::now();
    let asker = {
        let base = env.base.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(400)).await;
            reqwest::Client::new()
                .post(format!(
                    "{base}/onetouch/json/users/{user}/approval_requests"
                ))
                .header("X-Authy-API-Key", KEY)
                .json(&json!({"message": "second"}))
                .send()
                .await
                .unwrap()
        })
    };
    let page = device.poll(last, 20).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(page.events.len(), 1);
    assert_eq!(page.events[0].request.message, "second");
    assert!(page.last > last);
    asker.await.unwrap();

    // An expired request comes as a status change to devices that follow after it.
    let uuid = env.ask(user, json!({"seconds_to_expire": 1})).await["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(twofold_server::api::expire_overdue(&env.state).await, 1);
    let page = device.poll(page.last, 0).await.unwrap();
    let statuses: Vec<(String, String)> = page
        .events
        .iter()
        .map(|e| (e.request.uuid.clone(), e.request.status.as_str().to_owned()))
        .collect();
    assert!(statuses.contains(&(uuid, "expired".into())), "{statuses:?}");
}

#[tokio::test]
async fn callbacks_are_retried_until_the_website_takes_them() {
    let (callback_url, seen) = receiver(2).await;
    let env = Env::new(Some(&callback_url)).await;
    let user = env.user("2015550128").await;
    let (device, _) = env.device(user).await;
    let uuid = env.ask(user, json!({})).await["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    device.answer(&uuid, Decision::Deny, None).await.unwrap();
    // Two refusals (503), then delivered: 1 s and 2 s of backoff.
    wait_for_callbacks(&seen, 3).await;
    let states = loop {
        let states = env.state.db.callbacks_of(&uuid).await.unwrap();
        if states[0].0 == "delivered" {
            break states;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(states, vec![("delivered".to_owned(), 3, None)]);
    let bodies: Vec<String> = seen.lock().unwrap().iter().map(|s| s.2.clone()).collect();
    assert!(bodies.iter().all(|b| b.contains("\"status\":\"denied\"")));
}

#[tokio::test]
async fn the_stream_resumes_after_last_event_id_across_pages() {
    use twofold_server::store::ApprovalRow;
    let env = Env::new(None).await;
    let user = env.user("2015550129").await;
    let (device, _) = env.device(user).await;
    // 250 requests, each created and then expired: 500 events, more than one page.
    let now = env.state.now();
    for i in 0..250 {
        let row = ApprovalRow {
            uuid: format!("00000000-0000-4000-8000-{i:012}"),
            app_id: 1,
            user_id: user,
            message: format!("request {i}"),
            details: "{}".into(),
            hidden_details: "{}".into(),
            logos: "[]".into(),
            seconds_to_expire: 1,
            status: protocol::RequestStatus::Pending,
            created_at: now - 10,
            updated_at: now - 10,
            processed_at: None,
            number: None,
            reason: None,
            device_uuid: None,
            device_signature: None,
            signed_at: None,
            requester: None,
        };
        env.state.db.insert_approval(&row, i64::MAX).await.unwrap();
    }
    assert_eq!(twofold_server::api::expire_overdue(&env.state).await, 250);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut last = Some(0);
    let record = seen.clone();
    let mut on_event = move |e: Event| record.lock().unwrap().push((e.seq, e.request.status));
    let _ = tokio::time::timeout(
        Duration::from_secs(3),
        device.stream_once(&mut last, &mut on_event, &mut || {}),
    )
    .await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 500, "every event after Last-Event-ID 0");
    assert!(
        seen.windows(2).all(|w| w[0].0 < w[1].0),
        "in order, once each"
    );
    assert_eq!(last, Some(seen[499].0));
    // Resuming after the 300th sees the last 200 only.
    let from = seen[299].0;
    let more = Arc::new(Mutex::new(Vec::new()));
    let record = more.clone();
    let mut on_event = move |e: Event| record.lock().unwrap().push(e.seq);
    let mut last = Some(from);
    let _ = tokio::time::timeout(
        Duration::from_secs(3),
        device.stream_once(&mut last, &mut on_event, &mut || {}),
    )
    .await;
    assert_eq!(more.lock().unwrap().len(), 200);
}

/// A callback server that never answers its first request (it hangs, holding the connection)
/// and records and takes every later one.
async fn hanging_first() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let app = Router::new().fallback(move |req: axum::extract::Request| {
        let record = record.clone();
        let calls = calls.clone();
        async move {
            if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                std::future::pending::<()>().await;
            }
            let headers = req.headers().clone();
            let uri = req.uri().to_string();
            let body = axum::body::to_bytes(req.into_body(), usize::MAX)
                .await
                .unwrap();
            record.lock().unwrap().push((
                headers,
                uri,
                String::from_utf8_lossy(&body).into_owned(),
            ));
            StatusCode::OK
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/authy/callback", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

/// Finding 7: a callback answered with a redirect is not followed (a website's callback server
/// could otherwise bounce Twofold's signed POST to an internal address); it counts as a failed
/// attempt and is retried at the URL the application registered.
#[tokio::test]
async fn callbacks_do_not_follow_redirects() {
    let (internal, reached) = receiver(0).await;
    let bounced: Seen = Arc::default();
    let record = bounced.clone();
    let bouncer = Router::new().fallback(move |req: axum::extract::Request| {
        let record = record.clone();
        let to = internal.clone();
        async move {
            record.lock().unwrap().push((
                req.headers().clone(),
                req.uri().to_string(),
                String::new(),
            ));
            (
                StatusCode::TEMPORARY_REDIRECT,
                [(axum::http::header::LOCATION, to)],
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let callback_url = format!("http://{}/authy/callback", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, bouncer).await });
    let env = Env::new(Some(&callback_url)).await;
    let user = env.user("2015550131").await;
    let (device, _) = env.device(user).await;
    let uuid = env.ask(user, json!({})).await["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    device.answer(&uuid, Decision::Approve, None).await.unwrap();
    wait_for_callbacks(&bounced, 1).await;
    // Time for a client that follows redirects to have done so.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        reached.lock().unwrap().is_empty(),
        "the redirect target was reached"
    );
    let states = env.state.db.callbacks_of(&uuid).await.unwrap();
    assert_eq!(states[0].0, "queued", "{states:?}");
    assert!(
        states[0].2.as_deref().unwrap_or("").contains("307"),
        "{states:?}"
    );
}

/// A graceful stop hands back the callbacks it was attempting, so the next server delivers them
/// at once rather than when the lease (25 s) runs out (`cargo xtask test` timed out on this).
#[tokio::test]
async fn a_graceful_stop_hands_back_its_callback_leases() {
    let (callback_url, seen) = hanging_first().await;
    let env = Env::new(Some(&callback_url)).await;
    let user = env.user("2015550132").await;
    let (device, _) = env.device(user).await;
    let uuid = env.ask(user, json!({})).await["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    device.answer(&uuid, Decision::Approve, None).await.unwrap();
    // The worker is now waiting on the callback server, holding the lease: the server stops.
    let mut released = 0;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        released = twofold_server::callbacks::release_leases(&env.state).await;
        if released > 0 {
            break;
        }
    }
    assert_eq!(released, 1, "the attempt in flight held a lease");
    // The next server on the same database delivers it at once, not a lease (25 s) later.
    let db = Db::connect(&format!(
        "sqlite://{}",
        env._dir.path().join("push.db").display()
    ))
    .await
    .unwrap();
    let next = AppState::new(
        db,
        ServerKey::from_hex(&"cd".repeat(32)).unwrap(),
        Delivery::outbox(env._dir.path().join("outbox2.jsonl")),
        Policy::default(),
        Limits::new(LimitSettings::default()),
    );
    tokio::spawn(twofold_server::callbacks::run(next));
    wait_for_callbacks(&seen, 1).await;
    assert!(
        seen.lock().unwrap()[0]
            .2
            .contains("\"status\":\"approved\"")
    );
}

/// A quiet stream stays open: its heartbeats (SSE comments every 15 s) count as life. The
/// client once timed the parsed events instead, so every idle device reconnected every 45 s
/// (the soak benchmark counted 128,000 reconnects for 10,000 devices in 10 minutes). Here the
/// silence limit is 20 s and the stream stays quiet for 32 s: one connection throughout.
#[tokio::test]
async fn a_quiet_stream_lives_on_its_heartbeats() {
    let env = Env::new(None).await;
    let user = env.user("775-461-5609").await;
    let (device, _) = env.device(user).await;
    let device = device.with_silence_limit(Duration::from_secs(20));
    let opened = Arc::new(Mutex::new(0));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let stream = {
        let opened = opened.clone();
        tokio::spawn(async move {
            let mut last = None;
            let mut on_event = move |e: Event| {
                let _ = tx.send(e);
            };
            let mut on_open = move || *opened.lock().unwrap() += 1;
            device
                .stream_once(&mut last, &mut on_event, &mut on_open)
                .await
        })
    };
    tokio::time::sleep(Duration::from_secs(32)).await;
    assert!(
        !stream.is_finished(),
        "the stream ended: {:?}",
        stream.await
    );
    let request = env.ask(user, json!({})).await;
    let event = next_event(&mut rx).await;
    assert_eq!(event.request.uuid, request["uuid"].as_str().unwrap());
    assert_eq!(*opened.lock().unwrap(), 1, "one connection throughout");
    stream.abort();
}

/// A keychain that answers reads but cannot store anything (full, or locked mid-way).
struct RefusingStore;

impl KeyStore for RefusingStore {
    fn get(&self, _: &str) -> Result<Option<Secret>, KeyStoreError> {
        Ok(None)
    }
    fn set(&self, _: &str, _: &Secret) -> Result<(), KeyStoreError> {
        Err(KeyStoreError::Platform {
            reason: "the keychain refused to store the item".into(),
        })
    }
    fn delete(&self, _: &str) -> Result<(), KeyStoreError> {
        Ok(())
    }
}

impl Env {
    /// The devices the website sees for a user.
    async fn devices_of(&self, user: i64) -> Vec<Value> {
        let (s, b) = self
            .api(
                "GET",
                &format!("/protected/json/users/{user}/devices"),
                json!({}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        b["devices"].as_array().unwrap().clone()
    }
}

#[tokio::test]
async fn an_enrollment_whose_key_cannot_be_kept_is_undone_at_the_server() {
    let env = Env::new(None).await;
    let user = env.user("2015550181").await;
    let link = EnrollmentLink::parse(env.enrollment(user).await["uri"].as_str().unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::beside(
        &dir.path().join("vault.tfv"),
        twofold_core::clock::SystemClock::shared(),
    );
    let err = registry
        .enroll(&RefusingStore, &link, "laptop", "linux")
        .await
        .unwrap_err();
    assert!(matches!(err, EnrollError::KeyNotKept(_)), "{err:?}");
    assert!(err.to_string().contains("undone"), "{err}");
    // Nothing half-enrolled: not listed here, not a device at the server.
    assert!(registry.list().unwrap().is_empty());
    assert!(env.devices_of(user).await.is_empty());
}

#[tokio::test]
async fn enrolling_and_removing_a_device_goes_through_the_server_and_the_keychain() {
    let env = Env::new(None).await;
    let user = env.user("2015550182").await;
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::beside(
        &dir.path().join("vault.tfv"),
        twofold_core::clock::SystemClock::shared(),
    );
    let keys = Keychain::with_store(keyring_core::mock::Store::new().unwrap());

    let link = EnrollmentLink::parse(env.enrollment(user).await["uri"].as_str().unwrap()).unwrap();
    let done = registry
        .enroll(&keys, &link, "laptop", "linux")
        .await
        .unwrap();
    assert_eq!(registry.list().unwrap(), vec![done.record.clone()]);
    assert_eq!(done.account.issuer, "Acme");
    assert_eq!(env.devices_of(user).await.len(), 1);
    // The link was used up: a second enrollment from it fails before anything is kept.
    let again = registry
        .enroll(&keys, &link, "thief", "linux")
        .await
        .unwrap_err();
    assert!(matches!(again, EnrollError::Server { .. }), "{again:?}");
    assert_eq!(registry.list().unwrap().len(), 1);

    let removed = registry
        .remove_device(&keys, &done.record.uuid)
        .await
        .unwrap();
    assert_eq!(removed, done.record);
    assert!(registry.list().unwrap().is_empty());
    assert!(env.devices_of(user).await.is_empty());
    assert!(matches!(
        registry.remove_device(&keys, &done.record.uuid).await,
        Err(RemoveError::NotFound(_))
    ));

    // A device the website revoked already is only forgotten here.
    let link = EnrollmentLink::parse(env.enrollment(user).await["uri"].as_str().unwrap()).unwrap();
    let second = registry
        .enroll(&keys, &link, "desk", "linux")
        .await
        .unwrap();
    let (s, b) = env
        .api(
            "POST",
            &format!(
                "/protected/json/users/{user}/devices/{}/delete",
                second.record.uuid
            ),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    registry
        .remove_device(&keys, &second.record.uuid)
        .await
        .unwrap();
    assert!(registry.list().unwrap().is_empty());
}

#[tokio::test]
async fn a_bad_query_string_is_refused_in_the_authy_envelope() {
    let env = Env::new(None).await;
    let user = env.user("2015550183").await;
    let (device, key) = env.device(user).await;
    let now = twofold_core::clock::Clock::unix_seconds(&twofold_core::clock::SystemClock) as i64;
    let (status, body) = env
        .signed(
            device.uuid(),
            &key,
            "/device/v1/requests?after=soon",
            now,
            "n-bad-query",
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["error_code"], "60002", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("query string"),
        "{body}"
    );
}

/// A server that stops ends each device stream with a `reconnect` event and `retry: 0` (the
/// device reconnects at once, through the load balancer to another server), after the events it
/// had to send.
#[tokio::test]
async fn a_stopping_server_tells_streams_to_reconnect() {
    use futures_util::StreamExt;
    let env = Env::new(None).await;
    let user = env.user("775-461-5633").await;
    let (_device, key) = env.device(user).await;
    let response = env.open_stream(user, &key, "reconnect-hint-nonce").await;
    let mut body = response.bytes_stream();
    // The stream is open; the server starts stopping.
    tokio::time::sleep(Duration::from_millis(200)).await;
    env.state.hub.close_streams();
    let mut seen = String::new();
    let read = async {
        while let Some(chunk) = body.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("the stream ends");
    assert!(
        seen.contains("event: reconnect") && seen.contains("retry: 0"),
        "the stream's last words: {seen:?}"
    );
}

/// A stream holds its user's wake-up channel and counts as open only while the device listens:
/// when the device hangs up, the server forgets both (no channel left per user who once listened).
#[tokio::test]
async fn a_closed_stream_leaves_nothing_behind() {
    use futures_util::StreamExt;
    let env = Env::new(None).await;
    let user = env.user("775-461-5634").await;
    let (_device, key) = env.device(user).await;
    let streams = || {
        env.state
            .metrics
            .streams
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    let a = env.open_stream(user, &key, "leave-nothing-1").await;
    let b = env.open_stream(user, &key, "leave-nothing-2").await;
    let (mut a, b) = (a.bytes_stream(), b.bytes_stream());
    assert_eq!(
        (env.state.hub.topics(), streams()),
        (1, 2),
        "two streams, one user"
    );
    drop(b);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while streams() != 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "the hung-up stream is still counted"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(env.state.hub.topics(), 1, "the other stream still listens");
    // The remaining stream still gets what is created.
    env.ask(user, json!({"message": "still listening"})).await;
    let mut seen = String::new();
    while !seen.contains("still listening") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), a.next())
            .await
            .expect("an event")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    drop(a);
    while streams() != 0 || env.state.hub.topics() != 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "a hung-up stream left its channel"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
