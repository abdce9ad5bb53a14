//! Push approval on the desktop: one background listener per enrolled device (started with the
//! app), the requests waiting for an answer, and what the user sees when one arrives — the window
//! brought to the front with the approval, an OS notification, and the count in the tray.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Mutex, PoisonError};

use tauri::{AppHandle, Emitter, Manager, Runtime};
use twofold_push::client::DeviceClient;
use twofold_push::protocol::{Event, RequestStatus, RequestView};
use twofold_push::registry::{DeviceRecord, Registry};

use crate::session::AppSession;

/// Event sent to the page when the waiting requests change; it then calls `push_pending`.
pub const PUSH_EVENT: &str = "twofold://push";

/// A request waiting for the user, and the device that received it.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub device: DeviceRecord,
    pub request: RequestView,
}

/// Listeners and waiting requests.
#[derive(Debug, Default)]
pub struct PushState {
    /// Waiting requests by uuid, oldest first by creation.
    pub waiting: Mutex<BTreeMap<String, Waiting>>,
    /// Devices whose listener runs.
    running: Mutex<HashSet<String>>,
}

/// The registry of the app's vault.
pub fn registry<R: Runtime>(app: &AppHandle<R>) -> Registry {
    let session = app.state::<AppSession>();
    Registry::beside(&session.path, session.clock.clone())
}

/// A client for a device, its key read from the keychain off the async runtime.
pub async fn client<R: Runtime>(
    app: &AppHandle<R>,
    record: DeviceRecord,
) -> Result<DeviceClient, String> {
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let session = app.state::<AppSession>();
        registry(&app)
            .client(session.keystore.as_ref(), &record)
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Starts a listener for every enrolled device that has none yet.
pub fn start_all<R: Runtime>(app: &AppHandle<R>) {
    match registry(app).list() {
        Ok(devices) => {
            for d in devices {
                start(app, d);
            }
        }
        Err(e) => eprintln!("twofold-desktop: push devices: {e}"),
    }
}

/// Starts the listener of one device (once).
pub fn start<R: Runtime>(app: &AppHandle<R>, record: DeviceRecord) {
    let state = app.state::<PushState>();
    if !state
        .running
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(record.uuid.clone())
    {
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let uuid = record.uuid.clone();
        match client(&app, record.clone()).await {
            Ok(client) => {
                let on_event = {
                    let app = app.clone();
                    let record = record.clone();
                    move |e: Event| arrived(&app, &record, e)
                };
                let name = record.name.clone();
                let err = client
                    .listen(on_event, |state| {
                        if !state.starts_with("connected") {
                            eprintln!("twofold-desktop: push ({name}): {state}");
                        }
                    })
                    .await;
                eprintln!("twofold-desktop: push ({}) stopped: {err}", record.name);
            }
            Err(e) => eprintln!("twofold-desktop: push ({}): {e}", record.name),
        }
        app.state::<PushState>()
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&uuid);
    });
}

/// An event from a device's server: a new request waits (and is shown), an answered or
/// expired one goes away.
fn arrived<R: Runtime>(app: &AppHandle<R>, device: &DeviceRecord, e: Event) {
    let state = app.state::<PushState>();
    let new = {
        let mut waiting = state.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        if e.request.status == RequestStatus::Pending {
            waiting
                .insert(
                    e.request.uuid.clone(),
                    Waiting {
                        device: device.clone(),
                        request: e.request.clone(),
                    },
                )
                .is_none()
        } else {
            waiting.remove(&e.request.uuid);
            false
        }
    };
    changed(app);
    if new {
        crate::desktop::show_main(app);
        if let Some(w) = app.get_webview_window("main") {
            let _ = w.request_user_attention(Some(tauri::UserAttentionType::Critical));
        }
        notify(&e.request);
    }
}

/// Tells the page and the tray that the waiting requests changed.
pub fn changed<R: Runtime>(app: &AppHandle<R>) {
    let n = app
        .state::<PushState>()
        .waiting
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .len();
    crate::desktop::show_waiting(app, n);
    let _ = app.emit(PUSH_EVENT, ());
}

/// The summary and body of a request's notification. Both come from the website, and servers
/// that support body markup read the body as a subset of HTML (links, images): it is escaped so
/// that it shows as the text it is, never as markup.
fn notification_text(request: &RequestView) -> (String, String) {
    let summary = crate::i18n::tr1("notify-summary", "app", request.app_name.clone());
    (summary, escape_markup(&request.message))
}

/// `&`, `<`, `>`, quotes as entities; control characters dropped.
fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push('\n'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// An OS notification (freedesktop notifications on the session bus; nothing where there is
/// no notification service).
fn notify(request: &RequestView) {
    #[cfg(target_os = "linux")]
    {
        let (summary, body) = notification_text(request);
        std::thread::spawn(move || {
            let sent = zbus::blocking::Connection::session().and_then(|c| {
                let hints: std::collections::HashMap<&str, zbus::zvariant::Value<'_>> =
                    [("urgency", zbus::zvariant::Value::U8(2))].into();
                c.call_method(
                    Some("org.freedesktop.Notifications"),
                    "/org/freedesktop/Notifications",
                    Some("org.freedesktop.Notifications"),
                    "Notify",
                    &(
                        "Twofold",
                        0u32,
                        "dialog-password",
                        summary.as_str(),
                        body.as_str(),
                        Vec::<&str>::new(),
                        hints,
                        30_000i32,
                    ),
                )
                .map(|_| ())
            });
            if let Err(e) = sent {
                eprintln!("twofold-desktop: no notification: {e}");
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = request;
}

#[cfg(test)]
mod tests {
    use super::escape_markup;

    /// A website's message with markup shows as text in the notification.
    #[test]
    fn notification_bodies_are_never_markup() {
        assert_eq!(
            escape_markup("Log in <a href=\"https://evil.example\">here</a> & <img src=x>\u{7}"),
            "Log in &lt;a href=&quot;https://evil.example&quot;&gt;here&lt;/a&gt; &amp; &lt;img src=x&gt;"
        );
        assert_eq!(
            escape_markup("Line one\nLine 'two'"),
            "Line one\nLine &apos;two&apos;"
        );
    }
}
