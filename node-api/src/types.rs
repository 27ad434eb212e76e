//! Every body the node's API takes or answers, as `node/openapi.json` names them (the schema
//! name is in each type's doc). Integers that can exceed 2^53 are decimal strings, as in the
//! usage document.

use serde::{Deserialize, Serialize};

pub use px_metadata::FileEntry;

/// The stable name of an error (`Error.error`); the HTTP status says whose fault it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: malformed input (a bad id, CID, JSON body or header).
    BadRequest,
    /// 401: no session, an expired one, or a refused sign-in.
    Unauthorized,
    /// 403: signed in, but not the token's owner or approved.
    Forbidden,
    /// 404: no such token, file, page or route.
    NotFound,
    /// 411: an upload without `Content-Length`.
    LengthRequired,
    /// 403: the upload gate refused; [`ErrorBody::reasons`] says why.
    UploadRefused,
    /// 409: the request conflicts with the token's state.
    Conflict,
    /// 408: the request body stalled or arrived below the minimum rate; nothing was kept.
    RequestTimeout,
    /// 429: too many requests of a kind (from this client, or in total).
    TooManyRequests,
    /// 502: the chain's RPC failed.
    ChainUnavailable,
    /// 502: the storage node failed.
    StorageUnavailable,
    /// 503: the node cannot serve this request (e.g. no registrar key) or is overloaded.
    Unavailable,
    /// 500: a bug or a journal failure (details are in the node's log only).
    Internal,
}

impl ErrorCode {
    /// Every code, in the order `node/openapi.json` lists them.
    pub const ALL: [Self; 13] = [
        Self::BadRequest,
        Self::Unauthorized,
        Self::Forbidden,
        Self::NotFound,
        Self::LengthRequired,
        Self::UploadRefused,
        Self::Conflict,
        Self::RequestTimeout,
        Self::TooManyRequests,
        Self::ChainUnavailable,
        Self::StorageUnavailable,
        Self::Unavailable,
        Self::Internal,
    ];

    /// The name as JSON spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::LengthRequired => "length_required",
            Self::UploadRefused => "upload_refused",
            Self::Conflict => "conflict",
            Self::RequestTimeout => "request_timeout",
            Self::TooManyRequests => "too_many_requests",
            Self::ChainUnavailable => "chain_unavailable",
            Self::StorageUnavailable => "storage_unavailable",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an upload is refused (the chain's `canUpload` reasons, and the node's own view).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Refusal {
    /// Used bytes (node-side, including unsynced uploads) plus the file exceed the quota.
    QuotaExceeded,
    /// The token made all the uploads its plan allows.
    UploadsExceeded,
    /// The token was not synced within the sync window.
    SyncOverdue,
    /// The token has no BTNS key yet.
    NoBtnsKey,
    /// The core program is paused.
    Paused,
}

impl Refusal {
    /// Every reason, in the order refusals list them.
    pub const ALL: [Self; 5] = [
        Self::QuotaExceeded,
        Self::UploadsExceeded,
        Self::SyncOverdue,
        Self::NoBtnsKey,
        Self::Paused,
    ];

    /// The name in JSON bodies, messages and metric labels (as serde spells it).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::QuotaExceeded => "quotaExceeded",
            Self::UploadsExceeded => "uploadsExceeded",
            Self::SyncOverdue => "syncOverdue",
            Self::NoBtnsKey => "noBtnsKey",
            Self::Paused => "paused",
        }
    }
}

/// `Error`: every failure's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error's name.
    pub error: ErrorCode,
    /// What went wrong, for people (never internals: those are in the node's log).
    pub message: String,
    /// For `upload_refused`: every reason that applies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Refusal>,
}

/// `Info` (`GET /v1/info`): what the node says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeInfo {
    /// Chain id (decimal).
    pub chain_id: String,
    /// The core program.
    pub core: String,
    /// The storefront.
    pub storefront: String,
    /// The usage signer (must be trusted by `PxSync`).
    pub usage_signer: String,
    /// The registrar key the node holds, if any (must be the core's registrar).
    pub registrar: Option<String>,
    /// The domain sign-in messages must name.
    pub siwe_domain: String,
    /// The node's version.
    pub version: String,
}

/// `Health.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// The storage node and the chain answer.
    Ok,
    /// One of them does not (HTTP 503).
    Degraded,
}

/// `Health` (`GET /health`, 200 or 503).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// Overall.
    pub status: HealthStatus,
    /// The storage node: `ok` or `unavailable` (details are in the node's log).
    pub storage: String,
    /// The chain: `ok (block N)` or `unavailable` (details are in the node's log).
    pub chain: String,
    /// Heads committed but not yet published.
    pub pending_publishes: usize,
}

/// `Nonce` (`GET /v1/auth/nonce`): what a sign-in message must name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuedNonce {
    /// The nonce to put in the message.
    pub nonce: String,
    /// The domain the message must name.
    pub domain: String,
    /// The chain id the message must name.
    pub chain_id: u64,
    /// When the nonce stops being accepted (RFC 3339).
    pub expires_at: String,
}

/// `SignIn` (`POST /v1/auth/sign-in` body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    /// The EIP-4361 message, exactly as signed.
    pub message: String,
    /// Its `personal_sign` signature, `0x` hex.
    pub signature: String,
}

/// `Session` (`POST /v1/auth/sign-in` answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuedSession {
    /// Bearer token for `Authorization: Bearer ...`.
    pub token: String,
    /// Who signed in (checksummed).
    pub address: String,
    /// When it ends (RFC 3339).
    pub expires_at: String,
}

/// `AllocateKey` (`POST /v1/keys` body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AllocateKeyRequest {
    /// The storefront plan the caller is about to mint (decimal).
    pub plan_id: String,
}

/// `KeyAllocation` (`POST /v1/keys` answer): everything `mintWithKey` needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyAllocation {
    /// The key, base58btc (what the storage node prints).
    pub btns_key: String,
    /// The key's canonical bytes, `0x` hex (the `btnsKey` argument).
    pub btns_key_hex: String,
    /// Who may mint with it.
    pub minter: String,
    /// The plan it is authorised for (decimal).
    pub plan_id: String,
    /// Unix seconds after which the authorization is refused (decimal).
    pub deadline: String,
    /// The registrar's 65-byte signature, `0x` hex.
    pub signature: String,
    /// The storefront to call.
    pub storefront: String,
    /// Chain id.
    pub chain_id: String,
}

/// `Registered` (`POST /v1/registrations/{tokenId}` answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registered {
    /// The token (decimal).
    pub token_id: String,
    /// Its key, base58btc.
    pub btns_key: String,
    /// Its key, `0x` hex.
    pub btns_key_hex: String,
    /// Latest head sequence (1 right after registration).
    pub sequence: String,
    /// Latest head CID.
    pub head_cid: String,
    /// Whether that head is published.
    pub published: bool,
}

/// `UsageChange` (upload and delete answers): the usage state after the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageChange {
    /// The file concerned.
    pub cid: String,
    /// Its size.
    pub size: String,
    /// The new head's sequence.
    pub sequence: String,
    /// Bytes used now.
    pub used_bytes: String,
    /// Uploads made.
    pub upload_count: String,
    /// The new head's CID (its digest is the `metadataDigest` a sync will bring on-chain).
    pub head_cid: String,
    /// Whether the head is published under the token's key yet (if not, the node retries).
    pub published: bool,
}

/// `Listing` (`GET /v1/tokens/{tokenId}/files`): one page of a token's file list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    /// Entries, newest first.
    pub files: Vec<FileEntry>,
    /// The next page's CID (`?page=`), `null` on the last.
    pub next: Option<String>,
}

/// The query of `GET /v1/tokens/{tokenId}/files`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// A page CID from a previous `next`; absent for the head's entries.
    pub page: Option<String>,
}

/// The header carrying the head's CID on `GET /v1/tokens/{tokenId}/usage`.
pub const HEAD_CID_HEADER: &str = "x-px-head-cid";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_its_json_spelling() {
        for c in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        for r in Refusal::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
    }

    #[test]
    fn error_when_a_request_body_has_unknown_fields() {
        assert!(serde_json::from_str::<AllocateKeyRequest>(r#"{"planId":"1","x":1}"#).is_err());
        assert!(serde_json::from_str::<SignInRequest>(r#"{"message":"m"}"#).is_err());
    }
}
