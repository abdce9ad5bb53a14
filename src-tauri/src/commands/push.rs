//! Push approval commands: the requests waiting for an answer, answering one, the enrolled
//! devices, enrolling from a previewed `twofold://enroll` link, and removing a device.

use serde::Serialize;
use serde_json::Value;
use tauri::{AppHandle, Runtime, State};
use twofold_core::OsEntropy;
use twofold_core::vault::AddError;
use twofold_push::client::PushError;
use twofold_push::protocol::{Decision, DenyReason, RequestStatus};
use twofold_push::registry::{self, DeviceRecord, EnrollError, RemoveError};

use super::vault::poisoned;
use crate::error::{ErrorCode, IpcError};
use crate::push::{self, PushState, Waiting};
use crate::session::AppSession;

/// One detail line of a request.
#[derive(Debug, Serialize, Clone, PartialEq, Eq, ts_rs::TS)]
pub struct DetailRow {
    pub key: String,
    pub value: String,
}

/// A request waiting for the user.
#[derive(Debug, Serialize, Clone, PartialEq, Eq, ts_rs::TS)]
pub struct ApprovalView {
    pub uuid: String,
    pub app_name: String,
    pub message: String,
    pub details: Vec<DetailRow>,
    /// Where the login comes from, when the website said.
    pub requester_ip: Option<String>,
    pub requester_location: Option<String>,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number | null")]
    pub expires_at: Option<i64>,
    /// The user must type the number the website shows.
    pub number_required: bool,
    /// The enrolled device (this computer's name for it) that received it.
    pub device_name: String,
    /// Approving waits for an unlock (the user's "unlock to approve" setting, and the vault is
    /// locked); denying does not.
    pub approve_needs_unlock: bool,
}

/// An enrolled device.
#[derive(Debug, Serialize, Clone, PartialEq, Eq, ts_rs::TS)]
pub struct PushDeviceView {
    pub uuid: String,
    pub name: String,
    pub server: String,
    pub app_name: String,
}

/// What came of an answer.
#[derive(Debug, Serialize, Clone, PartialEq, Eq, ts_rs::TS)]
pub struct AnswerView {
    /// `approved` or `denied`.
    pub status: RequestStatus,
    /// `not_me` or `wrong_number` when denied so.
    pub reason: Option<DenyReason>,
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn view(w: &Waiting, approve_needs_unlock: bool) -> ApprovalView {
    let r = &w.request;
    let requester = |k: &str| {
        r.requester
            .as_ref()
            .and_then(|q| q.get(k))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    ApprovalView {
        uuid: r.uuid.clone(),
        app_name: r.app_name.clone(),
        message: r.message.clone(),
        details: r
            .details
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| DetailRow {
                        key: k.clone(),
                        value: text_of(v),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        requester_ip: requester("ip"),
        requester_location: requester("location"),
        created_at: r.created_at,
        expires_at: r.expires_at,
        number_required: r.number_required,
        device_name: w.device.name.clone(),
        approve_needs_unlock,
    }
}

fn device_view(d: &DeviceRecord) -> PushDeviceView {
    PushDeviceView {
        uuid: d.uuid.clone(),
        name: d.name.clone(),
        server: d.server.clone(),
        app_name: d.app_name.clone(),
    }
}

fn push_error(e: PushError) -> IpcError {
    IpcError::new(ErrorCode::Push, e.to_string())
}

/// The requests waiting for an answer, oldest first (expired ones left out).
#[tauri::command]
pub fn push_pending(
    session: State<'_, AppSession>,
    state: State<'_, PushState>,
) -> Vec<ApprovalView> {
    let t = session.now() as i64;
    let needs_unlock = approve_needs_unlock(&session);
    let waiting = state
        .waiting
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut out: Vec<ApprovalView> = waiting
        .values()
        .filter(|w| w.request.expires_at.is_none_or(|at| at > t))
        .map(|w| view(w, needs_unlock))
        .collect();
    out.sort_by_key(|v| v.created_at);
    out
}

/// Whether approving must wait for an unlock: the user asked for it, and the vault is locked.
fn approve_needs_unlock(session: &AppSession) -> bool {
    let wanted = session
        .settings
        .lock()
        .map(|s| s.unlock_to_approve)
        .unwrap_or(true);
    wanted && session.vault.lock().map(|v| v.is_none()).unwrap_or(true)
}

/// Answers a waiting request: `approve` (with the typed number when asked), `deny` or `not_me`.
/// With "unlock to approve" on, approving needs the vault unlocked.
#[tauri::command]
pub async fn push_answer<R: Runtime>(
    app: AppHandle<R>,
    session: State<'_, AppSession>,
    state: State<'_, PushState>,
    uuid: String,
    decision: String,
    number: Option<u32>,
) -> Result<AnswerView, IpcError> {
    let decision = Decision::parse(&decision)
        .map_err(|why| IpcError::new(ErrorCode::InvalidFields, format!("decision: {why}")))?;
    if decision == Decision::Approve && approve_needs_unlock(&session) {
        return Err(IpcError::new(
            ErrorCode::Locked,
            "unlock Twofold to approve this login (your setting); denying works while locked",
        ));
    }
    let waiting = state
        .waiting
        .lock()
        .map_err(poisoned)?
        .get(&uuid)
        .cloned()
        .ok_or_else(|| {
            IpcError::new(
                ErrorCode::NotFound,
                "this request is no longer waiting (answered elsewhere or expired)",
            )
        })?;
    let client = push::client(&app, waiting.device.clone())
        .await
        .map_err(|e| IpcError::new(ErrorCode::Push, e))?;
    let result = client.answer(&uuid, decision, number).await;
    // Answered (by us or, on a conflict, already elsewhere): it no longer waits.
    if matches!(&result, Ok(_) | Err(PushError::Refused { status: 409, .. })) {
        state.waiting.lock().map_err(poisoned)?.remove(&uuid);
        push::changed(&app);
    }
    let outcome = result.map_err(push_error)?;
    Ok(AnswerView {
        status: outcome.status,
        reason: outcome.reason,
    })
}

/// The devices enrolled on this computer.
#[tauri::command]
pub fn push_devices<R: Runtime>(app: AppHandle<R>) -> Result<Vec<PushDeviceView>, IpcError> {
    push::registry(&app)
        .list()
        .map(|l| l.iter().map(device_view).collect())
        .map_err(|e| IpcError::new(ErrorCode::Push, e.to_string()))
}

/// Enrolls this computer from the previewed `twofold://enroll` link: a new key pair (private key
/// in the keychain), the app's codes added to the vault, and a listener started.
#[tauri::command]
pub async fn confirm_enroll<R: Runtime>(
    app: AppHandle<R>,
    session: State<'_, AppSession>,
    id: u32,
    name: Option<String>,
) -> Result<PushDeviceView, IpcError> {
    let link = {
        let mut pending = session.pending.lock().map_err(poisoned)?;
        match pending.as_mut() {
            Some(p) if p.id == id && p.enrollment.is_some() => p.enrollment.take(),
            _ => None,
        }
    }
    .ok_or_else(|| {
        IpcError::new(
            ErrorCode::NotFound,
            "this enrollment is no longer open: scan or paste the link again",
        )
    })?;
    let name = name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("Twofold on {}", registry::host_name()));
    let done = push::registry(&app)
        .enroll(
            session.keystore.as_ref(),
            &link,
            &name,
            std::env::consts::OS,
        )
        .await
        .map_err(|e| match e {
            EnrollError::Keychain(_) | EnrollError::KeyNotKept(_) => {
                IpcError::new(ErrorCode::NoKeychain, e.to_string())
            }
            EnrollError::Server { .. } | EnrollError::Account(_) => {
                IpcError::new(ErrorCode::Push, e.to_string())
            }
        })?;
    let record = done.record;
    // The codes go into the vault when it is open (a locked vault gets them at the next
    // enrollment or by hand).
    if session.vault.lock().map_err(poisoned)?.is_some() {
        let t = session.now();
        session.with_vault(|vault| {
            vault.update(&mut OsEntropy, |c: &mut twofold_core::Contents| {
                match c.add(done.account, &mut OsEntropy, t) {
                    Ok(_) | Err(AddError::Duplicate { .. }) => Ok(()),
                    Err(e) => Err(IpcError::from(e)),
                }
            })??;
            Ok(())
        })?;
    }
    push::start(&app, record.clone());
    Ok(device_view(&record))
}

/// Revokes a device at its server and forgets it here.
#[tauri::command]
pub async fn push_remove<R: Runtime>(
    app: AppHandle<R>,
    session: State<'_, AppSession>,
    uuid: String,
) -> Result<(), IpcError> {
    push::registry(&app)
        .remove_device(session.keystore.as_ref(), &uuid)
        .await
        .map_err(|e| match e {
            RemoveError::NotFound(_) => IpcError::new(ErrorCode::NotFound, "no such device here"),
            RemoveError::Server { .. } | RemoveError::Registry(_) => {
                IpcError::new(ErrorCode::Push, e.to_string())
            }
        })?;
    Ok(())
}
