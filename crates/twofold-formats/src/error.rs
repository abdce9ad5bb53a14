//! Why an import failed as a whole, and what was wrong with single entries (reported, while the
//! others are imported).

use std::fmt;

/// Why a file could not be imported at all. Nothing is imported when this is returned.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImportError {
    /// The file is larger than any export Twofold reads.
    #[error("the file is {size} bytes; imports are limited to {limit} bytes")]
    TooLarge {
        /// The file's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// No format Twofold reads matches the bytes.
    #[error(
        "this is not an export Twofold can read (supported: {})",
        crate::import::Format::names().join(", ")
    )]
    UnknownFormat,
    /// The export is encrypted and no password was given.
    #[error("{app}: this export is encrypted; give its password")]
    PasswordRequired {
        /// The app whose format it is.
        app: &'static str,
    },
    /// The password does not open the export.
    #[error("{app}: wrong password")]
    WrongPassword {
        /// The app whose format it is.
        app: &'static str,
    },
    /// The file asks the key derivation for more than Twofold will spend.
    #[error(
        "{app}: the file asks for {what} = {value}, more than Twofold allows ({limit}); it was refused rather than obeyed"
    )]
    KdfTooCostly {
        /// The app whose format it is.
        app: &'static str,
        /// The parameter.
        what: &'static str,
        /// What the file asks for.
        value: u64,
        /// The most Twofold allows.
        limit: u64,
    },
    /// The file has the format's shape but a part of it is wrong or missing.
    #[error("{app}: {field}: {problem}")]
    Damaged {
        /// The app whose format it is.
        app: &'static str,
        /// The part of the file (`header.slots[0].salt`, `db`, …).
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// More entries than any real export has.
    #[error("{app}: {count} entries; imports are limited to {limit}")]
    TooManyEntries {
        /// The app whose format it is.
        app: &'static str,
        /// How many the file has.
        count: usize,
        /// The limit.
        limit: usize,
    },
}

impl ImportError {
    pub(crate) fn damaged(
        app: &'static str,
        field: impl Into<String>,
        problem: impl Into<String>,
    ) -> Self {
        Self::Damaged {
            app,
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// One entry that could not be imported, with the reason; the others are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryProblem {
    /// Which entry: its display name, or its position when it has none.
    pub entry: String,
    /// The field at fault (`algorithm`, `secret`, `type`, …).
    pub field: &'static str,
    /// What is wrong, for the user.
    pub problem: String,
}

impl fmt::Display for EntryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.entry, self.field, self.problem)
    }
}
