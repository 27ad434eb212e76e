//! The adapter's one error type and its one mapping to HTTP: status, EA error body
//! (`{"jobRunID", "status": "errored", "statusCode", "error": {"name", "message"}}`),
//! `Retry-After` on overload, and one log line per error with the request id.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

/// Everything a request can fail with. Clone: one upstream failure is shared by every
/// coalesced request waiting on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdapterError {
    /// The request body is not the EA request of the wire formats.
    #[error("{0}")]
    Input(String),
    /// The storage node has no record for the name.
    #[error("no usage document published under {0}")]
    NameNotFound(String),
    /// The storage node could not be reached.
    #[error("storage node unreachable: {0}")]
    Unreachable(String),
    /// The storage node answered with an error (not "not found").
    #[error("storage node error: {0}")]
    Upstream(String),
    /// The lookup took longer than `API_TIMEOUT`.
    #[error("storage node did not answer within {0} ms")]
    Timeout(u64),
    /// The published document is not acceptable (too large, unparsable, wrong schema, not a
    /// raw block, digest mismatch, bad signature, untrusted signer, another subject).
    #[error("{0}")]
    Document(String),
    /// Too many lookups waiting for the storage node.
    #[error("too many lookups in progress, retry shortly")]
    Overloaded,
    /// A bug; never expected.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<px_metadata::Error> for AdapterError {
    fn from(e: px_metadata::Error) -> Self {
        Self::Document(e.to_string())
    }
}

impl AdapterError {
    /// A timeout after `budget` (reported in milliseconds).
    pub fn timeout(budget: std::time::Duration) -> Self {
        Self::Timeout(u64::try_from(budget.as_millis()).unwrap_or(u64::MAX))
    }

    /// HTTP status of the error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Input(_) => StatusCode::BAD_REQUEST,
            Self::NameNotFound(_) => StatusCode::NOT_FOUND,
            Self::Unreachable(_) | Self::Upstream(_) => StatusCode::BAD_GATEWAY,
            Self::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
            Self::Document(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The EA error name (the EA framework's names where one exists).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Input(_) => "AdapterInputError",
            Self::NameNotFound(_) => "AdapterNotFoundError",
            Self::Unreachable(_) => "AdapterConnectionError",
            Self::Upstream(_) => "AdapterDataProviderError",
            Self::Timeout(_) => "AdapterTimeoutError",
            Self::Document(_) => "AdapterDocumentError",
            Self::Overloaded => "AdapterOverloadedError",
            Self::Internal(_) => "AdapterError",
        }
    }

    /// Logs the error once and turns it into the EA error response for `job_run_id`.
    pub fn respond(self, job_run_id: &str, request_id: u64) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::warn!(request_id, job_run_id, status = status.as_u16(), error = %self, "request failed");
        } else {
            tracing::info!(request_id, job_run_id, status = status.as_u16(), error = %self, "request refused");
        }
        let body = json!({
            "jobRunID": job_run_id,
            "status": "errored",
            "statusCode": status.as_u16(),
            "error": { "name": self.name(), "message": self.to_string() },
        });
        let mut res = (status, axum::Json(body)).into_response();
        if matches!(self, Self::Overloaded) {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        res
    }
}

impl IntoResponse for AdapterError {
    /// Without a request (should not happen on the EA route): jobRunID `"1"`, the framework's
    /// default.
    fn into_response(self) -> Response {
        self.respond("1", 0)
    }
}
