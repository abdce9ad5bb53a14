//! The clock check's network side: this computer's clock compared with an enrolled push
//! server's `Date` header (a server the user already trusts and talks to), or with an NTP server
//! the user named. Measures only; `twofold_core::clock_check` says what a measurement means.

use std::net::SocketAddr;
use std::time::{Duration, UNIX_EPOCH};

use twofold_core::clock::SharedClock;
use twofold_core::clock_check::{Measurement, offset_from_date};

use crate::client::PushError;

/// How long one measurement may take.
pub const TIMEOUT: Duration = Duration::from_secs(3);

fn millis(clock: &SharedClock) -> u64 {
    u64::try_from(clock.since_epoch().as_millis()).unwrap_or(u64::MAX)
}

/// Compares the clock with `server`'s `Date` header (from `GET /healthz`; any status will do,
/// every HTTP answer carries the date).
pub async fn measure_server(server: &str, clock: &SharedClock) -> Result<Measurement, PushError> {
    let base = server.trim_end_matches('/');
    let http = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .user_agent(concat!("twofold-push/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|source| PushError::Network {
            server: base.to_owned(),
            source,
        })?;
    let sent = millis(clock);
    let response = http
        .get(format!("{base}/healthz"))
        .send()
        .await
        .map_err(|source| PushError::Network {
            server: base.to_owned(),
            source,
        })?;
    let received = millis(clock);
    let date = response
        .headers()
        .get(reqwest::header::DATE)
        .ok_or_else(|| PushError::BadAnswer(format!("{base} sent no Date header")))?
        .to_str()
        .map_err(|_| PushError::BadAnswer(format!("{base} sent an unreadable Date header")))?;
    let at = httpdate::parse_http_date(date)
        .map_err(|e| PushError::BadAnswer(format!("{base}: Date header `{date}`: {e}")))?
        .duration_since(UNIX_EPOCH)
        .map_err(|_| PushError::BadAnswer(format!("{base}: Date header before 1970")))?
        .as_secs();
    Ok(Measurement {
        offset_seconds: offset_from_date(at, sent, received),
        source: base.to_owned(),
        measured_at: sent / 1000,
    })
}

/// A tokio UDP socket as sntpc wants one.
struct Udp(tokio::net::UdpSocket);

impl sntpc::NtpUdpSocket for Udp {
    async fn send_to(&self, buf: &[u8], addr: SocketAddr) -> sntpc::Result<usize> {
        self.0
            .send_to(buf, addr)
            .await
            .map_err(|_| sntpc::Error::Network)
    }

    async fn recv_from(&self, buf: &mut [u8]) -> sntpc::Result<(usize, SocketAddr)> {
        self.0
            .recv_from(buf)
            .await
            .map_err(|_| sntpc::Error::Network)
    }
}

/// Why an NTP measurement failed.
fn ntp_failed(host: &str, reason: impl std::fmt::Display) -> PushError {
    PushError::BadAnswer(format!("NTP server {host}: {reason}"))
}

/// Compares the clock with the NTP server `host` (`name` or `name:port`; port 123 by default),
/// by SNTP over UDP. The system clock is what is measured.
pub async fn measure_ntp(host: &str, clock: &SharedClock) -> Result<Measurement, PushError> {
    let with_port = if host
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        && !host.ends_with(']')
    {
        host.to_owned()
    } else {
        format!("{host}:123")
    };
    let work = async {
        let addr = tokio::net::lookup_host(&with_port)
            .await
            .map_err(|e| ntp_failed(host, e))?
            .next()
            .ok_or_else(|| ntp_failed(host, "no address"))?;
        let local: SocketAddr = if addr.is_ipv4() {
            ([0, 0, 0, 0], 0).into()
        } else {
            ([0u16; 8], 0).into()
        };
        let socket = tokio::net::UdpSocket::bind(local)
            .await
            .map_err(|e| ntp_failed(host, e))?;
        let context = sntpc::NtpContext::new(sntpc::StdTimestampGen::default());
        sntpc::get_time(addr, &Udp(socket), context)
            .await
            .map_err(|e| ntp_failed(host, format!("{e:?}")))
    };
    let measured_at = clock.unix_seconds();
    let result = tokio::time::timeout(TIMEOUT, work)
        .await
        .map_err(|_| ntp_failed(host, "no answer"))??;
    let micros = result.offset();
    Ok(Measurement {
        offset_seconds: (micros + micros.signum() * 500_000) / 1_000_000,
        source: format!("NTP server {host}"),
        measured_at,
    })
}

/// Measures against the first reference that answers: the NTP server when the user named one,
/// then each push server. `None` when there is no reference at all; otherwise the measurement,
/// or the last failure when none answered.
pub async fn measure_any(
    ntp: Option<&str>,
    servers: &[String],
    clock: &SharedClock,
) -> Option<Result<Measurement, PushError>> {
    let mut last = None;
    if let Some(host) = ntp {
        match measure_ntp(host, clock).await {
            Ok(m) => return Some(Ok(m)),
            Err(e) => last = Some(Err(e)),
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for server in servers {
        if seen.contains(&server.as_str()) {
            continue;
        }
        seen.push(server);
        match measure_server(server, clock).await {
            Ok(m) => return Some(Ok(m)),
            Err(e) => last = Some(Err(e)),
        }
    }
    last
}
