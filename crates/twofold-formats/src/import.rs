//! Importing: the format told from the bytes, each entry turned into an account draft and its
//! labels, and a problem per entry that cannot be (the others are imported). One module per
//! app under `import/`.

mod aegis;
mod uri_list;

use twofold_core::account::{AccountDraft, Labels, display_name};
use twofold_core::otp::{Algorithm, Method, OtpParams, ParamsError};
use twofold_core::{Secret, base32};

use crate::error::{EntryProblem, ImportError};

/// The largest file read (real exports of a few hundred accounts are well under 1 MiB; icons
/// make Aegis files larger).
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
/// The most entries one file may hold.
pub const MAX_ENTRIES: usize = 100_000;

/// A format Twofold reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aegis's vault JSON, unencrypted.
    AegisPlain,
    /// Aegis's vault JSON, encrypted with a password slot (scrypt + AES-256-GCM).
    AegisEncrypted,
    /// `otpauth://` (and `otpauth-migration://`) links, one a line: what many apps export as
    /// text.
    UriList,
}

impl Format {
    /// Every format, for `--list-formats` and error messages.
    pub const ALL: [Self; 3] = [Self::AegisPlain, Self::AegisEncrypted, Self::UriList];

    /// The format's name for people.
    pub fn name(self) -> &'static str {
        match self {
            Self::AegisPlain => "Aegis (plain JSON)",
            Self::AegisEncrypted => "Aegis (encrypted JSON)",
            Self::UriList => "otpauth:// list",
        }
    }

    /// The app a format belongs to, as errors name it.
    pub fn app(self) -> &'static str {
        match self {
            Self::AegisPlain | Self::AegisEncrypted => "Aegis",
            Self::UriList => "otpauth list",
        }
    }

    /// Whether the format needs a password.
    pub fn encrypted(self) -> bool {
        matches!(self, Self::AegisEncrypted)
    }

    pub(crate) fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|f| f.name()).collect()
    }
}

/// One account from another app: what the vault keeps of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Issuer, name, secret and OTP parameters.
    pub draft: AccountDraft,
    /// Tags (the app's groups), pin (its favourite).
    pub labels: Labels,
}

/// What came of an import: the entries to add and the ones that could not be, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The format the file was.
    pub format: Format,
    /// The entries, in the file's order.
    pub entries: Vec<Entry>,
    /// Entries that could not be imported.
    pub problems: Vec<EntryProblem>,
}

/// The format of `bytes`, told from their content.
pub fn detect(bytes: &[u8]) -> Option<Format> {
    if let Some(format) = aegis::detect(bytes) {
        return Some(format);
    }
    uri_list::detect(bytes).then_some(Format::UriList)
}

/// Imports a file: its format detected, decrypted with `password` when it needs one, every
/// entry converted. Fails as a whole (nothing imported) when the file cannot be read; single
/// bad entries are reported in [`Imported::problems`].
pub fn import(bytes: &[u8], password: Option<&Secret>) -> Result<Imported, ImportError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge {
            size: bytes.len(),
            limit: MAX_FILE_BYTES,
        });
    }
    let format = detect(bytes).ok_or(ImportError::UnknownFormat)?;
    let (entries, problems) = match format {
        Format::AegisPlain | Format::AegisEncrypted => aegis::import(bytes, password)?,
        Format::UriList => uri_list::import(bytes)?,
    };
    Ok(Imported {
        format,
        entries,
        problems,
    })
}

/// An entry's fields as most formats spell them, before checking.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    /// `totp`, `hotp` or `steam` (any case).
    pub kind: String,
    pub issuer: String,
    pub name: String,
    /// Base32.
    pub secret: String,
    /// `SHA1`, `SHA256`, `SHA512` (any case, hyphens allowed); empty is SHA1.
    pub algorithm: String,
    pub digits: Option<u64>,
    pub period: Option<u64>,
    pub counter: Option<u64>,
    pub tags: Vec<String>,
    pub favourite: bool,
}

impl Fields {
    /// The entry, or the first thing wrong with it (named by its field).
    pub(crate) fn entry(self) -> Result<Entry, EntryProblem> {
        let who = display_name(self.issuer.trim(), self.name.trim());
        let problem = |field: &'static str, problem: String| EntryProblem {
            entry: who.clone(),
            field,
            problem,
        };
        let algorithm = if self.algorithm.trim().is_empty() {
            Algorithm::Sha1
        } else {
            Algorithm::parse(&self.algorithm).ok_or_else(|| {
                problem(
                    "algorithm",
                    format!("{} is not supported (SHA1, SHA256, SHA512)", self.algorithm),
                )
            })?
        };
        let period = u32::try_from(self.period.unwrap_or(30)).map_err(|_| {
            problem(
                "period",
                format!("{} seconds is too long", self.period.unwrap_or(0)),
            )
        })?;
        let method = match self.kind.trim().to_ascii_lowercase().as_str() {
            "totp" | "" => Method::Totp { period },
            "steam" => Method::Steam { period },
            "hotp" => Method::Hotp {
                counter: self.counter.unwrap_or(0),
            },
            other => {
                return Err(problem(
                    "type",
                    format!("{other} codes are not supported (TOTP, HOTP, Steam)"),
                ));
            }
        };
        let default_digits = if matches!(method, Method::Steam { .. }) {
            5
        } else {
            6
        };
        let digits = u8::try_from(self.digits.unwrap_or(default_digits)).unwrap_or(u8::MAX);
        let params = OtpParams::new(method, algorithm, digits).map_err(|e| match e {
            ParamsError::Digits { value } => {
                problem("digits", format!("{value} digits (Twofold shows 4 to 10)"))
            }
            ParamsError::ZeroPeriod => problem("period", "a period of 0 seconds".into()),
        })?;
        if self.secret.trim().is_empty() {
            return Err(problem("secret", "missing".into()));
        }
        let secret =
            base32::decode_lenient(&self.secret).map_err(|e| problem("secret", e.to_string()))?;
        let labels = Labels {
            issuer: self.issuer,
            name: self.name,
            tags: self.tags,
            color: None,
            pinned: self.favourite,
        }
        .check()
        .map_err(|mut problems| {
            let first = problems.remove(0);
            problem(first.field, first.message)
        })?;
        Ok(Entry {
            draft: AccountDraft {
                issuer: labels.issuer.clone(),
                name: labels.name.clone(),
                secret,
                params,
                extra: Vec::new(),
            },
            labels,
        })
    }
}

/// Converts every entry; the bad ones become problems.
pub(crate) fn convert(
    fields: impl IntoIterator<Item = Result<Fields, EntryProblem>>,
) -> (Vec<Entry>, Vec<EntryProblem>) {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for f in fields {
        match f.and_then(Fields::entry) {
            Ok(e) => entries.push(e),
            Err(p) => problems.push(p),
        }
    }
    (entries, problems)
}
