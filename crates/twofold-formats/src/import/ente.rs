//! Ente Auth's encrypted export: `kdfParams` (libsodium's Argon2id: `memLimit` bytes,
//! `opsLimit` passes, one lane, a 16-byte salt), `encryptedData` sealed by libsodium's
//! XChaCha20-Poly1305 secret stream with `encryptionNonce` as its header; inside, Ente's plain
//! text export (one `otpauth://` link a line, read by `uri_list`). The KDF costs the file asks
//! for are capped before any work.

use base64::Engine;
use crypto_secretstream::{Header, Key, PullStream};
use serde::Deserialize;
use serde_json::Value;
use twofold_core::Secret;
use zeroize::Zeroizing;

use super::{Entry, Input};
use crate::error::{EntryProblem, ImportError};

const APP: &str = "Ente Auth";
/// The most memory the file may ask Argon2id for (Ente's own "sensitive" setting is 1 GiB).
const MAX_MEM_BYTES: u64 = 1 << 30;
/// The most passes.
const MAX_OPS: u64 = 16;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    kdf_params: KdfParams,
    encrypted_data: String,
    encryption_nonce: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KdfParams {
    mem_limit: u64,
    ops_limit: u64,
    salt: String,
}

/// Whether the JSON is an Ente Auth encrypted export.
pub(super) fn detect(json: &Value) -> bool {
    json.get("kdfParams").is_some() && json.get("encryptedData").is_some()
}

pub(super) fn import(
    input: Input<'_>,
    password: Option<&Secret>,
) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    let file: File = input.parse(APP, "the file")?;
    let password = password.ok_or(ImportError::PasswordRequired { app: APP })?;
    let p = &file.kdf_params;
    if p.mem_limit > MAX_MEM_BYTES {
        return Err(ImportError::KdfTooCostly {
            app: APP,
            what: "Argon2id memory (bytes)",
            value: p.mem_limit,
            limit: MAX_MEM_BYTES,
        });
    }
    if p.ops_limit > MAX_OPS {
        return Err(ImportError::KdfTooCostly {
            app: APP,
            what: "Argon2id passes",
            value: p.ops_limit,
            limit: MAX_OPS,
        });
    }
    let b64 = |field: &'static str, text: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| ImportError::damaged(APP, field, format!("not base64: {e}")))
    };
    let salt = b64("kdfParams.salt", &p.salt)?;
    let header = Header::try_from(b64("encryptionNonce", &file.encryption_nonce)?.as_slice())
        .map_err(|_| ImportError::damaged(APP, "encryptionNonce", "not 24 bytes"))?;
    let mut data = b64("encryptedData", &file.encrypted_data)?;
    let memory_kib = u32::try_from(p.mem_limit / 1024).unwrap_or(u32::MAX);
    let passes = u32::try_from(p.ops_limit).unwrap_or(u32::MAX);
    let key = crate::crypto::argon2id(password.expose(), &salt, memory_kib, passes, 1)
        .map_err(|e| ImportError::damaged(APP, "kdfParams", e))?;
    let mut stream = PullStream::init(header, &Key::from(*key));
    stream
        .pull(&mut data, &[])
        .map_err(|_| ImportError::WrongPassword { app: APP })?;
    let text = Zeroizing::new(data);
    super::uri_list::import(&text)
}
