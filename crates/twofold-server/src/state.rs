//! What every request handler shares: the database, the server key, the delivery provider, the
//! policy numbers and the clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use twofold_core::clock::{SharedClock, SystemClock};

use crate::crypto::ServerKey;
use crate::delivery::Delivery;
use crate::hub::Hub;
use crate::limits::Limits;
use crate::store::Db;

/// Policy numbers (defaults suit production; tests may shorten them).
#[derive(Clone, Debug)]
pub struct Policy {
    /// Failed verifications before a user is locked.
    pub max_failed_verifications: i64,
    /// How long a lock lasts, in seconds.
    pub lock_seconds: i64,
    /// Lifetime of SMS, call and email codes, in seconds.
    pub sent_code_ttl: i64,
    /// Lifetime of a phone verification, in seconds.
    pub phone_verification_ttl: i64,
    /// Wrong codes before a phone verification fails.
    pub phone_verification_attempts: i64,
    /// Codes sent per user (SMS, call, email) and phone verifications started per phone, in
    /// each [`Policy::send_window`].
    pub sends_per_window: i64,
    /// The window of [`Policy::sends_per_window`], in seconds.
    pub send_window: i64,
    /// Wrong phone-verification codes per phone per day, across all its verifications (each
    /// verification also has its own [`Policy::phone_verification_attempts`]).
    pub phone_check_failures_per_day: i64,
    /// Default lifetime of an approval request, in seconds.
    pub approval_default_ttl: i64,
    /// Most pending approval requests a user may have at once.
    pub max_pending_approvals: i64,
    /// Public base URL used in links (QR images); taken from the request's Host when unset.
    pub public_url: Option<String>,
    /// Whether this server speaks HTTPS (links built from the Host header say `https://`).
    pub https: bool,
    /// `/metrics` on the API port needs this bearer token; without one it is not served there.
    pub metrics_token: Option<String>,
    /// Proxies whose `X-Forwarded-For` names the client (for the per-address limit).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Who may create a sync space.
    pub sync: SyncMode,
}

/// Who may create a sync space on this server (`--sync`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SyncMode {
    /// Nobody: the sync endpoints refuse (the default).
    #[default]
    Off,
    /// Whoever holds a one-time invitation (`twofold-server sync invite`).
    Invite,
    /// Anyone, a few spaces per address per hour.
    Open,
}

impl SyncMode {
    /// Parses `off`, `invite` or `open`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "off" => Some(Self::Off),
            "invite" => Some(Self::Invite),
            "open" => Some(Self::Open),
            _ => None,
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            max_failed_verifications: 10,
            lock_seconds: 15 * 60,
            sent_code_ttl: 10 * 60,
            phone_verification_ttl: 10 * 60,
            phone_verification_attempts: 5,
            sends_per_window: 5,
            send_window: 10 * 60,
            phone_check_failures_per_day: 10,
            approval_default_ttl: 86_400,
            max_pending_approvals: 3,
            public_url: None,
            https: false,
            metrics_token: None,
            trusted_proxies: Vec::new(),
            sync: SyncMode::Off,
        }
    }
}

/// Request counters for `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    pub requests: AtomicU64,
    pub errors: AtomicU64,
    pub verifications_ok: AtomicU64,
    pub verifications_failed: AtomicU64,
    pub deliveries: AtomicU64,
    pub delivery_failures: AtomicU64,
    /// Device event streams open now (a gauge).
    pub streams: AtomicU64,
}

impl Metrics {
    pub fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Shared state: one `Arc`, so the per-request clones axum makes cost one increment.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] holds.
#[derive(Clone, Debug)]
pub struct Shared {
    pub db: Db,
    pub key: ServerKey,
    pub delivery: Arc<Delivery>,
    pub policy: Arc<Policy>,
    pub metrics: Arc<Metrics>,
    pub limits: Arc<Limits>,
    /// Wakes device streams and the callback worker.
    pub hub: Arc<Hub>,
    /// The HTTP client of callbacks (redirects are not followed).
    pub http: reqwest::Client,
    /// The callbacks this process is attempting (handed back by a graceful stop).
    pub leases: Arc<crate::callbacks::Leases>,
    /// The server's one clock (the binary passes it in; tests may pass a fixed one).
    pub clock: SharedClock,
    /// Set when the server starts a graceful stop: `/readyz` answers 503 so that load balancers
    /// take it out while it still serves.
    pub draining: Arc<std::sync::atomic::AtomicBool>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// State over a database with a delivery provider, policy and limits.
    pub fn new(db: Db, key: ServerKey, delivery: Delivery, policy: Policy, limits: Limits) -> Self {
        Self(Arc::new(Shared {
            db,
            key,
            delivery: Arc::new(delivery),
            policy: Arc::new(policy),
            metrics: Arc::new(Metrics::default()),
            limits: Arc::new(limits),
            hub: Arc::new(Hub::default()),
            http: crate::callbacks::http_client(),
            leases: Arc::default(),
            clock: SystemClock::shared(),
            draining: Arc::default(),
        }))
    }

    /// The same state reading another clock.
    pub fn with_clock(&self, clock: SharedClock) -> Self {
        let mut shared = (*self.0).clone();
        shared.clock = clock;
        Self(Arc::new(shared))
    }

    /// The same state with another delivery provider.
    pub fn with_delivery(&self, delivery: Delivery) -> Self {
        let mut shared = (*self.0).clone();
        shared.delivery = Arc::new(delivery);
        Self(Arc::new(shared))
    }

    /// The same state with another policy.
    pub fn with_policy(&self, policy: Policy) -> Self {
        let mut shared = (*self.0).clone();
        shared.policy = Arc::new(policy);
        Self(Arc::new(shared))
    }

    /// The same state with other limits.
    pub fn with_limits(&self, limits: Limits) -> Self {
        let mut shared = (*self.0).clone();
        shared.limits = Arc::new(limits);
        Self(Arc::new(shared))
    }
}

impl Shared {
    /// Unix seconds now, from the state's clock.
    pub fn now(&self) -> i64 {
        i64::try_from(self.clock.unix_seconds()).unwrap_or(i64::MAX)
    }
}
