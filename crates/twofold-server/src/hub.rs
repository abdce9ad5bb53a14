//! Fan-out of approval events and sync records to connected devices. A wake-up per user (or
//! sync space), not the event itself:
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

/// What a wake-up is about: a user's approval requests, or a sync space's records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Topic {
    /// A user's approval events (NOTIFY payload: the id).
    User(i64),
    /// A sync space's records (NOTIFY payload: `s` and the id).
    Space(i64),
}

impl Topic {
    fn payload(self) -> String {
        match self {
            Self::User(id) => id.to_string(),
            Self::Space(id) => format!("s{id}"),
        }
    }

    fn parse(payload: &str) -> Option<Self> {
        match payload.strip_prefix('s') {
            Some(id) => id.parse().ok().map(Self::Space),
            None => payload.parse().ok().map(Self::User),
        }
    }
}

/// Subscribers per topic.
#[derive(Debug)]
pub struct Hub {
    users: Mutex<HashMap<Topic, broadcast::Sender<()>>>,
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

    /// A receiver that turns true when the server starts shutting down.
    pub fn closing_signal(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Resolves when the server starts shutting down.
    pub fn closing(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.closing.subscribe();
        async move {
            let _ = rx.wait_for(|c| *c).await;
        }
    }

    /// A subscription woken on every event of `user_id`.
    pub fn subscribe(self: &Arc<Self>, user_id: i64) -> Subscription {
        self.subscribe_to(Topic::User(user_id))
    }

    /// A subscription woken on every event of a topic. The topic's channel exists only while
    /// someone is subscribed: the last subscription to go removes it.
    pub fn subscribe_to(self: &Arc<Self>, topic: Topic) -> Subscription {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        let rx = users
            .entry(topic)
            .or_insert_with(|| broadcast::channel(4).0)
            .subscribe();
        Subscription {
            rx: Some(rx),
            topic,
            hub: Arc::clone(self),
        }
    }

    /// Topics with a channel (someone subscribed): for tests.
    pub fn topics(&self) -> usize {
        self.users.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Wakes this server's streams of a user.
    pub fn wake_local(&self, user_id: i64) {
        self.wake_topic(Topic::User(user_id));
    }

    /// Wakes this server's subscribers of a topic.
    pub fn wake_topic(&self, topic: Topic) {
        // A topic has a channel only while subscribed (the last Subscription removes it).
        let users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tx) = users.get(&topic) {
            let _ = tx.send(());
        }
    }

    /// Wakes every stream of this server (after the listener reconnects: something may have
    /// been missed).
    pub fn wake_all(&self) {
        let users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        for tx in users.values() {
            let _ = tx.send(());
        }
    }

    /// Announces an event of `user_id` to every server (after its transaction committed).
    pub async fn publish(&self, db: &Db, user_id: i64) {
        self.publish_to(db, Topic::User(user_id)).await;
    }

    /// Announces an event of a topic to every server (after its transaction committed).
    pub async fn publish_to(&self, db: &Db, topic: Topic) {
        match db.backend() {
            Backend::Postgres => {
                let sent = sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(topic.payload())
                    .execute(db.pool())
                    .await;
                if let Err(e) = sent {
                    tracing::warn!(error = %e, "NOTIFY failed; waking local streams only");
                    self.wake_topic(topic);
                }
            }
            Backend::Sqlite => self.wake_topic(topic),
        }
    }
}

/// One subscriber's wake-ups; unsubscribes when dropped.
#[derive(Debug)]
pub struct Subscription {
    rx: Option<broadcast::Receiver<()>>,
    topic: Topic,
    hub: Arc<Hub>,
}

impl Subscription {
    /// Resolves at the next wake-up (several missed wake-ups count as one).
    pub async fn woken(&mut self) {
        if let Some(rx) = &mut self.rx {
            match rx.recv().await {
                Ok(()) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                // The hub holds the sender while anyone is subscribed: never closed.
                Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
            }
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        drop(self.rx.take());
        let mut users = self.hub.users.lock().unwrap_or_else(|e| e.into_inner());
        if users
            .get(&self.topic)
            .is_some_and(|tx| tx.receiver_count() == 0)
        {
            users.remove(&self.topic);
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
                            Ok(Some(n)) => match Topic::parse(n.payload()) {
                                Some(topic) => hub.wake_topic(topic),
                                None => hub.wake_all(),
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
