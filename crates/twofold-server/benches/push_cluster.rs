//! Push delivery across a cluster: many devices hold the event stream through HAProxy, which
//! spreads them over three `twofold-server` replicas (release build) on PostgreSQL; approval
//! requests are created through HAProxy too, so a request is usually created on a replica other
//! than the one its device listens on (and reaches it by `NOTIFY`). Each sample is the time from
//! the create call's response to the event at the device. Also reports the replicas' and
//! HAProxy's resident memory per connected device.
//!
//! Runs against a cluster that `cargo xtask cluster up` started: `--cluster <cluster.json>`,
//! `--devices N` (default 30,000), `--requests N` (default 1,000). The devices live in worker
//! processes of this binary (`--worker`), at most 10,000 each: one process may hold only so many
//! connections (this machine allows 20,000 descriptors a process), and each worker connects from
//! its own loopback address, so that no address pair runs out of ports. Prints Markdown.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use twofold_push::client::DeviceClient;
use twofold_push::protocol::{DeviceKey, Event, PublicKey};
use twofold_server::crypto::{self, Purpose, ServerKey};

mod common;
use common::{arg, ms, percentile, raise_fd_limit, rss_kib, text_arg};

/// Most devices one worker process holds.
const PER_WORKER: usize = 10_000;

/// Device `i`'s key, the same in the parent (which enrols it) and the worker (which signs).
fn device_key(i: usize) -> DeviceKey {
    let mut seed = [0x5au8; 32];
    seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
    DeviceKey::from_seed(&seed)
}

fn device_uuid(i: usize) -> String {
    format!("00000000-0000-4000-8000-{i:012}")
}

/// Now on the system clock, in nanoseconds since the epoch: the parent's create times and the
/// workers' arrival times are compared across processes.
fn unix_nanos() -> u128 {
    use twofold_core::clock::{Clock, SystemClock};
    SystemClock.since_epoch().as_nanos()
}

fn main() {
    if std::env::args().any(|a| a == "--worker") {
        worker();
    } else {
        parent();
    }
}

/// A worker: devices `--from`..`--to` listen on `--api` from `--local-ip`; prints `open` for
/// each stream opened and `event <request uuid> <unix ns>` for each event, until killed.
fn worker() {
    raise_fd_limit();
    let api = text_arg("--api").expect("--api");
    let from = arg("--from", 0);
    let to = arg("--to", 0);
    let ip: std::net::IpAddr = text_arg("--local-ip")
        .expect("--local-ip")
        .parse()
        .expect("an IP address");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        // One HTTP client for all: over HTTP/1 it opens a connection for each request in
        // flight, so each device still has its own connection (building 10,000 clients would
        // cost the machine more than the devices do).
        let http = reqwest::Client::builder()
            .local_address(ip)
            .connect_timeout(Duration::from_secs(30))
            .http1_only()
            .build()
            .unwrap();
        for i in from..to {
            let http = http.clone();
            let client = DeviceClient::new(
                &api,
                &device_uuid(i),
                device_key(i),
                twofold_core::clock::SystemClock::shared(),
            )
            .with_http(http);
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut last = None;
                let events = tx.clone();
                let mut on_event = move |e: Event| {
                    let _ = events.send(format!("event {} {}", e.request.uuid, unix_nanos()));
                };
                let mut on_open = move || {
                    let _ = tx.send("open".to_owned());
                };
                if let Err(e) = client
                    .stream_once(&mut last, &mut on_event, &mut on_open)
                    .await
                {
                    eprintln!("device {i}: {e}");
                }
            });
        }
        drop(tx);
        let mut out = std::io::stdout().lock();
        while let Some(line) = rx.recv().await {
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    });
}

/// Worker processes, killed when dropped.
struct Workers(Vec<Child>);

impl Drop for Workers {
    fn drop(&mut self) {
        for w in &mut self.0 {
            let _ = w.kill();
            let _ = w.wait();
        }
    }
}

enum Report {
    Open,
    Event(String, u128),
}

fn parent() {
    let devices = arg("--devices", 30_000);
    let requests = arg("--requests", 1_000).min(devices);
    let cluster_file = PathBuf::from(text_arg("--cluster").expect("--cluster <cluster.json>"));
    let cluster: Value =
        serde_json::from_str(&std::fs::read_to_string(&cluster_file).expect("cluster.json"))
            .expect("cluster.json is JSON");
    let api = cluster["api"].as_str().expect("api").to_owned();
    let api_key = cluster["api_key"].as_str().expect("api_key").to_owned();
    let pid_of = |name: &str| cluster["processes"][name].as_u64().map(|p| p as u32);
    let replicas: Vec<u32> = (1..=3)
        .filter_map(|i| pid_of(&format!("twofold{i}")))
        .collect();
    let proxies: Vec<u32> = std::iter::once("haproxy".to_owned())
        .chain((2..=8).map(|k| format!("haproxy{k}")))
        .filter_map(|n| pid_of(&n))
        .collect();
    let rss = |pids: &[u32]| pids.iter().map(|p| rss_kib(*p)).sum::<u64>();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (base, users) = rt.block_on(enrol(&cluster, &cluster_file, devices));

    let rss_idle = (rss(&replicas), rss(&proxies));
    let exe = std::env::current_exe().unwrap();
    let (tx, reports) = mpsc::channel::<Report>();
    let mut workers = Workers(Vec::new());
    for (w, from) in (0..devices).step_by(PER_WORKER).enumerate() {
        let mut child = Command::new(&exe)
            .args(["--worker", "--api", &api])
            .args(["--from", &(base + from).to_string()])
            .args([
                "--to",
                &(base + (from + PER_WORKER).min(devices)).to_string(),
            ])
            .args(["--local-ip", &format!("127.0.0.{}", 2 + w)])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("a worker starts");
        let out = child.stdout.take().unwrap();
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let report = match line.split_whitespace().collect::<Vec<_>>()[..] {
                    ["open"] => Report::Open,
                    ["event", uuid, at] => Report::Event(uuid.to_owned(), at.parse().unwrap_or(0)),
                    _ => continue,
                };
                if tx.send(report).is_err() {
                    break;
                }
            }
        });
        workers.0.push(child);
    }
    let connect_started = Instant::now();
    let mut opened = 0;
    let mut arrivals: HashMap<String, u128> = HashMap::new();
    while opened < devices {
        match reports.recv_timeout(Duration::from_secs(1)) {
            Ok(Report::Open) => opened += 1,
            Ok(Report::Event(uuid, at)) => {
                arrivals.entry(uuid).or_insert(at);
            }
            Err(_) => {}
        }
        assert!(
            connect_started.elapsed() < Duration::from_secs(900),
            "only {opened} of {devices} streams opened"
        );
    }
    let connect_time = connect_started.elapsed();
    // At rest: the burst of connections is over and the allocators have settled.
    std::thread::sleep(Duration::from_secs(15));
    let rss_open = (rss(&replicas), rss(&proxies));

    // Requests to users spread over all devices, paced ~200 a second, through HAProxy (so
    // created on any replica).
    let created: HashMap<String, u128> = rt.block_on(async {
        let http = reqwest::Client::new();
        let mut created = HashMap::new();
        for k in 0..requests {
            let user = users[k * devices / requests];
            let r = http
                .post(format!(
                    "{api}/onetouch/json/users/{user}/approval_requests"
                ))
                .header("X-Authy-API-Key", &api_key)
                .json(&json!({"message": "Login requested", "details": {"username": "bench"}}))
                .send()
                .await
                .expect("the create call");
            let done = unix_nanos();
            let body: Value = r.json().await.expect("a JSON answer");
            let uuid = body["approval_request"]["uuid"]
                .as_str()
                .unwrap_or_else(|| panic!("created: {body}"))
                .to_owned();
            created.insert(uuid, done);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        created
    });
    let deadline = Instant::now() + Duration::from_secs(15);
    while created.keys().any(|u| !arrivals.contains_key(u)) && Instant::now() < deadline {
        if let Ok(Report::Event(uuid, at)) = reports.recv_timeout(Duration::from_millis(100)) {
            arrivals.entry(uuid).or_insert(at);
        }
    }
    drop(workers);

    let mut early = 0;
    let mut latencies: Vec<Duration> = created
        .iter()
        .filter_map(|(uuid, done)| {
            let at = *arrivals.get(uuid)?;
            if at < *done {
                early += 1;
            }
            Some(Duration::from_nanos(at.saturating_sub(*done) as u64))
        })
        .collect();
    latencies.sort();
    let per_device = |now: u64, before: u64| now.saturating_sub(before) as f64 / devices as f64;
    println!(
        "| devices | replicas | HAProxy processes | requests (received) | p50 | p99 | max | goal |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---|");
    println!(
        "| {devices} | {} | {} | {} ({}) | {} | {} | {} | p99 ≤ 20 ms |",
        replicas.len(),
        proxies.len(),
        created.len(),
        latencies.len(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(percentile(&latencies, 1.0)),
    );
    println!(
        "\nMemory (RSS, 15 s after the last stream opened): the three replicas {:.1} MiB before, \
         {:.1} MiB with {devices} streams open: **{:.1} KiB per connected device** (goal ≤ 8 KiB); \
         HAProxy {:.1} MiB before, {:.1} MiB after: {:.1} KiB per device. {devices} streams \
         opened in {:.1} s. {early} of {} events reached their device before the create call's \
         response did (counted as 0 ms).",
        rss_idle.0 as f64 / 1024.0,
        rss_open.0 as f64 / 1024.0,
        per_device(rss_open.0, rss_idle.0),
        rss_idle.1 as f64 / 1024.0,
        rss_open.1 as f64 / 1024.0,
        per_device(rss_open.1, rss_idle.1),
        connect_time.as_secs_f64(),
        latencies.len(),
    );
    assert_eq!(latencies.len(), created.len(), "every request arrived");
}

/// Users base..base+n, each with device i, written straight into the cluster's database
/// (enrolling 30,000 devices is not the point): the base (past every user already there, so
/// that the benchmark can run again on the same cluster) and their ids in order.
async fn enrol(cluster: &Value, cluster_file: &std::path::Path, n: usize) -> (usize, Vec<i64>) {
    let url = cluster["database_proxy"].as_str().expect("database_proxy");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(url)
        .await
        .expect("the cluster's database");
    let key_file = cluster_file
        .parent()
        .expect("the cluster's folder")
        .join("twofold-server.key");
    let server_key = ServerKey::load_or_create(&key_file).expect("the cluster's server key");
    let app: i64 = sqlx::query_scalar("SELECT id FROM apps ORDER BY id LIMIT 1")
        .fetch_one(&pool)
        .await
        .expect("the cluster's application");
    let base: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM users")
        .fetch_one(&pool)
        .await
        .expect("the users so far");
    let base = base as usize;
    let mut ids = Vec::with_capacity(n);
    for chunk in (base..base + n).collect::<Vec<_>>().chunks(5_000) {
        let emails: Vec<String> = chunk
            .iter()
            .map(|i| format!("push{i}@example.com"))
            .collect();
        let phones: Vec<String> = chunk
            .iter()
            .map(|i| format!("{:010}", 3_000_000_000u64 + *i as u64))
            .collect();
        let seeds: Vec<Vec<u8>> = chunk
            .iter()
            .map(|_| server_key.seal(Purpose::AppSeed, &crypto::random_bytes(20)))
            .collect();
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "INSERT INTO users (app_id, email, country_code, cellphone, app_seed, registered, created_at) \
             SELECT $1, e, 1, c, s, 1, 0 FROM UNNEST($2::text[], $3::text[], $4::bytea[]) AS t(e, c, s) \
             RETURNING id, email",
        )
        .bind(app)
        .bind(&emails)
        .bind(&phones)
        .bind(&seeds)
        .fetch_all(&pool)
        .await
        .expect("users inserted");
        let by_email: HashMap<String, i64> = rows.into_iter().map(|(id, e)| (e, id)).collect();
        let users: Vec<i64> = emails.iter().map(|e| by_email[e]).collect();
        let uuids: Vec<String> = chunk.iter().map(|i| device_uuid(*i)).collect();
        let keys: Vec<Vec<u8>> = chunk
            .iter()
            .map(|i| {
                PublicKey::parse(&device_key(*i).public_b64())
                    .unwrap()
                    .to_bytes()
                    .to_vec()
            })
            .collect();
        sqlx::query(
            "INSERT INTO devices (user_id, device_type, os_type, created_at, uuid, public_key, name) \
             SELECT u, 'twofold', 'bench', 0, d, k, 'bench' FROM UNNEST($1::bigint[], $2::text[], $3::bytea[]) AS t(u, d, k)",
        )
        .bind(&users)
        .bind(&uuids)
        .bind(&keys)
        .execute(&pool)
        .await
        .expect("devices inserted");
        ids.extend(users);
    }
    (base, ids)
}
