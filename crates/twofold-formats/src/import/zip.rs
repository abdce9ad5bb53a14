//! ZIP files other apps export: Proton Pass (`Proton Pass/data.json`, each login's `totpUri`
//! and its TOTP extra fields) and password-protected archives of `otpauth://` text (WinAuth,
//! Authenticator Plus: ZipCrypto). Hostile archives are bounded before reading: the number of
//! entries, each entry's declared and actual size, and the total expanded.

use std::io::{Cursor, Read};

use serde::Deserialize;
use serde_json::Value;
use twofold_core::Secret;
use twofold_core::account::display_name;

use super::{
    Entry, Format, MAX_FILE_BYTES, check_count, draft_from_totp_field, entry_from_draft,
    link_labels, null_as_default,
};
use crate::error::{EntryProblem, ImportError};

/// The most entries an archive may list.
const MAX_ENTRIES: usize = 1_000;
/// The most bytes all read entries may expand to together.
const MAX_EXPANDED: u64 = MAX_FILE_BYTES as u64;
const PROTON_PASS: &str = "Proton Pass";
const LINKS: &str = "ZIP of otpauth links";

/// Whether the bytes are a ZIP archive, and which kind.
pub(super) fn detect(bytes: &[u8]) -> Option<Format> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return None;
    }
    let archive = ::zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    if archive
        .file_names()
        .any(|n| n.is_ok_and(|n| n.ends_with("data.json")))
    {
        return Some(Format::ProtonPass);
    }
    Some(Format::ZipLinks)
}

fn open<'a>(
    app: &'static str,
    bytes: &'a [u8],
) -> Result<::zip::ZipArchive<Cursor<&'a [u8]>>, ImportError> {
    let archive = ::zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ImportError::damaged(app, "the archive", e.to_string()))?;
    if archive.len() > MAX_ENTRIES {
        return Err(ImportError::TooManyEntries {
            app,
            count: archive.len(),
            limit: MAX_ENTRIES,
        });
    }
    Ok(archive)
}

/// One entry's bytes, bounded by what is left of the expansion budget.
fn read_entry(
    app: &'static str,
    archive: &mut ::zip::ZipArchive<Cursor<&[u8]>>,
    index: usize,
    password: Option<&Secret>,
    budget: &mut u64,
) -> Result<(String, Vec<u8>), ImportError> {
    let encrypted = archive
        .by_index_raw(index)
        .map_err(|e| ImportError::damaged(app, "the archive", e.to_string()))?
        .encrypted();
    let mut file = if encrypted {
        let password = password.ok_or(ImportError::PasswordRequired { app })?;
        archive
            .by_index_decrypt(index, password.expose())
            .map_err(|e| match e {
                ::zip::result::ZipError::InvalidPassword => ImportError::WrongPassword { app },
                other => ImportError::damaged(app, "the archive", other.to_string()),
            })?
    } else {
        archive
            .by_index(index)
            .map_err(|e| ImportError::damaged(app, "the archive", e.to_string()))?
    };
    let name = file
        .name()
        .map_or_else(|_| format!("entry {}", index + 1), |n| n.into_owned());
    if file.size() > *budget {
        return Err(ImportError::damaged(
            app,
            name,
            format!("expands to {} bytes, more than Twofold reads", file.size()),
        ));
    }
    let mut out = Vec::new();
    (&mut file)
        .take(*budget + 1)
        .read_to_end(&mut out)
        .map_err(|e| match e.kind() {
            // ZipCrypto's check byte passes one wrong password in 256: the data then fails
            // its CRC.
            std::io::ErrorKind::InvalidData if encrypted => ImportError::WrongPassword { app },
            _ => ImportError::damaged(app, name.clone(), e.to_string()),
        })?;
    if out.len() as u64 > *budget {
        return Err(ImportError::damaged(
            app,
            name,
            "expands to more than Twofold reads",
        ));
    }
    *budget -= out.len() as u64;
    Ok((name, out))
}

/// The text files of an archive, read as one list of links.
pub(super) fn import_links(
    bytes: &[u8],
    password: Option<&Secret>,
) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    let mut archive = open(LINKS, bytes)?;
    let mut budget = MAX_EXPANDED;
    let mut text = Vec::new();
    for index in 0..archive.len() {
        if archive.by_index_raw(index).is_ok_and(|f| f.is_dir()) {
            continue;
        }
        let (_, content) = read_entry(LINKS, &mut archive, index, password, &mut budget)?;
        text.extend_from_slice(&content);
        text.push(b'\n');
    }
    if !super::uri_list::detect(&text) {
        return Err(ImportError::damaged(
            LINKS,
            "the archive",
            "holds no otpauth:// links",
        ));
    }
    super::uri_list::import(&text)
}

#[derive(Deserialize)]
struct PassExport {
    #[serde(default)]
    vaults: serde_json::Map<String, Value>,
}

#[derive(Deserialize)]
struct PassVault {
    #[serde(default)]
    name: String,
    #[serde(default)]
    items: Vec<PassItem>,
}

#[derive(Deserialize)]
struct PassItem {
    data: PassData,
    #[serde(default)]
    pinned: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PassData {
    metadata: PassMetadata,
    #[serde(default)]
    extra_fields: Vec<PassExtra>,
    #[serde(default)]
    content: Value,
}

#[derive(Deserialize)]
struct PassMetadata {
    #[serde(default, deserialize_with = "null_as_default")]
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PassExtra {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default, deserialize_with = "null_as_default")]
    field_name: String,
    #[serde(default)]
    data: Value,
}

/// Proton Pass's export: every login's TOTP and TOTP extra fields; the vault's name becomes a
/// tag, the pin is kept.
pub(super) fn import_proton_pass(
    bytes: &[u8],
) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    let mut archive = open(PROTON_PASS, bytes)?;
    let index = (0..archive.len())
        .find(|&i| {
            archive
                .by_index_raw(i)
                .is_ok_and(|f| f.name().is_ok_and(|n| n.ends_with("data.json")))
        })
        .ok_or_else(|| ImportError::damaged(PROTON_PASS, "the archive", "no data.json"))?;
    let mut budget = MAX_EXPANDED;
    let (_, json) = read_entry(PROTON_PASS, &mut archive, index, None, &mut budget)?;
    let export: PassExport = super::parse_json(PROTON_PASS, "data.json", &json)?;
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (id, vault) in export.vaults {
        let vault: PassVault = serde_json::from_value(vault).map_err(|e| {
            ImportError::damaged(PROTON_PASS, format!("vaults.{id}"), e.to_string())
        })?;
        check_count(PROTON_PASS, vault.items.len())?;
        for item in vault.items {
            let username = ["itemUsername", "itemEmail", "username"]
                .iter()
                .find_map(|k| {
                    item.data
                        .content
                        .get(k)
                        .and_then(Value::as_str)
                        .filter(|s| !s.is_empty())
                })
                .unwrap_or_default()
                .to_owned();
            let mut totps: Vec<(String, String)> = Vec::new();
            if let Some(uri) = item.data.content.get("totpUri").and_then(Value::as_str)
                && !uri.trim().is_empty()
            {
                totps.push((item.data.metadata.name.clone(), uri.to_owned()));
            }
            for extra in &item.data.extra_fields {
                if extra.kind == "totp" {
                    let uri = extra
                        .data
                        .get("totpUri")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    let label = if extra.field_name.is_empty() {
                        item.data.metadata.name.clone()
                    } else {
                        format!("{} ({})", item.data.metadata.name, extra.field_name)
                    };
                    totps.push((label, uri.to_owned()));
                }
            }
            for (label, uri) in totps {
                let converted = draft_from_totp_field(&uri)
                    .map_err(|(field, problem)| {
                        let (issuer, name) = link_labels(&uri);
                        EntryProblem {
                            entry: if issuer.is_empty() && name.is_empty() {
                                label.clone()
                            } else {
                                display_name(&issuer, &name)
                            },
                            field,
                            problem,
                        }
                    })
                    .and_then(|mut draft| {
                        if draft.issuer.trim().is_empty() {
                            label.trim().clone_into(&mut draft.issuer);
                        }
                        if draft.name.trim().is_empty() {
                            username.trim().clone_into(&mut draft.name);
                        }
                        let tags = Some(vault.name.trim().to_owned())
                            .filter(|n| !n.is_empty())
                            .into_iter()
                            .collect();
                        entry_from_draft(draft, tags, item.pinned)
                    });
                match converted {
                    Ok(e) => entries.push(e),
                    Err(p) => problems.push(p),
                }
            }
        }
    }
    Ok((entries, problems))
}
