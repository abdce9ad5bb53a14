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

    /// Encrypts a seed: `nonce ‖ ciphertext ‖ tag`, bound to `purpose`.
    pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> Vec<u8> {
        let nonce: [u8; 24] = random_bytes(24).try_into().unwrap_or([0; 24]);
        let ct = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: purpose.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        out
    }

    /// Decrypts what [`ServerKey::seal`] made.
    pub fn open(&self, purpose: &str, sealed: &[u8]) -> Option<Secret> {
        if sealed.len() < 24 + 16 {
            return None;
        }
        let nonce: [u8; 24] = sealed[..24].try_into().ok()?;
        self.cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &sealed[24..],
                    aad: purpose.as_bytes(),
                },
            )
            .ok()
            .map(Secret::new)
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
