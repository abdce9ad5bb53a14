//! 2FAS's backup (`.2fas`, schema version 4), unencrypted: one service per account with its
//! `otpauth://` link and token fields; the first tag becomes its group (2FAS has one group an
//! account).

use serde::Serialize;
use serde_json::{Value, json};
use twofold_core::otp::Method;
use twofold_core::{Account, otpauth};
use zeroize::Zeroizing;

use super::uuid_of;

/// The schema version written, and the 2FAS release that introduced it (2FAS reads backups by
/// schema and app version).
const SCHEMA: u32 = 4;
const APP_VERSION_CODE: u32 = 5_000_009;
const APP_VERSION_NAME: &str = "5.1.0";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct File {
    services: Vec<Service>,
    groups: Vec<Value>,
    updated_at: u64,
    schema_version: u32,
    app_version_code: u32,
    app_version_name: &'static str,
    app_origin: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Service {
    name: String,
    secret: Zeroizing<String>,
    updated_at: u64,
    otp: Otp,
    order: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Otp {
    link: Zeroizing<String>,
    label: String,
    account: String,
    issuer: String,
    digits: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    period: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    counter: Option<u64>,
    algorithm: &'static str,
    token_type: &'static str,
    source: &'static str,
}

pub(super) fn plain(accounts: &[Account], now: u64) -> Zeroizing<Vec<u8>> {
    let updated = now.saturating_mul(1000);
    let mut groups: Vec<String> = Vec::new();
    let services = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let params = a.params;
            let (token_type, period, counter) = match params.method() {
                Method::Totp { period } => ("TOTP", Some(period), None),
                Method::Steam { period } => ("STEAM", Some(period), None),
                Method::Hotp { counter } => ("HOTP", None, Some(counter)),
            };
            let group_id = a.tags.first().map(|tag| {
                if !groups.contains(tag) {
                    groups.push(tag.clone());
                }
                uuid_of(&format!("tag:{tag}"))
            });
            Service {
                name: if a.issuer.is_empty() {
                    a.name.clone()
                } else {
                    a.issuer.clone()
                },
                secret: a.secret.to_base32(),
                updated_at: updated,
                otp: Otp {
                    link: Zeroizing::new(otpauth::format(&a.to_draft())),
                    label: a.name.clone(),
                    account: a.name.clone(),
                    issuer: a.issuer.clone(),
                    digits: params.digits(),
                    period,
                    counter,
                    algorithm: params.algorithm().as_str(),
                    token_type,
                    source: "Link",
                },
                order: json!({"position": i}),
                group_id,
            }
        })
        .collect();
    let file = File {
        services,
        groups: groups
            .iter()
            .map(|t| {
                json!({
                    "id": uuid_of(&format!("tag:{t}")),
                    "name": t,
                    "isExpanded": true,
                    "updatedAt": updated,
                })
            })
            .collect(),
        updated_at: updated,
        schema_version: SCHEMA,
        app_version_code: APP_VERSION_CODE,
        app_version_name: APP_VERSION_NAME,
        app_origin: "android",
    };
    let mut bytes = Zeroizing::new(serde_json::to_vec_pretty(&file).unwrap_or_default());
    bytes.push(b'\n');
    bytes
}
