//! Rate limits against abuse: requests per API key and per client address (GCRA via `governor`),
//! answered with Authy's 429 `60003`.

use std::net::IpAddr;
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
        }
    }

    /// Whether one more request of this application is allowed now.
    pub fn allow_app(&self, app_id: i64) -> bool {
        self.by_key.check_key(&app_id).is_ok()
    }

    /// Whether one more request from this address is allowed now.
    pub fn allow_ip(&self, ip: IpAddr) -> bool {
        self.by_ip.check_key(&ip).is_ok()
    }

    /// Whether one more approval request for this user is allowed now.
    pub fn allow_approval(&self, user_id: i64) -> bool {
        self.approvals.check_key(&user_id).is_ok()
    }

    /// Forgets idle keys (call now and then so memory stays bounded).
    pub fn shrink(&self) {
        self.by_key.retain_recent();
        self.by_ip.retain_recent();
        self.approvals.retain_recent();
        self.by_key.shrink_to_fit();
        self.by_ip.shrink_to_fit();
    }
}
