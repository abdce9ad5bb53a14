//! What a scanned or pasted text is: one account (`otpauth://`), a Google Authenticator export
//! batch (`otpauth-migration://`), an invalid account URI, or something that is not OTP at all.

use crate::account::AccountDraft;
use crate::migration::{self, MigrationBatch, MigrationError};
use crate::otpauth::{self, OtpauthError};

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
    /// Some other text (a web address, a Wi-Fi code…).
    NotOtp,
}

/// Classifies a text.
pub fn classify(text: &str) -> ScanItem {
    let t = text.trim();
    let lower = t.get(..20).unwrap_or(t).to_ascii_lowercase();
    if lower.starts_with("otpauth-migration:") {
        return match migration::parse(t) {
            Ok(batch) => ScanItem::Migration(batch),
            Err(e) => ScanItem::InvalidMigration(e),
        };
    }
    if lower.starts_with("otpauth:") {
        return match otpauth::parse(t) {
            Ok(draft) => ScanItem::Account(draft),
            Err(e) => ScanItem::InvalidAccount(e),
        };
    }
    ScanItem::NotOtp
}
