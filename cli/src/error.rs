//! The CLI's one error enum: every failure as one line, with an exit code (2 for usage and
//! configuration mistakes, 1 for everything else).

use px_node_api::ClientError;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Wrong arguments or configuration (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// No key, or a key that cannot be read (exit code 2).
    #[error("{0}")]
    Key(String),
    /// The chain's RPC failed or answered something unexpected.
    #[error("chain: {0}")]
    Rpc(String),
    /// The chain's RPC call `what` failed; the transport's error is the source.
    #[error("chain: {what}: {source}")]
    RpcCall {
        /// What was asked.
        what: String,
        /// alloy's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The node answered something `px` cannot use.
    #[error("node: {what}: {source}")]
    NodeAnswer {
        /// What it answered.
        what: &'static str,
        /// Why it is unusable.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A transaction or call was refused by a program, with the decoded reason.
    #[error("{call} refused: {reason}")]
    Reverted {
        /// The function called.
        call: &'static str,
        /// The program's error, decoded when it is one of the PX programs'.
        reason: String,
    },
    /// The PX node refused or failed.
    #[error("node: {0}")]
    Node(#[from] ClientError),
    /// A local file could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// Uploading a file failed.
    #[error("{}: {source}", .path.display())]
    Upload {
        /// The file.
        path: std::path::PathBuf,
        /// The node's refusal or the transport's failure.
        #[source]
        source: ClientError,
    },
    /// A download broke off.
    #[error("download of {cid}: {source}")]
    Download {
        /// The file.
        cid: String,
        /// The transport's error.
        #[source]
        source: std::io::Error,
    },
    /// An encrypted file did not decrypt (another wallet's, changed or cut off); nothing of it
    /// was kept.
    #[error("{cid} does not decrypt ({}): {source}", .source.kind())]
    Decrypt {
        /// The file.
        cid: String,
        /// Why, as `px-encryption` names it.
        #[source]
        source: px_encryption::Error,
    },
    /// Encrypting could not start (no system randomness, an unusable signature).
    #[error("encryption: {0}")]
    Encryption(px_encryption::Error),
    /// Waiting for something took too long.
    #[error("{0}")]
    Timeout(String),
}

impl CliError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) | Self::Key(_) => 2,
            _ => 1,
        }
    }
}
