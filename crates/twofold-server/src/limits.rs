//! Rate limits against abuse: requests per API key and per client address, approval requests
//! per user and sync spaces per address (GCRA), answered with Authy's 429 `60003`. One server
//! counts them in process (`governor`); servers sharing a PostgreSQL database also count them
//! there ([`Limits::counted_in`]), so that requests spread over replicas get no more than one
//! server gives. An IPv6 client counts by its /64 (one host usually holds a whole /64, and could
//! otherwise walk around the limit); behind trusted proxies the client is the last address in
//! `X-Forwarded-For` that is not one of them.
//!
//! The shared per-key and per-address buckets are the hot path (every request): a server takes
//! tokens from the database a few at a time and spends them for at most [`LEASE_LIFE`], asking
//! for more the faster it spends them (never more than an eighth of the burst). Tokens are only
//! ever spent once taken, so the replicas together never exceed the limit; a lease a replica
//! holds can refuse another replica's request at the very edge of the limit until it lapses.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::store::{Backend, Db, StoreError};

/// How long a server may spend tokens it took from a shared bucket.
pub const LEASE_LIFE: Duration = Duration::from_millis(250);

/// Requests per second and burst, per API key and per client address.
#[derive(Clone, Copy, Debug)]
pub struct LimitSettings {
    pub per_key_per_second: u32,
    pub per_key_burst: u32,
    pub per_ip_per_second: u32,
    pub per_ip_burst: u32,
    /// Approval requests per user: per minute, and in a burst.
    pub approvals_per_minute: u32,
    pub approvals_burst: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            per_key_per_second: 200,
            per_key_burst: 400,
            per_ip_per_second: 100,
            per_ip_burst: 200,
            approvals_per_minute: 20,
            approvals_burst: 10,
        }
    }
}

/// Sync spaces per address: three at once, then five an hour.
const SPACES_PER_HOUR: u32 = 5;
const SPACES_BURST: u32 = 3;

/// A limit: one token every `spacing` seconds, at most `burst` held.
#[derive(Clone, Copy, Debug)]
struct Rate {
    spacing: f64,
    burst: u32,
}

impl Rate {
    fn new(per: u32, seconds: f64, burst: u32) -> Self {
        Self {
            spacing: seconds / f64::from(per.max(1)),
            burst: burst.max(1),
        }
    }

    fn quota(self) -> Quota {
        let burst = NonZeroU32::new(self.burst).unwrap_or(NonZeroU32::MIN);
        Quota::with_period(Duration::from_secs_f64(self.spacing))
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
            .allow_burst(burst)
    }

    /// The most tokens a server takes from the shared bucket at once.
    fn largest_lease(self) -> u32 {
        (self.burst / 8).clamp(1, 256)
    }
}

/// What a shared bucket limits (its name in the database).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Scope {
    Key,
    Address,
    Approval,
    Space,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Self::Key => "key",
            Self::Address => "ip",
            Self::Approval => "approval",
            Self::Space => "space",
        }
    }
}

/// Tokens a server took from a shared bucket and may still spend.
#[derive(Debug)]
struct Lease {
    tokens: u32,
    until: Instant,
    /// How many to ask for next time.
    next: u32,
}

/// The shared buckets of servers on one PostgreSQL database.
#[derive(Debug)]
struct Counted {
    db: Db,
    /// The leases this server holds, per scope and key.
    leases: Mutex<HashMap<Scope, HashMap<String, Lease>>>,
}

impl Counted {
    /// One token from the shared bucket, through a lease when `lease` (the hot path).
    async fn take(
        &self,
        scope: Scope,
        key: String,
        rate: Rate,
        lease: bool,
    ) -> Result<bool, StoreError> {
        if !lease {
            let taken = self
                .db
                .take_tokens(scope.name(), &key, 1, rate.spacing, rate.burst)
                .await?;
            return Ok(taken > 0);
        }
        let now = Instant::now();
        let want = {
            let mut leases = self.leases.lock().unwrap_or_else(|e| e.into_inner());
            match leases.entry(scope).or_default().get_mut(key.as_str()) {
                Some(l) if l.tokens > 0 && l.until > now => {
                    l.tokens -= 1;
                    return Ok(true);
                }
                // Spent within its life: ask for twice as many; lapsed unspent: half.
                Some(l) if l.until > now => (l.next * 2).min(rate.largest_lease()),
                Some(l) if l.tokens > 0 => (l.next / 2).max(1),
                Some(l) => l.next,
                None => 1,
            }
        };
        let taken = self
            .db
            .take_tokens(scope.name(), &key, want, rate.spacing, rate.burst)
            .await?;
        let mut leases = self.leases.lock().unwrap_or_else(|e| e.into_inner());
        let entry = leases
            .entry(scope)
            .or_default()
            .entry(key)
            .or_insert(Lease {
                tokens: 0,
                until: now,
                next: 1,
            });
        if taken == 0 {
            entry.next = 1;
            return Ok(false);
        }
        let now = Instant::now();
        // Tokens another request of this server took meanwhile and has not spent are kept.
        let kept = if entry.until > now { entry.tokens } else { 0 };
        entry.tokens = kept + taken - 1;
        entry.until = now + LEASE_LIFE;
        entry.next = want;
        Ok(true)
    }

    fn forget_lapsed(&self) {
        let now = Instant::now();
        let mut leases = self.leases.lock().unwrap_or_else(|e| e.into_inner());
        for held in leases.values_mut() {
            held.retain(|_, l| l.until + LEASE_LIFE > now);
            held.shrink_to_fit();
        }
    }
}

/// The limiters.
#[derive(Debug)]
pub struct Limits {
    by_key: DefaultKeyedRateLimiter<i64>,
    by_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Approval requests created per user.
    approvals: DefaultKeyedRateLimiter<i64>,
    /// Sync spaces created per address (when anyone may create one).
    spaces: DefaultKeyedRateLimiter<IpAddr>,
    /// Per [`Scope`], in its order.
    rates: [Rate; 4],
    /// Servers on PostgreSQL: the same limits counted in the database.
    counted: Option<Counted>,
}

impl Limits {
    /// Limits counted in this process.
    pub fn new(s: LimitSettings) -> Self {
        let rates = [
            Rate::new(s.per_key_per_second, 1.0, s.per_key_burst),
            Rate::new(s.per_ip_per_second, 1.0, s.per_ip_burst),
            Rate::new(s.approvals_per_minute, 60.0, s.approvals_burst),
            Rate::new(SPACES_PER_HOUR, 3600.0, SPACES_BURST),
        ];
        Self {
            by_key: RateLimiter::keyed(rates[0].quota()),
            by_ip: RateLimiter::keyed(rates[1].quota()),
            approvals: RateLimiter::keyed(rates[2].quota()),
            spaces: RateLimiter::keyed(rates[3].quota()),
            rates,
            counted: None,
        }
    }

    /// The same limits also counted in `db` when it is PostgreSQL (shared by every server on
    /// it); on SQLite, which one server owns, in process only.
    #[must_use]
    pub fn counted_in(mut self, db: &Db) -> Self {
        if db.backend() == Backend::Postgres {
            self.counted = Some(Counted {
                db: db.clone(),
                leases: Mutex::default(),
            });
        }
        self
    }

    /// The shared bucket's word, when there is one (the key is written out only then: the
    /// in-process path makes no string).
    async fn shared(
        &self,
        scope: Scope,
        key: impl std::fmt::Display,
        lease: bool,
    ) -> Result<bool, StoreError> {
        let rate = self.rates[scope as usize];
        match &self.counted {
            None => Ok(true),
            Some(c) => c.take(scope, key.to_string(), rate, lease).await,
        }
    }

    /// Whether one more request of this application is allowed now.
    pub async fn allow_app(&self, app_id: i64) -> Result<bool, StoreError> {
        Ok(self.by_key.check_key(&app_id).is_ok() && self.shared(Scope::Key, app_id, true).await?)
    }

    /// Whether one more request from this address (its /64 for IPv6) is allowed now.
    pub async fn allow_ip(&self, ip: IpAddr) -> Result<bool, StoreError> {
        let ip = address_key(ip);
        Ok(self.by_ip.check_key(&ip).is_ok() && self.shared(Scope::Address, ip, true).await?)
    }

    /// Whether one more approval request for this user is allowed now.
    pub async fn allow_approval(&self, user_id: i64) -> Result<bool, StoreError> {
        Ok(self.approvals.check_key(&user_id).is_ok()
            && self.shared(Scope::Approval, user_id, false).await?)
    }

    /// Whether one more sync space may be created from this address (its /64) now: three at
    /// once, then five an hour.
    pub async fn allow_space(&self, ip: IpAddr) -> Result<bool, StoreError> {
        let ip = address_key(ip);
        Ok(self.spaces.check_key(&ip).is_ok() && self.shared(Scope::Space, ip, false).await?)
    }

    /// Forgets idle keys (call now and then so memory stays bounded).
    pub fn shrink(&self) {
        self.by_key.retain_recent();
        self.by_ip.retain_recent();
        self.approvals.retain_recent();
        self.spaces.retain_recent();
        self.by_key.shrink_to_fit();
        self.by_ip.shrink_to_fit();
        if let Some(c) = &self.counted {
            c.forget_lapsed();
        }
    }
}

/// What the per-address limit counts: an IPv4 address, or the /64 network of an IPv6 one (an
/// IPv4-mapped IPv6 address counts as its IPv4 address).
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !((1u128 << 64) - 1))),
        },
    }
}

/// The client's address: the peer, or — when the peer is a trusted proxy — the right-most
/// address of `X-Forwarded-For` that is not a trusted proxy (addresses further left are the
/// client's own claims and could be forged).
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[tokio::test]
    async fn one_ipv6_slash_64_is_one_client() {
        let limits = Limits::new(LimitSettings {
            per_ip_per_second: 1,
            per_ip_burst: 2,
            ..LimitSettings::default()
        });
        let allow = async |a: &str| limits.allow_ip(ip(a)).await.unwrap();
        assert!(allow("2001:db8:1:2::1").await);
        assert!(allow("2001:db8:1:2:ffff::9").await);
        assert!(
            !allow("2001:db8:1:2:abcd:1:2:3").await,
            "a third address of the same /64 meets the limit"
        );
        assert!(allow("2001:db8:1:3::1").await, "another /64");
        assert_eq!(address_key(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
    }

    #[test]
    fn forwarded_addresses_count_only_behind_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let mut h = HeaderMap::new();
        h.append(
            "x-forwarded-for",
            "198.51.100.9, 203.0.113.5".parse().unwrap(),
        );
        h.append("x-forwarded-for", "10.1.2.3".parse().unwrap());
        // From an untrusted peer the header is ignored.
        assert_eq!(
            client_address(ip("192.0.2.1"), &h, &trusted),
            ip("192.0.2.1")
        );
        // Through the trusted proxies: the last untrusted hop, not the client's own claim.
        assert_eq!(
            client_address(ip("10.0.0.1"), &h, &trusted),
            ip("203.0.113.5")
        );
        // No header: the proxy itself.
        assert_eq!(
            client_address(ip("10.0.0.1"), &HeaderMap::new(), &trusted),
            ip("10.0.0.1")
        );
        // Garbage stops the walk at the last good hop.
        let mut bad = HeaderMap::new();
        bad.append("x-forwarded-for", "nonsense, 10.2.2.2".parse().unwrap());
        assert_eq!(
            client_address(ip("10.0.0.1"), &bad, &trusted),
            ip("10.2.2.2")
        );
    }
}
