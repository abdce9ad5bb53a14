//! Users: create (idempotent by phone), status, the three delete paths, activities, the TOTP
//! secret and QR code for third-party authenticator apps, and email updates.

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Value, json};
use twofold_core::otp::{Algorithm, Method, OtpParams};
use twofold_core::{AccountDraft, Secret, otpauth, qr};

use super::{load_user, open_seed};
use crate::call::Call;
use crate::crypto::{self, Purpose};
use crate::error::ApiError;
use crate::phone;
use crate::reply::ok;
use crate::state::AppState;
use crate::store::Counter;

fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c == ',' || c == '<' || c == '>')
}

/// `POST users/new`.
pub async fn create(State(state): State<AppState>, call: Call) -> Result<Response, ApiError> {
    let p = &call.params;
    let email = p.str(&["user", "email"]).or_else(|| p.str(&["email"]));
    let cellphone = p
        .str(&["user", "cellphone"])
        .or_else(|| p.str(&["cellphone"]));
    let country = p
        .str(&["user", "country_code"])
        .or_else(|| p.str(&["country_code"]));
    let mut fields = Vec::new();
    match &email {
        None => fields.push(("email".to_owned(), "can't be blank".to_owned())),
        Some(e) if !valid_email(e) => fields.push(("email".to_owned(), "is invalid".to_owned())),
        Some(_) => {}
    }
    let phone = match (&country, &cellphone) {
        (None, _) => {
            fields.push(("country_code".to_owned(), "can't be blank".to_owned()));
            None
        }
        (_, None) => {
            fields.push(("cellphone".to_owned(), "can't be blank".to_owned()));
            None
        }
        (Some(cc), Some(number)) => match phone::parse(cc, number) {
            Ok(p) => Some(p),
            Err(ApiError::InvalidParameter { .. }) => {
                fields.push(("country_code".to_owned(), "is invalid".to_owned()));
                None
            }
            Err(_) => {
                fields.push(("cellphone".to_owned(), "is invalid".to_owned()));
                None
            }
        },
    };
    let (Some(email), Some(phone)) = (email, phone) else {
        return Err(ApiError::UserNotValid { fields });
    };
    if !fields.is_empty() {
        return Err(ApiError::UserNotValid { fields });
    }
    let now = state.now();
    let id = match state
        .db
        .user_by_phone(call.app.id, phone.country_code, &phone.national)
        .await?
    {
        Some(existing) => {
            if existing.email != email {
                state.db.set_user_email(existing.id, &email).await?;
            }
            existing.id
        }
        None => {
            let seed = state.key.seal(Purpose::AppSeed, &crypto::random_bytes(20));
            let inserted = state
                .db
                .insert_user(
                    call.app.id,
                    &email,
                    phone.country_code,
                    &phone.national,
                    &seed,
                    now,
                )
                .await;
            match inserted {
                Ok(id) => {
                    state.db.bump(call.app.id, now, Counter::Users);
                    id
                }
                // Two requests for the same phone at once: the unique index picked one.
                Err(e) => match state
                    .db
                    .user_by_phone(call.app.id, phone.country_code, &phone.national)
                    .await?
                {
                    Some(u) => u.id,
                    None => return Err(e.into()),
                },
            }
        }
    };
    Ok(ok(
        json!({"message":"User created successfully.","user":{"id":id},"success":true}),
    ))
}

/// `GET users/{id}/status`.
pub async fn status(
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    let user = load_user(&state, call.app.id, &id).await?;
    let devices = state.db.device_types(user.id).await?;
    let phone = phone::parse(&user.country_code.to_string(), &user.cellphone).ok();
    let masked = phone
        .map(|p| p.masked_status())
        .unwrap_or_else(|| "XXX-XXX-XXXX".into());
    let detailed: Vec<Value> = devices
        .iter()
        .map(|(device_id, kind, os, created)| {
            json!({"device_type":kind,"os_type":os,"registration_device_id":null,"registration_method":"qr",
                   "device_id":device_id,"last_sync_date":0,"creation_date":created})
        })
        .collect();
    let names: Vec<&str> = devices.iter().map(|(_, _, os, _)| os.as_str()).collect();
    Ok(ok(json!({
        "status": {
            "authy_id": user.id,
            "confirmed": true,
            "registered": !devices.is_empty(),
            "country_code": user.country_code,
            "phone_number": masked,
            "email": user.email,
            "devices": names,
            "has_hard_token": false,
            "account_disabled": false,
            "detailed_devices": detailed,
            "deleted_devices": [],
        },
        "message": "User status.",
        "success": true,
    })))
}

async fn remove(state: &AppState, call: &Call, id: &str) -> Result<Response, ApiError> {
    let user = load_user(state, call.app.id, id).await?;
    state.db.delete_user(user.id).await?;
    Ok(ok(
        json!({"message":"User was added to remove.","success":true}),
    ))
}

/// `POST users/{id}/remove` and `POST users/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    remove(&state, &call, &id).await
}

/// `POST users/delete/{id}` (npm authy).
pub async fn delete_npm(
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    remove(&state, &call, &id).await
}

/// `POST users/{id}/register_activity`.
pub async fn register_activity(
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    let user = load_user(&state, call.app.id, &id).await?;
    let kind = call.params.str(&["type"]).unwrap_or_default();
    if !["password_reset", "banned", "unbanned", "cookie_login"].contains(&kind.as_str()) {
        return Err(ApiError::ActivityInvalid);
    }
    let data = call.params.get(&["data"]).cloned().unwrap_or(Value::Null);
    let ip = call
        .params
        .str(&["user_ip"])
        .or_else(|| call.params.str(&["ip"]));
    state
        .db
        .insert_activity(
            user.id,
            &kind,
            &data.to_string(),
            ip.as_deref(),
            state.now(),
        )
        .await?;
    Ok(ok(
        json!({"message":"Activity was created.","success":true}),
    ))
}

/// `POST users/{id}/update` (email).
pub async fn update(
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    let user = load_user(&state, call.app.id, &id).await?;
    let email = call
        .params
        .str(&["email"])
        .or_else(|| call.params.str(&["user", "email"]));
    match email {
        Some(e) if valid_email(&e) => state.db.set_user_email(user.id, &e).await?,
        _ => {
            return Err(ApiError::UserNotValid {
                fields: vec![("email".into(), "is invalid".into())],
            });
        }
    }
    Ok(ok(
        json!({"message":"User was updated successfully","success":true}),
    ))
}

/// `GET registrations/status`: registrations without personal data come from the Authy SDK's
/// device flow, which this server does not offer; every id is reported as not found.
pub async fn registration_status(_: State<AppState>, _call: Call) -> Result<Response, ApiError> {
    Err(ApiError::UserNotFound)
}

/// `POST users/{id}/secret`: the user's TOTP secret for any authenticator app, as text, as an
/// `otpauth://` URI and as a QR image link. The secret is made once and kept.
pub async fn secret(
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    let user = load_user(&state, call.app.id, &id).await?;
    let seed = match &user.authenticator_seed {
        Some(sealed) => open_seed(&state, Purpose::AuthenticatorSeed, sealed)?,
        None => {
            let seed = Secret::new(crypto::random_bytes(20));
            state
                .db
                .set_authenticator_seed(
                    user.id,
                    &state.key.seal(Purpose::AuthenticatorSeed, seed.expose()),
                )
                .await?;
            seed
        }
    };
    let label = call
        .params
        .str(&["label"])
        .unwrap_or_else(|| user.email.clone());
    let size = call
        .params
        .int(&["qr_size"])?
        .unwrap_or(300)
        .clamp(64, 2000);
    let draft = AccountDraft {
        issuer: call.app.name.clone(),
        name: label.clone(),
        secret: seed.clone(),
        params: OtpParams::new(Method::Totp { period: 30 }, Algorithm::Sha1, 6)
            .map_err(|e| ApiError::Internal(e.to_string()))?,
        extra: Vec::new(),
    };
    let uri = otpauth::format(&draft);
    let modules = qrcode::QrCode::new(uri.as_bytes())
        .map(|c| c.width() as i64 + 8)
        .unwrap_or(41);
    let module_px = u32::try_from((size / modules).max(1)).unwrap_or(4);
    let png = qr::encode_png(&uri, module_px).map_err(|e| ApiError::Internal(e.to_string()))?;
    let token = crypto::random_string(32, b"abcdefghijklmnopqrstuvwxyz0234567");
    state.db.insert_qr(&token, &png, state.now() + 3600).await?;
    let base = super::base_url(&state, call.host.as_deref());
    Ok(ok(json!({
        "label": label,
        "issuer": call.app.name,
        "qr_code": format!("{base}/qr/{token}.png"),
        "secret": seed.to_base32().as_str(),
        "uri": uri,
        "message": "QR code generated.",
        "success": true,
    })))
}
