//! IPC errors: `{code, message}` with a closed set of codes, mirrored in `ui/src/lib/ipc`.

use serde::Serialize;
use twofold_core::keychain::KeyStoreError;
use twofold_core::vault::{AddError, VaultError};

/// What the UI can branch on.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    NoVault,
    Locked,
    PassphraseRequired,
    WrongPassphrase,
    NoKeychain,
    InvalidUri,
    InvalidFields,
    Duplicate,
    NoCode,
    NotFound,
    Clipboard,
    Vault,
    /// A push server refused or could not be reached.
    Push,
}

/// A problem with one form field.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// An error as the UI receives it. `fields` lists form problems (code `invalid_fields`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
    pub fields: Vec<FieldProblem>,
}

impl IpcError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// Field problems found by the app itself.
    pub fn problems(fields: Vec<FieldProblem>) -> Self {
        Self {
            code: ErrorCode::InvalidFields,
            message: "some fields need attention".into(),
            fields,
        }
    }

    /// Every field problem of a form at once.
    pub fn fields(problems: Vec<twofold_core::account::FieldError>) -> Self {
        Self {
            code: ErrorCode::InvalidFields,
            message: "some fields need attention".into(),
            fields: problems
                .into_iter()
                .map(|p| FieldProblem {
                    field: p.field.to_owned(),
                    message: p.message,
                })
                .collect(),
        }
    }
}

impl From<VaultError> for IpcError {
    fn from(e: VaultError) -> Self {
        let code = match &e {
            VaultError::NotFound { .. } => ErrorCode::NoVault,
            VaultError::PassphraseRequired => ErrorCode::PassphraseRequired,
            VaultError::WrongPassphrase => ErrorCode::WrongPassphrase,
            VaultError::Rekeyed => ErrorCode::Locked,
            VaultError::Keychain(KeyStoreError::Unavailable { .. }) => ErrorCode::NoKeychain,
            _ => ErrorCode::Vault,
        };
        Self::new(code, e.to_string())
    }
}

impl From<AddError> for IpcError {
    fn from(e: AddError) -> Self {
        match e {
            AddError::Duplicate { .. } => Self::new(ErrorCode::Duplicate, e.to_string()),
            AddError::Entropy(_) => Self::new(ErrorCode::Vault, e.to_string()),
        }
    }
}
