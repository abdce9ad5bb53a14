//! `cargo xtask cluster up|down|status`: on this machine, what an operator runs on several —
//! etcd, two PostgreSQL nodes under Patroni (synchronous replication), three `twofold-server`
//! replicas and HAProxy in front of both — from Debian's packages and the configuration files in
//! `deploy/`, rendered with local ports and folders. Its addresses, API key and processes are
//! written to `cluster.json` in its folder (`$TWOFOLD_CLUSTER_DIR`, else `cluster/` in the
//! target directory), which tests and benchmarks read. `$TWOFOLD_CLUSTER_SERVER` names a
//! `twofold-server` binary to run instead of building the release one;
//! `$TWOFOLD_CLUSTER_RATE_PER_IP` the per-address limit (default 100 a second);
//! `$TWOFOLD_CLUSTER_PROXIES` how many HAProxy processes share its addresses (default 1; more
//! hold more connections than one process's descriptor limit allows, as the push benchmark's
//! 30,000 devices need on this machine).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::packages::{self, Area};
use crate::shell;

const USAGE: &str = "usage: cargo xtask cluster up | down | status | kill NAME | stop NAME | start NAME | restart NAME
  (NAME: etcd, pg1, pg2, haproxy, twofold1, twofold2, twofold3)";

/// The local ports of each part (fixed, so that a trial cluster is easy to find).
const ETCD_CLIENT: u16 = 23791;
const ETCD_PEER: u16 = 23801;
const PATRONI_REST: [u16; 2] = [28001, 28002];
const PG_PORTS: [u16; 2] = [25431, 25432];
const PG_PROXY: u16 = 25430;
const HTTP_PROXY: u16 = 28787;
const STATS: u16 = 28404;
/// Most HAProxy processes (`$TWOFOLD_CLUSTER_PROXIES`); process k's statistics are on STATS + k.
const MAX_PROXIES: u16 = 8;
const REPLICAS: [u16; 3] = [28801, 28802, 28803];

/// The API key of the `Default` application the first replica creates.
pub const API_KEY: &str = "twofold-cluster-trial-api-key";

pub fn cluster(args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("up") => up(),
        Some("down") => down(),
        Some("status") => status(),
        Some(verb @ ("kill" | "stop" | "start" | "restart")) => match args.get(1) {
            Some(name) => one_part(verb, name),
            None => bail!("{USAGE}"),
        },
        _ => bail!("{USAGE}"),
    }
}

/// The cluster's folder.
pub fn dir() -> PathBuf {
    std::env::var_os("TWOFOLD_CLUSTER_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| shell::target_dir().join("cluster"))
}

fn as_root() -> bool {
    shell::output(Command::new("id").arg("-u")).is_ok_and(|s| s.trim() == "0")
}

/// The `postgres` user's uid and gid (PostgreSQL refuses to run as root).
fn postgres_ids() -> Result<(u32, u32)> {
    let uid = shell::output(Command::new("id").args(["-u", "postgres"]))?;
    let gid = shell::output(Command::new("id").args(["-g", "postgres"]))?;
    Ok((uid.trim().parse()?, gid.trim().parse()?))
}

fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut buf)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// A file of `deploy/` with its `{{NAME}}` placeholders filled in; a placeholder left over is an
/// error.
fn render(template: &str, values: &BTreeMap<&str, String>) -> Result<String> {
    let path = shell::root().join("deploy").join(template);
    let mut text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    for (name, value) in values {
        text = text.replace(&format!("{{{{{name}}}}}"), value);
    }
    if let Some(at) = text.find("{{") {
        let end = text[at..].find("}}").map_or(text.len(), |e| at + e + 2);
        bail!("{}: no value for {}", path.display(), &text[at..end]);
    }
    Ok(text)
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// One part of the cluster as `cluster.json` records it, so that it can be started again:
/// program, arguments, folder, environment, log, whether it runs as `postgres`, and where it
/// answers once ready (port and path, 200).
fn part(name: &str, cmd: &Command, log: &Path, as_postgres: bool, ready: (u16, &str)) -> Value {
    let text = |s: &std::ffi::OsStr| s.to_string_lossy().into_owned();
    json!({
        "name": name,
        "program": text(cmd.get_program()),
        "args": cmd.get_args().map(text).collect::<Vec<_>>(),
        "cwd": cmd.get_current_dir().map(|d| d.display().to_string()),
        "env": cmd
            .get_envs()
            .filter_map(|(k, v)| Some((text(k), text(v?))))
            .collect::<BTreeMap<_, _>>(),
        "log": log.display().to_string(),
        "as_postgres": as_postgres,
        "ready": {"port": ready.0, "path": ready.1},
    })
}

/// Starts a recorded part in the background (its output appended to its log, in a process
/// group of its own); its pid.
fn launch(part: &Value) -> Result<u32> {
    use std::os::unix::process::CommandExt;
    let field = |k: &str| part[k].as_str().unwrap_or_default().to_owned();
    let mut cmd = Command::new(field("program"));
    for a in part["args"].as_array().into_iter().flatten() {
        cmd.arg(a.as_str().unwrap_or_default());
    }
    if let Some(cwd) = part["cwd"].as_str() {
        cmd.current_dir(cwd);
    }
    for (k, v) in part["env"].as_object().into_iter().flatten() {
        cmd.env(k, v.as_str().unwrap_or_default());
    }
    let log = PathBuf::from(field("log"));
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .with_context(|| format!("opening {}", log.display()))?;
    cmd.stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out)
        .process_group(0);
    if part["as_postgres"].as_bool() == Some(true) && as_root() {
        let (uid, gid) = postgres_ids()?;
        cmd.uid(uid).gid(gid);
    }
    let child = cmd
        .spawn()
        .with_context(|| format!("starting {}", field("name")))?;
    Ok(child.id())
}

/// Waits until a part answers 200 where its record says it will.
fn wait_ready(part: &Value, limit: Duration) -> Result<()> {
    let port = part["ready"]["port"].as_u64().unwrap_or(0) as u16;
    let path = part["ready"]["path"].as_str().unwrap_or("/").to_owned();
    wait_for(part["name"].as_str().unwrap_or("?"), limit, || {
        get(port, &path).is_some_and(|(c, _)| c == 200)
    })
}

/// The status code and body of a GET on loopback (curl; `None` when nothing answers).
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let out = Command::new("curl")
        .args(["-s", "-m", "2", "-w", "\n%{http_code}"])
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n')?;
    let code: u16 = code.trim().parse().ok()?;
    (code != 0).then(|| (code, body.to_owned()))
}

fn wait_for(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) -> Result<()> {
    let started = Instant::now();
    while !ready() {
        if started.elapsed() > limit {
            bail!(
                "{what}: not ready after {} s (logs in {})",
                limit.as_secs(),
                dir().display()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!(
        "xtask: {what} ready ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|s| s.split_whitespace().nth(2) == Some("Z"))
}

fn read_state() -> Result<Value> {
    let path = dir().join("cluster.json");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "no cluster here ({} is missing): cargo xtask cluster up",
            path.display()
        )
    })?;
    Ok(serde_json::from_str(&text)?)
}

fn psql(password: &str, sql: &str) -> Result<String> {
    shell::output(
        Command::new("psql")
            .env("PGPASSWORD", password)
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &PG_PROXY.to_string(),
                "-U",
                "postgres",
            ])
            .args(["-d", "postgres", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql]),
    )
}

/// Starts the cluster; when a part fails to come up, stops what was started (its logs stay in
/// the folder).
fn up() -> Result<()> {
    let result = start();
    if result.is_err()
        && let Ok(state) = read_state()
    {
        stop_processes(&state);
    }
    result
}

/// Records what runs so far, for `down` and for a failed start's clean-up.
fn record(dir: &Path, state: &Value) -> Result<()> {
    write(
        &dir.join("cluster.json"),
        &serde_json::to_string_pretty(state)?,
    )
}

fn start() -> Result<()> {
    packages::ensure(Area::Cluster)?;
    let dir = dir();
    if let Ok(state) = read_state() {
        let running = state["processes"].as_object().is_some_and(|p| {
            p.values()
                .any(|pid| pid.as_u64().is_some_and(|p| alive(p as u32)))
        });
        if running {
            bail!(
                "a cluster is already up in {} (cargo xtask cluster down first)",
                dir.display()
            );
        }
    }
    let proxies = proxies()?;
    let ports = [ETCD_CLIENT, ETCD_PEER, PG_PROXY, HTTP_PROXY]
        .into_iter()
        .chain((0..proxies).map(|k| STATS + k))
        .chain(PATRONI_REST)
        .chain(PG_PORTS)
        .chain(REPLICAS);
    for port in ports {
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
            bail!("port {port} on 127.0.0.1 is taken (another cluster, or a left-over process?)");
        }
    }
    // The tests bring their own build of the server.
    let server = match std::env::var_os("TWOFOLD_CLUSTER_SERVER") {
        Some(bin) => PathBuf::from(bin),
        None => {
            shell::run(shell::cargo().args(["build", "--release", "-p", "twofold-server"]))?;
            shell::target_dir().join("release/twofold-server")
        }
    };
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let dir = std::fs::canonicalize(&dir)?;
    let as_postgres = as_root();
    let pg_bin = crate::postgres::find_bin()?;
    let superuser = random_hex(16)?;
    let replication = random_hex(16)?;
    let db_password = random_hex(16)?;
    let mut processes: BTreeMap<String, u32> = BTreeMap::new();
    let mut parts: BTreeMap<String, Value> = BTreeMap::new();
    let mut started = |part: Value| -> Result<Value> {
        let pid = launch(&part)?;
        let name = part["name"].as_str().unwrap_or_default().to_owned();
        processes.insert(name.clone(), pid);
        parts.insert(name, part.clone());
        record(&dir, &json!({ "processes": processes, "parts": parts }))?;
        Ok(part)
    };

    // etcd
    let etcd_dir = dir.join("etcd");
    std::fs::create_dir_all(&etcd_dir)?;
    let values = BTreeMap::from([
        ("ETCD_NAME", "etcd1".to_owned()),
        ("ETCD_DATA_DIR", etcd_dir.join("data").display().to_string()),
        ("ETCD_HOST", "127.0.0.1".to_owned()),
        ("ETCD_CLIENT_PORT", ETCD_CLIENT.to_string()),
        ("ETCD_PEER_PORT", ETCD_PEER.to_string()),
        (
            "ETCD_INITIAL_CLUSTER",
            format!("etcd1=http://127.0.0.1:{ETCD_PEER}"),
        ),
    ]);
    write(
        &etcd_dir.join("etcd.yml"),
        &render("etcd/etcd.yml", &values)?,
    )?;
    let mut etcd = Command::new("etcd");
    etcd.arg("--config-file").arg(etcd_dir.join("etcd.yml"));
    let etcd = started(part(
        "etcd",
        &etcd,
        &etcd_dir.join("log"),
        false,
        (ETCD_CLIENT, "/health"),
    ))?;
    wait_ready(&etcd, Duration::from_secs(30))?;

    // Two PostgreSQL nodes under Patroni; the first creates the cluster.
    for (i, name) in ["pg1", "pg2"].into_iter().enumerate() {
        let node = dir.join(name);
        std::fs::create_dir_all(&node)?;
        let values = BTreeMap::from([
            ("NAME", name.to_owned()),
            ("HOST", "127.0.0.1".to_owned()),
            ("REST_PORT", PATRONI_REST[i].to_string()),
            ("PG_PORT", PG_PORTS[i].to_string()),
            ("ETCD_HOSTS", format!("127.0.0.1:{ETCD_CLIENT}")),
            ("CLIENT_NETWORK", "127.0.0.1/32".to_owned()),
            ("DATA_DIR", node.join("data").display().to_string()),
            ("PG_BIN", pg_bin.display().to_string()),
            ("SOCKET_DIR", node.display().to_string()),
            ("REPLICATION_PASSWORD", replication.clone()),
            ("SUPERUSER_PASSWORD", superuser.clone()),
        ]);
        write(
            &node.join("patroni.yml"),
            &render("patroni/patroni.yml", &values)?,
        )?;
        if as_postgres {
            shell::run(
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(&node),
            )?;
        }
        let mut patroni = Command::new("patroni");
        patroni.arg(node.join("patroni.yml")).current_dir(&node);
        started(part(
            name,
            &patroni,
            &node.join("log"),
            true,
            (PATRONI_REST[i], "/health"),
        ))?;
        if i == 0 {
            wait_for("PostgreSQL primary (pg1)", Duration::from_secs(90), || {
                get(PATRONI_REST[0], "/primary").is_some_and(|(c, _)| c == 200)
            })?;
        }
    }
    wait_for(
        "synchronous standby (pg2)",
        Duration::from_secs(120),
        || get(PATRONI_REST[0], "/cluster").is_some_and(|(_, body)| body.contains("sync_standby")),
    )?;

    // HAProxy
    let proxy = dir.join("haproxy");
    std::fs::create_dir_all(&proxy)?;
    let replica_servers: Vec<String> = REPLICAS
        .iter()
        .enumerate()
        .map(|(i, port)| format!("    server twofold{} 127.0.0.1:{port} check", i + 1))
        .collect();
    let pg_servers: Vec<String> = (0..2)
        .map(|i| {
            format!(
                "    server pg{} 127.0.0.1:{} check port {}",
                i + 1,
                PG_PORTS[i],
                PATRONI_REST[i]
            )
        })
        .collect();
    // Process k (haproxy, haproxy2, …) differs only in its statistics port; the kernel spreads
    // connections to the shared addresses over them (SO_REUSEPORT, as HAProxy binds).
    for k in 0..proxies {
        let values = BTreeMap::from([
            ("MAXCONN", max_connections().to_string()),
            (
                "ERRORS_DIR",
                shell::root()
                    .join("deploy/haproxy/errors")
                    .display()
                    .to_string(),
            ),
            ("HTTP_BIND", format!("127.0.0.1:{HTTP_PROXY}")),
            ("PG_BIND", format!("127.0.0.1:{PG_PROXY}")),
            ("STATS_BIND", format!("127.0.0.1:{}", STATS + k)),
            ("REPLICA_SERVERS", replica_servers.join("\n")),
            ("PG_SERVERS", pg_servers.join("\n")),
        ]);
        let name = proxy_name(k);
        let config = proxy.join(format!("{name}.cfg"));
        write(&config, &render("haproxy/haproxy.cfg", &values)?)?;
        shell::output(Command::new("haproxy").args(["-c", "-f"]).arg(&config))
            .context("HAProxy refused its configuration")?;
        let mut haproxy = Command::new("haproxy");
        haproxy.args(["-db", "-f"]).arg(&config);
        started(part(
            &name,
            &haproxy,
            &proxy.join(format!("{name}.log")),
            false,
            (STATS + k, "/"),
        ))?;
    }
    // HAProxy counts a server up until its checks say otherwise: wait for them.
    wait_for("HAProxy to the primary", Duration::from_secs(30), || {
        let states = proxy_states();
        states.get("postgres_primary/pg1").map(String::as_str) == Some("UP")
            && states.get("postgres_primary/pg2").map(String::as_str) == Some("DOWN")
            && psql(&superuser, "SELECT 1").is_ok()
    })?;
    psql(
        &superuser,
        &format!("CREATE ROLE twofold LOGIN PASSWORD '{db_password}'"),
    )?;
    psql(&superuser, "CREATE DATABASE twofold OWNER twofold")?;

    // Three replicas; the first creates the schema, the server key and the application. The
    // per-address limit is the server's default unless a test, whose clients all share this
    // machine's address, asks for more.
    let rate_per_ip = std::env::var("TWOFOLD_CLUSTER_RATE_PER_IP").unwrap_or_else(|_| "100".into());
    let key_file = dir.join("twofold-server.key");
    for (i, port) in REPLICAS.iter().enumerate() {
        let name = format!("twofold{}", i + 1);
        let replica = dir.join(&name);
        std::fs::create_dir_all(&replica)?;
        let values = BTreeMap::from([
            ("LISTEN", format!("127.0.0.1:{port}")),
            ("DB_PASSWORD", db_password.clone()),
            ("PG_PROXY", format!("127.0.0.1:{PG_PROXY}")),
            ("SERVER_KEY_FILE", key_file.display().to_string()),
            ("PUBLIC_URL", format!("http://127.0.0.1:{HTTP_PROXY}")),
            ("PROXY_NETWORK", "127.0.0.1/32".to_owned()),
            ("RATE_PER_IP", rate_per_ip.clone()),
        ]);
        let config = replica.join("twofold-server.toml");
        write(&config, &render("twofold/twofold-server.toml", &values)?)?;
        let mut serve = Command::new(&server);
        serve
            .env("TWOFOLD_BOOTSTRAP_API_KEY", API_KEY)
            .env("RUST_LOG", "info")
            .arg("--config")
            .arg(&config)
            .args(["serve", "--outbox"])
            .arg(replica.join("outbox.jsonl"))
            .current_dir(&replica);
        let replica = started(part(
            &name,
            &serve,
            &replica.join("log"),
            false,
            (*port, "/readyz"),
        ))?;
        wait_ready(&replica, Duration::from_secs(60))?;
    }
    wait_for("HAProxy to the replicas", Duration::from_secs(30), || {
        let states = proxy_states();
        (1..=3).all(|i| {
            states
                .get(&format!("replicas/twofold{i}"))
                .map(String::as_str)
                == Some("UP")
        }) && get(HTTP_PROXY, "/healthz").is_some_and(|(c, _)| c == 200)
    })?;

    let state = json!({
        "api": format!("http://127.0.0.1:{HTTP_PROXY}"),
        "api_key": API_KEY,
        "database_proxy": format!("postgres://twofold:{db_password}@127.0.0.1:{PG_PROXY}/twofold"),
        "database_proxy_port": PG_PROXY,
        "superuser_password": superuser,
        "stats": format!("http://127.0.0.1:{STATS}/"),
        "replicas": REPLICAS.iter().map(|p| format!("http://127.0.0.1:{p}")).collect::<Vec<_>>(),
        "patroni": PATRONI_REST.iter().map(|p| format!("http://127.0.0.1:{p}")).collect::<Vec<_>>(),
        "postgres": PG_PORTS.iter().map(|p| format!("127.0.0.1:{p}")).collect::<Vec<_>>(),
        "etcd": format!("http://127.0.0.1:{ETCD_CLIENT}"),
        "server_binary": server.display().to_string(),
        "processes": processes,
        "parts": parts,
    });
    record(&dir, &state)?;
    println!(
        "The cluster is up: the API at http://127.0.0.1:{HTTP_PROXY} (API key {API_KEY}), \
         HAProxy's statistics at http://127.0.0.1:{STATS}/, everything else in {}",
        dir.join("cluster.json").display()
    );
    Ok(())
}

/// `$TWOFOLD_CLUSTER_PROXIES`: how many HAProxy processes (1 to 8).
fn proxies() -> Result<u16> {
    match std::env::var("TWOFOLD_CLUSTER_PROXIES") {
        Err(_) => Ok(1),
        Ok(v) => match v.trim().parse::<u16>() {
            Ok(n) if (1..=MAX_PROXIES).contains(&n) => Ok(n),
            _ => bail!(
                "TWOFOLD_CLUSTER_PROXIES: expected a number from 1 to {MAX_PROXIES}, got {v:?}"
            ),
        },
    }
}

/// The name of HAProxy process k: `haproxy`, then `haproxy2`, `haproxy3`, ….
fn proxy_name(k: u16) -> String {
    if k == 0 {
        "haproxy".to_owned()
    } else {
        format!("haproxy{}", k + 1)
    }
}

/// What HAProxy can hold with this process's descriptor limit (two per connection).
fn max_connections() -> u64 {
    let hard = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| {
            l.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(4).map(str::to_owned))
        })
        .and_then(|h| h.parse::<u64>().ok())
        .unwrap_or(4096);
    (hard.saturating_sub(200) / 2).clamp(1000, 100_000)
}

/// Stops every part (replicas first, etcd last; TERM, then KILL after 20 s) and deletes the
/// cluster's folder.
fn down() -> Result<()> {
    let dir = dir();
    let state = match read_state() {
        Ok(s) => s,
        Err(_) => {
            println!("No cluster in {}.", dir.display());
            return Ok(());
        }
    };
    stop_processes(&state);
    std::fs::remove_dir_all(&dir).with_context(|| format!("deleting {}", dir.display()))?;
    println!("The cluster is down and {} deleted.", dir.display());
    Ok(())
}

/// Stops every recorded process: replicas first, etcd last.
fn stop_processes(state: &Value) {
    let proxies = (0..MAX_PROXIES).rev().map(proxy_name);
    let order = ["twofold3", "twofold2", "twofold1"]
        .map(str::to_owned)
        .into_iter()
        .chain(proxies)
        .chain(["pg2", "pg1", "etcd"].map(str::to_owned));
    for name in order {
        let name = name.as_str();
        if let Some(pid) = state["processes"][name].as_u64() {
            stop_pid(name, pid as u32);
        }
    }
}

/// TERM, then KILL of its whole process group (Patroni's PostgreSQL too) after 20 s.
fn stop_pid(name: &str, pid: u32) {
    if !alive(pid) {
        return;
    }
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let started = Instant::now();
    while alive(pid) && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(100));
    }
    if alive(pid) {
        kill_group(pid);
    }
    eprintln!("xtask: {name} stopped");
}

/// SIGKILL to a part's process group and, for a PostgreSQL node, to its postmaster (Patroni
/// starts it in a session of its own): a machine lost.
fn kill_group(pid: u32) {
    let postmaster = std::fs::read_link(format!("/proc/{pid}/cwd"))
        .ok()
        .and_then(|cwd| std::fs::read_to_string(cwd.join("data/postmaster.pid")).ok())
        .and_then(|text| {
            text.lines()
                .next()
                .and_then(|l| l.trim().parse::<u32>().ok())
        });
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pid}")])
        .status();
    if let Some(postmaster) = postmaster {
        let _ = Command::new("kill")
            .args(["-KILL", &postmaster.to_string()])
            .status();
    }
    let started = Instant::now();
    while alive(pid) && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `kill`, `stop`, `start` or `restart` one part, as a fault or an operator's change.
fn one_part(verb: &str, name: &str) -> Result<()> {
    let mut state = read_state()?;
    let part = state["parts"][name].clone();
    if part.is_null() {
        bail!("no part named `{name}` in this cluster\n{USAGE}");
    }
    let pid = state["processes"][name].as_u64().map(|p| p as u32);
    let running = pid.is_some_and(alive);
    match verb {
        "kill" => match pid.filter(|p| alive(*p)) {
            Some(pid) => {
                kill_group(pid);
                eprintln!("xtask: {name} killed (SIGKILL)");
            }
            None => eprintln!("xtask: {name} is not running"),
        },
        "stop" => match pid {
            Some(pid) if running => stop_pid(name, pid),
            _ => eprintln!("xtask: {name} is not running"),
        },
        _ => {
            if verb == "restart"
                && let Some(pid) = pid
            {
                stop_pid(name, pid);
            } else if running {
                bail!("{name} is running (restart it, or stop it first)");
            }
            let pid = launch(&part)?;
            state["processes"][name] = json!(pid);
            record(&dir(), &state)?;
            wait_ready(&part, Duration::from_secs(90))?;
            // A replica is back when HAProxy sends it calls again: a rolling restart moves on
            // to the next one only then.
            let server = format!("replicas/{name}");
            if name.starts_with("twofold") && proxy_states().contains_key(&server) {
                wait_for("HAProxy to it", Duration::from_secs(30), || {
                    proxy_states().get(&server).map(String::as_str) == Some("UP")
                })?;
            }
        }
    }
    Ok(())
}

/// HAProxy's view of each server, `backend/server` → `UP`, `DOWN`, `MAINT`…
fn proxy_states() -> BTreeMap<String, String> {
    let Some((_, csv)) = get(STATS, "/;csv") else {
        return BTreeMap::new();
    };
    csv.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (f.len() > 17 && f[1] != "FRONTEND" && f[1] != "BACKEND")
                .then(|| (format!("{}/{}", f[0], f[1]), f[17].to_owned()))
        })
        .collect()
}

/// Each part: running or not, and what it says of itself.
fn status() -> Result<()> {
    let state = read_state()?;
    let processes = state["processes"].as_object().cloned().unwrap_or_default();
    let pid_of = |name: &str| {
        processes
            .get(name)
            .and_then(Value::as_u64)
            .map(|p| p as u32)
    };
    let running = |name: &str| pid_of(name).is_some_and(alive);
    let word = |up: bool| if up { "running" } else { "stopped" };
    println!("etcd       {}", word(running("etcd")));
    let members = PATRONI_REST
        .iter()
        .find_map(|p| get(*p, "/cluster"))
        .and_then(|(_, body)| serde_json::from_str::<Value>(&body).ok());
    for (i, name) in ["pg1", "pg2"].into_iter().enumerate() {
        let role = members
            .as_ref()
            .and_then(|m| m["members"].as_array().cloned())
            .unwrap_or_default()
            .into_iter()
            .find(|m| m["name"] == name)
            .map(|m| {
                format!(
                    "{} ({}, lag {})",
                    m["role"].as_str().unwrap_or("?"),
                    m["state"].as_str().unwrap_or("?"),
                    m["lag"].as_u64().unwrap_or(0)
                )
            })
            .unwrap_or_else(|| "not in the cluster".into());
        println!(
            "{name}        {}, 127.0.0.1:{}: {role}",
            word(running(name)),
            PG_PORTS[i]
        );
    }
    println!("haproxy    {}", word(running("haproxy")));
    for (server, state) in proxy_states() {
        println!("  {server}: {state}");
    }
    for (i, port) in REPLICAS.iter().enumerate() {
        let name = format!("twofold{}", i + 1);
        let ready = get(*port, "/readyz")
            .map_or("no answer".to_owned(), |(c, b)| format!("{c} {}", b.trim()));
        println!(
            "{name}   {}, 127.0.0.1:{port}: {ready}",
            word(running(&name))
        );
    }
    println!(
        "API        {} (key {})",
        state["api"].as_str().unwrap_or("?"),
        API_KEY
    );
    Ok(())
}
