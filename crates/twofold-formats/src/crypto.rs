//! The ciphers and key derivations other apps' files use, once for every format: AES-256-GCM
//! and AES-256-CBC opening, Argon2id, random bytes. Each returns `None` (or an error text) for
//! the caller to name its app and field.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use cbc::cipher::{BlockModeDecrypt, KeyIvInit};
use twofold_core::entropy::{Entropy, EntropyError};
use zeroize::Zeroizing;

/// AES-256-GCM: the plaintext, or `None` when the key (a wrong password) or the data is wrong.
pub(crate) fn gcm_open(
    key: &[u8; 32],
    nonce: &[u8; 12],
    sealed: &[u8],
    aad: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    Aes256Gcm::new(key.into())
        .decrypt(&Nonce::from(*nonce), Payload { msg: sealed, aad })
        .ok()
        .map(Zeroizing::new)
}

/// AES-256-GCM sealing (ciphertext with its tag appended).
pub(crate) fn gcm_seal(key: &[u8; 32], nonce: &[u8; 12], plain: &[u8]) -> Vec<u8> {
    Aes256Gcm::new(key.into())
        .encrypt(&Nonce::from(*nonce), plain)
        .unwrap_or_default()
}

/// AES-256-CBC with PKCS#7 padding: the plaintext, or `None` when the padding is wrong (CBC has
/// no integrity check; callers check what comes out).
pub(crate) fn cbc_open(key: &[u8; 32], iv: &[u8; 16], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    cbc::Decryptor::<aes::Aes256>::new(key.into(), iv.into())
        .decrypt_padded_vec::<cbc::cipher::block_padding::Pkcs7>(sealed)
        .ok()
        .map(Zeroizing::new)
}

/// The work a key derivation does: `real`, except in a fuzzing build (`cfg(fuzzing)`, which
/// cargo-fuzz sets), where it is at most `least`, the least the function accepts. A fuzzer cannot
/// forge the authentication that follows a derivation, so a derived key is never right there
/// anyway: what it explores is the parsing around it, and at real costs (an export's own, up to
/// Twofold's bounds) it would spend its executions deriving keys. Real builds are unchanged.
pub(crate) fn work<T: PartialOrd>(real: T, least: T) -> T {
    if cfg!(fuzzing) && real > least {
        least
    } else {
        real
    }
}

/// PBKDF2 of `password` with `D`'s HMAC into `out`, `rounds` times (see [`work`]).
pub(crate) fn pbkdf2<D: hmac::EagerHash>(
    password: &[u8],
    salt: &[u8],
    rounds: u32,
    out: &mut [u8],
) {
    pbkdf2::pbkdf2_hmac::<D>(password, salt, work(rounds, 1), out);
}

/// Argon2id (version 0x13) of `password` into a 32-byte key; the costs must be bounded by the
/// caller first (in a fuzzing build they are the least Argon2 takes, see [`work`]).
pub(crate) fn argon2id(
    password: &[u8],
    salt: &[u8],
    memory_kib: u32,
    passes: u32,
    lanes: u32,
) -> Result<Zeroizing<[u8; 32]>, String> {
    let params = argon2::Params::new(
        work(memory_kib, 8 * lanes),
        work(passes, 1),
        lanes,
        Some(32),
    )
    .map_err(|e| e.to_string())?;
    let mut key = Zeroizing::new([0u8; 32]);
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(password, salt, key.as_mut())
        .map_err(|e| e.to_string())?;
    Ok(key)
}

/// `N` random bytes.
pub(crate) fn random<const N: usize>(
    entropy: &mut dyn Entropy,
) -> Result<Zeroizing<[u8; N]>, EntropyError> {
    let mut bytes = Zeroizing::new([0u8; N]);
    entropy.fill(bytes.as_mut())?;
    Ok(bytes)
}
