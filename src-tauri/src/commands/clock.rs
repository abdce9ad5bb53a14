//! Clock commands: is this computer's clock right, against the enrolled push server's `Date`
//! header or the NTP server the user turned on (measured at most hourly, or now when asked),
//! and the NTP server setting. The clock itself is never changed.

use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use twofold_core::clock_check::{self, ClockRecord, Measurement};
use twofold_push::timecheck;

use crate::error::{ErrorCode, IpcError};
use crate::session::AppSession;

/// What the app knows about the clock.
#[derive(Debug, Serialize, Clone, PartialEq, Eq, ts_rs::TS)]
pub struct ClockView {
    /// The last measurement: the reference's time minus this computer's, in seconds.
    #[ts(type = "number | null")]
    pub offset_seconds: Option<i64>,
    /// What it was measured against.
    pub source: Option<String>,
    /// What to tell the user when the clock is more than 15 s off.
    pub warning: Option<String>,
    /// The NTP server the user turned on.
    pub ntp_server: Option<String>,
}

fn view_of(record: &ClockRecord) -> ClockView {
    ClockView {
        offset_seconds: record.last.as_ref().map(|m| m.offset_seconds),
        source: record.last.as_ref().map(|m| m.source.clone()),
        warning: record.last.as_ref().and_then(Measurement::warning),
        ntp_server: record.ntp_server.clone(),
    }
}

/// Measures when due (or `force`), records it beside the vault, and says what it found.
async fn measure<R: Runtime>(app: &AppHandle<R>, session: &AppSession, force: bool) -> ClockRecord {
    let mut record = ClockRecord::load(&session.path);
    if !force && !record.due(session.now()) {
        return record;
    }
    let servers: Vec<String> = crate::push::registry(app)
        .list()
        .map(|devices| devices.into_iter().map(|d| d.server).collect())
        .unwrap_or_default();
    let result =
        timecheck::measure_any(record.ntp_server.as_deref(), &servers, &session.clock).await;
    if let Some(result) = result {
        record.last_attempt = Some(session.now());
        match result {
            Ok(m) => record.last = Some(m),
            Err(e) => eprintln!("twofold-desktop: clock check: {e}"),
        }
        let _ = record.save(&session.path);
    }
    record
}

/// The clock as last measured, measured again when an hour has passed (or `force`). The page
/// asks at start, on focus and every few minutes.
#[tauri::command]
pub async fn check_clock<R: Runtime>(
    app: AppHandle<R>,
    session: State<'_, AppSession>,
    force: bool,
) -> Result<ClockView, IpcError> {
    Ok(view_of(&measure(&app, &session, force).await))
}

/// Turns on asking an NTP server (`None` turns it off), then measures at once.
#[tauri::command]
pub async fn set_clock_ntp<R: Runtime>(
    app: AppHandle<R>,
    session: State<'_, AppSession>,
    server: Option<String>,
) -> Result<ClockView, IpcError> {
    let server = match server.filter(|s| !s.trim().is_empty()) {
        None => None,
        Some(s) => Some(
            clock_check::check_ntp_server(&s)
                .map_err(|p| IpcError::field("ntp_server", crate::i18n::problem(&p)))?,
        ),
    };
    let mut record = ClockRecord::load(&session.path);
    record.ntp_server = server;
    record.save(&session.path).map_err(IpcError::from)?;
    let asked_at = session.now();
    let record = measure(&app, &session, true).await;
    if let Some(host) = &record.ntp_server
        && !record
            .last
            .as_ref()
            .is_some_and(|m| m.source == format!("NTP server {host}") && m.measured_at >= asked_at)
    {
        return Err(IpcError::new(
            ErrorCode::Io,
            "saved, but the NTP server did not answer; the push server is asked meanwhile",
        ));
    }
    Ok(view_of(&record))
}
