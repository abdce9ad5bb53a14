//! The `Call` extractor: one API request read the Authy way — the body parsed whatever the
//! method, parameters merged, the API key taken from the header, the query or the body, and the
//! application it belongs to looked up.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;

use crate::crypto;
use crate::error::ApiError;
use crate::params::Params;
use crate::state::AppState;
use crate::store::{AppRow, Counter};

/// Largest request body accepted, in bytes.
pub const MAX_BODY: usize = 64 * 1024;

/// An authenticated API request.
#[derive(Debug)]
pub struct Call {
    /// The application whose key was given, as read for this request.
    pub app: AppRow,
    /// Every parameter of the request.
    pub params: Params,
    /// The `Host` header, for building links.
    pub host: Option<String>,
}

impl FromRequest<AppState> for Call {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let query = req.uri().query().map(str::to_owned);
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        // HTTP/1.1 names the host in `Host`; HTTP/2 (what clients negotiate over TLS) in the
        // `:authority` that becomes the URI's authority.
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()));
        let header_key = req
            .headers()
            .get("x-authy-api-key")
            .and_then(|v| v.to_str().ok())
            .map(|s| s.trim().to_owned());
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::InvalidRequest(format!("the body could not be read: {e}")))?;
        if body.len() > MAX_BODY {
            return Err(ApiError::InvalidRequest(format!(
                "the body is larger than {MAX_BODY} bytes"
            )));
        }
        let params = Params::parse(query.as_deref(), content_type.as_deref(), &body)?;
        let key = header_key
            .filter(|k| !k.is_empty())
            .or_else(|| params.str(&["api_key"]))
            .ok_or(ApiError::InvalidApiKey)?;
        let hash = crypto::hash(&key);
        let app = state
            .db
            .app_for_request(&hash)
            .await?
            .ok_or(ApiError::InvalidApiKey)?;
        if !crypto::hashes_equal(&app.api_key_hash, &hash) {
            return Err(ApiError::InvalidApiKey);
        }
        if !state.limits.allow_app(app.id).await? {
            return Err(ApiError::RateLimited(
                "too many requests for this API key".into(),
            ));
        }
        state.db.bump(app.id, state.now(), Counter::ApiCalls);
        Ok(Self { app, params, host })
    }
}

/// A typed query string whose refusal is Authy's error envelope (axum's own `Query` answers a
/// bad query with plain text).
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S>
    for Query<T>
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|e| ApiError::InvalidRequest(format!("the query string: {}", e.body_text())))
    }
}
