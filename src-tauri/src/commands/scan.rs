//! Adding accounts: every path (pasted link, image file, dropped file, pasted image, screen scan)
//! turns into one preview held here, and nothing is saved until the user confirms it. The preview
//! names accounts and marks duplicates; seeds stay in Rust. A `twofold://enroll` link found the
//! same way (push approval) is offered for enrollment in the same preview.

use serde::Serialize;
use tauri::State;
use twofold_core::account::Labels;
use twofold_core::scan::{self, ScanItem};
use twofold_core::vault::Contents;
use twofold_core::{AccountDraft, OsEntropy, qr};
use twofold_push::protocol::EnrollmentLink;

use super::vault::poisoned;
use crate::error::{ErrorCode, IpcError};
use crate::session::{AppSession, PendingAdd};

/// The largest image file read for scanning.
const MAX_IMAGE_BYTES: u64 = 40 * 1024 * 1024;

/// One account found, as the preview shows it.
#[derive(Debug, Serialize, Clone, PartialEq, Eq, ts_rs::TS)]
pub struct PreviewItem {
    pub index: u32,
    pub issuer: String,
    pub name: String,
    pub kind: super::accounts::OtpKind,
    pub algorithm: String,
    pub digits: u8,
    pub period: Option<u32>,
    /// The display name of the account already in the vault with the same secret (or of an
    /// earlier entry of the same import).
    pub duplicate_of: Option<String>,
    /// The tags it comes with (an import's groups).
    pub tags: Vec<String>,
}

/// What a scan or a pasted link would add; confirm it with `confirm_add`.
#[derive(Debug, Serialize, Clone, PartialEq, Eq, ts_rs::TS)]
pub struct Preview {
    pub id: u32,
    /// `link`, `image`, `clipboard`, `screen` or `file` (another app's export).
    pub source: String,
    pub items: Vec<PreviewItem>,
    /// QR codes or texts that were found but are not accounts, each with the reason.
    pub problems: Vec<String>,
    /// A push-approval enrollment found among them (confirm it with `confirm_enroll`).
    pub enrollment: Option<EnrollmentOffer>,
}

/// A `twofold://enroll` link, as the preview shows it.
#[derive(Debug, Serialize, Clone, PartialEq, Eq, ts_rs::TS)]
pub struct EnrollmentOffer {
    /// The server's base URL.
    pub server: String,
    /// The application that asks, when the link names it.
    pub app: Option<String>,
}

/// The accounts in some texts (QR payloads or a pasted link), the first enrollment link, and
/// what was wrong with the rest.
fn drafts_of(texts: &[String]) -> (Vec<AccountDraft>, Option<EnrollmentLink>, Vec<String>) {
    let mut drafts = Vec::new();
    let mut enrollment = None;
    let mut problems = Vec::new();
    for text in texts {
        match scan::classify(text) {
            ScanItem::Enrollment(link) => match EnrollmentLink::parse(&link) {
                Ok(link) if enrollment.is_none() => enrollment = Some(link),
                Ok(_) => problems.push("a second enrollment link (one at a time)".into()),
                Err(e) => problems.push(format!("enrollment link: {e}")),
            },
            ScanItem::Account(d) => drafts.push(d),
            ScanItem::Migration(batch) => drafts.extend(batch.accounts),
            ScanItem::InvalidAccount(e) => problems.push(e.to_string()),
            ScanItem::InvalidMigration(e) => problems.push(e.to_string()),
            ScanItem::NotOtp => problems.push(
                "a QR code or text that is not an otpauth:// or otpauth-migration:// link".into(),
            ),
        }
    }
    (drafts, enrollment, problems)
}

/// Holds the drafts found in `texts` as the pending preview (replacing any earlier one).
fn hold(session: &AppSession, source: &str, texts: &[String]) -> Result<Preview, IpcError> {
    let (drafts, enrollment, problems) = drafts_of(texts);
    if drafts.is_empty() && enrollment.is_none() {
        let why = problems
            .first()
            .cloned()
            .unwrap_or_else(|| "nothing to add".into());
        return Err(IpcError::new(ErrorCode::InvalidUri, why));
    }
    let entries = drafts.into_iter().map(entry_of).collect();
    hold_entries(session, source, entries, problems, enrollment)
}

/// A scanned or pasted account with the labels it names (no tags, no pin).
fn entry_of(draft: AccountDraft) -> twofold_formats::Entry {
    let labels = Labels {
        issuer: draft.issuer.clone(),
        name: draft.name.clone(),
        ..Labels::default()
    };
    twofold_formats::Entry { draft, labels }
}

/// Holds `entries` as the pending preview (replacing any earlier one): each named, duplicates
/// of the vault or of an earlier entry marked.
pub(crate) fn hold_entries(
    session: &AppSession,
    source: &str,
    entries: Vec<twofold_formats::Entry>,
    problems: Vec<String>,
    enrollment: Option<EnrollmentLink>,
) -> Result<Preview, IpcError> {
    let contents = session.with_vault(|vault| Ok(vault.read()?))?;
    let marks = twofold_formats::preview(&contents, &entries);
    let items = entries
        .iter()
        .zip(marks)
        .zip(0..)
        .map(|((e, mark), index)| {
            let d = &e.draft;
            PreviewItem {
                index,
                issuer: d.issuer.clone(),
                name: d.name.clone(),
                kind: super::accounts::OtpKind::of(d.params.method()),
                algorithm: d.params.algorithm().to_string(),
                digits: d.params.digits(),
                period: d.params.method().period(),
                duplicate_of: mark.duplicate_of.map(|dup| match dup {
                    twofold_formats::Duplicate::InVault(name) => name,
                    twofold_formats::Duplicate::InImport(name) => {
                        format!("{name}, earlier in this import")
                    }
                }),
                tags: e.labels.tags.clone(),
            }
        })
        .collect();
    let mut pending = session.pending.lock().map_err(poisoned)?;
    let id = pending.as_ref().map_or(1, |p| p.id.wrapping_add(1));
    let offer = enrollment.as_ref().map(|l| EnrollmentOffer {
        server: l.server.clone(),
        app: l.app.clone(),
    });
    *pending = Some(PendingAdd {
        id,
        entries,
        enrollment,
    });
    Ok(Preview {
        id,
        source: source.to_owned(),
        items,
        problems,
        enrollment: offer,
    })
}

/// Decodes an encoded image (PNG, JPEG, …) off the async runtime.
async fn decode(bytes: Vec<u8>) -> Result<Vec<String>, IpcError> {
    tauri::async_runtime::spawn_blocking(move || qr::decode_image(&bytes))
        .await
        .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?
        .map_err(no_code)
}

fn no_code(e: qr::QrError) -> IpcError {
    IpcError::new(ErrorCode::NoCode, e.to_string())
}

/// The links the browser or a second launch handed over since the last call, every one in the
/// order they came, as one preview (`None` when none waits). While the vault is locked they
/// stay queued.
#[tauri::command]
pub async fn preview_opened_links(
    session: State<'_, AppSession>,
) -> Result<Option<Preview>, IpcError> {
    if session.vault.lock().map_err(poisoned)?.is_none() {
        return Err(super::accounts::locked());
    }
    let links = std::mem::take(&mut *session.opened_links.lock().map_err(poisoned)?);
    if links.is_empty() {
        return Ok(None);
    }
    hold(&session, "link", &links).map(Some)
}

/// A pasted or typed `otpauth://` or `otpauth-migration://` link.
#[tauri::command]
pub async fn preview_link(
    session: State<'_, AppSession>,
    text: String,
) -> Result<Preview, IpcError> {
    hold(&session, "link", &[text])
}

/// An image sent as the raw request body (a file picked in the page, or a pasted image).
#[tauri::command]
pub async fn scan_image(
    session: State<'_, AppSession>,
    request: tauri::ipc::Request<'_>,
) -> Result<Preview, IpcError> {
    let bytes = body_bytes(request.body()).ok_or_else(|| {
        IpcError::new(
            ErrorCode::NoCode,
            "image: send the file's bytes as the request body",
        )
    })?;
    let texts = decode(bytes).await?;
    hold(&session, "image", &texts)
}

/// The bytes of a request body: raw where the webview's IPC carries binary bodies, a JSON array
/// of byte values where it falls back to JSON messages (WebKitGTK's postMessage).
pub(crate) fn body_bytes(body: &tauri::ipc::InvokeBody) -> Option<Vec<u8>> {
    match body {
        tauri::ipc::InvokeBody::Raw(bytes) => Some(bytes.clone()),
        tauri::ipc::InvokeBody::Json(serde_json::Value::Array(values)) => values
            .iter()
            .map(|v| v.as_u64().and_then(|n| u8::try_from(n).ok()))
            .collect(),
        tauri::ipc::InvokeBody::Json(_) => None,
    }
}

/// The QR codes of an encoded image as the pending preview.
pub(crate) async fn scan_bytes(session: &AppSession, bytes: Vec<u8>) -> Result<Preview, IpcError> {
    let texts = decode(bytes).await?;
    hold(session, "image", &texts)
}

/// An image file by path (a file dropped on the window).
#[tauri::command]
pub async fn scan_file(session: State<'_, AppSession>, path: String) -> Result<Preview, IpcError> {
    let unreadable = |e: std::io::Error| IpcError::new(ErrorCode::NoCode, format!("{path}: {e}"));
    let size = std::fs::metadata(&path).map_err(unreadable)?.len();
    if size > MAX_IMAGE_BYTES {
        return Err(IpcError::new(
            ErrorCode::NoCode,
            format!("{path}: {size} bytes is too large for an image to scan"),
        ));
    }
    let bytes = std::fs::read(&path).map_err(unreadable)?;
    let texts = decode(bytes).await?;
    hold(&session, "image", &texts)
}

/// Whatever is on the clipboard: an image with a QR code, or a link.
#[tauri::command]
pub async fn scan_clipboard(session: State<'_, AppSession>) -> Result<Preview, IpcError> {
    let unavailable =
        |e: arboard::Error| IpcError::new(ErrorCode::NoCode, format!("clipboard: {e}"));
    let mut clipboard = arboard::Clipboard::new().map_err(unavailable)?;
    if let Ok(image) = clipboard.get_image() {
        let (w, h) = (image.width as u32, image.height as u32);
        let rgba = image.bytes.into_owned();
        let texts = tauri::async_runtime::spawn_blocking(move || qr::decode_rgba(w, h, &rgba))
            .await
            .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?
            .map_err(no_code)?;
        return hold(&session, "clipboard", &texts);
    }
    let text = clipboard.get_text().map_err(|_| {
        IpcError::new(
            ErrorCode::NoCode,
            "the clipboard holds neither an image nor a link",
        )
    })?;
    hold(&session, "clipboard", &[text])
}

/// Every screen, captured in memory and searched for QR codes. On Wayland the desktop portal
/// asks the user to pick the area; its capture file is read and deleted at once.
#[tauri::command]
pub async fn scan_screen(session: State<'_, AppSession>) -> Result<Preview, IpcError> {
    #[cfg(target_os = "linux")]
    if std::env::var_os("WAYLAND_DISPLAY").is_some() {
        let bytes = portal_capture().await?;
        let texts = decode(bytes).await?;
        return hold(&session, "screen", &texts);
    }
    let texts = tauri::async_runtime::spawn_blocking(capture_and_decode)
        .await
        .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))??;
    hold(&session, "screen", &texts)
}

/// The desktop portal's interactive screenshot: the bytes of the PNG it wrote, and the file
/// removed before anything else happens.
#[cfg(target_os = "linux")]
async fn portal_capture() -> Result<Vec<u8>, IpcError> {
    let failed = |e: ashpd::Error| {
        IpcError::new(
            ErrorCode::NoCode,
            format!("the screen cannot be captured through the desktop portal: {e}"),
        )
    };
    let shot = ashpd::desktop::screenshot::Screenshot::request()
        .interactive(true)
        .modal(true)
        .send()
        .await
        .map_err(failed)?
        .response()
        .map_err(failed)?;
    let uri = shot.uri().as_str();
    let path = uri
        .strip_prefix("file://")
        .map(|p| {
            percent_encoding::percent_decode_str(p)
                .decode_utf8_lossy()
                .into_owned()
        })
        .ok_or_else(|| {
            IpcError::new(
                ErrorCode::NoCode,
                format!("the portal gave a capture that is not a file: {uri}"),
            )
        })?;
    let bytes = std::fs::read(&path);
    let _ = std::fs::remove_file(&path);
    bytes.map_err(|e| IpcError::new(ErrorCode::NoCode, format!("the portal's capture: {e}")))
}

fn capture_and_decode() -> Result<Vec<String>, IpcError> {
    let failed = |e: xcap::XCapError| {
        IpcError::new(
            ErrorCode::NoCode,
            format!("the screen cannot be captured: {e}"),
        )
    };
    let mut texts = Vec::new();
    for monitor in xcap::Monitor::all().map_err(failed)? {
        let image = monitor.capture_image().map_err(failed)?;
        let (w, h) = image.dimensions();
        match qr::decode_rgba(w, h, image.as_raw()) {
            Ok(found) => texts.extend(found),
            Err(qr::QrError::NoCode) => {}
            Err(e) => return Err(no_code(e)),
        }
    }
    if texts.is_empty() {
        return Err(IpcError::new(
            ErrorCode::NoCode,
            "no QR code on the screen: show it larger, or open it as an image",
        ));
    }
    Ok(texts)
}

/// Saves the chosen accounts of the pending preview (by index) and returns their ids.
/// Duplicates among them are skipped, not added twice.
#[tauri::command]
pub async fn confirm_add(
    session: State<'_, AppSession>,
    id: u32,
    indexes: Vec<u32>,
) -> Result<Vec<String>, IpcError> {
    let pending = {
        let mut pending = session.pending.lock().map_err(poisoned)?;
        match pending.take() {
            Some(p) if p.id == id => p,
            other => {
                *pending = other;
                return Err(IpcError::new(
                    ErrorCode::NotFound,
                    "this preview is no longer open: scan or paste again",
                ));
            }
        }
    };
    let chosen: Vec<twofold_formats::Entry> = pending
        .entries
        .into_iter()
        .zip(0u32..)
        .filter(|(_, i)| indexes.contains(i))
        .map(|(e, _)| e)
        .collect();
    let t = session.now();
    session.with_vault(|vault| {
        // A duplicate (one the vault gained since the preview, or a repeat within it) is
        // skipped, not added twice; the labels an import brought come with each account.
        let (report, _) = vault
            .update(&mut OsEntropy, |c: &mut Contents| {
                twofold_formats::apply(c, chosen, Vec::new(), &mut OsEntropy, t)
            })?
            .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
        Ok(report
            .added
            .into_iter()
            .map(|(_, id)| id.to_string())
            .collect())
    })
}

/// Drops the pending preview.
#[tauri::command]
pub async fn cancel_add(session: State<'_, AppSession>) -> Result<(), IpcError> {
    *session.pending.lock().map_err(poisoned)? = None;
    Ok(())
}
