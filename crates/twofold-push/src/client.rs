//! The device side over HTTP: enroll from a link, sign every request, follow the request stream
//! (Server-Sent Events) with reconnect, jittered backoff and catch-up, fall back to long polling,
//! and answer with a signed decision.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;

use twofold_core::clock::SharedClock;

use crate::protocol::{
    self, AnswerBody, Decision, DenyReason, DeviceInfo, DeviceKey, EnrollRequest, EnrollResponse,
    EnrollmentLink, Event, PollResponse, ProtocolError, RequestStatus, RequestView,
};

/// Why a push operation failed.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The server could not be reached or the connection broke.
    #[error("cannot reach {server}: {source}")]
    Network {
        /// The server.
        server: String,
        /// What happened.
        source: reqwest::Error,
    },
    /// The server refused the request; its message says why.
    #[error("the server refused ({status}): {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// The server answered something that is not the protocol.
    #[error("unexpected answer from the server: {0}")]
    BadAnswer(String),
    /// Local protocol data is wrong (a link, a key).
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// No randomness for a key or a nonce.
    #[error("no randomness available: {0}")]
    Random(String),
}

impl PushError {
    /// Whether trying again later may help (network trouble, a server error, rate limits).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Network { .. } | Self::BadAnswer(_) => true,
            Self::Refused { status, .. } => *status >= 500 || *status == 429,
            Self::Protocol(_) | Self::Random(_) => false,
        }
    }
}

pub(crate) fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("twofold-push/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

pub(crate) async fn read_json<T: DeserializeOwned>(
    server: &str,
    response: reqwest::Response,
) -> Result<T, PushError> {
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|source| PushError::Network {
            server: server.to_owned(),
            source,
        })?;
    if !status.is_success() {
        let message = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| String::from_utf8_lossy(&bytes).chars().take(200).collect());
        return Err(PushError::Refused {
            status: status.as_u16(),
            message,
        });
    }
    serde_json::from_slice(&bytes).map_err(|e| PushError::BadAnswer(e.to_string()))
}

/// Enrolls a new device from an enrollment link: makes its key pair and registers the public
/// half. The caller keeps the key (the OS keychain) and the account.
pub async fn enroll(
    link: &EnrollmentLink,
    name: &str,
    platform: &str,
) -> Result<(EnrollResponse, DeviceKey), PushError> {
    let key = DeviceKey::generate().map_err(|e| PushError::Random(e.to_string()))?;
    let public_key = key.public_b64();
    let body = EnrollRequest {
        id: link.id.clone(),
        secret: link.secret.clone(),
        proof: key.sign(&protocol::enroll_string(&link.id, &public_key)),
        public_key,
        name: name.to_owned(),
        platform: platform.to_owned(),
    };
    let response = http()
        .post(format!("{}{}/enroll", link.server, protocol::DEVICE_PREFIX))
        .json(&body)
        .send()
        .await
        .map_err(|source| PushError::Network {
            server: link.server.clone(),
            source,
        })?;
    let enrolled: EnrollResponse = read_json(&link.server, response).await?;
    Ok((enrolled, key))
}

/// What came of an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerOutcome {
    /// The request's status now.
    pub status: RequestStatus,
    /// Why, when denied.
    pub reason: Option<DenyReason>,
}

/// An enrolled device talking to its server.
#[derive(Clone, Debug)]
pub struct DeviceClient {
    http: reqwest::Client,
    server: String,
    uuid: String,
    key: Arc<DeviceKey>,
    silence: Duration,
    clock: SharedClock,
}

/// How long a stream may send nothing at all — not even its heartbeat comment, every 15 s —
/// before it counts as gone.
pub const SILENCE_LIMIT: Duration = Duration::from_secs(45);

impl DeviceClient {
    /// A client for the device `uuid` of `server`, signing with `key` and dating its requests
    /// by `clock`.
    pub fn new(server: &str, uuid: &str, key: DeviceKey, clock: SharedClock) -> Self {
        Self {
            http: http(),
            server: server.trim_end_matches('/').to_owned(),
            uuid: uuid.to_owned(),
            key: Arc::new(key),
            silence: SILENCE_LIMIT,
            clock,
        }
    }

    /// Unix seconds now on the client's clock.
    fn now(&self) -> i64 {
        i64::try_from(self.clock.unix_seconds()).unwrap_or(i64::MAX)
    }

    /// The same client on another HTTP client: one bound to a local address, or one that shares
    /// an HTTP/2 connection with other devices (benchmarks run thousands of devices from one
    /// machine).
    pub fn with_http(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    /// The same client with another silence limit (tests use a short one).
    pub fn with_silence_limit(mut self, silence: Duration) -> Self {
        self.silence = silence;
        self
    }

    /// The server's base URL.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The device's id.
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    fn net(&self, source: reqwest::Error) -> PushError {
        PushError::Network {
            server: self.server.clone(),
            source,
        }
    }

    /// A request signed as the protocol says (§3).
    fn signed(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        body: Vec<u8>,
    ) -> Result<reqwest::RequestBuilder, PushError> {
        let nonce = protocol::random_b64(16).map_err(|e| PushError::Random(e.to_string()))?;
        let ts = self.now();
        let text = protocol::request_string(method.as_str(), path_and_query, ts, &nonce, &body);
        let mut builder = self
            .http
            .request(method, format!("{}{path_and_query}", self.server))
            .header(protocol::HEADER_DEVICE, &self.uuid)
            .header(protocol::HEADER_TIMESTAMP, ts.to_string())
            .header(protocol::HEADER_NONCE, nonce)
            .header(protocol::HEADER_SIGNATURE, self.key.sign(&text));
        if !body.is_empty() {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        Ok(builder)
    }

    /// Sends a signed request; the response as it came.
    pub(crate) async fn send_signed(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<reqwest::Response, PushError> {
        self.signed(method, path_and_query, body)?
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| self.net(e))
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<T, PushError> {
        let response = self
            .send_signed(method, path_and_query, body, timeout)
            .await?;
        read_json(&self.server, response).await
    }

    /// The device as the server knows it (fails once it is revoked).
    pub async fn me(&self) -> Result<DeviceInfo, PushError> {
        #[derive(serde::Deserialize)]
        struct Me {
            device: DeviceInfo,
        }
        let me: Me = self
            .call(
                reqwest::Method::GET,
                &format!("{}/me", protocol::DEVICE_PREFIX),
                Vec::new(),
                Duration::from_secs(15),
            )
            .await?;
        Ok(me.device)
    }

    /// Removes this device from its server.
    pub async fn revoke(&self) -> Result<(), PushError> {
        let _: Value = self
            .call(
                reqwest::Method::POST,
                &format!("{}/revoke", protocol::DEVICE_PREFIX),
                Vec::new(),
                Duration::from_secs(15),
            )
            .await?;
        Ok(())
    }

    /// Long poll: events after `after`, waiting up to `wait` seconds for one.
    pub async fn poll(&self, after: i64, wait: u32) -> Result<PollResponse, PushError> {
        self.call(
            reqwest::Method::GET,
            &format!(
                "{}/requests?after={after}&wait={wait}",
                protocol::DEVICE_PREFIX
            ),
            Vec::new(),
            Duration::from_secs(u64::from(wait) + 15),
        )
        .await
    }

    /// One request as it is now.
    pub async fn request(&self, uuid: &str) -> Result<RequestView, PushError> {
        #[derive(serde::Deserialize)]
        struct One {
            request: RequestView,
        }
        let one: One = self
            .call(
                reqwest::Method::GET,
                &format!("{}/requests/{uuid}", protocol::DEVICE_PREFIX),
                Vec::new(),
                Duration::from_secs(15),
            )
            .await?;
        Ok(one.request)
    }

    /// Answers a request with a signed decision.
    pub async fn answer(
        &self,
        uuid: &str,
        decision: Decision,
        number: Option<u32>,
    ) -> Result<AnswerOutcome, PushError> {
        #[derive(serde::Deserialize)]
        struct Answered {
            request: RequestView,
        }
        let body = AnswerBody::sign(&self.key, uuid, decision, number, self.now());
        let bytes = serde_json::to_vec(&body).map_err(|e| PushError::BadAnswer(e.to_string()))?;
        let answered: Answered = self
            .call(
                reqwest::Method::POST,
                &format!("{}/requests/{uuid}/answer", protocol::DEVICE_PREFIX),
                bytes,
                Duration::from_secs(15),
            )
            .await?;
        Ok(AnswerOutcome {
            status: answered.request.status,
            reason: answered.request.reason,
        })
    }

    /// Opens the stream and hands each event to `on_event` until the stream ends or breaks.
    /// `last` is the last sequence seen (`Last-Event-ID`); it is kept up to date.
    pub async fn stream_once(
        &self,
        last: &mut Option<i64>,
        on_event: &mut (dyn FnMut(Event) + Send),
        on_open: &mut (dyn FnMut() + Send),
    ) -> Result<(), PushError> {
        let path = format!("{}/stream", protocol::DEVICE_PREFIX);
        let mut builder = self.signed(reqwest::Method::GET, &path, Vec::new())?;
        builder = builder.header(reqwest::header::ACCEPT, "text/event-stream");
        if let Some(id) = last {
            builder = builder.header("Last-Event-ID", id.to_string());
        }
        let response = builder.send().await.map_err(|e| self.net(e))?;
        if !response.status().is_success() {
            return read_json::<Value>(&self.server, response).await.map(|_| ());
        }
        on_open();
        // Silence is measured on the bytes: heartbeats are SSE comments, which never come out
        // of the event parser (timing the parsed events broke every quiet stream after 45 s).
        let silence = self.silence;
        let bytes =
            futures_util::stream::unfold(response.bytes_stream(), move |mut s| async move {
                match tokio::time::timeout(silence, s.next()).await {
                    Ok(Some(chunk)) => Some((chunk.map_err(|e| e.to_string()), s)),
                    Ok(None) => None,
                    Err(_) => Some((Err("the stream went silent".to_owned()), s)),
                }
            });
        let mut events = Box::pin(bytes.eventsource());
        loop {
            let Some(item) = events.next().await else {
                return Ok(());
            };
            let ev = item.map_err(|e| PushError::BadAnswer(e.to_string()))?;
            if ev.event != "request" {
                continue;
            }
            let event: Event =
                serde_json::from_str(&ev.data).map_err(|e| PushError::BadAnswer(e.to_string()))?;
            *last = Some(last.map_or(event.seq, |l| l.max(event.seq)));
            on_event(event);
        }
    }

    /// Follows the device's requests for ever: the stream, reconnecting with jittered backoff
    /// and resuming after the last event; after three failed streams in a row, long polls until
    /// a stream works again. Each (request, status) reaches `on_event` once. Returns only when
    /// the server refuses the device (revoked, bad key), with that error.
    pub async fn listen(
        &self,
        mut on_event: impl FnMut(Event) + Send,
        mut on_state: impl FnMut(&str) + Send,
    ) -> PushError {
        let mut last: Option<i64> = None;
        let mut seen: HashSet<(String, RequestStatus)> = HashSet::new();
        let mut deliver = |event: Event| {
            if seen.insert((event.request.uuid.clone(), event.request.status)) {
                on_event(event);
            }
        };
        // Streams that failed in a row, and long polls made since the stream was last tried.
        let mut failures: u32 = 0;
        let mut polls: u32 = 0;
        loop {
            if failures >= 3 && polls < 10 {
                polls += 1;
                on_state("polling");
                match self.poll(last.unwrap_or(0), 25).await {
                    Ok(page) => {
                        for event in page.events {
                            last = Some(last.map_or(event.seq, |l| l.max(event.seq)));
                            deliver(event);
                        }
                        last = Some(last.map_or(page.last, |l| l.max(page.last)));
                    }
                    Err(e) if !e.is_transient() => return e,
                    Err(e) => {
                        on_state(&format!("disconnected: {e}"));
                        backoff(failures).await;
                    }
                }
                continue;
            }
            polls = 0;
            let mut opened = false;
            let result = self
                .stream_once(&mut last, &mut deliver, &mut || {
                    opened = true;
                    on_state("connected");
                })
                .await;
            if opened {
                failures = 0;
            } else {
                failures += 1;
            }
            match result {
                Ok(()) => {}
                Err(e) if !e.is_transient() => return e,
                Err(e) => {
                    on_state(&format!("disconnected: {e}"));
                    backoff(failures).await;
                }
            }
        }
    }
}

/// Waits before reconnecting: 0.5 s doubling per failure up to 30 s, plus up to 50 % jitter.
async fn backoff(failures: u32) {
    let base = (500u64 << failures.min(6)).min(30_000);
    tokio::time::sleep(Duration::from_millis(base + jitter(base / 2))).await;
}

fn jitter(max: u64) -> u64 {
    let mut b = [0u8; 8];
    if getrandom::fill(&mut b).is_err() || max == 0 {
        return 0;
    }
    u64::from_le_bytes(b) % max
}
