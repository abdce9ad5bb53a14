//! One-time codes: HOTP (RFC 4226), TOTP (RFC 6238) and Steam Guard, computed from a seed and a
//! counter or a time that the caller passes in.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use subtle::ConstantTimeEq;

/// The HMAC hash function of an OTP account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Algorithm {
    /// HMAC-SHA1, the default of RFC 4226/6238 and of nearly every website.
    #[default]
    Sha1,
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA512.
    Sha512,
}

impl Algorithm {
    /// The name used in `otpauth://` URIs (`SHA1`, `SHA256`, `SHA512`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Sha512 => "SHA512",
        }
    }

    /// Parses an algorithm name, ignoring case and a hyphen (`sha1`, `SHA-256`).
    pub fn parse(value: &str) -> Option<Self> {
        let norm: String = value
            .trim()
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_uppercase();
        match norm.as_str() {
            "SHA1" => Some(Self::Sha1),
            "SHA256" => Some(Self::Sha256),
            "SHA512" => Some(Self::Sha512),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How codes advance: with time (TOTP, Steam) or with a counter (HOTP).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// Time-based codes that change every `period` seconds.
    Totp {
        /// Seconds per code, at least 1.
        period: u32,
    },
    /// Counter-based codes; `counter` is the counter of the next code to show.
    Hotp {
        /// The moving factor of the next code.
        counter: u64,
    },
    /// Steam Guard: TOTP with five characters from Steam's alphabet.
    Steam {
        /// Seconds per code (Steam uses 30).
        period: u32,
    },
}

impl Method {
    /// The period of a time-based method, `None` for HOTP.
    pub fn period(self) -> Option<u32> {
        match self {
            Self::Totp { period } | Self::Steam { period } => Some(period),
            Self::Hotp { .. } => None,
        }
    }

    /// The `otpauth://` type name.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Totp { .. } => "totp",
            Self::Hotp { .. } => "hotp",
            Self::Steam { .. } => "steam",
        }
    }
}

/// The smallest and largest number of digits we generate for TOTP and HOTP.
pub const DIGITS_RANGE: std::ops::RangeInclusive<u8> = 4..=10;
/// The number of characters of a Steam Guard code.
pub const STEAM_CHARS: u8 = 5;
const STEAM_ALPHABET: &[u8; 26] = b"23456789BCDFGHJKMNPQRTVWXY";

/// The parameters of an OTP account, validated on construction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OtpParams {
    method: Method,
    algorithm: Algorithm,
    digits: u8,
}

/// A parameter outside what we can generate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    /// Digits outside [`DIGITS_RANGE`].
    #[error("digits: {value} is outside 4–10")]
    Digits {
        /// The rejected value.
        value: u64,
    },
    /// A period of zero seconds.
    #[error("period: must be at least 1 second")]
    ZeroPeriod,
}

impl OtpParams {
    /// Validated parameters. Steam ignores `digits` (its codes have five characters).
    pub fn new(method: Method, algorithm: Algorithm, digits: u8) -> Result<Self, ParamsError> {
        if method.period() == Some(0) {
            return Err(ParamsError::ZeroPeriod);
        }
        let digits = match method {
            Method::Steam { .. } => STEAM_CHARS,
            _ if DIGITS_RANGE.contains(&digits) => digits,
            _ => {
                return Err(ParamsError::Digits {
                    value: digits.into(),
                });
            }
        };
        Ok(Self {
            method,
            algorithm,
            digits,
        })
    }

    /// The usual TOTP: SHA1, 6 digits, 30 seconds.
    pub fn totp_default() -> Self {
        Self {
            method: Method::Totp { period: 30 },
            algorithm: Algorithm::Sha1,
            digits: 6,
        }
    }

    /// How codes advance.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The HMAC algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Digits (or Steam characters) per code.
    pub fn digits(&self) -> u8 {
        self.digits
    }

    /// The same parameters with another HOTP counter; unchanged for time-based methods.
    pub fn with_counter(self, counter: u64) -> Self {
        match self.method {
            Method::Hotp { .. } => Self {
                method: Method::Hotp { counter },
                ..self
            },
            _ => self,
        }
    }

    /// The moving factor at `unix_time` (the time step for TOTP/Steam, the counter for HOTP).
    pub fn counter_at(&self, unix_time: u64) -> u64 {
        match self.method {
            Method::Totp { period } | Method::Steam { period } => unix_time / u64::from(period),
            Method::Hotp { counter } => counter,
        }
    }

    /// Seconds until the code shown at `unix_time` changes; `None` for HOTP.
    pub fn seconds_left(&self, unix_time: u64) -> Option<u32> {
        let period = self.method.period()?;
        let rem = unix_time % u64::from(period);
        // `rem < period`, so the difference fits in u32.
        Some(period - u32::try_from(rem).unwrap_or(0))
    }

    /// The code for an explicit moving factor.
    pub fn code_for_counter(&self, secret: &[u8], counter: u64) -> Code {
        let value = truncate(&hmac(self.algorithm, secret, counter));
        match self.method {
            Method::Steam { .. } => Code::steam(value),
            _ => Code::numeric(value, self.digits),
        }
    }

    /// The code shown at `unix_time` (HOTP: the code of the current counter).
    pub fn code_at(&self, secret: &[u8], unix_time: u64) -> Code {
        self.code_for_counter(secret, self.counter_at(unix_time))
    }

    /// The time step within `window` of the one at `unix_time` whose code is `code`, the
    /// earliest if several match; each candidate is compared in constant time. `None` for HOTP
    /// (a counter is not a window of time) and for a code of another length.
    pub fn matching_step(
        &self,
        secret: &[u8],
        code: &str,
        unix_time: u64,
        window: Window,
    ) -> Option<u64> {
        self.method.period()?;
        if code.len() != usize::from(self.digits) {
            return None;
        }
        let now = self.counter_at(unix_time);
        (now.saturating_sub(window.behind)..=now.saturating_add(window.ahead)).find(|&step| {
            let candidate = self.code_for_counter(secret, step);
            bool::from(candidate.as_str().as_bytes().ct_eq(code.as_bytes()))
        })
    }

    /// The oldest time step [`Self::matching_step`] can still answer at `unix_time`: a verifier
    /// may forget which earlier steps were used. `None` for HOTP.
    pub fn oldest_usable_step(&self, unix_time: u64, window: Window) -> Option<u64> {
        self.method.period()?;
        Some(self.counter_at(unix_time).saturating_sub(window.behind))
    }
}

/// The time steps a verifier accepts around the current one: clocks drift and codes take time
/// to type (RFC 6238 §5.2 recommends at most one step of delay).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Steps before the current one.
    pub behind: u64,
    /// Steps after the current one.
    pub ahead: u64,
}

impl Window {
    /// One step either side: what Authy's API and most verifiers accept.
    pub const ONE_STEP: Self = Self {
        behind: 1,
        ahead: 1,
    };
}

/// A generated code: up to ten ASCII digits or Steam characters, kept on the stack.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code {
    buf: [u8; 10],
    len: u8,
}

impl Code {
    fn numeric(value: u32, digits: u8) -> Self {
        let mut buf = [b'0'; 10];
        let len = usize::from(digits);
        let mut v = u64::from(value) % 10u64.pow(u32::from(digits));
        for slot in buf[..len].iter_mut().rev() {
            *slot = b'0' + (v % 10) as u8;
            v /= 10;
        }
        Self { buf, len: digits }
    }

    fn steam(mut value: u32) -> Self {
        let mut buf = [b'0'; 10];
        for slot in buf[..usize::from(STEAM_CHARS)].iter_mut() {
            *slot = STEAM_ALPHABET[(value % 26) as usize];
            value /= 26;
        }
        Self {
            buf,
            len: STEAM_CHARS,
        }
    }

    /// The code as a string slice (`"287082"`).
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and Steam letters are ever written.
        std::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or("")
    }

    /// The code split into groups for reading: `123 456`, `123 4567`, `1234 5678`, `ABCDE`.
    pub fn grouped(&self) -> String {
        let s = self.as_str();
        let split = match s.len() {
            6 => 3,
            7 => 3,
            8 => 4,
            9 => 3,
            10 => 5,
            _ => return s.to_owned(),
        };
        if s.len() == 9 {
            return format!("{} {} {}", &s[..3], &s[3..6], &s[6..]);
        }
        format!("{} {}", &s[..split], &s[split..])
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Code({})", self.as_str())
    }
}

fn hmac(algorithm: Algorithm, key: &[u8], counter: u64) -> HmacOut {
    let msg = counter.to_be_bytes();
    // HMAC takes keys of any length, so `new_from_slice` cannot fail.
    match algorithm {
        Algorithm::Sha1 => {
            let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key).expect("HMAC takes any key");
            mac.update(&msg);
            HmacOut::from(mac.finalize().into_bytes().as_slice())
        }
        Algorithm::Sha256 => {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes any key");
            mac.update(&msg);
            HmacOut::from(mac.finalize().into_bytes().as_slice())
        }
        Algorithm::Sha512 => {
            let mut mac = Hmac::<sha2::Sha512>::new_from_slice(key).expect("HMAC takes any key");
            mac.update(&msg);
            HmacOut::from(mac.finalize().into_bytes().as_slice())
        }
    }
}

struct HmacOut {
    buf: [u8; 64],
    len: usize,
}

impl From<&[u8]> for HmacOut {
    fn from(bytes: &[u8]) -> Self {
        let mut buf = [0u8; 64];
        buf[..bytes.len()].copy_from_slice(bytes);
        Self {
            buf,
            len: bytes.len(),
        }
    }
}

/// RFC 4226 §5.3 dynamic truncation to a 31-bit value.
fn truncate(out: &HmacOut) -> u32 {
    let mac = &out.buf[..out.len];
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    u32::from_be_bytes([
        mac[offset],
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]) & 0x7fff_ffff
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totp(alg: Algorithm, digits: u8, period: u32) -> OtpParams {
        OtpParams::new(Method::Totp { period }, alg, digits).unwrap()
    }

    #[test]
    fn rejects_zero_period_and_bad_digits() {
        assert_eq!(
            OtpParams::new(Method::Totp { period: 0 }, Algorithm::Sha1, 6),
            Err(ParamsError::ZeroPeriod)
        );
        assert_eq!(
            OtpParams::new(Method::Totp { period: 30 }, Algorithm::Sha1, 11),
            Err(ParamsError::Digits { value: 11 })
        );
        assert_eq!(
            OtpParams::new(Method::Hotp { counter: 0 }, Algorithm::Sha1, 3),
            Err(ParamsError::Digits { value: 3 })
        );
    }

    #[test]
    fn seconds_left_counts_down() {
        let p = totp(Algorithm::Sha1, 6, 30);
        assert_eq!(p.seconds_left(0), Some(30));
        assert_eq!(p.seconds_left(29), Some(1));
        assert_eq!(p.seconds_left(30), Some(30));
        let h = OtpParams::new(Method::Hotp { counter: 3 }, Algorithm::Sha1, 6).unwrap();
        assert_eq!(h.seconds_left(100), None);
    }

    /// RFC 6238 appendix B, SHA-1, 8 digits: the code for T = 59 s is that of step 1.
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn a_code_matches_its_own_step_and_one_either_side() {
        let p = totp(Algorithm::Sha1, 8, 30);
        let w = Window::ONE_STEP;
        assert_eq!(p.matching_step(RFC_SECRET, "94287082", 59, w), Some(1));
        // Typed in the next step (late) or the previous one (a fast clock).
        assert_eq!(p.matching_step(RFC_SECRET, "94287082", 89, w), Some(1));
        assert_eq!(p.matching_step(RFC_SECRET, "94287082", 0, w), Some(1));
        // Two steps away: refused.
        assert_eq!(p.matching_step(RFC_SECRET, "94287082", 90, w), None);
        assert_eq!(
            p.matching_step(RFC_SECRET, "07081804", 1_111_111_109, w),
            Some(37_037_036)
        );
        let none = Window {
            behind: 0,
            ahead: 0,
        };
        assert_eq!(p.matching_step(RFC_SECRET, "94287082", 89, none), None);
    }

    #[test]
    fn a_code_of_another_length_or_an_hotp_account_matches_nothing() {
        let six = totp(Algorithm::Sha1, 6, 30);
        // The 6-digit code of step 1 is the 8-digit one's last six digits.
        assert_eq!(
            six.matching_step(RFC_SECRET, "287082", 59, Window::ONE_STEP),
            Some(1)
        );
        assert_eq!(
            six.matching_step(RFC_SECRET, "94287082", 59, Window::ONE_STEP),
            None
        );
        assert_eq!(
            six.matching_step(RFC_SECRET, "", 59, Window::ONE_STEP),
            None
        );
        let hotp = OtpParams::new(Method::Hotp { counter: 1 }, Algorithm::Sha1, 6).unwrap();
        assert_eq!(
            hotp.matching_step(RFC_SECRET, "287082", 59, Window::ONE_STEP),
            None
        );
        assert_eq!(hotp.oldest_usable_step(59, Window::ONE_STEP), None);
    }

    #[test]
    fn the_window_stops_at_step_zero_and_at_the_last_step() {
        let p = totp(Algorithm::Sha1, 8, 30);
        assert_eq!(p.oldest_usable_step(0, Window::ONE_STEP), Some(0));
        assert_eq!(p.oldest_usable_step(59, Window::ONE_STEP), Some(0));
        assert_eq!(p.oldest_usable_step(60, Window::ONE_STEP), Some(1));
        let wide = Window {
            behind: u64::MAX,
            ahead: u64::MAX,
        };
        assert_eq!(p.oldest_usable_step(u64::MAX, wide), Some(0));
        // The last representable time: no step beyond it, and no overflow looking for one.
        let code = p.code_for_counter(RFC_SECRET, u64::MAX / 30);
        assert_eq!(
            p.matching_step(RFC_SECRET, code.as_str(), u64::MAX, Window::ONE_STEP),
            Some(u64::MAX / 30)
        );
    }

    #[test]
    fn grouping() {
        let check = |digits: u8, value: u32, want: &str| {
            assert_eq!(Code::numeric(value, digits).grouped(), want);
        };
        check(6, 123456, "123 456");
        check(7, 1234567, "123 4567");
        check(8, 12345678, "1234 5678");
        check(6, 42, "000 042");
    }
}
