//! Google Authenticator's export QR codes (`otpauth-migration://offline?data=…`): the protobuf
//! payload decoded with `prost`, every account kept losslessly, batches of a multi-QR export
//! collected until all have been scanned.

use base64::Engine;
use prost::Message;

use crate::account::AccountDraft;
use crate::otp::{Algorithm, Method, OtpParams};
use crate::secret::Secret;

/// Why an export QR could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MigrationError {
    /// Not an `otpauth-migration://offline` URI.
    #[error("uri: not an otpauth-migration://offline URI")]
    NotMigration,
    /// No `data` parameter.
    #[error("data: missing")]
    MissingData,
    /// `data` is not base64.
    #[error("data: not base64")]
    Base64,
    /// `data` is not the expected protobuf message.
    #[error("data: not a Google Authenticator export ({reason})")]
    Protobuf {
        /// The decoder's message.
        reason: String,
    },
    /// An account in the export cannot be represented (an unknown type or algorithm, no secret).
    #[error("account {index} ({name}): {field}: {problem}")]
    Account {
        /// Position in the batch, from 1.
        index: usize,
        /// The account's name in the export.
        name: String,
        /// The field at fault.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
}

/// One QR code of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationBatch {
    /// The accounts in this QR code.
    pub accounts: Vec<AccountDraft>,
    /// Format version written by the exporting app.
    pub version: i32,
    /// How many QR codes the export has (1 when unset).
    pub batch_size: i32,
    /// This QR code's position, from 0.
    pub batch_index: i32,
    /// Identifies the export this QR code belongs to.
    pub batch_id: i32,
}

/// Decodes one `otpauth-migration://offline?data=…` URI.
pub fn parse(uri: &str) -> Result<MigrationBatch, MigrationError> {
    let uri = uri.trim();
    let prefix = "otpauth-migration://offline";
    let head = uri
        .get(..prefix.len())
        .ok_or(MigrationError::NotMigration)?;
    if !head.eq_ignore_ascii_case(prefix) {
        return Err(MigrationError::NotMigration);
    }
    let query = uri[prefix.len()..].strip_prefix(['?', '/']).unwrap_or("");
    let query = query.strip_prefix('?').unwrap_or(query);
    let data = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "data")
        .map(|(_, v)| v.into_owned())
        .ok_or(MigrationError::MissingData)?;
    // `+` decoded as a space by form decoding is a base64 `+`; padding is optional.
    let data: String = data
        .chars()
        .map(|c| if c == ' ' { '+' } else { c })
        .collect();
    let data = data.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(data)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(data))
        .map_err(|_| MigrationError::Base64)?;
    let payload = proto::MigrationPayload::decode(bytes.as_slice()).map_err(|e| {
        MigrationError::Protobuf {
            reason: e.to_string(),
        }
    })?;
    let mut accounts = Vec::with_capacity(payload.otp_parameters.len());
    for (i, p) in payload.otp_parameters.into_iter().enumerate() {
        accounts.push(to_draft(i + 1, p)?);
    }
    Ok(MigrationBatch {
        accounts,
        version: payload.version,
        batch_size: payload.batch_size.max(1),
        batch_index: payload.batch_index,
        batch_id: payload.batch_id,
    })
}

fn to_draft(index: usize, mut p: proto::OtpParameters) -> Result<AccountDraft, MigrationError> {
    let fail = |field: &'static str, problem: String| MigrationError::Account {
        index,
        name: p.name.clone(),
        field,
        problem,
    };
    if p.secret.is_empty() {
        return Err(fail("secret", "empty".into()));
    }
    let algorithm = match p.algorithm {
        0 | 1 => Algorithm::Sha1,
        2 => Algorithm::Sha256,
        3 => Algorithm::Sha512,
        4 => return Err(fail("algorithm", "MD5 is not supported".into())),
        other => return Err(fail("algorithm", format!("unknown value {other}"))),
    };
    let digits = match p.digits {
        0 | 1 => 6,
        2 => 8,
        other => return Err(fail("digits", format!("unknown value {other}"))),
    };
    let method = match p.r#type {
        0 | 2 => Method::Totp { period: 30 },
        1 => Method::Hotp {
            counter: u64::try_from(p.counter).unwrap_or(0),
        },
        other => return Err(fail("type", format!("unknown value {other}"))),
    };
    let params =
        OtpParams::new(method, algorithm, digits).map_err(|e| fail("params", e.to_string()))?;
    // Google writes the label (`Issuer:name`) as the name: read it like an otpauth label, where
    // the issuer field wins over the label's prefix.
    let (label_issuer, name) = match p.name.split_once(':') {
        Some((prefix, rest)) => (prefix.trim().to_owned(), rest.trim().to_owned()),
        None => (String::new(), p.name.trim().to_owned()),
    };
    let issuer = match p.issuer.trim() {
        "" => label_issuer,
        given => given.to_owned(),
    };
    let secret = Secret::new(std::mem::take(&mut p.secret));
    Ok(AccountDraft {
        issuer,
        name,
        secret,
        params,
        extra: Vec::new(),
    })
}

/// Why an account cannot travel in a Google Authenticator export: the format knows SHA1,
/// SHA256 and SHA512, 6 or 8 digits, TOTP (of 30 seconds) and HOTP — no Steam codes, no other
/// period or length.
pub fn unexportable(draft: &AccountDraft) -> Option<(&'static str, String)> {
    match draft.params.method() {
        Method::Steam { .. } => Some(("type", "Steam codes have no place in it".into())),
        Method::Totp { period } if period != 30 => {
            Some(("period", format!("{period} seconds (it knows only 30)")))
        }
        _ if !matches!(draft.params.digits(), 6 | 8) => Some((
            "digits",
            format!("{} digits (it knows only 6 and 8)", draft.params.digits()),
        )),
        _ => None,
    }
}

/// Google Authenticator export links for `drafts`, `per_batch` accounts in each (one QR code
/// each), all with `batch_id`. Drafts that [`unexportable`] refuses must be left out first;
/// they are skipped here. The links hold secrets: zeroized when dropped.
pub fn encode(
    drafts: &[AccountDraft],
    per_batch: usize,
    batch_id: i32,
) -> Vec<zeroize::Zeroizing<String>> {
    let exportable: Vec<&AccountDraft> = drafts
        .iter()
        .filter(|d| unexportable(d).is_none())
        .collect();
    let chunks: Vec<&[&AccountDraft]> = exportable.chunks(per_batch.max(1)).collect();
    let size = i32::try_from(chunks.len()).unwrap_or(i32::MAX);
    chunks
        .iter()
        .enumerate()
        .map(|(index, chunk)| {
            let payload = proto::MigrationPayload {
                otp_parameters: chunk.iter().map(|d| to_parameters(d)).collect(),
                version: 1,
                batch_size: size,
                batch_index: i32::try_from(index).unwrap_or(i32::MAX),
                batch_id,
            };
            let bytes = zeroize::Zeroizing::new(payload.encode_to_vec());
            let data = zeroize::Zeroizing::new(
                base64::engine::general_purpose::STANDARD.encode(bytes.as_slice()),
            );
            let escaped = zeroize::Zeroizing::new(
                url::form_urlencoded::byte_serialize(data.as_bytes()).collect::<String>(),
            );
            zeroize::Zeroizing::new(format!("otpauth-migration://offline?data={}", *escaped))
        })
        .collect()
}

/// One account as the export's protobuf holds it: the label `Issuer:name` as Google writes it.
fn to_parameters(draft: &AccountDraft) -> proto::OtpParameters {
    let params = draft.params;
    let (kind, counter) = match params.method() {
        Method::Hotp { counter } => (1, i64::try_from(counter).unwrap_or(i64::MAX)),
        _ => (2, 0),
    };
    proto::OtpParameters {
        secret: draft.secret.expose().to_vec(),
        name: if draft.issuer.is_empty() {
            draft.name.clone()
        } else {
            format!("{}:{}", draft.issuer, draft.name)
        },
        issuer: draft.issuer.clone(),
        algorithm: match params.algorithm() {
            Algorithm::Sha1 => 1,
            Algorithm::Sha256 => 2,
            Algorithm::Sha512 => 3,
        },
        digits: if params.digits() == 8 { 2 } else { 1 },
        r#type: kind,
        counter,
    }
}

/// Collects the QR codes of one export until every batch has been seen.
#[derive(Debug, Default)]
pub struct MigrationSet {
    batch_id: Option<i32>,
    batch_size: i32,
    batches: Vec<Option<MigrationBatch>>,
}

/// A batch that does not belong with the ones collected so far.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// The batch comes from another export.
    #[error("this QR code is from another export (batch id {found}, expected {expected})")]
    OtherExport {
        /// The id of the export being collected.
        expected: i32,
        /// The id of the batch offered.
        found: i32,
    },
    /// The batch index is outside the export's size.
    #[error("batch index {index} is outside an export of {size}")]
    OutOfRange {
        /// The index.
        index: i32,
        /// The export's size.
        size: i32,
    },
}

impl MigrationSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a batch; adding the same batch twice is harmless.
    pub fn add(&mut self, batch: MigrationBatch) -> Result<(), BatchError> {
        match self.batch_id {
            Some(id) if id != batch.batch_id => {
                return Err(BatchError::OtherExport {
                    expected: id,
                    found: batch.batch_id,
                });
            }
            Some(_) => {}
            None => {
                self.batch_id = Some(batch.batch_id);
                self.batch_size = batch.batch_size.max(1);
                self.batches = vec![None; usize::try_from(self.batch_size).unwrap_or(1)];
            }
        }
        let index = usize::try_from(batch.batch_index)
            .ok()
            .filter(|i| *i < self.batches.len())
            .ok_or(BatchError::OutOfRange {
                index: batch.batch_index,
                size: self.batch_size,
            })?;
        self.batches[index] = Some(batch);
        Ok(())
    }

    /// Batch indexes (from 0) not yet seen.
    pub fn missing(&self) -> Vec<i32> {
        (0..self.batch_size)
            .filter(|i| self.batches[*i as usize].is_none())
            .collect()
    }

    /// Whether every batch has been added (and at least one was).
    pub fn is_complete(&self) -> bool {
        self.batch_id.is_some() && self.missing().is_empty()
    }

    /// All accounts collected so far, in batch order.
    pub fn accounts(&self) -> Vec<AccountDraft> {
        self.batches
            .iter()
            .flatten()
            .flat_map(|b| b.accounts.iter().cloned())
            .collect()
    }
}

/// The export's protobuf schema (Google Authenticator `MigrationPayload`).
mod proto {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct MigrationPayload {
        #[prost(message, repeated, tag = "1")]
        pub otp_parameters: Vec<OtpParameters>,
        #[prost(int32, tag = "2")]
        pub version: i32,
        #[prost(int32, tag = "3")]
        pub batch_size: i32,
        #[prost(int32, tag = "4")]
        pub batch_index: i32,
        #[prost(int32, tag = "5")]
        pub batch_id: i32,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct OtpParameters {
        #[prost(bytes = "vec", tag = "1")]
        pub secret: Vec<u8>,
        #[prost(string, tag = "2")]
        pub name: String,
        #[prost(string, tag = "3")]
        pub issuer: String,
        #[prost(int32, tag = "4")]
        pub algorithm: i32,
        #[prost(int32, tag = "5")]
        pub digits: i32,
        #[prost(int32, tag = "6")]
        pub r#type: i32,
        #[prost(int64, tag = "7")]
        pub counter: i64,
    }
}
