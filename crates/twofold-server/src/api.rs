//! The HTTP surface: Authy's `/protected/{format}/…` and `/onetouch/{format}/…` endpoints, the QR
//! images they link to, `/healthz` and `/metrics`, and the XML rendering of any response on an
//! `xml` path.

mod app;
mod device;
mod devices;
mod onetouch;
mod phones;
mod sync;
mod tokens;
mod users;

pub use device::expire_overdue;
pub use tokens::oldest_usable_step;

use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::{Body, to_bytes};
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use twofold_core::Secret;

use crate::crypto::Purpose;
use crate::error::ApiError;
use crate::state::{AppState, Metrics};
use crate::store::UserRow;

/// The full router.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/protected/{format}/users/new", post(users::create))
        .route("/protected/{format}/users/{id}/status", get(users::status))
        .route("/protected/{format}/users/{id}/remove", post(users::delete))
        .route("/protected/{format}/users/{id}/delete", post(users::delete))
        .route(
            "/protected/{format}/users/delete/{id}",
            post(users::delete_npm),
        )
        .route(
            "/protected/{format}/users/{id}/register_activity",
            post(users::register_activity),
        )
        .route("/protected/{format}/users/{id}/secret", post(users::secret))
        .route("/protected/{format}/users/{id}/update", post(users::update))
        .route(
            "/protected/{format}/registrations/status",
            get(users::registration_status),
        )
        .route(
            "/protected/{format}/sms/{id}",
            get(tokens::sms).post(tokens::sms),
        )
        .route(
            "/protected/{format}/call/{id}",
            get(tokens::call).post(tokens::call),
        )
        .route(
            "/protected/{format}/email/{id}",
            post(tokens::email).get(tokens::email),
        )
        .route(
            "/protected/{format}/verify/{token}/{id}",
            get(tokens::verify),
        )
        .route("/protected/{format}/app/details", get(app::details))
        .route("/protected/{format}/app/stats", get(app::stats))
        .route(
            "/protected/{format}/phones/verification/start",
            post(phones::start),
        )
        .route(
            "/protected/{format}/phones/verification/check",
            get(phones::check),
        )
        .route(
            "/protected/{format}/phones/verification/status",
            get(phones::status),
        )
        .route("/protected/{format}/phones/info", get(phones::info))
        .route(
            "/onetouch/{format}/users/{id}/approval_requests",
            post(onetouch::create),
        )
        .route(
            "/onetouch/{format}/approval_requests/{uuid}",
            get(onetouch::status),
        )
        .route(
            "/protected/{format}/users/{id}/devices/enrollments",
            post(devices::enroll),
        )
        .route("/protected/{format}/users/{id}/devices", get(devices::list))
        .route(
            "/protected/{format}/users/{id}/devices/{device}/delete",
            post(devices::revoke),
        )
        .route("/device/v1/enroll", post(device::enroll))
        .route("/device/v1/me", get(device::me))
        .route("/device/v1/revoke", post(device::revoke))
        .route("/device/v1/stream", get(device::stream))
        .route("/device/v1/requests", get(device::poll))
        .route("/device/v1/requests/{uuid}", get(device::one))
        .route("/device/v1/requests/{uuid}/answer", post(device::answer))
        .route("/sync/v1/spaces", post(sync::create))
        .route("/sync/v1/join", post(sync::join))
        .route("/sync/v1/records", get(sync::pull).post(sync::push))
        .route("/sync/v1/links", post(sync::link))
        .route("/sync/v1/devices", get(sync::devices))
        .route("/sync/v1/devices/{uuid}/remove", post(sync::remove))
        .route("/sync/v1/leave", post(sync::leave))
        .route("/sync/v1/key", get(sync::key))
        .route("/qr/{token}", get(qr_image))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_with_token))
        .route("/openapi.json", get(openapi))
        .fallback(|| async { ApiError::RouteNotFound })
        .method_not_allowed_fallback(|| async { ApiError::RouteNotFound });
    api.layer(middleware::from_fn_with_state(
        state.clone(),
        count_and_render,
    ))
    .with_state(state)
}

/// Counts requests and errors, refuses unknown formats, and renders XML for `xml` paths.
/// The client's address as the per-address limit counts it (behind trusted proxies, the one
/// they name), for handlers that limit on their own.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddress(pub std::net::IpAddr);

async fn count_and_render(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    Metrics::add(&state.metrics.requests);
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| {
        crate::limits::client_address(c.0.ip(), req.headers(), &state.policy.trusted_proxies)
    });
    // A load balancer's readiness check is answered whatever the limits and the database say.
    if let Some(ip) = peer
        && req.uri().path() != "/readyz"
    {
        let refused = match state.limits.allow_ip(ip).await {
            Ok(true) => None,
            Ok(false) => Some(ApiError::RateLimited(
                "too many requests from this address".into(),
            )),
            Err(e) => Some(ApiError::from(e)),
        };
        if let Some(e) = refused {
            Metrics::add(&state.metrics.errors);
            return e.into_response();
        }
    }
    if let Some(ip) = peer {
        req.extensions_mut().insert(ClientAddress(ip));
    }
    let mut segments = req.uri().path().trim_start_matches('/').split('/');
    let area = segments.next().unwrap_or("");
    let format = segments.next().unwrap_or("");
    let xml = (area == "protected" || area == "onetouch") && format == "xml";
    if (area == "protected" || area == "onetouch") && format != "json" && !xml {
        Metrics::add(&state.metrics.errors);
        return ApiError::RouteNotFound.into_response();
    }
    let method = req.method().clone();
    let uri = req.uri().clone();
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    // A draining server's 503 on /readyz is the answer asked for, not a failure.
    let failed = !response.status().is_success() && uri.path() != "/readyz";
    if failed {
        Metrics::add(&state.metrics.errors);
    }
    let route = redacted_path(uri.path());
    if failed && response.status().is_server_error() {
        // The one place a server-side failure is logged, with its route (the body says only
        // what the client may know).
        let detail = response
            .extensions()
            .get::<crate::error::ErrorDetail>()
            .map_or("", |d| d.0.as_str());
        tracing::error!(
            method = %method,
            route = %route,
            status = response.status().as_u16(),
            detail = %detail,
            "request failed"
        );
    }
    tracing::info!(
        method = %method,
        route = %route,
        status = response.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    if !xml {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, 1 << 20).await.unwrap_or_default();
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let root = if parts.status.is_success() {
        "hash"
    } else {
        "errors"
    };
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml; charset=utf-8"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(crate::reply::to_xml(&value, root)))
}

async fn qr_image(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let token = token.trim_end_matches(".png");
    let png = state
        .db
        .qr(token, state.now())
        .await?
        .ok_or(ApiError::Missing("QR code"))?;
    let mut r = Response::new(Body::from(png));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

async fn healthz(State(state): State<AppState>) -> Response {
    match sqlx::query("SELECT 1").execute(state.db.pool()).await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

/// Whether this server takes requests: 200, or 503 once a graceful stop has begun (it still
/// serves for the drain time, so that a load balancer checking here takes it out first). It
/// reads no database: a database failover must not take every replica out of the balancer.
async fn readyz(State(state): State<AppState>) -> Response {
    if state.draining.load(std::sync::atomic::Ordering::Relaxed) {
        (StatusCode::SERVICE_UNAVAILABLE, "draining\n").into_response()
    } else {
        (StatusCode::OK, "ready\n").into_response()
    }
}

/// The OpenAPI 3.1 description of this API (kept in step with the router by a test).
pub const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> Response {
    let mut r = Response::new(Body::from(OPENAPI));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// `/metrics` on the API port: only when the operator set a token, and only with it
/// (`Authorization: Bearer <token>`). Without a token the metrics are not on the API port at all
/// (serve them on their own address with `--metrics-listen`).
async fn metrics_with_token(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let Some(token) = &state.policy.metrics_token else {
        return Err(ApiError::MetricsOff);
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !crate::crypto::hashes_equal(&crate::crypto::hash(given), &crate::crypto::hash(token)) {
        return Err(ApiError::InvalidApiKey);
    }
    Ok(metrics(State(state)).await)
}

/// The metrics alone, for their own listener (`--metrics-listen`, e.g. a loopback or internal
/// address that only the scraper reaches).
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics_with_token))
        .with_state(state)
}

async fn metrics(State(state): State<AppState>) -> Response {
    let m = &state.metrics;
    let rows = [
        (
            "twofold_http_requests_total",
            "Requests received.",
            m.requests.load(Ordering::Relaxed),
        ),
        (
            "twofold_http_errors_total",
            "Requests answered with an error.",
            m.errors.load(Ordering::Relaxed),
        ),
        (
            "twofold_verifications_ok_total",
            "Tokens verified.",
            m.verifications_ok.load(Ordering::Relaxed),
        ),
        (
            "twofold_verifications_failed_total",
            "Tokens refused.",
            m.verifications_failed.load(Ordering::Relaxed),
        ),
        (
            "twofold_deliveries_total",
            "Codes delivered.",
            m.deliveries.load(Ordering::Relaxed),
        ),
        (
            "twofold_delivery_failures_total",
            "Codes that could not be delivered.",
            m.delivery_failures.load(Ordering::Relaxed),
        ),
    ];
    let mut text = String::new();
    for (name, help, value) in rows {
        text.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n"
        ));
    }
    text.push_str(&format!(
        "# HELP twofold_device_streams Device event streams open.\n# TYPE twofold_device_streams gauge\ntwofold_device_streams {}\n",
        m.streams.load(Ordering::Relaxed)
    ));
    let mut r = Response::new(Body::from(text));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    r
}

/// The request path as logged: numbers (tokens, ids) and QR tokens replaced, so a log line never
/// holds a code or a link to a secret.
pub fn redacted_path(path: &str) -> String {
    let mut out = Vec::new();
    let mut after_qr = false;
    for seg in path.split('/') {
        let shown = if after_qr {
            ":token"
        } else if !seg.is_empty() && seg.chars().all(|c| c.is_ascii_digit()) {
            ":n"
        } else if seg.len() > 24 {
            ":id"
        } else {
            seg
        };
        after_qr = seg == "qr";
        out.push(shown.to_owned());
    }
    out.join("/")
}

/// `2026-11` — the key of a month of usage.
pub fn month_key(now: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp(now).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!("{:04}-{:02}", t.year(), u8::from(t.month()))
}

/// `2017-02-10T01:09:52Z`.
pub fn rfc3339(ts: i64) -> String {
    OffsetDateTime::from_unix_timestamp(ts)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// An authy id from the path; anything but a positive integer is an unknown user.
pub fn authy_id(text: &str) -> Result<i64, ApiError> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(ApiError::UserNotFound)
}

/// This server's base URL as websites and devices reach it: the configured public URL, else
/// the request's `Host`.
pub fn base_url(state: &AppState, host: Option<&str>) -> String {
    state
        .policy
        .public_url
        .clone()
        .unwrap_or_else(|| {
            let scheme = if state.policy.https { "https" } else { "http" };
            format!("{scheme}://{}", host.unwrap_or("localhost"))
        })
        .trim_end_matches('/')
        .to_owned()
}

/// The user, or 60026.
pub async fn load_user(state: &AppState, app_id: i64, id: &str) -> Result<UserRow, ApiError> {
    let id = authy_id(id)?;
    state
        .db
        .user(app_id, id)
        .await?
        .ok_or(ApiError::UserNotFound)
}

/// Decrypts a seed column.
pub fn open_seed(state: &AppState, purpose: Purpose, sealed: &[u8]) -> Result<Secret, ApiError> {
    state.key.open(purpose, sealed).ok_or_else(|| {
        ApiError::Internal(format!(
            "a {purpose} cannot be decrypted with this server key"
        ))
    })
}
