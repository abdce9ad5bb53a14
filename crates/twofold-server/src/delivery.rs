//! Delivering one-time codes by SMS, voice call and email. `outbox` (the default) appends one JSON
//! line per message to a file the operator names and logs the message without its code; it is how
//! development and tests read codes.

use std::io::Write;
use std::path::PathBuf;

use serde_json::json;
use tokio::sync::Mutex;

/// How a code reaches the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// Text message.
    Sms,
    /// Voice call.
    Call,
    /// Email.
    Email,
}

impl Channel {
    /// `sms`, `call` or `email`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Call => "call",
            Self::Email => "email",
        }
    }
}

/// One message to deliver.
#[derive(Debug, Clone)]
pub struct Message {
    /// The channel.
    pub channel: Channel,
    /// Phone number (E.164) or email address.
    pub to: String,
    /// The code (never logged).
    pub code: String,
    /// The full text.
    pub text: String,
}

/// The configured provider.
#[derive(Debug)]
pub enum Delivery {
    /// Append JSON lines to a file.
    Outbox {
        /// The file.
        path: PathBuf,
        /// Serialises writers in this process.
        lock: Mutex<()>,
    },
}

impl Delivery {
    /// The outbox provider.
    pub fn outbox(path: PathBuf) -> Self {
        Self::Outbox {
            path,
            lock: Mutex::new(()),
        }
    }

    /// Delivers a message; an error says why (and nothing was sent).
    pub async fn send(&self, msg: &Message, now: i64) -> Result<(), String> {
        match self {
            Self::Outbox { path, lock } => {
                let line = json!({
                    "channel": msg.channel.as_str(),
                    "to": msg.to,
                    "code": msg.code,
                    "message": msg.text,
                    "created_at": now,
                });
                let _guard = lock.lock().await;
                let mut file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| format!("outbox {}: {e}", path.display()))?;
                // One write of one line: appends from other processes do not interleave.
                file.write_all(format!("{line}\n").as_bytes())
                    .map_err(|e| format!("outbox {}: {e}", path.display()))?;
                tracing::info!(channel = msg.channel.as_str(), to = %mask(&msg.to), "delivered to the outbox");
                Ok(())
            }
        }
    }
}

fn mask(to: &str) -> String {
    let keep: String = to
        .chars()
        .rev()
        .take(2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("…{keep}")
}
