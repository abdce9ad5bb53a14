//! Soak: many devices (default 10,000) hold the event stream of the real `twofold-server` binary
//! (release, SQLite) for a long time (default 10 minutes). Every minute a tenth of them drop
//! their connection and reconnect, resuming after their last event; approval requests arrive
//! steadily all along (default 20 a second, round-robin over the users). Each minute the
//! server's resident memory, open descriptors, threads and its own count of open streams are
//! sampled. At the end: memory growth over the measured minutes, after a warm-up (every stream
//! reconnected twice quickly, then ten minutes of the regular churn),
//! descriptor and thread drift, streams the server still counts against those the devices hold,
//! and whether every request reached its device exactly as created.
//!
//! Prints Markdown on stdout. `--devices N`, `--minutes N`, `--rate N` (requests a second),
//! `--warm-up N` (fast reconnect cycles before the first sample, default 2), `--warm-minutes N`
//! (minutes of regular churn sampled before the measured ones, default 10).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::Notify;
use twofold_push::client::DeviceClient;
use twofold_push::protocol::Event;

mod common;
use common::{KEY, arg, fds, rss_kib, threads};

const METRICS_TOKEN: &str = "soak-metrics";

/// The server's own count of open device streams (`/metrics`).
async fn server_streams(http: &reqwest::Client, base: &str) -> Option<u64> {
    let text = http
        .get(format!("{base}/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("twofold_device_streams "))
        .and_then(|n| n.trim().parse().ok())
}

struct Sample {
    minute: u64,
    rss_kib: u64,
    fds: usize,
    threads: u64,
    server_streams: Option<u64>,
    client_streams: usize,
    sent: usize,
    received: usize,
}

fn main() {
    let devices = arg("--devices", 10_000);
    let minutes = arg("--minutes", 10) as u64;
    let rate = arg("--rate", 20).max(1);
    let warm_up_cycles = arg("--warm-up", 2);
    // Minutes of regular churn and requests after the fast cycles, sampled but not judged.
    let warm_minutes = arg("--warm-minutes", 10) as u64;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    rt.block_on(async move {
        let (base, pid, _server, keys) =
            common::start(dir.path(), devices, &["--metrics-token", METRICS_TOKEN]).await;
        let http = reqwest::Client::new();

        // The devices: each holds its stream until it breaks or it is told to drop it, then
        // reconnects after its last event.
        let received: Arc<Mutex<HashSet<String>>> = Arc::default();
        let duplicates = Arc::new(AtomicUsize::new(0));
        let open = Arc::new(AtomicUsize::new(0));
        let reconnects = Arc::new(AtomicUsize::new(0));
        let mut kicks = Vec::new();
        for (uuid, key) in keys {
            let client = DeviceClient::new(&base, &uuid, key, twofold_core::clock::SystemClock::shared());
            let kick = Arc::new(Notify::new());
            kicks.push(kick.clone());
            let (received, duplicates, open, reconnects) =
                (received.clone(), duplicates.clone(), open.clone(), reconnects.clone());
            tokio::spawn(async move {
                let mut last = None;
                loop {
                    let is_open = AtomicBool::new(false);
                    let mut on_open = || {
                        is_open.store(true, Ordering::Relaxed);
                        open.fetch_add(1, Ordering::Relaxed);
                    };
                    // One event per (request, status): its creation, later its expiry.
                    let mut on_event = |e: Event| {
                        let key = format!("{} {}", e.request.uuid, e.request.status);
                        if !received.lock().unwrap().insert(key) {
                            duplicates.fetch_add(1, Ordering::Relaxed);
                        }
                    };
                    tokio::select! {
                        _ = client.stream_once(&mut last, &mut on_event, &mut on_open) => {}
                        () = kick.notified() => {}
                    }
                    if is_open.load(Ordering::Relaxed) {
                        open.fetch_sub(1, Ordering::Relaxed);
                    }
                    reconnects.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            });
        }
        let connect_started = Instant::now();
        while open.load(Ordering::Relaxed) < devices {
            assert!(
                connect_started.elapsed() < Duration::from_secs(300),
                "only {} of {devices} streams opened",
                open.load(Ordering::Relaxed)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let connect_time = connect_started.elapsed();
        reconnects.store(0, Ordering::Relaxed);

        // Steady requests, round-robin over the users.
        let sent: Arc<Mutex<HashSet<String>>> = Arc::default();
        let refused = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let sender = {
            let (sent, refused, stop, http, base) =
                (sent.clone(), refused.clone(), stop.clone(), http.clone(), base.clone());
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(1) / rate as u32);
                let mut n = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    tick.tick().await;
                    let user = n % devices + 1;
                    n += 1;
                    let r = http
                        .post(format!("{base}/onetouch/json/users/{user}/approval_requests"))
                        .header("X-Authy-API-Key", KEY)
                        .json(&json!({"message": "Login requested", "seconds_to_expire": 120}))
                        .send()
                        .await;
                    let uuid = match r {
                        Ok(r) if r.status().is_success() => r
                            .json::<serde_json::Value>()
                            .await
                            .ok()
                            .and_then(|b| b["approval_request"]["uuid"].as_str().map(str::to_owned)),
                        _ => None,
                    };
                    match uuid {
                        Some(u) => {
                            sent.lock().unwrap().insert(u);
                        }
                        None => {
                            refused.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        };

        // Warm-up: every stream reconnects `warm_up_cycles` times (a tenth every 3 s), with the
        // requests flowing. A 30-minute run with the minute-by-minute churn alone levels off
        // once every stream has reconnected twice (after about 20 minutes): the allocator has
        // pools for every buffer a connection uses. Measuring starts after that.
        let warm_up_started = Instant::now();
        let tenth = (devices / 10).max(1);
        for round in 0..warm_up_cycles * 10 {
            for j in 0..tenth {
                kicks[(round * tenth + j) % devices].notify_one();
            }
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
        let warm_up = warm_up_started.elapsed();
        reconnects.store(0, Ordering::Relaxed);

        let started = Instant::now();
        let mut samples = Vec::new();
        for minute in 0..=warm_minutes + minutes {
            let due = Duration::from_secs(60 * minute);
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                tokio::time::sleep(wait).await;
            }
            samples.push(Sample {
                minute,
                rss_kib: rss_kib(pid),
                fds: fds(pid),
                threads: threads(pid),
                server_streams: server_streams(&http, &base).await,
                client_streams: open.load(Ordering::Relaxed),
                sent: sent.lock().unwrap().len(),
                received: received
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|k| k.ends_with(" pending"))
                    .count(),
            });
            if minute < warm_minutes + minutes {
                // Churn: a tenth of the devices, a different tenth each minute.
                let tenth = devices / 10;
                for j in 0..tenth {
                    kicks[(minute as usize * tenth + j) % devices].notify_one();
                }
            }
        }
        stop.store(true, Ordering::Relaxed);
        let _ = sender.await;
        // Every request created reaches its device (streams resume after their last event).
        let deadline = Instant::now() + Duration::from_secs(30);
        let missing = loop {
            let missing = {
                let sent = sent.lock().unwrap();
                let got = received.lock().unwrap();
                sent.iter()
                    .filter(|u| !got.contains(&format!("{u} pending")))
                    .count()
            };
            if missing == 0 || Instant::now() > deadline {
                break missing;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };

        println!("| minute | server RSS | descriptors | threads | streams (server / devices) | requests sent / received |");
        println!("|---:|---:|---:|---:|---:|---:|");
        for s in &samples {
            let warming = if s.minute < warm_minutes {
                " (warm-up)"
            } else {
                ""
            };
            println!(
                "| {}{warming} | {:.1} MiB | {} | {} | {} / {} | {} / {} |",
                s.minute,
                s.rss_kib as f64 / 1024.0,
                s.fds,
                s.threads,
                s.server_streams.map_or("?".to_owned(), |n| n.to_string()),
                s.client_streams,
                s.sent,
                s.received
            );
        }
        let warm = samples.iter().find(|s| s.minute == warm_minutes).unwrap();
        let end = samples.last().unwrap();
        let growth = (end.rss_kib as f64 - warm.rss_kib as f64) / warm.rss_kib as f64 * 100.0;
        let sent_total = sent.lock().unwrap().len();
        println!(
            "\n{devices} streams opened in {:.1} s; warm-up {:.0} s (every stream reconnected \
             {warm_up_cycles} times, then {warm_minutes} minutes of churn); {} reconnects over {} \
             minutes; {sent_total} \
             requests created ({} refused), **{missing} not delivered**, {} events delivered twice. Memory \
             from minute {} to {}: **{growth:+.1} %**; descriptors {:+}, threads {:+}; the server \
             counts {} open streams against the devices' {}.",
            connect_time.as_secs_f64(),
            warm_up.as_secs_f64(),
            reconnects.load(Ordering::Relaxed),
            warm_minutes + minutes,
            refused.load(Ordering::Relaxed),
            duplicates.load(Ordering::Relaxed),
            warm.minute,
            end.minute,
            end.fds as i64 - warm.fds as i64,
            end.threads as i64 - warm.threads as i64,
            end.server_streams.map_or("?".to_owned(), |n| n.to_string()),
            end.client_streams,
        );
        assert_eq!(missing, 0, "every request reached its device");
    });
}
