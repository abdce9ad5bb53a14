//! OneTouch callbacks (authy-api.md §7): the payload of a status change, Authy's signature
//! (`X-Authy-Signature`: HMAC-SHA256 with the application's API key over nonce, method, URL and
//! the Rails-flattened parameters), and the worker that delivers the durable queue with backoff.
//! Redirects are never followed (a website's callback server could otherwise bounce the signed
//! request to addresses inside our network); a graceful stop hands back the leases it holds.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::crypto::Purpose;
use crate::state::AppState;
use crate::store::{AppRow, ApprovalRow, CallbackOutcome, CallbackRow};
use twofold_push::protocol::{DenyReason, RequestStatus};

/// How long a callback is retried before it is given up.
pub const GIVE_UP_AFTER: i64 = 3 * 86_400;
/// Longest wait between two attempts.
pub const MAX_BACKOFF: i64 = 3_600;
/// How long one attempt holds its callback (another server takes it after that): well over an
/// attempt's 10 s timeout, and short, since after a crash the website waits this long.
pub const LEASE: i64 = 25;

/// The callbacks this process holds for an attempt: id → the lease's end, as written.
#[derive(Debug, Default)]
pub struct Leases(Mutex<HashMap<i64, i64>>);

impl Leases {
    fn hold(&self, id: i64, until: i64) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, until);
    }

    fn drop_one(&self, id: i64) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
    }

    fn take_all(&self) -> Vec<(i64, i64)> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .collect()
    }
}

/// The HTTP client of callbacks: no redirects, a user agent naming us.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(concat!("twofold-server/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

/// Hands back every lease this process holds, due now (a graceful stop: the callbacks are
/// delivered by the next server to look, not a lease later). Returns how many were released.
pub async fn release_leases(state: &AppState) -> usize {
    let now = state.now();
    let mut released = 0;
    for (id, until) in state.leases.take_all() {
        match state.db.release_callback(id, until, now).await {
            Ok(true) => released += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(callback = id, error = %e, "releasing a callback lease failed")
            }
        }
    }
    released
}

/// What `CGI.escape` keeps: letters, digits and `-_.~` (space becomes `+`).
const CGI: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn esc(text: &str) -> String {
    utf8_percent_encode(text, CGI)
        .to_string()
        .replace("%20", "+")
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn is_empty_container(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn flatten(v: &Value, ns: Option<&str>) -> String {
    match v {
        Value::Object(map) => {
            let mut chunks: Vec<String> = map
                .iter()
                .filter(|(_, v)| !is_empty_container(v))
                .map(|(k, v)| {
                    let key = match ns {
                        Some(ns) => format!("{ns}[{k}]"),
                        None => k.clone(),
                    };
                    flatten(v, Some(&key))
                })
                .collect();
            if !ns.is_some_and(|n| n.contains("[]")) {
                chunks.sort();
            }
            chunks.join("&")
        }
        Value::Array(items) => {
            let ns = format!("{}[]", ns.unwrap_or(""));
            if items.is_empty() {
                return format!("{}=", esc(&ns));
            }
            items
                .iter()
                .map(|item| flatten(item, Some(&ns)))
                .collect::<Vec<_>>()
                .join("&")
        }
        other => format!("{}={}", esc(ns.unwrap_or("")), esc(&scalar(other))),
    }
}

/// Rails `Hash#to_query`: nested keys as `a[b]`, arrays as `a[]`, null as empty, empty hashes
/// and arrays left out, pairs sorted byte-wise, `CGI.escape` encoding.
pub fn to_query(params: &Value) -> String {
    flatten(params, None)
}

/// The `X-Authy-Signature` of a callback.
pub fn signature(api_key: &[u8], nonce: &str, method: &str, url: &str, params: &Value) -> String {
    let data = format!("{nonce}|{method}|{url}|{}", to_query(params));
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(api_key).expect("HMAC takes keys of any length");
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Ruby's `Hash#inspect` of a JSON value, as Authy's GET callbacks carry `approval_request`.
pub fn ruby_inspect(v: &Value) -> String {
    match v {
        Value::Null => "nil".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(ruby_inspect)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{k:?}=>{}", ruby_inspect(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The callback body of a request's status change (§7.2).
pub fn payload(
    app: &AppRow,
    row: &ApprovalRow,
    status: RequestStatus,
    reason: Option<DenyReason>,
) -> Value {
    let (status, reason) = (status.as_str(), reason.map(DenyReason::as_str));
    let parse = crate::store::json_column;
    let logos = parse(&row.logos);
    json!({
        "approval_request": {
            "app_id": format!("{:024x}", app.id),
            "expiration_timestamp": row.expires_at(),
            "logos": if is_empty_container(&logos) { Value::Null } else { logos },
            "transaction": {
                "created_at_time": row.created_at,
                "customer_uuid": format!("{:08x}-0000-4000-8000-{:012x}", app.id, app.created_at),
                "details": parse(&row.details),
                "device_details": null,
                "device_geolocation": null,
                "device_signing_time": row.signed_at.unwrap_or(0),
                "encrypted": false,
                "flagged": false,
                "hidden_details": parse(&row.hidden_details),
                "message": row.message,
                "reason": reason,
                "requester_details": row.requester.as_deref().map(parse),
                "status": status,
                "uuid": row.uuid,
            },
        },
        "authy_id": row.user_id,
        "callback_action": "approval_request_status",
        "device_uuid": row.device_uuid.clone().unwrap_or_default(),
        "signature": row.device_signature.clone().unwrap_or_default(),
        "status": status,
        "uuid": row.uuid,
    })
}

/// The URL a signature covers: scheme, host, port and path, without query or fragment.
fn signed_url(url: &url::Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// Seconds to wait after `attempts` failed attempts.
pub fn backoff(attempts: i64) -> i64 {
    1i64.checked_shl(u32::try_from(attempts.clamp(0, 12)).unwrap_or(12))
        .unwrap_or(MAX_BACKOFF)
        .min(MAX_BACKOFF)
}

/// Delivers one callback; `Err` says why it failed.
async fn deliver(state: &AppState, row: &CallbackRow) -> Result<(), String> {
    let app = state
        .db
        .app_by_id(row.app_id)
        .await
        .map_err(|e| format!("database: {e}"))?
        .ok_or("the application no longer exists")?;
    let sealed = app.api_key_sealed.as_deref().ok_or(
        "the application's API key predates push and cannot sign callbacks; rotate it with \
         `twofold-server app set NAME --rotate-key`",
    )?;
    let key = state
        .key
        .open(Purpose::ApiKey, sealed)
        .ok_or("the application's API key cannot be decrypted with this server key")?;
    let mut params: Value =
        serde_json::from_str(&row.payload).map_err(|e| format!("stored payload: {e}"))?;
    let mut url = url::Url::parse(&row.url).map_err(|e| format!("callback URL: {e}"))?;
    let now = state.clock.since_epoch();
    let nonce = format!("{}.{:06}", now.as_secs(), now.subsec_micros());
    let method = if row.method.eq_ignore_ascii_case("GET") {
        "GET"
    } else {
        "POST"
    };
    let request = if method == "GET" {
        if let Some(obj) = params.as_object_mut()
            && let Some(ar) = obj.get("approval_request").map(ruby_inspect)
        {
            obj.insert("approval_request".into(), Value::String(ar));
        }
        let sig = signature(key.expose(), &nonce, method, &signed_url(&url), &params);
        let extra = to_query(&params);
        let query = match url.query() {
            Some(q) if !q.is_empty() => format!("{q}&{extra}"),
            _ => extra,
        };
        url.set_query(Some(&query));
        state
            .http
            .get(url)
            .header("X-Authy-Signature", sig)
            .header("X-Authy-Signature-Nonce", &nonce)
    } else {
        let sig = signature(key.expose(), &nonce, method, &signed_url(&url), &params);
        state
            .http
            .post(url)
            .header("X-Authy-Signature", sig)
            .header("X-Authy-Signature-Nonce", &nonce)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(params.to_string())
    };
    let response = request
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| format!("cannot reach the callback URL: {e}"))?;
    if response.status().is_success() {
        Ok(())
    } else {
        // Redirects included: they are not followed.
        Err(format!("the callback URL answered {}", response.status()))
    }
}

/// Attempts every due callback once; returns how many were attempted.
pub async fn deliver_due(state: &AppState) -> usize {
    let now = state.now();
    let rows = match state.db.due_callbacks(now, 32).await {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!(error = %e, "reading the callback queue failed");
            return 0;
        }
    };
    let attempts = rows.into_iter().map(|row| async move {
        // A lease long enough for one attempt, so another server does not take it meanwhile.
        let until = now + LEASE;
        match state.db.lease_callback(&row, until).await {
            Ok(true) => state.leases.hold(row.id, until),
            Ok(false) => return false,
            Err(e) => {
                tracing::warn!(error = %e, "leasing a callback failed");
                return false;
            }
        }
        let result = deliver(state, &row).await;
        let now = state.now();
        let outcome = match &result {
            Ok(()) => CallbackOutcome::Delivered,
            Err(error) if now - row.created_at >= GIVE_UP_AFTER => {
                CallbackOutcome::GiveUp { error }
            }
            Err(error) => CallbackOutcome::Retry {
                at: now + backoff(row.attempts),
                error,
            },
        };
        match &result {
            Ok(()) => tracing::info!(callback = row.id, request = %row.approval_uuid, "callback delivered"),
            Err(e) => tracing::warn!(callback = row.id, request = %row.approval_uuid, attempt = row.attempts + 1, error = %e, "callback not delivered"),
        }
        if let Err(e) = state.db.callback_attempted(row.id, outcome, now).await {
            tracing::warn!(error = %e, "recording a callback attempt failed");
        }
        state.leases.drop_one(row.id);
        true
    });
    futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .filter(|x| *x)
        .count()
}

/// The worker: delivers due callbacks as they are queued (woken by the hub) and retries on a
/// one-second tick.
pub async fn run(state: AppState) {
    loop {
        if deliver_due(&state).await == 0 {
            tokio::select! {
                () = state.hub.callbacks.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_parameter_list_signs_like_authy_python() {
        // authy-python's tests/test_helper.py signs an empty parameter string (authy-api.md §7.3).
        let sig = signature(
            b"foobar123",
            "1427849783.886085",
            "POST",
            "https://api.authy.com/dashboard/json/application/webhooks",
            &json!({}),
        );
        assert_eq!(sig, "UJRjviTdXFA0xu4duxW9BWVDRZGsmSUDd4RglmzcX4o=");
    }

    #[test]
    fn parameters_flatten_like_rails_to_query() {
        let params = json!({
            "b": {"z": 1, "a": null, "empty": {}},
            "a": [{"res": "low", "url": "https://x/l.png"}],
            "c": true,
            "d": "a~b*c!d'e(f)g/h?i&j=k+l m|n",
            "e": "São Paulo, BR",
            "f": [],
        });
        assert_eq!(
            to_query(&params),
            "a%5B%5D%5Bres%5D=low&a%5B%5D%5Burl%5D=https%3A%2F%2Fx%2Fl.png&b%5Ba%5D=&b%5Bz%5D=1&c=true&\
             d=a~b%2Ac%21d%27e%28f%29g%2Fh%3Fi%26j%3Dk%2Bl+m%7Cn&e=S%C3%A3o+Paulo%2C+BR"
        );
    }

    #[test]
    fn get_callbacks_carry_a_ruby_hash() {
        let v =
            json!({"transaction": {"details": {}, "device_details": null, "n": 3, "s": "a\"b"}});
        assert_eq!(
            ruby_inspect(&v),
            r#"{"transaction"=>{"details"=>{}, "device_details"=>nil, "n"=>3, "s"=>"a\"b"}}"#
        );
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!((0..4).map(backoff).collect::<Vec<_>>(), vec![1, 2, 4, 8]);
        assert_eq!(backoff(40), MAX_BACKOFF);
    }
}
