//! Push delivery latency: many devices hold the event stream of the real `twofold-server` binary
//! (release build, SQLite) while approval requests are created through the API; each sample is
//! the time from the create call's response to the event at the device. Beside it, in the same
//! run, devices that poll once a second (the long-poll endpoint with no wait) get requests made
//! the same way. Also reports the server's resident memory per connected device.
//!
//! Prints Markdown on stdout. `--devices N` (default 1000), `--requests N` (default 500); `--h2`:
//! the streaming devices share HTTP/2 connections, 100 on each, as behind HAProxy (see
//! `push_cluster.rs`).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::mpsc;
use twofold_push::client::DeviceClient;
use twofold_push::protocol::Event;

mod common;
use common::{KEY, arg, ms, percentile, rss_kib};

const POLLERS: usize = 50;

fn main() {
    let devices = arg("--devices", 1000);
    let requests = arg("--requests", 500).min(devices);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    rt.block_on(async move {
        let (base, pid, _server, keys) = common::start(dir.path(), devices + POLLERS, &[]).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let rss_idle = rss_kib(pid);

        // Every streaming device reports (uuid, arrival) of each event.
        let (tx, mut arrivals) = mpsc::unbounded_channel::<(String, Instant)>();
        let opened = Arc::new(AtomicUsize::new(0));
        let mut clients = Vec::new();
        // `--h2`: devices share HTTP/2 connections, 100 streams on each (as behind a proxy
        // that speaks HTTP/2 to the server).
        let h2 = std::env::args().any(|a| a == "--h2");
        let mut shared = None;
        for (i, (uuid, key)) in keys.into_iter().enumerate() {
            let client = DeviceClient::new(&base, &uuid, key, twofold_core::clock::SystemClock::shared());
            if h2 && i < devices {
                if i % 100 == 0 {
                    shared = Some(reqwest::Client::builder().http2_prior_knowledge().build().unwrap());
                }
                clients.push(client.with_http(shared.clone().unwrap()));
            } else {
                clients.push(client);
            }
        }
        let pollers: Vec<DeviceClient> = clients.split_off(devices);
        for client in clients {
            let tx = tx.clone();
            let opened = opened.clone();
            tokio::spawn(async move {
                let mut last = None;
                let mut on_event = move |e: Event| {
                    let _ = tx.send((e.request.uuid, Instant::now()));
                };
                let mut on_open = move || {
                    opened.fetch_add(1, Ordering::Relaxed);
                };
                let _ = client.stream_once(&mut last, &mut on_event, &mut on_open).await;
            });
        }
        let connect_started = Instant::now();
        while opened.load(Ordering::Relaxed) < devices {
            assert!(connect_started.elapsed() < Duration::from_secs(120), "only {} of {devices} streams opened", opened.load(Ordering::Relaxed));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let connect_time = connect_started.elapsed();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let rss_connected = rss_kib(pid);
        // And at rest: what the allocator keeps once the burst of connections is over.
        tokio::time::sleep(Duration::from_secs(15)).await;
        let rss_rest = rss_kib(pid);

        // Polling devices: once a second each, no wait.
        let (ptx, mut poll_arrivals) = mpsc::unbounded_channel::<(String, Instant)>();
        for client in pollers {
            let ptx = ptx.clone();
            tokio::spawn(async move {
                let mut after = 0;
                let mut tick = tokio::time::interval(Duration::from_secs(1));
                loop {
                    tick.tick().await;
                    if let Ok(page) = client.poll(after, 0).await {
                        let now = Instant::now();
                        for e in page.events {
                            let _ = ptx.send((e.request.uuid, now));
                        }
                        after = page.last;
                    }
                }
            });
        }

        let http = reqwest::Client::new();
        let create = |user: usize| {
            let http = http.clone();
            let base = base.clone();
            async move {
                let r = http
                    .post(format!("{base}/onetouch/json/users/{user}/approval_requests"))
                    .header("X-Authy-API-Key", KEY)
                    .json(&json!({"message": "Login requested", "details": {"username": "bench"}}))
                    .send()
                    .await
                    .unwrap();
                let done = Instant::now();
                let body: Value = r.json().await.unwrap();
                (body["approval_request"]["uuid"].as_str().expect("created").to_owned(), done)
            }
        };
        // Requests to streaming users (each user once), paced ~200/s; every tenth also one to a
        // polling user.
        let mut responded: HashMap<String, Instant> = HashMap::new();
        let mut poll_responded: HashMap<String, Instant> = HashMap::new();
        for i in 0..requests {
            let (uuid, at) = create(i + 1).await;
            responded.insert(uuid, at);
            if i % 10 == 0 {
                let (uuid, at) = create(devices + 1 + (i / 10) % POLLERS).await;
                poll_responded.insert(uuid, at);
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let collect = |responded: &HashMap<String, Instant>, rx: &mut mpsc::UnboundedReceiver<(String, Instant)>, seen: &mut HashMap<String, Instant>| {
            while let Ok((uuid, at)) = rx.try_recv() {
                if responded.contains_key(&uuid) {
                    seen.entry(uuid).or_insert(at);
                }
            }
        };
        let mut seen = HashMap::new();
        let mut poll_seen = HashMap::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while (seen.len() < responded.len() || poll_seen.len() < poll_responded.len()) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
            collect(&responded, &mut arrivals, &mut seen);
            collect(&poll_responded, &mut poll_arrivals, &mut poll_seen);
        }
        let latencies = |responded: &HashMap<String, Instant>, seen: &HashMap<String, Instant>| {
            let mut early = 0;
            let mut v: Vec<Duration> = responded
                .iter()
                .filter_map(|(uuid, at)| {
                    let got = seen.get(uuid)?;
                    if got < at {
                        early += 1;
                    }
                    Some(got.saturating_duration_since(*at))
                })
                .collect();
            v.sort();
            (v, early)
        };
        let (stream, early) = latencies(&responded, &seen);
        let (polled, _) = latencies(&poll_responded, &poll_seen);
        let per_device = (rss_connected.saturating_sub(rss_idle)) as f64 / devices as f64;
        let per_device_rest = (rss_rest.saturating_sub(rss_idle)) as f64 / devices as f64;
        println!("| client | devices | requests (received) | p50 | p99 | max | reference in the same run |");
        println!("|---|---:|---:|---:|---:|---:|---|");
        println!(
            "| Polling once a second (`GET /device/v1/requests`) | {POLLERS} | {} ({}) | {} | {} | {} | |",
            poll_responded.len(), polled.len(), ms(percentile(&polled, 0.5)), ms(percentile(&polled, 0.99)), ms(percentile(&polled, 1.0))
        );
        println!(
            "| Event stream (SSE, `GET /device/v1/stream`) | {devices} | {} ({}) | {} | {} | {} | p99 goal ≤ 20 ms; p50 **{:.0}×** faster than polling |",
            responded.len(), stream.len(), ms(percentile(&stream, 0.5)), ms(percentile(&stream, 0.99)), ms(percentile(&stream, 1.0)),
            percentile(&polled, 0.5).as_secs_f64() / percentile(&stream, 0.5).as_secs_f64().max(1e-6)
        );
        println!(
            "\nServer memory (RSS): {:.1} MiB idle, {:.1} MiB with {devices} streams open: {:.1} KiB per connected device; 15 s later **{:.1} KiB**. \
             {devices} streams opened in {:.1} s. {early} of {} events reached their device before the create call's response did (counted as 0 ms).",
            rss_idle as f64 / 1024.0, rss_connected as f64 / 1024.0, per_device, per_device_rest, connect_time.as_secs_f64(), stream.len()
        );
        assert_eq!(stream.len(), responded.len(), "every streamed request arrived");
    });
}
