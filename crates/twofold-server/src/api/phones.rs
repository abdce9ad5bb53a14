//! Phone verification (Verify v1: start, check, status) and phone information.

use axum::extract::State;
use axum::response::Response;
use serde_json::json;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::call::Call;
use crate::crypto;
use crate::delivery::{Channel, Message};
use crate::error::ApiError;
use crate::params::Params;
use crate::phone::{self, Phone};
use crate::reply::ok;
use crate::state::{AppState, Metrics};
use crate::store::VerificationRow;

fn required(p: &Params, name: &str) -> Result<String, ApiError> {
    p.str(&[name]).ok_or_else(|| ApiError::InvalidParameter {
        name: name.into(),
        problem: "Parameter is required".into(),
    })
}

fn phone_of(p: &Params) -> Result<Phone, ApiError> {
    let country = required(p, "country_code")?;
    let number = required(p, "phone_number")?;
    phone::parse(&country, &number)
}

/// `POST phones/verification/start`.
pub async fn start(State(state): State<AppState>, call: Call) -> Result<Response, ApiError> {
    let p = &call.params;
    let via = required(p, "via")?.to_ascii_lowercase();
    let channel = match via.as_str() {
        "sms" => Channel::Sms,
        "call" => Channel::Call,
        _ => {
            return Err(ApiError::InvalidParameter {
                name: "via".into(),
                problem: "must be sms or call".into(),
            });
        }
    };
    let phone = phone_of(p)?;
    match channel {
        Channel::Sms if !call.app.sms_enabled => return Err(ApiError::SmsDisabled),
        Channel::Call if !call.app.calls_enabled => return Err(ApiError::CallsDisabled),
        _ => {}
    }
    let length = p.int(&["code_length"])?.unwrap_or(4);
    if !(4..=10).contains(&length) {
        return Err(ApiError::InvalidParameter {
            name: "code_length".into(),
            problem: "must be between 4 and 10".into(),
        });
    }
    let code = match p.str(&["custom_code"]) {
        Some(c) if (4..=10).contains(&c.len()) && c.chars().all(|d| d.is_ascii_digit()) => c,
        Some(_) => {
            return Err(ApiError::InvalidParameter {
                name: "custom_code".into(),
                problem: "must be 4 to 10 digits".into(),
            });
        }
        None => crypto::random_code(length as usize),
    };
    let now = state.now();
    let policy = &state.policy;
    if !state
        .db
        .count_event(
            &format!("phone-start:{}:{}", call.app.id, phone.e164),
            now,
            policy.send_window,
            policy.sends_per_window,
        )
        .await?
    {
        return Err(ApiError::RateLimited(format!(
            "at most {} verifications per phone every {} minutes",
            policy.sends_per_window,
            policy.send_window / 60
        )));
    }
    let text = match channel {
        Channel::Call => format!(
            "Your {} verification code is {}",
            call.app.name,
            code.chars().map(String::from).collect::<Vec<_>>().join(" ")
        ),
        _ => format!("Your {} verification code is: {code}", call.app.name),
    };
    let msg = Message {
        channel,
        to: phone.e164.clone(),
        code: code.clone(),
        text,
    };
    if let Err(why) = state.delivery.send(&msg, now).await {
        Metrics::add(&state.metrics.delivery_failures);
        return Err(match channel {
            Channel::Call => ApiError::CallNotStarted(why),
            _ => ApiError::SmsNotSent(why),
        });
    }
    Metrics::add(&state.metrics.deliveries);
    let ttl = state.policy.phone_verification_ttl;
    let row = VerificationRow {
        uuid: uuid::Uuid::new_v4().to_string(),
        e164: phone.e164.clone(),
        via: via.clone(),
        code_hash: crypto::hash(&code),
        created_at: now,
        expires_at: now + ttl,
        attempts: 0,
        status: "pending".into(),
    };
    state.db.insert_verification(call.app.id, &row).await?;
    let message = match channel {
        Channel::Call => format!("Call to {} initiated", phone.international),
        _ => format!("Text message sent to {}.", phone.international),
    };
    Ok(ok(json!({
        "carrier": null,
        "is_cellphone": phone.kind == "cellphone",
        "is_ported": false,
        "message": message,
        "seconds_to_expire": ttl - 1,
        "uuid": row.uuid,
        "success": true,
    })))
}

/// `GET phones/verification/check`. Each check is counted before the code is compared, in the
/// statement that tests the cap, so that no number of concurrent checks gets more than the
/// verification's attempts (and the phone's daily allowance of wrong codes) between them.
pub async fn check(State(state): State<AppState>, call: Call) -> Result<Response, ApiError> {
    let phone = phone_of(&call.params)?;
    let code = required(&call.params, "verification_code")?;
    let now = state.now();
    let not_found = || ApiError::VerificationNotFound {
        phone: phone.international.clone(),
    };
    let daily = format!("phone-check:{}:{}", call.app.id, phone.e164);
    if !state
        .db
        .count_event(&daily, now, DAY, state.policy.phone_check_failures_per_day)
        .await?
    {
        return Err(ApiError::RateLimited(
            "too many wrong verification codes for this phone today".into(),
        ));
    }
    let max = state.policy.phone_verification_attempts;
    let Some(v) = state
        .db
        .take_verification_check(call.app.id, &phone.e164, now, max)
        .await?
    else {
        state.db.uncount_event(&daily, now, DAY).await?;
        return Err(not_found());
    };
    if crypto::hashes_equal(&crypto::hash(&code), &v.code_hash) {
        state.db.uncount_event(&daily, now, DAY).await?;
        if !state.db.finish_verification(&v.uuid, "verified").await? {
            return Err(not_found());
        }
        return Ok(ok(
            json!({"message":"Verification code is correct.","success":true}),
        ));
    }
    if v.attempts >= max {
        state.db.finish_verification(&v.uuid, "failed").await?;
    }
    Err(ApiError::VerificationIncorrect)
}

/// Seconds in a day (the window of the daily allowance of wrong codes).
const DAY: i64 = 86_400;

/// `GET phones/verification/status` (by `uuid`, or by phone).
pub async fn status(State(state): State<AppState>, call: Call) -> Result<Response, ApiError> {
    let now = state.now();
    let v = match call.params.str(&["uuid"]) {
        Some(uuid) => state
            .db
            .verification(call.app.id, &uuid)
            .await?
            .ok_or_else(|| ApiError::VerificationNotFound {
                phone: uuid.clone(),
            })?,
        None => {
            let phone = phone_of(&call.params)?;
            state
                .db
                .latest_verification(call.app.id, &phone.e164)
                .await?
                .ok_or(ApiError::VerificationNotFound {
                    phone: phone.international,
                })?
        }
    };
    let status = if v.status == "pending" && v.expires_at <= now {
        "expired".to_owned()
    } else {
        v.status
    };
    Ok(ok(
        json!({"message":"Phone Verification status.","status":status,"seconds_to_expire":(v.expires_at - now).max(0),"success":true}),
    ))
}

/// `GET phones/info`.
pub async fn info(State(state): State<AppState>, call: Call) -> Result<Response, ApiError> {
    let phone = phone_of(&call.params)?;
    let when = OffsetDateTime::from_unix_timestamp(state.now())
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap_or_default();
    Ok(ok(json!({
        "message": format!("Phone number information as of {when} UTC"),
        "type": phone.kind,
        "provider": "",
        "ported": false,
        "success": true,
    })))
}
