//! Phone numbers: validated and normalised with the `phonenumber` crate (Google's libphonenumber
//! metadata), formatted and masked the way Authy shows them.

use phonenumber::{Mode, PhoneNumber, Type};

use crate::error::ApiError;

/// A valid phone number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone {
    /// The calling code (`1`, `44`, `351`).
    pub country_code: i64,
    /// The national significant number, digits only.
    pub national: String,
    /// `+12015550123`.
    pub e164: String,
    /// `+1 201-555-0123`.
    pub international: String,
    /// `cellphone`, `landline`, `voip` or `unknown`.
    pub kind: &'static str,
}

/// Parses a country (calling code such as `1`, `"+44"`, or ISO code such as `"PT"`) and a number
/// written with spaces, dashes, dots or nothing. Invalid numbers are refused.
pub fn parse(country: &str, number: &str) -> Result<Phone, ApiError> {
    let country = country.trim().trim_start_matches('+');
    if country.is_empty() {
        return Err(ApiError::InvalidParameter {
            name: "country_code".into(),
            problem: "Parameter is required".into(),
        });
    }
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 17 {
        return Err(ApiError::PhoneInvalid);
    }
    let parsed = if country.chars().all(|c| c.is_ascii_digit()) {
        if country.len() > 3 {
            return Err(ApiError::InvalidParameter {
                name: "country_code".into(),
                problem: "is not a calling code".into(),
            });
        }
        let attempt = |national: &str| {
            phonenumber::parse(None, format!("+{country}{national}"))
                .ok()
                .filter(phonenumber::is_valid)
        };
        // A national trunk prefix (`0` in most of Europe) is not part of the international form.
        attempt(&digits).or_else(|| digits.strip_prefix('0').and_then(attempt))
    } else {
        let id: phonenumber::country::Id =
            country
                .to_ascii_uppercase()
                .parse()
                .map_err(|_| ApiError::InvalidParameter {
                    name: "country_code".into(),
                    problem: "is not a country".into(),
                })?;
        phonenumber::parse(Some(id), &digits)
            .ok()
            .filter(phonenumber::is_valid)
    };
    let n = parsed.ok_or(ApiError::PhoneInvalid)?;
    Ok(from_number(&n))
}

fn from_number(n: &PhoneNumber) -> Phone {
    let kind = match n.number_type(&phonenumber::metadata::DATABASE) {
        Type::Mobile | Type::FixedLineOrMobile | Type::Pager | Type::PersonalNumber => "cellphone",
        Type::FixedLine | Type::TollFree | Type::PremiumRate | Type::SharedCost | Type::Uan => {
            "landline"
        }
        Type::Voip => "voip",
        _ => "unknown",
    };
    let national = format!(
        "{}{}",
        "0".repeat(usize::from(n.national().zeros())),
        n.national().value()
    );
    Phone {
        country_code: i64::from(n.code().value()),
        national,
        e164: n.format().mode(Mode::E164).to_string(),
        international: n.format().mode(Mode::International).to_string(),
        kind,
    }
}

impl Phone {
    /// `XXX-XXX-1118`: what `users/{id}/status` shows.
    pub fn masked_status(&self) -> String {
        format!("XXX-XXX-{}", last_chars(&self.national, 4))
    }

    /// `+1-XXX-XXX-XX02`: what SMS and call responses show.
    pub fn masked_cellphone(&self) -> String {
        format!(
            "+{}-XXX-XXX-XX{}",
            self.country_code,
            last_chars(&self.national, 2)
        )
    }
}

/// The last `n` characters of `text` (all of it when shorter): what masked numbers show.
pub fn last_chars(text: &str, n: usize) -> &str {
    let start = text
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    if n == 0 { "" } else { &text[start..] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn us_number_in_several_spellings() {
        for n in [
            "775-461-5609",
            "775.461.5609",
            "7754615609",
            "(775) 461 5609",
        ] {
            let p = parse("1", n).unwrap();
            assert_eq!(p.e164, "+17754615609");
            assert_eq!(p.international, "+1 775-461-5609");
            assert_eq!(p.masked_status(), "XXX-XXX-5609");
            assert_eq!(p.masked_cellphone(), "+1-XXX-XXX-XX09");
        }
    }

    #[test]
    fn iso_country_and_trunk_prefix() {
        assert_eq!(parse("PT", "911234567").unwrap().e164, "+351911234567");
        assert_eq!(parse("44", "07400 123456").unwrap().e164, "+447400123456");
        assert_eq!(parse("49", "0151 23456789").unwrap().e164, "+4915123456789");
        assert_eq!(parse("351", "911234567").unwrap().kind, "cellphone");
    }

    #[test]
    fn last_chars_of_short_and_long_text() {
        assert_eq!(last_chars("7754615609", 4), "5609");
        assert_eq!(last_chars("12", 4), "12");
        assert_eq!(last_chars("a…b", 2), "…b");
        assert_eq!(last_chars("abc", 0), "");
    }

    #[test]
    fn invalid_numbers() {
        assert!(matches!(parse("1", "123"), Err(ApiError::PhoneInvalid)));
        assert!(matches!(parse("1", ""), Err(ApiError::PhoneInvalid)));
        assert!(matches!(
            parse("", "7754615609"),
            Err(ApiError::InvalidParameter { .. })
        ));
        assert!(matches!(
            parse("9999", "7754615609"),
            Err(ApiError::InvalidParameter { .. })
        ));
    }
}
