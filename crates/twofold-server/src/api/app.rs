//! Application details and monthly statistics.

use axum::extract::State;
use axum::response::Response;
use serde_json::{Value, json};
use time::Month;

use crate::call::Call;
use crate::error::ApiError;
use crate::reply::ok;
use crate::state::AppState;

/// `GET app/details`.
pub async fn details(State(_state): State<AppState>, call: Call) -> Result<Response, ApiError> {
    let a = &call.app;
    Ok(ok(json!({
        "app": {"app_id": a.id, "name": a.name, "plan": "self_hosted", "sms_enabled": a.sms_enabled,
                "phone_calls_enabled": a.calls_enabled, "onetouch_enabled": a.onetouch_enabled},
        "message": "Application information.",
        "success": true,
    })))
}

/// `GET app/stats`.
pub async fn stats(State(state): State<AppState>, call: Call) -> Result<Response, ApiError> {
    let rows = state.db.usage(call.app.id).await?;
    let stats: Vec<Value> = rows
        .iter()
        .map(|r| {
            let (year, month) = r.month.split_once('-').unwrap_or(("1970", "01"));
            let month = month.parse::<u8>().ok().and_then(|m| Month::try_from(m).ok()).map_or_else(|| "January".to_owned(), |m| m.to_string());
            json!({"api_calls_count": r.api_calls, "auths_count": r.auths, "calls_count": r.calls, "month": month,
                   "sms_count": r.sms, "users_count": r.users, "year": year.parse::<i64>().unwrap_or(1970)})
        })
        .collect();
    let total = state.db.count_users(call.app.id).await?;
    Ok(ok(
        json!({"app_id": call.app.id, "count": stats.len(), "message": "Monthly statistics.", "total_users": total, "stats": stats, "success": true}),
    ))
}
