//! Duo Mobile's accounts JSON (as rooted or backed-up Android phones hold it): third-party
//! accounts (`OtpAccount`) with a base32 `otpSecret`, HOTP when a counter is stored; the
//! account's name is its label. Duo's own push accounts hold no OTP secret and are passed over.

use serde::Deserialize;
use serde_json::Value;

use super::{Entry, Fields, Input, check_count, convert, nth, null_as_default};
use crate::error::{EntryProblem, ImportError};

const APP: &str = "Duo Mobile";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Account {
    #[serde(default, deserialize_with = "null_as_default")]
    name: String,
    otp_generator: Option<Generator>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Generator {
    #[serde(default, deserialize_with = "null_as_default")]
    otp_secret: String,
    counter: Option<u64>,
}

/// Whether the JSON is Duo's accounts list.
pub(super) fn detect(json: &Value) -> bool {
    json.as_array().is_some_and(|a| {
        !a.is_empty()
            && a.iter()
                .all(|x| x.get("accountType").is_some() || x.get("otpGenerator").is_some())
    })
}

pub(super) fn import(input: Input<'_>) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    let accounts: Vec<Value> = input.parse(APP, "the file")?;
    check_count(APP, accounts.len())?;
    let fields = accounts
        .into_iter()
        .enumerate()
        .filter(|(_, v)| v.get("otpGenerator").is_some())
        .map(|(i, value)| {
            let a: Account = serde_json::from_value(value).map_err(|e| EntryProblem {
                entry: nth(i),
                field: "entry",
                problem: e.to_string(),
            })?;
            let generator = a.otp_generator.unwrap_or(Generator {
                otp_secret: String::new(),
                counter: None,
            });
            Ok(Fields {
                kind: if generator.counter.is_some() {
                    "hotp"
                } else {
                    "totp"
                }
                .into(),
                issuer: String::new(),
                name: a.name,
                secret: generator.otp_secret,
                algorithm: String::new(),
                digits: None,
                period: None,
                counter: generator.counter,
                tags: Vec::new(),
                favourite: false,
            })
        });
    Ok(convert(fields))
}
