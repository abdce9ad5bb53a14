//! Bringing imported entries into a vault's contents, the one way the CLI and the desktop do it:
//! a preview that marks duplicates (the same secret for the same kind of code as an account in
//! the vault, or as an earlier entry of the import), then the chosen entries added with their
//! labels in one change, and a report of what was added, skipped as a duplicate, or not
//! importable.

use std::collections::HashMap;

use twofold_core::account::AccountId;
use twofold_core::entropy::{Entropy, EntropyError};
use twofold_core::vault::{AddError, Contents, DuplicateKey, duplicate_key};

use crate::error::EntryProblem;
use crate::import::Entry;

/// One entry of an import as the preview shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The entry's display name.
    pub name: String,
    /// What it duplicates, if anything (it will be skipped).
    pub duplicate_of: Option<Duplicate>,
}

/// What an entry duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Duplicate {
    /// An account in the vault, by its display name.
    InVault(String),
    /// An earlier entry of the same import, by its display name.
    InImport(String),
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The accounts added: display name and id.
    pub added: Vec<(String, AccountId)>,
    /// Entries skipped because the vault has them (or an earlier entry of the import added
    /// them): the entry's name and the existing account's.
    pub duplicates: Vec<(String, String)>,
    /// Entries the file had that could not be imported, with why.
    pub problems: Vec<EntryProblem>,
}

/// Each entry with the account it would duplicate, in order (one hash lookup an entry, so an
/// import of thousands previews at once).
pub fn preview(contents: &Contents, entries: &[Entry]) -> Vec<Preview> {
    let in_vault = contents.duplicate_index();
    let mut earlier: HashMap<DuplicateKey, usize> = HashMap::new();
    entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let key = duplicate_key(&entry.draft.secret, entry.draft.params.method());
            let duplicate_of = match (in_vault.get(&key), earlier.get(&key)) {
                (Some(&at), _) => Some(Duplicate::InVault(contents.accounts[at].display_name())),
                (None, Some(&at)) => Some(Duplicate::InImport(entries[at].draft.display_name())),
                (None, None) => {
                    earlier.insert(key, i);
                    None
                }
            };
            Preview {
                name: entry.draft.display_name(),
                duplicate_of,
            }
        })
        .collect()
}

/// Adds `entries` (those the user kept) to `contents` with their labels; duplicates are skipped
/// and reported. `problems` (the file's entries that could not be imported) go into the report
/// as they are. Only a failing random source stops it, and the caller's change is then not
/// saved.
pub fn apply(
    contents: &mut Contents,
    entries: Vec<Entry>,
    problems: Vec<EntryProblem>,
    entropy: &mut dyn Entropy,
    now: u64,
) -> Result<Report, EntropyError> {
    let names: Vec<String> = entries.iter().map(|e| e.draft.display_name()).collect();
    let results = contents.add_labelled(
        entries.into_iter().map(|e| (e.draft, e.labels)),
        entropy,
        now,
    )?;
    let mut report = Report {
        problems,
        ..Report::default()
    };
    for (name, result) in names.into_iter().zip(results) {
        match result {
            Ok(id) => report.added.push((name, id)),
            Err(AddError::Duplicate { name: existing, .. }) => {
                report.duplicates.push((name, existing));
            }
            Err(AddError::Entropy(e)) => return Err(e),
        }
    }
    Ok(report)
}
