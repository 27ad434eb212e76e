//! `POST /v1/keys` and `POST /v1/registrations/{tokenId}`.

use std::sync::Arc;

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State, rejection::BytesRejection},
    http::StatusCode,
};
use px_node_api::{AllocateKeyRequest, KeyAllocation, Registered};

use super::{AppState, Caller, token_id};
use crate::error::NodeError;

/// A key and mint authorization for the signed-in caller; the global slot is taken once the
/// session is checked and the body read.
pub(super) async fn allocate(
    State(s): State<Arc<AppState>>,
    Caller(session): Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<KeyAllocation>), NodeError> {
    let body = super::body::small(body)?;
    let _slot = s.limits.slot()?;
    let req: AllocateKeyRequest = serde_json::from_slice(&body).map_err(|e| {
        NodeError::BadRequest(format!("body must be {{\"planId\": \"<decimal>\"}}: {e}"))
    })?;
    let plan =
        px_metadata::decimal::parse("planId", &req.plan_id).map_err(NodeError::BadRequest)?;
    let allocation = s.registration.allocate(session.address, plan).await?;
    Ok((StatusCode::CREATED, Json(allocation)))
}

/// Serves a token (idempotent).
pub(super) async fn register(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<Registered>, NodeError> {
    s.registration.register(token_id(&id)?).await.map(Json)
}
