//! The device channel (`/device/v1/*`, docs/device-protocol.md): enrollment, signed requests
//! (device, timestamp, nonce, body hash; replays refused), the event stream (SSE with
//! `Last-Event-ID`, heartbeats, a ten-minute life), the long poll, and signed answers.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use twofold_push::protocol::{
    self, AccountSeed, AnswerBody, DenyReason, DeviceInfo, EnrollRequest, EnrollResponse, Event,
    PollResponse, PublicKey, RequestStatus, RequestView,
};
use zeroize::Zeroizing;

use super::tokens::PERIOD;
use crate::call::Query;
use crate::callbacks;
use crate::crypto::{self, Purpose};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{
    Answer, ApprovalRow, DeviceRow, EnrollOutcome, NewCallback, NewDevice, json_column,
};

/// Longest life of one stream; the device then reconnects (and signs again).
pub const STREAM_LIFETIME: Duration = Duration::from_secs(600);
/// Heartbeat interval of the stream.
pub const HEARTBEAT: Duration = Duration::from_secs(15);
/// Most events read at once.
const EVENT_PAGE: usize = 200;
/// Largest body of a device request.
const MAX_DEVICE_BODY: usize = 16 * 1024;

pub(crate) fn refused(why: impl Into<String>) -> ApiError {
    ApiError::DeviceRefused(why.into())
}

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, ApiError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| refused(format!("the {name} header is missing")))
}

/// A request signed by an enrolled device, with its body.
#[derive(Debug)]
pub struct Signed {
    /// The device.
    pub device: DeviceRow,
    /// The raw body the signature covers.
    pub body: Bytes,
}

/// A signed request's parts, checked for form, time and size but not yet for its device,
/// signature or nonce (the device channel and the sync channel each look up their own devices).
#[derive(Debug)]
pub struct SignedParts {
    /// The device id the request names.
    pub uuid: String,
    /// The request's nonce.
    pub nonce: String,
    /// Its timestamp (Unix seconds).
    pub timestamp: i64,
    /// The string the device signed.
    pub text: String,
    /// The signature, base64url.
    pub signature: String,
    /// The body.
    pub body: Bytes,
}

impl SignedParts {
    /// Reads a signed request: the headers, the clock window, the nonce's form, and a body of at
    /// most `max_body` bytes.
    pub async fn read(req: Request, state: &AppState, max_body: usize) -> Result<Self, ApiError> {
        let headers = req.headers().clone();
        let method = req.method().as_str().to_owned();
        let path = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| req.uri().path().to_owned());
        let uuid = header(&headers, protocol::HEADER_DEVICE)?.to_owned();
        let timestamp: i64 = header(&headers, protocol::HEADER_TIMESTAMP)?
            .parse()
            .map_err(|_| refused("the timestamp is not a number of seconds"))?;
        let nonce = header(&headers, protocol::HEADER_NONCE)?.to_owned();
        let signature = header(&headers, protocol::HEADER_SIGNATURE)?.to_owned();
        let now = state.now();
        if (now - timestamp).abs() > protocol::CLOCK_WINDOW {
            return Err(refused(format!(
                "the timestamp is {}s away from the server clock (at most {}s); check the device clock",
                timestamp - now,
                protocol::CLOCK_WINDOW
            )));
        }
        if !(8..=64).contains(&nonce.len()) {
            return Err(refused("the nonce must be 8 to 64 characters"));
        }
        let body = axum::body::to_bytes(req.into_body(), max_body)
            .await
            .map_err(|_| {
                ApiError::InvalidRequest(format!(
                    "the body could not be read or is larger than {max_body} bytes"
                ))
            })?;
        let text = protocol::request_string(&method, &path, timestamp, &nonce, &body);
        Ok(Self {
            uuid,
            nonce,
            timestamp,
            text,
            signature,
            body,
        })
    }

    /// Checks the signature with a device's stored public key.
    pub fn verify(&self, public_key: &[u8]) -> Result<(), ApiError> {
        let key = PublicKey::from_bytes(public_key)
            .map_err(|e| ApiError::Internal(format!("stored device key: {e}")))?;
        if key.verify(&self.text, &self.signature).is_err() {
            tracing::warn!(device = %self.uuid, reason = "bad signature", "device request refused");
            return Err(refused("the signature does not match"));
        }
        Ok(())
    }

    /// When the nonce may be forgotten.
    pub fn nonce_expires(&self) -> i64 {
        self.timestamp + 2 * protocol::CLOCK_WINDOW
    }
}

impl FromRequest<AppState> for Signed {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let parts = SignedParts::read(req, state, MAX_DEVICE_BODY).await?;
        let device = state
            .db
            .device(&parts.uuid)
            .await?
            .ok_or_else(|| refused("unknown or revoked device"))?;
        parts.verify(&device.public_key)?;
        let now = state.now();
        if !state
            .db
            .use_nonce(device.id, &parts.nonce, parts.nonce_expires(), now)
            .await?
        {
            tracing::warn!(device = %device.uuid, reason = "replay", "device request refused");
            return Err(refused("this nonce was used before (a replayed request)"));
        }
        Ok(Self {
            device,
            body: parts.body,
        })
    }
}

pub(crate) fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::InvalidRequest(format!("the body is not the expected JSON: {e}")))
}

fn device_info(d: &DeviceRow) -> DeviceInfo {
    DeviceInfo {
        uuid: d.uuid.clone(),
        name: d.name.clone(),
        platform: d.platform.clone(),
        created_at: d.created_at,
        last_seen_at: d.last_seen_at,
    }
}

/// A request as devices see it (never its hidden details).
pub fn view(row: &ApprovalRow, app_name: &str, now: i64) -> RequestView {
    let parse = json_column;
    RequestView {
        uuid: row.uuid.clone(),
        app_name: app_name.to_owned(),
        message: row.message.clone(),
        details: parse(&row.details),
        logos: parse(&row.logos),
        created_at: row.created_at,
        expires_at: row.expires_at(),
        requester: row.requester.as_deref().map(parse),
        number_required: row.number.is_some(),
        status: if row.overdue(now) {
            RequestStatus::Expired
        } else {
            row.status
        },
        reason: row.reason,
    }
}

async fn app_name(state: &AppState, app_id: i64) -> Result<String, ApiError> {
    Ok(state
        .db
        .app_by_id(app_id)
        .await?
        .map(|a| a.name)
        .unwrap_or_default())
}

/// `POST /device/v1/enroll` (unsigned: the one-time secret and the key's proof stand in).
pub async fn enroll(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let req: EnrollRequest = json_body(&body)?;
    let bad = |name: &str, problem: &str| ApiError::InvalidParameter {
        name: name.into(),
        problem: problem.into(),
    };
    let name = req.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(bad("name", "must be 1 to 64 characters"));
    }
    let platform = req.platform.trim().to_ascii_lowercase();
    if platform.is_empty()
        || platform.len() > 16
        || !platform
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(bad("platform", "must be a short word such as linux or cli"));
    }
    let key = PublicKey::parse(&req.public_key).map_err(|e| bad("public_key", &e.to_string()))?;
    if key
        .verify(
            &protocol::enroll_string(&req.id, &req.public_key),
            &req.proof,
        )
        .is_err()
    {
        return Err(ApiError::EnrollmentRefused(
            "the proof does not verify with the public key".into(),
        ));
    }
    // The device's own seed: its codes verify until it is revoked (docs/device-protocol.md §2).
    let seed = twofold_core::Secret::new(crypto::random_bytes(20));
    let device = NewDevice {
        uuid: uuid::Uuid::new_v4().to_string(),
        public_key: key.to_bytes().to_vec(),
        name,
        platform,
        totp_seed: state.key.seal(Purpose::DeviceSeed, seed.expose()),
    };
    let presented = crypto::hash(&req.secret);
    let now = state.now();
    let outcome = state
        .db
        .redeem_enrollment(
            &req.id,
            |stored| crypto::hashes_equal(stored, &presented),
            &device,
            now,
        )
        .await?;
    let (app_id, user_id) = match outcome {
        EnrollOutcome::Enrolled { app_id, user_id } => (app_id, user_id),
        EnrollOutcome::Unknown => {
            return Err(ApiError::EnrollmentRefused(
                "no such enrollment (or a wrong secret)".into(),
            ));
        }
        EnrollOutcome::Expired => {
            return Err(ApiError::EnrollmentRefused(
                "the enrollment has expired; ask for a new QR code".into(),
            ));
        }
        EnrollOutcome::Used => {
            return Err(ApiError::EnrollmentRefused(
                "the enrollment was used already; ask for a new QR code".into(),
            ));
        }
    };
    let app = state
        .db
        .app_by_id(app_id)
        .await?
        .ok_or_else(|| ApiError::Internal("enrollment of a missing application".into()))?;
    let user = state
        .db
        .user(app_id, user_id)
        .await?
        .ok_or(ApiError::UserNotFound)?;
    tracing::info!(device = %device.uuid, user = user.id, "device enrolled");
    let reply = EnrollResponse {
        device: DeviceInfo {
            uuid: device.uuid,
            name: device.name,
            platform: device.platform,
            created_at: now,
            last_seen_at: None,
        },
        app_name: app.name.clone(),
        authy_id: user.id,
        account: AccountSeed {
            issuer: app.name,
            name: user.email,
            secret: Zeroizing::new(seed.to_base32().to_string()),
            digits: app.token_length,
            period: PERIOD,
        },
    };
    let mut value = serde_json::to_value(&reply).map_err(|e| ApiError::Internal(e.to_string()))?;
    value["success"] = json!(true);
    Ok(crate::reply::ok(value))
}

/// `GET /device/v1/me`.
pub async fn me(signed: Signed) -> Result<Response, ApiError> {
    Ok(crate::reply::ok(
        json!({"device": device_info(&signed.device), "success": true}),
    ))
}

/// `POST /device/v1/revoke`: the device removes itself.
pub async fn revoke(State(state): State<AppState>, signed: Signed) -> Result<Response, ApiError> {
    let d = &signed.device;
    state.db.revoke_device(d.user_id, &d.uuid).await?;
    state.hub.publish(&state.db, d.user_id).await;
    Ok(crate::reply::ok(
        json!({"message": "Device was revoked.", "success": true}),
    ))
}

/// The events to send: after `after`, or (when `after` is none) every pending request.
async fn events(
    state: &AppState,
    user_id: i64,
    after: Option<i64>,
    app: &str,
) -> Result<Vec<Event>, ApiError> {
    let now = state.now();
    let rows = match after {
        Some(after) => {
            state
                .db
                .events_after(user_id, after, EVENT_PAGE as i64)
                .await?
        }
        None => state.db.pending_events(user_id, now).await?,
    };
    Ok(rows
        .into_iter()
        .map(|(seq, row)| Event {
            seq,
            request: view(&row, app, now),
        })
        .collect())
}

#[derive(Debug, Deserialize)]
pub struct PollQuery {
    after: Option<i64>,
    wait: Option<u64>,
}

/// `GET /device/v1/requests?after=N&wait=S`: the long poll.
pub async fn poll(
    State(state): State<AppState>,
    Query(q): Query<PollQuery>,
    signed: Signed,
) -> Result<Response, ApiError> {
    let user = signed.device.user_id;
    let app = app_name(&state, signed.device.app_id).await?;
    let mut wake = state.hub.subscribe(user);
    let after = q.after.filter(|a| *a > 0);
    let start = state.db.last_event(user).await?;
    let mut found = events(&state, user, after, &app).await?;
    if found.is_empty() {
        let wait = Duration::from_secs(q.wait.unwrap_or(25).min(30));
        let woken = tokio::select! {
            r = tokio::time::timeout(wait, wake.woken()) => r.is_ok(),
            () = state.hub.closing() => false,
        };
        if woken {
            found = events(&state, user, Some(after.unwrap_or(start)), &app).await?;
        }
    }
    let last = found
        .iter()
        .map(|e| e.seq)
        .max()
        .unwrap_or(0)
        .max(after.unwrap_or(start));
    Ok(crate::reply::ok(
        serde_json::to_value(PollResponse {
            events: found,
            last,
        })
        .map_err(|e| ApiError::Internal(e.to_string()))?,
    ))
}

/// `GET /device/v1/requests/{uuid}`.
pub async fn one(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    signed: Signed,
) -> Result<Response, ApiError> {
    let row = own_request(&state, &signed.device, &uuid).await?;
    let app = app_name(&state, row.app_id).await?;
    Ok(crate::reply::ok(
        json!({"request": view(&row, &app, state.now()), "success": true}),
    ))
}

async fn own_request(
    state: &AppState,
    device: &DeviceRow,
    uuid: &str,
) -> Result<ApprovalRow, ApiError> {
    state
        .db
        .approval_by_uuid(uuid)
        .await?
        .filter(|r| r.user_id == device.user_id && r.app_id == device.app_id)
        .ok_or_else(|| ApiError::ApprovalNotFound {
            uuid: uuid.to_owned(),
        })
}

/// Expires a pending request past its lifetime (its event and devices' wake-up included).
pub async fn expire(state: &AppState, row: &ApprovalRow) -> Result<(), ApiError> {
    let now = state.now();
    if state
        .db
        .finish_approval(row, RequestStatus::Expired, None, None, now)
        .await?
        .is_some()
    {
        state.hub.publish(&state.db, row.user_id).await;
    }
    Ok(())
}

/// Expires every pending request past its lifetime; returns how many.
pub async fn expire_overdue(state: &AppState) -> usize {
    let rows = match state.db.overdue_approvals(state.now()).await {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!(error = %e, "reading overdue approval requests failed");
            return 0;
        }
    };
    let mut n = 0;
    for row in rows {
        match expire(state, &row).await {
            Ok(()) => n += 1,
            Err(e) => tracing::warn!(error = ?e, "expiring an approval request failed"),
        }
    }
    n
}

/// `POST /device/v1/requests/{uuid}/answer`.
pub async fn answer(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    signed: Signed,
) -> Result<Response, ApiError> {
    let device = &signed.device;
    let body: AnswerBody = json_body(&signed.body)?;
    let bad = |name: &str, problem: &str| ApiError::InvalidParameter {
        name: name.into(),
        problem: problem.into(),
    };
    if !matches!(body.status, RequestStatus::Approved | RequestStatus::Denied) {
        return Err(bad("status", "must be approved or denied"));
    }
    match body.reason {
        None => {}
        Some(DenyReason::NotMe) if body.status == RequestStatus::Denied => {}
        Some(_) => return Err(bad("reason", "must be not_me (with denied) or absent")),
    }
    let now = state.now();
    if (now - body.signed_at).abs() > protocol::CLOCK_WINDOW {
        return Err(bad("signed_at", "is too far from the server clock"));
    }
    let key = PublicKey::from_bytes(&device.public_key)
        .map_err(|e| ApiError::Internal(format!("stored device key: {e}")))?;
    let text =
        protocol::answer_string(&uuid, body.status, body.reason, body.number, body.signed_at);
    if key.verify(&text, &body.signature).is_err() {
        tracing::warn!(device = %device.uuid, reason = "bad answer signature", "answer refused");
        return Err(refused("the answer's signature does not match"));
    }
    let mut row = own_request(&state, device, &uuid).await?;
    if row.overdue(now) {
        expire(&state, &row).await?;
        return Err(ApiError::ApprovalClosed {
            status: RequestStatus::Expired,
        });
    }
    if row.status != RequestStatus::Pending {
        return Err(ApiError::ApprovalClosed { status: row.status });
    }
    let (status, reason) = match (body.status, row.number) {
        (RequestStatus::Approved, Some(expected))
            if body.number.map(i64::from) != Some(expected) =>
        {
            (RequestStatus::Denied, Some(DenyReason::WrongNumber))
        }
        (s, _) => (s, body.reason),
    };
    let app = state
        .db
        .app_by_id(row.app_id)
        .await?
        .ok_or_else(|| ApiError::Internal("request of a missing application".into()))?;
    row.device_uuid = Some(device.uuid.clone());
    row.device_signature = Some(body.signature.clone());
    row.signed_at = Some(body.signed_at);
    let callback = app.callback_url.as_ref().map(|url| NewCallback {
        app_id: app.id,
        url: url.clone(),
        method: app.callback_method.clone(),
        payload: callbacks::payload(&app, &row, status, reason).to_string(),
    });
    let answer = Answer {
        status,
        reason,
        device_uuid: &device.uuid,
        signature: &body.signature,
        signed_at: body.signed_at,
    };
    let done = state
        .db
        .finish_approval(&row, status, Some(&answer), callback.as_ref(), now)
        .await?;
    if done.is_none() {
        let now_row = own_request(&state, device, &uuid).await?;
        return Err(ApiError::ApprovalClosed {
            status: now_row.status,
        });
    }
    tracing::info!(request = %uuid, device = %device.uuid, status = status.as_str(), reason = reason.map_or("", DenyReason::as_str), "request answered");
    state.hub.publish(&state.db, row.user_id).await;
    if callback.is_some() {
        state.hub.callbacks.notify_one();
    }
    let row = own_request(&state, device, &uuid).await?;
    Ok(crate::reply::ok(
        json!({"request": view(&row, &app.name, now), "success": true}),
    ))
}

/// `GET /device/v1/stream`: Server-Sent Events.
///
/// No task of its own: the stream is the response body, polled by the connection's task. While
/// it waits it holds only its [`Feed`] (a subscription, a few numbers and the app's name); the
/// database reads of a wake-up are boxed for as long as they run.
pub async fn stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    signed: Signed,
) -> Result<Response, ApiError> {
    let device = signed.device;
    let last_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let app = app_name(&state, device.app_id).await?;
    // Subscribe before reading, so nothing created in between is missed.
    let wake = state.hub.subscribe(device.user_id);
    let start = state.db.last_event(device.user_id).await?;
    // What the device missed first (pending requests, or everything after Last-Event-ID).
    let first = events(&state, device.user_id, last_id, &app).await?;
    state
        .metrics
        .streams
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let feed = Feed {
        more: first.len() >= EVENT_PAGE,
        queue: first.into_iter().collect(),
        last: last_id.unwrap_or(start),
        deadline: tokio::time::Instant::now() + STREAM_LIFETIME,
        closing: state.hub.closing_signal(),
        device: device.uuid,
        user_id: device.user_id,
        app: app.into_boxed_str(),
        wake,
        state,
        ended: false,
    };
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        feed.next()
            .await
            .map(|event| (Ok::<_, Infallible>(event), feed))
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(HEARTBEAT))
        .into_response())
}

/// One device's event stream between wake-ups.
struct Feed {
    state: AppState,
    wake: crate::hub::Subscription,
    closing: tokio::sync::watch::Receiver<bool>,
    device: String,
    user_id: i64,
    app: Box<str>,
    /// Read, not yet sent.
    queue: std::collections::VecDeque<Event>,
    /// The last page read was full: read again without waiting.
    more: bool,
    /// The newest event sent.
    last: i64,
    deadline: tokio::time::Instant,
    ended: bool,
}

impl Feed {
    /// The next event to send, after waiting for one if need be; `None` ends the stream (its
    /// life is over, the device was removed, or the server is stopping).
    async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(e) = self.queue.pop_front() {
                self.last = self.last.max(e.seq);
                return Some(
                    SseEvent::default()
                        .event("request")
                        .id(e.seq.to_string())
                        .json_data(&e)
                        .unwrap_or_else(|_| SseEvent::default().comment("unserialisable event")),
                );
            }
            if self.ended {
                return None;
            }
            if !self.more {
                tokio::select! {
                    _ = self.closing.wait_for(|c| *c) => {
                        // The server is stopping: reconnect at once (through the load
                        // balancer, to another server).
                        self.ended = true;
                        return Some(
                            SseEvent::default()
                                .event("reconnect")
                                .retry(Duration::ZERO)
                                .data("the server is stopping"),
                        );
                    }
                    () = self.wake.woken() => {}
                    () = tokio::time::sleep_until(self.deadline) => return None,
                }
            }
            // Boxed: the reads' state is held only while they run, not by every waiting stream.
            let read = Box::pin(self.read()).await;
            match read {
                Some(found) => {
                    self.more = found.len() >= EVENT_PAGE;
                    self.queue.extend(found);
                }
                None => return None,
            }
        }
    }

    /// What is new since the last event sent; `None` when the device is gone.
    async fn read(&self) -> Option<Vec<Event>> {
        if !self.more {
            match self.state.db.device(&self.device).await {
                Ok(Some(_)) => {}
                Ok(None) => return None,
                Err(e) => {
                    tracing::warn!(error = %e, "stream: device check failed");
                    return Some(Vec::new());
                }
            }
        }
        match events(&self.state, self.user_id, Some(self.last), &self.app).await {
            Ok(found) => Some(found),
            Err(e) => {
                tracing::warn!(error = ?e, "stream: reading events failed");
                Some(Vec::new())
            }
        }
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.state
            .metrics
            .streams
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}
