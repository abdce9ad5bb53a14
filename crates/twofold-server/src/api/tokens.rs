//! One-time codes: sending them by SMS, voice and email, and verifying app codes, authenticator
//! codes and sent codes with a ±1 step window, replay protection and attempt limits.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use serde_json::json;
use twofold_core::otp::{Algorithm, Method, OtpParams, Window};

use super::{authy_id, load_user};
use crate::call::Call;
use crate::crypto;
use crate::crypto::{Purpose, ServerKey};
use crate::delivery::{Channel, Message};
use crate::error::ApiError;
use crate::phone;
use crate::reply::{self, ok};
use crate::state::{AppState, Metrics};
use crate::store::{Attempt, Counter, DeviceSeed, TokenClaim, UserRow, Verdict};

/// Seconds per app and authenticator code.
pub const PERIOD: u32 = 30;

/// The steps a code is accepted for around the current one.
const WINDOW: Window = Window::ONE_STEP;

/// The TOTP parameters of the app and authenticator codes of this length.
fn totp(digits: u8) -> Option<OtpParams> {
    OtpParams::new(Method::Totp { period: PERIOD }, Algorithm::Sha1, digits).ok()
}

/// The oldest time step a code can still be accepted for at `now`: replay-protection claims
/// for earlier steps can be pruned.
pub fn oldest_usable_step(now: i64) -> i64 {
    let params = totp(6).expect("6-digit TOTP parameters are valid");
    let oldest = params.oldest_usable_step(u64::try_from(now).unwrap_or(0), WINDOW);
    oldest.and_then(|s| i64::try_from(s).ok()).unwrap_or(0)
}

async fn send_code(
    state: &AppState,
    call: &Call,
    id: &str,
    channel: Channel,
) -> Result<Response, ApiError> {
    let user = load_user(state, call.app.id, id).await?;
    match channel {
        Channel::Sms if !call.app.sms_enabled => return Err(ApiError::SmsDisabled),
        Channel::Call if !call.app.calls_enabled => return Err(ApiError::CallsDisabled),
        Channel::Email if !call.app.email_enabled => {
            return Err(ApiError::InvalidRequest(
                "email tokens are not enabled for this application".into(),
            ));
        }
        _ => {}
    }
    let phone = phone::parse(&user.country_code.to_string(), &user.cellphone)?;
    let force = call.params.bool(&["force"]).unwrap_or(false);
    let devices = state.db.device_types(user.id).await?;
    if channel != Channel::Email && !force && !devices.is_empty() {
        let device = devices.last().map(|d| d.2.clone());
        let message = match channel {
            Channel::Call => {
                "Call ignored. User is using  App Tokens and this call is not necessary. Pass force=true if you still want to call users that are using the App."
            }
            _ => {
                "Ignored: SMS is not needed for smartphones. Pass force=true if you want to actually send it anyway."
            }
        };
        return Ok(ok(
            json!({"message":message,"cellphone":phone.masked_cellphone(),"device":device,"ignored":true,"success":true}),
        ));
    }
    let now = state.now();
    let policy = &state.policy;
    if !state
        .db
        .count_event(
            &format!("send:{}", user.id),
            now,
            policy.send_window,
            policy.sends_per_window,
        )
        .await?
    {
        return Err(ApiError::RateLimited(format!(
            "at most {} codes per user every {} minutes",
            policy.sends_per_window,
            policy.send_window / 60
        )));
    }
    let digits = usize::from(call.app.token_length);
    let code = crypto::random_code(digits);
    let action = call.params.str(&["action_message"]);
    let text = match (&action, channel) {
        (Some(a), _) => format!("{}: {a}. Your code is {code}", call.app.name),
        (None, Channel::Call) => format!(
            "Your {} code is {}",
            call.app.name,
            code.chars().map(String::from).collect::<Vec<_>>().join(" ")
        ),
        (None, _) => format!("Your {} verification code is: {code}", call.app.name),
    };
    let to = match channel {
        Channel::Email => user.email.clone(),
        _ => phone.e164.clone(),
    };
    let msg = Message {
        channel,
        to,
        code: code.clone(),
        text,
    };
    if let Err(why) = state.delivery.send(&msg, now).await {
        Metrics::add(&state.metrics.delivery_failures);
        tracing::warn!(channel = channel.as_str(), reason = %why, "delivery failed");
        return Err(match channel {
            Channel::Call => ApiError::CallNotStarted(why),
            _ => ApiError::SmsNotSent(why),
        });
    }
    Metrics::add(&state.metrics.deliveries);
    state
        .db
        .insert_sent_code(
            user.id,
            channel.as_str(),
            &crypto::hash(&code),
            now,
            now + state.policy.sent_code_ttl,
        )
        .await?;
    match channel {
        Channel::Sms => {
            state.db.bump(call.app.id, now, Counter::Sms);
            Ok(ok(
                json!({"success":true,"message":"SMS token was sent","cellphone":phone.masked_cellphone()}),
            ))
        }
        Channel::Call => {
            state.db.bump(call.app.id, now, Counter::Calls);
            Ok(ok(
                json!({"success":true,"message":"Call started...","cellphone":phone.masked_cellphone()}),
            ))
        }
        Channel::Email => {
            let email_id = format!(
                "EM{}",
                data_encoding::HEXLOWER.encode(&crypto::random_bytes(16))
            );
            Ok(ok(
                json!({"success":true,"message":"Email token was sent","email":user.email,"email_id":email_id}),
            ))
        }
    }
}

/// `GET sms/{id}`.
pub async fn sms(
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    send_code(&state, &call, &id, Channel::Sms).await
}

/// `GET call/{id}`.
pub async fn call(
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    send_code(&state, &call, &id, Channel::Call).await
}

/// `POST email/{id}`.
pub async fn email(
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    send_code(&state, &call, &id, Channel::Email).await
}

/// Whether a token is shaped like a code at all (4–12 digits).
fn well_formed(token: &str) -> bool {
    (4..=12).contains(&token.len()) && token.chars().all(|c| c.is_ascii_digit())
}

/// The time step in the window around `now` whose code from `seed` is `token`.
fn matching_step(seed: &[u8], digits: u8, token: &str, now: i64) -> Option<i64> {
    let step = totp(digits)?.matching_step(seed, token, u64::try_from(now).ok()?, WINDOW)?;
    i64::try_from(step).ok()
}

/// Which seed and time step `token` (shaped like a code) is a code of: one of the user's devices (an `app` code, the
/// application's length) or the authenticator seed of `users/{id}/secret` (6 digits). Runs on
/// the database's side of [`crate::store::Db::verify`], inside the attempt's transaction.
fn judge(
    key: &ServerKey,
    user: &UserRow,
    devices: &[DeviceSeed],
    app_digits: u8,
    token: &str,
    now: i64,
) -> Result<Option<TokenClaim>, String> {
    let unreadable =
        |purpose: Purpose| format!("a {purpose} cannot be decrypted with this server key");
    for device in devices {
        let purpose = if device.legacy {
            Purpose::AppSeed
        } else {
            Purpose::DeviceSeed
        };
        let seed = key
            .open(purpose, &device.sealed)
            .ok_or_else(|| unreadable(purpose))?;
        if let Some(step) = matching_step(seed.expose(), app_digits, token, now) {
            return Ok(Some(TokenClaim { kind: "app", step }));
        }
    }
    if let Some(sealed) = &user.authenticator_seed {
        let seed = key
            .open(Purpose::AuthenticatorSeed, sealed)
            .ok_or_else(|| unreadable(Purpose::AuthenticatorSeed))?;
        if let Some(step) = matching_step(seed.expose(), 6, token, now) {
            return Ok(Some(TokenClaim {
                kind: "authenticator",
                step,
            }));
        }
    }
    Ok(None)
}

/// `GET verify/{token}/{id}`. The whole decision — lock, code, replay, sent code, failure count
/// — is one step of the database's that holds the user ([`crate::store::Db::verify`]).
pub async fn verify(
    State(state): State<AppState>,
    Path((_, token, id)): Path<(String, String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    let id = authy_id(&id)?;
    let now = state.now();
    // Checked once: a token not shaped like a code is tried against nothing and counted.
    let code = Some(token.trim())
        .filter(|t| well_formed(t))
        .map(str::to_owned);
    let force = call.params.bool(&["force"]).unwrap_or(false);
    let key = state.key.clone();
    let digits = call.app.token_length;
    let sent_code_hash = code.as_deref().map(crypto::hash);
    let attempt = Attempt {
        app_id: call.app.id,
        user_id: id,
        now,
        max_failures: state.policy.max_failed_verifications,
        lock_until: now + state.policy.lock_seconds,
        sent_code_hash,
        accept_unregistered: call.app.authy_unverified_quirk && !force,
        judge: Box::new(move |user, devices| match &code {
            Some(code) => judge(&key, user, devices, digits, code, now),
            None => Ok(None),
        }),
    };
    let registered_at = match state.db.verify(attempt).await? {
        Verdict::NoUser => return Err(ApiError::UserNotFound),
        Verdict::Locked { until } => {
            return Err(ApiError::RateLimited(format!(
                "too many failed verifications for this user; try again in {} seconds",
                until - now
            )));
        }
        Verdict::Invalid => {
            Metrics::add(&state.metrics.verifications_failed);
            return Err(ApiError::TokenInvalid);
        }
        Verdict::ValidUnverified { registered_at } => {
            // Authy's documented behaviour, on for this application: until a user has once
            // logged in with a real token, verify without `force` answers "valid".
            tracing::info!(
                authy_id = id,
                "token accepted without force for a user who never logged in (Authy quirk)"
            );
            registered_at
        }
        Verdict::Valid { registered_at } => registered_at,
    };
    Metrics::add(&state.metrics.verifications_ok);
    state.db.bump(call.app.id, now, Counter::Auths);
    Ok(reply::json(
        StatusCode::OK,
        &TokenValid {
            device: ValidDevice {
                city: None,
                country: None,
                id: None,
                ip: None,
                last_account_recovery_at: None,
                last_sync_date: None,
                os_type: None,
                region: None,
                registration_city: None,
                registration_country: None,
                registration_date: registered_at,
                registration_method: None,
                registration_region: None,
            },
            message: "Token is valid.",
            success: "true",
            token: "is valid",
        },
    ))
}

/// The body of a successful `verify` (the hottest response, so typed rather than built as a
/// map). Fields in alphabetical order, as every other reply is written.
#[derive(Serialize)]
struct TokenValid {
    device: ValidDevice,
    message: &'static str,
    success: &'static str,
    token: &'static str,
}

/// The `device` of a successful `verify`: what Authy reported about the device the code came
/// from. Only the user's registration date is known here.
#[derive(Serialize)]
struct ValidDevice {
    city: Option<String>,
    country: Option<String>,
    id: Option<i64>,
    ip: Option<String>,
    last_account_recovery_at: Option<i64>,
    last_sync_date: Option<i64>,
    os_type: Option<String>,
    region: Option<String>,
    registration_city: Option<String>,
    registration_country: Option<String>,
    registration_date: i64,
    registration_method: Option<String>,
    registration_region: Option<String>,
}
