//! Is this computer's clock right? Codes are only as right as the clock: a measurement against a
//! reference the user already trusts (the enrolled push server's `Date` header, or an NTP server
//! the user named), the warning it calls for, and the record of both kept beside the vault.
//! Nothing here reads a clock or the network: the times come in as arguments. Twofold never
//! changes the clock; it only says so.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::account::Problem;
use crate::vault::{self, VaultError};

/// How far off the clock may be before the user is told: half a 30-second step.
pub const TOLERANCE_SECONDS: i64 = 15;

/// How long a measurement is trusted before it is taken again.
pub const REMEASURE_AFTER: u64 = 3600;

/// How long after an attempt that reached no reference (offline, say) the next one waits.
pub const RETRY_AFTER: u64 = 600;

/// One comparison of this computer's clock with a reference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measurement {
    /// The reference's time minus this computer's, in whole seconds (positive: the computer is
    /// behind).
    pub offset_seconds: i64,
    /// The reference, as the user knows it (`https://2fa.example.com`, `ntp pool.ntp.org`).
    pub source: String,
    /// When it was taken, on this computer's clock (Unix seconds).
    pub measured_at: u64,
}

/// The offset that a reference time (`reference`, whole seconds, as an HTTP `Date` header gives
/// it) shows against this computer's clock, read just before the request was `sent` and just
/// after the reply was `received` (Unix milliseconds): the reply is taken as made halfway.
/// A `Date` header is truncated to the second, so half a second is added to it.
pub fn offset_from_date(reference: u64, sent_ms: u64, received_ms: u64) -> i64 {
    let midpoint = (i128::from(sent_ms) + i128::from(received_ms)) / 2;
    let reference_ms = i128::from(reference) * 1000 + 500;
    let offset_ms = reference_ms - midpoint;
    // Rounded to the nearest second, half away from zero.
    let seconds = (offset_ms.abs() + 500) / 1000 * offset_ms.signum();
    i64::try_from(seconds).unwrap_or(if seconds < 0 { i64::MIN } else { i64::MAX })
}

impl Measurement {
    /// What to tell the user, when the clock is off by more than [`TOLERANCE_SECONDS`].
    pub fn warning(&self) -> Option<String> {
        let off = self.offset_seconds;
        if off.abs() <= TOLERANCE_SECONDS {
            return None;
        }
        let way = if off > 0 { "behind" } else { "ahead of" };
        Some(format!(
            "this computer's clock is {} {way} {}: codes made now will be refused. Set the \
             clock right (turn on automatic time in the system settings); Twofold does not \
             change it",
            describe(off.unsigned_abs()),
            self.source
        ))
    }
}

/// `45 s`, `3 min 20 s`, `2 h 5 min`, `3 days`.
fn describe(seconds: u64) -> String {
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => match s % 60 {
            0 => format!("{} min", s / 60),
            r => format!("{} min {r} s", s / 60),
        },
        s if s < 2 * 86_400 => match (s % 3600) / 60 {
            0 => format!("{} h", s / 3600),
            m => format!("{} h {m} min", s / 3600),
        },
        s => format!("{} days", s / 86_400),
    }
}

/// The user's choice of reference and the last measurement, in `<vault>.clock.json`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClockRecord {
    /// An NTP server to ask (opt-in; `None`: only the push servers, which the user already
    /// talks to).
    pub ntp_server: Option<String>,
    /// The last measurement.
    pub last: Option<Measurement>,
    /// When a measurement was last tried (Unix seconds), whether or not a reference answered.
    pub last_attempt: Option<u64>,
}

/// Where the clock record of the vault at `vault_path` lives.
pub fn record_path(vault_path: &Path) -> PathBuf {
    let mut name = vault_path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".clock.json");
    vault_path.with_file_name(name)
}

impl ClockRecord {
    /// The record beside the vault (defaults when there is none or it cannot be read: it holds
    /// no secret and is rewritten at the next measurement).
    pub fn load(vault_path: &Path) -> Self {
        std::fs::read(record_path(vault_path))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Saves it atomically.
    pub fn save(&self, vault_path: &Path) -> Result<(), VaultError> {
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| VaultError::Corrupt {
            reason: e.to_string(),
        })?;
        vault::write_atomically(&record_path(vault_path), &bytes)
    }

    /// Whether the last measurement is missing or older than [`REMEASURE_AFTER`] at `now`
    /// (or from the future: the clock was moved back since).
    pub fn stale(&self, now: u64) -> bool {
        self.last
            .as_ref()
            .is_none_or(|m| m.measured_at > now || now - m.measured_at >= REMEASURE_AFTER)
    }

    /// Whether to measure at `now`: the last measurement is stale and no attempt was made in
    /// the last [`RETRY_AFTER`] seconds (an offline computer is not slowed at every code).
    pub fn due(&self, now: u64) -> bool {
        self.stale(now)
            && self
                .last_attempt
                .is_none_or(|t| t > now || now - t >= RETRY_AFTER)
    }
}

/// Checks an NTP server name typed by the user: a host name or address, with an optional port.
pub fn check_ntp_server(text: &str) -> Result<String, Problem> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Problem::ServerNeeded);
    }
    if t.len() > 253 {
        return Err(Problem::TooLong { max: 253 });
    }
    if let Some(c) = t
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')))
    {
        return Err(Problem::NotInServerName { character: c });
    }
    Ok(t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(offset: i64) -> Measurement {
        Measurement {
            offset_seconds: offset,
            source: "https://2fa.example.com".into(),
            measured_at: 1_000,
        }
    }

    #[test]
    fn the_offset_takes_the_reply_as_made_halfway() {
        // Sent at 1000.000, received at 1000.200 (on our clock); the server said 1060.
        assert_eq!(offset_from_date(1060, 1_000_000, 1_000_200), 60);
        // The server's second 1000 covers 1000.0–1000.999: against 1000.1, about 0.
        assert_eq!(offset_from_date(1000, 1_000_000, 1_000_200), 0);
        assert_eq!(offset_from_date(999, 1_000_000, 1_000_200), -1);
        assert_eq!(offset_from_date(940, 1_000_000, 1_000_200), -60);
        // A slow reply (4 s) still reads as the midpoint.
        assert_eq!(offset_from_date(1_002, 1_000_000, 1_004_200), 0);
        assert_eq!(
            offset_from_date(0, u64::MAX, u64::MAX),
            -18_446_744_073_709_551
        );
    }

    #[test]
    fn only_more_than_fifteen_seconds_is_worth_a_warning() {
        assert_eq!(m(0).warning(), None);
        assert_eq!(m(15).warning(), None);
        assert_eq!(m(-15).warning(), None);
        let behind = m(60).warning().unwrap();
        assert!(
            behind.starts_with("this computer's clock is 1 min behind https://2fa.example.com"),
            "{behind}"
        );
        let ahead = m(-16).warning().unwrap();
        assert!(ahead.contains("16 s ahead of"), "{ahead}");
        assert!(m(-3 * 86_400).warning().unwrap().contains("3 days"));
        assert!(m(7_500).warning().unwrap().contains("2 h 5 min"));
        assert!(m(200).warning().unwrap().contains("3 min 20 s"));
    }

    #[test]
    fn a_measurement_is_taken_again_after_an_hour_or_a_clock_moved_back() {
        let mut r = ClockRecord::default();
        assert!(r.stale(5_000));
        r.last = Some(m(0));
        assert!(!r.stale(1_000));
        assert!(!r.stale(1_000 + REMEASURE_AFTER - 1));
        assert!(r.stale(1_000 + REMEASURE_AFTER));
        assert!(r.stale(999));
        // Offline: tried a minute ago, not again for ten.
        let mut r = ClockRecord {
            last_attempt: Some(5_000),
            ..ClockRecord::default()
        };
        assert!(!r.due(5_060));
        assert!(r.due(5_000 + RETRY_AFTER));
        r.last = Some(Measurement {
            measured_at: 5_000,
            ..m(0)
        });
        assert!(!r.due(5_000 + RETRY_AFTER));
        assert!(r.due(5_000 + REMEASURE_AFTER));
    }

    #[test]
    fn the_record_lives_beside_the_vault_and_survives_damage() {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("vault.tfv");
        assert_eq!(ClockRecord::load(&vault), ClockRecord::default());
        let r = ClockRecord {
            ntp_server: Some("pool.ntp.org".into()),
            last: Some(m(-20)),
            last_attempt: Some(1_000),
        };
        r.save(&vault).unwrap();
        assert_eq!(record_path(&vault), dir.path().join("vault.tfv.clock.json"));
        assert_eq!(ClockRecord::load(&vault), r);
        std::fs::write(record_path(&vault), b"{not json").unwrap();
        assert_eq!(ClockRecord::load(&vault), ClockRecord::default());
    }

    #[test]
    fn ntp_server_names_are_checked() {
        assert_eq!(check_ntp_server(" pool.ntp.org ").unwrap(), "pool.ntp.org");
        assert_eq!(check_ntp_server("10.0.0.1:123").unwrap(), "10.0.0.1:123");
        assert!(check_ntp_server("").is_err());
        assert_eq!(
            check_ntp_server("a b").unwrap_err().to_string(),
            "` ` cannot be in a server name"
        );
        assert!(check_ntp_server(&"a".repeat(300)).is_err());
    }
}
