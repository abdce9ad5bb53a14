//! Locking the vault when the screen locks, where the desktop reports it: the screensaver's
//! `ActiveChanged(true)` signal on the session bus (freedesktop, GNOME, MATE, Cinnamon).

use futures_util::StreamExt;
use tauri::{AppHandle, Runtime};

/// Interfaces whose `ActiveChanged` signal means "the screen is locked (or blanked)".
const SCREENSAVERS: &[&str] = &[
    "org.freedesktop.ScreenSaver",
    "org.gnome.ScreenSaver",
    "org.mate.ScreenSaver",
    "org.cinnamon.ScreenSaver",
];

/// Listens for the rest of the app's life; returns early (doing nothing) without a session bus.
pub async fn watch<R: Runtime>(app: AppHandle<R>) {
    if let Err(e) = listen(&app).await {
        eprintln!("twofold-desktop: not locking with the screen: {e}");
    }
}

async fn listen<R: Runtime>(app: &AppHandle<R>) -> zbus::Result<()> {
    let connection = zbus::Connection::session().await?;
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .member("ActiveChanged")?
        .build();
    let mut signals = zbus::MessageStream::for_match_rule(rule, &connection, None).await?;
    while let Some(message) = signals.next().await {
        let Ok(message) = message else { continue };
        let header = message.header();
        let from_screensaver = header
            .interface()
            .is_some_and(|i| SCREENSAVERS.contains(&i.as_str()));
        if from_screensaver && message.body().deserialize::<bool>().unwrap_or(false) {
            crate::desktop::lock(app);
        }
    }
    Ok(())
}
