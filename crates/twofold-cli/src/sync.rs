//! `twofold sync …`: this computer's accounts shared with the person's other computers through
//! their own twofold-server, end-to-end encrypted — join (a link from another computer, an
//! operator's invitation, or a server open to anyone), link another computer, status, devices,
//! remove one (the space key rotates), leave, and sync now (once, or `--watch` for live
//! changes). Every change the CLI makes to the vault is stamped for sync and pushed at once
//! when the server is reachable.

use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::json;
use twofold_core::entropy::OsEntropy;
use twofold_core::qr;
use twofold_core::vault::{Contents, Vault};
use twofold_push::registry;
use twofold_push::sync::{JoinBy, Sync, SyncError};
use twofold_push::sync_protocol::SyncLink;

use crate::args::SyncAction;
use crate::output::print_json;
use crate::session::Session;

/// How long a change's own sync may take before the command gives up on it (it is kept and
/// pushed by the next sync).
const AFTER_CHANGE_TIMEOUT: Duration = Duration::from_secs(5);

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Runs a sync subcommand.
pub fn run(session: &Session, action: SyncAction, json: bool) -> Result<()> {
    runtime()?.block_on(async {
        match action {
            SyncAction::Join {
                link_or_image,
                server,
                name,
            } => join(session, link_or_image.as_deref(), server, name, json).await,
            SyncAction::Link => link(session, json).await,
            SyncAction::Status => status(session, json),
            SyncAction::Devices => devices(session, json).await,
            SyncAction::Remove { device } => remove(session, &device, json).await,
            SyncAction::Leave => leave(session, json).await,
            SyncAction::Now { watch } => now(session, watch, json).await,
        }
    })
}

impl Session {
    /// The sync beside the vault.
    pub fn sync(&self) -> Sync {
        Sync::beside(&self.path, self.clock.clone())
    }

    /// After a change saved as `contents`: stamps it for sync and pushes it when the server
    /// answers within a few seconds. A failure is a warning: the change is kept and goes with
    /// the next sync.
    pub fn sync_after_change(&self, vault: &mut Vault, contents: &Contents) {
        let sync = self.sync();
        match sync.state() {
            Ok(Some(_)) => {}
            Ok(None) => return,
            Err(e) => {
                eprintln!("twofold: warning: sync: {e}");
                return;
            }
        }
        if let Err(e) = sync
            .check_vault(&vault.info().vault_id)
            .and_then(|()| sync.stamp(self.keystore(), contents))
        {
            eprintln!("twofold: warning: sync: {e}");
            return;
        }
        self.sync_quietly(&sync, vault);
    }

    /// Before an HOTP code is used: the other computers' counters first (when this computer
    /// syncs and the server answers), so that no code is shown twice.
    pub fn sync_before_use(&self, vault: &mut Vault) {
        let sync = self.sync();
        if matches!(sync.state(), Ok(Some(_))) {
            self.sync_quietly(&sync, vault);
        }
    }

    /// One round, bounded in time; a failure is a note (what is stamped goes next time).
    fn sync_quietly(&self, sync: &Sync, vault: &mut Vault) {
        if tokio::runtime::Handle::try_current().is_ok() {
            // Inside another command's runtime (a push enrollment): the next sync sends it.
            return;
        }
        let result = runtime().map_err(|e| anyhow!(e)).and_then(|rt| {
            rt.block_on(async {
                tokio::time::timeout(AFTER_CHANGE_TIMEOUT, round(self, sync, vault))
                    .await
                    .map_err(|_| anyhow!("the server did not answer in time"))?
            })
        });
        if let Err(e) = result {
            eprintln!("twofold: note: not synced yet ({e:#}); `twofold sync now` sends it");
        }
    }
}

/// One round: the vault's changes up, the space's down, the vault saved when it changed (only
/// if nothing changed it meanwhile: then the next round merges again).
async fn round(session: &Session, sync: &Sync, vault: &mut Vault) -> Result<(usize, usize)> {
    sync.check_vault(&vault.info().vault_id)?;
    let contents = vault.read()?;
    let round = sync.round(session.keystore(), &contents).await?;
    let counts = (round.pulled, round.pushed);
    if let Some(new) = &round.contents {
        let ((), saved) = vault.update(&mut OsEntropy, |c: &mut Contents| -> Result<()> {
            if *c != contents {
                bail!("the vault changed during the sync; run it again");
            }
            *c = new.clone();
            Ok(())
        })??;
        session.backup_after_change(vault, &saved);
    }
    sync.commit(round)?;
    Ok(counts)
}

/// The link itself, or the one found in an image's QR codes.
fn read_link(arg: &str) -> Result<SyncLink> {
    let text = if arg.trim().starts_with("twofold://") {
        arg.trim().to_owned()
    } else {
        let bytes = std::fs::read(arg).with_context(|| {
            format!("`{arg}` is neither a twofold://sync link nor a readable image")
        })?;
        let found =
            qr::decode_image(&bytes).with_context(|| format!("reading QR codes in {arg}"))?;
        found
            .into_iter()
            .find(|t| t.starts_with("twofold://sync"))
            .ok_or_else(|| anyhow!("{arg} has no twofold://sync QR code"))?
    };
    SyncLink::parse(&text).map_err(|e| anyhow!("sync link: {e}"))
}

async fn join(
    session: &Session,
    link: Option<&str>,
    server: Option<String>,
    name: Option<String>,
    json: bool,
) -> Result<()> {
    let how = match (link, server) {
        (Some(link), None) => JoinBy::Link(read_link(link)?),
        (None, Some(server)) => JoinBy::Open(server),
        (Some(_), Some(_)) => bail!("give a link or --server, not both"),
        (None, None) => bail!(
            "give the link another computer shows (`twofold sync link` there), an invitation \
             from the server's operator, or --server URL for a server open to anyone"
        ),
    };
    let name = name.unwrap_or_else(|| format!("{} (twofold CLI)", registry::host_name()));
    let sync = session.sync();
    // The vault first: a join that cannot open it would leave a device nothing uses.
    let (mut vault, _) = session.open_or_create()?;
    let state = sync.join(session.keystore(), &how, &name, "cli").await?;
    let (pulled, pushed) = round(session, &sync, &mut vault).await?;
    if json {
        print_json(&json!({
            "server": state.server, "space": state.space, "device": state.device,
            "name": state.name, "pulled": pulled, "pushed": pushed,
        }));
    } else {
        println!(
            "This computer (`{}`) now syncs through {}.",
            state.name, state.server
        );
        println!("Received {pulled} account record(s), sent {pushed}.");
    }
    Ok(())
}

async fn link(session: &Session, json: bool) -> Result<()> {
    let link = session.sync().make_link(session.keystore()).await?;
    let uri = link.to_uri();
    if json {
        print_json(&json!({"link": uri, "expires_in": twofold_push::sync_protocol::LINK_LIFETIME}));
        return Ok(());
    }
    println!("{uri}");
    if let Ok(art) = qr::encode_terminal(&uri) {
        println!("{art}");
    }
    println!(
        "On the other computer: `twofold sync join LINK` or Settings → Sync → Join. \
         It works once, for ten minutes; the part after # never reaches the server."
    );
    Ok(())
}

fn status(session: &Session, json: bool) -> Result<()> {
    let Some(state) = session.sync().state()? else {
        if json {
            print_json(&json!({"syncing": false}));
        } else {
            println!("This computer does not sync. `twofold sync join LINK` to start.");
        }
        return Ok(());
    };
    let live = state.records.values().filter(|r| !r.deleted).count();
    if json {
        print_json(&json!({
            "syncing": true, "server": state.server, "space": state.space,
            "device": state.device, "name": state.name, "generation": state.generation,
            "accounts": live, "pending": state.pending.len(), "last_sync_at": state.last_sync_at,
        }));
        return Ok(());
    }
    println!("Syncs through {} as `{}`.", state.server, state.name);
    println!(
        "Accounts in the space: {live}; changes not sent yet: {}.",
        state.pending.len()
    );
    match state.last_sync_at {
        Some(at) => println!(
            "Last synced {} seconds ago.",
            (i64::try_from(session.now()).unwrap_or(i64::MAX) - at).max(0)
        ),
        None => println!("Not synced yet."),
    }
    Ok(())
}

async fn devices(session: &Session, json: bool) -> Result<()> {
    let sync = session.sync();
    let me = sync.state()?.ok_or(SyncError::NotJoined)?.device;
    let devices = sync.devices(session.keystore()).await?;
    if json {
        let items: Vec<_> = devices
            .iter()
            .map(|d| json!({"uuid": d.uuid, "name": d.name, "platform": d.platform, "created_at": d.created_at, "last_seen_at": d.last_seen_at, "this": d.uuid == me}))
            .collect();
        print_json(&items);
        return Ok(());
    }
    let now = i64::try_from(session.now()).unwrap_or(i64::MAX);
    for d in devices {
        let seen = d.last_seen_at.map_or("never".to_owned(), |at| {
            format!("{}s ago", (now - at).max(0))
        });
        let this = if d.uuid == me {
            "  (this computer)"
        } else {
            ""
        };
        println!(
            "{}  {:<28}  {:<8}  last seen {seen}{this}",
            d.uuid, d.name, d.platform
        );
    }
    Ok(())
}

async fn remove(session: &Session, device: &str, json: bool) -> Result<()> {
    let sync = session.sync();
    // Everything this computer has goes up first: the rotation re-seals what it holds.
    let (mut vault, _) = session.open()?;
    round(session, &sync, &mut vault).await?;
    let removed = sync.remove_device(session.keystore(), device).await?;
    if json {
        print_json(&json!({"removed": removed.uuid, "name": removed.name}));
    } else {
        println!(
            "Removed `{}` ({}); the space key changed, so it reads nothing written from now on.",
            removed.name, removed.uuid
        );
    }
    Ok(())
}

async fn leave(session: &Session, json: bool) -> Result<()> {
    session.sync().leave(session.keystore()).await?;
    if json {
        print_json(&json!({"left": true}));
    } else {
        println!("This computer left its sync space; its vault keeps every account.");
    }
    Ok(())
}

async fn now(session: &Session, watch: bool, json: bool) -> Result<()> {
    let sync = session.sync();
    let (mut vault, contents) = session.open()?;
    sync.stamp(session.keystore(), &contents)?;
    loop {
        let (pulled, pushed) = round(session, &sync, &mut vault).await?;
        if json {
            print_json(&json!({"pulled": pulled, "pushed": pushed}));
        } else if !watch || pulled + pushed > 0 {
            println!("Synced: received {pulled}, sent {pushed}.");
        }
        if !watch {
            return Ok(());
        }
        // Until something is written to the space, or the vault changes here.
        let state = sync.state()?.ok_or(SyncError::NotJoined)?;
        let _ = sync.wait(session.keystore(), state.last, 25).await;
    }
}
