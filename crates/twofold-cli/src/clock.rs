//! The clock check in the CLI: `twofold code` warns when this computer's clock is more than
//! 15 s off the enrolled push server (or the NTP server the user turned on), measured at most
//! hourly; `twofold clock` measures now and sets the NTP server. The clock is never changed.

use anyhow::{Context, Result, bail};
use twofold_core::clock_check::{self, ClockRecord, Measurement};
use twofold_push::timecheck;

use crate::args::ClockArgs;
use crate::output::print_json;
use crate::session::Session;

/// The push servers this computer is enrolled with.
fn servers(session: &Session) -> Vec<String> {
    session
        .registry()
        .list()
        .map(|devices| devices.into_iter().map(|d| d.server).collect())
        .unwrap_or_default()
}

/// Measures against the references the user has, records the attempt and its result, and
/// returns what happened (`None`: no reference to ask).
fn measure(
    session: &Session,
    record: &mut ClockRecord,
) -> Result<Option<Result<Measurement, twofold_push::client::PushError>>> {
    let servers = servers(session);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = runtime.block_on(timecheck::measure_any(
        record.ntp_server.as_deref(),
        &servers,
        &session.clock,
    ));
    if result.is_some() {
        record.last_attempt = Some(session.now());
        if let Some(Ok(m)) = &result {
            record.last = Some(m.clone());
        }
        // The record holds no secret; failing to save it only means measuring again.
        let _ = record.save(&session.path);
    }
    Ok(result)
}

/// After a code is shown: a warning on stderr when the clock is off (measured when due).
pub fn warn_if_off(session: &Session) {
    let mut record = ClockRecord::load(&session.path);
    if record.due(session.now()) {
        let _ = measure(session, &mut record);
    }
    if let Some(warning) = record.last.as_ref().and_then(Measurement::warning) {
        eprintln!("twofold: warning: {warning}");
    }
}

/// `twofold clock`: sets the NTP server when asked, then measures now.
pub fn run(session: &Session, args: ClockArgs, json: bool) -> Result<()> {
    let mut record = ClockRecord::load(&session.path);
    if args.no_ntp {
        record.ntp_server = None;
    }
    if let Some(host) = &args.ntp {
        record.ntp_server = Some(
            clock_check::check_ntp_server(host)
                .map_err(|problem| anyhow::anyhow!("--ntp: {problem}"))?,
        );
    }
    if args.no_ntp || args.ntp.is_some() {
        record.save(&session.path)?;
    }
    let m = match measure(session, &mut record)? {
        None => bail!(
            "nothing to compare the clock with: enroll a push device (`twofold push enroll`) or name an NTP server with --ntp"
        ),
        Some(Err(e)) => bail!("the clock could not be checked: {e}"),
        Some(Ok(m)) => m,
    };
    if json {
        print_json(&serde_json::json!({
            "offset_seconds": m.offset_seconds,
            "source": m.source,
            "measured_at": m.measured_at,
            "ok": m.warning().is_none(),
        }));
    } else if let Some(warning) = m.warning() {
        println!("Warning: {warning}.");
    } else {
        println!(
            "This computer's clock is right: within {} s of {}.",
            m.offset_seconds.unsigned_abs().max(1),
            m.source
        );
    }
    Ok(())
}
