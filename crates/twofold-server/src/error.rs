//! The one server error type: every failure becomes Authy's error envelope
//! (`{"message","success":false,"errors":{…},"error_code":"600xx"}`) with the status real clients
//! expect. Conversion has no side effects; internal details are logged, never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::store::StoreError;

/// The activities `register_activity` accepts.
pub const ACTIVITY_TYPES: &str = "password_reset, banned, unbanned, cookie_login";

/// A failure of an API request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 60001: the API key is missing or unknown.
    #[error("Invalid API key")]
    InvalidApiKey,
    /// 60002: the request cannot be read (bad JSON, conflicting or too many parameters).
    #[error("Invalid request: {0}")]
    InvalidRequest(String),
    /// 60003: too many requests or attempts.
    #[error("DoS protection: {0}")]
    RateLimited(String),
    /// 60004: a parameter is missing or malformed.
    #[error("Invalid parameter: {name} - {problem}")]
    InvalidParameter {
        /// The parameter.
        name: String,
        /// What is wrong with it.
        problem: String,
    },
    /// 60005: the request is not UTF-8.
    #[error("UTF-8 invalid")]
    InvalidEncoding,
    /// 60006: voice calls are off for this application.
    #[error("The calls add-on is not enabled on this App.")]
    CallsDisabled,
    /// 60007: SMS is off for this application.
    #[error("The text-message addon is not enabled for this app.")]
    SmsDisabled,
    /// 60014: a voice call could not be started.
    #[error("Call could not be started: {0}")]
    CallNotStarted(String),
    /// 60015: a message could not be sent.
    #[error("SMS could not be sent: {0}")]
    SmsNotSent(String),
    /// 60020: the token does not verify.
    #[error("Token is invalid")]
    TokenInvalid,
    /// 60022: the phone verification code is wrong.
    #[error("Verification code is incorrect")]
    VerificationIncorrect,
    /// 60023: no pending phone verification.
    #[error("No pending verifications for {phone} found.")]
    VerificationNotFound {
        /// The phone, formatted `+1 201-555-0123`.
        phone: String,
    },
    /// 60026: no such user in this application.
    #[error("User not found.")]
    UserNotFound,
    /// 60027: user fields are invalid.
    #[error("User was not valid")]
    UserNotValid {
        /// `(field, problem)` pairs, e.g. `("cellphone", "is invalid")`.
        fields: Vec<(String, String)>,
    },
    /// 60029: an unknown activity type.
    #[error("You can only create the following activities: {ACTIVITY_TYPES}.")]
    ActivityInvalid,
    /// 60033: the phone number is not valid.
    #[error("Phone number is invalid")]
    PhoneInvalid,
    /// 60049: no such approval request.
    #[error("Approval request not found: {uuid}")]
    ApprovalNotFound {
        /// The uuid asked for.
        uuid: String,
    },
    /// 60101 with 401: a device request whose signature, time, nonce or device is refused.
    #[error("Device request refused: {0}")]
    DeviceRefused(String),
    /// 60102 with 403: an enrollment that cannot be redeemed.
    #[error("Enrollment refused: {0}")]
    EnrollmentRefused(String),
    /// 60103 with 409: the approval request was answered or has expired.
    #[error("Approval request is already {status}")]
    ApprovalClosed {
        /// Its status.
        status: twofold_push::protocol::RequestStatus,
    },
    /// 60104 with 403: sync is off on this server, or a space cannot be created or joined
    /// this way (the reason says why).
    #[error("Sync refused: {0}")]
    SyncRefused(String),
    /// 60105 with 409: records a push started from an old version of; nothing was written.
    /// The client pulls, merges and pushes again.
    #[error("{} record(s) changed since this device read them; pull, merge and push again", conflicts.len())]
    SyncConflict {
        /// (record id, its version now).
        conflicts: Vec<(String, i64)>,
    },
    /// 60106 with 409: the records are sealed under another key generation than the space's
    /// (a device was removed and the key rotated); the client fetches the new key.
    #[error("The space key changed (generation {generation}); fetch the new key and sync again")]
    SyncKeyChanged {
        /// The generation now.
        generation: i64,
    },
    /// 60000 with 404: a resource that does not exist or has expired (a QR image link).
    #[error("{0} not found or expired")]
    Missing(&'static str),
    /// 60000 with 404: no such endpoint.
    #[error("Resource not found")]
    RouteNotFound,
    /// 60000 with 404: `/metrics` on the API port of a server without a metrics token.
    #[error("Metrics are not served on this port: the server has no --metrics-token")]
    MetricsOff,
    /// 60000 with 500: a server fault (details are logged, not sent).
    #[error("An error occurred")]
    Internal(String),
    /// 60000 with 503: the database cannot take the request now (its disk is full, it is
    /// unreachable or read-only during a failover). Whether a write whose connection was lost
    /// in its commit took effect cannot be known here, so the message does not promise either.
    /// Details are logged.
    #[error("The service is temporarily unavailable; try again in a few seconds")]
    Unavailable(String),
}

impl ApiError {
    /// The HTTP status and Authy error code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::InvalidApiKey => (StatusCode::UNAUTHORIZED, "60001"),
            Self::InvalidRequest(_) => (StatusCode::BAD_REQUEST, "60002"),
            Self::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "60003"),
            Self::InvalidParameter { .. } => (StatusCode::BAD_REQUEST, "60004"),
            Self::InvalidEncoding => (StatusCode::BAD_REQUEST, "60005"),
            Self::CallsDisabled => (StatusCode::SERVICE_UNAVAILABLE, "60006"),
            Self::SmsDisabled => (StatusCode::SERVICE_UNAVAILABLE, "60007"),
            Self::CallNotStarted(_) => (StatusCode::SERVICE_UNAVAILABLE, "60014"),
            Self::SmsNotSent(_) => (StatusCode::SERVICE_UNAVAILABLE, "60015"),
            Self::TokenInvalid => (StatusCode::UNAUTHORIZED, "60020"),
            Self::VerificationIncorrect => (StatusCode::UNAUTHORIZED, "60022"),
            Self::VerificationNotFound { .. } => (StatusCode::NOT_FOUND, "60023"),
            Self::UserNotFound => (StatusCode::NOT_FOUND, "60026"),
            Self::UserNotValid { .. } => (StatusCode::BAD_REQUEST, "60027"),
            Self::ActivityInvalid => (StatusCode::BAD_REQUEST, "60029"),
            Self::PhoneInvalid => (StatusCode::BAD_REQUEST, "60033"),
            Self::ApprovalNotFound { .. } => (StatusCode::NOT_FOUND, "60049"),
            Self::DeviceRefused(_) => (StatusCode::UNAUTHORIZED, "60101"),
            Self::EnrollmentRefused(_) => (StatusCode::FORBIDDEN, "60102"),
            Self::ApprovalClosed { .. } => (StatusCode::CONFLICT, "60103"),
            Self::SyncRefused(_) => (StatusCode::FORBIDDEN, "60104"),
            Self::SyncConflict { .. } => (StatusCode::CONFLICT, "60105"),
            Self::SyncKeyChanged { .. } => (StatusCode::CONFLICT, "60106"),
            Self::RouteNotFound | Self::MetricsOff | Self::Missing(_) => {
                (StatusCode::NOT_FOUND, "60000")
            }
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "60000"),
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "60000"),
        }
    }

    /// The envelope body.
    pub fn body(&self) -> Value {
        let (_, code) = self.status_and_code();
        let message = self.to_string();
        let mut errors = Map::new();
        let mut top = Map::new();
        match self {
            Self::ApprovalNotFound { .. } => {}
            Self::UserNotValid { fields } => {
                for (field, problem) in fields {
                    errors.insert(field.clone(), json!(problem));
                    top.insert(field.clone(), json!(problem));
                }
                errors.insert("message".into(), json!(message));
            }
            _ => {
                errors.insert("message".into(), json!(message));
            }
        }
        match self {
            Self::SyncConflict { conflicts } => {
                let list: Vec<Value> = conflicts
                    .iter()
                    .map(|(id, version)| json!({"id": id, "version": version}))
                    .collect();
                top.insert("conflicts".into(), Value::Array(list));
            }
            Self::SyncKeyChanged { generation } => {
                top.insert("generation".into(), json!(generation));
            }
            _ => {}
        }
        if matches!(self, Self::TokenInvalid) {
            top.insert("token".into(), json!("is invalid"));
        }
        top.insert("message".into(), json!(message));
        top.insert("success".into(), json!(false));
        top.insert("errors".into(), Value::Object(errors));
        top.insert("error_code".into(), json!(code));
        Value::Object(top)
    }
}

/// What went wrong inside the server, carried beside a 5xx response (never in its body) for the
/// request middleware to log with the route.
#[derive(Clone, Debug)]
pub struct ErrorDetail(pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, _) = self.status_and_code();
        let detail = match &self {
            Self::Internal(detail) => Some(format!("internal error: {detail}")),
            Self::Unavailable(detail) => Some(format!("storage unavailable: {detail}")),
            _ => None,
        };
        let mut response = crate::reply::json(status, &self.body());
        if let Some(detail) = detail {
            response.extensions_mut().insert(ErrorDetail(detail));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let code = match &e {
            StoreError::Sqlx(sqlx::Error::Database(db)) => {
                db.code().map(|c| format!(" (code {c})"))
            }
            StoreError::Sqlite { code: Some(c), .. } => Some(format!(" ({c:?})")),
            _ => None,
        };
        let detail = format!("database: {e}{}", code.unwrap_or_default());
        if e.unavailable() {
            Self::Unavailable(detail)
        } else {
            Self::Internal(detail)
        }
    }
}
