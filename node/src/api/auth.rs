//! `GET /v1/auth/nonce`, `POST /v1/auth/sign-in`, and [`Caller`], the extractor that requires
//! a valid session.

use std::sync::Arc;

use axum::{
    Json,
    body::Bytes,
    extract::{FromRequestParts, State, rejection::BytesRejection},
    http::{header, request::Parts},
};
use px_node_api::{IssuedNonce, IssuedSession, SignInRequest};

use super::AppState;
use crate::{auth::Session, error::NodeError};

/// The signed-in caller of a request (`Authorization: Bearer <token>`).
#[derive(Debug, Clone, Copy)]
pub struct Caller(pub Session);

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = NodeError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, NodeError> {
        let header =
            parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or_else(
                || NodeError::Unauthorized("sign in first (Authorization: Bearer <token>)".into()),
            )?;
        let token = header.strip_prefix("Bearer ").ok_or_else(|| {
            NodeError::Unauthorized("Authorization must be `Bearer <token>`".into())
        })?;
        state.auth.session(token.trim()).map(Caller)
    }
}

pub(super) async fn nonce(
    State(s): State<Arc<AppState>>,
    Peer(client): Peer,
) -> Result<Json<IssuedNonce>, NodeError> {
    s.auth.issue_nonce(client).map(Json)
}

/// The client as the listener saw it (the peer IP of the TCP connection; for IPv6 its /64:
/// [`super::limits::client_key`]); `None` when the router is driven without one (tests with
/// `oneshot`). Behind a reverse proxy every client is
/// the proxy: see `node/README.md` ("Limits").
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub(crate) Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| super::limits::client_key(c.0.ip()));
        Ok(Self(peer))
    }
}

/// Reads the body first (on the body clock), then takes a global slot for the check.
pub(super) async fn sign_in(
    State(s): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<IssuedSession>, NodeError> {
    let body = super::body::small(body)?;
    let _slot = s.limits.slot()?;
    let req: SignInRequest = serde_json::from_slice(&body).map_err(|e| {
        NodeError::BadRequest(format!("body must be {{\"message\", \"signature\"}}: {e}"))
    })?;
    s.auth.sign_in(&req.message, &req.signature).await.map(Json)
}
