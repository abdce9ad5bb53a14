//! The plaintext inside a vault: accounts as versioned JSON records. This module is the one place
//! that decides how domain types become bytes at rest.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::Contents;
use crate::account::{Account, AccountId};
use crate::base32;
use crate::otp::{Algorithm, Method, OtpParams};

#[derive(Serialize, Deserialize)]
struct PayloadV1 {
    accounts: Vec<AccountRecord>,
}

#[derive(Serialize, Deserialize)]
struct AccountRecord {
    id: String,
    issuer: String,
    name: String,
    /// Unpadded upper-case base32.
    secret: Zeroizing<String>,
    /// `totp`, `hotp` or `steam`.
    kind: String,
    algorithm: String,
    digits: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    period: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    counter: Option<u64>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    color: Option<String>,
    /// The icon picked (`""`: none); absent: matched by the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    icon: Option<String>,
    #[serde(default)]
    pinned: bool,
    created_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_used_at: Option<u64>,
    #[serde(default)]
    extra: Vec<(String, String)>,
}

/// One account as JSON, as the vault keeps it (for sync records, sealed like the vault).
pub(crate) fn encode_account(account: &Account) -> Zeroizing<String> {
    let record = record_of(account);
    Zeroizing::new(serde_json::to_string(&record).unwrap_or_default())
}

/// One account from [`encode_account`]'s JSON.
pub(crate) fn decode_account(json: &str) -> Result<Account, String> {
    let record: AccountRecord =
        serde_json::from_str(json).map_err(|e| format!("account is not valid: {e}"))?;
    let mut contents = accounts_of(vec![record])?;
    contents
        .accounts
        .pop()
        .ok_or_else(|| "no account".to_owned())
}

fn record_of(a: &Account) -> AccountRecord {
    let params = a.params;
    let (kind, period, counter) = match params.method() {
        Method::Totp { period } => ("totp", Some(period), None),
        Method::Steam { period } => ("steam", Some(period), None),
        Method::Hotp { counter } => ("hotp", None, Some(counter)),
    };
    AccountRecord {
        id: a.id.as_str().to_owned(),
        issuer: a.issuer.clone(),
        name: a.name.clone(),
        secret: a.secret.to_base32(),
        kind: kind.to_owned(),
        algorithm: params.algorithm().as_str().to_owned(),
        digits: params.digits(),
        period,
        counter,
        tags: a.tags.clone(),
        color: a.color.clone(),
        icon: a.icon.clone(),
        pinned: a.pinned,
        created_at: a.created_at,
        last_used_at: a.last_used_at,
        extra: a.extra.clone(),
    }
}

/// Serialises the contents; the buffer is zeroized when dropped.
pub(crate) fn encode(contents: &Contents) -> Zeroizing<Vec<u8>> {
    let payload = PayloadV1 {
        accounts: contents.accounts.iter().map(record_of).collect(),
    };
    // Serialising plain data structures to JSON cannot fail.
    Zeroizing::new(serde_json::to_vec(&payload).unwrap_or_default())
}

/// Parses decrypted bytes; a malformed record is an error naming the record and field.
pub(crate) fn decode(bytes: &[u8]) -> Result<Contents, String> {
    let payload: PayloadV1 =
        serde_json::from_slice(bytes).map_err(|e| format!("payload is not valid: {e}"))?;
    accounts_of(payload.accounts)
}

fn accounts_of(records: Vec<AccountRecord>) -> Result<Contents, String> {
    let mut accounts = Vec::with_capacity(records.len());
    for (i, r) in records.into_iter().enumerate() {
        let bad = |field: &str, what: &str| format!("account {i}: {field}: {what}");
        let secret =
            base32::decode_lenient(&r.secret).map_err(|e| bad("secret", &e.to_string()))?;
        let algorithm =
            Algorithm::parse(&r.algorithm).ok_or_else(|| bad("algorithm", &r.algorithm))?;
        let method = match (r.kind.as_str(), r.period, r.counter) {
            ("totp", Some(period), _) => Method::Totp { period },
            ("steam", Some(period), _) => Method::Steam { period },
            ("hotp", _, Some(counter)) => Method::Hotp { counter },
            _ => return Err(bad("kind", &r.kind)),
        };
        let params = OtpParams::new(method, algorithm, r.digits)
            .map_err(|e| bad("params", &e.to_string()))?;
        accounts.push(Account {
            id: AccountId::from_string(r.id),
            issuer: r.issuer,
            name: r.name,
            secret,
            params,
            tags: r.tags,
            color: r.color,
            icon: r.icon,
            pinned: r.pinned,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            extra: r.extra,
        });
    }
    Ok(Contents { accounts })
}
