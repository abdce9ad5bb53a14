//! Accounts: what the vault stores for each website (issuer, name, seed, OTP parameters and the
//! user's own labels), and the draft an account is before it is saved.

use std::fmt;

use crate::entropy::{Entropy, EntropyError};
use crate::otp::{Code, Method, OtpParams};
use crate::secret::Secret;

/// A stable, random identifier of an account (32 hex characters).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(String);

impl AccountId {
    /// A new random id.
    pub fn random(entropy: &mut dyn Entropy) -> Result<Self, EntropyError> {
        let mut bytes = [0u8; 16];
        entropy.fill(&mut bytes)?;
        Ok(Self(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    /// Wraps an id read from storage.
    pub fn from_string(id: String) -> Self {
        Self(id)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountId({})", self.0)
    }
}

/// An account before it is saved: what an `otpauth://` URI, a migration QR or manual entry gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountDraft {
    /// Who issued the secret (`GitHub`); may be empty.
    pub issuer: String,
    /// The account at the issuer (`alice@example.com`); may be empty.
    pub name: String,
    /// The seed.
    pub secret: Secret,
    /// How codes are computed.
    pub params: OtpParams,
    /// `otpauth://` parameters we do not interpret, kept in order so nothing is lost.
    pub extra: Vec<(String, String)>,
}

impl AccountDraft {
    /// `Issuer (name)`, `Issuer`, `name` or `(unnamed)`.
    pub fn display_name(&self) -> String {
        display_name(&self.issuer, &self.name)
    }
}

/// A saved account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// Stable id.
    pub id: AccountId,
    /// Who issued the secret.
    pub issuer: String,
    /// The account at the issuer.
    pub name: String,
    /// The seed.
    pub secret: Secret,
    /// How codes are computed (for HOTP it holds the next counter).
    pub params: OtpParams,
    /// The user's tags.
    pub tags: Vec<String>,
    /// The icon colour the user picked (`#rrggbb`), if any.
    pub color: Option<String>,
    /// The brand icon the user picked: `None` lets the app match one to the issuer, `Some("")`
    /// shows the initials, `Some(slug)` a given icon of the app's set.
    pub icon: Option<String>,
    /// Pinned to the top of the list.
    pub pinned: bool,
    /// Unix time the account was added.
    pub created_at: u64,
    /// Unix time a code was last copied or shown on request.
    pub last_used_at: Option<u64>,
    /// Unknown `otpauth://` parameters, kept.
    pub extra: Vec<(String, String)>,
}

impl Account {
    /// A saved account from a draft.
    pub fn from_draft(draft: AccountDraft, id: AccountId, now: u64) -> Self {
        Self {
            id,
            issuer: draft.issuer,
            name: draft.name,
            secret: draft.secret,
            params: draft.params,
            tags: Vec::new(),
            color: None,
            icon: None,
            pinned: false,
            created_at: now,
            last_used_at: None,
            extra: draft.extra,
        }
    }

    /// The draft that describes this account (for export as a URI or a QR).
    pub fn to_draft(&self) -> AccountDraft {
        AccountDraft {
            issuer: self.issuer.clone(),
            name: self.name.clone(),
            secret: self.secret.clone(),
            params: self.params,
            extra: self.extra.clone(),
        }
    }

    /// `Issuer (name)`, `Issuer`, `name` or `(unnamed)`.
    pub fn display_name(&self) -> String {
        display_name(&self.issuer, &self.name)
    }

    /// The code shown at `unix_time` (for HOTP, the code of the stored counter).
    pub fn code_at(&self, unix_time: u64) -> Code {
        self.params.code_at(self.secret.expose(), unix_time)
    }

    /// The code after the one shown at `unix_time`.
    pub fn next_code_at(&self, unix_time: u64) -> Code {
        let next = self.params.counter_at(unix_time).wrapping_add(1);
        self.params.code_for_counter(self.secret.expose(), next)
    }

    /// Whether the issuer, name or a tag contains `query` (case-insensitive), or `query` is
    /// the account's id.
    pub fn matches(&self, query: &str) -> bool {
        let q = query.trim().to_lowercase();
        if q.is_empty() || self.id.as_str() == q {
            return true;
        }
        self.issuer.to_lowercase().contains(&q)
            || self.name.to_lowercase().contains(&q)
            || self.display_name().to_lowercase().contains(&q)
            || self.tags.iter().any(|t| t.to_lowercase().contains(&q))
    }

    /// Whether `draft` would add the same secret again (same seed and the same kind of code).
    pub fn is_duplicate_of(&self, draft: &AccountDraft) -> bool {
        self.secret == draft.secret
            && std::mem::discriminant(&self.params.method())
                == std::mem::discriminant(&draft.params.method())
    }

    /// For HOTP: moves the counter on by one. Returns whether it changed.
    pub fn advance_counter(&mut self) -> bool {
        match self.params.method() {
            Method::Hotp { counter } => {
                self.params = self.params.with_counter(counter.wrapping_add(1));
                true
            }
            _ => false,
        }
    }
}

/// `Issuer (name)`, `Issuer`, `name` or `(unnamed)`: how an account is named to the user.
pub fn display_name(issuer: &str, name: &str) -> String {
    match (issuer.is_empty(), name.is_empty()) {
        (false, false) => format!("{issuer} ({name})"),
        (false, true) => issuer.to_owned(),
        (true, false) => name.to_owned(),
        (true, true) => "(unnamed)".to_owned(),
    }
}

/// A problem with one field of what a person typed: the field (`issuer`, `secret`, `tags`…)
/// and what is wrong, for a form to show beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field.
    pub field: &'static str,
    /// What is wrong.
    pub problem: Problem,
}

impl FieldError {
    /// `problem` with `field`.
    pub fn new(field: &'static str, problem: Problem) -> Self {
        Self { field, problem }
    }

    /// What is wrong, in English (a shell in another language translates [`Problem::code`]).
    pub fn message(&self) -> String {
        self.problem.to_string()
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

/// What can be wrong with a typed field: a stable code and its values for a shell's message
/// catalogue (`problem-<code>`), and English words as `Display`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// Neither an issuer nor a name.
    #[error("give the account an issuer or a name")]
    NameNeeded,
    /// Longer than `max` characters.
    #[error("at most {max} characters")]
    TooLong { max: usize },
    /// A control character (a line break, a tab…).
    #[error("no control characters")]
    ControlCharacters,
    /// One tag longer than `max` characters.
    #[error("`{tag}`: a tag has at most {max} characters")]
    TagTooLong { tag: String, max: usize },
    /// More than `max` tags.
    #[error("at most {max} tags")]
    TooManyTags { max: usize },
    /// Not a colour like `#3a7bd5`.
    #[error("`{value}` is not a colour like #3a7bd5")]
    NotAColour { value: String },
    /// Not an icon name.
    #[error("`{value}` is not an icon name (lower-case letters and digits, at most {max})")]
    NotAnIcon { value: String, max: usize },
    /// No secret.
    #[error("the secret is required")]
    SecretNeeded,
    /// A character of the secret outside base32's.
    #[error("`{character}` at position {position} is not a base32 character (A–Z, 2–7)")]
    NotBase32 { character: char, position: usize },
    /// Digits outside 4 to 10.
    #[error("digits must be from 4 to 10")]
    DigitsRange,
    /// A period of zero seconds.
    #[error("the period must be at least 1 second")]
    PeriodZero,
    /// Not SHA1, SHA256 or SHA512.
    #[error("`{value}` is not SHA1, SHA256 or SHA512")]
    NotAnAlgorithm { value: String },
    /// Not a whole number.
    #[error("`{value}` is not a whole number")]
    NotANumber { value: String },
    /// Not totp, hotp or steam.
    #[error("`{value}` is not totp, hotp or steam")]
    NotAKind { value: String },
    /// No server name.
    #[error("enter a server name, like pool.ntp.org")]
    ServerNeeded,
    /// A character no host name or address has.
    #[error("`{character}` cannot be in a server name")]
    NotInServerName { character: char },
}

impl Problem {
    /// One of each kind, for a shell to check its catalogue against.
    pub fn examples() -> Vec<Self> {
        vec![
            Self::NameNeeded,
            Self::TooLong { max: 1 },
            Self::ControlCharacters,
            Self::TagTooLong {
                tag: "t".into(),
                max: 1,
            },
            Self::TooManyTags { max: 1 },
            Self::NotAColour { value: "c".into() },
            Self::NotAnIcon {
                value: "i".into(),
                max: 1,
            },
            Self::SecretNeeded,
            Self::NotBase32 {
                character: '!',
                position: 1,
            },
            Self::DigitsRange,
            Self::PeriodZero,
            Self::NotAnAlgorithm { value: "a".into() },
            Self::NotANumber { value: "n".into() },
            Self::NotAKind { value: "k".into() },
            Self::ServerNeeded,
            Self::NotInServerName { character: ' ' },
        ]
    }

    /// The stable code of this kind of problem (`name-needed`, `too-long`…).
    pub fn code(&self) -> &'static str {
        match self {
            Self::NameNeeded => "name-needed",
            Self::TooLong { .. } => "too-long",
            Self::ControlCharacters => "control-characters",
            Self::TagTooLong { .. } => "tag-too-long",
            Self::TooManyTags { .. } => "too-many-tags",
            Self::NotAColour { .. } => "not-a-colour",
            Self::NotAnIcon { .. } => "not-an-icon",
            Self::SecretNeeded => "secret-needed",
            Self::NotBase32 { .. } => "not-base32",
            Self::DigitsRange => "digits-range",
            Self::PeriodZero => "period-zero",
            Self::NotAnAlgorithm { .. } => "not-an-algorithm",
            Self::NotANumber { .. } => "not-a-number",
            Self::NotAKind { .. } => "not-a-kind",
            Self::ServerNeeded => "server-needed",
            Self::NotInServerName { .. } => "not-in-server-name",
        }
    }

    /// The values the words name, by name (`max`, `value`, `tag`, `character`, `position`).
    pub fn values(&self) -> Vec<(&'static str, Value)> {
        match self {
            Self::TooLong { max } | Self::TooManyTags { max } => vec![("max", Value::Number(*max))],
            Self::TagTooLong { tag, max } => vec![
                ("tag", Value::Text(tag.clone())),
                ("max", Value::Number(*max)),
            ],
            Self::NotAnIcon { value, max } => vec![
                ("value", Value::Text(value.clone())),
                ("max", Value::Number(*max)),
            ],
            Self::NotAColour { value }
            | Self::NotAnAlgorithm { value }
            | Self::NotANumber { value }
            | Self::NotAKind { value } => vec![("value", Value::Text(value.clone()))],
            Self::NotBase32 {
                character,
                position,
            } => vec![
                ("character", Value::Text(character.to_string())),
                ("position", Value::Number(*position)),
            ],
            Self::NotInServerName { character } => {
                vec![("character", Value::Text(character.to_string()))]
            }
            Self::NameNeeded
            | Self::ControlCharacters
            | Self::SecretNeeded
            | Self::DigitsRange
            | Self::PeriodZero
            | Self::ServerNeeded => Vec::new(),
        }
    }
}

/// A value a [`Problem`]'s words name: a number (formatted and pluralised per language) or text
/// (as typed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Number(usize),
    Text(String),
}

/// The labels a person gives an account: who issued it, its name, tags, colour and pin. Every
/// way of changing them (the desktop editor, manual entry, the CLI's `add` and `rename`) goes
/// through [`Labels::check`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Labels {
    /// Who issued the secret.
    pub issuer: String,
    /// The account at the issuer.
    pub name: String,
    /// The person's tags.
    pub tags: Vec<String>,
    /// `#rrggbb`, or `None` for the colour made from the issuer.
    pub color: Option<String>,
    /// The icon: `None` matched by the app, `Some("")` none, `Some(slug)` the one picked.
    pub icon: Option<String>,
    /// Pinned to the top of the list.
    pub pinned: bool,
}

impl Labels {
    /// Longest icon name (a slug of lower-case letters and digits).
    pub const MAX_ICON: usize = 64;
    /// Longest issuer or account name, in characters.
    pub const MAX_LABEL: usize = 200;
    /// Most tags on one account.
    pub const MAX_TAGS: usize = 20;
    /// Longest tag, in characters.
    pub const MAX_TAG: usize = 40;

    /// The labels of an account.
    pub fn of(account: &Account) -> Self {
        Self {
            issuer: account.issuer.clone(),
            name: account.name.clone(),
            tags: account.tags.clone(),
            color: account.color.clone(),
            icon: account.icon.clone(),
            pinned: account.pinned,
        }
    }

    /// The labels cleaned — issuer and name trimmed, blank tags dropped and repeats (in any
    /// case) kept once, the colour in lower case — or every problem, each with its field: an
    /// issuer or a name is needed, each at most [`Self::MAX_LABEL`] characters without control
    /// characters; at most [`Self::MAX_TAGS`] tags of at most [`Self::MAX_TAG`] characters; a
    /// colour like `#3a7bd5`.
    pub fn check(self) -> Result<Self, Vec<FieldError>> {
        let mut problems = Vec::new();
        let (issuer, name) = check_names(&self.issuer, &self.name, &mut problems);
        let mut tags: Vec<String> = Vec::new();
        for tag in self.tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
            if tag.chars().count() > Self::MAX_TAG {
                problems.push(FieldError::new(
                    "tags",
                    Problem::TagTooLong {
                        tag: tag.to_owned(),
                        max: Self::MAX_TAG,
                    },
                ));
            } else if !tags.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
                tags.push(tag.to_owned());
            }
        }
        if tags.len() > Self::MAX_TAGS {
            problems.push(FieldError::new(
                "tags",
                Problem::TooManyTags {
                    max: Self::MAX_TAGS,
                },
            ));
        }
        let color = match self.color.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c)
                if c.len() == 7
                    && c.starts_with('#')
                    && c[1..].chars().all(|x| x.is_ascii_hexdigit()) =>
            {
                Some(c.to_ascii_lowercase())
            }
            Some(c) => {
                problems.push(FieldError::new(
                    "color",
                    Problem::NotAColour {
                        value: c.to_owned(),
                    },
                ));
                None
            }
        };
        let icon = match self.icon.as_deref().map(str::trim) {
            None => None,
            Some(i)
                if i.len() <= Self::MAX_ICON
                    && i.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) =>
            {
                Some(i.to_owned())
            }
            Some(i) => {
                problems.push(FieldError::new(
                    "icon",
                    Problem::NotAnIcon {
                        value: i.to_owned(),
                        max: Self::MAX_ICON,
                    },
                ));
                None
            }
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Self {
            issuer,
            name,
            tags,
            color,
            icon,
            pinned: self.pinned,
        })
    }

    /// Puts these labels on `account`.
    pub fn apply_to(self, account: &mut Account) {
        account.issuer = self.issuer;
        account.name = self.name;
        account.tags = self.tags;
        account.color = self.color;
        account.icon = self.icon;
        account.pinned = self.pinned;
    }
}

/// The issuer and name trimmed, with their problems added to `problems`: one of them is needed
/// (reported on `issuer`, the first of the two in every form), each at most
/// [`Labels::MAX_LABEL`] characters, no control characters.
pub(crate) fn check_names(
    issuer: &str,
    name: &str,
    problems: &mut Vec<FieldError>,
) -> (String, String) {
    let issuer = issuer.trim().to_owned();
    let name = name.trim().to_owned();
    if issuer.is_empty() && name.is_empty() {
        problems.push(FieldError::new("issuer", Problem::NameNeeded));
    }
    for (field, value) in [("issuer", &issuer), ("name", &name)] {
        if value.chars().count() > Labels::MAX_LABEL {
            problems.push(FieldError::new(
                field,
                Problem::TooLong {
                    max: Labels::MAX_LABEL,
                },
            ));
        }
        if value.chars().any(char::is_control) {
            problems.push(FieldError::new(field, Problem::ControlCharacters));
        }
    }
    (issuer, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(issuer: &str, name: &str, tags: &[&str], color: Option<&str>) -> Labels {
        Labels {
            issuer: issuer.into(),
            name: name.into(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            color: color.map(str::to_owned),
            icon: None,
            pinned: true,
        }
    }

    fn fields(problems: &[FieldError]) -> Vec<&'static str> {
        problems.iter().map(|p| p.field).collect()
    }

    #[test]
    fn labels_are_cleaned() {
        let ok = labels(
            " Acme Corp ",
            "alice",
            &["work", " Work ", "", "ÉTÉ", "été"],
            Some("#3A7BD5"),
        )
        .check()
        .unwrap();
        assert_eq!(
            ok,
            labels("Acme Corp", "alice", &["work", "ÉTÉ"], Some("#3a7bd5"))
        );
        // A name alone, or an issuer alone, is enough; no colour is the issuer's colour.
        assert!(labels("", "alice", &[], None).check().is_ok());
        assert!(
            labels("Acme", "  ", &[], Some(" "))
                .check()
                .unwrap()
                .color
                .is_none()
        );
    }

    #[test]
    fn an_icon_is_matched_none_or_a_slug() {
        let with = |icon: Option<&str>| Labels {
            icon: icon.map(str::to_owned),
            ..labels("GitHub", "octocat", &[], None)
        };
        assert_eq!(with(None).check().unwrap().icon, None);
        assert_eq!(with(Some("")).check().unwrap().icon.as_deref(), Some(""));
        assert_eq!(
            with(Some(" github ")).check().unwrap().icon.as_deref(),
            Some("github")
        );
        for bad in ["Git Hub", "../etc", "a\"b", &"x".repeat(65)] {
            let problems = with(Some(bad)).check().unwrap_err();
            assert_eq!(fields(&problems), ["icon"], "{bad}");
        }
        let draft = AccountDraft {
            issuer: "GitHub".into(),
            name: "octocat".into(),
            secret: Secret::from_slice(b"12345678901234567890"),
            params: OtpParams::new(
                crate::otp::Method::Totp { period: 30 },
                crate::otp::Algorithm::Sha1,
                6,
            )
            .unwrap(),
            extra: Vec::new(),
        };
        let mut account = Account::from_draft(draft, AccountId::from_string("a".into()), 0);
        assert_eq!(
            account.icon, None,
            "a new account's icon is matched by the app"
        );
        with(Some("gitlab")).check().unwrap().apply_to(&mut account);
        assert_eq!(account.icon.as_deref(), Some("gitlab"));
        assert_eq!(Labels::of(&account).icon.as_deref(), Some("gitlab"));
    }

    #[test]
    fn every_label_problem_is_reported_with_its_field() {
        let bad = labels(" ", "", &[&"x".repeat(41)], Some("blue"))
            .check()
            .unwrap_err();
        assert_eq!(fields(&bad), ["issuer", "tags", "color"]);
        assert_eq!(bad[0].message(), "give the account an issuer or a name");

        let long = "é".repeat(Labels::MAX_LABEL + 1);
        let bad = labels(&long, "a\u{7}b", &[], Some("#12345g"))
            .check()
            .unwrap_err();
        assert_eq!(fields(&bad), ["issuer", "name", "color"]);
        assert_eq!(bad[0].to_string(), "issuer: at most 200 characters");
        assert_eq!(bad[1].message(), "no control characters");
        // Exactly at the limits is fine (characters, not bytes).
        let edge = "é".repeat(Labels::MAX_LABEL);
        let tags: Vec<String> = (0..Labels::MAX_TAGS).map(|i| format!("{i:0>40}")).collect();
        let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
        assert!(labels(&edge, &edge, &tags, None).check().is_ok());

        let many: Vec<String> = (0..=Labels::MAX_TAGS).map(|i| format!("t{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let bad = labels("Acme", "", &many, None).check().unwrap_err();
        assert_eq!(
            bad,
            [FieldError::new("tags", Problem::TooManyTags { max: 20 })]
        );
        assert_eq!(bad[0].message(), "at most 20 tags");
    }
}
