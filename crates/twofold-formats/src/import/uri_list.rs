//! Text with one link a line: `otpauth://` accounts and Google Authenticator's
//! `otpauth-migration://` batches (what Aegis, 2FAS, Ente and others export as text). Blank
//! lines are skipped; any other line is a problem of its own.

use twofold_core::scan::{self, LinkScheme, ScanItem};

use super::{Entry, MAX_ENTRIES};
use crate::error::{EntryProblem, ImportError};

const APP: &str = "otpauth list";

/// Whether the bytes are text whose lines are links (at least one; other lines are allowed to
/// be reported, but the first non-blank line must be a link).
pub(super) fn detect(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .is_some_and(|l| {
            matches!(
                scan::link_scheme(l),
                Some(LinkScheme::Otpauth | LinkScheme::OtpauthMigration)
            )
        })
}

pub(super) fn import(bytes: &[u8]) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| ImportError::damaged(APP, "the file", format!("not UTF-8 text: {e}")))?;
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let at = |field: &'static str, problem: String| EntryProblem {
            entry: format!("line {}", i + 1),
            field,
            problem,
        };
        let drafts = match scan::classify(line) {
            ScanItem::Account(d) => vec![d],
            ScanItem::Migration(batch) => batch.accounts,
            ScanItem::InvalidAccount(e) => {
                problems.push(at("link", e.to_string()));
                continue;
            }
            ScanItem::InvalidMigration(e) => {
                problems.push(at("link", e.to_string()));
                continue;
            }
            ScanItem::Enrollment(_) | ScanItem::NotOtp => {
                problems.push(at("link", "not an otpauth:// link".into()));
                continue;
            }
        };
        for draft in drafts {
            // The link's own checks ran; the labels get the rules every account has.
            let labels = twofold_core::account::Labels {
                issuer: draft.issuer.clone(),
                name: draft.name.clone(),
                ..Default::default()
            }
            .check();
            match labels {
                Ok(labels) => entries.push(Entry { draft, labels }),
                Err(mut e) => {
                    let first = e.remove(0);
                    problems.push(at(first.field, first.message));
                }
            }
            if entries.len() > MAX_ENTRIES {
                return Err(ImportError::TooManyEntries {
                    app: APP,
                    count: entries.len(),
                    limit: MAX_ENTRIES,
                });
            }
        }
    }
    Ok((entries, problems))
}
