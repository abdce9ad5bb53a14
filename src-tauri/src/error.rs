//! IPC errors: `{code, message}` with a closed set of codes, mirrored in `ui/src/lib/ipc`.

use serde::Serialize;
use twofold_core::keychain::KeyStoreError;
use twofold_core::vault::{AddError, VaultError};

use crate::i18n::tr;

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
    /// A push server refused or could not be reached.
    Push,
    /// The sync server refused or could not be reached, or what it sent was refused here.
    Sync,
    /// The disk is full: nothing was changed; free some space and try again.
    DiskFull,
    /// The vault file is damaged or not a vault (it was not changed): restore a copy.
    Damaged,
    /// The vault was written by a newer Twofold: update the app.
    NewerVersion,
    /// The keychain has no key for this vault (a reset or another computer's keychain).
    KeyMissing,
    /// The vault has no recovery key: it can only be restored from a backup.
    NoRecoveryKey,
    /// A vault exists already where one was to be created.
    AlreadyExists,
    /// A file could not be read or written (its path and the system's reason in the message).
    Io,
    /// A file to import is not an export Twofold reads, or is damaged (the message says which
    /// app, part and problem).
    InvalidFile,
    /// Something inside the app failed (a bug, or the system refused a resource); restarting
    /// may help.
    Internal,
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

    /// One field's problem.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::problems(vec![FieldProblem {
            field: field.into(),
            message: message.into(),
        }])
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
                    message: crate::i18n::problem(&p.problem),
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
            VaultError::Rekeyed | VaultError::Replaced => ErrorCode::Locked,
            VaultError::Keychain(KeyStoreError::Unavailable { .. }) => ErrorCode::NoKeychain,
            VaultError::Keychain(_) => ErrorCode::NoKeychain,
            VaultError::DiskFull { .. } => ErrorCode::DiskFull,
            VaultError::NotAVault { .. }
            | VaultError::Truncated { .. }
            | VaultError::Corrupt { .. }
            | VaultError::Tampered => ErrorCode::Damaged,
            VaultError::UnsupportedVersion { .. } => ErrorCode::NewerVersion,
            VaultError::KeyMissing { .. } | VaultError::KeyMismatch { .. } => ErrorCode::KeyMissing,
            VaultError::AlreadyExists { .. } => ErrorCode::AlreadyExists,
            VaultError::NoRecoveryKey => ErrorCode::NoRecoveryKey,
            VaultError::WrongRecoveryKey => {
                return Self::field("recovery_key", tr("problem-recovery-key-wrong", None));
            }
            VaultError::Io { .. } | VaultError::NoDataDirectory => ErrorCode::Io,
            _ => ErrorCode::Internal,
        };
        Self::new(code, e.to_string())
    }
}

impl From<AddError> for IpcError {
    fn from(e: AddError) -> Self {
        match e {
            AddError::Duplicate { .. } => Self::new(ErrorCode::Duplicate, e.to_string()),
            AddError::Entropy(_) => Self::new(ErrorCode::Internal, e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_errors_become_codes_the_ui_can_act_on() {
        let path = std::path::PathBuf::from("/v");
        let code = |e: VaultError| IpcError::from(e).code;
        assert_eq!(
            code(VaultError::DiskFull { path: path.clone() }),
            ErrorCode::DiskFull
        );
        assert_eq!(code(VaultError::Tampered), ErrorCode::Damaged);
        assert_eq!(
            code(VaultError::Corrupt { reason: "x".into() }),
            ErrorCode::Damaged
        );
        assert_eq!(
            code(VaultError::NotAVault { path: path.clone() }),
            ErrorCode::Damaged
        );
        assert_eq!(
            code(VaultError::UnsupportedVersion { version: 9 }),
            ErrorCode::NewerVersion
        );
        assert_eq!(
            code(VaultError::KeyMissing {
                vault_id: "v".into()
            }),
            ErrorCode::KeyMissing
        );
        assert_eq!(
            code(VaultError::AlreadyExists { path: path.clone() }),
            ErrorCode::AlreadyExists
        );
        assert_eq!(
            code(VaultError::Io {
                path,
                source: std::io::Error::other("denied")
            }),
            ErrorCode::Io
        );
        assert_eq!(code(VaultError::Replaced), ErrorCode::Locked);
        assert_eq!(
            code(VaultError::WrongPassphrase),
            ErrorCode::WrongPassphrase
        );
    }
}
