//! Sync commands (Settings → Sync): where it stands, join a space (a link from another computer,
//! an operator's invitation, or a server open to anyone), link another computer (its QR code),
//! the space's computers, remove one (the space key rotates), leave, sync now. Each is a few
//! lines over `twofold_push::sync`; the background rounds are `crate::sync`'s.

use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use twofold_push::sync::SyncError;
use twofold_push::sync_protocol::SyncLink;

use crate::error::{ErrorCode, IpcError};
use crate::i18n::{tr, tr1};
use crate::session::AppSession;
use crate::sync::{SyncState, run_pass, sync_of};

/// Sync as the settings and the main window show it.
#[derive(Debug, Serialize, Clone, PartialEq, Eq, ts_rs::TS)]
pub struct SyncView {
    pub state: SyncState,
    /// Why it is offline or failing.
    pub reason: Option<String>,
    /// The server, when this computer syncs.
    pub server: Option<String>,
    /// This computer's name in the space.
    pub name: Option<String>,
    /// When the last round finished (Unix seconds).
    #[ts(type = "number | null")]
    pub last_sync_at: Option<i64>,
    /// Changes made here and not sent yet.
    pub pending: u32,
}

/// A computer of the space.
#[derive(Debug, Serialize, Clone, PartialEq, Eq, ts_rs::TS)]
pub struct SyncDeviceView {
    pub uuid: String,
    pub name: String,
    pub platform: String,
    #[ts(type = "number | null")]
    pub last_seen_at: Option<i64>,
    /// This computer.
    pub this: bool,
}

/// A link that adds another computer, with its QR code.
#[derive(Debug, Serialize, Clone, PartialEq, Eq, ts_rs::TS)]
pub struct SyncLinkView {
    pub link: String,
    /// The QR code as SVG.
    pub svg: String,
    /// Seconds it works for.
    pub expires_in: u32,
}

fn sync_error(e: SyncError) -> IpcError {
    let code = match &e {
        SyncError::NotJoined => ErrorCode::NotFound,
        _ => ErrorCode::Sync,
    };
    IpcError::new(code, e.to_string())
}

fn view(session: &AppSession) -> Result<SyncView, IpcError> {
    let status = session.sync.status();
    let state = sync_of(session).state().map_err(sync_error)?;
    Ok(match state {
        None => SyncView {
            state: SyncState::Off,
            reason: None,
            server: None,
            name: None,
            last_sync_at: None,
            pending: 0,
        },
        Some(s) => SyncView {
            state: if status.state == SyncState::Off {
                SyncState::Syncing
            } else {
                status.state
            },
            reason: status.reason,
            server: Some(s.server),
            name: Some(s.name),
            last_sync_at: s.last_sync_at,
            pending: u32::try_from(s.pending.len()).unwrap_or(u32::MAX),
        },
    })
}

/// Where sync stands.
#[tauri::command]
pub fn sync_status(session: State<'_, AppSession>) -> Result<SyncView, IpcError> {
    view(&session)
}

/// Joins a space: `link` (another computer's link, or an operator's invitation) or `server`
/// (a new space on a server open to anyone), as `name`; the vault's accounts go up and the
/// space's come down at once.
#[tauri::command]
pub async fn sync_join<R: Runtime>(
    app: AppHandle<R>,
    session: State<'_, AppSession>,
    link: Option<String>,
    server: Option<String>,
    name: String,
) -> Result<SyncView, IpcError> {
    if session
        .vault
        .lock()
        .map_err(crate::commands::vault::poisoned)?
        .is_none()
    {
        return Err(crate::commands::accounts::locked());
    }
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(IpcError::field(
            "name",
            tr("problem-computer-name-length", None),
        ));
    }
    let how = match (
        link.filter(|l| !l.trim().is_empty()),
        server.filter(|s| !s.trim().is_empty()),
    ) {
        (Some(link), None) => {
            twofold_push::sync::JoinBy::Link(SyncLink::parse(&link).map_err(|e| {
                IpcError::field(
                    "link",
                    tr1("problem-sync-link-invalid", "reason", e.to_string()),
                )
            })?)
        }
        (None, Some(server)) => {
            let url = url::Url::parse(server.trim())
                .map_err(|_| IpcError::field("server", tr("problem-server-not-url", None)))?;
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                return Err(IpcError::field("server", tr("problem-server-scheme", None)));
            }
            twofold_push::sync::JoinBy::Open(server.trim().to_owned())
        }
        (Some(_), Some(_)) => {
            return Err(IpcError::field("link", tr("problem-link-or-server", None)));
        }
        (None, None) => {
            return Err(IpcError::field("link", tr("problem-link-needed", None)));
        }
    };
    sync_of(&session)
        .join(session.keystore.as_ref(), &how, &name, "desktop")
        .await
        .map_err(sync_error)?;
    run_pass(&app).await;
    session.sync.changed();
    view(&session)
}

/// A one-time link (ten minutes) that adds another computer, with its QR code.
#[tauri::command]
pub async fn sync_link(session: State<'_, AppSession>) -> Result<SyncLinkView, IpcError> {
    let link = sync_of(&session)
        .make_link(session.keystore.as_ref())
        .await
        .map_err(sync_error)?
        .to_uri();
    let svg = twofold_core::qr::encode_svg(&link)
        .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
    Ok(SyncLinkView {
        link,
        svg,
        expires_in: u32::try_from(twofold_push::sync_protocol::LINK_LIFETIME).unwrap_or(600),
    })
}

async fn devices_of(session: &AppSession) -> Result<Vec<SyncDeviceView>, IpcError> {
    let sync = sync_of(session);
    let me = sync
        .state()
        .map_err(sync_error)?
        .ok_or_else(|| sync_error(SyncError::NotJoined))?
        .device;
    let devices = sync
        .devices(session.keystore.as_ref())
        .await
        .map_err(sync_error)?;
    Ok(devices
        .into_iter()
        .map(|d| SyncDeviceView {
            this: d.uuid == me,
            uuid: d.uuid,
            name: d.name,
            platform: d.platform,
            last_seen_at: d.last_seen_at,
        })
        .collect())
}

/// The space's computers.
#[tauri::command]
pub async fn sync_devices(session: State<'_, AppSession>) -> Result<Vec<SyncDeviceView>, IpcError> {
    devices_of(&session).await
}

/// Removes another computer (after a round, so this one holds every record): the space key
/// changes, so it reads nothing written from then on.
#[tauri::command]
pub async fn sync_remove<R: Runtime>(
    app: AppHandle<R>,
    session: State<'_, AppSession>,
    uuid: String,
) -> Result<Vec<SyncDeviceView>, IpcError> {
    run_pass(&app).await;
    {
        let _one = session.sync.rounds.lock().await;
        sync_of(&session)
            .remove_device(session.keystore.as_ref(), &uuid)
            .await
            .map_err(sync_error)?;
    }
    devices_of(&session).await
}

/// This computer leaves the space (its vault keeps every account).
#[tauri::command]
pub async fn sync_leave<R: Runtime>(
    app: AppHandle<R>,
    session: State<'_, AppSession>,
) -> Result<SyncView, IpcError> {
    {
        let _one = session.sync.rounds.lock().await;
        sync_of(&session)
            .leave(session.keystore.as_ref())
            .await
            .map_err(sync_error)?;
    }
    run_pass(&app).await;
    view(&session)
}

/// Syncs now.
#[tauri::command]
pub async fn sync_now<R: Runtime>(
    app: AppHandle<R>,
    session: State<'_, AppSession>,
) -> Result<SyncView, IpcError> {
    run_pass(&app).await;
    view(&session)
}
