//! FreeOTP's own backup (FreeOTP 2 on Android, `externalBackup.xml` despite its name): a
//! Java-serialized `HashMap` of strings — each token's settings (`<uuid>-token`, JSON), its
//! secret sealed under a master key (`<uuid>`), and the master key sealed under the backup
//! password (`masterKey`: PBKDF2-HMAC-SHA1 or -SHA512, then AES-256-GCM with the sealed key's
//! algorithm name as associated data). The stream reader here takes exactly that map and
//! nothing else, bounded by the file.

use serde::Deserialize;
use twofold_core::Secret;
use zeroize::Zeroizing;

use super::{Entry, Fields, check_count, convert, null_as_default};
use crate::crypto::gcm_open;
use crate::error::{EntryProblem, ImportError};

const APP: &str = "FreeOTP";
/// Java serialization's stream header.
const MAGIC: [u8; 4] = [0xAC, 0xED, 0x00, 0x05];
const HASH_MAP: &[u8] = b"java.util.HashMap";
/// The most PBKDF2 rounds a file may ask for (FreeOTP writes 100,000).
const MAX_ROUNDS: u64 = 10_000_000;
/// The most entries a map may claim (each token takes two).
const MAX_ENTRIES: usize = 20_000;

const TC_NULL: u8 = 0x70;
const TC_REFERENCE: u8 = 0x71;
const TC_CLASSDESC: u8 = 0x72;
const TC_OBJECT: u8 = 0x73;
const TC_STRING: u8 = 0x74;
const TC_BLOCKDATA: u8 = 0x77;
const TC_ENDBLOCKDATA: u8 = 0x78;
const TC_LONGSTRING: u8 = 0x7C;
const BASE_HANDLE: u32 = 0x7E_0000;

/// Whether the bytes are FreeOTP's backup: a serialized `HashMap` holding a `masterKey`.
pub(super) fn detect(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
        && bytes
            .get(..32)
            .is_some_and(|head| head.windows(HASH_MAP.len()).any(|w| w == HASH_MAP))
        && bytes.windows(9).any(|w| w == b"masterKey")
}

fn damaged(problem: impl Into<String>) -> ImportError {
    ImportError::damaged(APP, "the file", problem)
}

/// A cursor over the stream, every read bounded by what is left.
struct Stream<'a> {
    bytes: &'a [u8],
    at: usize,
    /// Handles in order: `None` for the class and the map, the text of each string.
    handles: Vec<Option<String>>,
}

impl<'a> Stream<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ImportError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| damaged(format!("cut short at byte {}", self.at)))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, ImportError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, ImportError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, ImportError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), ImportError> {
        let at = self.at;
        let got = self.u8()?;
        if got == byte {
            Ok(())
        } else {
            Err(damaged(format!(
                "byte {at}: {got:#04x} where {what} ({byte:#04x}) belongs"
            )))
        }
    }

    /// A string object: new (short or long) or a reference to one read before.
    fn string(&mut self) -> Result<String, ImportError> {
        let at = self.at;
        match self.u8()? {
            TC_STRING => {
                let len = usize::from(self.u16()?);
                let text = modified_utf8(self.take(len)?)?;
                self.handles.push(Some(text.clone()));
                Ok(text)
            }
            TC_LONGSTRING => {
                let b = self.take(8)?;
                let len = usize::try_from(u64::from_be_bytes(b.try_into().unwrap_or([0xFF; 8])))
                    .map_err(|_| damaged("a string longer than the file"))?;
                let text = modified_utf8(self.take(len)?)?;
                self.handles.push(Some(text.clone()));
                Ok(text)
            }
            TC_REFERENCE => {
                let handle = self.u32()?;
                handle
                    .checked_sub(BASE_HANDLE)
                    .and_then(|i| self.handles.get(i as usize))
                    .and_then(Clone::clone)
                    .ok_or_else(|| damaged(format!("byte {at}: a reference to no string")))
            }
            other => Err(damaged(format!(
                "byte {at}: {other:#04x} where a string belongs"
            ))),
        }
    }
}

/// Java's "modified UTF-8": UTF-8 but for NUL as C0 80 and characters beyond the BMP as two
/// encoded surrogates.
fn modified_utf8(bytes: &[u8]) -> Result<String, ImportError> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let bad = || damaged("a string that is not Java's modified UTF-8");
    let mut units = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let cont = |k: usize| {
            bytes
                .get(i + k)
                .filter(|c| *c & 0xC0 == 0x80)
                .map(|c| u16::from(c & 0x3F))
        };
        let (unit, used) = match b {
            0x00..=0x7F => (u16::from(b), 1),
            0xC0..=0xDF => (u16::from(b & 0x1F) << 6 | cont(1).ok_or_else(bad)?, 2),
            0xE0..=0xEF => (
                u16::from(b & 0x0F) << 12
                    | cont(1).ok_or_else(bad)? << 6
                    | cont(2).ok_or_else(bad)?,
                3,
            ),
            _ => return Err(bad()),
        };
        units.push(unit);
        i += used;
    }
    String::from_utf16(&units).map_err(|_| bad())
}

/// The `HashMap<String, String>` of the stream, in the file's order.
fn read_map(bytes: &[u8]) -> Result<Vec<(String, String)>, ImportError> {
    let mut s = Stream {
        bytes,
        at: 0,
        handles: Vec::new(),
    };
    if s.take(4)? != MAGIC {
        return Err(damaged("not a Java serialization stream"));
    }
    s.expect(TC_OBJECT, "an object")?;
    s.expect(TC_CLASSDESC, "its class")?;
    let len = usize::from(s.u16()?);
    if s.take(len)? != HASH_MAP {
        return Err(damaged("the object is not a java.util.HashMap"));
    }
    s.take(8)?; // serialVersionUID
    s.take(1)?; // flags
    s.handles.push(None);
    let fields = s.u16()?;
    let mut field_bytes = 0usize;
    for _ in 0..fields {
        let kind = s.u8()?;
        let len = usize::from(s.u16()?);
        s.take(len)?;
        field_bytes += match kind {
            b'F' | b'I' => 4,
            _ => return Err(damaged("a HashMap with fields other than numbers")),
        };
    }
    s.expect(TC_ENDBLOCKDATA, "the end of the class")?;
    s.expect(TC_NULL, "no superclass")?;
    s.handles.push(None);
    s.take(field_bytes)?; // loadFactor, threshold
    s.expect(TC_BLOCKDATA, "the map's sizes")?;
    if s.u8()? != 8 {
        return Err(damaged("the map's sizes are not two numbers"));
    }
    s.u32()?; // capacity
    let size = s.u32()? as usize;
    if size > MAX_ENTRIES {
        return Err(damaged(format!(
            "{size} entries, more than the {MAX_ENTRIES} Twofold reads"
        )));
    }
    let mut map = Vec::with_capacity(size);
    for _ in 0..size {
        let key = s.string()?;
        let value = s.string()?;
        map.push((key, value));
    }
    s.expect(TC_ENDBLOCKDATA, "the end of the map")?;
    Ok(map)
}

/// An AES-GCM key sealed the way FreeOTP (Android's keystore classes) writes one.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SealedKey {
    #[serde(rename = "mCipher")]
    cipher: String,
    #[serde(rename = "mCipherText")]
    ciphertext: Vec<i8>,
    #[serde(rename = "mParameters")]
    parameters: Vec<i8>,
    #[serde(rename = "mToken")]
    token: String,
}

#[derive(Deserialize)]
struct MasterKey {
    #[serde(rename = "mAlgorithm")]
    algorithm: String,
    #[serde(rename = "mEncryptedKey")]
    sealed: SealedKey,
    #[serde(rename = "mIterations")]
    iterations: u64,
    #[serde(rename = "mSalt")]
    salt: Vec<i8>,
}

#[derive(Deserialize)]
struct Token {
    #[serde(default, rename = "type", deserialize_with = "null_as_default")]
    kind: String,
    #[serde(default, deserialize_with = "null_as_default")]
    algo: String,
    #[serde(default)]
    digits: Option<u64>,
    #[serde(default)]
    period: Option<u64>,
    #[serde(default)]
    counter: Option<u64>,
    #[serde(default, rename = "issuerExt", deserialize_with = "null_as_default")]
    issuer_ext: String,
    #[serde(default, rename = "issuerInt", deserialize_with = "null_as_default")]
    issuer_int: String,
    #[serde(default, deserialize_with = "null_as_default")]
    label: String,
}

fn unsigned(bytes: &[i8]) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(bytes.iter().map(|b| b.to_ne_bytes()[0]).collect())
}

/// The 12-byte GCM nonce of Java's `GCMParameters`, DER-encoded: `SEQUENCE { OCTET STRING
/// nonce, INTEGER tag length }` (newer Android) or the bare `OCTET STRING` (older).
fn gcm_nonce(der: &[u8]) -> Option<[u8; 12]> {
    let inner = match der {
        [0x30, len, rest @ ..] if usize::from(*len) == rest.len() => rest,
        other => other,
    };
    match inner {
        [0x04, 12, nonce @ ..] if nonce.len() >= 12 => nonce[..12].try_into().ok(),
        _ => None,
    }
}

/// Opens a sealed key with `key`; `None` when it does not open.
fn open_key(sealed: &SealedKey, key: &[u8; 32]) -> Result<Option<Zeroizing<Vec<u8>>>, String> {
    if sealed.cipher != "AES/GCM/NoPadding" {
        return Err(format!("cipher `{}` is not AES-GCM", sealed.cipher));
    }
    let nonce = gcm_nonce(&unsigned(&sealed.parameters))
        .ok_or("its GCM parameters are not a 12-byte nonce")?;
    Ok(gcm_open(
        key,
        &nonce,
        &unsigned(&sealed.ciphertext),
        sealed.token.as_bytes(),
    ))
}

/// The master key, opened with the password.
fn master_key(map: &[(String, String)], password: &Secret) -> Result<[u8; 32], ImportError> {
    let text = map
        .iter()
        .find(|(k, _)| k == "masterKey")
        .map(|(_, v)| v)
        .ok_or_else(|| ImportError::damaged(APP, "masterKey", "missing"))?;
    let m: MasterKey = serde_json::from_str(text)
        .map_err(|e| ImportError::damaged(APP, "masterKey", e.to_string()))?;
    if m.iterations > MAX_ROUNDS {
        return Err(ImportError::KdfTooCostly {
            app: APP,
            what: "PBKDF2 rounds",
            value: m.iterations,
            limit: MAX_ROUNDS,
        });
    }
    let rounds = u32::try_from(m.iterations).unwrap_or(u32::MAX).max(1);
    let salt = unsigned(&m.salt);
    let mut kek = Zeroizing::new([0u8; 32]);
    match m.algorithm.to_ascii_lowercase().as_str() {
        "pbkdf2withhmacsha1" => {
            crate::crypto::pbkdf2::<sha1::Sha1>(password.expose(), &salt, rounds, kek.as_mut());
        }
        "pbkdf2withhmacsha256" => {
            crate::crypto::pbkdf2::<sha2::Sha256>(password.expose(), &salt, rounds, kek.as_mut());
        }
        "pbkdf2withhmacsha512" => {
            crate::crypto::pbkdf2::<sha2::Sha512>(password.expose(), &salt, rounds, kek.as_mut());
        }
        other => {
            return Err(ImportError::damaged(
                APP,
                "masterKey",
                format!("key derivation `{other}` is not one Twofold reads"),
            ));
        }
    }
    let master = open_key(&m.sealed, &kek)
        .map_err(|e| ImportError::damaged(APP, "masterKey", e))?
        .ok_or(ImportError::WrongPassword { app: APP })?;
    <[u8; 32]>::try_from(master.as_slice())
        .map_err(|_| ImportError::damaged(APP, "masterKey", "not a 256-bit key"))
}

/// Every token of the backup, opened with `password`.
pub(super) fn import(
    bytes: &[u8],
    password: Option<&Secret>,
) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    let map = read_map(bytes)?;
    let password = password.ok_or(ImportError::PasswordRequired { app: APP })?;
    let master = Zeroizing::new(master_key(&map, password)?);
    let tokens: Vec<(&str, &str)> = map
        .iter()
        .filter_map(|(k, v)| Some((k.strip_suffix("-token")?, v.as_str())))
        .collect();
    check_count(APP, tokens.len())?;
    let fields = tokens.into_iter().map(|(uuid, settings)| {
        let problem = |entry: String, field: &'static str, problem: String| EntryProblem {
            entry,
            field,
            problem,
        };
        let t: Token = serde_json::from_str(settings)
            .map_err(|e| problem(uuid.to_owned(), "token", e.to_string()))?;
        let issuer = if t.issuer_ext.is_empty() {
            t.issuer_int.clone()
        } else {
            t.issuer_ext.clone()
        };
        let who = twofold_core::account::display_name(&issuer, &t.label);
        let sealed = map
            .iter()
            .find(|(k, _)| k == uuid)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| problem(who.clone(), "key", "missing".into()))?;
        #[derive(Deserialize)]
        struct Wrapped {
            key: String,
        }
        let sealed: SealedKey = serde_json::from_str::<Wrapped>(sealed)
            .and_then(|w| serde_json::from_str(&w.key))
            .map_err(|e| problem(who.clone(), "key", e.to_string()))?;
        let secret = open_key(&sealed, &master)
            .map_err(|e| problem(who.clone(), "key", e))?
            .ok_or_else(|| {
                problem(
                    who.clone(),
                    "key",
                    "does not open with the master key".into(),
                )
            })?;
        Ok(Fields {
            kind: t.kind,
            issuer,
            name: t.label,
            secret: data_encoding::BASE32_NOPAD.encode(&secret),
            algorithm: t.algo,
            digits: t.digits,
            period: t.period,
            counter: t.counter,
            tags: Vec::new(),
            favourite: false,
        })
    });
    Ok(convert(fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcm_parameters_of_old_and_new_android() {
        let nonce: Vec<u8> = (1..=12).collect();
        let mut old = vec![0x04, 12];
        old.extend(&nonce);
        let mut new = vec![0x30, 17, 0x04, 12];
        new.extend(&nonce);
        new.extend([0x02, 0x01, 0x10]);
        assert_eq!(gcm_nonce(&old).unwrap().to_vec(), nonce);
        assert_eq!(gcm_nonce(&new).unwrap().to_vec(), nonce);
        assert_eq!(gcm_nonce(&[0x04, 12, 1, 2]), None);
        assert_eq!(gcm_nonce(&[]), None);
        assert_eq!(gcm_nonce(&[0x30, 99, 0x04, 12]), None);
    }

    #[test]
    fn modified_utf8_reads_nul_and_surrogates() {
        assert_eq!(modified_utf8(b"plain").unwrap(), "plain");
        assert_eq!(modified_utf8(&[b'a', 0xC0, 0x80, b'b']).unwrap(), "a\0b");
        // U+1F600 as two encoded surrogates (D83D DE00).
        let smile = [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80];
        assert_eq!(modified_utf8(&smile).unwrap(), "😀");
        assert!(modified_utf8(&[0xC0]).is_err());
        assert!(modified_utf8(&[0xED, 0xA0, 0xBD]).is_err());
    }

    #[test]
    fn streams_that_are_not_the_map_are_named_not_panicked_on() {
        assert!(read_map(&[]).is_err());
        assert!(read_map(&MAGIC).is_err());
        let mut other = MAGIC.to_vec();
        other.extend([TC_OBJECT, TC_CLASSDESC, 0, 3]);
        other.extend(b"Foo");
        let err = read_map(&other).unwrap_err().to_string();
        assert!(err.contains("not a java.util.HashMap"), "{err}");
    }
}
