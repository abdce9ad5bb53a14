//! Server-side secrets: the server key that encrypts seeds at rest (XChaCha20-Poly1305), API keys
//! (random, stored as SHA-256 hashes, compared in constant time), one-time codes (stored hashed)
//! and random ids.

use std::path::Path;

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use twofold_core::Secret;

/// Why the server key could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key text is not 64 hex digits.
    #[error("server key: {0}")]
    Format(String),
    /// The key file could not be read or written.
    #[error("server key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

/// The key that encrypts seeds in the database.
#[derive(Clone)]
pub struct ServerKey {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey([redacted])")
    }
}

impl ServerKey {
    /// A key from 64 hex digits.
    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        let bytes = zeroize::Zeroizing::new(
            data_encoding::HEXLOWER_PERMISSIVE
                .decode(text.trim().as_bytes())
                .map_err(|_| KeyError::Format("not hex".into()))?,
        );
        if bytes.len() != 32 {
            return Err(KeyError::Format(format!(
                "{} bytes, expected 32",
                bytes.len()
            )));
        }
        let cipher = XChaCha20Poly1305::new_from_slice(&bytes)
            .map_err(|e| KeyError::Format(e.to_string()))?;
        Ok(Self { cipher })
    }

    /// Loads the key file, creating it (mode 0600) with a random key when it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        let io = |source| KeyError::Io {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_hex(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let hex =
                    zeroize::Zeroizing::new(data_encoding::HEXLOWER.encode(&random_bytes(32)));
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(path).map_err(io)?;
                std::io::Write::write_all(&mut file, format!("{}\n", hex.as_str()).as_bytes())
                    .map_err(io)?;
                file.sync_all().map_err(io)?;
                Self::from_hex(&hex)
            }
            Err(e) => Err(io(e)),
        }
    }

    /// Encrypts a secret: `nonce ‖ ciphertext ‖ tag`, bound to its `purpose` (a value sealed
    /// for one purpose does not open as another).
    pub fn seal(&self, purpose: Purpose, plaintext: &[u8]) -> Vec<u8> {
        let nonce: [u8; 24] = random_bytes(24).try_into().unwrap_or([0; 24]);
        let ct = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: purpose.label().as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        out
    }

    /// Decrypts what [`ServerKey::seal`] made.
    pub fn open(&self, purpose: Purpose, sealed: &[u8]) -> Option<Secret> {
        if sealed.len() < 24 + 16 {
            return None;
        }
        let nonce: [u8; 24] = sealed[..24].try_into().ok()?;
        self.cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &sealed[24..],
                    aad: purpose.label().as_bytes(),
                },
            )
            .ok()
            .map(Secret::new)
    }
}

/// What a value sealed with the server key is for; its label is the associated data, so the
/// labels are part of the stored format and never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// An application's API key (kept to sign its callbacks).
    ApiKey,
    /// A user's app seed from before devices had their own (legacy devices still use it).
    AppSeed,
    /// The seed of `users/{id}/secret` (an authenticator app's QR code).
    AuthenticatorSeed,
    /// One device's own TOTP seed.
    DeviceSeed,
    /// The marker that ties the server key to its database.
    KeyCheck,
}

impl Purpose {
    /// The stored label (associated data).
    pub fn label(self) -> &'static str {
        match self {
            Self::ApiKey => "api key",
            Self::AppSeed => "app-seed",
            Self::AuthenticatorSeed => "authenticator-seed",
            Self::DeviceSeed => "device-seed",
            Self::KeyCheck => "server key check",
        }
    }
}

impl std::fmt::Display for Purpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Cryptographically random bytes.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    // The OS RNG failing is not recoverable for a server that must make keys.
    getrandom::fill(&mut b).expect("the system random number generator failed");
    b
}

/// A random string of `len` characters from `alphabet` (rejection sampling, no bias).
pub fn random_string(len: usize, alphabet: &[u8]) -> String {
    let limit = 256 - 256 % alphabet.len();
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in random_bytes(len * 2) {
            if (b as usize) < limit && out.len() < len {
                out.push(alphabet[b as usize % alphabet.len()] as char);
            }
        }
    }
    out
}

/// A new API key: 32 letters and digits.
pub fn new_api_key() -> String {
    random_string(
        32,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    )
}

/// A numeric one-time code of `digits` digits.
pub fn random_code(digits: usize) -> String {
    random_string(digits, b"0123456789")
}

/// The stored form of an API key or a one-time code.
pub fn hash(text: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(text.as_bytes()))
}

/// Constant-time equality of two hashes.
pub fn hashes_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_keep_their_stored_labels_and_do_not_open_each_other() {
        // The labels are associated data of every sealed column: changing one would make every
        // stored value of that kind unreadable.
        let all = [
            (Purpose::ApiKey, "api key"),
            (Purpose::AppSeed, "app-seed"),
            (Purpose::AuthenticatorSeed, "authenticator-seed"),
            (Purpose::DeviceSeed, "device-seed"),
            (Purpose::KeyCheck, "server key check"),
        ];
        let key = ServerKey::from_hex(&"ab".repeat(32)).unwrap();
        for (purpose, label) in all {
            assert_eq!(purpose.label(), label);
            let sealed = key.seal(purpose, b"secret");
            assert_eq!(key.open(purpose, &sealed).unwrap().expose(), b"secret");
            for (other, _) in all.iter().filter(|(p, _)| *p != purpose) {
                assert!(
                    key.open(*other, &sealed).is_none(),
                    "{purpose} opened as {other}"
                );
            }
        }
    }
}
