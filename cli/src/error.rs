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
    /// The chain's RPC failed.
    #[error("chain: {0}")]
    Rpc(String),
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
    #[error("{0}")]
    Io(String),
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
