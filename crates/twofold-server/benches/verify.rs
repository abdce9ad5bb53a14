//! `verify` throughput and latency over keep-alive loopback connections (wrk), beside a bare axum
//! endpoint that performs one TOTP check and no database work — the practical limit here. Every
//! request of the `verify` run is a fresh valid code of a different user, so each one does the
//! full work: API key lookup, user and device lookup, seed decryption, TOTP window and the
//! replay-protection insert. The users have logged in before (registered), as on a site in steady state, so a
//! success does not also change the user row.
//!
//! Prints Markdown rows on stdout. `--quick` runs shorter.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::routing::get;
use twofold_core::otp::{Algorithm, Method, OtpParams};
use twofold_server::crypto::{self, ServerKey};
use twofold_server::delivery::Delivery;
use twofold_server::limits::{LimitSettings, Limits};
use twofold_server::state::{AppState, Policy};
use twofold_server::store::Db;

const KEY: &str = "bench-api-key";
const THREADS: usize = 2;
const CONNECTIONS: usize = 32;

struct Run {
    rps: f64,
    p50: String,
    p99: String,
    non_2xx: u64,
    total: u64,
}

fn wrk(url: &str, paths: &Path, seconds: u64) -> Run {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/verify.lua");
    let out = Command::new("wrk")
        .args([
            "-t",
            &THREADS.to_string(),
            "-c",
            &CONNECTIONS.to_string(),
            "-d",
            &format!("{seconds}s"),
            "--latency",
            "-s",
        ])
        .arg(&script)
        .arg(url)
        .env("TWOFOLD_PATHS", paths)
        .env("TWOFOLD_KEY", KEY)
        .env("TWOFOLD_THREADS", THREADS.to_string())
        .output()
        .expect("wrk runs (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |prefix: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix).map(|r| r.trim().to_owned()))
            .unwrap_or_default()
    };
    let total = text
        .lines()
        .find_map(|l| {
            l.split_whitespace()
                .next()
                .filter(|_| l.contains("requests in"))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0);
    Run {
        rps: field("Requests/sec:").parse().unwrap_or(0.0),
        p50: field("50%"),
        p99: field("99%"),
        non_2xx: field("Non-2xx or 3xx responses:").parse().unwrap_or(0),
        total,
    }
}

/// Unix seconds now, on the system clock.
fn now() -> i64 {
    twofold_core::clock::Clock::unix_seconds(&twofold_core::clock::SystemClock) as i64
}

/// The floor: the same TOTP check as `verify` (7 digits, one step either side), no database.
async fn bare_verify(
    State(seeds): State<Arc<Vec<Vec<u8>>>>,
    UrlPath((token, id)): UrlPath<(String, usize)>,
) -> StatusCode {
    let params = OtpParams::new(Method::Totp { period: 30 }, Algorithm::Sha1, 7).unwrap();
    let Some(seed) = seeds.get(id) else {
        return StatusCode::NOT_FOUND;
    };
    let step = now() as u64 / 30;
    let ok = [step - 1, step, step + 1]
        .into_iter()
        .any(|s| params.code_for_counter(seed, s).as_str() == token);
    if ok {
        StatusCode::OK
    } else {
        StatusCode::UNAUTHORIZED
    }
}

/// Writes `seeds.len()` registered users, each with one enrolled device whose own seed makes the
/// codes (the app seed is read only for legacy devices), a thousand rows per statement.
async fn populate(db: &Db, key: &ServerKey, seeds: &[Vec<u8>]) {
    let mut tx = db.pool().begin().await.unwrap();
    for (chunk_index, chunk) in seeds.chunks(1000).enumerate() {
        let first = chunk_index * 1000;
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                format!(
                    "(1, ${}, 1, ${}, ${}, 1, 0)",
                    3 * i + 1,
                    3 * i + 2,
                    3 * i + 3
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO users (app_id, email, country_code, cellphone, app_seed, registered, created_at) VALUES {}",
            rows.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for i in 0..chunk.len() {
            q = q
                .bind(format!("u{}@example.com", first + i))
                .bind(format!("{:010}", 2_000_000_000u64 + (first + i) as u64))
                .bind(key.seal(
                    twofold_server::crypto::Purpose::AppSeed,
                    &crypto::random_bytes(20),
                ));
        }
        q.execute(&mut *tx).await.unwrap();
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                format!(
                    "(${}, 'twofold', 'linux', 0, ${}, ${}, 'bench', ${})",
                    4 * i + 1,
                    4 * i + 2,
                    4 * i + 3,
                    4 * i + 4
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO devices (user_id, device_type, os_type, created_at, uuid, public_key, name, totp_seed) VALUES {}",
            rows.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (i, seed) in chunk.iter().enumerate() {
            q = q
                .bind((first + i) as i64 + 1)
                .bind(format!("device-{}", first + i))
                .bind(vec![0u8; 32])
                .bind(key.seal(twofold_server::crypto::Purpose::DeviceSeed, seed));
        }
        q.execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// A `verify` server over `db` on a loopback port; its address.
async fn serve(db: Db, key: ServerKey, dir: &Path) -> std::net::SocketAddr {
    let state = AppState::new(
        db,
        key,
        Delivery::outbox(dir.join("outbox.jsonl")),
        Policy::default(),
        Limits::new(LimitSettings {
            per_key_per_second: 1_000_000,
            per_key_burst: 1_000_000,
            per_ip_per_second: 1_000_000,
            per_ip_burst: 1_000_000,
            ..LimitSettings::default()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, twofold_server::router(state)).await });
    addr
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    // Alternating rounds (bare, verify, bare, verify, …) so that a busy moment of this shared
    // machine does not land on one side only; each verify round uses its own users (no replays).
    let (users, seconds, rounds) = if quick {
        (150_000usize, 1u64, 3usize)
    } else {
        (600_000, 4, 3)
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    rt.block_on(async {
        let db = Db::connect(&format!("sqlite://{}", dir.path().join("bench.db").display())).await.unwrap();
        db.create_app("Bench", &crypto::hash(KEY), None, 7, 0).await.unwrap();
        let key = ServerKey::from_hex(&"cd".repeat(32)).unwrap();
        let seeds: Vec<Vec<u8>> = (0..users).map(|_| crypto::random_bytes(20)).collect();
        populate(&db, &key, &seeds).await;
        let real_addr = serve(db, key.clone(), dir.path()).await;
        // The same users on PostgreSQL (`cargo xtask bench server` starts one on these cores).
        let pg_addr = match std::env::var("TWOFOLD_BENCH_POSTGRES_URL") {
            Ok(url) => {
                let db = Db::connect(&url).await.unwrap();
                db.create_app("Bench", &crypto::hash(KEY), None, 7, 0).await.unwrap();
                populate(&db, &key, &seeds).await;
                // A site in steady state has replay-protection claims of its users' recent logins
                // (and statistics that say so; an empty table's plan would be a sequential scan).
                sqlx::query("INSERT INTO used_tokens (step, user_id, kind, used_at) SELECT 1, id, 'app', 0 FROM users")
                    .execute(db.pool())
                    .await
                    .unwrap();
                sqlx::query("ANALYZE").execute(db.pool()).await.unwrap();
                Some(serve(db, key, dir.path()).await)
            }
            Err(_) => None,
        };
        let seeds = Arc::new(seeds);
        let bare_app = Router::new().route("/verify/{token}/{id}", get(bare_verify)).with_state(seeds.clone());
        let bare = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let bare_addr = bare.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(bare, bare_app).await });

        // Codes for the current step, made just before each round (the ±1 window keeps them
        // valid through it). Verify round r asks for the users of the r-th share.
        let params = OtpParams::new(Method::Totp { period: 30 }, Algorithm::Sha1, 7).unwrap();
        let share = users / rounds;
        let mut bare_runs = Vec::new();
        let mut real_runs = Vec::new();
        let mut pg_runs = Vec::new();
        for r in 0..rounds {
            let t = now() as u64;
            let codes: Vec<String> = seeds.iter().map(|s| params.code_at(s, t).to_string()).collect();
            let bare_paths = dir.path().join(format!("bare{r}.txt"));
            let real_paths = dir.path().join(format!("real{r}.txt"));
            std::fs::write(&bare_paths, codes.iter().enumerate().map(|(i, c)| format!("/verify/{c}/{i}\n")).collect::<String>()).unwrap();
            std::fs::write(
                &real_paths,
                codes.iter().enumerate().skip(r * share).take(share).map(|(i, c)| format!("/protected/json/verify/{c}/{}?force=true\n", i + 1)).collect::<String>(),
            )
            .unwrap();
            bare_runs.push(tokio::task::spawn_blocking(move || wrk(&format!("http://{bare_addr}"), &bare_paths, seconds)).await.unwrap());
            let paths = real_paths.clone();
            real_runs.push(tokio::task::spawn_blocking(move || wrk(&format!("http://{real_addr}"), &paths, seconds)).await.unwrap());
            if let Some(pg_addr) = pg_addr {
                pg_runs.push(tokio::task::spawn_blocking(move || wrk(&format!("http://{pg_addr}"), &real_paths, seconds)).await.unwrap());
            }
        }
        let mean = |runs: &[Run]| runs.iter().map(|r| r.rps).sum::<f64>() / runs.len() as f64;
        let (bare_rps, real_rps) = (mean(&bare_runs), mean(&real_runs));
        let ratios: Vec<f64> = bare_runs.iter().zip(&real_runs).map(|(b, r)| r.rps / b.rps.max(1.0)).collect();
        // Latencies of the round whose ratio is the median.
        let mut order: Vec<usize> = (0..rounds).collect();
        order.sort_by(|a, b| ratios[*a].total_cmp(&ratios[*b]));
        let mid = order[rounds / 2];
        let (bare_run, real_run) = (&bare_runs[mid], &real_runs[mid]);
        let sum = |runs: &[Run], f: fn(&Run) -> u64| runs.iter().map(f).sum::<u64>();
        println!("| benchmark | requests/s | p50 | p99 | non-2xx | reference in the same run |");
        println!("|---|---:|---:|---:|---:|---|");
        println!(
            "| Bare axum endpoint: one TOTP check, no database (the floor) | {:.0} | {} | {} | {} of {} | |",
            bare_rps, bare_run.p50, bare_run.p99, sum(&bare_runs, |r| r.non_2xx), sum(&bare_runs, |r| r.total)
        );
        println!(
            "| `verify` (SQLite): key, user and device lookup, seed decryption, ±1 window, replay-protection write | {:.0} | {} | {} | {} of {} | **{:.2}×** the bare endpoint (goal ≥ 0.5×); rounds {} |",
            real_rps,
            real_run.p50,
            real_run.p99,
            sum(&real_runs, |r| r.non_2xx),
            sum(&real_runs, |r| r.total),
            real_rps / bare_rps.max(1.0),
            ratios.iter().map(|x| format!("{x:.2}×")).collect::<Vec<_>>().join(", ")
        );
        if !pg_runs.is_empty() {
            let pg_rps = mean(&pg_runs);
            let pg_ratios: Vec<f64> = real_runs.iter().zip(&pg_runs).map(|(s, p)| p.rps / s.rps.max(1.0)).collect();
            let pg_run = &pg_runs[mid];
            println!(
                "| `verify` (PostgreSQL, same users and codes): user and seeds read, and the decision made, each in a batch with the attempts queued beside it (one query; one call and one commit) | {:.0} | {} | {} | {} of {} | **{:.2}×** `verify` on SQLite (goal ≥ 0.7×), {:.2}× the bare endpoint; rounds {} |",
                pg_rps,
                pg_run.p50,
                pg_run.p99,
                sum(&pg_runs, |r| r.non_2xx),
                sum(&pg_runs, |r| r.total),
                pg_rps / real_rps.max(1.0),
                pg_rps / bare_rps.max(1.0),
                pg_ratios.iter().map(|x| format!("{x:.2}×")).collect::<Vec<_>>().join(", ")
            );
        }
        println!(
            "\n{rounds} alternating rounds of {seconds} s each (bare, `verify` on SQLite{}); requests/s are the means over the rounds, latencies those of the median round.",
            if pg_runs.is_empty() { "" } else { ", `verify` on PostgreSQL" }
        );
        if real_runs.iter().any(|r| r.total > share as u64) {
            println!("\nNote: a round made more requests than its share of users; the surplus were replays (refused, still counted).");
        }
    });
}
