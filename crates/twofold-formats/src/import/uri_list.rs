//! Text with one link a line: `otpauth://` accounts and Google Authenticator's
//! `otpauth-migration://` batches (what Aegis, 2FAS, Ente and others export as text). Blank
//! lines and `#` comments are skipped; any other line is a problem of its own. Ente Auth's
//! `codeDisplay` parameter gives tags and the pin; its trashed codes are reported, not imported.

use twofold_core::scan::{self, LinkScheme, ScanItem};

use serde::Deserialize;

use twofold_core::account::display_name;

use super::{Entry, check_count, entry_from_draft, link_labels, link_problem};
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
                // Named by its labels where the link has them, and its line.
                let (issuer, name) = link_labels(line);
                let entry = if issuer.is_empty() && name.is_empty() {
                    format!("line {}", i + 1)
                } else {
                    format!("{}, line {}", display_name(&issuer, &name), i + 1)
                };
                problems.push(EntryProblem {
                    entry,
                    field,
                    problem,
                });
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

/// Whether the bytes are a web page holding `otpauth://` links.
pub(super) fn detect_html(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let head = text
        .trim_start()
        .get(..15)
        .unwrap_or_default()
        .to_ascii_lowercase();
    (head.starts_with("<!doctype html") || head.starts_with("<html")) && text.contains("otpauth")
}

/// The `otpauth://` (and `motp://`) links of a web page (in attributes or text, `&amp;`
/// undone), one a line, read as a list.
pub(super) fn import_html(bytes: &[u8]) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ImportError::damaged("HTML page", "the file", format!("not UTF-8 text: {e}"))
    })?;
    let mut links = String::new();
    let mut rest = text;
    // mOTP links too, so that they are reported rather than passed over.
    let next = |t: &str| match (t.find("otpauth"), t.find("motp://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    while let Some(at) = next(rest) {
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| c == '"' || c == '\'' || c == '<' || c.is_whitespace())
            .unwrap_or(tail.len());
        links.push_str(&tail[..end].replace("&amp;", "&"));
        links.push('\n');
        rest = &tail[end..];
    }
    import(links.as_bytes())
}
