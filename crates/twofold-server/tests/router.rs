//! Every endpoint and every documented error through the router in-process
//! (`tower::ServiceExt::oneshot`), with the request shapes each official client puts on the wire:
//! Python (JSON bodies, header key), npm `authy` (form bodies even on GET, key in the query),
//! authy-client (JSON body on a GET), go-authy (key in the form body).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use twofold_core::otp::{Algorithm, Method, OtpParams};
use twofold_push::protocol::{self, DeviceKey, EnrollmentLink};
use twofold_server::crypto::{self, ServerKey};
use twofold_server::delivery::Delivery;
use twofold_server::limits::{LimitSettings, Limits};
use twofold_server::state::{AppState, Policy};
use twofold_server::store::Db;

const KEY: &str = "router-test-key";

struct T {
    app: Router,
    state: AppState,
    outbox: PathBuf,
    /// Seeds of the devices enrolled so far, by user.
    devices: Mutex<HashMap<i64, Vec<u8>>>,
    _dir: tempfile::TempDir,
}

impl T {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        // A file, so the SQLite hot path (rusqlite reads and claims) is what these tests drive.
        let db = Db::connect(&format!(
            "sqlite://{}",
            dir.path().join("router.db").display()
        ))
        .await
        .unwrap();
        let key = ServerKey::from_hex(&"ab".repeat(32)).unwrap();
        db.create_app(
            "Acme",
            &crypto::hash(KEY),
            Some(&key.seal(twofold_server::crypto::Purpose::ApiKey, KEY.as_bytes())),
            7,
            0,
        )
        .await
        .unwrap();
        let outbox = dir.path().join("outbox.jsonl");
        let state = AppState::new(
            db,
            key,
            Delivery::outbox(outbox.clone()),
            Policy::default(),
            Limits::new(LimitSettings::default()),
        );
        Self {
            app: twofold_server::router(state.clone()),
            state,
            outbox,
            devices: Mutex::default(),
            _dir: dir,
        }
    }

    async fn raw(
        &self,
        method: &str,
        uri: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
        header_key: bool,
    ) -> (StatusCode, Vec<u8>) {
        let mut req = Request::builder().method(method).uri(uri);
        if header_key {
            req = req.header("X-Authy-API-Key", KEY);
        }
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        req = req.header("host", "api.test");
        let resp = self
            .app
            .clone()
            .oneshot(req.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        (
            status,
            resp.into_body()
                .collect()
                .await
                .unwrap()
                .to_bytes()
                .to_vec(),
        )
    }

    /// Python style: header key, JSON body on POST, query on GET.
    async fn py(&self, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
        let (ct, bytes) = match body {
            Some(b) => (Some("application/json"), serde_json::to_vec(&b).unwrap()),
            None => (None, Vec::new()),
        };
        let (s, b) = self.raw(method, uri, ct, bytes, true).await;
        (
            s,
            serde_json::from_slice(&b)
                .unwrap_or_else(|_| json!({"raw": String::from_utf8_lossy(&b)})),
        )
    }

    /// npm style: key in the query, form body (also on GET).
    async fn npm(&self, method: &str, uri: &str, form: &str) -> (StatusCode, Value) {
        let sep = if uri.contains('?') { '&' } else { '?' };
        let (s, b) = self
            .raw(
                method,
                &format!("{uri}{sep}api_key={KEY}"),
                Some("application/x-www-form-urlencoded"),
                form.as_bytes().to_vec(),
                false,
            )
            .await;
        (s, serde_json::from_slice(&b).unwrap())
    }

    async fn user(&self) -> i64 {
        let (s, b) = self.py("POST", "/protected/json/users/new", Some(json!({"user":{"email":"a@b.co","cellphone":"775-461-5609","country_code":1},"send_install_link_via_sms":false}))).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        b["user"]["id"].as_i64().unwrap()
    }

    /// Another user (the `n`th phone number), distinct from [`T::user`]'s.
    async fn other_user(&self, n: u32) -> i64 {
        let (s, b) = self
            .py(
                "POST",
                "/protected/json/users/new",
                Some(json!({"user":{"email":format!("u{n}@b.co"),
                    "cellphone":format!("775-461-{:04}", 6000 + n),"country_code":1}})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        b["user"]["id"].as_i64().unwrap()
    }

    fn outbox(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.outbox)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The app code (the application's 7 digits) of the user's device for the step
    /// `step_offset` from now; the first call enrolls a device through the router.
    async fn app_seed_code(&self, id: i64, step_offset: i64) -> String {
        let seed = self.device_seed(id).await;
        let now = twofold_core::clock::Clock::unix_seconds(&twofold_core::clock::SystemClock);
        let step = (now as i64 / 30 + step_offset) as u64;
        OtpParams::new(Method::Totp { period: 30 }, Algorithm::Sha1, 7)
            .unwrap()
            .code_for_counter(&seed, step)
            .to_string()
    }

    /// The TOTP seed of the user's enrolled device (enrolled on first use, as the desktop app
    /// does: an enrollment, then the device's signed-up key).
    async fn device_seed(&self, id: i64) -> Vec<u8> {
        if let Some(seed) = self.devices.lock().unwrap().get(&id) {
            return seed.clone();
        }
        let (s, b) = self
            .py(
                "POST",
                &format!("/protected/json/users/{id}/devices/enrollments"),
                Some(json!({})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let link = EnrollmentLink::parse(b["enrollment"]["uri"].as_str().unwrap()).unwrap();
        let key = DeviceKey::generate().unwrap();
        let public_key = key.public_b64();
        let body = json!({
            "id": link.id,
            "secret": link.secret.as_str(),
            "proof": key.sign(&protocol::enroll_string(&link.id, &public_key)),
            "public_key": public_key,
            "name": "router test",
            "platform": "linux",
        });
        let (s, bytes) = self
            .raw(
                "POST",
                "/device/v1/enroll",
                Some("application/json"),
                serde_json::to_vec(&body).unwrap(),
                false,
            )
            .await;
        let b: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(s, StatusCode::OK, "{b}");
        let seed = data_encoding::BASE32_NOPAD
            .decode(b["account"]["secret"].as_str().unwrap().as_bytes())
            .unwrap();
        self.devices.lock().unwrap().insert(id, seed.clone());
        seed
    }
}

fn assert_error(status: StatusCode, body: &Value, want_status: u16, code: &str) {
    assert_eq!(status.as_u16(), want_status, "{body}");
    assert_eq!(body["error_code"], code, "{body}");
    assert_eq!(body["success"], false, "{body}");
    assert!(body["message"].is_string());
}

// ----- users -----

#[tokio::test]
async fn create_user_python_npm_and_authy_client_shapes_give_one_id() {
    let t = T::new().await;
    let id = t.user().await;
    let (s, b) = t
        .npm(
            "POST",
            "/protected/json/users/new?send_install_link_via_sms=true",
            "user%5Bemail%5D=a%40b.co&user%5Bcellphone%5D=775.461.5609&user%5Bcountry_code%5D=1",
        )
        .await;
    assert_eq!((s, b["user"]["id"].as_i64()), (StatusCode::OK, Some(id)));
    assert_eq!(b["message"], "User created successfully.");
    let (s, b) = t
        .py(
            "POST",
            "/protected/json/users/new",
            Some(json!({"user":{"cellphone":"7754615609","country_code":"1","email":"new@b.co"}})),
        )
        .await;
    assert_eq!((s, b["user"]["id"].as_i64()), (StatusCode::OK, Some(id)));
}

#[tokio::test]
async fn create_user_field_errors() {
    let t = T::new().await;
    let (s, b) = t.py("POST", "/protected/json/users/new", Some(json!({"user":{"email":"not-an-email","cellphone":"775-461-5609","country_code":1}}))).await;
    assert_error(s, &b, 400, "60027");
    assert_eq!(
        (
            b["email"].as_str(),
            b["errors"]["email"].as_str(),
            b["message"].as_str()
        ),
        (
            Some("is invalid"),
            Some("is invalid"),
            Some("User was not valid")
        )
    );
    let (s, b) = t
        .py(
            "POST",
            "/protected/json/users/new",
            Some(json!({"user":{"email":"a@b.co","cellphone":"123","country_code":1}})),
        )
        .await;
    assert_error(s, &b, 400, "60027");
    assert_eq!(b["cellphone"], "is invalid");
    let (s, b) = t
        .py(
            "POST",
            "/protected/json/users/new",
            Some(json!({"user":{"email":"a@b.co"}})),
        )
        .await;
    assert_error(s, &b, 400, "60027");
    assert_eq!(b["country_code"], "can't be blank");
}

#[tokio::test]
async fn user_status_with_a_json_body_on_get() {
    let t = T::new().await;
    let id = t.user().await;
    let (s, b) = t
        .raw(
            "GET",
            &format!("/protected/json/users/{id}/status"),
            Some("application/json"),
            br#"{"user_ip":"127.0.0.1"}"#.to_vec(),
            true,
        )
        .await;
    let b: Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["message"], "User status.");
    let st = &b["status"];
    assert_eq!(
        (
            st["authy_id"].as_i64(),
            st["confirmed"].as_bool(),
            st["registered"].as_bool(),
            st["has_hard_token"].as_bool()
        ),
        (Some(id), Some(true), Some(false), Some(false))
    );
    assert_eq!(
        (st["country_code"].as_i64(), st["phone_number"].as_str()),
        (Some(1), Some("XXX-XXX-5609"))
    );
    assert!(st["devices"].is_array());
}

#[tokio::test]
async fn unknown_users() {
    let t = T::new().await;
    for uri in [
        "/protected/json/users/999/status",
        "/protected/json/users/tony/status",
        "/protected/json/sms/999",
        "/protected/json/verify/1234567/999",
    ] {
        let (s, b) = t.py("GET", uri, None).await;
        assert_error(s, &b, 404, "60026");
        assert_eq!(b["message"], "User not found.");
    }
}

#[tokio::test]
async fn three_delete_paths() {
    let t = T::new().await;
    for (method, path) in [
        ("remove", "/protected/json/users/{}/remove"),
        ("delete", "/protected/json/users/{}/delete"),
        ("npm", "/protected/json/users/delete/{}"),
    ] {
        let id = t.user().await;
        let uri = path.replace("{}", &id.to_string());
        let (s, b) = if method == "npm" {
            t.npm("POST", &uri, "").await
        } else {
            t.py("POST", &uri, Some(json!({}))).await
        };
        assert_eq!(s, StatusCode::OK, "{method}: {b}");
        assert_eq!(b["success"], true);
        let (s, b) = t
            .py("GET", &format!("/protected/json/users/{id}/status"), None)
            .await;
        assert_error(s, &b, 404, "60026");
    }
}

#[tokio::test]
async fn register_activity() {
    let t = T::new().await;
    let id = t.user().await;
    let uri = format!("/protected/json/users/{id}/register_activity");
    let (s, b) = t.py("POST", &uri, Some(json!({"data":{"reason":"foo","nested":{"a":1}},"type":"banned","user_ip":"86.112.56.34"}))).await;
    assert_eq!(
        (s, b["message"].as_str()),
        (StatusCode::OK, Some("Activity was created."))
    );
    let (s, b) = t.py("POST", &uri, Some(json!({"type":"jumped"}))).await;
    assert_error(s, &b, 400, "60029");
    assert_eq!(
        b["message"],
        "You can only create the following activities: password_reset, banned, unbanned, cookie_login."
    );
}

#[tokio::test]
async fn secret_and_its_qr_image() {
    let t = T::new().await;
    let id = t.user().await;
    let (s, b) = t
        .py(
            "POST",
            &format!("/protected/json/users/{id}/secret"),
            Some(json!({"qr_size":300,"label":"My Label"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let url = b["qr_code"].as_str().unwrap();
    assert!(url.starts_with("http://api.test/qr/"), "{url}");
    let path = url.trim_start_matches("http://api.test");
    let (s, png) = t.raw("GET", path, None, Vec::new(), false).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        twofold_core::qr::decode_image(&png).unwrap(),
        [b["uri"].as_str().unwrap()]
    );
    let draft = twofold_core::otpauth::parse(b["uri"].as_str().unwrap()).unwrap();
    assert_eq!(
        (draft.issuer.as_str(), draft.name.as_str()),
        ("Acme", "My Label")
    );
    // The secret is kept: a second call gives the same one.
    let (_, again) = t
        .py(
            "POST",
            &format!("/protected/json/users/{id}/secret"),
            Some(json!({})),
        )
        .await;
    assert_eq!(again["secret"], b["secret"]);
}

// ----- SMS, calls, email -----

#[tokio::test]
async fn sms_call_and_email_reach_the_outbox() {
    let t = T::new().await;
    let id = t.user().await;
    let (s, b) = t
        .npm("GET", &format!("/protected/json/sms/{id}?force=true"), "")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        b,
        json!({"success":true,"message":"SMS token was sent","cellphone":"+1-XXX-XXX-XX09"})
    );
    let (s, b) = t
        .py(
            "GET",
            &format!("/protected/json/call/{id}?force=True"),
            None,
        )
        .await;
    assert_eq!(
        (s, b["message"].as_str()),
        (StatusCode::OK, Some("Call started..."))
    );
    let (s, b) = t
        .py(
            "POST",
            &format!("/protected/json/email/{id}"),
            Some(json!({})),
        )
        .await;
    assert_eq!((s, b["email"].as_str()), (StatusCode::OK, Some("a@b.co")));
    let sent = t.outbox();
    let channels: Vec<&str> = sent
        .iter()
        .map(|m| m["channel"].as_str().unwrap())
        .collect();
    assert_eq!(channels, ["sms", "call", "email"]);
    assert_eq!(sent[0]["to"], "+17754615609");
    assert_eq!(sent[0]["code"].as_str().unwrap().len(), 7);
}

#[tokio::test]
async fn sms_is_ignored_for_app_users_unless_forced() {
    let t = T::new().await;
    let id = t.user().await;
    sqlx::query("INSERT INTO devices (user_id, device_type, os_type, created_at) VALUES ($1, 'twofold', 'linux', 0)")
        .bind(id)
        .execute(t.state.db.pool())
        .await
        .unwrap();
    let (s, b) = t
        .py("GET", &format!("/protected/json/sms/{id}"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["ignored"], true);
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .starts_with("Ignored: SMS is not needed for smartphones.")
    );
    let (_, b) = t
        .py("GET", &format!("/protected/json/call/{id}"), None)
        .await;
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .contains("User is using  App Tokens")
    );
    assert!(t.outbox().is_empty());
    let (_, b) = t
        .py("GET", &format!("/protected/json/sms/{id}?force=true"), None)
        .await;
    assert_eq!(b["message"], "SMS token was sent");
}

#[tokio::test]
async fn disabled_channels() {
    let t = T::new().await;
    let id = t.user().await;
    let mut app = t.state.db.app_by_name("Acme").await.unwrap().unwrap();
    app.sms_enabled = false;
    app.calls_enabled = false;
    t.state.db.update_app(&app).await.unwrap();
    let (s, b) = t
        .py("GET", &format!("/protected/json/sms/{id}?force=true"), None)
        .await;
    assert_error(s, &b, 503, "60007");
    let (s, b) = t
        .py(
            "GET",
            &format!("/protected/json/call/{id}?force=true"),
            None,
        )
        .await;
    assert_error(s, &b, 503, "60006");
}

#[tokio::test]
async fn delivery_failure_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = T::new().await;
    t.state = t.state.with_delivery(Delivery::outbox(
        dir.path().join("missing-dir/outbox.jsonl"),
    ));
    t.app = twofold_server::router(t.state.clone());
    let id = t.user().await;
    let (s, b) = t
        .py("GET", &format!("/protected/json/sms/{id}?force=true"), None)
        .await;
    assert_error(s, &b, 503, "60015");
    // What went wrong is in the server's log; the API client learns nothing of its files.
    assert!(!b.to_string().contains("missing-dir"), "{b}");
}

// ----- verify -----

#[tokio::test]
async fn verify_app_code_compact_and_replay_protected() {
    let t = T::new().await;
    let id = t.user().await;
    let code = t.app_seed_code(id, 0).await;
    let (s, raw) = t
        .raw(
            "GET",
            &format!("/protected/json/verify/{code}/{id}?force=true"),
            None,
            Vec::new(),
            true,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let text = String::from_utf8(raw).unwrap();
    assert!(
        text.contains(r#""token":"is valid""#),
        "Python's byte test: {text}"
    );
    assert!(text.contains(r#""success":"true""#), "{text}");
    assert!(text.contains(r#""message":"Token is valid.""#), "{text}");
    let (s, b) = t
        .py(
            "GET",
            &format!("/protected/json/verify/{code}/{id}?force=true"),
            None,
        )
        .await;
    assert_error(s, &b, 401, "60020");
    assert_eq!(
        (b["token"].as_str(), b["message"].as_str()),
        (Some("is invalid"), Some("Token is invalid"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_verifications_of_one_code_accept_exactly_one() {
    let t = T::new().await;
    let mut ids = Vec::new();
    for n in 0..20 {
        ids.push(t.other_user(n).await);
    }
    // 20 users × 8 concurrent tries of the same code: the group-committed claims must grant
    // each (user, step) once, even when tries of one code share a batch.
    let mut tries = tokio::task::JoinSet::new();
    for &id in &ids {
        let code = t.app_seed_code(id, 0).await;
        for _ in 0..8 {
            let app = t.app.clone();
            let uri = format!("/protected/json/verify/{code}/{id}?force=true&api_key={KEY}");
            tries.spawn(async move {
                let req = Request::get(uri).body(Body::empty()).unwrap();
                let r = app.oneshot(req).await.unwrap();
                let status = r.status();
                let body = to_bytes(r.into_body(), usize::MAX).await.unwrap();
                (id, status, String::from_utf8_lossy(&body).into_owned())
            });
        }
    }
    let mut accepted = std::collections::HashMap::new();
    while let Some(done) = tries.join_next().await {
        let (id, status, body) = done.unwrap();
        if status == StatusCode::OK {
            *accepted.entry(id).or_insert(0) += 1;
        } else {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        }
    }
    for id in ids {
        assert_eq!(accepted.get(&id), Some(&1), "user {id}");
    }
}

#[tokio::test]
async fn pruning_keeps_usable_claims_and_drops_expired_ones() {
    let t = T::new().await;
    let id = t.user().await;
    let code = t.app_seed_code(id, 0).await;
    let verify = format!("/protected/json/verify/{code}/{id}?force=true");
    let (s, _) = t.py("GET", &verify, None).await;
    assert_eq!(s, StatusCode::OK);
    let now = t.state.now();
    let oldest = twofold_server::api::oldest_usable_step(now);
    assert_eq!(t.state.db.prune(oldest, now).await.unwrap(), 0);
    let (s, _) = t.py("GET", &verify, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "still a replay after pruning");
    // Three steps later the claim can never matter again, and it goes.
    assert_eq!(t.state.db.prune(oldest + 3, now).await.unwrap(), 1);
}

#[tokio::test]
async fn verify_accepts_one_step_either_side() {
    let t = T::new().await;
    let id = t.user().await;
    for offset in [-1, 1] {
        let code = t.app_seed_code(id, offset).await;
        let (s, b) = t
            .py(
                "GET",
                &format!("/protected/json/verify/{code}/{id}?force=true"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "offset {offset}: {b}");
    }
    let code = t.app_seed_code(id, 3).await;
    let (s, _) = t
        .py(
            "GET",
            &format!("/protected/json/verify/{code}/{id}?force=true"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn verify_sent_codes_once() {
    let t = T::new().await;
    let id = t.user().await;
    t.py("GET", &format!("/protected/json/sms/{id}?force=true"), None)
        .await;
    let code = t.outbox()[0]["code"].as_str().unwrap().to_owned();
    let (s, _) = t
        .py(
            "GET",
            &format!("/protected/json/verify/{code}/{id}?force=true"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = t
        .py(
            "GET",
            &format!("/protected/json/verify/{code}/{id}?force=true"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn without_force_tokens_are_checked_unless_the_app_opts_into_authys_quirk() {
    let t = T::new().await;
    let id = t.user().await;
    // npm `authy`'s verify(id, token) sends no `force`: every token is still checked.
    let (s, b) = t
        .npm("GET", &format!("/protected/json/verify/0000000/{id}"), "")
        .await;
    assert_error(s, &b, 401, "60020");
    let code = t.app_seed_code(id, 0).await;
    let (s, b) = t
        .npm("GET", &format!("/protected/json/verify/{code}/{id}"), "")
        .await;
    assert_eq!(s, StatusCode::OK, "a correct code still passes: {b}");

    // The operator's opt-in: Authy's documented behaviour for users who never verified.
    let mut app = t.state.db.app_by_id(1).await.unwrap().unwrap();
    app.authy_unverified_quirk = true;
    t.state.db.update_app(&app).await.unwrap();
    let (s, b) = t
        .py(
            "POST",
            "/protected/json/users/new",
            Some(json!({"user":{"email":"n@b.co","cellphone":"775-461-5610","country_code":1}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let fresh = b["user"]["id"].as_i64().unwrap();
    let (s, _) = t
        .npm(
            "GET",
            &format!("/protected/json/verify/0000000/{fresh}"),
            "",
        )
        .await;
    assert_eq!(
        s,
        StatusCode::OK,
        "Authy (opted in): until the first real login any token is valid without force"
    );
    let (s, _) = t
        .npm(
            "GET",
            &format!("/protected/json/verify/0000000/{fresh}?force=true"),
            "",
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let code = t.app_seed_code(fresh, 0).await;
    t.py(
        "GET",
        &format!("/protected/json/verify/{code}/{fresh}?force=true"),
        None,
    )
    .await;
    let (s, _) = t
        .npm(
            "GET",
            &format!("/protected/json/verify/0000000/{fresh}"),
            "",
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "after a real login, force is implied"
    );
}

#[tokio::test]
async fn repeated_failures_lock_the_user() {
    let t = T::new().await;
    let id = t.user().await;
    for _ in 0..10 {
        let (s, _) = t
            .py(
                "GET",
                &format!("/protected/json/verify/0000000/{id}?force=true"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let code = t.app_seed_code(id, 0).await;
    let (s, b) = t
        .py(
            "GET",
            &format!("/protected/json/verify/{code}/{id}?force=true"),
            None,
        )
        .await;
    assert_error(s, &b, 429, "60003");
}

#[tokio::test]
async fn malformed_tokens_are_invalid() {
    let t = T::new().await;
    let id = t.user().await;
    for token in ["12", "abcdefg", "1234567890123"] {
        let (s, b) = t
            .py(
                "GET",
                &format!("/protected/json/verify/{token}/{id}?force=true"),
                None,
            )
            .await;
        assert_error(s, &b, 401, "60020");
    }
}

// ----- application -----

#[tokio::test]
async fn app_details_and_stats() {
    let t = T::new().await;
    t.user().await;
    let (s, b) = t
        .py("GET", "/protected/json/app/details?user_ip=127.0.0.1", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["message"], "Application information.");
    assert_eq!(
        (
            b["app"]["app_id"].as_i64(),
            b["app"]["name"].as_str(),
            b["app"]["sms_enabled"].as_bool()
        ),
        (Some(1), Some("Acme"), Some(true))
    );
    assert!(b["app"]["plan"].is_string());
    let (s, b) = t.py("GET", "/protected/json/app/stats", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (
            b["message"].as_str(),
            b["total_users"].as_i64(),
            b["count"].as_i64()
        ),
        (Some("Monthly statistics."), Some(1), Some(1))
    );
    let month = b["stats"][0].as_object().unwrap();
    let mut keys: Vec<&str> = month.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "api_calls_count",
            "auths_count",
            "calls_count",
            "month",
            "sms_count",
            "users_count",
            "year"
        ]
    );
    assert_eq!(month["users_count"], 1);
}

// ----- phones -----

#[tokio::test]
async fn phone_verification_with_npm_form_bodies_on_get() {
    let t = T::new().await;
    let (s, b) = t
        .npm(
            "POST",
            "/protected/json/phones/verification/start",
            "phone_number=775-461-5609&country_code=1&via=sms&code_length=6",
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        (
            b["message"].as_str(),
            b["is_cellphone"].is_boolean(),
            b["is_ported"].as_bool()
        ),
        (
            Some("Text message sent to +1 775-461-5609."),
            true,
            Some(false)
        )
    );
    assert_eq!(b["seconds_to_expire"], 599);
    let code = t.outbox()[0]["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 6);
    let (s, b) = t
        .npm(
            "GET",
            "/protected/json/phones/verification/status",
            "phone_number=775-461-5609&country_code=1",
        )
        .await;
    assert_eq!((s, b["status"].as_str()), (StatusCode::OK, Some("pending")));
    let (s, b) = t
        .npm(
            "GET",
            "/protected/json/phones/verification/check",
            "phone_number=775-461-5609&country_code=1&verification_code=000000",
        )
        .await;
    assert_error(s, &b, 401, "60022");
    let (s, b) = t
        .npm(
            "GET",
            "/protected/json/phones/verification/check",
            &format!("phone_number=775-461-5609&country_code=1&verification_code={code}"),
        )
        .await;
    assert_eq!(
        (s, b["message"].as_str()),
        (StatusCode::OK, Some("Verification code is correct."))
    );
    let (s, b) = t
        .npm(
            "GET",
            "/protected/json/phones/verification/check",
            &format!("phone_number=775-461-5609&country_code=1&verification_code={code}"),
        )
        .await;
    assert_error(s, &b, 404, "60023");
    assert_eq!(
        b["message"],
        "No pending verifications for +1 775-461-5609 found."
    );
}

#[tokio::test]
async fn phone_verification_by_call_and_parameter_errors() {
    let t = T::new().await;
    let (s, b) = t
        .py(
            "POST",
            "/protected/json/phones/verification/start",
            Some(json!({"country_code":1,"locale":"es","phone_number":"7754615609","via":"call"})),
        )
        .await;
    assert_eq!(
        (s, b["message"].as_str()),
        (StatusCode::OK, Some("Call to +1 775-461-5609 initiated"))
    );
    assert_eq!(
        t.outbox()[0]["code"].as_str().unwrap().len(),
        4,
        "authy-client never sends code_length: 4 digits"
    );
    let (s, b) = t
        .py(
            "POST",
            "/protected/json/phones/verification/start",
            Some(json!({"phone_number":"7754615609","via":"sms"})),
        )
        .await;
    assert_error(s, &b, 400, "60004");
    assert_eq!(
        b["message"],
        "Invalid parameter: country_code - Parameter is required"
    );
    let (s, b) = t
        .py(
            "POST",
            "/protected/json/phones/verification/start",
            Some(json!({"country_code":1,"phone_number":"12","via":"sms"})),
        )
        .await;
    assert_error(s, &b, 400, "60033");
    assert_eq!(b["message"], "Phone number is invalid");
    let (s, b) = t
        .py(
            "POST",
            "/protected/json/phones/verification/start",
            Some(json!({"country_code":1,"phone_number":"7754615609","via":"pigeon"})),
        )
        .await;
    assert_error(s, &b, 400, "60004");
    let (s, b) = t
        .py(
            "POST",
            "/protected/json/phones/verification/start",
            Some(
                json!({"country_code":1,"phone_number":"7754615609","via":"sms","code_length":12}),
            ),
        )
        .await;
    assert_error(s, &b, 400, "60004");
}

#[tokio::test]
async fn phone_info() {
    let t = T::new().await;
    let (s, b) = t
        .py(
            "GET",
            "/protected/json/phones/info?country_code=1&phone_number=7754615609&user_ip=127.0.0.1",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let message = b["message"].as_str().unwrap();
    assert!(
        message.starts_with("Phone number information as of ") && message.ends_with(" UTC"),
        "{message}"
    );
    assert!(b["provider"].is_string() && b["type"].is_string() && b["ported"].is_boolean());
}

// ----- OneTouch -----

#[tokio::test]
async fn approval_request_python_shape_and_status_fields() {
    let t = T::new().await;
    let id = t.user().await;
    let (s, b) = t.py("POST", &format!("/onetouch/json/users/{id}/approval_requests"), Some(json!({"message":"Login requested","seconds_to_expire":null,"details":{},"hidden_details":{},"logos":[]}))).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let uuid = b["approval_request"]["uuid"].as_str().unwrap().to_owned();
    let (s, b) = t
        .py(
            "GET",
            &format!("/onetouch/json/approval_requests/{uuid}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let a = &b["approval_request"];
    assert!(a["_app_name"].is_string() && a["_app_serial_id"].is_i64() && a["_id"].is_string());
    assert_eq!(a["_authy_id"].as_i64(), Some(id));
    assert_eq!(a["_user_email"], "a@b.co");
    assert!(
        a["app_id"].is_string() && a["user_id"].is_string(),
        "authy-client needs strings"
    );
    assert!(a["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        (
            a["notified"].as_bool(),
            a["processed_at"].is_null(),
            a["status"].as_str()
        ),
        (Some(false), true, Some("pending"))
    );
    assert_eq!(
        (a["seconds_to_expire"].as_i64(), a["uuid"].as_str()),
        (Some(86400), Some(uuid.as_str()))
    );
}

#[tokio::test]
async fn approval_request_npm_and_ruby_form_shapes() {
    let t = T::new().await;
    let id = t.user().await;
    let form = "message=Login%20requested&details%5BAccount%20Number%5D=981266321&details%5Busername%5D=Bill%20Smith&hidden_details%5Bip_address%5D=10.10.3.203&logos%5B0%5D%5Bres%5D=default&logos%5B0%5D%5Burl%5D=https%3A%2F%2Fexample.com%2Fd.png&logos%5B1%5D%5Bres%5D=low&logos%5B1%5D%5Burl%5D=https%3A%2F%2Fexample.com%2Fl.png&seconds_to_expire=120";
    let (s, b) = t
        .npm(
            "POST",
            &format!("/onetouch/json/users/{id}/approval_requests"),
            form,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let uuid = b["approval_request"]["uuid"].as_str().unwrap().to_owned();
    let (_, b) = t
        .npm(
            "GET",
            &format!("/onetouch/json/approval_requests/{uuid}"),
            "",
        )
        .await;
    let a = &b["approval_request"];
    assert_eq!(
        a["details"],
        json!({"Account Number":"981266321","username":"Bill Smith"})
    );
    assert_eq!(
        a["logos"],
        json!([{"res":"default","url":"https://example.com/d.png"},{"res":"low","url":"https://example.com/l.png"}])
    );
    assert_eq!(a["seconds_to_expire"], 120);
    let ruby = "message=Hi&logos[][res]=default&logos[][url]=https://x.test/a.png&logos[][res]=high&logos[][url]=https://x.test/b.png";
    let (s, b) = t
        .npm(
            "POST",
            &format!("/onetouch/json/users/{id}/approval_requests"),
            ruby,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

#[tokio::test]
async fn approval_request_errors() {
    let t = T::new().await;
    let id = t.user().await;
    let (s, b) = t
        .py(
            "POST",
            &format!("/onetouch/json/users/{id}/approval_requests"),
            Some(json!({"details":{}})),
        )
        .await;
    assert_error(s, &b, 400, "60004");
    let (s, b) = t
        .py(
            "POST",
            &format!("/onetouch/json/users/{id}/approval_requests"),
            Some(json!({"message":"x","logos":[{"res":"huge","url":"u"}]})),
        )
        .await;
    assert_error(s, &b, 400, "60004");
    let (s, b) = t
        .py(
            "POST",
            "/onetouch/json/users/999/approval_requests",
            Some(json!({"message":"x"})),
        )
        .await;
    assert_error(s, &b, 404, "60026");
    let (s, b) = t
        .py(
            "GET",
            "/onetouch/json/approval_requests/550e8400-e29b-41d4-a716-446655440000",
            None,
        )
        .await;
    assert_error(s, &b, 404, "60049");
    assert_eq!(b["errors"], json!({}));
    assert_eq!(
        b["message"],
        "Approval request not found: 550e8400-e29b-41d4-a716-446655440000"
    );
}

// ----- wire conventions -----

#[tokio::test]
async fn api_key_in_header_query_or_form_body() {
    let t = T::new().await;
    let (s, _) = t
        .raw("GET", "/protected/json/app/details", None, Vec::new(), true)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = t
        .raw(
            "GET",
            &format!("/protected/json/app/details?api_key={KEY}"),
            None,
            Vec::new(),
            false,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = t
        .raw(
            "POST",
            "/protected/json/users/new",
            Some("application/x-www-form-urlencoded"),
            format!(
                "api_key={KEY}&user[email]=g@o.co&user[cellphone]=7754615609&user[country_code]=1"
            )
            .into_bytes(),
            false,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "go-authy puts the key in the form body");
    for uri in [
        "/protected/json/app/details",
        "/protected/json/app/details?api_key=wrong",
    ] {
        let (s, b) = t.raw("GET", uri, None, Vec::new(), false).await;
        let b: Value = serde_json::from_slice(&b).unwrap();
        assert_error(s, &b, 401, "60001");
        assert_eq!(b["errors"]["message"], "Invalid API key");
    }
}

#[tokio::test]
async fn xml_format() {
    let t = T::new().await;
    let (s, b) = t
        .raw("GET", "/protected/xml/app/details", None, Vec::new(), true)
        .await;
    assert_eq!(s, StatusCode::OK);
    let text = String::from_utf8(b).unwrap();
    assert!(
        text.starts_with("<?xml")
            && text.contains("<hash>")
            && text.contains("<app-id type=\"integer\">1</app-id>"),
        "{text}"
    );
    let (s, b) = t
        .raw(
            "GET",
            "/protected/xml/users/9/status",
            None,
            Vec::new(),
            true,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        String::from_utf8(b)
            .unwrap()
            .contains("<errors><error-code>60026</error-code>")
    );
}

#[tokio::test]
async fn bad_requests_get_the_envelope() {
    let t = T::new().await;
    let (s, b) = t
        .raw(
            "POST",
            "/protected/json/users/new",
            Some("application/json"),
            b"{not json".to_vec(),
            true,
        )
        .await;
    assert_error(s, &serde_json::from_slice(&b).unwrap(), 400, "60002");
    let (s, b) = t
        .raw(
            "POST",
            "/protected/json/users/new",
            Some("application/x-www-form-urlencoded"),
            b"user[email]=%FF".to_vec(),
            true,
        )
        .await;
    assert_error(s, &serde_json::from_slice(&b).unwrap(), 400, "60005");
    let (s, b) = t
        .raw("GET", "/protected/yaml/app/details", None, Vec::new(), true)
        .await;
    assert_error(s, &serde_json::from_slice(&b).unwrap(), 404, "60000");
    let (s, b) = t.raw("GET", "/nothing/here", None, Vec::new(), true).await;
    assert_error(s, &serde_json::from_slice(&b).unwrap(), 404, "60000");
    let deep = format!("a{}=1", "[b]".repeat(30));
    let (s, b) = t
        .raw(
            "POST",
            "/protected/json/users/new",
            Some("application/x-www-form-urlencoded"),
            deep.into_bytes(),
            true,
        )
        .await;
    assert_error(s, &serde_json::from_slice(&b).unwrap(), 400, "60002");
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let t = T::new().await;
    let big = format!("message={}", "x".repeat(200 * 1024));
    let (s, b) = t
        .raw(
            "POST",
            "/onetouch/json/users/1/approval_requests",
            Some("application/x-www-form-urlencoded"),
            big.into_bytes(),
            true,
        )
        .await;
    assert_error(s, &serde_json::from_slice(&b).unwrap(), 400, "60002");
}

#[tokio::test]
async fn health_and_metrics() {
    let t = T::new().await;
    let (s, b) = t.raw("GET", "/healthz", None, Vec::new(), false).await;
    assert_eq!((s, b.as_slice()), (StatusCode::OK, b"ok\n".as_slice()));
    t.raw(
        "GET",
        "/protected/json/app/details",
        None,
        Vec::new(),
        false,
    )
    .await;
    // Without a token the metrics are not on the API port.
    let (s, b) = t.raw("GET", "/metrics", None, Vec::new(), false).await;
    let body: Value = serde_json::from_slice(&b).unwrap();
    assert_error(s, &body, 404, "60000");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("--metrics-token"),
        "{body}"
    );
    // With one, only its bearer reads them.
    let policy = Policy {
        metrics_token: Some("scrape-secret".into()),
        ..Policy::default()
    };
    let state = t.state.with_policy(policy);
    let app = twofold_server::router(state.clone());
    let get = |auth: Option<&'static str>| {
        let app = app.clone();
        async move {
            let mut req = Request::get("/metrics");
            if let Some(a) = auth {
                req = req.header("authorization", a);
            }
            let r = app.oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
            let status = r.status();
            let body = to_bytes(r.into_body(), usize::MAX).await.unwrap();
            (status, String::from_utf8(body.to_vec()).unwrap())
        }
    };
    for wrong in [None, Some("Bearer nope"), Some("scrape-secret")] {
        let (s, text) = get(wrong).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{wrong:?}: {text}");
    }
    let (s, text) = get(Some("Bearer scrape-secret")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        text.contains("twofold_http_requests_total 7")
            && text.contains("twofold_http_errors_total 5"),
        "{text}"
    );
    // The metrics router (`--metrics-listen`) checks the same token.
    let only = twofold_server::api::metrics_router(state);
    let r = only
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn rate_limit_per_api_key() {
    let mut t = T::new().await;
    t.state = t.state.with_limits(Limits::new(LimitSettings {
        per_key_per_second: 1,
        per_key_burst: 3,
        ..LimitSettings::default()
    }));
    t.app = twofold_server::router(t.state.clone());
    for _ in 0..3 {
        let (s, _) = t.py("GET", "/protected/json/app/details", None).await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, b) = t.py("GET", "/protected/json/app/details", None).await;
    assert_error(s, &b, 429, "60003");
}

#[tokio::test]
async fn openapi_documents_every_route_and_every_documented_path_exists() {
    let t = T::new().await;
    let (s, b) = t.raw("GET", "/openapi.json", None, Vec::new(), false).await;
    assert_eq!(s, StatusCode::OK);
    let doc: Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let source = include_str!("../src/api.rs");
    for line in source
        .lines()
        .filter_map(|l| l.trim().strip_prefix(".route(\""))
    {
        let route = line.split('"').next().unwrap();
        assert!(
            paths.contains_key(route),
            "{route} is routed but not in openapi.json"
        );
    }
    for path in paths.keys() {
        let uri = path
            .replace("{format}", "json")
            .replace("{id}", "1")
            .replace("{token}", "1234567")
            .replace("{uuid}", "x");
        let method = if paths[path].get("get").is_some() {
            "GET"
        } else {
            "POST"
        };
        let (_, b) = t.raw(method, &uri, None, Vec::new(), true).await;
        let body: Value = serde_json::from_slice(&b).unwrap_or(Value::Null);
        assert_ne!(
            body["message"], "Resource not found",
            "{path} is documented but not routed"
        );
    }
}

// ----- delivery providers over real HTTP -----

type Seen = Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, String, String)>>>;

/// A local HTTP receiver that records each request (headers, path, body) and answers `status`.
async fn receiver(status: StatusCode) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let app = Router::new().fallback(move |req: axum::extract::Request| {
        let record = record.clone();
        async move {
            let (parts, body) = req.into_parts();
            let body =
                String::from_utf8(body.collect().await.unwrap().to_bytes().to_vec()).unwrap();
            record
                .lock()
                .unwrap()
                .push((parts.headers, parts.uri.path().to_owned(), body));
            (status, r#"{"sid":"SM123","message":"recorded"}"#)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

#[tokio::test]
async fn webhook_delivery_posts_signed_json() {
    use base64::Engine;
    use hmac::{KeyInit, Mac};
    let (url, seen) = receiver(StatusCode::OK).await;
    let mut t = T::new().await;
    t.state = t.state.with_delivery(Delivery::webhook(
        format!("{url}/hook"),
        Some("hook-secret".into()),
    ));
    t.app = twofold_server::router(t.state.clone());
    let id = t.user().await;
    let (s, b) = t
        .py("GET", &format!("/protected/json/sms/{id}?force=true"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (headers, path, body) = seen.lock().unwrap().pop().unwrap();
    assert_eq!(path, "/hook");
    let msg: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (msg["channel"].as_str(), msg["to"].as_str()),
        (Some("sms"), Some("+17754615609"))
    );
    let code = msg["code"].as_str().unwrap().to_owned();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"hook-secret").unwrap();
    mac.update(body.as_bytes());
    let want = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(headers["x-twofold-signature"].to_str().unwrap(), want);
    let (s, _) = t
        .py(
            "GET",
            &format!("/protected/json/verify/{code}/{id}?force=true"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "the delivered code verifies");
}

#[tokio::test]
async fn webhook_failure_is_the_documented_error() {
    let (url, _) = receiver(StatusCode::INTERNAL_SERVER_ERROR).await;
    let mut t = T::new().await;
    t.state = t.state.with_delivery(Delivery::webhook(url, None));
    t.app = twofold_server::router(t.state.clone());
    let id = t.user().await;
    let (s, b) = t
        .py(
            "GET",
            &format!("/protected/json/call/{id}?force=true"),
            None,
        )
        .await;
    assert_error(s, &b, 503, "60014");
    let (s, b) = t
        .py("GET", &format!("/protected/json/sms/{id}?force=true"), None)
        .await;
    assert_error(s, &b, 503, "60015");
    // What went wrong is in the server's log; the API client learns nothing of its files.
    assert!(!b.to_string().contains("missing-dir"), "{b}");
}

#[tokio::test]
async fn twilio_delivery_uses_the_messages_and_calls_api() {
    let (url, seen) = receiver(StatusCode::CREATED).await;
    let mut t = T::new().await;
    let settings = twofold_server::delivery::TwilioSettings {
        base_url: url,
        account_sid: "AC0123".into(),
        auth_token: "tok".into(),
        from: "+15005550006".into(),
    };
    t.state = t
        .state
        .with_delivery(Delivery::twilio(settings, t.outbox.clone()));
    t.app = twofold_server::router(t.state.clone());
    let id = t.user().await;
    let (s, b) = t
        .py("GET", &format!("/protected/json/sms/{id}?force=true"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, _) = t
        .py(
            "GET",
            &format!("/protected/json/call/{id}?force=true"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests[0].1, "/2010-04-01/Accounts/AC0123/Messages.json");
    assert_eq!(requests[1].1, "/2010-04-01/Accounts/AC0123/Calls.json");
    let auth = requests[0].0["authorization"].to_str().unwrap().to_owned();
    use base64::Engine;
    assert_eq!(
        auth,
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("AC0123:tok")
        )
    );
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(requests[0].2.as_bytes())
            .into_owned()
            .collect();
    assert_eq!(
        (form["To"].as_str(), form["From"].as_str()),
        ("+17754615609", "+15005550006")
    );
    assert!(form["Body"].starts_with("Your Acme verification code is: "));
    let call: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(requests[1].2.as_bytes())
            .into_owned()
            .collect();
    assert!(call["Twiml"].starts_with("<Response><Say>"));
    // Email has no Twilio API: it goes to the outbox.
    let (s, _) = t
        .py(
            "POST",
            &format!("/protected/json/email/{id}"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(t.outbox()[0]["channel"], "email");
}
