//! The node's one error enum and its one mapping to HTTP responses: every failure leaves as a
//! JSON body `{"error": code, "message": text}` (plus `reasons` for refused uploads) with a
//! status that says whose fault it is. Internal details (journal, RPC) are logged, not sent.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};

pub use px_node_api::{ErrorBody, ErrorCode, Refusal};

/// Everything that can go wrong in the node.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// Malformed input: a bad id, CID, JSON body or header.
    #[error("{0}")]
    BadRequest(String),
    /// No session, an expired one, or a refused sign-in.
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in, but not the token's owner or approved.
    #[error("{0}")]
    Forbidden(String),
    /// No such token, file or page.
    #[error("{0}")]
    NotFound(String),
    /// The upload has no `Content-Length`.
    #[error("uploads need a Content-Length header (the quota is checked before streaming)")]
    LengthRequired,
    /// The upload is refused by the quota rules.
    #[error("upload refused: {}", reasons_text(.0))]
    Refused(Vec<Refusal>),
    /// The request conflicts with the token's state (another key, history elsewhere).
    #[error("{0}")]
    Conflict(String),
    /// Too many outstanding requests of a kind (sign-in nonces, requests of one client).
    #[error("{0}")]
    TooManyRequests(String),
    /// The request body stalled or arrived too slowly (`api::body`); nothing was kept.
    #[error("{0}")]
    RequestTimeout(String),
    /// The chain's RPC failed, refused, or answered something unexpected.
    #[error("chain: {0}")]
    Chain(#[from] crate::chain::ChainError),
    /// The storage node failed.
    #[error("storage node: {0}")]
    Storage(#[from] px_storage_client::StorageError),
    /// The storage node answered something that is not what it was asked for.
    #[error("storage node: {what}: {source}")]
    StorageAnswer {
        /// What it answered.
        what: String,
        /// Why that is not acceptable.
        #[source]
        source: px_metadata::Error,
    },
    /// The journal (redb) failed.
    #[error("journal: {0}")]
    Journal(#[from] redb::Error),
    /// A journal record or stored document does not encode or decode.
    #[error("encoding: {0}")]
    Encoding(#[from] serde_json::Error),
    /// A document the node built or stored breaks the metadata rules.
    #[error("metadata: {0}")]
    Metadata(#[from] px_metadata::Error),
    /// The node is misconfigured for this request (e.g. no registrar key).
    #[error("{0}")]
    Unavailable(String),
    /// A bug or a journal failure.
    #[error("internal error: {0}")]
    Internal(String),
}

fn reasons_text(reasons: &[Refusal]) -> String {
    reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
}

impl NodeError {
    /// The HTTP status and the stable error name.
    pub fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        match self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
            Self::Unauthorized(_) => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            Self::LengthRequired => (StatusCode::LENGTH_REQUIRED, ErrorCode::LengthRequired),
            Self::Refused(_) => (StatusCode::FORBIDDEN, ErrorCode::UploadRefused),
            Self::Conflict(_) => (StatusCode::CONFLICT, ErrorCode::Conflict),
            Self::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, ErrorCode::TooManyRequests),
            Self::RequestTimeout(_) => (StatusCode::REQUEST_TIMEOUT, ErrorCode::RequestTimeout),
            Self::Chain(_) => (StatusCode::BAD_GATEWAY, ErrorCode::ChainUnavailable),
            Self::Storage(_) | Self::StorageAnswer { .. } => {
                (StatusCode::BAD_GATEWAY, ErrorCode::StorageUnavailable)
            }
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable),
            Self::Internal(_) | Self::Journal(_) | Self::Encoding(_) | Self::Metadata(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal)
            }
        }
    }
}

impl IntoResponse for NodeError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            Self::Internal(_) | Self::Journal(_) | Self::Encoding(_) | Self::Metadata(_) => {
                tracing::error!(error = %self, "internal error");
                "internal error (see the node's log)".to_owned()
            }
            // Upstream errors carry URLs (an RPC URL often holds an API key) and the upstream's
            // own words: logged in full, sent as names only.
            Self::Chain(e) => {
                tracing::warn!(error = %self, "chain failure");
                e.public_message()
            }
            Self::Storage(e) => {
                tracing::warn!(error = %self, "storage node failure");
                format!("the storage node failed ({})", e.command())
            }
            Self::StorageAnswer { .. } => {
                tracing::warn!(error = %self, "storage node failure");
                "the storage node answered something unusable (see the node's log)".to_owned()
            }
            _ => self.to_string(),
        };
        let reasons = match &self {
            Self::Refused(reasons) => reasons.clone(),
            _ => Vec::new(),
        };
        (status, Json(ErrorBody { error: code, message, reasons })).into_response()
    }
}

/// redb's specific errors, each kept as a [`redb::Error`] source.
macro_rules! redb_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for NodeError {
            fn from(e: $t) -> Self {
                Self::Journal(e.into())
            }
        }
    )*};
}
redb_errors!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;
    use serde_json::json;

    use super::*;

    async fn body_of(e: NodeError) -> (StatusCode, serde_json::Value) {
        let res = e.into_response();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn refusals_list_every_reason_in_json() {
        let (status, body) =
            body_of(NodeError::Refused(vec![Refusal::QuotaExceeded, Refusal::SyncOverdue])).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["error"], "upload_refused");
        assert_eq!(body["reasons"], json!(["quotaExceeded", "syncOverdue"]));
        assert_eq!(body["message"], "upload refused: quotaExceeded, syncOverdue");
    }

    #[tokio::test]
    async fn internal_errors_hide_their_detail() {
        let (status, body) = body_of(NodeError::Internal("disk path /secret".into())).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body["message"].as_str().unwrap().contains("secret"));
        assert!(body.get("reasons").is_none());
    }
}
