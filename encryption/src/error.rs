//! The one error type of the crate; [`Error::kind`] is the name the shared vectors and the
//! TypeScript SDK use.

/// Why encryption or decryption failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The bytes do not start with the `px-enc` magic.
    #[error("not PX ciphertext (no px-enc header)")]
    NotPxCiphertext,
    /// A `px-enc` header of a version this crate does not read.
    #[error("px-enc version {0} is not supported (this reader knows version 1)")]
    UnsupportedVersion(u8),
    /// The header's chunk size or reserved byte is outside the format.
    #[error("malformed px-enc header: {0}")]
    MalformedHeader(&'static str),
    /// The header's key check does not match: another wallet, chain or collection.
    #[error("this file was encrypted with another key (another wallet, chain or collection)")]
    WrongKey,
    /// The ciphertext ends early: chunks, or the end of the last chunk, are missing.
    #[error("the ciphertext is truncated")]
    Truncated,
    /// A chunk does not authenticate: the bytes were changed, reordered or extended.
    #[error("chunk {0} does not authenticate (changed, reordered or extended ciphertext)")]
    Corrupted(u64),
    /// More chunks than the nonce's 32-bit counter allows.
    #[error("the file is too large for px-enc/1 (at most 2^32 chunks)")]
    TooLarge,
    /// The signature the key is derived from is not 65 bytes `r ‖ s ‖ v`.
    #[error("the key signature must be 65 bytes r ‖ s ‖ v with v 0, 1, 27 or 28")]
    InvalidSignature,
    /// The system's random number generator failed.
    #[error("no randomness: {0}")]
    Random(String),
}

impl Error {
    /// The stable name of the error (as in `vectors/px-enc-1.json` and the SDK's
    /// `EncryptionError.kind`).
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::NotPxCiphertext => "notPxCiphertext",
            Self::UnsupportedVersion(_) => "unsupportedVersion",
            Self::MalformedHeader(_) => "malformedHeader",
            Self::WrongKey => "wrongKey",
            Self::Truncated => "truncated",
            Self::Corrupted(_) => "corrupted",
            Self::TooLarge => "tooLarge",
            Self::InvalidSignature => "invalidSignature",
            Self::Random(_) => "random",
        }
    }
}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> Self {
        Self::new(std::io::ErrorKind::InvalidData, e)
    }
}
