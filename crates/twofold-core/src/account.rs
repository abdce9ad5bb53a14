//! Accounts: what the vault stores for each website (issuer, name, seed, OTP parameters and the
//! user's own labels), and the draft an account is before it is saved.

use std::fmt;

use crate::entropy::{Entropy, EntropyError};
use crate::otp::{Code, Method, OtpParams};
use crate::secret::Secret;

/// A stable, random identifier of an account (32 hex characters).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(String);

impl AccountId {
    /// A new random id.
    pub fn random(entropy: &mut dyn Entropy) -> Result<Self, EntropyError> {
        let mut bytes = [0u8; 16];
        entropy.fill(&mut bytes)?;
        Ok(Self(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    /// Wraps an id read from storage.
    pub fn from_string(id: String) -> Self {
        Self(id)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountId({})", self.0)
    }
}

/// An account before it is saved: what an `otpauth://` URI, a migration QR or manual entry gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountDraft {
    /// Who issued the secret (`GitHub`); may be empty.
    pub issuer: String,
    /// The account at the issuer (`alice@example.com`); may be empty.
    pub name: String,
    /// The seed.
    pub secret: Secret,
    /// How codes are computed.
    pub params: OtpParams,
    /// `otpauth://` parameters we do not interpret, kept in order so nothing is lost.
    pub extra: Vec<(String, String)>,
}

impl AccountDraft {
    /// `Issuer (name)`, `Issuer`, `name` or `(unnamed)`.
    pub fn display_name(&self) -> String {
        display_name(&self.issuer, &self.name)
    }
}

/// A saved account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// Stable id.
    pub id: AccountId,
    /// Who issued the secret.
    pub issuer: String,
    /// The account at the issuer.
    pub name: String,
    /// The seed.
    pub secret: Secret,
    /// How codes are computed (for HOTP it holds the next counter).
    pub params: OtpParams,
    /// The user's tags.
    pub tags: Vec<String>,
    /// The icon colour the user picked (`#rrggbb`), if any.
    pub color: Option<String>,
    /// Pinned to the top of the list.
    pub pinned: bool,
    /// Unix time the account was added.
    pub created_at: u64,
    /// Unix time a code was last copied or shown on request.
    pub last_used_at: Option<u64>,
    /// Unknown `otpauth://` parameters, kept.
    pub extra: Vec<(String, String)>,
}

impl Account {
    /// A saved account from a draft.
    pub fn from_draft(draft: AccountDraft, id: AccountId, now: u64) -> Self {
        Self {
            id,
            issuer: draft.issuer,
            name: draft.name,
            secret: draft.secret,
            params: draft.params,
            tags: Vec::new(),
            color: None,
            pinned: false,
            created_at: now,
            last_used_at: None,
            extra: draft.extra,
        }
    }

    /// The draft that describes this account (for export as a URI or a QR).
    pub fn to_draft(&self) -> AccountDraft {
        AccountDraft {
            issuer: self.issuer.clone(),
            name: self.name.clone(),
            secret: self.secret.clone(),
            params: self.params,
            extra: self.extra.clone(),
        }
    }

    /// `Issuer (name)`, `Issuer`, `name` or `(unnamed)`.
    pub fn display_name(&self) -> String {
        display_name(&self.issuer, &self.name)
    }

    /// The code shown at `unix_time` (for HOTP, the code of the stored counter).
    pub fn code_at(&self, unix_time: u64) -> Code {
        self.params.code_at(self.secret.expose(), unix_time)
    }

    /// The code after the one shown at `unix_time`.
    pub fn next_code_at(&self, unix_time: u64) -> Code {
        let next = self.params.counter_at(unix_time).wrapping_add(1);
        self.params.code_for_counter(self.secret.expose(), next)
    }

    /// Whether the issuer, name or a tag contains `query` (case-insensitive), or `query` is
    /// the account's id.
    pub fn matches(&self, query: &str) -> bool {
        let q = query.trim().to_lowercase();
        if q.is_empty() || self.id.as_str() == q {
            return true;
        }
        self.issuer.to_lowercase().contains(&q)
            || self.name.to_lowercase().contains(&q)
            || self.display_name().to_lowercase().contains(&q)
            || self.tags.iter().any(|t| t.to_lowercase().contains(&q))
    }

    /// Whether `draft` would add the same secret again (same seed and the same kind of code).
    pub fn is_duplicate_of(&self, draft: &AccountDraft) -> bool {
        self.secret == draft.secret
            && std::mem::discriminant(&self.params.method())
                == std::mem::discriminant(&draft.params.method())
    }

    /// For HOTP: moves the counter on by one. Returns whether it changed.
    pub fn advance_counter(&mut self) -> bool {
        match self.params.method() {
            Method::Hotp { counter } => {
                self.params = self.params.with_counter(counter.wrapping_add(1));
                true
            }
            _ => false,
        }
    }
}

fn display_name(issuer: &str, name: &str) -> String {
    match (issuer.is_empty(), name.is_empty()) {
        (false, false) => format!("{issuer} ({name})"),
        (false, true) => issuer.to_owned(),
        (true, false) => name.to_owned(),
        (true, true) => "(unnamed)".to_owned(),
    }
}
