//! Lenient base32 for OTP secrets: case, spaces, hyphens, padding and odd lengths as real QR
//! codes and websites write them, decoded by `data-encoding`.

use std::sync::OnceLock;

use data_encoding::{Encoding, Specification};
use zeroize::Zeroizing;

use crate::secret::Secret;

/// Why a secret is not base32.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Base32Error {
    /// Nothing left after removing spaces, hyphens and padding.
    #[error("empty")]
    Empty,
    /// A character outside A–Z and 2–7.
    #[error("`{character}` at position {position} is not a base32 character (A–Z, 2–7)")]
    InvalidCharacter {
        /// The offending character.
        character: char,
        /// Its 1-based position in the text as given.
        position: usize,
    },
}

fn lenient() -> &'static Encoding {
    static ENC: OnceLock<Encoding> = OnceLock::new();
    ENC.get_or_init(|| {
        let mut spec = Specification::new();
        spec.symbols.push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
        spec.check_trailing_bits = false;
        spec.encoding().expect("a valid base32 specification")
    })
}

/// Decodes a base32 secret the way authenticator apps do: ignoring case, white space, hyphens
/// and `=` padding, and dropping the bits of a trailing partial byte.
pub fn decode_lenient(text: &str) -> Result<Secret, Base32Error> {
    let mut clean = Zeroizing::new(String::with_capacity(text.len()));
    for (i, c) in text.chars().enumerate() {
        match c {
            ' ' | '\t' | '\n' | '\r' | '-' | '=' => {}
            'a'..='z' | 'A'..='Z' | '2'..='7' => clean.push(c.to_ascii_uppercase()),
            _ => {
                return Err(Base32Error::InvalidCharacter {
                    character: c,
                    position: i + 1,
                });
            }
        }
    }
    // Lengths of 1, 3 or 6 (mod 8) end in bits that make no whole byte: drop that character.
    if matches!(clean.len() % 8, 1 | 3 | 6) {
        clean.pop();
    }
    if clean.is_empty() {
        return Err(Base32Error::Empty);
    }
    let bytes = lenient()
        .decode(clean.as_bytes())
        .map_err(|_| Base32Error::Empty)?;
    if bytes.is_empty() {
        return Err(Base32Error::Empty);
    }
    Ok(Secret::new(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, want: Result<&[u8], Base32Error>) {
        let got = decode_lenient(input);
        match want {
            Ok(bytes) => assert_eq!(got.unwrap().expose(), bytes, "{input}"),
            Err(e) => assert_eq!(got.unwrap_err(), e, "{input}"),
        }
    }

    #[test]
    fn plain() {
        check("JBSWY3DPEHPK3PXP", Ok(b"Hello!\xde\xad\xbe\xef"));
    }
    #[test]
    fn lower_spaced_hyphenated_padded() {
        check("jbsw y3dp-ehpk 3pxp", Ok(b"Hello!\xde\xad\xbe\xef"));
        check("GEZDGNBV======", Ok(b"12345"));
    }
    #[test]
    fn odd_length_drops_partial_byte() {
        check("GEZDGNBVG", Ok(b"12345"));
    }
    #[test]
    fn rejects_non_base32() {
        check(
            "JBSWY3DP0",
            Err(Base32Error::InvalidCharacter {
                character: '0',
                position: 9,
            }),
        );
        check(
            "AB!C",
            Err(Base32Error::InvalidCharacter {
                character: '!',
                position: 3,
            }),
        );
    }
    #[test]
    fn rejects_empty() {
        check("  ==", Err(Base32Error::Empty));
        check("A", Err(Base32Error::Empty));
    }
}
