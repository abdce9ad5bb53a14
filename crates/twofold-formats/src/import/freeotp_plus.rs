//! FreeOTP+'s JSON export: `tokens` with the secret as signed bytes (Java's), the issuer in
//! `issuerExt`, the account in `label`; the HOTP counter as stored.

use serde::Deserialize;
use serde_json::Value;

use super::{Entry, Fields, Input, check_count, convert, nth, null_as_default};
use crate::error::{EntryProblem, ImportError};

const APP: &str = "FreeOTP+";

#[derive(Deserialize)]
struct File {
    tokens: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Token {
    #[serde(default, deserialize_with = "null_as_default")]
    algo: String,
    counter: Option<u64>,
    digits: Option<u64>,
    #[serde(default, deserialize_with = "null_as_default")]
    issuer_ext: String,
    #[serde(default, deserialize_with = "null_as_default")]
    label: String,
    period: Option<u64>,
    secret: Vec<i16>,
    #[serde(default, rename = "type", deserialize_with = "null_as_default")]
    kind: String,
}

/// Whether the JSON is a FreeOTP+ export.
pub(super) fn detect(json: &Value) -> bool {
    json.get("tokens").is_some_and(Value::is_array) && json.get("tokenOrder").is_some()
}

pub(super) fn import(input: Input<'_>) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    let file: File = input.parse(APP, "the file")?;
    check_count(APP, file.tokens.len())?;
    let fields = file.tokens.into_iter().enumerate().map(|(i, value)| {
        let t: Token = serde_json::from_value(value).map_err(|e| EntryProblem {
            entry: nth(i),
            field: "entry",
            problem: e.to_string(),
        })?;
        let who = twofold_core::account::display_name(&t.issuer_ext, &t.label);
        let secret: Vec<u8> = t
            .secret
            .iter()
            .map(|&b| u8::try_from(b.rem_euclid(256)).unwrap_or_default())
            .collect();
        if t.secret.iter().any(|&b| !(-128..=255).contains(&b)) {
            return Err(EntryProblem {
                entry: who,
                field: "secret",
                problem: "a byte out of range".into(),
            });
        }
        Ok(Fields {
            kind: t.kind,
            issuer: t.issuer_ext,
            name: t.label,
            secret: data_encoding::BASE32_NOPAD.encode(&secret),
            algorithm: t.algo,
            digits: t.digits,
            period: t.period,
            counter: t.counter,
            tags: Vec::new(),
            favourite: false,
        })
    });
    Ok(convert(fields))
}
