//! `otpauth://` Key URIs: a parser lenient where real-world QR codes deviate and strict where a
//! wrong secret or parameter would silently produce wrong codes, and the matching formatter.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::account::AccountDraft;
use crate::base32;
use crate::otp::{Algorithm, Method, OtpParams, ParamsError};

/// Why an `otpauth://` URI was refused. Each variant names the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OtpauthError {
    /// The text does not start with `otpauth://`.
    #[error("uri: not an otpauth:// URI")]
    NotOtpauth,
    /// The type (host) is not `totp`, `hotp` or `steam`.
    #[error("type: `{value}` is not totp, hotp or steam")]
    UnknownType {
        /// The type found.
        value: String,
    },
    /// There is no `secret` parameter, or it is empty.
    #[error("secret: missing or empty")]
    MissingSecret,
    /// The secret is not base32.
    #[error("secret: {0}")]
    Secret(#[from] base32::Base32Error),
    /// The `algorithm` parameter names a hash we do not support.
    #[error("algorithm: `{value}` is not SHA1, SHA256 or SHA512")]
    UnsupportedAlgorithm {
        /// The algorithm named.
        value: String,
    },
    /// `digits` is not a number in 4–10.
    #[error("digits: `{value}` is not a whole number from 4 to 10")]
    Digits {
        /// The value found.
        value: String,
    },
    /// `period` is not a whole number of seconds of at least 1.
    #[error("period: `{value}` is not a whole number of seconds of at least 1")]
    Period {
        /// The value found.
        value: String,
    },
    /// `counter` is not a non-negative whole number.
    #[error("counter: `{value}` is not a whole number")]
    Counter {
        /// The value found.
        value: String,
    },
}

impl OtpauthError {
    /// The name of the field at fault (`secret`, `digits`, …).
    pub fn field(&self) -> &'static str {
        match self {
            Self::NotOtpauth => "uri",
            Self::UnknownType { .. } => "type",
            Self::MissingSecret | Self::Secret(_) => "secret",
            Self::UnsupportedAlgorithm { .. } => "algorithm",
            Self::Digits { .. } => "digits",
            Self::Period { .. } => "period",
            Self::Counter { .. } => "counter",
        }
    }
}

/// Parses an `otpauth://` URI into an account draft.
///
/// Lenient: scheme and type in any case; surrounding white space; a secret in lower case, with
/// spaces, hyphens or `=` padding, of any length (80-bit included); `issuer=` that differs from the
/// label's prefix (the parameter wins, the account name still comes from the label); `+` and
/// `%20` as spaces in parameters; a literal `+` in the label (`alice+2fa@example.com`); unknown
/// parameters kept. Strict: secret, algorithm, digits, period and counter must be valid.
pub fn parse(uri: &str) -> Result<AccountDraft, OtpauthError> {
    let uri = uri.trim();
    let rest = strip_prefix_ignore_case(uri, "otpauth://").ok_or(OtpauthError::NotOtpauth)?;
    let rest = rest.split('#').next().unwrap_or("");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (kind, label) = path.split_once('/').unwrap_or((path, ""));
    let kind = kind.to_ascii_lowercase();

    let mut secret = None;
    let mut issuer_param: Option<String> = None;
    let mut algorithm = None;
    let mut digits = None;
    let mut period = None;
    let mut counter = None;
    let mut encoder = None;
    let mut extra = Vec::new();
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let lower = key.to_ascii_lowercase();
        let slot = match lower.as_str() {
            "secret" => &mut secret,
            "issuer" => &mut issuer_param,
            "algorithm" => &mut algorithm,
            "digits" => &mut digits,
            "period" => &mut period,
            "counter" => &mut counter,
            "encoder" => &mut encoder,
            _ => {
                extra.push((key.into_owned(), value.into_owned()));
                continue;
            }
        };
        // The first occurrence wins; later duplicates are ignored.
        if slot.is_none() {
            *slot = Some(value.into_owned());
        }
    }

    let steam = kind == "steam"
        || encoder
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case("steam"));
    if encoder.is_some() && !steam {
        extra.push(("encoder".to_owned(), encoder.clone().unwrap_or_default()));
    }

    let secret_text = secret
        .filter(|s| !s.trim().is_empty())
        .ok_or(OtpauthError::MissingSecret)?;
    let secret = base32::decode_lenient(&secret_text)?;
    drop(zeroize::Zeroizing::new(secret_text));

    let algorithm = match algorithm
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        None => Algorithm::Sha1,
        Some(a) => Algorithm::parse(a).ok_or_else(|| OtpauthError::UnsupportedAlgorithm {
            value: a.to_owned(),
        })?,
    };
    let digits = match digits.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => 6,
        Some(d) => d.parse::<u8>().map_err(|_| OtpauthError::Digits {
            value: d.to_owned(),
        })?,
    };
    let period = match period.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => 30,
        Some(p) => match p.parse::<u32>() {
            Ok(v) if v >= 1 => v,
            _ => {
                return Err(OtpauthError::Period {
                    value: p.to_owned(),
                });
            }
        },
    };
    let method = match kind.as_str() {
        "totp" | "steam" if steam => Method::Steam { period },
        "totp" => Method::Totp { period },
        "hotp" => {
            let counter = match counter.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                None => 0,
                Some(c) => c.parse::<u64>().map_err(|_| OtpauthError::Counter {
                    value: c.to_owned(),
                })?,
            };
            Method::Hotp { counter }
        }
        _ => return Err(OtpauthError::UnknownType { value: kind }),
    };
    let params = OtpParams::new(method, algorithm, digits).map_err(|e| match e {
        ParamsError::Digits { value } => OtpauthError::Digits {
            value: value.to_string(),
        },
        ParamsError::ZeroPeriod => OtpauthError::Period {
            value: "0".to_owned(),
        },
    })?;

    let label = decode_component(label);
    let (label_issuer, name) = match label.split_once(':') {
        Some((prefix, name)) => (Some(prefix.trim().to_owned()), name.trim().to_owned()),
        None => (None, label.trim().to_owned()),
    };
    let issuer = issuer_param
        .map(|i| i.trim().to_owned())
        .filter(|i| !i.is_empty())
        .or(label_issuer)
        .unwrap_or_default();

    Ok(AccountDraft {
        issuer,
        name,
        secret,
        params,
        extra,
    })
}

/// Formats an account as an `otpauth://` URI that [`parse`] reads back to the same draft and
/// that other authenticators understand (`issuer` both in the label and as a parameter).
pub fn format(draft: &AccountDraft) -> String {
    let params = draft.params;
    let mut label = String::new();
    if !draft.issuer.is_empty() {
        label.push_str(&encode(&draft.issuer));
        label.push(':');
    }
    label.push_str(&encode(&draft.name));
    let secret = draft.secret.to_base32();
    let mut uri = format!(
        "otpauth://{}/{label}?secret={}",
        params.method().type_name(),
        secret.as_str()
    );
    if !draft.issuer.is_empty() {
        uri.push_str("&issuer=");
        uri.push_str(&encode(&draft.issuer));
    }
    match params.method() {
        Method::Steam { period } => {
            if period != 30 {
                uri.push_str(&format!("&period={period}"));
            }
        }
        Method::Totp { period } => {
            uri.push_str(&format!(
                "&algorithm={}&digits={}&period={period}",
                params.algorithm(),
                params.digits()
            ));
        }
        Method::Hotp { counter } => {
            uri.push_str(&format!(
                "&algorithm={}&digits={}&counter={counter}",
                params.algorithm(),
                params.digits()
            ));
        }
    }
    for (key, value) in &draft.extra {
        uri.push('&');
        uri.push_str(&encode(key));
        uri.push('=');
        uri.push_str(&encode(value));
    }
    uri
}

/// Characters kept as they are in labels and parameters: RFC 3986 unreserved ones and `@`.
const KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

fn encode(text: &str) -> Cow<'_, str> {
    utf8_percent_encode(text, KEEP).into()
}

fn decode_component(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}
