//! Text with one link a line: `otpauth://` accounts and Google Authenticator's
//! `otpauth-migration://` batches (what Aegis, 2FAS, Ente and others export as text). Blank
//! lines and `#` comments are skipped; any other line is a problem of its own. Ente Auth's
//! `codeDisplay` parameter gives tags and the pin; its trashed codes are reported, not imported.

use twofold_core::scan::{self, LinkScheme, ScanItem};

use serde::Deserialize;

use super::{Entry, check_count, entry_from_draft, link_problem};
use crate::error::{EntryProblem, ImportError};

const APP: &str = "otpauth list";

/// Whether the bytes are text whose lines are links (at least one; other lines are allowed to
/// be reported, but the first line that is neither blank nor a `#` comment must be a link).
pub(super) fn detect(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
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
        if line.is_empty() || line.starts_with('#') {
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
                let (field, problem) = link_problem(&e);
                problems.push(at(field, problem));
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
        for mut draft in drafts {
            let display = take_code_display(&mut draft);
            if display.trashed {
                problems.push(EntryProblem {
                    entry: draft.display_name(),
                    field: "trashed",
                    problem: "in Ente Auth's trash; not imported".into(),
                });
                continue;
            }
            match entry_from_draft(draft, display.tags, display.pinned) {
                Ok(entry) => entries.push(entry),
                Err(problem) => problems.push(problem),
            }
            check_count(APP, entries.len() + problems.len())?;
        }
    }
    Ok((entries, problems))
}

/// Ente Auth's per-code display settings, a JSON object in the `codeDisplay` parameter.
#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct CodeDisplay {
    pinned: bool,
    trashed: bool,
    tags: Vec<String>,
}

/// Ente's `codeDisplay`, taken out of the parameters kept (it describes Ente's list, not the
/// account); defaults when absent or unreadable.
fn take_code_display(draft: &mut twofold_core::account::AccountDraft) -> CodeDisplay {
    let Some(at) = draft.extra.iter().position(|(k, _)| k == "codeDisplay") else {
        return CodeDisplay::default();
    };
    let (_, json) = draft.extra.remove(at);
    serde_json::from_str(&json).unwrap_or_default()
}
