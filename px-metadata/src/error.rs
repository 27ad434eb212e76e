//! The one error type of the crate: every way a key, CID, document or signature can be wrong.

use alloy::primitives::{Address, B256};

/// Why a value was refused. Messages are meant for operators and name the offending field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A BTNS key in none of the accepted forms, or whose bytes are not a peer id.
    #[error("invalid BTNS key: {0}")]
    InvalidKey(String),
    /// A CID that does not parse, or is not the kind the caller needs.
    #[error("invalid CID: {0}")]
    InvalidCid(String),
    /// The document is not valid JSON of the `px-usage/1` shape (unknown field, wrong schema,
    /// malformed integer, too many files, ...).
    #[error("invalid usage document: {0}")]
    InvalidDocument(String),
    /// The document is larger than the caller's cap.
    #[error("usage document is {size} bytes, larger than the {max}-byte limit")]
    DocumentTooLarge {
        /// Bytes seen (at least; reading may stop early).
        size: usize,
        /// The cap.
        max: usize,
    },
    /// The bytes do not hash to the digest their CID carries.
    #[error("document bytes hash to {actual}, the CID says {expected}")]
    DigestMismatch {
        /// sha256 carried by the CID.
        expected: B256,
        /// sha256 of the bytes.
        actual: B256,
    },
    /// The signature is not 65 bytes of `r || s || v` with `v` 27 or 28 and a low `s`.
    #[error("malformed signature: {0}")]
    MalformedSignature(String),
    /// The signature is well formed but recovers to another address than the document's signer.
    #[error("signature recovers to {recovered}, the document names {claimed}")]
    SignerMismatch {
        /// The document's `signer`.
        claimed: Address,
        /// Who actually signed.
        recovered: Address,
    },
    /// The document is about another chain, contract, token or key than the one asked for.
    #[error("document is for {field} {found}, the request is for {expected}")]
    WrongSubject {
        /// `chainId`, `contract`, `tokenId` or `btnsKey`.
        field: &'static str,
        /// What the request asked for.
        expected: String,
        /// What the document says.
        found: String,
    },
    /// Signing failed in the signer backend.
    #[error("signing failed: {0}")]
    Signing(String),
    /// A builder was finished without a required field.
    #[error("builder is missing `{0}`")]
    MissingField(&'static str),
}
