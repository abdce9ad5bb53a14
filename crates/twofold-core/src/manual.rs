//! Manual entry: an account typed field by field, validated all at once so a form can show every
//! problem next to its field.

use crate::account::AccountDraft;
use crate::base32;
use crate::otp::{Algorithm, Method, OtpParams, ParamsError};

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

/// A problem with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field (`secret`, `digits`, …).
    pub field: &'static str,
    /// What is wrong, for the user.
    pub message: String,
}

fn err(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// Validates every field; returns the draft or every problem found.
pub fn validate(f: &ManualFields) -> Result<AccountDraft, Vec<FieldError>> {
    let mut errors = Vec::new();
    let issuer = f.issuer.trim().to_owned();
    let name = f.name.trim().to_owned();
    if issuer.is_empty() && name.is_empty() {
        errors.push(err("issuer", "give an issuer or an account name"));
    }
    let secret = if f.secret.trim().is_empty() {
        errors.push(err("secret", "the secret is required"));
        None
    } else {
        match base32::decode_lenient(&f.secret) {
            Ok(s) => Some(s),
            Err(e) => {
                errors.push(err("secret", e.to_string()));
                None
            }
        }
    };
    let algorithm = match f.algorithm.trim() {
        "" => Some(Algorithm::Sha1),
        a => Algorithm::parse(a).or_else(|| {
            errors.push(err(
                "algorithm",
                format!("`{a}` is not SHA1, SHA256 or SHA512"),
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
                errors.push(err(field, format!("`{t}` is not a whole number")));
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
            errors.push(err("kind", format!("`{other}` is not totp, hotp or steam")));
            None
        }
    };
    let params = match (method, algorithm, digits) {
        (Some(m), Some(a), Some(d)) => {
            match OtpParams::new(m, a, u8::try_from(d).unwrap_or(u8::MAX)) {
                Ok(p) => Some(p),
                Err(ParamsError::Digits { .. }) => {
                    errors.push(err("digits", "digits must be from 4 to 10"));
                    None
                }
                Err(ParamsError::ZeroPeriod) => {
                    errors.push(err("period", "the period must be at least 1 second"));
                    None
                }
            }
        }
        _ => None,
    };
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
