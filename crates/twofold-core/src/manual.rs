//! Manual entry: an account typed field by field, validated all at once so a form can show every
//! problem next to its field.

use crate::account::{AccountDraft, check_names};
pub use crate::account::{FieldError, Problem};
use crate::base32::{self, Base32Error};
use crate::otp::{Algorithm, Method, OtpParams, ParamsError};
use crate::secret::Secret;

/// The fields of a manual entry, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ManualFields {
    /// Who issued the secret.
    pub issuer: String,
    /// The account name.
    pub name: String,
    /// The base32 secret (spaces, hyphens and lower case allowed).
    pub secret: String,
    /// `totp`, `hotp` or `steam`.
    pub kind: String,
    /// `SHA1`, `SHA256` or `SHA512`.
    pub algorithm: String,
    /// Digits per code.
    pub digits: String,
    /// Seconds per code (TOTP, Steam).
    pub period: String,
    /// The next counter (HOTP).
    pub counter: String,
}

fn err(field: &'static str, problem: Problem) -> FieldError {
    FieldError::new(field, problem)
}

/// An account whose parameters arrive typed (the CLI's flags): only the labels and the secret
/// are text to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedFields {
    /// Who issued the secret.
    pub issuer: String,
    /// The account name.
    pub name: String,
    /// The base32 secret (spaces, hyphens and lower case allowed).
    pub secret: String,
    /// TOTP with its period, HOTP with its next counter, or Steam.
    pub method: Method,
    /// The HMAC algorithm.
    pub algorithm: Algorithm,
    /// Digits per code.
    pub digits: u8,
}

/// Checks typed fields; returns the draft or every problem found (the same rules and messages
/// as [`validate`]).
pub fn validate_typed(f: &TypedFields) -> Result<AccountDraft, Vec<FieldError>> {
    let mut errors = Vec::new();
    let (issuer, name, secret) = labels_and_secret(&f.issuer, &f.name, &f.secret, &mut errors);
    let params = params(
        Some(f.method),
        Some(f.algorithm),
        Some(u64::from(f.digits)),
        &mut errors,
    );
    assemble(issuer, name, secret, params, errors)
}

/// The labels (by the rules every way of naming an account shares) and the decoded secret.
fn labels_and_secret(
    issuer: &str,
    name: &str,
    secret: &str,
    errors: &mut Vec<FieldError>,
) -> (String, String, Option<Secret>) {
    let (issuer, name) = check_names(issuer, name, errors);
    let secret = if secret.trim().is_empty() {
        errors.push(err("secret", Problem::SecretNeeded));
        None
    } else {
        match base32::decode_lenient(secret) {
            Ok(s) => Some(s),
            Err(Base32Error::Empty) => {
                errors.push(err("secret", Problem::SecretNeeded));
                None
            }
            Err(Base32Error::InvalidCharacter {
                character,
                position,
            }) => {
                errors.push(err(
                    "secret",
                    Problem::NotBase32 {
                        character,
                        position,
                    },
                ));
                None
            }
        }
    };
    (issuer, name, secret)
}

/// The OTP parameters of parts that parsed, with the range problems named by field.
fn params(
    method: Option<Method>,
    algorithm: Option<Algorithm>,
    digits: Option<u64>,
    errors: &mut Vec<FieldError>,
) -> Option<OtpParams> {
    let (m, a, d) = (method?, algorithm?, digits?);
    match OtpParams::new(m, a, u8::try_from(d).unwrap_or(u8::MAX)) {
        Ok(p) => Some(p),
        Err(ParamsError::Digits { .. }) => {
            errors.push(err("digits", Problem::DigitsRange));
            None
        }
        Err(ParamsError::ZeroPeriod) => {
            errors.push(err("period", Problem::PeriodZero));
            None
        }
    }
}

fn assemble(
    issuer: String,
    name: String,
    secret: Option<Secret>,
    params: Option<OtpParams>,
    errors: Vec<FieldError>,
) -> Result<AccountDraft, Vec<FieldError>> {
    match (secret, params) {
        (Some(secret), Some(params)) if errors.is_empty() => Ok(AccountDraft {
            issuer,
            name,
            secret,
            params,
            extra: Vec::new(),
        }),
        _ => Err(errors),
    }
}

/// Validates every field; returns the draft or every problem found.
pub fn validate(f: &ManualFields) -> Result<AccountDraft, Vec<FieldError>> {
    let mut errors = Vec::new();
    let (issuer, name, secret) = labels_and_secret(&f.issuer, &f.name, &f.secret, &mut errors);
    let algorithm = match f.algorithm.trim() {
        "" => Some(Algorithm::Sha1),
        a => Algorithm::parse(a).or_else(|| {
            errors.push(err(
                "algorithm",
                Problem::NotAnAlgorithm {
                    value: a.to_owned(),
                },
            ));
            None
        }),
    };
    let number = |field: &'static str,
                  text: &str,
                  default: u64,
                  errors: &mut Vec<FieldError>|
     -> Option<u64> {
        match text.trim() {
            "" => Some(default),
            t => t.parse::<u64>().ok().or_else(|| {
                errors.push(err(
                    field,
                    Problem::NotANumber {
                        value: t.to_owned(),
                    },
                ));
                None
            }),
        }
    };
    let digits = number("digits", &f.digits, 6, &mut errors);
    let period = number("period", &f.period, 30, &mut errors);
    let counter = number("counter", &f.counter, 0, &mut errors);
    let method = match f.kind.trim().to_ascii_lowercase().as_str() {
        "" | "totp" => period.map(|p| Method::Totp {
            period: u32::try_from(p).unwrap_or(u32::MAX),
        }),
        "steam" => period.map(|p| Method::Steam {
            period: u32::try_from(p).unwrap_or(u32::MAX),
        }),
        "hotp" => counter.map(|counter| Method::Hotp { counter }),
        other => {
            errors.push(err(
                "kind",
                Problem::NotAKind {
                    value: other.to_owned(),
                },
            ));
            None
        }
    };
    let params = params(method, algorithm, digits, &mut errors);
    assemble(issuer, name, secret, params, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(secret: &str) -> ManualFields {
        ManualFields {
            issuer: "GitHub".into(),
            secret: secret.into(),
            ..ManualFields::default()
        }
    }

    #[test]
    fn defaults_make_a_standard_totp() {
        let d = validate(&fields("jbsw y3dp ehpk 3pxp")).unwrap();
        assert_eq!(d.params, OtpParams::totp_default());
        assert_eq!(d.issuer, "GitHub");
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let f = ManualFields {
            secret: "not base32!".into(),
            digits: "12".into(),
            period: "x".into(),
            algorithm: "MD5".into(),
            ..ManualFields::default()
        };
        let errors = validate(&f).unwrap_err();
        let named: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(named, ["issuer", "secret", "algorithm", "period"]);
    }

    #[test]
    fn digits_and_period_ranges() {
        let mut f = fields("JBSWY3DPEHPK3PXP");
        f.digits = "3".into();
        assert_eq!(validate(&f).unwrap_err()[0].field, "digits");
        f.digits = "8".into();
        f.period = "0".into();
        assert_eq!(validate(&f).unwrap_err()[0].field, "period");
    }

    #[test]
    fn hotp_uses_the_counter() {
        let mut f = fields("JBSWY3DPEHPK3PXP");
        f.kind = "HOTP".into();
        f.counter = "41".into();
        assert_eq!(
            validate(&f).unwrap().params.method(),
            Method::Hotp { counter: 41 }
        );
    }
}
