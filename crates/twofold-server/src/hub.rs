//! Fan-out of approval events to connected devices. A wake-up per user, not the event itself:
//! a woken stream reads what is new from the database, which stays the one truth. SQLite servers
//! wake their own streams; PostgreSQL servers `NOTIFY` and every server `LISTEN`s, so a request
//! created on one server reaches a device connected to another.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, broadcast, watch};

use crate::store::{Backend, Db};

/// The PostgreSQL channel.
pub const CHANNEL: &str = "twofold_events";

/// Subscribers per user.
#[derive(Debug)]
pub struct Hub {
    users: Mutex<HashMap<i64, broadcast::Sender<()>>>,
    /// Wakes the callback worker.
    pub callbacks: Notify,
    /// Becomes true when the server shuts down: streams and long polls end.
    closing: watch::Sender<bool>,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            users: Mutex::default(),
            callbacks: Notify::new(),
            closing: watch::channel(false).0,
        }
    }
}

impl Hub {
    /// Ends every stream and long poll (at shutdown).
    pub fn close_streams(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves when the server starts shutting down.
    pub fn closing(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.closing.subscribe();
        async move {
            let _ = rx.wait_for(|c| *c).await;
        }
    }

    /// A receiver woken on every event of `user_id`.
    pub fn subscribe(&self, user_id: i64) -> broadcast::Receiver<()> {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        users
            .entry(user_id)
            .or_insert_with(|| broadcast::channel(4).0)
            .subscribe()
    }

    /// Wakes this server's streams of a user.
    pub fn wake_local(&self, user_id: i64) {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tx) = users.get(&user_id)
            && tx.send(()).is_err()
        {
            users.remove(&user_id);
        }
    }

    /// Wakes every stream of this server (after the listener reconnects: something may have
    /// been missed).
    pub fn wake_all(&self) {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        users.retain(|_, tx| tx.send(()).is_ok());
    }

    /// Announces an event of `user_id` to every server (after its transaction committed).
    pub async fn publish(&self, db: &Db, user_id: i64) {
        match db.backend() {
            Backend::Postgres => {
                let sent = sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(user_id.to_string())
                    .execute(db.pool())
                    .await;
                if let Err(e) = sent {
                    tracing::warn!(error = %e, "NOTIFY failed; waking local streams only");
                    self.wake_local(user_id);
                }
            }
            Backend::Sqlite => self.wake_local(user_id),
        }
    }
}

/// PostgreSQL: listens for other servers' (and our own) events and wakes local streams, for
/// ever, reconnecting after errors.
pub async fn listen_postgres(hub: Arc<Hub>, url: String) {
    loop {
        match sqlx::postgres::PgListener::connect(&url).await {
            Ok(mut listener) => {
                if let Err(e) = listener.listen(CHANNEL).await {
                    tracing::warn!(error = %e, "LISTEN failed");
                } else {
                    tracing::info!(channel = CHANNEL, "listening for events of other servers");
                    hub.wake_all();
                    loop {
                        match listener.try_recv().await {
                            Ok(Some(n)) => match n.payload().parse::<i64>() {
                                Ok(user) => hub.wake_local(user),
                                Err(_) => hub.wake_all(),
                            },
                            // The connection dropped; the next call reconnects. Anything sent
                            // meanwhile is unseen, so every stream looks again.
                            Ok(None) => hub.wake_all(),
                            Err(e) => {
                                tracing::warn!(error = %e, "event listener lost its connection");
                                break;
                            }
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "event listener cannot connect"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
