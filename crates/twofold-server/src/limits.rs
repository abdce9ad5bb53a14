//! Rate limits against abuse: requests per API key and per client address (GCRA via `governor`),
//! answered with Authy's 429 `60003`. An IPv6 client counts by its /64 (one host usually holds a
//! whole /64, and could otherwise walk around the limit); behind trusted proxies the client is
//! the last address in `X-Forwarded-For` that is not one of them.

use std::net::{IpAddr, Ipv6Addr};

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

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

/// The limiters.
#[derive(Debug)]
pub struct Limits {
    by_key: DefaultKeyedRateLimiter<i64>,
    by_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Approval requests created per user.
    approvals: DefaultKeyedRateLimiter<i64>,
    /// Sync spaces created per address (when anyone may create one).
    spaces: DefaultKeyedRateLimiter<IpAddr>,
}

fn quota(per_second: u32, burst: u32) -> Quota {
    let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::per_second(rate).allow_burst(burst)
}

impl Limits {
    pub fn new(s: LimitSettings) -> Self {
        Self {
            by_key: RateLimiter::keyed(quota(s.per_key_per_second, s.per_key_burst)),
            by_ip: RateLimiter::keyed(quota(s.per_ip_per_second, s.per_ip_burst)),
            approvals: RateLimiter::keyed(
                Quota::per_minute(
                    NonZeroU32::new(s.approvals_per_minute.max(1)).unwrap_or(NonZeroU32::MIN),
                )
                .allow_burst(NonZeroU32::new(s.approvals_burst.max(1)).unwrap_or(NonZeroU32::MIN)),
            ),
            spaces: RateLimiter::keyed(
                Quota::per_hour(NonZeroU32::new(5).unwrap_or(NonZeroU32::MIN))
                    .allow_burst(NonZeroU32::new(3).unwrap_or(NonZeroU32::MIN)),
            ),
        }
    }

    /// Whether one more request of this application is allowed now.
    pub fn allow_app(&self, app_id: i64) -> bool {
        self.by_key.check_key(&app_id).is_ok()
    }

    /// Whether one more request from this address (its /64 for IPv6) is allowed now.
    pub fn allow_ip(&self, ip: IpAddr) -> bool {
        self.by_ip.check_key(&address_key(ip)).is_ok()
    }

    /// Whether one more approval request for this user is allowed now.
    pub fn allow_approval(&self, user_id: i64) -> bool {
        self.approvals.check_key(&user_id).is_ok()
    }

    /// Whether one more sync space may be created from this address (its /64) now: three at
    /// once, then five an hour.
    pub fn allow_space(&self, ip: IpAddr) -> bool {
        self.spaces.check_key(&address_key(ip)).is_ok()
    }

    /// Forgets idle keys (call now and then so memory stays bounded).
    pub fn shrink(&self) {
        self.by_key.retain_recent();
        self.by_ip.retain_recent();
        self.approvals.retain_recent();
        self.spaces.retain_recent();
        self.by_key.shrink_to_fit();
        self.by_ip.shrink_to_fit();
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

    #[test]
    fn one_ipv6_slash_64_is_one_client() {
        let limits = Limits::new(LimitSettings {
            per_ip_per_second: 1,
            per_ip_burst: 2,
            ..LimitSettings::default()
        });
        assert!(limits.allow_ip(ip("2001:db8:1:2::1")));
        assert!(limits.allow_ip(ip("2001:db8:1:2:ffff::9")));
        assert!(
            !limits.allow_ip(ip("2001:db8:1:2:abcd:1:2:3")),
            "a third address of the same /64 meets the limit"
        );
        assert!(limits.allow_ip(ip("2001:db8:1:3::1")), "another /64");
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
