//! Time as something passed in: each binary makes one [`Clock`] at start ([`SystemClock`]) and
//! hands it to the code that needs "now"; tests hand in a [`FixedClock`]. Core's own logic
//! never reads a clock — it takes times as arguments — and this module is the only place in
//! the workspace that reads the system's.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Time since the Unix epoch (zero for a clock set before 1970).
    fn since_epoch(&self) -> Duration;

    /// Whole seconds since the Unix epoch.
    fn unix_seconds(&self) -> u64 {
        self.since_epoch().as_secs()
    }
}

/// A clock shared by everything one binary runs.
pub type SharedClock = Arc<dyn Clock>;

/// The operating system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl SystemClock {
    /// The system clock, ready to share.
    pub fn shared() -> SharedClock {
        Arc::new(Self)
    }
}

impl Clock for SystemClock {
    fn since_epoch(&self) -> Duration {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
    }
}

/// A clock that says what it was set to, for tests and test vectors.
#[derive(Debug, Default)]
pub struct FixedClock {
    micros: AtomicU64,
}

impl FixedClock {
    /// A clock standing at `unix_seconds`.
    pub fn at(unix_seconds: u64) -> Self {
        Self {
            micros: AtomicU64::new(unix_seconds.saturating_mul(1_000_000)),
        }
    }

    /// Moves the clock on by `by`.
    pub fn advance(&self, by: Duration) {
        let micros = u64::try_from(by.as_micros()).unwrap_or(u64::MAX);
        self.micros.fetch_add(micros, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn since_epoch(&self) -> Duration {
        Duration::from_micros(self.micros.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_stands_still_until_moved() {
        let clock = FixedClock::at(59);
        assert_eq!(clock.unix_seconds(), 59);
        clock.advance(Duration::from_millis(1500));
        assert_eq!(clock.since_epoch(), Duration::from_micros(60_500_000));
        assert_eq!(clock.unix_seconds(), 60);
    }

    #[test]
    fn the_system_clock_is_after_2020() {
        assert!(SystemClock.unix_seconds() > 1_577_836_800);
    }
}
