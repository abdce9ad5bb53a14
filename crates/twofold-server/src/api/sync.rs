//! The sync channel (`/sync/v1/*`, docs/sync-protocol.md): creating a space (as the operator's
//! `sync` setting allows), joining one by a link, pulling and pushing sealed records
//! (compare-and-set, all or none), links, the space's devices, removing one with its key
//! rotation, leaving, and the rotated key. Requests are signed as the device channel's; the
//! server reads no record.

use std::time::Duration;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use twofold_push::protocol::{PublicKey, b64, unb64};
use twofold_push::sync_protocol::{
    self as sp, CreateSpaceRequest, JoinRequest, Joined, KeyReply, LinkMade, LinkRequest,
    NewSyncDevice, Pulled, PushRecord, PushRequest, Pushed, RemoveRequest, SyncDevice, WireRecord,
    Written,
};
use zeroize::Zeroizing;

use super::ClientAddress;
use super::device::{SignedParts, json_body, refused};
use crate::call::Query;
use crate::crypto;
use crate::error::ApiError;
use crate::hub::Topic;
use crate::state::{AppState, SyncMode};
use crate::store::{
    AdmissionRefused, NewSyncDeviceRow, NewSyncLink, RecordWrite, SyncDeviceRow, SyncRecordRow,
    WriteRefused,
};

fn bad(name: &str, problem: impl Into<String>) -> ApiError {
    ApiError::InvalidParameter {
        name: name.into(),
        problem: problem.into(),
    }
}

fn sync_on(state: &AppState) -> Result<(), ApiError> {
    if state.policy.sync == SyncMode::Off {
        return Err(ApiError::SyncRefused("sync is off on this server".into()));
    }
    Ok(())
}

/// A request signed by a device of a sync space.
#[derive(Debug)]
pub struct SyncSigned {
    /// The device, with its space.
    pub device: SyncDeviceRow,
    /// The body.
    pub body: Bytes,
}

impl FromRequest<AppState> for SyncSigned {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        sync_on(state)?;
        let parts = SignedParts::read(req, state, sp::MAX_SYNC_BODY).await?;
        let device = state
            .db
            .sync_device(&parts.uuid)
            .await?
            .ok_or_else(|| refused("unknown device, or removed from its sync space"))?;
        parts.verify(&device.public_key)?;
        if !state
            .db
            .use_sync_nonce(device.id, &parts.nonce, parts.nonce_expires(), state.now())
            .await?
        {
            tracing::warn!(device = %device.uuid, reason = "replay", "sync request refused");
            return Err(refused("this nonce was used before (a replayed request)"));
        }
        Ok(Self {
            device,
            body: parts.body,
        })
    }
}

fn generation(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn device_view(d: &SyncDeviceRow) -> SyncDevice {
    SyncDevice {
        uuid: d.uuid.clone(),
        name: d.name.clone(),
        platform: d.platform.clone(),
        node: u32::try_from(d.node).unwrap_or(u32::MAX),
        box_key: b64(&d.box_key),
        created_at: d.created_at,
        last_seen_at: d.last_seen_at,
    }
}

fn wire(r: SyncRecordRow) -> WireRecord {
    WireRecord {
        id: r.record_id,
        version: u64::try_from(r.version).unwrap_or(0),
        sequence: r.sequence,
        generation: generation(r.generation),
        ciphertext: b64(&r.ciphertext),
        deleted: r.deleted,
    }
}

fn ok<T: serde::Serialize>(value: &T) -> Result<Response, ApiError> {
    let mut value = serde_json::to_value(value).map_err(|e| ApiError::Internal(e.to_string()))?;
    value["success"] = json!(true);
    Ok(crate::reply::ok(value))
}

/// A new device's fields checked, with its proof for `admission`.
fn new_device(d: &NewSyncDevice, admission: &str) -> Result<NewSyncDeviceRow, ApiError> {
    let name = d.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(bad("device.name", "must be 1 to 64 characters"));
    }
    let platform = d.platform.trim().to_ascii_lowercase();
    if platform.is_empty()
        || platform.len() > 16
        || !platform
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(bad(
            "device.platform",
            "must be a short word such as linux or cli",
        ));
    }
    let key =
        PublicKey::parse(&d.public_key).map_err(|e| bad("device.public_key", e.to_string()))?;
    let box_key = unb64("box_key", &d.box_key).map_err(|e| bad("device.box_key", e.to_string()))?;
    if box_key.len() != 32 {
        return Err(bad("device.box_key", "must be 32 bytes"));
    }
    if key
        .verify(
            &sp::join_string(admission, &d.public_key, &d.box_key),
            &d.proof,
        )
        .is_err()
    {
        return Err(ApiError::SyncRefused(
            "the proof does not verify with the public key".into(),
        ));
    }
    Ok(NewSyncDeviceRow {
        uuid: uuid::Uuid::new_v4().to_string(),
        public_key: key.to_bytes().to_vec(),
        box_key,
        name,
        platform,
    })
}

fn admission_refused(what: &str, why: AdmissionRefused) -> ApiError {
    ApiError::SyncRefused(match why {
        AdmissionRefused::Unknown => format!("no such {what} (or a wrong secret)"),
        AdmissionRefused::Expired => format!("the {what} has expired; ask for a new one"),
        AdmissionRefused::Used => format!("the {what} was used already; ask for a new one"),
        AdmissionRefused::Stale => format!(
            "the {what} was made before the space key changed; make a new one on a linked computer"
        ),
    })
}

/// `POST /sync/v1/spaces`: a new space with its first device (unsigned: the invitation, or the
/// operator's `open` setting with its per-address limit, admits it; the proof shows the key).
pub async fn create(
    State(state): State<AppState>,
    address: Option<Extension<ClientAddress>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: CreateSpaceRequest = json_body(&body)?;
    let now = state.now();
    let space = uuid::Uuid::new_v4().to_string();
    let created = match state.policy.sync {
        SyncMode::Off => return Err(ApiError::SyncRefused("sync is off on this server".into())),
        SyncMode::Invite => {
            let (Some(id), Some(secret)) = (&req.invite, &req.invite_secret) else {
                return Err(ApiError::SyncRefused(
                    "this server creates sync spaces by invitation: ask its operator for a link \
                     (twofold-server sync invite)"
                        .into(),
                ));
            };
            let device = new_device(&req.device, id)?;
            let presented = crypto::hash(secret);
            let check = |stored: &str| crypto::hashes_equal(stored, &presented);
            state
                .db
                .create_sync_space(Some((id, &check)), &space, &device, now)
                .await?
                .map_err(|why| admission_refused("invitation", why))?
        }
        SyncMode::Open => {
            if let Some(Extension(ClientAddress(ip))) = address
                && !state.limits.allow_space(ip).await?
            {
                return Err(ApiError::RateLimited(
                    "too many sync spaces created from this address; try again in an hour".into(),
                ));
            }
            let device = new_device(&req.device, "open")?;
            state
                .db
                .create_sync_space(None, &space, &device, now)
                .await?
                .map_err(|why| admission_refused("invitation", why))?
        }
    };
    tracing::info!(space = %created.space_uuid, device = %created.uuid, "sync space created");
    ok(&Joined {
        space: created.space_uuid.clone(),
        generation: generation(created.generation),
        device: device_view(&created),
        sealed_space_key: None,
    })
}

/// `POST /sync/v1/join`: a device redeems a link and joins its space.
pub async fn join(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    sync_on(&state)?;
    let req: JoinRequest = json_body(&body)?;
    let device = new_device(&req.device, &req.link)?;
    let presented = crypto::hash(&req.secret);
    let check = |stored: &str| crypto::hashes_equal(stored, &presented);
    let (joined, sealed) = state
        .db
        .join_sync_space(&req.link, &check, &device, state.now())
        .await?
        .map_err(|why| admission_refused("link", why))?;
    tracing::info!(space = %joined.space_uuid, device = %joined.uuid, "device joined a sync space");
    state
        .hub
        .publish_to(&state.db, Topic::Space(joined.space_id))
        .await;
    ok(&Joined {
        space: joined.space_uuid.clone(),
        generation: generation(joined.generation),
        device: device_view(&joined),
        sealed_space_key: Some(b64(&sealed)),
    })
}

#[derive(Debug, Deserialize)]
pub struct PullQuery {
    after: Option<i64>,
    wait: Option<u64>,
}

/// `GET /sync/v1/records?after=SEQ[&wait=S]`: what was written after a sequence number; with
/// `wait`, held open (up to 30 s) until something is.
pub async fn pull(
    State(state): State<AppState>,
    Query(q): Query<PullQuery>,
    signed: SyncSigned,
) -> Result<Response, ApiError> {
    let space = signed.device.space_id;
    let after = q.after.unwrap_or(0).max(0);
    let mut wake = state.hub.subscribe_to(Topic::Space(space));
    let limit = sp::MAX_RECORDS as i64;
    let (mut records, mut last, mut generation_now) =
        state.db.sync_records_after(space, after, limit + 1).await?;
    if records.is_empty() && last <= after && generation_now == signed.device.generation {
        let wait = Duration::from_secs(q.wait.unwrap_or(0).min(30));
        if !wait.is_zero() {
            let woken = tokio::select! {
                r = tokio::time::timeout(wait, wake.woken()) => r.is_ok(),
                () = state.hub.closing() => false,
            };
            if woken {
                (records, last, generation_now) =
                    state.db.sync_records_after(space, after, limit + 1).await?;
            }
        }
    }
    let more = records.len() > sp::MAX_RECORDS;
    records.truncate(sp::MAX_RECORDS);
    ok(&Pulled {
        records: records.into_iter().map(wire).collect(),
        last,
        generation: generation(generation_now),
        more,
    })
}

/// Checks and decodes records to write.
fn writes(records: &[PushRecord]) -> Result<Vec<RecordWrite>, ApiError> {
    if records.is_empty() {
        return Err(bad("records", "is empty"));
    }
    let mut seen = std::collections::HashSet::new();
    records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let field = |name: &str| format!("records[{i}].{name}");
            if r.id.is_empty()
                || r.id.len() > 64
                || !r
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(bad(&field("id"), "must be 1 to 64 letters, digits, - or _"));
            }
            if !seen.insert(r.id.as_str()) {
                return Err(bad(&field("id"), "appears twice"));
            }
            let ciphertext = unb64("ciphertext", &r.ciphertext)
                .map_err(|e| bad(&field("ciphertext"), e.to_string()))?;
            if ciphertext.len() < 40 || ciphertext.len() > sp::MAX_RECORD_BYTES {
                return Err(bad(
                    &field("ciphertext"),
                    format!("must be 40 to {} bytes", sp::MAX_RECORD_BYTES),
                ));
            }
            let base_version = i64::try_from(r.base_version)
                .ok()
                .filter(|v| *v < i64::MAX)
                .ok_or_else(|| bad(&field("base_version"), "is too large"))?;
            Ok(RecordWrite {
                record_id: r.id.clone(),
                base_version,
                ciphertext,
                deleted: r.deleted,
            })
        })
        .collect()
}

fn write_refused(why: WriteRefused) -> ApiError {
    match why {
        WriteRefused::Conflicts(conflicts) => ApiError::SyncConflict { conflicts },
        WriteRefused::Generation { now } => ApiError::SyncKeyChanged { generation: now },
        WriteRefused::Incomplete(why) => bad("records", why),
        WriteRefused::NoSuchDevice => ApiError::SyncRefused("no such device in this space".into()),
    }
}

/// `POST /sync/v1/records`: writes records, all or none (409 with the records that changed).
pub async fn push(State(state): State<AppState>, signed: SyncSigned) -> Result<Response, ApiError> {
    let req: PushRequest = json_body(&signed.body)?;
    if req.records.len() > sp::MAX_RECORDS {
        return Err(bad(
            "records",
            format!("at most {} in one push", sp::MAX_RECORDS),
        ));
    }
    let records = writes(&req.records)?;
    let space = signed.device.space_id;
    let written = state
        .db
        .write_sync_records(space, i64::from(req.generation), &records)
        .await?
        .map_err(write_refused)?;
    state.hub.publish_to(&state.db, Topic::Space(space)).await;
    ok(&Pushed {
        records: records
            .iter()
            .zip(written)
            .map(|(r, (version, sequence))| Written {
                id: r.record_id.clone(),
                version: u64::try_from(version).unwrap_or(0),
                sequence,
            })
            .collect(),
    })
}

/// `POST /sync/v1/links`: a one-time link to add a computer (its sealed space key is opaque
/// here: the pairing secret that opens it never reaches the server).
pub async fn link(State(state): State<AppState>, signed: SyncSigned) -> Result<Response, ApiError> {
    let req: LinkRequest = json_body(&signed.body)?;
    let sealed = unb64("sealed_space_key", &req.sealed_space_key)
        .map_err(|e| bad("sealed_space_key", e.to_string()))?;
    if sealed.len() != 24 + 32 + 16 {
        return Err(bad("sealed_space_key", "must be 72 bytes"));
    }
    if i64::from(req.generation) != signed.device.generation {
        return Err(ApiError::SyncKeyChanged {
            generation: signed.device.generation,
        });
    }
    let id = uuid::Uuid::new_v4().to_string();
    let secret = Zeroizing::new(
        twofold_push::protocol::random_b64(32).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    let now = state.now();
    let expires_at = now + sp::LINK_LIFETIME;
    state
        .db
        .insert_sync_link(&NewSyncLink {
            id: id.clone(),
            space_id: signed.device.space_id,
            secret_hash: crypto::hash(&secret),
            sealed_key: sealed,
            generation: signed.device.generation,
            created_at: now,
            expires_at,
        })
        .await?;
    ok(&LinkMade {
        id,
        secret,
        expires_at,
    })
}

/// `GET /sync/v1/devices`: the space's devices.
pub async fn devices(
    State(state): State<AppState>,
    signed: SyncSigned,
) -> Result<Response, ApiError> {
    let devices = state.db.sync_devices_of(signed.device.space_id).await?;
    let list: Vec<SyncDevice> = devices.iter().map(device_view).collect();
    ok(&json!({
        "devices": list,
        "this": signed.device.uuid,
        "generation": generation(signed.device.generation),
    }))
}

/// `POST /sync/v1/devices/{uuid}/remove`: removes another device and rotates the space key.
pub async fn remove(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    signed: SyncSigned,
) -> Result<Response, ApiError> {
    if uuid == signed.device.uuid {
        return Err(bad("uuid", "is this device: leave the space instead"));
    }
    let req: RemoveRequest = json_body(&signed.body)?;
    let records = if req.records.is_empty() {
        Vec::new()
    } else {
        writes(&req.records)?
    };
    let mut keys = Vec::with_capacity(req.keys.len());
    for (i, k) in req.keys.iter().enumerate() {
        let sealed = unb64("sealed", &k.sealed)
            .map_err(|e| bad(&format!("keys[{i}].sealed"), e.to_string()))?;
        if sealed.len() != 32 + 24 + 32 + 16 {
            return Err(bad(&format!("keys[{i}].sealed"), "must be 104 bytes"));
        }
        keys.push((k.device.clone(), sealed));
    }
    let space = signed.device.space_id;
    state
        .db
        .remove_sync_device(
            space,
            &uuid,
            i64::from(req.generation),
            &records,
            &keys,
            state.now(),
        )
        .await?
        .map_err(write_refused)?;
    tracing::info!(space = %signed.device.space_uuid, removed = %uuid, by = %signed.device.uuid, generation = req.generation, "sync device removed, space key rotated");
    state.hub.publish_to(&state.db, Topic::Space(space)).await;
    ok(&json!({"message": "The device was removed and the space key changed."}))
}

/// `POST /sync/v1/leave`: this device leaves its space.
pub async fn leave(
    State(state): State<AppState>,
    signed: SyncSigned,
) -> Result<Response, ApiError> {
    state
        .db
        .leave_sync_space(signed.device.id, state.now())
        .await?;
    tracing::info!(space = %signed.device.space_uuid, device = %signed.device.uuid, "device left its sync space");
    state
        .hub
        .publish_to(&state.db, Topic::Space(signed.device.space_id))
        .await;
    ok(&json!({"message": "This device left the sync space."}))
}

/// `GET /sync/v1/key`: the space key of the current generation, sealed to this device by the
/// device that rotated it.
pub async fn key(State(state): State<AppState>, signed: SyncSigned) -> Result<Response, ApiError> {
    let d = &signed.device;
    let sealed = state
        .db
        .sync_key(d.id, d.generation)
        .await?
        .ok_or(ApiError::Missing("A space key for this device"))?;
    ok(&KeyReply {
        generation: generation(d.generation),
        sealed: b64(&sealed),
    })
}
