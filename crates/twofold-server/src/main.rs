//! `twofold-server`: serve the Authy-compatible API, and manage applications (create, list, set).

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use twofold_core::clock::{SharedClock, SystemClock};
use twofold_server::config::{Config, DbArgs, DeliveryConfig, ServeArgs};
use twofold_server::crypto::{self, Purpose, ServerKey};
use twofold_server::delivery::Delivery;
use twofold_server::limits::Limits;
use twofold_server::state::{AppState, Policy};
use twofold_server::store::{Backend, Db};

/// jemalloc, with its background thread: memory freed after a burst of connections (a replica's
/// restart sends its devices to the others at once) goes back to the system within seconds;
/// glibc's allocator keeps it in the resident set at the burst's high-water mark for good.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Debug, Parser)]
#[command(
    name = "twofold-server",
    version,
    about = "A self-hostable server that speaks the Authy REST API"
)]
struct Cli {
    #[command(flatten)]
    db: DbArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (creates a "Default" application on an empty database).
    Serve(Box<ServeArgs>),
    /// Manage applications (tenants).
    App {
        #[command(subcommand)]
        action: AppAction,
    },
    /// Sync spaces (a person's computers sharing their accounts, end-to-end encrypted).
    Sync {
        #[command(subcommand)]
        action: SyncAction,
    },
}

#[derive(Debug, Subcommand)]
enum SyncAction {
    /// Print a one-time link (and its QR code) that lets one person create a sync space, on a
    /// server started with `--sync invite`.
    Invite {
        /// The server's address as the person's computers reach it (default: the configured
        /// public URL).
        #[arg(long)]
        server: Option<String>,
        /// How long the link works, in hours.
        #[arg(long, default_value_t = 72)]
        hours: u32,
    },
}

#[derive(Debug, Subcommand)]
enum AppAction {
    /// Create an application and print its API key (shown only this once).
    Create {
        /// The application's name (shown in messages).
        #[arg(long)]
        name: String,
        /// Digits of app tokens (6–8).
        #[arg(long, default_value_t = 7)]
        token_length: u8,
    },
    /// List applications.
    List,
    /// Change an application's settings.
    Set {
        /// The application's name.
        name: String,
        /// OneTouch callback URL (empty to remove).
        #[arg(long)]
        callback_url: Option<String>,
        /// OneTouch callback method.
        #[arg(long, value_parser = ["GET", "POST"])]
        callback_method: Option<String>,
        /// Digits of app tokens (6–8).
        #[arg(long)]
        token_length: Option<u8>,
        /// SMS on or off.
        #[arg(long)]
        sms: Option<bool>,
        /// Voice calls on or off.
        #[arg(long)]
        calls: Option<bool>,
        /// Email tokens on or off.
        #[arg(long)]
        email: Option<bool>,
        /// OneTouch on or off.
        #[arg(long)]
        onetouch: Option<bool>,
        /// Replace the API key and print the new one.
        #[arg(long)]
        rotate_key: bool,
        /// Authy's quirk: `verify` without `force=true` accepts any token for a user who never
        /// verified. Off by default (every token is checked); turn on only for a site that
        /// relies on it (`--authy-unverified-quirk false` turns it off again).
        #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
        authy_unverified_quirk: Option<bool>,
    },
}

fn main() {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("twofold-server: error: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = runtime.block_on(run(cli)) {
        eprintln!(
            "twofold-server: error: {}",
            format!("{e:#}").replace('\n', " ")
        );
        std::process::exit(1);
    }
}

/// Unix seconds now on `clock`.
fn now(clock: &SharedClock) -> i64 {
    i64::try_from(clock.unix_seconds()).unwrap_or(i64::MAX)
}

fn check_token_length(n: u8) -> Result<()> {
    if !(6..=8).contains(&n) {
        bail!("token length: {n} is outside 6–8");
    }
    Ok(())
}

async fn run(cli: Cli) -> Result<()> {
    // The server's one clock, passed to everything that needs the time.
    let clock = SystemClock::shared();
    match cli.command {
        Command::Serve(args) => {
            let config = Config::resolve(&cli.db, Some(args.as_ref()))?;
            serve(config, clock).await
        }
        Command::App { action } => {
            let config = Config::resolve(&cli.db, None)?;
            let db = Db::connect(&config.database_url)
                .await
                .context("opening the database")?;
            app_command(&db, &config, action, &clock).await
        }
        Command::Sync { action } => {
            let config = Config::resolve(&cli.db, None)?;
            let db = Db::connect(&config.database_url)
                .await
                .context("opening the database")?;
            sync_command(&db, &config, action, &clock).await
        }
    }
}

async fn sync_command(
    db: &Db,
    config: &Config,
    action: SyncAction,
    clock: &SharedClock,
) -> Result<()> {
    match action {
        SyncAction::Invite { server, hours } => {
            let server = server
                .or_else(|| config.public_url.clone())
                .context("pass --server with the address computers reach this server at")?;
            if hours == 0 || hours > 24 * 90 {
                bail!("hours: {hours} is outside 1–2160");
            }
            let id = uuid::Uuid::new_v4().to_string();
            let secret = twofold_push::protocol::random_b64(32)?;
            let now = now(clock);
            db.insert_sync_invite(
                &id,
                &crypto::hash(&secret),
                now,
                now + i64::from(hours) * 3600,
            )
            .await?;
            let link = twofold_push::sync_protocol::SyncLink {
                server: server.trim_end_matches('/').to_owned(),
                admission: twofold_push::sync_protocol::Admission::Invite {
                    id,
                    secret: zeroize::Zeroizing::new(secret),
                },
            };
            let uri = link.to_uri();
            // Checked like the client will: a wrong --server fails here, not on their computer.
            twofold_push::sync_protocol::SyncLink::parse(&uri)
                .map_err(|e| anyhow::anyhow!("--server: {e}"))?;
            if config.sync != twofold_server::state::SyncMode::Invite {
                eprintln!(
                    "note: this server's configuration does not say `sync = \"invite\"` (or \
                     --sync invite); the link works only on a server started that way"
                );
            }
            println!("{uri}");
            if let Ok(art) = twofold_core::qr::encode_terminal(&uri) {
                println!("{art}");
            }
            println!(
                "Works once, for {hours} hours: `twofold sync join LINK` on the first computer."
            );
            Ok(())
        }
    }
}

/// The server key: `TWOFOLD_SERVER_KEY`, else the key file — created only for a database that
/// holds nothing sealed yet, and always checked against the database, so that a second key (a
/// key file made by a command run elsewhere) is refused with a clear error instead of leaving
/// seeds and API keys that nothing can open.
async fn server_key(db: &Db, config: &Config) -> Result<ServerKey> {
    let path = &config.server_key_file;
    let key = match std::env::var("TWOFOLD_SERVER_KEY") {
        Ok(hex) if !hex.is_empty() => ServerKey::from_hex(&hex)?,
        _ if !path.exists() && db.count_apps().await? > 0 => bail!(
            "the server key file {} does not exist, but this database already holds data sealed \
             with a server key: use the key file `serve` uses (--server-key-file or \
             TWOFOLD_SERVER_KEY_FILE), or TWOFOLD_SERVER_KEY",
            path.display()
        ),
        _ => ServerKey::load_or_create(path)?,
    };
    let mismatch = || {
        anyhow::anyhow!(
            "the server key ({}) is not the one this database was sealed with: use the key file \
             `serve` uses (--server-key-file or TWOFOLD_SERVER_KEY_FILE), or TWOFOLD_SERVER_KEY",
            if std::env::var_os("TWOFOLD_SERVER_KEY").is_some() {
                "TWOFOLD_SERVER_KEY".to_owned()
            } else {
                path.display().to_string()
            }
        )
    };
    match db.meta(KEY_CHECK).await? {
        Some(sealed) if key.open(Purpose::KeyCheck, &sealed).is_none() => return Err(mismatch()),
        Some(_) => {}
        None => {
            // Databases from before the check: an application's sealed API key must open.
            let apps = db.list_apps().await?;
            if let Some(sealed) = apps.iter().find_map(|a| a.api_key_sealed.as_ref())
                && key.open(Purpose::ApiKey, sealed).is_none()
            {
                return Err(mismatch());
            }
            db.set_meta_once(
                KEY_CHECK,
                &key.seal(Purpose::KeyCheck, KEY_CHECK.as_bytes()),
            )
            .await?;
        }
    }
    Ok(key)
}

/// The name and purpose of the value that ties the server key to its database.
const KEY_CHECK: &str = "server key check";

async fn app_command(
    db: &Db,
    config: &Config,
    action: AppAction,
    clock: &SharedClock,
) -> Result<()> {
    match action {
        AppAction::Create { name, token_length } => {
            check_token_length(token_length)?;
            if db.app_by_name(&name).await?.is_some() {
                bail!("an application named `{name}` already exists");
            }
            let key = crypto::new_api_key();
            let sealed = server_key(db, config)
                .await?
                .seal(Purpose::ApiKey, key.as_bytes());
            db.create_app(
                &name,
                &crypto::hash(&key),
                Some(&sealed),
                token_length,
                now(clock),
            )
            .await?;
            println!("Created application `{name}`. Its API key (shown only now):\n{key}");
        }
        AppAction::List => {
            println!(
                "{:<4}  {:<24}  {:<6}  {:<5}  {:<5}  CALLBACK",
                "ID", "NAME", "DIGITS", "SMS", "CALLS"
            );
            for a in db.list_apps().await? {
                println!(
                    "{:<4}  {:<24}  {:<6}  {:<5}  {:<5}  {}",
                    a.id,
                    a.name,
                    a.token_length,
                    a.sms_enabled,
                    a.calls_enabled,
                    a.callback_url
                        .map(|u| format!("{} {u}", a.callback_method))
                        .unwrap_or_else(|| "-".into())
                );
            }
        }
        AppAction::Set {
            name,
            callback_url,
            callback_method,
            token_length,
            sms,
            calls,
            email,
            onetouch,
            rotate_key,
            authy_unverified_quirk,
        } => {
            let mut app = db
                .app_by_name(&name)
                .await?
                .with_context(|| format!("no application named `{name}`"))?;
            if let Some(url) = callback_url {
                if url.is_empty() {
                    app.callback_url = None;
                } else {
                    let parsed =
                        url::Url::parse(&url).with_context(|| format!("callback URL `{url}`"))?;
                    if !matches!(parsed.scheme(), "http" | "https") {
                        bail!("callback URL: `{url}` is not http or https");
                    }
                    app.callback_url = Some(url);
                }
            }
            if let Some(m) = callback_method {
                app.callback_method = m;
            }
            if let Some(n) = token_length {
                check_token_length(n)?;
                app.token_length = n;
            }
            app.sms_enabled = sms.unwrap_or(app.sms_enabled);
            app.calls_enabled = calls.unwrap_or(app.calls_enabled);
            app.email_enabled = email.unwrap_or(app.email_enabled);
            app.onetouch_enabled = onetouch.unwrap_or(app.onetouch_enabled);
            app.authy_unverified_quirk =
                authy_unverified_quirk.unwrap_or(app.authy_unverified_quirk);
            let new_key = rotate_key.then(crypto::new_api_key);
            if let Some(k) = &new_key {
                app.api_key_hash = crypto::hash(k);
                app.api_key_sealed = Some(
                    server_key(db, config)
                        .await?
                        .seal(Purpose::ApiKey, k.as_bytes()),
                );
            }
            db.update_app(&app).await?;
            println!("Updated application `{name}`.");
            if let Some(k) = new_key {
                println!("Its new API key (shown only now):\n{k}");
            }
        }
    }
    Ok(())
}

async fn serve(config: Config, clock: SharedClock) -> Result<()> {
    init_logging(config.log_json);
    let db = Db::connect(&config.database_url)
        .await
        .with_context(|| format!("opening the database {}", redact_url(&config.database_url)))?;
    let key = server_key(&db, &config).await?;
    bootstrap_default_app(&db, &key, &clock).await?;
    let state = app_state(&config, db, key, clock);
    start_background_work(&state, &config).await?;
    let handle = axum_server::Handle::new();
    stop_on_signal(&state, handle.clone(), config.drain);
    announce_when_listening(&config, handle.clone());
    listen(&config, &state, handle).await?;
    hand_back(&state).await;
    tracing::info!("stopped");
    Ok(())
}

/// A new database gets an application, `Default`, with the key from
/// `TWOFOLD_BOOTSTRAP_API_KEY` or a new one printed once.
async fn bootstrap_default_app(db: &Db, key: &ServerKey, clock: &SharedClock) -> Result<()> {
    if db.count_apps().await? > 0 {
        return Ok(());
    }
    let (api_key, shown) = match std::env::var("TWOFOLD_BOOTSTRAP_API_KEY") {
        Ok(k) if !k.trim().is_empty() => (k.trim().to_owned(), false),
        _ => (crypto::new_api_key(), true),
    };
    let sealed = key.seal(Purpose::ApiKey, api_key.as_bytes());
    db.create_app(
        "Default",
        &crypto::hash(&api_key),
        Some(&sealed),
        7,
        now(clock),
    )
    .await?;
    if shown {
        println!("Created application `Default`. Its API key (shown only now):\n{api_key}");
    } else {
        println!("Created application `Default` with the key from TWOFOLD_BOOTSTRAP_API_KEY.");
    }
    Ok(())
}

/// What every handler shares, from the configuration.
fn app_state(config: &Config, db: Db, key: ServerKey, clock: SharedClock) -> AppState {
    let delivery = match config.delivery.clone() {
        DeliveryConfig::Outbox => Delivery::outbox(config.outbox.clone()),
        DeliveryConfig::Webhook { url, secret } => Delivery::webhook(url, secret),
        DeliveryConfig::Twilio(settings) => Delivery::twilio(settings, config.outbox.clone()),
    };
    let policy = Policy {
        public_url: config.public_url.clone(),
        https: config.tls.is_some(),
        metrics_token: config.metrics_token.clone(),
        trusted_proxies: config.trusted_proxies.clone(),
        sync: config.sync,
        ..Policy::default()
    };
    let limits = Limits::new(config.limits).counted_in(&db);
    AppState::new(db, key, delivery, policy, limits).with_clock(clock)
}

/// Runs `step` every `period` for as long as the server runs.
fn every<F, Fut>(period: std::time::Duration, mut step: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            step().await;
        }
    });
}

/// The work beside requests: PostgreSQL notifications between servers, the callback worker,
/// the metrics port, expiring approval requests, saving usage counters, pruning.
async fn start_background_work(state: &AppState, config: &Config) -> Result<()> {
    if state.db.backend() == Backend::Postgres {
        tokio::spawn(twofold_server::hub::listen_postgres(
            state.hub.clone(),
            config.database_url.clone(),
        ));
    }
    tokio::spawn(twofold_server::callbacks::run(state.clone()));
    if let Some(addr) = config.metrics_listen {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("metrics listener on {addr}"))?;
        let metrics = twofold_server::api::metrics_router(state.clone());
        tracing::info!(%addr, "metrics served");
        tokio::spawn(async move { axum::serve(listener, metrics).await });
    }
    // Pending approval requests past their lifetime become expired (devices drop them).
    let sweeper = state.clone();
    every(std::time::Duration::from_secs(2), move || {
        let state = sweeper.clone();
        async move {
            twofold_server::api::expire_overdue(&state).await;
        }
    });
    let usage = state.db.clone();
    every(std::time::Duration::from_secs(5), move || {
        let db = usage.clone();
        async move {
            if let Err(e) = db.flush_usage().await {
                tracing::warn!(error = %e, "usage counters not saved");
            }
        }
    });
    let housekeeping = state.clone();
    every(std::time::Duration::from_secs(60), move || {
        let state = housekeeping.clone();
        async move {
            state.limits.shrink();
            let now = state.now();
            let oldest = twofold_server::api::oldest_usable_step(now);
            match state.db.prune(oldest, now).await {
                Ok(n) if n > 0 => tracing::debug!(rows = n, "expired rows pruned"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "pruning expired rows failed"),
            }
        }
    });
    Ok(())
}

/// On SIGTERM or Ctrl+C: `/readyz` answers 503 while the server goes on serving for the drain
/// time (a load balancer takes it out); then device streams end with a reconnect hint (devices
/// reconnect to another server, or after the restart), new connections are refused and
/// requests in flight get ten seconds.
fn stop_on_signal(
    state: &AppState,
    handle: axum_server::Handle<std::net::SocketAddr>,
    drain: std::time::Duration,
) {
    let state = state.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        state
            .draining
            .store(true, std::sync::atomic::Ordering::Relaxed);
        if !drain.is_zero() {
            tracing::info!(seconds = drain.as_secs_f64(), "draining");
            tokio::time::sleep(drain).await;
        }
        state.hub.close_streams();
        handle.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
    });
}

/// Prints the address once the port is open (tests and scripts wait for this line).
fn announce_when_listening(config: &Config, handle: axum_server::Handle<std::net::SocketAddr>) {
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    tokio::spawn(async move {
        if let Some(addr) = handle.listening().await {
            println!("twofold-server listening on {scheme}://{addr}");
            tracing::info!(%addr, "serving");
        }
    });
}

/// Serves the API (over TLS when configured) until the graceful stop ends.
async fn listen(
    config: &Config,
    state: &AppState,
    handle: axum_server::Handle<std::net::SocketAddr>,
) -> Result<()> {
    let app = twofold_server::router(state.clone()).layer(axum::extract::DefaultBodyLimit::max(
        twofold_server::call::MAX_BODY,
    ));
    let service = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    match &config.tls {
        Some((cert, key)) => {
            let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .with_context(|| {
                    format!(
                        "TLS certificate {} and key {}",
                        cert.display(),
                        key.display()
                    )
                })?;
            axum_server::bind_rustls(config.listen, tls)
                .handle(handle)
                .serve(service)
                .await
        }
        None => {
            axum_server::bind(config.listen)
                .handle(handle)
                .serve(service)
                .await
        }
    }
    .with_context(|| format!("serving on {}", config.listen))
}

/// After the stop: callbacks this server was attempting become due again at once (for the
/// next server), and the usage counters are saved.
async fn hand_back(state: &AppState) {
    let released = twofold_server::callbacks::release_leases(state).await;
    if released > 0 {
        tracing::info!(callbacks = released, "callback leases handed back");
    }
    if let Err(e) = state.db.flush_usage().await {
        tracing::warn!(error = %e, "usage counters not saved");
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

fn init_logging(json: bool) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
