//! KeePass and KeePassXC databases (KDBX 3.1 and 4, through the `keepass` crate): each entry's
//! `otp` attribute (KeePassXC's `otpauth://` link) or KeePass's own `TimeOtp-*` fields; the
//! entry's group becomes its tag; entries in the recycle bin are left out. Before the database
//! is opened, its header is read here for the key derivation it asks for (AES-KDF rounds,
//! Argon2 memory, passes and lanes), which is refused beyond Twofold's bounds rather than run.

use twofold_core::Secret;
use twofold_core::account::{AccountDraft, display_name};
use twofold_core::otp::{Algorithm, Method, OtpParams};

use super::{Entry, check_count, draft_from_totp_field, entry_from_draft, link_labels};
use crate::error::{EntryProblem, ImportError};

const APP: &str = "KeePass";
const SIGNATURE: [u8; 8] = [0x03, 0xd9, 0xa2, 0x9a, 0x67, 0xfb, 0x4b, 0xb5];

/// The most AES-KDF rounds (KeePassXC's one-second setting is a few million).
const MAX_AES_ROUNDS: u64 = fuzz_bound(200_000_000, 64);
/// The most Argon2 memory, passes and lanes.
const MAX_ARGON_BYTES: u64 = fuzz_bound(1 << 30, 64 << 10);
const MAX_ARGON_PASSES: u64 = fuzz_bound(256, 2);
const MAX_ARGON_LANES: u64 = 16;

/// A bound, or in a fuzzing build a small one: the `keepass` crate derives the key itself, so
/// the work cannot be cut as `crypto::work` does for our own derivations; a fuzzer's input
/// beyond it is refused as too costly (and the key would be wrong anyway).
const fn fuzz_bound(real: u64, fuzzing: u64) -> u64 {
    if cfg!(fuzzing) { fuzzing } else { real }
}

/// Whether the bytes are a KeePass 2 database.
pub(super) fn detect(bytes: &[u8]) -> bool {
    bytes.starts_with(&SIGNATURE)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_of(b: &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(..8)?.try_into().ok()?))
}

fn damaged(problem: &str) -> ImportError {
    ImportError::damaged(APP, "header", problem)
}

fn costly(what: &'static str, value: u64, limit: u64) -> ImportError {
    ImportError::KdfTooCostly {
        app: APP,
        what,
        value,
        limit,
    }
}

/// Reads the outer header's key-derivation settings and refuses costs beyond the bounds.
fn check_kdf(bytes: &[u8]) -> Result<(), ImportError> {
    let major = u16_at(bytes, 10).ok_or_else(|| damaged("too short"))?;
    let mut at = 12;
    loop {
        let id = *bytes
            .get(at)
            .ok_or_else(|| damaged("ends inside the header"))?;
        let (size, start) = if major >= 4 {
            (u32_at(bytes, at + 1).map(|s| s as usize), at + 5)
        } else {
            (u16_at(bytes, at + 1).map(usize::from), at + 3)
        };
        let size = size.ok_or_else(|| damaged("ends inside the header"))?;
        let data = bytes
            .get(start..start.saturating_add(size))
            .ok_or_else(|| damaged("a field longer than the file"))?;
        match (major, id) {
            (_, 0) => return Ok(()),
            // Numbers the `keepass` crate reads without looking at the size: compression
            // flags, and in KDBX 3.1 the inner cipher.
            (_, 3) | (3, 10) if data.len() < 4 => {
                return Err(damaged("a number field shorter than a number"));
            }
            // KDBX 3.1: AES-KDF rounds.
            (3, 6) => {
                let rounds = u64_of(data).ok_or_else(|| damaged("transform rounds"))?;
                if rounds > MAX_AES_ROUNDS {
                    return Err(costly("AES-KDF rounds", rounds, MAX_AES_ROUNDS));
                }
            }
            // KDBX 4: the KDF parameters and the public custom data, variant dictionaries.
            (4.., 11 | 12) => check_variants(data)?,
            _ => {}
        }
        at = start + size;
    }
}

/// A KDBX 4 variant dictionary (the KDF parameters, the public custom data), walked the way the
/// `keepass` crate walks it, so that nothing it then reads is shorter than it assumes (a `u32`
/// value of two bytes would make it panic): numbers must have their size, and the KDF costs —
/// `R` (AES rounds), `M` (Argon2 bytes), `I` (passes), `P` (lanes) — their bounds.
fn check_variants(data: &[u8]) -> Result<(), ImportError> {
    let bad = || damaged("a variant dictionary entry is cut short");
    let mut at = 2; // the dictionary's version
    while at + 9 < data.len() {
        let kind = data[at];
        let key_len = u32_at(data, at + 1).ok_or_else(bad)? as usize;
        let key = data
            .get(at + 5..(at + 5).saturating_add(key_len))
            .ok_or_else(bad)?;
        let value_at = (at + 5).saturating_add(key_len);
        let value_len = u32_at(data, value_at).ok_or_else(bad)? as usize;
        let value = data
            .get(value_at + 4..(value_at + 4).saturating_add(value_len))
            .ok_or_else(bad)?;
        let number = match kind {
            0x04 | 0x0C => Some(u32_at(value, 0).map(u64::from).ok_or_else(bad)?),
            0x05 | 0x0D => Some(u64_of(value).ok_or_else(bad)?),
            0x08 | 0x18 | 0x42 => None,
            // The crate refuses any other kind before reading further.
            _ => return Ok(()),
        };
        match (key, number) {
            (b"R", Some(n)) if n > MAX_AES_ROUNDS => {
                return Err(costly("AES-KDF rounds", n, MAX_AES_ROUNDS));
            }
            (b"M", Some(n)) if n > MAX_ARGON_BYTES => {
                return Err(costly("Argon2 memory (bytes)", n, MAX_ARGON_BYTES));
            }
            (b"I", Some(n)) if n > MAX_ARGON_PASSES => {
                return Err(costly("Argon2 passes", n, MAX_ARGON_PASSES));
            }
            (b"P", Some(n)) if n > MAX_ARGON_LANES => {
                return Err(costly("Argon2 lanes", n, MAX_ARGON_LANES));
            }
            _ => {}
        }
        at = value_at + 4 + value_len;
    }
    Ok(())
}

/// KeePass's own TOTP fields (`TimeOtp-Secret-Base32`, `-Length`, `-Period`, `-Algorithm`).
fn time_otp(entry: &keepass::db::Entry) -> Option<Result<AccountDraft, (&'static str, String)>> {
    let secret = entry.get("TimeOtp-Secret-Base32")?;
    let number = |k: &str, default: u64| {
        entry
            .get(k)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(default)
    };
    let algorithm = match entry.get("TimeOtp-Algorithm").unwrap_or("HMAC-SHA-1") {
        "HMAC-SHA-256" => Algorithm::Sha256,
        "HMAC-SHA-512" => Algorithm::Sha512,
        _ => Algorithm::Sha1,
    };
    let period = u32::try_from(number("TimeOtp-Period", 30)).unwrap_or(u32::MAX);
    let digits = u8::try_from(number("TimeOtp-Length", 6)).unwrap_or(u8::MAX);
    Some(
        twofold_core::base32::decode_lenient(secret)
            .map_err(|e| ("secret", e.to_string()))
            .and_then(|secret| {
                let params = OtpParams::new(Method::Totp { period }, algorithm, digits)
                    .map_err(|e| ("digits", e.to_string()))?;
                Ok(AccountDraft {
                    issuer: String::new(),
                    name: String::new(),
                    secret,
                    params,
                    extra: Vec::new(),
                })
            }),
    )
}

pub(super) fn import(
    bytes: &[u8],
    password: Option<&Secret>,
) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    check_kdf(bytes)?;
    let password = password.ok_or(ImportError::PasswordRequired { app: APP })?;
    let text = std::str::from_utf8(password.expose())
        .map_err(|_| ImportError::WrongPassword { app: APP })?;
    let db = keepass::Database::parse(bytes, keepass::DatabaseKey::new().with_password(text))
        .map_err(|e| match e {
            keepass::db::DatabaseOpenError::Key(_) => ImportError::WrongPassword { app: APP },
            other => ImportError::damaged(APP, "the database", other.to_string()),
        })?;
    let bin = db.recycle_bin().map(|g| g.id());
    check_count(APP, db.num_entries())?;
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for entry in db.iter_all_entries() {
        // Left out: entries in the recycle bin (at any depth).
        let mut group = Some(entry.parent().id());
        let mut in_bin = false;
        while let Some(id) = group {
            if Some(id) == bin {
                in_bin = true;
                break;
            }
            group = db.group(id).and_then(|g| g.parent().map(|p| p.id()));
        }
        if in_bin {
            continue;
        }
        let title = entry.get_title().unwrap_or_default().trim().to_owned();
        let username = entry.get_username().unwrap_or_default().trim().to_owned();
        let draft = match entry.get_raw_otp_value().filter(|v| !v.trim().is_empty()) {
            Some(otp) => draft_from_totp_field(otp).map_err(|(field, problem)| {
                let (issuer, name) = link_labels(otp);
                (field, problem, display_name(&issuer, &name))
            }),
            None => match time_otp(&entry) {
                Some(d) => d.map_err(|(field, problem)| (field, problem, String::new())),
                None => continue,
            },
        };
        let parent = entry.parent();
        let tags: Vec<String> = if parent.parent().is_some() {
            vec![parent.name.clone()]
        } else {
            Vec::new()
        };
        match draft {
            Ok(mut draft) => {
                if draft.issuer.trim().is_empty() {
                    draft.issuer.clone_from(&title);
                }
                if draft.name.trim().is_empty() {
                    draft.name.clone_from(&username);
                }
                match entry_from_draft(draft, tags, false) {
                    Ok(e) => entries.push(e),
                    Err(p) => problems.push(p),
                }
            }
            Err((field, problem, named)) => problems.push(EntryProblem {
                entry: if named.is_empty() {
                    display_name(&title, &username)
                } else {
                    named
                },
                field,
                problem,
            }),
        }
    }
    Ok((entries, problems))
}
