//! [`StorageError`]: every way a storage call fails, with its cause kept as a source.

use px_metadata::RawBlockCid;
use serde::Deserialize;

/// The storage node's error body, `{"Message", "Code", "Type"}` (Kubo, BTFS, js-ipfs).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiError {
    /// What went wrong, as the node says it.
    #[serde(rename = "Message")]
    pub message: String,
    /// Kubo's error code (0 normal, 1 client).
    #[serde(rename = "Code", default)]
    pub code: i64,
    /// Always `error`.
    #[serde(rename = "Type", default)]
    pub kind: String,
}

/// A failed storage call; `command` is the API command (`add`, `name/publish`, ...).
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The node could not be reached, or the connection broke.
    #[error("{command}: {source}")]
    Transport {
        /// The command.
        command: &'static str,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// A streamed answer broke off.
    #[error("{command}: reading the answer: {source}")]
    Read {
        /// The command.
        command: &'static str,
        /// The stream's error.
        #[source]
        source: std::io::Error,
    },
    /// The node refused the command with its error body.
    #[error("{command}: HTTP {status}: {}", .body.message)]
    Api {
        /// The command.
        command: &'static str,
        /// HTTP status.
        status: u16,
        /// The node's error.
        body: ApiError,
    },
    /// The node answered an error status without its error body.
    #[error("{command}: HTTP {status}: {text}")]
    Status {
        /// The command.
        command: &'static str,
        /// HTTP status.
        status: u16,
        /// The answer (at most 200 bytes).
        text: String,
    },
    /// A success answer that is not the command's JSON.
    #[error("{command}: unexpected answer ({source}): {text}")]
    Decode {
        /// The command.
        command: &'static str,
        /// Why it does not parse.
        #[source]
        source: serde_json::Error,
        /// The answer (at most 200 bytes).
        text: String,
    },
    /// `add` of one raw block returned a CID that is not one.
    #[error("add: stored block {cid} is not one raw block: {source}")]
    NotRawBlock {
        /// What `add` returned.
        cid: String,
        /// Why it is not a raw-block CID.
        #[source]
        source: px_metadata::Error,
    },
    /// `add` stored the bytes under another CID than they hash to.
    #[error("add: stored as {got}, expected {expected}")]
    WrongCid {
        /// What the node returned.
        got: RawBlockCid,
        /// The CID of the bytes.
        expected: RawBlockCid,
    },
    /// `cat` of a small object returned more than allowed.
    #[error("cat: {cid} is larger than {max} bytes")]
    TooLarge {
        /// The object.
        cid: String,
        /// The limit.
        max: usize,
    },
}

impl StorageError {
    /// The command that failed.
    pub fn command(&self) -> &'static str {
        match self {
            Self::Transport { command, .. }
            | Self::Read { command, .. }
            | Self::Api { command, .. }
            | Self::Status { command, .. }
            | Self::Decode { command, .. } => command,
            Self::NotRawBlock { .. } | Self::WrongCid { .. } => "add",
            Self::TooLarge { .. } => "cat",
        }
    }

    /// The HTTP status of an error answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } | Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the node said the name or object does not exist: Kubo and BTFS "could not
    /// resolve name", js-ipfs "record requested for ... was not found in the network". A
    /// missing record is an answer, not a fault.
    pub fn is_not_found(&self) -> bool {
        let message = match self {
            Self::Api { body, .. } => body.message.as_str(),
            Self::Status { text, .. } => text.as_str(),
            _ => return false,
        };
        let lower = message.to_ascii_lowercase();
        lower.contains("not found") || lower.contains("could not resolve")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_nodes_error_body_and_recognises_a_missing_record() {
        let body: ApiError = serde_json::from_str(
            r#"{"Message": "record requested for k51 was not found in the network", "Code": 0, "Type": "error"}"#,
        )
        .unwrap();
        let e = StorageError::Api { command: "name/resolve", status: 500, body };
        assert!(e.is_not_found());
        assert_eq!(e.status(), Some(500));
        assert_eq!(
            e.to_string(),
            "name/resolve: HTTP 500: record requested for k51 was not found in the network"
        );
        let other = StorageError::Status { command: "cat", status: 500, text: "boom".into() };
        assert!(!other.is_not_found());
    }
}
