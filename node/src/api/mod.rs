//! The HTTP API: [`app`] builds the router over [`AppState`]; tests drive it with `oneshot`.
//!
//! | route | what |
//! |---|---|
//! | `GET /health` | liveness plus the storage node's and the chain's reachability |
//! | `GET /metrics` | Prometheus metrics |
//! | `GET /openapi.json` | this API's `OpenAPI` 3.1 description |
//! | `GET /v1/info` | chain id, contracts, the usage signer and registrar addresses |
//! | `GET /v1/auth/nonce`, `POST /v1/auth/sign-in` | Sign-In with Ethereum |
//! | `POST /v1/keys` | a BTNS key and mint authorization (signed in) |
//! | `POST /v1/registrations/{tokenId}` | serve a token: key, `registerBtnsKey`, sequence 1 |
//! | `GET /v1/tokens/{id}/usage` | the head document, exactly as published |
//! | `GET/POST /v1/tokens/{id}/files` | list (paged through `filesIndex`) / upload (signed in) |
//! | `GET/DELETE /v1/tokens/{id}/files/{cid}` | stream a file / delete it (signed in) |
//! | `GET /v1/files/{cid}` | stream any file this node stores |
//!
//! Every request meets, in order: the body clock ([`body`]: a stalled or too slow body is cut
//! off, 408), the per-client limit ([`limits`], 429), then, once its cheap checks passed, a
//! global slot (503 when all are taken). The listener (`crate::listener`) adds the header read
//! timeout and the per-client connection limit in front of all of it.

mod auth;
pub mod body;
mod files;
mod keys;
pub mod limits;

use std::sync::Arc;

use alloy::primitives::U256;
use axum::{
    Json, Router,
    extract::State,
    http::{HeaderValue, Method, StatusCode, header},
    middleware::from_fn_with_state,
    response::IntoResponse,
    routing::{get, post},
};
pub use px_node_api::NodeInfo;
use px_node_api::{Health, HealthStatus};
use tower::util::MapRequestLayer;
use tower_http::{
    cors::{AllowOrigin, Any, CorsLayer},
    trace::TraceLayer,
};

use px_storage_client::StorageClient;

use crate::{
    auth::Auth, chain::Chain, error::NodeError, metrics::Metrics, registration::Registration,
    tokens::TokenService,
};

pub use auth::Caller;

/// The `OpenAPI` description served at `/openapi.json`.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// Everything the handlers share.
#[derive(Debug)]
pub struct AppState {
    /// The token service.
    pub tokens: Arc<TokenService>,
    /// Registration management.
    pub registration: Arc<Registration>,
    /// Sign-in and sessions.
    pub auth: Arc<Auth>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// The chain (health checks).
    pub chain: Arc<dyn Chain>,
    /// The storage node (health checks).
    pub storage: StorageClient,
    /// `GET /v1/info`.
    pub info: NodeInfo,
    /// Requests in flight, per client and in all.
    pub limits: Arc<limits::Limits>,
}

/// CORS and request-body settings of the router (the request limits live in
/// [`AppState::limits`]).
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Allowed origins; `*` allows any.
    pub cors_origins: Vec<String>,
    /// How slow a request body may be.
    pub body_pace: body::BodyPace,
}

/// The router.
pub fn app(state: Arc<AppState>, http: &HttpSettings) -> Router {
    let limits = state.limits.clone();
    let pace = http.body_pace;
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .route("/v1/info", get(info))
        .route("/v1/auth/nonce", get(auth::nonce))
        .route("/v1/registrations/{token_id}", post(keys::register))
        .route("/v1/tokens/{token_id}/usage", get(files::usage))
        .route("/v1/tokens/{token_id}/files", get(files::list))
        .route("/v1/tokens/{token_id}/files/{cid}", get(files::download).delete(files::delete))
        .route("/v1/files/{cid}", get(files::download_any))
        .route_layer(from_fn_with_state(limits.clone(), limits::global_slot))
        // Routes with a body take their global slot themselves, after their cheap checks.
        .route("/v1/auth/sign-in", post(auth::sign_in))
        .route("/v1/keys", post(keys::allocate))
        .route("/v1/tokens/{token_id}/files", post(files::upload))
        .fallback(not_found)
        .layer(from_fn_with_state(limits, limits::per_client))
        .layer(MapRequestLayer::new(move |req| body::watch(pace, req)))
        .layer(cors(&http.cors_origins))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

fn cors(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::CONTENT_LENGTH]);
    if origins.iter().any(|o| o == "*") {
        return layer.allow_origin(Any);
    }
    let list: Vec<HeaderValue> = origins.iter().filter_map(|o| o.parse().ok()).collect();
    layer.allow_origin(AllowOrigin::list(list))
}

async fn not_found() -> NodeError {
    NodeError::NotFound("no such route (see /openapi.json)".into())
}

async fn health(State(s): State<Arc<AppState>>) -> impl IntoResponse {
    let (storage, chain) = tokio::join!(s.storage.ping(), s.chain.latest_block());
    let pending = s.tokens.journal().pending().map(|p| p.len()).unwrap_or_default();
    let ok = storage.is_ok() && chain.is_ok();
    // Details (URLs, keys in them) go to the log; the answer says which part is down.
    let storage = storage.map_or_else(
        |e| {
            tracing::warn!(error = %e, "health: storage node unreachable");
            "unavailable".to_owned()
        },
        |()| "ok".to_owned(),
    );
    let chain = chain.map_or_else(
        |e| {
            tracing::warn!(error = %e, "health: chain unreachable");
            "unavailable".to_owned()
        },
        |b| format!("ok (block {b})"),
    );
    let body = Health {
        status: if ok { HealthStatus::Ok } else { HealthStatus::Degraded },
        storage,
        chain,
        pending_publishes: pending,
    };
    let status = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body))
}

async fn metrics(State(s): State<Arc<AppState>>) -> impl IntoResponse {
    if let (Ok(p), Ok(t)) = (s.tokens.journal().pending(), s.tokens.journal().tokens()) {
        s.metrics.set_state(p.len(), t.len());
    }
    (
        [(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
        s.metrics.render(),
    )
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

async fn info(State(s): State<Arc<AppState>>) -> Json<NodeInfo> {
    Json(s.info.clone())
}

/// Parses a decimal token id.
pub(crate) fn token_id(text: &str) -> Result<U256, NodeError> {
    px_metadata::decimal::parse::<U256>("tokenId", text).map_err(NodeError::BadRequest)
}

/// Parses a CID path segment.
pub(crate) fn cid(text: &str) -> Result<String, NodeError> {
    text.parse::<px_metadata::Cid>()
        .map(|c| c.to_string())
        .map_err(|e| NodeError::BadRequest(e.to_string()))
}
