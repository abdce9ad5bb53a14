//! Moving in and out: another app's export file (opened or dropped) read into the same preview
//! as a scan — its password asked for when it is encrypted —, and exports written to the
//! Downloads folder or, for Google Authenticator, shown as QR codes one after another. Seeds
//! reach the page only in an export the user asked for (Google's QR codes).

use serde::Serialize;
use tauri::State;
use twofold_core::{OsEntropy, Secret};
use twofold_formats::import::MAX_FILE_BYTES;
use twofold_formats::{ExportFormat, ImportError, Output};

use super::scan::{Preview, hold_entries};
use super::vault::poisoned;
use crate::error::{ErrorCode, IpcError};
use crate::session::{AppSession, StagedImport};

/// The largest file opened: an export (16 MiB) or an image to scan (40 MiB).
const MAX_OPEN_BYTES: u64 = 40 * 1024 * 1024;

/// What opening a file led to.
#[derive(Debug, Serialize, Clone, PartialEq, Eq, ts_rs::TS)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ImportStep {
    /// The accounts to confirm (`confirm_add`).
    Preview { preview: Preview },
    /// An encrypted export: send its password with `import_password`.
    Password {
        /// The app that wrote it.
        app: String,
        /// The format's name.
        format: String,
    },
}

/// A format the settings offer for export.
#[derive(Debug, Serialize, Clone, PartialEq, Eq, ts_rs::TS)]
pub struct ExportChoice {
    pub id: String,
    pub name: String,
    /// Needs a password (else the file holds every secret readable).
    pub encrypted: bool,
}

/// A written export.
#[derive(Debug, Serialize, Clone, PartialEq, Eq, ts_rs::TS)]
pub struct ExportDone {
    /// Where the file is.
    pub path: String,
    pub accounts: u32,
    /// Accounts the format cannot hold, with why.
    pub skipped: Vec<String>,
}

/// Google Authenticator's export as QR codes to show one after another.
#[derive(Debug, Serialize, Clone, PartialEq, Eq, ts_rs::TS)]
pub struct QrExport {
    /// SVG images, in order.
    pub codes: Vec<String>,
    pub accounts: u32,
    pub skipped: Vec<String>,
}

fn import_error(e: ImportError) -> IpcError {
    let code = match e {
        ImportError::WrongPassword { .. } => ErrorCode::WrongPassphrase,
        _ => ErrorCode::InvalidFile,
    };
    IpcError::new(code, e.to_string())
}

/// Another app's export (told from its bytes) as a preview, or a request for its password; any
/// other file is scanned as an image for QR codes.
async fn open_bytes(session: &AppSession, bytes: Vec<u8>) -> Result<ImportStep, IpcError> {
    *session.staged_import.lock().map_err(poisoned)? = None;
    // A file larger than any export is an image to scan, unless it looks like an export.
    if bytes.len() > MAX_FILE_BYTES && twofold_formats::detect(&bytes).is_some() {
        return Err(import_error(ImportError::TooLarge {
            size: bytes.len(),
            limit: MAX_FILE_BYTES,
        }));
    }
    // One pass over the file: imported, or what it needs.
    match twofold_formats::import(&bytes, None) {
        Ok(imported) => {
            let problems = imported.problems.iter().map(ToString::to_string).collect();
            let preview = hold_entries(session, "file", imported.entries, problems, None)?;
            Ok(ImportStep::Preview { preview })
        }
        Err(ImportError::PasswordRequired { .. }) => {
            let format = twofold_formats::detect(&bytes).ok_or_else(|| {
                IpcError::new(ErrorCode::Internal, "an encrypted file of no known format")
            })?;
            let step = ImportStep::Password {
                app: format.app().into(),
                format: format.name().into(),
            };
            *session.staged_import.lock().map_err(poisoned)? = Some(StagedImport {
                bytes: zeroize::Zeroizing::new(bytes),
                format,
            });
            Ok(step)
        }
        Err(ImportError::UnknownFormat | ImportError::TooLarge { .. }) => {
            let preview = super::scan::scan_bytes(session, bytes).await?;
            Ok(ImportStep::Preview { preview })
        }
        Err(e) => Err(import_error(e)),
    }
}

/// A file by path (dropped on the window): an export, or an image with QR codes.
#[tauri::command]
pub async fn open_file(
    session: State<'_, AppSession>,
    path: String,
) -> Result<ImportStep, IpcError> {
    let unreadable = |e: std::io::Error| IpcError::new(ErrorCode::Io, format!("{path}: {e}"));
    let size = std::fs::metadata(&path).map_err(unreadable)?.len();
    if size > MAX_OPEN_BYTES {
        return Err(IpcError::new(
            ErrorCode::InvalidFile,
            format!("{path}: {size} bytes is more than any export or image Twofold reads"),
        ));
    }
    let bytes = std::fs::read(&path).map_err(unreadable)?;
    open_bytes(&session, bytes).await
}

/// A file picked in the page, its bytes as the raw request body.
#[tauri::command]
pub async fn open_file_bytes(
    session: State<'_, AppSession>,
    request: tauri::ipc::Request<'_>,
) -> Result<ImportStep, IpcError> {
    let bytes = super::scan::body_bytes(request.body()).ok_or_else(|| {
        IpcError::new(
            ErrorCode::InvalidFile,
            "file: send the file's bytes as the request body",
        )
    })?;
    open_bytes(&session, bytes).await
}

/// The password of the encrypted export waiting: its preview. A wrong password keeps the file
/// waiting for another try.
#[tauri::command]
pub async fn import_password(
    session: State<'_, AppSession>,
    password: String,
) -> Result<ImportStep, IpcError> {
    let password = Secret::new(password.into_bytes());
    let staged = session.staged_import.lock().map_err(poisoned)?.take();
    let Some(staged) = staged else {
        return Err(IpcError::new(
            ErrorCode::NotFound,
            "no file is waiting for a password: open it again",
        ));
    };
    // The key derivation takes a moment: off the async runtime.
    let (result, staged) = tauri::async_runtime::spawn_blocking(move || {
        let result = twofold_formats::import_as(staged.format, &staged.bytes, Some(&password));
        (result, staged)
    })
    .await
    .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
    match result {
        Ok(imported) => {
            let problems = imported.problems.iter().map(ToString::to_string).collect();
            let preview = hold_entries(&session, "file", imported.entries, problems, None)?;
            Ok(ImportStep::Preview { preview })
        }
        Err(e @ ImportError::WrongPassword { .. }) => {
            *session.staged_import.lock().map_err(poisoned)? = Some(staged);
            Err(import_error(e))
        }
        Err(e) => Err(import_error(e)),
    }
}

/// The formats Twofold exports.
#[tauri::command]
pub fn export_formats() -> Vec<ExportChoice> {
    ExportFormat::ALL
        .into_iter()
        .map(|f| ExportChoice {
            id: f.id().into(),
            name: f.name().into(),
            encrypted: f.encrypted(),
        })
        .collect()
}

fn export_error(e: twofold_formats::ExportError) -> IpcError {
    match e {
        twofold_formats::ExportError::PasswordRequired { .. } => {
            IpcError::new(ErrorCode::PassphraseRequired, e.to_string())
        }
        twofold_formats::ExportError::Entropy(_) | twofold_formats::ExportError::Seal(_) => {
            IpcError::new(ErrorCode::Internal, e.to_string())
        }
    }
}

/// Exports every account in `format` (a password for encrypted ones) to a new file in the
/// Downloads folder, readable by the user only.
#[tauri::command]
pub async fn export_accounts(
    session: State<'_, AppSession>,
    format: String,
    password: Option<String>,
) -> Result<ExportDone, IpcError> {
    let format = ExportFormat::from_id(&format)
        .filter(|f| *f != ExportFormat::GoogleMigration)
        .ok_or_else(|| IpcError::new(ErrorCode::InvalidFields, format!("format: `{format}`")))?;
    let password = password
        .filter(|p| !p.is_empty())
        .map(|p| Secret::new(p.into_bytes()));
    let accounts = session.with_vault(|vault| Ok(vault.read()?.accounts))?;
    let now = session.now();
    let exported = tauri::async_runtime::spawn_blocking(move || {
        twofold_formats::export(format, &accounts, password.as_ref(), &mut OsEntropy, now)
            .map(|e| (e, accounts.len()))
    })
    .await
    .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?
    .map_err(export_error)?;
    let (exported, count) = exported;
    let Output::File(bytes) = exported.output else {
        return Err(IpcError::new(
            ErrorCode::Internal,
            "an export without a file",
        ));
    };
    let dir = dirs::download_dir()
        .or_else(dirs::home_dir)
        .ok_or_else(|| IpcError::new(ErrorCode::Io, "no Downloads or home folder to write to"))?;
    let path = write_new_private(&dir, &export_name(format, now), &bytes)
        .map_err(|e| IpcError::new(ErrorCode::Io, e))?;
    Ok(ExportDone {
        path: path.display().to_string(),
        accounts: u32::try_from(count - exported.skipped.len()).unwrap_or(u32::MAX),
        skipped: exported.skipped.iter().map(ToString::to_string).collect(),
    })
}

/// `twofold-export-2026-12-07.json`, `twofold-2026-12-07.twofold-backup`…
fn export_name(format: ExportFormat, now: u64) -> String {
    let days = now / 86_400;
    let (y, m, d) = civil_from_days(i64::try_from(days).unwrap_or(0));
    let stem = match format {
        ExportFormat::TwofoldBackup => "twofold".to_owned(),
        other => format!("twofold-{}", other.id()),
    };
    format!("{stem}-{y:04}-{m:02}-{d:02}.{}", format.extension())
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Google Authenticator's export: the QR codes to scan with the phone, one after another.
#[tauri::command]
pub async fn export_google_qr(session: State<'_, AppSession>) -> Result<QrExport, IpcError> {
    let accounts = session.with_vault(|vault| Ok(vault.read()?.accounts))?;
    let exported = twofold_formats::export(
        ExportFormat::GoogleMigration,
        &accounts,
        None,
        &mut OsEntropy,
        session.now(),
    )
    .map_err(export_error)?;
    let Output::Links(links) = exported.output else {
        return Err(IpcError::new(
            ErrorCode::Internal,
            "a QR export without links",
        ));
    };
    let codes = links
        .iter()
        .map(|l| twofold_core::qr::encode_svg(l))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
    Ok(QrExport {
        codes,
        accounts: u32::try_from(accounts.len() - exported.skipped.len()).unwrap_or(u32::MAX),
        skipped: exported.skipped.iter().map(ToString::to_string).collect(),
    })
}

/// Writes a new file in `dir` readable by the user only, never over an existing one (`name`,
/// then `name (2)`, …); its path.
fn write_new_private(
    dir: &std::path::Path,
    name: &str,
    bytes: &[u8],
) -> Result<std::path::PathBuf, String> {
    let (stem, ext) = name.split_once('.').unwrap_or((name, ""));
    for n in 1..1000 {
        let path = if n == 1 {
            dir.join(name)
        } else {
            dir.join(format!("{stem} ({n}).{ext}"))
        };
        match twofold_core::vault::write_new_private(&path, bytes) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
    Err(format!("{}: too many exports of this name", dir.display()))
}
