//! `twofold push …`: this computer as a push-approval device — enroll from a link or its QR code
//! (the key goes to the OS keychain, the app's codes to the vault), list devices, print requests
//! as they arrive, approve or deny with a signed answer.

use anyhow::{Context, Result, anyhow, bail};
use serde_json::json;
use twofold_core::qr;
use twofold_core::scan::{self, LinkScheme};
use twofold_push::client::{DeviceClient, PushError};
use twofold_push::protocol::{Decision, DenyReason, EnrollmentLink, Event, RequestStatus};
use twofold_push::registry::{self, DeviceRecord};

use crate::args::PushAction;
use crate::output::print_json;
use crate::session::Session;

/// Runs a push subcommand on a small async runtime.
pub fn run(session: &Session, action: PushAction, json: bool) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        match action {
            PushAction::Enroll {
                link_or_image,
                name,
            } => enroll(session, &link_or_image, name, json).await,
            PushAction::Devices => devices(session, json).await,
            PushAction::Listen { device } => listen(session, device.as_deref(), json).await,
            PushAction::Approve {
                uuid,
                number,
                device,
            } => {
                answer(
                    session,
                    &uuid,
                    Decision::Approve,
                    number,
                    device.as_deref(),
                    json,
                )
                .await
            }
            PushAction::Deny {
                uuid,
                not_me,
                device,
            } => {
                let decision = if not_me {
                    Decision::NotMe
                } else {
                    Decision::Deny
                };
                answer(session, &uuid, decision, None, device.as_deref(), json).await
            }
            PushAction::Remove { device } => remove(session, &device, json).await,
        }
    })
}

/// The link itself, or the one found in an image's QR codes.
fn read_link(arg: &str) -> Result<EnrollmentLink> {
    let text = if scan::link_scheme(arg) == Some(LinkScheme::Twofold) {
        arg.trim().to_owned()
    } else {
        let bytes = std::fs::read(arg).with_context(|| {
            format!("`{arg}` is neither a twofold://enroll link nor a readable image")
        })?;
        let found =
            qr::decode_image(&bytes).with_context(|| format!("reading QR codes in {arg}"))?;
        found
            .into_iter()
            .find(|t| scan::link_scheme(t) == Some(LinkScheme::Twofold))
            .ok_or_else(|| anyhow!("{arg} has no twofold://enroll QR code"))?
    };
    EnrollmentLink::parse(&text).map_err(|e| anyhow!("enrollment link: {e}"))
}

async fn enroll(session: &Session, arg: &str, name: Option<String>, json: bool) -> Result<()> {
    let link = read_link(arg)?;
    let name = name.unwrap_or_else(|| format!("{} (twofold CLI)", registry::host_name()));
    let done = session
        .registry()
        .enroll(session.keystore(), &link, &name, "cli")
        .await?;
    let (enrolled, server) = (&done.response, &done.record.server);
    let added = session.add_accounts(vec![done.account])?;
    let account_added = added.first().is_some_and(|a| a.1.is_ok());
    if json {
        print_json(&json!({
            "device": enrolled.device,
            "server": server,
            "app_name": enrolled.app_name,
            "authy_id": enrolled.authy_id,
            "account_added": account_added,
        }));
    } else {
        println!(
            "Enrolled `{}` with {server} for {} (device {}).",
            enrolled.device.name, enrolled.app_name, enrolled.device.uuid
        );
        if account_added {
            println!("Added {} codes to the vault.", enrolled.app_name);
        } else {
            println!("The vault already had the codes of {}.", enrolled.app_name);
        }
    }
    Ok(())
}

/// The enrolled devices `query` names (all of them when `None`).
fn select(session: &Session, query: Option<&str>) -> Result<Vec<DeviceRecord>> {
    let registry = session.registry();
    let all = registry.list()?;
    if all.is_empty() {
        bail!("no device is enrolled here; run `twofold push enroll <link>` first");
    }
    let Some(q) = query else { return Ok(all) };
    let found: Vec<DeviceRecord> = all
        .into_iter()
        .filter(|d| d.uuid.starts_with(q) || d.name == q)
        .collect();
    match found.len() {
        0 => bail!("no enrolled device matches `{q}`"),
        1 => Ok(found),
        n => bail!("{n} devices match `{q}`; give more of the uuid"),
    }
}

fn client_of(session: &Session, record: &DeviceRecord) -> Result<DeviceClient> {
    session
        .registry()
        .client(session.keystore(), record)
        .map_err(Into::into)
}

async fn devices(session: &Session, json: bool) -> Result<()> {
    let registry = session.registry();
    let all = registry.list()?;
    let mut rows = Vec::new();
    for d in &all {
        let state = match client_of(session, d) {
            Err(e) => format!("unusable: {e}"),
            Ok(c) => match c.me().await {
                Ok(_) => "active".to_owned(),
                Err(PushError::Refused { status: 401, .. }) => "revoked".to_owned(),
                Err(e) => format!("unknown ({e})"),
            },
        };
        rows.push((d, state));
    }
    if json {
        let items: Vec<_> = rows
            .iter()
            .map(|(d, state)| json!({"uuid": d.uuid, "name": d.name, "server": d.server, "app_name": d.app_name, "authy_id": d.authy_id, "state": state}))
            .collect();
        print_json(&items);
        return Ok(());
    }
    if rows.is_empty() {
        println!("No device is enrolled here.");
        return Ok(());
    }
    for (d, state) in rows {
        println!(
            "{}  {:<24}  {:<16}  {}  {state}",
            d.uuid, d.name, d.app_name, d.server
        );
    }
    Ok(())
}

fn event_line(device: &DeviceRecord, e: &Event, json: bool, now: i64) -> String {
    if json {
        return json!({"device": device.uuid, "seq": e.seq, "request": e.request}).to_string();
    }
    let r = &e.request;
    let mut line = format!("{}  {}", r.uuid, r.status);
    if let Some(reason) = &r.reason {
        line.push_str(&format!(" ({reason})"));
    }
    line.push_str(&format!("  {}: {}", r.app_name, r.message));
    if r.status == RequestStatus::Pending {
        if r.number_required {
            line.push_str("  [number required]");
        }
        if let Some(at) = r.expires_at {
            line.push_str(&format!("  (expires in {}s)", (at - now).max(0)));
        }
    }
    line
}

async fn listen(session: &Session, query: Option<&str>, json: bool) -> Result<()> {
    let devices = select(session, query)?;
    let mut tasks = tokio::task::JoinSet::new();
    for record in devices {
        let client = client_of(session, &record)?;
        let clock = session.clock.clone();
        tasks.spawn(async move {
            let shown = record.clone();
            let err = client
                .listen(
                    move |e| {
                        let now = i64::try_from(clock.unix_seconds()).unwrap_or(i64::MAX);
                        println!("{}", event_line(&shown, &e, json, now));
                    },
                    |state| eprintln!("twofold: {} ({}): {state}", record.name, record.server),
                )
                .await;
            (record, err)
        });
    }
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(()),
            done = tasks.join_next() => match done {
                None => bail!("no device is listening any more"),
                Some(Ok((record, err))) => eprintln!("twofold: {} stopped: {err}", record.name),
                Some(Err(e)) => eprintln!("twofold: a listener failed: {e}"),
            },
        }
    }
}

async fn answer(
    session: &Session,
    uuid: &str,
    decision: Decision,
    number: Option<u32>,
    device: Option<&str>,
    json: bool,
) -> Result<()> {
    let candidates = select(session, device)?;
    let mut last_err = None;
    for record in &candidates {
        let client = client_of(session, record)?;
        // With several devices, answer with the one whose user the request is for.
        if candidates.len() > 1 {
            match client.request(uuid).await {
                Ok(_) => {}
                Err(PushError::Refused { status: 404, .. }) => continue,
                Err(e) => {
                    last_err = Some(e);
                    continue;
                }
            }
        }
        let outcome = client
            .answer(uuid, decision, number)
            .await
            .with_context(|| format!("answering {uuid}"))?;
        if json {
            print_json(&json!({"uuid": uuid, "status": outcome.status, "reason": outcome.reason}));
        } else {
            match (outcome.status, outcome.reason) {
                (RequestStatus::Denied, Some(DenyReason::WrongNumber)) => {
                    println!("Wrong number: the request {uuid} is denied.")
                }
                (RequestStatus::Denied, Some(DenyReason::NotMe)) => {
                    println!("Denied {uuid} and reported it as not you.")
                }
                (status, _) => println!("{uuid}: {status}"),
            }
        }
        return Ok(());
    }
    match last_err {
        Some(e) => Err(e).with_context(|| format!("answering {uuid}")),
        None => bail!("no enrolled device has the request {uuid}"),
    }
}

async fn remove(session: &Session, query: &str, json: bool) -> Result<()> {
    let uuid = select(session, Some(query))?.remove(0).uuid;
    let record = session
        .registry()
        .remove_device(session.keystore(), &uuid)
        .await?;
    if json {
        print_json(&json!({"uuid": record.uuid, "removed": true}));
    } else {
        println!("Removed `{}` ({}).", record.name, record.uuid);
    }
    Ok(())
}
