//! Usage and files: `GET /v1/tokens/{id}/usage`, list, upload, download, delete.

use std::sync::Arc;

use axum::{
    Json,
    body::Body,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures::TryStreamExt;
use px_node_api::{HEAD_CID_HEADER, ListQuery, Listing, UsageChange};

use super::{AppState, Caller, cid, token_id};
use crate::error::NodeError;

/// The head document, byte for byte as published, with its CID in `X-Px-Head-Cid`.
pub(super) async fn usage(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, NodeError> {
    let (head_cid, bytes) = s.tokens.head(token_id(&id)?)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::HeaderName::from_static(HEAD_CID_HEADER), head_cid),
        ],
        bytes,
    )
        .into_response())
}

/// One page of the file list: the head's entries, then `?page=<next>` through `filesIndex`.
pub(super) async fn list(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<impl IntoResponse, NodeError> {
    let Query(q) = query.map_err(|e| NodeError::BadRequest(e.body_text()))?;
    let page = q.page.as_deref().map(cid).transpose()?;
    let (files, next) = s.tokens.list(token_id(&id)?, page.as_deref())?;
    Ok(Json(Listing { files, next }))
}

/// Streams the body to the storage node; needs `Content-Length` (the quota is checked first).
/// The global slot is taken only once the session, the caller's right and the quota are
/// checked; a body that stalls or trickles is cut off with 408 and leaves nothing behind.
pub(super) async fn upload(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    Caller(session): Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<UsageChange>), NodeError> {
    let token = token_id(&id)?;
    let len = headers
        .get(header::CONTENT_LENGTH)
        .ok_or(NodeError::LengthRequired)?
        .to_str()
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| NodeError::BadRequest("Content-Length is not a number".into()))?;
    let admitted = s.tokens.admit(token, session.address, len).await?;
    let _slot = s.limits.slot()?;
    let stream = body.into_data_stream().map_err(|e| match super::body::timed_out(&e) {
        Some(t) => std::io::Error::new(std::io::ErrorKind::TimedOut, t),
        None => std::io::Error::other(e),
    });
    let change = s.tokens.store(admitted, stream).await?;
    Ok((StatusCode::CREATED, Json(change)))
}

/// Deletes the newest entry of a file; lowers `usedBytes`, not `uploadCount`.
pub(super) async fn delete(
    State(s): State<Arc<AppState>>,
    Path((id, file)): Path<(String, String)>,
    Caller(session): Caller,
) -> Result<Json<UsageChange>, NodeError> {
    let change = s.tokens.delete(token_id(&id)?, session.address, &cid(&file)?).await?;
    Ok(Json(change))
}

/// Streams a file the token lists.
pub(super) async fn download(
    State(s): State<Arc<AppState>>,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, NodeError> {
    let token = token_id(&id)?;
    let file = cid(&file)?;
    if !s.tokens.holds(token, &file)? {
        return Err(NodeError::NotFound(format!("token {token} has no file {file}")));
    }
    stream(&s, &file).await
}

/// Streams any file this node stores for some token.
pub(super) async fn download_any(
    State(s): State<Arc<AppState>>,
    Path(file): Path<String>,
) -> Result<Response, NodeError> {
    let file = cid(&file)?;
    if s.tokens.journal().token_of_file(&file)?.is_none() {
        return Err(NodeError::NotFound(format!("this node stores no file {file}")));
    }
    stream(&s, &file).await
}

async fn stream(s: &AppState, file: &str) -> Result<Response, NodeError> {
    let body = Body::from_stream(s.tokens.cat(file).await?);
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], body).into_response())
}
