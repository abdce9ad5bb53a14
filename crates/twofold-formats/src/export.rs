//! Exporting: the vault's accounts in Twofold's own backup or in a format another app imports
//! (Aegis plain and encrypted — what most apps read —, 2FAS, Ente Auth, an `otpauth://` list,
//! Google Authenticator's migration QR codes), with the accounts a format cannot hold named in
//! the result. One module per app under `export/`.

mod aegis;
mod ente;
mod twofas;

use twofold_core::entropy::{Entropy, EntropyError};
use twofold_core::vault::{Contents, KdfParams};
use twofold_core::{Account, Secret, migration, otpauth};
use zeroize::Zeroizing;

use crate::error::EntryProblem;

/// Accounts in one Google Authenticator QR code (Google's own app puts about ten in each; more
/// make a code too dense for many phone cameras).
pub const GOOGLE_PER_QR: usize = 10;

/// A format Twofold writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// Twofold's own encrypted backup: everything, restorable on any machine.
    TwofoldBackup,
    /// Aegis vault JSON, unencrypted.
    AegisPlain,
    /// Aegis vault JSON, encrypted with a password (scrypt + AES-256-GCM).
    AegisEncrypted,
    /// 2FAS backup (`.2fas`), unencrypted.
    TwoFas,
    /// Ente Auth's plain text export.
    Ente,
    /// One `otpauth://` link a line.
    UriList,
    /// Google Authenticator's migration QR codes (`otpauth-migration://` links).
    GoogleMigration,
}

impl ExportFormat {
    /// Every format.
    pub const ALL: [Self; 7] = [
        Self::TwofoldBackup,
        Self::AegisEncrypted,
        Self::AegisPlain,
        Self::TwoFas,
        Self::Ente,
        Self::UriList,
        Self::GoogleMigration,
    ];

    /// The name the CLI takes (`--format`).
    pub fn id(self) -> &'static str {
        match self {
            Self::TwofoldBackup => "twofold",
            Self::AegisPlain => "aegis-plain",
            Self::AegisEncrypted => "aegis",
            Self::TwoFas => "2fas",
            Self::Ente => "ente",
            Self::UriList => "otpauth",
            Self::GoogleMigration => "google-qr",
        }
    }

    /// The format's name for people.
    pub fn name(self) -> &'static str {
        match self {
            Self::TwofoldBackup => "Twofold backup (encrypted)",
            Self::AegisPlain => "Aegis (plain JSON)",
            Self::AegisEncrypted => "Aegis (encrypted JSON)",
            Self::TwoFas => "2FAS (plain .2fas)",
            Self::Ente => "Ente Auth (plain text)",
            Self::UriList => "otpauth:// list (plain text)",
            Self::GoogleMigration => "Google Authenticator QR codes",
        }
    }

    /// The format named `id`.
    pub fn from_id(id: &str) -> Option<Self> {
        let id = id.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|f| f.id() == id)
    }

    /// Whether the file is encrypted with a password (else anyone who reads it has every
    /// secret: the shells warn first and write it readable by the user only).
    pub fn encrypted(self) -> bool {
        matches!(self, Self::TwofoldBackup | Self::AegisEncrypted)
    }

    /// The usual file name ending.
    pub fn extension(self) -> &'static str {
        match self {
            Self::TwofoldBackup => "twofold-backup",
            Self::AegisPlain | Self::AegisEncrypted => "json",
            Self::TwoFas => "2fas",
            Self::Ente | Self::UriList => "txt",
            Self::GoogleMigration => "png",
        }
    }
}

/// Why an export could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// An encrypted format without a password.
    #[error("{format}: give a password to encrypt the export with")]
    PasswordRequired {
        /// The format's name.
        format: &'static str,
    },
    /// No random bytes for keys and nonces.
    #[error(transparent)]
    Entropy(#[from] EntropyError),
    /// Sealing a Twofold backup failed.
    #[error(transparent)]
    Seal(#[from] twofold_core::VaultError),
}

/// What an export made.
pub enum Output {
    /// One file's bytes (they hold secrets in plain formats: zeroized when dropped).
    File(Zeroizing<Vec<u8>>),
    /// Links, one a QR code (Google's export), in order.
    Links(Vec<Zeroizing<String>>),
}

/// Says how much, never what (an export holds secrets).
impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(bytes) => write!(f, "File(<{} bytes>)", bytes.len()),
            Self::Links(links) => write!(f, "Links(<{} links>)", links.len()),
        }
    }
}

/// An export and the accounts the format could not hold.
#[derive(Debug)]
pub struct Exported {
    /// The file or the links.
    pub output: Output,
    /// Accounts left out, with why.
    pub skipped: Vec<EntryProblem>,
}

/// Exports `accounts` (in order) in `format`, encrypted with `password` where the format is.
pub fn export(
    format: ExportFormat,
    accounts: &[Account],
    password: Option<&Secret>,
    entropy: &mut dyn Entropy,
    now: u64,
) -> Result<Exported, ExportError> {
    let password = || {
        password.ok_or(ExportError::PasswordRequired {
            format: format.name(),
        })
    };
    let file = |bytes: Zeroizing<Vec<u8>>| Exported {
        output: Output::File(bytes),
        skipped: Vec::new(),
    };
    Ok(match format {
        ExportFormat::TwofoldBackup => {
            let contents = Contents {
                accounts: accounts.to_vec(),
            };
            file(crate::backup::seal(
                &contents,
                password()?,
                KdfParams::DEFAULT,
                entropy,
                now,
            )?)
        }
        ExportFormat::AegisPlain => file(aegis::plain(accounts)),
        ExportFormat::AegisEncrypted => file(aegis::encrypted(accounts, password()?, entropy)?),
        ExportFormat::TwoFas => file(twofas::plain(accounts, now)),
        ExportFormat::Ente => file(ente::plain(accounts)),
        ExportFormat::UriList => file(uri_list(accounts)),
        ExportFormat::GoogleMigration => {
            let skipped = accounts
                .iter()
                .filter_map(|a| {
                    migration::unexportable(&a.to_draft()).map(|(field, problem)| EntryProblem {
                        entry: a.display_name(),
                        field,
                        problem: format!("not in a Google Authenticator export: {problem}"),
                    })
                })
                .collect();
            let drafts: Vec<_> = accounts.iter().map(Account::to_draft).collect();
            let mut id = [0u8; 4];
            entropy.fill(&mut id)?;
            let batch_id = i32::from_le_bytes(id) & i32::MAX;
            Exported {
                output: Output::Links(migration::encode(&drafts, GOOGLE_PER_QR, batch_id)),
                skipped,
            }
        }
    })
}

/// One `otpauth://` link a line (every parameter Twofold keeps, so the list re-imports whole).
fn uri_list(accounts: &[Account]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::new());
    for account in accounts {
        let link = Zeroizing::new(otpauth::format(&account.to_draft()));
        out.extend_from_slice(link.as_bytes());
        out.push(b'\n');
    }
    out
}

/// A uuid-shaped text from 16 bytes (the account's id, or a hash of a tag).
pub(crate) fn uuid_text(bytes: &[u8; 16]) -> String {
    let hex = data_encoding::HEXLOWER.encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// A stable uuid for an account (from its id) or a tag (from a hash of its name).
pub(crate) fn uuid_of(text: &str) -> String {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(text.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash[..16]);
    // A version 4 / variant 1 uuid's fixed bits, so that strict parsers accept it.
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    uuid_text(&bytes)
}
