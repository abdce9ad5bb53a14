//! The cluster under faults: `cargo xtask cluster up` (etcd, two PostgreSQL nodes under Patroni,
//! HAProxy, three replicas of this build of `twofold-server`); 120 users, each with a device
//! listening on the event stream through HAProxy (the `twofold-push` client) and approving every
//! request; the PyPI `authy` client as the website (`python/cluster_e2e.py`: verifies and
//! OneTouch requests from three threads, callbacks checked by the library). Meanwhile: a replica
//! killed with SIGKILL and started again, the PostgreSQL primary killed (Patroni promotes the
//! standby) and started again, then a rolling restart of the three replicas (eight more devices
//! keeping long polls in flight all through it). Then: every request
//! created reached its device exactly once as new; every acknowledged verify left its claim in
//! the database (checked within seconds, before the minute's pruning); every acknowledged
//! approval is stored approved and its callback arrived with a signature the library accepts;
//! no call hung; verifies failed only around the two kills (none in the rolling restart), and
//! the downtime of each kill is printed.
//!
//! Needs `cargo xtask test` (TWOFOLD_XTASK_BIN and TWOFOLD_XTASK_VENV); says so otherwise.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use twofold_push::client::{self, DeviceClient};
use twofold_push::protocol::{Decision, EnrollmentLink, RequestStatus};

/// Unix time now, in seconds with a fraction (the website's log uses the same).
fn unix_now() -> f64 {
    use twofold_core::clock::Clock;
    twofold_core::clock::SystemClock.since_epoch().as_secs_f64()
}

/// The cluster, brought up by xtask into a folder of its own and taken down when dropped.
struct Cluster {
    xtask: PathBuf,
    dir: tempfile::TempDir,
    state: Value,
}

impl Cluster {
    fn xtask(&self, args: &[&str]) {
        let out = Command::new(&self.xtask)
            .arg("cluster")
            .args(args)
            .env("TWOFOLD_CLUSTER_DIR", self.dir.path().join("cluster"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "cargo xtask cluster {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn up(xtask: PathBuf) -> Self {
        let dir = tempfile::tempdir().unwrap();
        // Patroni runs PostgreSQL as `postgres`, which must reach the cluster's folder.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut cluster = Self {
            xtask,
            dir,
            state: Value::Null,
        };
        let out = Command::new(&cluster.xtask)
            .args(["cluster", "up"])
            .env("TWOFOLD_CLUSTER_DIR", cluster.dir.path().join("cluster"))
            .env(
                "TWOFOLD_CLUSTER_SERVER",
                env!("CARGO_BIN_EXE_twofold-server"),
            )
            // The website and all 120 devices share this machine's one address.
            .env("TWOFOLD_CLUSTER_RATE_PER_IP", "2000")
            .output()
            .unwrap();
        if !out.status.success() {
            let logs = Command::new("sh")
                .arg("-c")
                .arg("tail -n 30 */log")
                .current_dir(cluster.dir.path().join("cluster"))
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default();
            panic!(
                "cargo xtask cluster up: {}\n{logs}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let text =
            std::fs::read_to_string(cluster.dir.path().join("cluster/cluster.json")).unwrap();
        cluster.state = serde_json::from_str(&text).unwrap();
        cluster
    }

    fn api(&self) -> String {
        self.state["api"].as_str().unwrap().to_owned()
    }

    fn key(&self) -> String {
        self.state["api_key"].as_str().unwrap().to_owned()
    }

    fn query(&self, sql: &str) -> Option<String> {
        query(&self.state, sql)
    }

    /// Whether Patroni names a node as the synchronous standby.
    fn standby_in_sync(&self) -> bool {
        let nodes = self.state["patroni"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        nodes.iter().filter_map(Value::as_str).any(|node| {
            Command::new("curl")
                .args(["-s", "-m", "2", &format!("{node}/cluster")])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("sync_standby"))
        })
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(&self.xtask)
            .args(["cluster", "down"])
            .env("TWOFOLD_CLUSTER_DIR", self.dir.path().join("cluster"))
            .output();
    }
}

/// One query through HAProxy to the primary of the cluster `state` describes, as the superuser:
/// its rows, `|`-separated; `None` when it failed (a switch-over).
fn query(state: &Value, sql: &str) -> Option<String> {
    let port = state["database_proxy_port"].to_string();
    let out = Command::new("psql")
        .env("PGPASSWORD", state["superuser_password"].as_str().unwrap())
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            "postgres",
            "-d",
            "twofold",
        ])
        .args(["-v", "ON_ERROR_STOP=1", "-At", "-c", sql])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

async fn call(http: &reqwest::Client, c: &Cluster, method: &str, path: &str) -> Value {
    let r = http
        .request(method.parse().unwrap(), format!("{}{path}", c.api()))
        .header("X-Authy-API-Key", c.key())
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert!(status.is_success(), "{method} {path}: {status} {body}");
    body
}

/// What the devices saw and did.
#[derive(Default)]
struct Devices {
    /// How many times each request arrived as pending.
    pending: HashMap<String, u32>,
    /// Requests whose approval the server acknowledged.
    approved: HashSet<String>,
}

/// A device that follows its stream through HAProxy for ever (reconnecting at once after a
/// clean end, after a failure with the client's own backoff — 0.5 s doubling to 30 s, with
/// jitter — resuming after the last event) and approves every request it sees pending,
/// retrying until the server takes the answer. (`DeviceClient::listen` would hide a request
/// delivered twice; this counts every delivery.)
fn listen(device: DeviceClient, seen: Arc<Mutex<Devices>>, jitter: u64) {
    tokio::spawn(async move {
        let mut last = None;
        let mut failures: u32 = 0;
        loop {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let mut on_event = move |e: twofold_push::protocol::Event| {
                let _ = tx.send(e);
            };
            let (answerer, counted) = (device.clone(), seen.clone());
            let answering = tokio::spawn(async move {
                while let Some(e) = rx.recv().await {
                    if e.request.status != RequestStatus::Pending {
                        continue;
                    }
                    *counted
                        .lock()
                        .unwrap()
                        .pending
                        .entry(e.request.uuid.clone())
                        .or_default() += 1;
                    let (device, seen, uuid) = (answerer.clone(), counted.clone(), e.request.uuid);
                    tokio::spawn(async move {
                        for _ in 0..120 {
                            match device.answer(&uuid, Decision::Approve, None).await {
                                Ok(o) => {
                                    if o.status == RequestStatus::Approved {
                                        seen.lock().unwrap().approved.insert(uuid);
                                    }
                                    return;
                                }
                                Err(e) if !e.is_transient() => return,
                                Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
                            }
                        }
                    });
                }
            });
            let result = device
                .stream_once(&mut last, &mut on_event, &mut || {})
                .await;
            // Every event the stream handed over is counted before the next connection.
            drop(on_event);
            let _ = answering.await;
            if result.is_err() {
                failures += 1;
                let base = (500u64 << failures.min(6)).min(30_000);
                tokio::time::sleep(Duration::from_millis(base + (jitter * 37) % (base / 2))).await;
            } else {
                failures = 0;
            }
        }
    });
}

/// Reads the website's log of calls.
fn ops(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// The verifies acknowledged so far whose claim has not been seen yet are looked up; those
/// found are crossed off. A claim is kept for its step and the next (then pruned), so each is
/// looked for within seconds of its acknowledgement.
fn check_claims(
    state: &Value,
    ops_path: &Path,
    checked: &mut HashSet<(i64, i64)>,
) -> Vec<(i64, i64)> {
    let wanted: Vec<(i64, i64)> = ops(ops_path)
        .iter()
        .filter(|o| o["kind"] == "verify" && o["ok"] == true)
        .map(|o| (o["user"].as_i64().unwrap(), o["step"].as_i64().unwrap()))
        .filter(|k| !checked.contains(k))
        .collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    let values: Vec<String> = wanted.iter().map(|(u, s)| format!("({u}, {s})")).collect();
    let sql = format!(
        "SELECT w.u, w.s FROM (VALUES {}) AS w(u, s) WHERE EXISTS (SELECT 1 FROM used_tokens t \
         WHERE t.user_id = w.u AND t.kind = 'authenticator' AND t.step BETWEEN w.s - 1 AND w.s + 1)",
        values.join(", ")
    );
    let Some(rows) = query(state, &sql) else {
        return wanted; // the database is switching over: look again soon
    };
    for row in rows.lines() {
        if let Some((u, s)) = row.split_once('|') {
            checked.insert((u.parse().unwrap(), s.parse().unwrap()));
        }
    }
    wanted
        .into_iter()
        .filter(|k| !checked.contains(k))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_cluster_survives_its_faults() {
    let (Some(xtask), Some(venv)) = (
        std::env::var_os("TWOFOLD_XTASK_BIN").map(PathBuf::from),
        std::env::var_os("TWOFOLD_XTASK_VENV").map(PathBuf::from),
    ) else {
        eprintln!("needs `cargo xtask test`, which provides xtask's cluster and the authy client");
        return;
    };
    let c = Cluster::up(xtask);
    let http = reqwest::Client::new();
    let work = c.dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();

    // 120 users, each with an authenticator seed and a device on the stream.
    let seen = Arc::new(Mutex::new(Devices::default()));
    let mut users = Vec::new();
    let mut pollers = Vec::new();
    for i in 0..120 {
        let body = call(
            &http,
            &c,
            "POST",
            &format!(
                "/protected/json/users/new?user[email]=c{i}@example.com&user[cellphone]=775-461-{:04}&user[country_code]=1",
                1000 + i
            ),
        )
        .await;
        let id = body["user"]["id"].as_i64().unwrap();
        let secret = call(
            &http,
            &c,
            "POST",
            &format!("/protected/json/users/{id}/secret"),
        )
        .await;
        let enrollment = call(
            &http,
            &c,
            "POST",
            &format!("/protected/json/users/{id}/devices/enrollments"),
        )
        .await;
        let link =
            EnrollmentLink::parse(enrollment["enrollment"]["uri"].as_str().unwrap()).unwrap();
        let (enrolled, key) = client::enroll(&link, &format!("device {i}"), "linux")
            .await
            .unwrap();
        let device = DeviceClient::new(
            &c.api(),
            &enrolled.device.uuid,
            key,
            twofold_core::clock::SystemClock::shared(),
        );
        if i % 15 == 0 {
            pollers.push(device.clone());
        }
        listen(device, seen.clone(), i);
        users.push(serde_json::json!({"id": id, "seed": secret["secret"]}));
    }
    let users_path = work.join("users.json");
    std::fs::write(&users_path, serde_json::to_string(&users).unwrap()).unwrap();

    // The website.
    let ops_path = work.join("ops.jsonl");
    let callbacks_path = work.join("callbacks.jsonl");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/cluster_e2e.py");
    let mut website = Command::new(venv.join("bin/python"))
        .arg(script)
        .env("TWOFOLD_API", c.api())
        .env("TWOFOLD_API_KEY", c.key())
        .env("TWOFOLD_SERVER_BIN", env!("CARGO_BIN_EXE_twofold-server"))
        .env(
            "TWOFOLD_DATABASE_URL",
            c.state["database_proxy"].as_str().unwrap(),
        )
        .env("TWOFOLD_USERS", &users_path)
        .env("TWOFOLD_OPS", &ops_path)
        .env("TWOFOLD_CALLBACKS", &callbacks_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = BufReader::new(website.stdout.take().unwrap()).lines();
    assert_eq!(said.next().unwrap().unwrap(), "ready");
    let mut to_website = website.stdin.take().unwrap();

    // Claims are looked for every second, on a thread of their own.
    let checking = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let missing_claims = {
        let checking = checking.clone();
        let c_state = c.state.clone();
        let ops_path = ops_path.clone();
        std::thread::spawn(move || {
            let mut checked = HashSet::new();
            let mut overdue: BTreeMap<(i64, i64), Instant> = BTreeMap::new();
            let mut lost = Vec::new();
            loop {
                let done = !checking.load(std::sync::atomic::Ordering::Relaxed);
                let missing = check_claims(&c_state, &ops_path, &mut checked);
                let now = Instant::now();
                overdue.retain(|k, _| missing.contains(k));
                for k in missing {
                    let first = *overdue.entry(k).or_insert(now);
                    // Long enough for a switch-over, short of the pruning of its step.
                    if now.duration_since(first) > Duration::from_secs(25) && !lost.contains(&k) {
                        lost.push(k);
                    }
                }
                if done {
                    return lost;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        })
    };

    // The faults, on a schedule; each fault's window is when calls may fail.
    let t0 = unix_now();
    let mut windows: Vec<(&str, f64, f64)> = Vec::new();
    let step_to = |t: f64| async move {
        let wait = t0 + t - unix_now();
        if wait > 0.0 {
            tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        }
    };
    step_to(10.0).await;
    let kill = unix_now();
    c.xtask(&["kill", "twofold2"]);
    windows.push(("replica killed", kill - 0.5, unix_now() + 2.0));
    step_to(20.0).await;
    c.xtask(&["start", "twofold2"]);
    step_to(30.0).await;
    let primary_kill = unix_now();
    c.xtask(&["kill", "pg1"]);
    // Back when a write through HAProxy succeeds again.
    loop {
        if c.query(
            "CREATE TABLE IF NOT EXISTS fault_probe (n int); INSERT INTO fault_probe VALUES (1)",
        )
        .is_some()
        {
            break;
        }
        assert!(
            unix_now() - primary_kill < 60.0,
            "no new primary after 60 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    windows.push(("primary killed", primary_kill - 0.5, unix_now() + 3.0));
    tokio::time::sleep(Duration::from_secs(5)).await;
    c.xtask(&["start", "pg1"]);
    let since = Instant::now();
    while !c.standby_in_sync() {
        assert!(
            since.elapsed() < Duration::from_secs(60),
            "pg1 did not rejoin"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // The rolling restart, with eight devices more synchronised to keep long polls (1 s) in
    // flight all through it, so that calls are under way on each replica as it is taken out.
    let bursting = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let start_line = Arc::new(tokio::sync::Barrier::new(pollers.len() + 1));
    let mut burst = Vec::new();
    for device in pollers.clone() {
        let (bursting, start_line) = (bursting.clone(), start_line.clone());
        burst.push(tokio::spawn(async move {
            let (mut after, mut calls, mut failed) = (0, 0usize, Vec::new());
            start_line.wait().await;
            while bursting.load(std::sync::atomic::Ordering::Relaxed) {
                calls += 1;
                match device.poll(after, 1).await {
                    Ok(r) => after = r.last,
                    Err(e) => failed.push(format!("a device's long poll: {e}")),
                }
            }
            (calls, failed)
        }));
    }
    start_line.wait().await;
    let rolling = unix_now();
    for replica in ["twofold1", "twofold2", "twofold3"] {
        c.xtask(&["restart", replica]);
    }
    let rolled = unix_now();
    bursting.store(false, std::sync::atomic::Ordering::Relaxed);
    let (mut burst_calls, mut burst_failed) = (0, Vec::new());
    for client in burst {
        let (calls, failed) = client.await.unwrap();
        burst_calls += calls;
        burst_failed.extend(failed);
    }
    eprintln!(
        "rolling restart: {burst_calls} long polls, {} failed",
        burst_failed.len()
    );
    let during_rolling = ops(&ops_path)
        .iter()
        .filter(|o| o["kind"] == "verify")
        .filter(|o| {
            o["end"]
                .as_f64()
                .is_some_and(|end| end >= rolling && end <= rolled)
        })
        .count();
    eprintln!(
        "rolling restart: {:.1} s, {during_rolling} verifies in it",
        rolled - rolling
    );
    assert!(
        during_rolling >= 10,
        "too few verifies during the rolling restart to judge it"
    );
    tokio::time::sleep(Duration::from_secs(10)).await;
    writeln!(to_website, "stop").unwrap();
    assert_eq!(said.next().unwrap().unwrap(), "stopped");
    // Answers and callbacks settle.
    let created: Vec<String> = ops(&ops_path)
        .iter()
        .filter(|o| o["kind"] == "created")
        .map(|o| o["uuid"].as_str().unwrap().to_owned())
        .collect();
    let settle = Instant::now();
    loop {
        let approved = seen.lock().unwrap().approved.clone();
        let called: HashSet<String> = ops(&callbacks_path)
            .iter()
            .filter(|c| c["valid"] == true && c["status"] == "approved")
            .filter_map(|c| c["uuid"].as_str().map(str::to_owned))
            .collect();
        if created
            .iter()
            .all(|u| approved.contains(u) && called.contains(u))
            || settle.elapsed() > Duration::from_secs(60)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    checking.store(false, std::sync::atomic::Ordering::Relaxed);
    let lost_claims = missing_claims.join().unwrap();
    drop(to_website);
    let _ = website.wait();

    // What happened.
    let all = ops(&ops_path);
    let calls: Vec<&Value> = all.iter().filter(|o| o["kind"] != "created").collect();
    let verifies: Vec<&Value> = calls
        .iter()
        .copied()
        .filter(|o| o["kind"] == "verify")
        .collect();
    let ok_verifies = verifies.iter().filter(|o| o["ok"] == true).count();
    eprintln!(
        "{} calls ({} verifies, {ok_verifies} valid; {} approval requests created)",
        calls.len(),
        verifies.len(),
        created.len()
    );
    // Downtime of each kill: the longest stretch without a successful call around it.
    let mut ok_times: Vec<f64> = calls
        .iter()
        .filter(|o| o["ok"] == true)
        .map(|o| o["end"].as_f64().unwrap())
        .collect();
    ok_times.sort_by(f64::total_cmp);
    for (name, from, to) in &windows {
        let gap = ok_times
            .windows(2)
            .filter(|w| w[1] >= *from && w[0] <= *to)
            .map(|w| w[1] - w[0])
            .fold(0.0, f64::max);
        let failed = calls
            .iter()
            .filter(|o| o["ok"] != true)
            .filter(|o| {
                o["end"]
                    .as_f64()
                    .is_some_and(|end| end >= *from && end <= *to)
            })
            .count();
        eprintln!("{name}: {gap:.2} s without a successful call, {failed} calls failed");
    }

    let mut problems = Vec::new();
    if burst_calls < 40 {
        problems.push(format!(
            "only {burst_calls} long polls in the rolling restart"
        ));
    }
    for failure in burst_failed.iter().take(5) {
        problems.push(format!("failed during the rolling restart: {failure}"));
    }
    for o in &calls {
        if o["end"].is_null() {
            problems.push(format!("a call hung: {o}"));
            continue;
        }
        let (start, end) = (o["start"].as_f64().unwrap(), o["end"].as_f64().unwrap());
        if end - start > 15.0 {
            problems.push(format!("a call took {:.1} s: {o}", end - start));
        }
        if o["ok"] == true {
            continue;
        }
        let status = o["status"].as_i64().unwrap_or(0);
        let in_window = windows
            .iter()
            .any(|(_, from, to)| end >= *from && start <= *to);
        if start <= rolled && end >= rolling {
            problems.push(format!("failed during the rolling restart: {o}"));
        } else if !in_window {
            problems.push(format!("failed outside every fault: {o}"));
        } else if ![502, 503].contains(&status) {
            problems.push(format!("a failure other than a clean 502/503: {o}"));
        } else if o["body"]["error_code"].is_null() {
            problems.push(format!("an error outside Authy's envelope: {o}"));
        }
    }
    for (user, step) in &lost_claims {
        problems.push(format!(
            "an acknowledged verify (user {user}, step {step}) left no claim in the database"
        ));
    }
    let seen = seen.lock().unwrap();
    for uuid in &created {
        match seen.pending.get(uuid) {
            Some(1) => {}
            Some(n) => problems.push(format!(
                "request {uuid} reached its device {n} times as new"
            )),
            None => problems.push(format!("request {uuid} never reached its device")),
        }
    }
    let stored = c
        .query("SELECT uuid, status FROM approval_requests")
        .unwrap_or_default();
    let stored: HashMap<&str, &str> = stored.lines().filter_map(|l| l.split_once('|')).collect();
    let callbacks = ops(&callbacks_path);
    for uuid in &created {
        if !stored.contains_key(uuid.as_str()) {
            problems.push(format!(
                "acknowledged request {uuid} is not in the database"
            ));
        }
    }
    for uuid in &seen.approved {
        if stored.get(uuid.as_str()) != Some(&"approved") {
            problems.push(format!("acknowledged approval of {uuid} is not stored"));
        }
        let mine: Vec<&Value> = callbacks
            .iter()
            .filter(|c| c["uuid"] == *uuid.as_str())
            .collect();
        if !mine
            .iter()
            .any(|c| c["status"] == "approved" && c["valid"] == true)
        {
            problems.push(format!(
                "no callback with a valid signature for {uuid}: {mine:?}"
            ));
        }
    }
    if let Some(bad) = callbacks.iter().find(|c| c["valid"] != true) {
        problems.push(format!("a callback the library rejects: {bad}"));
    }
    assert!(
        ok_verifies > 100 && created.len() > 50,
        "too little load to judge: {ok_verifies} verifies, {} requests",
        created.len()
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
