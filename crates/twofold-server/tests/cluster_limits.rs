//! Limits that hold across replicas: three `twofold-server` processes on one PostgreSQL database,
//! attacked over real HTTP by clients that connect first and are released together, each
//! request sent to the next replica in turn. An attacker spreading requests over the replicas
//! must get no more than one server gives: the same number of judged guesses before the lock,
//! the same burst per API key and per address, the same cap of pending approval requests.
//! (Skipped, saying why, outside `cargo xtask test`, which starts PostgreSQL.)

mod support;

use std::time::Instant;

use serde_json::Value;
use support::{PgDb, Running, Together, count, start_with_args, together, totp};
use twofold_server::limits::{LimitSettings, Limits};
use twofold_server::store::Db;

/// Three replicas on one fresh database, started with these `serve` flags.
struct Cluster {
    replicas: Vec<Running>,
    _dirs: Vec<tempfile::TempDir>,
    _pg: PgDb,
}

impl Cluster {
    fn start(tag: &str, args: &[&str]) -> Option<Self> {
        let pg = PgDb::create(tag)?;
        let mut dirs = Vec::new();
        let mut replicas = Vec::new();
        for _ in 0..3 {
            let dir = tempfile::tempdir().unwrap();
            replicas.push(start_with_args(
                dir.path(),
                &pg.url,
                None,
                "127.0.0.1:0",
                &[],
                args,
            ));
            dirs.push(dir);
        }
        Some(Self {
            replicas,
            _dirs: dirs,
            _pg: pg,
        })
    }

    /// The replica that takes the `n`th request.
    fn base(&self, n: usize) -> String {
        self.replicas[n % self.replicas.len()].base.clone()
    }

    /// `n` copies of a request, spread over the replicas in turn.
    fn spread(
        &self,
        n: usize,
        method: &'static str,
        path: &str,
        headers: &[(&'static str, &str)],
    ) -> Vec<Together> {
        (0..n)
            .map(|i| Together {
                base: self.base(i),
                method,
                path: path.to_owned(),
                headers: headers.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
            })
            .collect()
    }

    async fn call(&self, n: usize, method: &str, path: &str) -> (u16, Value) {
        support::call(&reqwest::Client::new(), &self.base(n), method, path, None).await
    }

    /// A new user made through replica `n`; its id.
    async fn user(&self, n: usize, email: &str, phone: &str) -> i64 {
        let (s, b) = self
            .call(
                n,
                "POST",
                &format!(
                    "/protected/json/users/new?user[email]={email}&user[cellphone]={phone}&user[country_code]=1"
                ),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        b["user"]["id"].as_i64().unwrap()
    }
}

/// What one server allows in `elapsed` at `rate` per second with this burst (GCRA), plus one
/// for a refill landing at the edge.
fn one_server_allows(burst: usize, rate: f64, elapsed: std::time::Duration) -> usize {
    burst + (rate * elapsed.as_secs_f64()).ceil() as usize + 1
}

const HIGH: &[&str] = &["--rate-per-ip", "1000000", "--rate-per-key", "1000000"];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn guesses_over_three_replicas_lock_the_user_as_on_one() {
    let Some(c) = Cluster::start("clusterlock", HIGH) else {
        return;
    };
    let id = c.user(0, "a@example.com", "775-461-5609").await;
    let (s, b) = c
        .call(
            1,
            "POST",
            &format!("/protected/json/users/{id}/secret?label=Acme"),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let seed = support::secret_seed(&b);
    let first = totp(&seed, 6, 0);
    let (s, b) = c
        .call(
            2,
            "GET",
            &format!("/protected/json/verify/{first}/{id}?force=true"),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let requests: Vec<Together> = support::wrong_codes(&seed, 90)
        .into_iter()
        .enumerate()
        .map(|(i, g)| Together {
            base: c.base(i),
            method: "GET",
            path: format!("/protected/json/verify/{g}/{id}?force=true"),
            headers: Vec::new(),
        })
        .collect();
    let answers = together(requests).await;
    let judged = count(&answers, 401, "60020");
    let locked = count(&answers, 429, "60003");
    assert_eq!(
        (judged, judged + locked),
        (10, 90),
        "exactly the 10 guesses one server judges, the rest meet the lock: {answers:?}"
    );
    let right = totp(&seed, 6, 0);
    for n in 0..3 {
        let (s, b) = c
            .call(
                n,
                "GET",
                &format!("/protected/json/verify/{right}/{id}?force=true"),
            )
            .await;
        assert_eq!(
            (s, b["error_code"].as_str()),
            (429, Some("60003")),
            "the right code at replica {n} while locked: {b}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_api_key_limit_holds_across_replicas() {
    // 5 a second with a burst of 10, per key.
    let Some(c) = Cluster::start(
        "clusterkey",
        &["--rate-per-ip", "1000000", "--rate-per-key", "5"],
    ) else {
        return;
    };
    let started = Instant::now();
    let answers = together(c.spread(90, "GET", "/protected/json/app/details", &[])).await;
    let elapsed = started.elapsed();
    let allowed = answers.iter().filter(|(s, _)| *s == 200).count();
    let limited = count(&answers, 429, "60003");
    assert_eq!(allowed + limited, 90, "{answers:?}");
    assert!(
        allowed >= 10 && allowed <= one_server_allows(10, 5.0, elapsed),
        "three replicas let {allowed} requests of one key through in {elapsed:?}; one server \
         lets 10 through, plus 5 a second"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_address_limit_holds_across_replicas() {
    // 5 a second with a burst of 10, per client address, which the replicas read from the
    // proxy's X-Forwarded-For (as behind HAProxy).
    let Some(c) = Cluster::start(
        "clusterip",
        &[
            "--rate-per-ip",
            "5",
            "--rate-per-key",
            "1000000",
            "--trusted-proxy",
            "127.0.0.1",
        ],
    ) else {
        return;
    };
    let started = Instant::now();
    let answers = together(c.spread(
        45,
        "GET",
        "/protected/json/app/details",
        &[("X-Forwarded-For", "203.0.113.7")],
    ))
    .await;
    let elapsed = started.elapsed();
    let allowed = answers.iter().filter(|(s, _)| *s == 200).count();
    assert!(
        allowed <= one_server_allows(10, 5.0, elapsed),
        "three replicas let {allowed} requests of one address through in {elapsed:?}; one \
         server lets 10 through, plus 5 a second"
    );
    // Another address is not held back by the first one's.
    let answers = together(c.spread(
        3,
        "GET",
        "/protected/json/app/details",
        &[("X-Forwarded-For", "198.51.100.4")],
    ))
    .await;
    assert!(
        answers.iter().all(|(s, _)| *s == 200),
        "another address: {answers:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_pending_approval_cap_holds_across_replicas() {
    let Some(c) = Cluster::start("clusterpending", HIGH) else {
        return;
    };
    let id = c.user(0, "b@example.com", "775-461-5610").await;
    let answers = together(c.spread(
        30,
        "POST",
        &format!("/onetouch/json/users/{id}/approval_requests?message=Login"),
        &[],
    ))
    .await;
    let created = answers.iter().filter(|(s, _)| *s == 200).count();
    let limited = count(&answers, 429, "60003");
    assert_eq!(
        (created, created + limited),
        (3, 30),
        "a user has at most 3 pending requests, however many replicas are asked at once: \
         {answers:?}"
    );
}

/// The per-user approval limit and the per-address sync-space limit are counted in the
/// database: three replicas' limiters, asked at once, allow what one allows.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn approval_and_space_limits_are_counted_in_the_database() {
    let Some(pg) = PgDb::create("clustercounters") else {
        return;
    };
    let mut limits = Vec::new();
    for _ in 0..3 {
        let db = Db::connect(&pg.url).await.unwrap();
        limits.push(std::sync::Arc::new(
            Limits::new(LimitSettings::default()).counted_in(&db),
        ));
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(90));
    let tasks: Vec<_> = (0..90)
        .map(|i| {
            let limits = limits[i % 3].clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let approval = limits.allow_approval(42).await.unwrap();
                let space = limits
                    .allow_space("192.0.2.9".parse().unwrap())
                    .await
                    .unwrap();
                (approval, space)
            })
        })
        .collect();
    let mut approvals = 0;
    let mut spaces = 0;
    for t in tasks {
        let (a, s) = t.await.unwrap();
        approvals += usize::from(a);
        spaces += usize::from(s);
    }
    // Defaults: a burst of 10 approval requests per user (then 20 a minute), 3 spaces per
    // address (then 5 an hour); the test takes well under the three seconds a refill needs.
    assert_eq!(approvals, 10, "approval requests allowed for one user");
    assert_eq!(spaces, 3, "sync spaces allowed for one address");
    // Another user and another address have their own budgets.
    assert!(limits[0].allow_approval(43).await.unwrap());
    assert!(
        limits[1]
            .allow_space("192.0.2.10".parse().unwrap())
            .await
            .unwrap()
    );
    drop(pg);
}
