//! OneTouch approval requests: created by the website, stored, expired by the server, and read
//! back with every field the official clients check; devices are woken at once and answer them
//! through the device channel. Our extensions: `number_match` (the user types the number the
//! website shows) and `requester` (who asked, shown on the device); a cap on pending requests and
//! a creation rate per user against push fatigue.

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::{load_user, rfc3339};
use twofold_push::protocol::RequestStatus;

use crate::call::Call;
use crate::crypto;
use crate::error::ApiError;
use crate::reply::ok;
use crate::state::AppState;
use crate::store::ApprovalRow;

/// Longest message accepted.
pub const MAX_MESSAGE: usize = 1000;
/// Longest lifetime of a request, in seconds (30 days; 0 still means "never expires").
pub const MAX_SECONDS_TO_EXPIRE: i64 = 30 * 86_400;

fn hash_param(call: &Call, name: &str) -> Result<Value, ApiError> {
    match call.params.get(&[name]) {
        None | Some(Value::Null) => Ok(json!({})),
        Some(Value::String(s)) if s.is_empty() => Ok(json!({})),
        Some(v @ Value::Object(_)) => Ok(v.clone()),
        Some(_) => Err(ApiError::InvalidParameter {
            name: name.into(),
            problem: "must be a hash".into(),
        }),
    }
}

fn logos(call: &Call) -> Result<Value, ApiError> {
    let bad = |problem: &str| ApiError::InvalidParameter {
        name: "logos".into(),
        problem: problem.into(),
    };
    let items = match call.params.get(&["logos"]) {
        None | Some(Value::Null) => return Ok(json!([])),
        Some(Value::String(s)) if s.is_empty() => return Ok(json!([])),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => return Err(bad("must be a list of {res, url}")),
    };
    for item in &items {
        let res = item
            .get("res")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("each logo needs res"))?;
        if !["default", "low", "med", "high"].contains(&res) {
            return Err(bad("res must be default, low, med or high"));
        }
        item.get("url")
            .and_then(Value::as_str)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| bad("each logo needs url"))?;
    }
    Ok(Value::Array(items))
}

/// `POST users/{id}/approval_requests`.
pub async fn create(
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    if !call.app.onetouch_enabled {
        return Err(ApiError::InvalidRequest(
            "push (OneTouch) is turned off for this application".into(),
        ));
    }
    let user = load_user(&state, call.app.id, &id).await?;
    let message = call
        .params
        .str(&["message"])
        .ok_or_else(|| ApiError::InvalidParameter {
            name: "message".into(),
            problem: "Parameter is required".into(),
        })?;
    if message.chars().count() > MAX_MESSAGE {
        return Err(ApiError::InvalidParameter {
            name: "message".into(),
            problem: format!("is longer than {MAX_MESSAGE} characters"),
        });
    }
    let ttl = match call.params.int(&["seconds_to_expire"])? {
        None => state.policy.approval_default_ttl,
        Some(t) if (0..=MAX_SECONDS_TO_EXPIRE).contains(&t) => t,
        Some(_) => {
            return Err(ApiError::InvalidParameter {
                name: "seconds_to_expire".into(),
                problem: format!(
                    "must be between 0 (never expires) and {MAX_SECONDS_TO_EXPIRE} (30 days)"
                ),
            });
        }
    };
    let number_match = match call.params.get(&["number_match"]) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if matches!(s.as_str(), "true" | "1") => true,
        Some(Value::String(s)) if matches!(s.as_str(), "false" | "0" | "") => false,
        Some(_) => {
            return Err(ApiError::InvalidParameter {
                name: "number_match".into(),
                problem: "must be true or false".into(),
            });
        }
    };
    let requester = match call.params.get(&["requester"]) {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(
            json!({
                "ip": m.get("ip").and_then(Value::as_str),
                "location": m.get("location").and_then(Value::as_str),
            })
            .to_string(),
        ),
        Some(_) => {
            return Err(ApiError::InvalidParameter {
                name: "requester".into(),
                problem: "must be a hash with ip and location".into(),
            });
        }
    };
    let now = state.now();
    if !state.limits.allow_approval(user.id).await? {
        return Err(ApiError::RateLimited(
            "too many approval requests for this user; wait a minute".into(),
        ));
    }
    let number = number_match.then(|| 10 + i64::from(crypto::random_bytes(1)[0]) % 90);
    let row = ApprovalRow {
        uuid: uuid::Uuid::new_v4().to_string(),
        app_id: call.app.id,
        user_id: user.id,
        message,
        details: hash_param(&call, "details")?.to_string(),
        hidden_details: hash_param(&call, "hidden_details")?.to_string(),
        logos: logos(&call)?.to_string(),
        seconds_to_expire: ttl,
        status: RequestStatus::Pending,
        created_at: now,
        updated_at: now,
        processed_at: None,
        number,
        reason: None,
        device_uuid: None,
        device_signature: None,
        signed_at: None,
        requester,
    };
    let max = state.policy.max_pending_approvals;
    if state.db.insert_approval(&row, max).await?.is_none() {
        return Err(ApiError::RateLimited(format!(
            "this user already has {max} pending approval requests"
        )));
    }
    state.hub.publish(&state.db, user.id).await;
    let mut created = json!({"uuid": row.uuid});
    if let Some(n) = number {
        created["number"] = json!(n);
    }
    Ok(ok(json!({"approval_request": created, "success": true})))
}

/// `GET approval_requests/{uuid}`. A pending request past its lifetime becomes `expired` here.
pub async fn status(
    State(state): State<AppState>,
    Path((_, uuid)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::ApprovalNotFound { uuid: uuid.clone() };
    let mut row = state
        .db
        .approval(call.app.id, &uuid)
        .await?
        .ok_or_else(not_found)?;
    let now = state.now();
    if row.overdue(now) {
        super::device::expire(&state, &row).await?;
        row = state
            .db
            .approval(call.app.id, &uuid)
            .await?
            .ok_or_else(not_found)?;
    }
    let user = state.db.user(call.app.id, row.user_id).await?;
    let email = user
        .map(|u| u.email)
        .unwrap_or_else(|| "unknown@invalid.example".into());
    let parse = crate::store::json_column;
    Ok(ok(json!({
        "approval_request": {
            "_app_name": call.app.name,
            "_app_serial_id": call.app.id,
            "_authy_id": row.user_id,
            "_id": row.uuid.replace('-', ""),
            "_user_email": email,
            "app_id": format!("{:024x}", call.app.id),
            "created_at": rfc3339(row.created_at),
            "notified": false,
            "processed_at": row.processed_at.map(rfc3339),
            "seconds_to_expire": row.seconds_to_expire,
            "status": row.status,
            "updated_at": rfc3339(row.updated_at),
            "user_id": format!("{:024x}", row.user_id),
            "uuid": row.uuid,
            "message": row.message,
            "details": parse(&row.details),
            "hidden_details": parse(&row.hidden_details),
            "logos": parse(&row.logos),
            "reason": row.reason,
            "device": row.device_uuid.as_ref().map(|d| json!({"uuid": d, "signing_time": row.signed_at})),
        },
        "success": true,
    })))
}
