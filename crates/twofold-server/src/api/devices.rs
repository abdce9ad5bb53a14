//! The website's side of devices (our extension, API-key auth like the rest): create a one-time
//! enrollment for a user (link + QR), list the user's devices, revoke one.

use axum::extract::{Path, State};
use axum::response::Response;
use base64::Engine;
use serde_json::{Value, json};
use twofold_core::qr;
use twofold_push::protocol::{self, EnrollmentLink};
use zeroize::Zeroizing;

use super::{base_url, load_user};
use crate::call::Call;
use crate::crypto;
use crate::error::ApiError;
use crate::reply::ok;
use crate::state::AppState;
use crate::store::DeviceRow;

/// How long an enrollment can be redeemed, in seconds.
pub const ENROLLMENT_TTL: i64 = 600;

/// A device as listed to the website.
pub fn device_json(d: &DeviceRow) -> Value {
    json!({
        "uuid": d.uuid,
        "name": d.name,
        "platform": d.platform,
        "created_at": d.created_at,
        "last_seen_at": d.last_seen_at,
    })
}

/// `POST users/{id}/devices/enrollments`.
pub async fn enroll(
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    let user = load_user(&state, call.app.id, &id).await?;
    if !call.app.onetouch_enabled {
        return Err(ApiError::InvalidRequest(
            "push (OneTouch) is turned off for this application".into(),
        ));
    }
    let internal = |e: &dyn std::fmt::Display| ApiError::Internal(e.to_string());
    let enrollment_id = protocol::random_b64(12).map_err(|e| internal(&e))?;
    let secret = Zeroizing::new(protocol::random_b64(32).map_err(|e| internal(&e))?);
    let now = state.now();
    let expires_at = now + ENROLLMENT_TTL;
    state
        .db
        .insert_enrollment(
            &enrollment_id,
            call.app.id,
            user.id,
            &crypto::hash(&secret),
            now,
            expires_at,
        )
        .await?;
    let link = EnrollmentLink {
        server: base_url(&state, call.host.as_deref()),
        id: enrollment_id.clone(),
        secret,
        app: Some(call.app.name.clone()),
    };
    let uri = Zeroizing::new(link.to_uri());
    let png = qr::encode_png(&uri, 6).map_err(|e| internal(&e))?;
    let svg = qr::encode_svg(&uri).map_err(|e| internal(&e))?;
    Ok(ok(json!({
        "enrollment": {
            "id": enrollment_id,
            "uri": uri.as_str(),
            "qr_code": format!(
                "data:image/png;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(png)
            ),
            "qr_svg": svg,
            "expires_at": expires_at,
        },
        "success": true,
    })))
}

/// `GET users/{id}/devices`.
pub async fn list(
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    let user = load_user(&state, call.app.id, &id).await?;
    let devices = state.db.devices_of(user.id).await?;
    Ok(ok(json!({
        "devices": devices.iter().map(device_json).collect::<Vec<_>>(),
        "success": true,
    })))
}

/// `POST users/{id}/devices/{device_uuid}/delete`.
pub async fn revoke(
    State(state): State<AppState>,
    Path((_, id, device)): Path<(String, String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    let user = load_user(&state, call.app.id, &id).await?;
    if !state.db.revoke_device(user.id, &device).await? {
        return Err(ApiError::Missing("device"));
    }
    // Open streams of the device notice at once.
    state.hub.publish(&state.db, user.id).await;
    Ok(ok(
        json!({"message": "Device was revoked.", "success": true}),
    ))
}
