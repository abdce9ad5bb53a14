//! Importing: the format told from the bytes, each entry turned into an account draft and its
//! labels, and a problem per entry that cannot be (the others are imported). One module per
//! app under `import/`.

mod aegis;
mod andotp;
mod android;
mod bitwarden;
mod duo;
mod ente;
mod freeotp_backup;
mod freeotp_plus;
mod keepass;
mod lastpass;
mod proton;
mod sqlite;
mod steam;
mod stratum;
mod twofas;
mod uri_list;
mod zip;

use serde_json::Value;
use twofold_core::account::{AccountDraft, Labels, display_name};
use twofold_core::otp::{Algorithm, Method, OtpParams, ParamsError};
use twofold_core::{Secret, base32, otpauth};

use crate::error::{EntryProblem, ImportError};

/// The largest file read (real exports of a few hundred accounts are well under 1 MiB; icons
/// make Aegis files larger).
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
/// The most entries one file may hold.
pub const MAX_ENTRIES: usize = 100_000;

/// A format Twofold reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Twofold's own encrypted backup (`docs/backup-format.md`).
    TwofoldBackup,
    /// Aegis's vault JSON, unencrypted.
    AegisPlain,
    /// Aegis's vault JSON, encrypted with a password slot (scrypt + AES-256-GCM).
    AegisEncrypted,
    /// 2FAS's `.2fas` backup, unencrypted (schema versions 1–4).
    TwoFasPlain,
    /// 2FAS's `.2fas` backup, encrypted (PBKDF2-SHA256 + AES-256-GCM).
    TwoFasEncrypted,
    /// andOTP's JSON backup, unencrypted.
    AndOtpPlain,
    /// andOTP's encrypted backup (`.json.aes`): PBKDF2-SHA1 + AES-256-GCM, or the older
    /// SHA-256-of-the-password key.
    AndOtpEncrypted,
    /// Bitwarden's unencrypted JSON export (the password manager's and Bitwarden
    /// Authenticator's): the `totp` field of each login.
    BitwardenJson,
    /// Bitwarden's CSV export (`login_totp`), and Bitwarden Authenticator's.
    BitwardenCsv,
    /// Bitwarden's password-protected JSON export.
    BitwardenEncrypted,
    /// FreeOTP+'s JSON export.
    FreeOtpPlus,
    /// Proton Authenticator's JSON export, unencrypted.
    ProtonPlain,
    /// Proton Authenticator's password-protected export (Argon2id + AES-256-GCM).
    ProtonEncrypted,
    /// LastPass Authenticator's JSON export.
    LastPass,
    /// Steam Desktop Authenticator's `.maFile` or accounts JSON (`shared_secret`).
    Steam,
    /// Duo Mobile's accounts JSON.
    Duo,
    /// Ente Auth's encrypted export (Argon2id + XChaCha20-Poly1305 secret stream).
    EnteEncrypted,
    /// Authenticator Pro / Stratum's backup, unencrypted JSON.
    StratumPlain,
    /// Authenticator Pro / Stratum's encrypted backup (strong and legacy).
    StratumEncrypted,
    /// A web page with `otpauth://` links (Authenticator Pro's HTML export).
    HtmlLinks,
    /// Authy's own data from an Android phone, seeds in the clear.
    AuthyPlain,
    /// Authy's own data from an Android phone, seeds encrypted with the backup password.
    AuthyEncrypted,
    /// FreeOTP's or FreeOTP+'s own data from an Android phone.
    FreeOtpXml,
    /// FreeOTP's encrypted backup (FreeOTP 2: a Java-serialized map, PBKDF2 and AES-GCM).
    FreeOtpBackup,
    /// TOTP Authenticator's own data from an Android phone.
    TotpAuthenticatorXml,
    /// TOTP Authenticator's encrypted backup.
    TotpAuthenticatorEncrypted,
    /// Battle.net's authenticator from an Android phone (masked serial and secret).
    BattleNet,
    /// Proton Pass's export (a ZIP with `data.json`): its logins' TOTP fields.
    ProtonPass,
    /// A ZIP of `otpauth://` text, usually password-protected (WinAuth, Authenticator Plus).
    ZipLinks,
    /// A KeePass or KeePassXC database (KDBX 3.1 and 4).
    KeePass,
    /// Google Authenticator's own database from an Android phone.
    GoogleAuthenticatorDb,
    /// Microsoft Authenticator's own database from an Android phone.
    MicrosoftAuthenticatorDb,
    /// Authenticator Pro / Stratum's own database.
    StratumDb,
    /// `otpauth://` (and `otpauth-migration://`) links, one a line: what Aegis, Ente Auth,
    /// Google Authenticator and many others export as text.
    UriList,
}

impl Format {
    /// Every format, for `--list-formats` and error messages.
    pub const ALL: [Self; 34] = [
        Self::TwofoldBackup,
        Self::AegisPlain,
        Self::AegisEncrypted,
        Self::TwoFasPlain,
        Self::TwoFasEncrypted,
        Self::AndOtpPlain,
        Self::AndOtpEncrypted,
        Self::BitwardenJson,
        Self::BitwardenCsv,
        Self::BitwardenEncrypted,
        Self::FreeOtpPlus,
        Self::ProtonPlain,
        Self::ProtonEncrypted,
        Self::LastPass,
        Self::Steam,
        Self::Duo,
        Self::EnteEncrypted,
        Self::StratumPlain,
        Self::StratumEncrypted,
        Self::HtmlLinks,
        Self::AuthyPlain,
        Self::AuthyEncrypted,
        Self::FreeOtpXml,
        Self::FreeOtpBackup,
        Self::TotpAuthenticatorXml,
        Self::TotpAuthenticatorEncrypted,
        Self::BattleNet,
        Self::ProtonPass,
        Self::ZipLinks,
        Self::KeePass,
        Self::GoogleAuthenticatorDb,
        Self::MicrosoftAuthenticatorDb,
        Self::StratumDb,
        Self::UriList,
    ];

    /// The format's name for people.
    pub fn name(self) -> &'static str {
        match self {
            Self::TwofoldBackup => "Twofold backup",
            Self::AegisPlain => "Aegis (plain JSON)",
            Self::AegisEncrypted => "Aegis (encrypted JSON)",
            Self::TwoFasPlain => "2FAS (plain .2fas)",
            Self::TwoFasEncrypted => "2FAS (encrypted .2fas)",
            Self::AndOtpPlain => "andOTP (plain JSON)",
            Self::AndOtpEncrypted => "andOTP (encrypted)",
            Self::BitwardenJson => "Bitwarden (JSON)",
            Self::BitwardenCsv => "Bitwarden (CSV)",
            Self::BitwardenEncrypted => "Bitwarden (password-protected JSON)",
            Self::FreeOtpPlus => "FreeOTP+ (JSON)",
            Self::ProtonPlain => "Proton Authenticator (plain JSON)",
            Self::ProtonEncrypted => "Proton Authenticator (encrypted JSON)",
            Self::LastPass => "LastPass Authenticator (JSON)",
            Self::Steam => "Steam (maFile)",
            Self::Duo => "Duo Mobile (JSON)",
            Self::EnteEncrypted => "Ente Auth (encrypted JSON)",
            Self::StratumPlain => "Authenticator Pro / Stratum (plain .authpro)",
            Self::StratumEncrypted => "Authenticator Pro / Stratum (encrypted .authpro)",
            Self::HtmlLinks => "HTML page of otpauth:// links",
            Self::AuthyPlain => "Authy (Android app data)",
            Self::AuthyEncrypted => "Authy (Android app data, encrypted seeds)",
            Self::FreeOtpXml => "FreeOTP / FreeOTP+ (Android app data)",
            Self::FreeOtpBackup => "FreeOTP (encrypted backup)",
            Self::TotpAuthenticatorXml => "TOTP Authenticator (Android app data)",
            Self::TotpAuthenticatorEncrypted => "TOTP Authenticator (encrypted backup)",
            Self::BattleNet => "Battle.net Authenticator (Android app data)",
            Self::ProtonPass => "Proton Pass (ZIP export)",
            Self::ZipLinks => "ZIP of otpauth:// links (WinAuth, Authenticator Plus)",
            Self::KeePass => "KeePass / KeePassXC database (.kdbx)",
            Self::GoogleAuthenticatorDb => "Google Authenticator (Android database)",
            Self::MicrosoftAuthenticatorDb => "Microsoft Authenticator (Android database)",
            Self::StratumDb => "Authenticator Pro / Stratum (app database)",
            Self::UriList => "otpauth:// list",
        }
    }

    /// The short name the CLI takes (`--format aegis`); the plain and encrypted variants of a
    /// format share it.
    pub fn id(self) -> &'static str {
        match self {
            Self::TwofoldBackup => "twofold",
            Self::AegisPlain | Self::AegisEncrypted => "aegis",
            Self::TwoFasPlain | Self::TwoFasEncrypted => "2fas",
            Self::AndOtpPlain | Self::AndOtpEncrypted => "andotp",
            Self::BitwardenJson | Self::BitwardenEncrypted => "bitwarden-json",
            Self::BitwardenCsv => "bitwarden-csv",
            Self::FreeOtpPlus => "freeotp-plus",
            Self::ProtonPlain | Self::ProtonEncrypted => "proton",
            Self::LastPass => "lastpass",
            Self::Steam => "steam",
            Self::Duo => "duo",
            Self::EnteEncrypted => "ente",
            Self::StratumPlain | Self::StratumEncrypted => "authpro",
            Self::HtmlLinks => "html",
            Self::AuthyPlain | Self::AuthyEncrypted => "authy",
            Self::FreeOtpXml | Self::FreeOtpBackup => "freeotp",
            Self::TotpAuthenticatorXml | Self::TotpAuthenticatorEncrypted => "totp-authenticator",
            Self::BattleNet => "battle-net",
            Self::ProtonPass => "proton-pass",
            Self::ZipLinks => "zip",
            Self::KeePass => "keepass",
            Self::GoogleAuthenticatorDb => "google-db",
            Self::MicrosoftAuthenticatorDb => "microsoft-db",
            Self::StratumDb => "authpro-db",
            Self::UriList => "otpauth",
        }
    }

    /// The app a format belongs to, as errors name it.
    pub fn app(self) -> &'static str {
        match self {
            Self::TwofoldBackup => "Twofold backup",
            Self::AegisPlain | Self::AegisEncrypted => "Aegis",
            Self::TwoFasPlain | Self::TwoFasEncrypted => "2FAS",
            Self::AndOtpPlain | Self::AndOtpEncrypted => "andOTP",
            Self::BitwardenJson | Self::BitwardenCsv | Self::BitwardenEncrypted => "Bitwarden",
            Self::FreeOtpPlus => "FreeOTP+",
            Self::ProtonPlain | Self::ProtonEncrypted => "Proton Authenticator",
            Self::LastPass => "LastPass Authenticator",
            Self::Steam => "Steam",
            Self::Duo => "Duo Mobile",
            Self::EnteEncrypted => "Ente Auth",
            Self::StratumPlain | Self::StratumEncrypted | Self::HtmlLinks => "Authenticator Pro",
            Self::AuthyPlain | Self::AuthyEncrypted => "Authy",
            Self::FreeOtpXml | Self::FreeOtpBackup => "FreeOTP",
            Self::TotpAuthenticatorXml | Self::TotpAuthenticatorEncrypted => "TOTP Authenticator",
            Self::BattleNet => "Battle.net",
            Self::ProtonPass => "Proton Pass",
            Self::ZipLinks => "ZIP of otpauth links",
            Self::KeePass => "KeePass",
            Self::GoogleAuthenticatorDb => "Google Authenticator",
            Self::MicrosoftAuthenticatorDb => "Microsoft Authenticator",
            Self::StratumDb => "Authenticator Pro",
            Self::UriList => "otpauth list",
        }
    }

    /// Whether the format needs a password.
    pub fn encrypted(self) -> bool {
        matches!(
            self,
            Self::TwofoldBackup
                | Self::BitwardenEncrypted
                | Self::AegisEncrypted
                | Self::TwoFasEncrypted
                | Self::AndOtpEncrypted
                | Self::ProtonEncrypted
                | Self::EnteEncrypted
                | Self::StratumEncrypted
                | Self::AuthyEncrypted
                | Self::TotpAuthenticatorEncrypted
                | Self::FreeOtpBackup
                | Self::ZipLinks
                | Self::KeePass
        )
    }

    /// The format `--format NAME` means for these bytes: of the formats with that id, the one
    /// the bytes are detected as, else the encrypted variant for bytes that are not JSON and
    /// the plain one for JSON. `None` for an unknown name.
    pub fn named(id: &str, bytes: &[u8]) -> Option<Self> {
        let id = id.trim().to_ascii_lowercase();
        let candidates: Vec<Self> = Self::ALL.into_iter().filter(|f| f.id() == id).collect();
        if let Some(detected) = detect(bytes).filter(|f| candidates.contains(f)) {
            return Some(detected);
        }
        let json = serde_json::from_slice::<Value>(bytes).is_ok();
        candidates
            .iter()
            .copied()
            .find(|f| f.encrypted() != json)
            .or_else(|| candidates.first().copied())
    }

    /// The ids `--format` takes, each once, with the names of their formats.
    pub fn ids() -> Vec<(&'static str, Vec<&'static str>)> {
        let mut out: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
        for f in Self::ALL {
            match out.iter_mut().find(|(id, _)| *id == f.id()) {
                Some((_, names)) => names.push(f.name()),
                None => out.push((f.id(), vec![f.name()])),
            }
        }
        out
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
    if let Ok(json) = serde_json::from_slice::<Value>(bytes) {
        return detect_json(&json);
    }
    if bitwarden::detect_csv(bytes) {
        return Some(Format::BitwardenCsv);
    }
    if uri_list::detect(bytes) {
        return Some(Format::UriList);
    }
    if uri_list::detect_html(bytes) {
        return Some(Format::HtmlLinks);
    }
    if stratum::detect_encrypted(bytes) {
        return Some(Format::StratumEncrypted);
    }
    if let Some(format) = sqlite::detect(bytes) {
        return Some(format);
    }
    if keepass::detect(bytes) {
        return Some(Format::KeePass);
    }
    if let Some(format) = zip::detect(bytes) {
        return Some(format);
    }
    if let Some(format) = android::detect(bytes) {
        return Some(format);
    }
    if freeotp_backup::detect(bytes) {
        return Some(Format::FreeOtpBackup);
    }
    if android::detect_totp_authenticator(bytes) {
        return Some(Format::TotpAuthenticatorEncrypted);
    }
    andotp::detect_encrypted(bytes).then_some(Format::AndOtpEncrypted)
}

/// The JSON formats, told apart by their shape.
fn detect_json(json: &Value) -> Option<Format> {
    crate::backup::detect(json)
        .then_some(Format::TwofoldBackup)
        .or_else(|| aegis::detect(json))
        .or_else(|| twofas::detect(json))
        .or_else(|| bitwarden::detect(json))
        .or_else(|| freeotp_plus::detect(json).then_some(Format::FreeOtpPlus))
        .or_else(|| proton::detect(json))
        .or_else(|| lastpass::detect(json).then_some(Format::LastPass))
        .or_else(|| steam::detect(json).then_some(Format::Steam))
        .or_else(|| duo::detect(json).then_some(Format::Duo))
        .or_else(|| ente::detect(json).then_some(Format::EnteEncrypted))
        .or_else(|| stratum::detect(json).then_some(Format::StratumPlain))
        .or_else(|| andotp::detect(json).then_some(Format::AndOtpPlain))
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
    // JSON is parsed once: for detection and for the importer.
    if let Ok(json) = serde_json::from_slice::<Value>(bytes) {
        let format = detect_json(&json).ok_or(ImportError::UnknownFormat)?;
        return convert_input(format, Input::Json(json), password);
    }
    let format = detect(bytes).ok_or(ImportError::UnknownFormat)?;
    import_as(format, bytes, password)
}

/// Imports a file in a format the caller names (`--format`), for files whose bytes could be
/// more than one. A file of another format fails as damaged.
pub fn import_as(
    format: Format,
    bytes: &[u8],
    password: Option<&Secret>,
) -> Result<Imported, ImportError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge {
            size: bytes.len(),
            limit: MAX_FILE_BYTES,
        });
    }
    convert_input(format, Input::Bytes(bytes), password)
}

/// Runs the format's importer on the content.
fn convert_input(
    format: Format,
    input: Input<'_>,
    password: Option<&Secret>,
) -> Result<Imported, ImportError> {
    let bytes = |input: Input<'_>| match input {
        Input::Bytes(b) => Ok(b.to_vec()),
        Input::Json(v) => serde_json::to_vec(&v)
            .map_err(|e| ImportError::damaged(format.app(), "the file", e.to_string())),
    };
    let (entries, problems) = match format {
        Format::TwofoldBackup => crate::backup::import(input, password)?,
        Format::AegisPlain | Format::AegisEncrypted => aegis::import(input, password)?,
        Format::TwoFasPlain | Format::TwoFasEncrypted => twofas::import(input, password)?,
        Format::AndOtpPlain => andotp::import_plain(input)?,
        Format::AndOtpEncrypted => andotp::import_encrypted(&bytes(input)?, password)?,
        Format::BitwardenJson => bitwarden::import_json(input)?,
        Format::BitwardenCsv => bitwarden::import_csv(&bytes(input)?)?,
        Format::BitwardenEncrypted => bitwarden::import_protected(&bytes(input)?, password)?,
        Format::FreeOtpPlus => freeotp_plus::import(input)?,
        Format::ProtonPlain | Format::ProtonEncrypted => proton::import(input, password)?,
        Format::LastPass => lastpass::import(input)?,
        Format::Steam => steam::import(input)?,
        Format::Duo => duo::import(input)?,
        Format::EnteEncrypted => ente::import(input, password)?,
        Format::StratumPlain => stratum::import(input)?,
        Format::StratumEncrypted => stratum::import_encrypted(&bytes(input)?, password)?,
        Format::HtmlLinks => uri_list::import_html(&bytes(input)?)?,
        Format::AuthyPlain | Format::AuthyEncrypted => {
            android::import_authy(&bytes(input)?, password)?
        }
        Format::FreeOtpXml => android::import_freeotp(&bytes(input)?)?,
        Format::FreeOtpBackup => freeotp_backup::import(&bytes(input)?, password)?,
        Format::TotpAuthenticatorXml => android::import_totp_authenticator_xml(&bytes(input)?)?,
        Format::BattleNet => android::import_battle_net(&bytes(input)?)?,
        Format::TotpAuthenticatorEncrypted => {
            android::import_totp_authenticator_backup(&bytes(input)?, password)?
        }
        Format::ProtonPass => zip::import_proton_pass(&bytes(input)?)?,
        Format::ZipLinks => zip::import_links(&bytes(input)?, password)?,
        Format::KeePass => keepass::import(&bytes(input)?, password)?,
        Format::GoogleAuthenticatorDb => sqlite::import_google(&bytes(input)?)?,
        Format::MicrosoftAuthenticatorDb => sqlite::import_microsoft(&bytes(input)?)?,
        Format::StratumDb => sqlite::import_stratum(&bytes(input)?)?,
        Format::UriList => uri_list::import(&bytes(input)?)?,
    };
    if entries.len() + problems.len() > MAX_ENTRIES {
        return Err(ImportError::TooManyEntries {
            app: format.app(),
            count: entries.len() + problems.len(),
            limit: MAX_ENTRIES,
        });
    }
    Ok(Imported {
        format,
        entries,
        problems,
    })
}

/// A file's content as an importer receives it: its bytes, or its JSON when detection has
/// parsed it already (a large file is then not parsed twice).
pub(crate) enum Input<'a> {
    Bytes(&'a [u8]),
    Json(Value),
}

impl Input<'_> {
    /// The content as the format's shape, or which app's file is damaged.
    pub(crate) fn parse<T: serde::de::DeserializeOwned>(
        self,
        app: &'static str,
        field: &str,
    ) -> Result<T, ImportError> {
        match self {
            Self::Bytes(bytes) => parse_json(app, field, bytes),
            Self::Json(value) => serde_json::from_value(value)
                .map_err(|e| ImportError::damaged(app, field, e.to_string())),
        }
    }
}

/// Parses JSON of the format's shape, or says which app's file is damaged.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    app: &'static str,
    field: &str,
    bytes: &[u8],
) -> Result<T, ImportError> {
    serde_json::from_slice(bytes).map_err(|e| ImportError::damaged(app, field, e.to_string()))
}

/// A field that files write as `null` read as its default (`""`, `false`, `0`).
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + serde::Deserialize<'de>,
{
    Ok(<Option<T> as serde::Deserialize>::deserialize(d)?.unwrap_or_default())
}

/// Refuses more entries than any real export has, before converting them.
pub(crate) fn check_count(app: &'static str, count: usize) -> Result<(), ImportError> {
    if count > MAX_ENTRIES {
        return Err(ImportError::TooManyEntries {
            app,
            count,
            limit: MAX_ENTRIES,
        });
    }
    Ok(())
}

/// The names a problem with entry `index` (0-based) is reported under when it has no name.
pub(crate) fn nth(index: usize) -> String {
    format!("entry {}", index + 1)
}

/// A draft from what password managers keep in a TOTP field: an `otpauth://` link, a
/// `steam://SECRET` (Bitwarden's and Proton's Steam codes) or a bare base32 secret (TOTP, SHA1, 6 digits,
/// 30 s). The field at fault and why when it is none of them.
pub(crate) fn draft_from_totp_field(text: &str) -> Result<AccountDraft, (&'static str, String)> {
    let text = text.trim();
    let secret = |s: &str| base32::decode_lenient(s).map_err(|e| ("secret", e.to_string()));
    if twofold_core::scan::link_scheme(text) == Some(twofold_core::scan::LinkScheme::Otpauth) {
        return otpauth::parse(text).map_err(|e| link_problem(&e));
    }
    let (method, digits, secret, issuer) = match text.get(..8) {
        Some(p) if p.eq_ignore_ascii_case("steam://") => {
            (Method::Steam { period: 30 }, 5, secret(&text[8..])?, "")
        }
        _ => (Method::Totp { period: 30 }, 6, secret(text)?, ""),
    };
    let params =
        OtpParams::new(method, Algorithm::Sha1, digits).map_err(|e| ("digits", e.to_string()))?;
    Ok(AccountDraft {
        issuer: issuer.to_owned(),
        name: String::new(),
        secret,
        params,
        extra: Vec::new(),
    })
}

/// An invalid `otpauth://` link's field and what is wrong with it (without the field's name
/// the error's text starts with).
pub(crate) fn link_problem(e: &otpauth::OtpauthError) -> (&'static str, String) {
    let message = e.to_string();
    let field = e.field();
    let message = message
        .strip_prefix(&format!("{field}: "))
        .map_or_else(|| message.clone(), str::to_owned);
    (field, message)
}

/// The issuer and account a link's label and `issuer` parameter name, read leniently (for
/// naming an entry whose link is otherwise invalid).
pub(crate) fn link_labels(link: &str) -> (String, String) {
    let Some((_, rest)) = link.trim().split_once("://") else {
        return (String::new(), String::new());
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let label = path.split_once('/').map_or("", |(_, l)| l);
    let label = percent_encoding::percent_decode_str(label).decode_utf8_lossy();
    let (mut issuer, name) = match label.split_once(':') {
        Some((i, n)) => (i.trim().to_owned(), n.trim().to_owned()),
        None => (String::new(), label.trim().to_owned()),
    };
    if let Some((_, value)) = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, v)| k.eq_ignore_ascii_case("issuer") && !v.trim().is_empty())
    {
        value.trim().clone_into(&mut issuer);
    }
    (issuer, name)
}

/// An entry from a draft and the app's labels, the labels checked by the rules every account
/// has.
pub(crate) fn entry_from_draft(
    mut draft: AccountDraft,
    tags: Vec<String>,
    pinned: bool,
) -> Result<Entry, EntryProblem> {
    let who = draft.display_name();
    let labels = Labels {
        issuer: std::mem::take(&mut draft.issuer),
        name: std::mem::take(&mut draft.name),
        tags,
        color: None,
        icon: None,
        pinned,
    }
    .check()
    .map_err(|mut problems| {
        let first = problems.remove(0);
        EntryProblem {
            entry: who,
            field: first.field,
            problem: first.message(),
        }
    })?;
    draft.issuer.clone_from(&labels.issuer);
    draft.name.clone_from(&labels.name);
    Ok(Entry { draft, labels })
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
        entry_from_draft(
            AccountDraft {
                issuer: self.issuer,
                name: self.name,
                secret,
                params,
                extra: Vec::new(),
            },
            self.tags,
            self.favourite,
        )
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
