//! The clock check against test servers whose clocks are off: an HTTP server (its `Date`
//! header) and an SNTP server (its transmit time), over real sockets on loopback. Twofold's own
//! server is checked the same way under `faketime` in the CLI's tests.

use std::net::SocketAddr;
use std::time::{Duration, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use twofold_core::clock::{Clock, SystemClock};
use twofold_push::timecheck::{measure_any, measure_ntp, measure_server};

/// An HTTP server whose clock is `skew` seconds off; returns its URL.
async fn http_server(skew: i64) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut conn, _)) = listener.accept().await else {
                return;
            };
            let mut buf = [0u8; 2048];
            let _ = conn.read(&mut buf).await;
            let by = Duration::from_secs(skew.unsigned_abs());
            let now = UNIX_EPOCH + SystemClock.since_epoch();
            let now = if skew >= 0 { now + by } else { now - by };
            let reply = format!(
                "HTTP/1.1 404 Not Found\r\nDate: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                httpdate::fmt_http_date(now)
            );
            let _ = conn.write_all(reply.as_bytes()).await;
        }
    });
    format!("http://{addr}")
}

/// NTP seconds (since 1900) and fraction of a Unix time in microseconds.
fn ntp_time(unix_micros: u128) -> [u8; 8] {
    let secs = u32::try_from((unix_micros / 1_000_000) as u64 + 2_208_988_800).unwrap();
    let frac = u32::try_from(((unix_micros % 1_000_000) << 32) / 1_000_000).unwrap();
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&secs.to_be_bytes());
    out[4..].copy_from_slice(&frac.to_be_bytes());
    out
}

/// An SNTP server (RFC 4330 replies) whose clock is `skew` seconds ahead; returns its address.
async fn ntp_server(skew: u64) -> SocketAddr {
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = [0u8; 48];
        loop {
            let Ok((n, from)) = socket.recv_from(&mut buf).await else {
                return;
            };
            if n < 48 {
                continue;
            }
            let now = SystemClock.since_epoch().as_micros() + u128::from(skew) * 1_000_000;
            let mut reply = [0u8; 48];
            reply[0] = 0x24; // no leap warning, version 4, server mode
            reply[1] = 2; // stratum
            reply[2] = 6; // poll
            reply[3] = 0xEC; // precision 2^-20
            reply[12..16].copy_from_slice(b"TEST");
            reply[16..24].copy_from_slice(&ntp_time(now - 1_000_000));
            reply[24..32].copy_from_slice(&buf[40..48]); // originate: the request's transmit
            reply[32..40].copy_from_slice(&ntp_time(now));
            reply[40..48].copy_from_slice(&ntp_time(now));
            let _ = socket.send_to(&reply, from).await;
        }
    });
    addr
}

#[tokio::test]
async fn a_server_60_s_ahead_is_measured_and_warned_about() {
    let clock = SystemClock::shared();
    let server = http_server(60).await;
    let m = measure_server(&server, &clock).await.unwrap();
    assert!((59..=61).contains(&m.offset_seconds), "{m:?}");
    assert_eq!(m.source, server);
    let warning = m.warning().unwrap();
    assert!(warning.contains("behind"), "{warning}");
    // A server on time: no warning.
    let right = measure_server(&http_server(0).await, &clock).await.unwrap();
    assert!(right.offset_seconds.abs() <= 1, "{right:?}");
    assert_eq!(right.warning(), None);
    let behind = measure_server(&http_server(-90).await, &clock)
        .await
        .unwrap();
    assert!(behind.warning().unwrap().contains("ahead of"));
}

#[tokio::test]
async fn an_ntp_server_60_s_ahead_is_measured() {
    let clock = SystemClock::shared();
    let addr = ntp_server(60).await;
    let m = measure_ntp(&addr.to_string(), &clock).await.unwrap();
    assert!((59..=61).contains(&m.offset_seconds), "{m:?}");
    assert!(m.source.starts_with("NTP server 127.0.0.1:"), "{m:?}");
}

#[tokio::test]
async fn the_first_reference_that_answers_is_used() {
    let clock = SystemClock::shared();
    // Nothing to ask: nothing measured.
    assert!(measure_any(None, &[], &clock).await.is_none());
    // A closed port, then a server 60 s ahead.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let ahead = http_server(60).await;
    let m = measure_any(None, &[closed.clone(), ahead.clone()], &clock)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.source, ahead);
    let failed = measure_any(None, &[closed], &clock).await.unwrap();
    assert!(failed.is_err());
    // An NTP server that does not answer: the push server is asked instead.
    let silent = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let host = silent.local_addr().unwrap().to_string();
    let m = measure_any(Some(&host), std::slice::from_ref(&ahead), &clock)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.source, ahead);
}
