//! What a scanned or pasted text is: one account (`otpauth://`), a Google Authenticator export
//! batch (`otpauth-migration://`), a push-approval enrollment (`twofold://enroll`), an invalid
//! account URI, or something that is not OTP at all. The one place link schemes are told apart.

use crate::account::AccountDraft;
use crate::migration::{self, MigrationBatch, MigrationError};
use crate::otpauth::{self, OtpauthError};

/// The links Twofold reads, told apart by their scheme (in any case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkScheme {
    /// `otpauth://` — one account.
    Otpauth,
    /// `otpauth-migration://` — a Google Authenticator export.
    OtpauthMigration,
    /// `twofold://` — a push-approval enrollment (read by `twofold-push`).
    Twofold,
}

/// The scheme of a link Twofold reads, after leading and trailing space; `None` for any other
/// text.
pub fn link_scheme(text: &str) -> Option<LinkScheme> {
    let t = text.trim().as_bytes();
    let starts = |p: &str| {
        t.get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p.as_bytes()))
    };
    if starts("otpauth-migration:") {
        Some(LinkScheme::OtpauthMigration)
    } else if starts("otpauth:") {
        Some(LinkScheme::Otpauth)
    } else if starts("twofold:") {
        Some(LinkScheme::Twofold)
    } else {
        None
    }
}

/// The meaning of one QR payload or pasted text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanItem {
    /// An `otpauth://` account.
    Account(AccountDraft),
    /// One QR code of a Google Authenticator export.
    Migration(MigrationBatch),
    /// An `otpauth://` URI that is not valid.
    InvalidAccount(OtpauthError),
    /// An `otpauth-migration://` URI that is not valid.
    InvalidMigration(MigrationError),
    /// A `twofold://` link (trimmed): push approval's enrollment, for `twofold-push` to parse.
    Enrollment(String),
    /// Some other text (a web address, a Wi-Fi code…).
    NotOtp,
}

/// Classifies a text.
pub fn classify(text: &str) -> ScanItem {
    let t = text.trim();
    match link_scheme(t) {
        Some(LinkScheme::OtpauthMigration) => match migration::parse(t) {
            Ok(batch) => ScanItem::Migration(batch),
            Err(e) => ScanItem::InvalidMigration(e),
        },
        Some(LinkScheme::Otpauth) => match otpauth::parse(t) {
            Ok(draft) => ScanItem::Account(draft),
            Err(e) => ScanItem::InvalidAccount(e),
        },
        Some(LinkScheme::Twofold) => ScanItem::Enrollment(t.to_owned()),
        None => ScanItem::NotOtp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_schemes_are_told_apart_in_any_case() {
        assert_eq!(link_scheme(" otpauth://totp/x"), Some(LinkScheme::Otpauth));
        assert_eq!(link_scheme("OTPAUTH://totp/x"), Some(LinkScheme::Otpauth));
        assert_eq!(
            link_scheme("otpauth-migration://offline?data=x"),
            Some(LinkScheme::OtpauthMigration)
        );
        assert_eq!(link_scheme("Twofold://enroll?x"), Some(LinkScheme::Twofold));
        for other in ["https://example.com", "otp", "", "é", "otpauthx://"] {
            assert_eq!(link_scheme(other), None, "{other}");
        }
    }

    #[test]
    fn an_enrollment_link_is_classified_for_the_push_crate() {
        assert_eq!(
            classify("  twofold://enroll?server=x \n"),
            ScanItem::Enrollment("twofold://enroll?server=x".into())
        );
        assert_eq!(classify("WIFI:S:home;;"), ScanItem::NotOtp);
    }
}
