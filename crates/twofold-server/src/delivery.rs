//! Delivering one-time codes by SMS, voice call and email. `outbox` (the default) appends one JSON
//! line per message to a file the operator names and logs the message without its code; it is how
//! development and tests read codes. `twilio` sends SMS and calls through the Twilio REST API (base
//! URL configurable); `webhook` POSTs each message as JSON to the operator's URL, signed with
//! HMAC-SHA256 when a secret is set. Twilio has no email API, so with `twilio` email codes go to
//! the outbox.

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

/// Twilio account settings.
#[derive(Clone)]
pub struct TwilioSettings {
    /// API base, `https://api.twilio.com` in production.
    pub base_url: String,
    /// Account SID.
    pub account_sid: String,
    /// Auth token.
    pub auth_token: String,
    /// The sending phone number (E.164).
    pub from: String,
}

impl std::fmt::Debug for TwilioSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioSettings")
            .field("base_url", &self.base_url)
            .field("account_sid", &self.account_sid)
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
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
    /// POST JSON to an operator URL (every channel, email included).
    Webhook {
        /// Where.
        url: String,
        /// HMAC-SHA256 key for the `X-Twofold-Signature` header.
        secret: Option<String>,
        /// HTTP client.
        client: reqwest::Client,
    },
    /// The Twilio REST API for SMS and calls; email goes to the outbox.
    Twilio {
        /// Account settings.
        settings: TwilioSettings,
        /// HTTP client.
        client: reqwest::Client,
        /// Where email codes go.
        outbox: Box<Delivery>,
    },
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .user_agent(concat!("twofold-server/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

impl Delivery {
    /// The outbox provider.
    pub fn outbox(path: PathBuf) -> Self {
        Self::Outbox {
            path,
            lock: Mutex::new(()),
        }
    }

    /// The webhook provider.
    pub fn webhook(url: String, secret: Option<String>) -> Self {
        Self::Webhook {
            url,
            secret,
            client: http_client(),
        }
    }

    /// The Twilio provider.
    pub fn twilio(settings: TwilioSettings, outbox: PathBuf) -> Self {
        Self::Twilio {
            settings,
            client: http_client(),
            outbox: Box::new(Self::outbox(outbox)),
        }
    }

    /// Delivers a message; an error says why (and nothing was sent).
    pub async fn send(&self, msg: &Message, now: i64) -> Result<(), String> {
        match self {
            Self::Webhook {
                url,
                secret,
                client,
            } => {
                let body = serde_json::to_vec(&json!({
                    "channel": msg.channel.as_str(),
                    "to": msg.to,
                    "code": msg.code,
                    "message": msg.text,
                    "created_at": now,
                }))
                .map_err(|e| e.to_string())?;
                let mut req = client.post(url).header("content-type", "application/json");
                if let Some(secret) = secret {
                    use base64::Engine;
                    use hmac::{KeyInit, Mac};
                    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
                        .map_err(|e| e.to_string())?;
                    mac.update(&body);
                    let sig = base64::engine::general_purpose::STANDARD
                        .encode(mac.finalize().into_bytes());
                    req = req.header("x-twofold-signature", sig);
                }
                let resp = req
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| format!("webhook: {}", without_url(&e)))?;
                if !resp.status().is_success() {
                    return Err(format!("webhook answered {}", resp.status()));
                }
                tracing::info!(channel = msg.channel.as_str(), to = %mask(&msg.to), "delivered to the webhook");
                Ok(())
            }
            Self::Twilio { outbox, .. } if msg.channel == Channel::Email => {
                Box::pin(outbox.send(msg, now)).await
            }
            Self::Twilio {
                settings, client, ..
            } => {
                let base = settings.base_url.trim_end_matches('/');
                let (endpoint, form) = match msg.channel {
                    Channel::Call => {
                        let said = xml_escape(&msg.text);
                        let twiml = format!(
                            "<Response><Say>{said}</Say><Pause length=\"1\"/><Say>{said}</Say></Response>"
                        );
                        (
                            "Calls.json",
                            vec![
                                ("To", msg.to.clone()),
                                ("From", settings.from.clone()),
                                ("Twiml", twiml),
                            ],
                        )
                    }
                    _ => (
                        "Messages.json",
                        vec![
                            ("To", msg.to.clone()),
                            ("From", settings.from.clone()),
                            ("Body", msg.text.clone()),
                        ],
                    ),
                };
                let url = format!(
                    "{base}/2010-04-01/Accounts/{}/{endpoint}",
                    settings.account_sid
                );
                let resp = client
                    .post(url)
                    .basic_auth(&settings.account_sid, Some(&settings.auth_token))
                    .form(&form)
                    .send()
                    .await
                    .map_err(|e| format!("twilio: {}", without_url(&e)))?;
                let status = resp.status();
                if !status.is_success() {
                    let detail: serde_json::Value = resp.json().await.unwrap_or_default();
                    return Err(format!(
                        "twilio answered {status}: {}",
                        detail["message"].as_str().unwrap_or("no message")
                    ));
                }
                tracing::info!(channel = msg.channel.as_str(), to = %mask(&msg.to), "delivered through Twilio");
                Ok(())
            }
            Self::Outbox { path, lock } => {
                let line = json!({
                    "channel": msg.channel.as_str(),
                    "to": msg.to,
                    "code": msg.code,
                    "message": msg.text,
                    "created_at": now,
                });
                let _guard = lock.lock().await;
                // The path and the system's reason go to the log; the API client learns only
                // that the outbox could not be written.
                let failed = |e: std::io::Error| {
                    tracing::error!(path = %path.display(), error = %e, "the outbox cannot be written");
                    "the outbox cannot be written (the server log says why)".to_owned()
                };
                let mut options = std::fs::OpenOptions::new();
                options.create(true).append(true);
                // Codes are secrets: the file is the owner's alone.
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(path).map_err(failed)?;
                // One write of one line: appends from other processes do not interleave.
                file.write_all(format!("{line}\n").as_bytes())
                    .map_err(failed)?;
                tracing::info!(channel = msg.channel.as_str(), to = %mask(&msg.to), "delivered to the outbox");
                Ok(())
            }
        }
    }
}

fn mask(to: &str) -> String {
    format!("…{}", crate::phone::last_chars(to, 2))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A reqwest error without its URL (which could carry credentials).
fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "[url]");
    }
    text
}
