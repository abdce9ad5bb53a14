//! What the CLI prints: the JSON shapes for scripts (never a secret) and the text tables.

use serde::Serialize;
use twofold_core::{Account, AccountDraft, Method};

/// An account as scripts see it.
#[derive(Debug, Serialize)]
pub struct AccountJson {
    pub id: String,
    pub issuer: String,
    pub account: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub algorithm: &'static str,
    pub digits: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counter: Option<u64>,
    pub tags: Vec<String>,
    pub pinned: bool,
}

impl From<&Account> for AccountJson {
    fn from(a: &Account) -> Self {
        let m = a.params.method();
        Self {
            id: a.id.to_string(),
            issuer: a.issuer.clone(),
            account: a.name.clone(),
            kind: m.type_name(),
            algorithm: a.params.algorithm().as_str(),
            digits: a.params.digits(),
            period: m.period(),
            counter: match m {
                Method::Hotp { counter } => Some(counter),
                _ => None,
            },
            tags: a.tags.clone(),
            pinned: a.pinned,
        }
    }
}

/// A draft (found by `scan` or `add`) as scripts see it.
#[derive(Debug, Serialize)]
pub struct DraftJson {
    pub issuer: String,
    pub account: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub algorithm: &'static str,
    pub digits: u8,
}

impl From<&AccountDraft> for DraftJson {
    fn from(d: &AccountDraft) -> Self {
        Self {
            issuer: d.issuer.clone(),
            account: d.name.clone(),
            kind: d.params.method().type_name(),
            algorithm: d.params.algorithm().as_str(),
            digits: d.params.digits(),
        }
    }
}

/// A code as scripts see it.
#[derive(Debug, Serialize)]
pub struct CodeJson {
    pub id: String,
    pub issuer: String,
    pub account: String,
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds_left: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counter: Option<u64>,
}

/// Prints a value as one line of JSON.
pub fn print_json<T: Serialize>(value: &T) {
    match serde_json::to_string(value) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("twofold: error: cannot print JSON: {e}"),
    }
}

/// A one-line description of a draft for confirmation lists.
pub fn describe_draft(d: &AccountDraft) -> String {
    let p = d.params;
    let detail = match p.method() {
        Method::Totp { period } => {
            format!("TOTP {} {} digits {period}s", p.algorithm(), p.digits())
        }
        Method::Hotp { counter } => format!(
            "HOTP {} {} digits counter {counter}",
            p.algorithm(),
            p.digits()
        ),
        Method::Steam { .. } => "Steam Guard".to_owned(),
    };
    format!("{}  [{detail}]", d.display_name())
}
