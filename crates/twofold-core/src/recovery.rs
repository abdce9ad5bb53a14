//! The recovery key: 160 random bits a person writes down, which open the vault (and Twofold's
//! automatic backups) when the keychain or the passphrase is lost.
//!
//! Written as 36 characters of Crockford base32 in groups of four (32 for the key, 4 for a
//! checksum that catches typos), e.g. `7Q2M-…`. Argon2id turns the key into an X25519 key pair;
//! a vault key (or a backup key) is *sealed* to the public half, so Twofold can seal a new vault
//! key, or an automatic backup, without having the recovery key at hand. The construction is
//! specified in `docs/vault-format.md` so that it can be opened by hand.

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use crate::entropy::{Entropy, EntropyError};
use crate::secret::Secret;
use crate::vault::{KdfParams, VaultError, derive_kek};

/// Random bytes in a recovery key (160 bits).
pub const KEY_BYTES: usize = 20;
/// Characters of a recovery key as written: 32 for the key, 4 for its checksum.
pub const TEXT_CHARS: usize = 36;
/// Characters in a group as shown.
pub const GROUP_CHARS: usize = 4;
/// Bytes of a sealed key: the ephemeral public key, then the 32-byte key and its 16-byte tag.
pub const SEALED_LEN: usize = 32 + 32 + 16;

const DATA_CHARS: usize = 32;
const ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// The checksum: a CRC with generator x^20 + x^3 + 1 (initial value 0, no reflection) over the
/// key's 20 bytes. As any CRC of degree 20 it catches every error within 20 consecutive bits:
/// every wrong character and every swap of two neighbouring characters.
const CHECKSUM: crc::Algorithm<u32> = crc::Algorithm {
    width: 20,
    poly: 0x0_0009,
    init: 0,
    refin: false,
    refout: false,
    xorout: 0,
    check: 0x1_4c87,
    residue: 0,
};
const SEAL_CONTEXT: &[u8] = b"twofold recovery seal";

/// Why a typed recovery key is not one (before any decryption is tried).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecoveryKeyError {
    /// Too few or too many characters.
    #[error(
        "a recovery key has {TEXT_CHARS} characters (9 groups of 4); this one has {found} — check for a missing or extra group"
    )]
    Length {
        /// Characters found (spaces and hyphens not counted).
        found: usize,
    },
    /// A character that is in no recovery key.
    #[error(
        "'{character}' in group {group} is not in a recovery key (they use 0-9 and A-Z without I, L, O, U)"
    )]
    Character {
        /// The character.
        character: char,
        /// Its group, from 1.
        group: usize,
    },
    /// The checksum (the last group) does not match: a typo somewhere.
    #[error(
        "this recovery key has a typo: its last group (a checksum) does not match the others — compare each group with what you wrote down"
    )]
    Checksum,
}

/// A recovery key. Zeroized on drop, redacted in `Debug`.
#[derive(Clone, Debug)]
pub struct RecoveryKey(Secret);

/// The public half of a recovery key, stored beside what it can open: the Argon2id cost and salt
/// that turn the key into an X25519 secret, and that secret's public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recipient {
    /// The Argon2id cost.
    pub kdf: KdfParams,
    /// The Argon2id salt.
    pub salt: [u8; 16],
    /// The X25519 public key.
    pub public: [u8; 32],
}

fn spec() -> data_encoding::Encoding {
    let mut spec = data_encoding::Specification::new();
    spec.symbols.push_str(ALPHABET);
    spec.encoding()
        .unwrap_or_else(|_| data_encoding::BASE32_NOPAD.clone())
}

/// The checksum's four characters: [`CHECKSUM`] of the key, five bits a character, high first.
fn checksum(bytes: &[u8]) -> [u8; 4] {
    let bits = crc::Crc::<u32>::new(&CHECKSUM).checksum(bytes);
    let alphabet = ALPHABET.as_bytes();
    [15, 10, 5, 0].map(|shift| alphabet[((bits >> shift) & 31) as usize])
}

impl RecoveryKey {
    /// A new random recovery key.
    pub fn generate(entropy: &mut dyn Entropy) -> Result<Self, EntropyError> {
        let mut bytes = Zeroizing::new([0u8; KEY_BYTES]);
        entropy.fill(bytes.as_mut())?;
        Ok(Self(Secret::from_slice(bytes.as_ref())))
    }

    /// The key of these bytes (test vectors).
    pub fn from_bytes(bytes: &[u8; KEY_BYTES]) -> Self {
        Self(Secret::from_slice(bytes))
    }

    /// Reads a recovery key as a person types it back: case, spaces and hyphens do not matter,
    /// and the letters I, L and O are read as the digits they look like.
    pub fn parse(text: &str) -> Result<Self, RecoveryKeyError> {
        let mut chars = Zeroizing::new(String::with_capacity(TEXT_CHARS));
        for c in text.chars() {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            let c = match c.to_ascii_uppercase() {
                'I' | 'L' => '1',
                'O' => '0',
                other => other,
            };
            if !ALPHABET.contains(c) {
                return Err(RecoveryKeyError::Character {
                    character: c,
                    group: chars.chars().count() / GROUP_CHARS + 1,
                });
            }
            chars.push(c);
        }
        let found = chars.len();
        if found != TEXT_CHARS {
            return Err(RecoveryKeyError::Length { found });
        }
        let bytes = Zeroizing::new(
            spec()
                .decode(&chars.as_bytes()[..DATA_CHARS])
                .map_err(|_| RecoveryKeyError::Checksum)?,
        );
        if checksum(&bytes) != chars.as_bytes()[DATA_CHARS..] {
            return Err(RecoveryKeyError::Checksum);
        }
        Ok(Self(Secret::from_slice(&bytes)))
    }

    /// The key's 20 bytes (what its recipient is derived from).
    pub fn secret_bytes(&self) -> Secret {
        self.0.clone()
    }

    /// The key as a person writes it down: nine groups of four characters joined by hyphens.
    pub fn to_text(&self) -> Secret {
        let mut plain = Zeroizing::new(spec().encode(self.0.expose()));
        plain.push_str(std::str::from_utf8(&checksum(self.0.expose())).unwrap_or("????"));
        let mut out = Zeroizing::new(String::with_capacity(TEXT_CHARS + TEXT_CHARS / GROUP_CHARS));
        for (i, c) in plain.chars().enumerate() {
            if i > 0 && i % GROUP_CHARS == 0 {
                out.push('-');
            }
            out.push(c);
        }
        Secret::from_slice(out.as_bytes())
    }

    /// Whether `typed` is group `group` (1 to 9) of the written key, read as [`RecoveryKey::parse`]
    /// reads it: how an app checks that the person wrote the key down, by asking for part of it.
    pub fn group_matches(&self, group: usize, typed: &str) -> bool {
        let text = self.to_text();
        let Some(want) = text
            .expose()
            .split(|&b| b == b'-')
            .nth(group.wrapping_sub(1))
        else {
            return false;
        };
        let got: Zeroizing<Vec<u8>> = Zeroizing::new(
            typed
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .map(|c| match c.to_ascii_uppercase() {
                    'I' | 'L' => b'1',
                    'O' => b'0',
                    other if other.is_ascii() => other as u8,
                    _ => 0,
                })
                .collect(),
        );
        got.as_slice() == want
    }

    /// A new recipient for this key (a fresh salt): what a vault or a backup stores.
    pub fn recipient(
        &self,
        kdf: KdfParams,
        entropy: &mut dyn Entropy,
    ) -> Result<Recipient, VaultError> {
        Recipient::new(&self.0, kdf, entropy)
    }

    /// Opens a key sealed to `recipient` with associated data `aad`. A key that is not the
    /// recipient's is [`VaultError::WrongRecoveryKey`]; a damaged seal is [`VaultError::Tampered`].
    pub fn open(
        &self,
        recipient: &Recipient,
        sealed: &[u8; SEALED_LEN],
        aad: &[u8],
    ) -> Result<Secret, VaultError> {
        recipient.open(&self.0, sealed, aad)
    }
}

/// The X25519 secret that `input` (a recovery key's bytes, or a passphrase) gives with an
/// Argon2id cost and salt.
fn x25519_secret(
    input: &Secret,
    kdf: KdfParams,
    salt: &[u8; 16],
) -> Result<StaticSecret, VaultError> {
    let seed = derive_kek(input, salt, kdf)?;
    Ok(StaticSecret::from(*seed))
}

impl Recipient {
    /// The recipient of a secret (a recovery key's 20 bytes, or a backup passphrase's UTF-8
    /// bytes) with a fresh salt.
    pub fn new(
        input: &Secret,
        kdf: KdfParams,
        entropy: &mut dyn Entropy,
    ) -> Result<Self, VaultError> {
        let mut salt = [0u8; 16];
        entropy.fill(&mut salt)?;
        let secret = x25519_secret(input, kdf, &salt)?;
        Ok(Self {
            kdf,
            salt,
            public: PublicKey::from(&secret).to_bytes(),
        })
    }

    /// Opens a key sealed to this recipient with the secret it was made from. Another secret
    /// is [`VaultError::WrongRecoveryKey`]; a damaged seal is [`VaultError::Tampered`].
    pub fn open(
        &self,
        input: &Secret,
        sealed: &[u8; SEALED_LEN],
        aad: &[u8],
    ) -> Result<Secret, VaultError> {
        let recipient = self;
        let secret = x25519_secret(input, recipient.kdf, &recipient.salt)?;
        if PublicKey::from(&secret).to_bytes() != recipient.public {
            return Err(VaultError::WrongRecoveryKey);
        }
        let mut ephemeral = [0u8; 32];
        ephemeral.copy_from_slice(&sealed[..32]);
        let shared = secret.diffie_hellman(&PublicKey::from(ephemeral));
        if !shared.was_contributory() {
            return Err(VaultError::Tampered);
        }
        let wrap = seal_key(shared.as_bytes(), &ephemeral, &recipient.public);
        let key = XChaCha20Poly1305::new(&(*wrap).into())
            .decrypt(
                &XNonce::default(),
                Payload {
                    msg: &sealed[32..],
                    aad,
                },
            )
            .map_err(|_| VaultError::Tampered)?;
        Ok(Secret::new(key))
    }
}

/// SHA-256("twofold recovery seal" ‖ shared secret ‖ ephemeral public ‖ recipient public).
fn seal_key(shared: &[u8; 32], ephemeral: &[u8; 32], public: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let digest = Sha256::new()
        .chain_update(SEAL_CONTEXT)
        .chain_update(shared)
        .chain_update(ephemeral)
        .chain_update(public)
        .finalize();
    Zeroizing::new(digest.into())
}

impl Recipient {
    /// Whether `public` is a key anything can be sealed to (not one of X25519's low-order
    /// points, which would make every seal readable): checked on keys read from files.
    pub fn is_valid(&self) -> bool {
        let probe = StaticSecret::from([0x5a; 32]);
        probe
            .diffie_hellman(&PublicKey::from(self.public))
            .was_contributory()
    }

    /// Seals `key` (32 bytes) to this recipient with associated data `aad`: a fresh ephemeral
    /// X25519 key, the shared secret hashed into a one-time wrapping key, XChaCha20-Poly1305
    /// under an all-zero nonce (the wrapping key is never used twice).
    pub fn seal(
        &self,
        key: &Secret,
        aad: &[u8],
        entropy: &mut dyn Entropy,
    ) -> Result<[u8; SEALED_LEN], VaultError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        entropy.fill(seed.as_mut())?;
        let ephemeral = StaticSecret::from(*seed);
        let ephemeral_public = PublicKey::from(&ephemeral).to_bytes();
        let shared = ephemeral.diffie_hellman(&PublicKey::from(self.public));
        if !shared.was_contributory() {
            return Err(VaultError::Corrupt {
                reason: "the recovery public key is not a valid key".into(),
            });
        }
        let wrap = seal_key(shared.as_bytes(), &ephemeral_public, &self.public);
        let sealed = XChaCha20Poly1305::new(&(*wrap).into())
            .encrypt(
                &XNonce::default(),
                Payload {
                    msg: key.expose(),
                    aad,
                },
            )
            .map_err(|_| VaultError::Corrupt {
                reason: "sealing the key failed".into(),
            })?;
        if sealed.len() != SEALED_LEN - 32 {
            return Err(VaultError::Corrupt {
                reason: "a sealed key must be 32 bytes".into(),
            });
        }
        let mut out = [0u8; SEALED_LEN];
        out[..32].copy_from_slice(&ephemeral_public);
        out[32..].copy_from_slice(&sealed);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::FixedEntropy;

    fn key() -> RecoveryKey {
        RecoveryKey::generate(&mut FixedEntropy::new(&[7, 1, 9, 200, 33])).unwrap()
    }

    #[test]
    fn text_round_trips_and_tolerates_how_people_type() {
        let k = key();
        let text = String::from_utf8(k.to_text().expose().to_vec()).unwrap();
        assert_eq!(text.len(), TEXT_CHARS + 8);
        assert_eq!(text.split('-').count(), 9);
        let back = RecoveryKey::parse(&text).unwrap();
        assert_eq!(back.0.expose(), k.0.expose());
        let sloppy = text.to_lowercase().replace('-', " ").replace('1', "l");
        assert_eq!(
            RecoveryKey::parse(&sloppy).unwrap().0.expose(),
            k.0.expose()
        );
    }

    #[test]
    fn a_group_typed_back_is_checked_as_the_key_is_read() {
        let k = key();
        let text = String::from_utf8(k.to_text().expose().to_vec()).unwrap();
        let groups: Vec<&str> = text.split('-').collect();
        for (i, g) in groups.iter().enumerate() {
            assert!(k.group_matches(i + 1, g));
            assert!(k.group_matches(i + 1, &format!(" {} ", g.to_lowercase())));
            let other = groups[(i + 1) % groups.len()];
            assert_eq!(k.group_matches(i + 1, other), other == *g);
        }
        assert!(!k.group_matches(0, groups[0]));
        assert!(!k.group_matches(10, groups[0]));
        assert!(!k.group_matches(1, ""));
        assert!(!k.group_matches(1, &groups[0][..3]));
        assert!(!k.group_matches(1, "ÉÉÉÉ"));
    }

    #[test]
    fn every_single_character_typo_is_caught() {
        let text = String::from_utf8(key().to_text().expose().to_vec()).unwrap();
        let plain: Vec<char> = text.chars().filter(|c| *c != '-').collect();
        for i in 0..plain.len() {
            for c in ALPHABET.chars().filter(|c| *c != plain[i]) {
                let mut typo = plain.clone();
                typo[i] = c;
                let typo: String = typo.into_iter().collect();
                assert_eq!(
                    RecoveryKey::parse(&typo).map(|_| ()),
                    Err(RecoveryKeyError::Checksum),
                    "{i} {c}"
                );
            }
        }
    }

    #[test]
    fn every_swap_of_neighbours_is_caught() {
        let text = String::from_utf8(key().to_text().expose().to_vec()).unwrap();
        let plain: Vec<char> = text.chars().filter(|c| *c != '-').collect();
        for i in 0..plain.len() - 1 {
            if plain[i] == plain[i + 1] {
                continue;
            }
            let mut typo = plain.clone();
            typo.swap(i, i + 1);
            let typo: String = typo.into_iter().collect();
            assert!(RecoveryKey::parse(&typo).is_err(), "{i}");
        }
    }

    #[test]
    fn checksum_is_the_documented_crc() {
        assert_eq!(
            crc::Crc::<u32>::new(&CHECKSUM).checksum(b"123456789"),
            0x1_4c87
        );
    }

    #[test]
    fn wrong_lengths_and_characters_are_named() {
        let text = String::from_utf8(key().to_text().expose().to_vec()).unwrap();
        assert_eq!(
            RecoveryKey::parse(&text[..text.len() - 5]).map(|_| ()),
            Err(RecoveryKeyError::Length { found: 32 })
        );
        let mut bad = text.clone();
        bad.replace_range(6..7, "U");
        assert_eq!(
            RecoveryKey::parse(&bad).map(|_| ()),
            Err(RecoveryKeyError::Character {
                character: 'U',
                group: 2
            })
        );
    }

    #[test]
    fn seal_opens_with_the_key_only() {
        let k = key();
        let mut e = FixedEntropy::new(&[3, 4, 5]);
        let r = k.recipient(KdfParams::INSECURE_FAST, &mut e).unwrap();
        let vault_key = Secret::from_slice(&[9; 32]);
        let sealed = r.seal(&vault_key, b"aad", &mut OsEntropy).unwrap();
        assert_eq!(k.open(&r, &sealed, b"aad").unwrap().expose(), &[9; 32]);
        assert!(matches!(
            k.open(&r, &sealed, b"other"),
            Err(VaultError::Tampered)
        ));
        let other = RecoveryKey::generate(&mut OsEntropy).unwrap();
        assert!(matches!(
            other.open(&r, &sealed, b"aad"),
            Err(VaultError::WrongRecoveryKey)
        ));
        let mut damaged = sealed;
        damaged[40] ^= 1;
        assert!(matches!(
            k.open(&r, &damaged, b"aad"),
            Err(VaultError::Tampered)
        ));
    }

    use crate::entropy::OsEntropy;
}
