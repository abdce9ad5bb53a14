//! Other authenticators' files: the format told from the bytes (never the file name), every
//! entry imported losslessly into what Twofold keeps, and a report of what could not be. Every
//! file is hostile until parsed: sizes, entry counts and the key-derivation costs a file asks
//! for are bounded before any work is done.

pub mod apply;
pub mod autobackup;
pub mod backup;
mod crypto;
pub mod error;
pub mod export;
pub mod import;

pub use apply::{Duplicate, Preview, Report, apply, preview};
pub use error::{EntryProblem, ImportError};
pub use export::{ExportError, ExportFormat, Exported, Output, export};
pub use import::{Entry, Format, Imported, detect, import, import_as};
