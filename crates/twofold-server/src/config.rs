//! The server's one typed configuration: flags, then environment variables, then a TOML file,
//! then defaults — loaded once in `main` and passed down.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use serde::Deserialize;

/// Settings shared by every subcommand that touches the database.
#[derive(Debug, Args, Clone)]
pub struct DbArgs {
    /// Database URL: `sqlite://PATH` (created on first start) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// A TOML file with any of: listen, database_url, outbox, server_key_file, public_url, log_json,
    /// rate_per_ip, rate_per_key, trusted_proxies, metrics_token, metrics_listen, tls_cert,
    /// tls_key, delivery and its settings, sync, drain_seconds.
    #[arg(long, env = "TWOFOLD_CONFIG", global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// File holding the key that encrypts seeds (64 hex digits); created with mode 0600 when
    /// missing and the database holds no applications yet. TWOFOLD_SERVER_KEY gives the key
    /// itself instead. Every subcommand needs the same one as `serve`.
    #[arg(
        long,
        env = "TWOFOLD_SERVER_KEY_FILE",
        global = true,
        value_name = "PATH"
    )]
    pub server_key_file: Option<PathBuf>,
}

/// `twofold-server serve` settings.
#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TWOFOLD_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// The outbox file where SMS, call and email messages are written.
    #[arg(long, env = "TWOFOLD_OUTBOX", value_name = "PATH")]
    pub outbox: Option<PathBuf>,
    /// Base URL of this server as websites reach it (for QR image links).
    #[arg(long, env = "TWOFOLD_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Log as JSON lines.
    #[arg(long, env = "TWOFOLD_LOG_JSON")]
    pub log_json: bool,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(
        long,
        env = "TWOFOLD_TLS_CERT",
        value_name = "PATH",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(
        long,
        env = "TWOFOLD_TLS_KEY",
        value_name = "PATH",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,
    /// How SMS and voice codes are delivered.
    #[arg(long, env = "TWOFOLD_DELIVERY", value_parser = ["outbox", "twilio", "webhook"])]
    pub delivery: Option<String>,
    /// Webhook delivery: the URL that receives each message as JSON.
    #[arg(long, env = "TWOFOLD_WEBHOOK_URL")]
    pub webhook_url: Option<String>,
    /// Webhook delivery: key for the X-Twofold-Signature header (HMAC-SHA256, base64).
    #[arg(long, env = "TWOFOLD_WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: Option<String>,
    /// Twilio delivery: API base URL.
    #[arg(long, env = "TWILIO_BASE_URL")]
    pub twilio_base_url: Option<String>,
    /// Twilio delivery: account SID.
    #[arg(long, env = "TWILIO_ACCOUNT_SID")]
    pub twilio_account_sid: Option<String>,
    /// Twilio delivery: auth token.
    #[arg(long, env = "TWILIO_AUTH_TOKEN", hide_env_values = true)]
    pub twilio_auth_token: Option<String>,
    /// Twilio delivery: the sending number (E.164).
    #[arg(long, env = "TWILIO_FROM")]
    pub twilio_from: Option<String>,
    /// Requests per second allowed from one client address (burst: twice that) [default: 100].
    #[arg(long, env = "TWOFOLD_RATE_PER_IP")]
    pub rate_per_ip: Option<u32>,
    /// Requests per second allowed per API key (burst: twice that) [default: 200].
    #[arg(long, env = "TWOFOLD_RATE_PER_KEY")]
    pub rate_per_key: Option<u32>,
    /// A proxy (address or CIDR network) whose X-Forwarded-For names the client; repeat it,
    /// or give several separated by commas.
    #[arg(
        long = "trusted-proxy",
        env = "TWOFOLD_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<String>,
    /// Serve /metrics on the API port, to requests with `Authorization: Bearer <this token>`.
    #[arg(long, env = "TWOFOLD_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Serve /metrics (without a token) on this address of its own, e.g. 127.0.0.1:9090.
    #[arg(long, env = "TWOFOLD_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Who may create a sync space: off (default), invite (`twofold-server sync invite`) or
    /// open (anyone, a few per address per hour).
    #[arg(long, env = "TWOFOLD_SYNC", value_parser = ["off", "invite", "open"])]
    pub sync: Option<String>,
    /// On SIGTERM, seconds to go on serving while /readyz answers 503, so that a load balancer
    /// takes this server out before it stops listening [default: 0; behind HAProxy: 2].
    #[arg(long, env = "TWOFOLD_DRAIN_SECONDS", value_name = "SECONDS")]
    pub drain_seconds: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    database_url: Option<String>,
    outbox: Option<PathBuf>,
    server_key_file: Option<PathBuf>,
    public_url: Option<String>,
    log_json: Option<bool>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    delivery: Option<String>,
    webhook_url: Option<String>,
    webhook_secret: Option<String>,
    twilio_base_url: Option<String>,
    twilio_account_sid: Option<String>,
    twilio_auth_token: Option<String>,
    twilio_from: Option<String>,
    rate_per_ip: Option<u32>,
    rate_per_key: Option<u32>,
    trusted_proxies: Option<Vec<String>>,
    metrics_token: Option<String>,
    metrics_listen: Option<SocketAddr>,
    sync: Option<String>,
    drain_seconds: Option<f64>,
}

/// Where codes go.
#[derive(Debug, Clone)]
pub enum DeliveryConfig {
    /// The outbox file only.
    Outbox,
    /// The webhook.
    Webhook {
        /// URL.
        url: String,
        /// Signing key.
        secret: Option<String>,
    },
    /// Twilio for SMS and calls.
    Twilio(crate::delivery::TwilioSettings),
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: String,
    pub outbox: PathBuf,
    pub server_key_file: PathBuf,
    pub public_url: Option<String>,
    pub log_json: bool,
    pub delivery: DeliveryConfig,
    /// Rate limits.
    pub limits: crate::limits::LimitSettings,
    /// Certificate and key files for HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Proxies whose X-Forwarded-For names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Bearer token of /metrics on the API port.
    pub metrics_token: Option<String>,
    /// Address of a listener serving /metrics alone.
    pub metrics_listen: Option<SocketAddr>,
    /// Who may create a sync space.
    pub sync: crate::state::SyncMode,
    /// How long a graceful stop serves on while `/readyz` answers 503.
    pub drain: std::time::Duration,
}

fn read_file(path: Option<&Path>) -> Result<FileConfig> {
    let Some(path) = path else {
        return Ok(FileConfig::default());
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("config file {}", path.display()))
}

impl Config {
    /// Resolves flags/env over the file over defaults.
    pub fn resolve(db: &DbArgs, serve: Option<&ServeArgs>) -> Result<Self> {
        let file = read_file(db.config.as_deref())?;
        let database_url = db
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| "sqlite://twofold-server.db".into());
        let default_key = sqlite_dir(&database_url).join("twofold-server.key");
        let pick =
            |flag: Option<&String>, file: &Option<String>| flag.cloned().or_else(|| file.clone());
        let kind = pick(serve.and_then(|s| s.delivery.as_ref()), &file.delivery)
            .unwrap_or_else(|| "outbox".into());
        let delivery = match kind.as_str() {
            "outbox" => DeliveryConfig::Outbox,
            "webhook" => {
                let url = pick(
                    serve.and_then(|s| s.webhook_url.as_ref()),
                    &file.webhook_url,
                )
                .context("delivery `webhook` needs --webhook-url (TWOFOLD_WEBHOOK_URL)")?;
                check_http_url("webhook URL", &url)?;
                DeliveryConfig::Webhook {
                    url,
                    secret: pick(
                        serve.and_then(|s| s.webhook_secret.as_ref()),
                        &file.webhook_secret,
                    ),
                }
            }
            "twilio" => {
                let need = |name: &str, flag: Option<&String>, file: &Option<String>| {
                    pick(flag, file).with_context(|| format!("delivery `twilio` needs --{name}"))
                };
                let base_url = pick(
                    serve.and_then(|s| s.twilio_base_url.as_ref()),
                    &file.twilio_base_url,
                )
                .unwrap_or_else(|| "https://api.twilio.com".into());
                check_http_url("Twilio base URL", &base_url)?;
                DeliveryConfig::Twilio(crate::delivery::TwilioSettings {
                    base_url,
                    account_sid: need(
                        "twilio-account-sid",
                        serve.and_then(|s| s.twilio_account_sid.as_ref()),
                        &file.twilio_account_sid,
                    )?,
                    auth_token: need(
                        "twilio-auth-token",
                        serve.and_then(|s| s.twilio_auth_token.as_ref()),
                        &file.twilio_auth_token,
                    )?,
                    from: need(
                        "twilio-from",
                        serve.and_then(|s| s.twilio_from.as_ref()),
                        &file.twilio_from,
                    )?,
                })
            }
            other => anyhow::bail!("delivery: `{other}` is not outbox, twilio or webhook"),
        };
        let proxies = match serve.map(|s| &s.trusted_proxies) {
            Some(list) if !list.is_empty() => list.clone(),
            _ => file.trusted_proxies.unwrap_or_default(),
        };
        let trusted_proxies = proxies
            .iter()
            .map(|p| parse_network(p.trim()))
            .collect::<Result<Vec<_>>>()?;
        let sync_text =
            pick(serve.and_then(|s| s.sync.as_ref()), &file.sync).unwrap_or_else(|| "off".into());
        let sync = crate::state::SyncMode::parse(&sync_text)
            .with_context(|| format!("sync: `{sync_text}` is not off, invite or open"))?;
        let drain_seconds = serve
            .and_then(|s| s.drain_seconds)
            .or(file.drain_seconds)
            .unwrap_or(0.0);
        if !(0.0..=300.0).contains(&drain_seconds) {
            anyhow::bail!("drain_seconds: {drain_seconds} is not between 0 and 300");
        }
        Ok(Self {
            sync,
            drain: std::time::Duration::from_secs_f64(drain_seconds),
            trusted_proxies,
            metrics_token: serve
                .and_then(|s| s.metrics_token.clone())
                .or(file.metrics_token)
                .filter(|t| !t.is_empty()),
            metrics_listen: serve.and_then(|s| s.metrics_listen).or(file.metrics_listen),
            listen: serve
                .and_then(|s| s.listen)
                .or(file.listen)
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            outbox: serve
                .and_then(|s| s.outbox.clone())
                .or(file.outbox)
                .unwrap_or_else(|| PathBuf::from("twofold-outbox.jsonl")),
            server_key_file: db
                .server_key_file
                .clone()
                .or(file.server_key_file)
                .unwrap_or(default_key),
            public_url: serve.and_then(|s| s.public_url.clone()).or(file.public_url),
            log_json: serve.is_some_and(|s| s.log_json) || file.log_json.unwrap_or(false),
            limits: {
                let mut l = crate::limits::LimitSettings::default();
                if let Some(n) = serve.and_then(|s| s.rate_per_ip).or(file.rate_per_ip) {
                    l.per_ip_per_second = n;
                    l.per_ip_burst = n.saturating_mul(2);
                }
                if let Some(n) = serve.and_then(|s| s.rate_per_key).or(file.rate_per_key) {
                    l.per_key_per_second = n;
                    l.per_key_burst = n.saturating_mul(2);
                }
                l
            },
            database_url,
            delivery,
            tls: match (
                serve.and_then(|s| s.tls_cert.clone()).or(file.tls_cert),
                serve.and_then(|s| s.tls_key.clone()).or(file.tls_key),
            ) {
                (Some(c), Some(k)) => Some((c, k)),
                (None, None) => None,
                _ => {
                    anyhow::bail!("TLS needs both a certificate (--tls-cert) and a key (--tls-key)")
                }
            },
        })
    }
}

/// An address or a CIDR network (`10.0.0.0/8`, `::1`).
fn parse_network(text: &str) -> Result<ipnet::IpNet> {
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| anyhow::anyhow!("trusted proxy: `{text}` is not an address or a network"))
}

fn check_http_url(what: &str, url: &str) -> Result<()> {
    let parsed = url::Url::parse(url).with_context(|| format!("{what}: `{url}` is not a URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        anyhow::bail!("{what}: `{url}` is not http or https");
    }
    Ok(())
}

/// The directory of an SQLite database file (where the key file goes by default).
fn sqlite_dir(url: &str) -> PathBuf {
    let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        return PathBuf::from(".");
    };
    let path = rest.split('?').next().unwrap_or("");
    match Path::new(path).parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
