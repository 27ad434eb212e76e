//! The bytes a CRE delivery carries (wire formats, "Sync through CRE"), decoded without the
//! ABI decoder: the report has one fixed shape, and a hand decoder of it is a few hundred bytes
//! of WASM where the generic one is kilobytes.
//!
//! Decoding is strict, so one report has one encoding: a report is accepted only as the
//! canonical `abi.encode(bytes32 requestId, uint256 tokenId, uint64 sequence, uint64 usedBytes,
//! uint32 uploadCount, bytes32 metadataDigest, bytes signatures)`: the `bytes` offset is
//! `0xe0`, no integer has bits above its type, the padding after `signatures` is zero and
//! nothing trails.

use alloy_primitives::{Address, B256, FixedBytes};

/// Length of the metadata `KeystoneForwarder` passes: workflowId (32) ‖ workflowName (10) ‖
/// workflowOwner (20) ‖ reportId (2).
pub const METADATA_LENGTH: usize = 64;
/// Length of one `UsageReport` signature, `r ‖ s ‖ v`.
pub const SIGNATURE_LENGTH: usize = 65;
/// The head of the report: six values and the offset of `signatures`.
const HEAD_LENGTH: usize = 7 * 32;

/// The workflow identity of a delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metadata {
    /// The workflow's id.
    pub workflow_id: B256,
    /// The workflow's name as CRE encodes it (see [`workflow_name`]).
    pub workflow_name: FixedBytes<10>,
    /// The workflow's owner.
    pub workflow_owner: Address,
}

impl Metadata {
    /// Reads the identity the way Chainlink's `ReceiverTemplate` does: from fixed offsets, a
    /// shorter buffer read as if padded with zeros (which then matches no configured identity).
    pub fn decode(metadata: &[u8]) -> Self {
        let mut buf = [0u8; METADATA_LENGTH];
        let n = metadata.len().min(METADATA_LENGTH);
        buf[..n].copy_from_slice(&metadata[..n]);
        Self {
            workflow_id: B256::from_slice(&buf[..32]),
            workflow_name: FixedBytes::from_slice(&buf[32..42]),
            workflow_owner: Address::from_slice(&buf[42..62]),
        }
    }
}

/// A CRE report: the request it answers and the usage report the PX node signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreReport<'a> {
    /// The request answered (`SyncRequested.requestId`).
    pub request_id: B256,
    /// The token the report is about; must be the request's.
    pub token_id: B256,
    /// The usage report's sequence.
    pub sequence: u64,
    /// Bytes stored.
    pub used_bytes: u64,
    /// Uploads made.
    pub upload_count: u32,
    /// sha256 of the usage document.
    pub metadata_digest: B256,
    /// One or more 65-byte `UsageReport` signatures, concatenated (length not checked here).
    pub signatures: &'a [u8],
}

/// The first word of a report, which names its request when the report is long enough.
pub fn request_id_of(report: &[u8]) -> Option<B256> {
    report.get(..32).map(B256::from_slice)
}

/// A word holding an unsigned integer of `bytes` bytes, or `None` when higher bits are set.
fn uint(word: &[u8], bytes: usize) -> Option<u64> {
    let (high, low) = word.split_at(32 - bytes);
    if high.iter().any(|b| *b != 0) {
        return None;
    }
    let mut buf = [0u8; 8];
    buf[8 - bytes..].copy_from_slice(low);
    Some(u64::from_be_bytes(buf))
}

/// Decodes a report, or `None` when it is not the canonical encoding (module docs).
pub fn decode_report(report: &[u8]) -> Option<CreReport<'_>> {
    if report.len() < HEAD_LENGTH + 32 {
        return None;
    }
    let word = |i: usize| &report[i * 32..(i + 1) * 32];
    if uint(word(6), 8)? != HEAD_LENGTH as u64 {
        return None;
    }
    let length = usize::try_from(uint(word(7), 8)?).ok()?;
    let padded = length.checked_add(31)? / 32 * 32;
    let body = &report[HEAD_LENGTH + 32..];
    if body.len() != padded || body[length..].iter().any(|b| *b != 0) {
        return None;
    }
    Some(CreReport {
        request_id: B256::from_slice(word(0)),
        token_id: B256::from_slice(word(1)),
        sequence: uint(word(2), 8)?,
        used_bytes: uint(word(3), 8)?,
        #[allow(clippy::cast_possible_truncation)] // `uint` checked the top 28 bytes
        upload_count: uint(word(4), 4)? as u32,
        metadata_digest: B256::from_slice(word(5)),
        signatures: &body[..length],
    })
}

/// A workflow name as CRE puts it in the metadata and `ReceiverTemplate.setExpectedWorkflowName`
/// stores it: the first 10 characters of the lowercase hex of sha256(name); zero for `""`.
/// `sha256` is the caller's (the program uses the precompile, tests a library).
pub fn workflow_name(name: &[u8], sha256: impl FnOnce(&[u8]) -> [u8; 32]) -> FixedBytes<10> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    if name.is_empty() {
        return FixedBytes::ZERO;
    }
    let hash = sha256(name);
    let mut out = [0u8; 10];
    for (i, byte) in hash[..5].iter().enumerate() {
        out[2 * i] = HEX[usize::from(byte >> 4)];
        out[2 * i + 1] = HEX[usize::from(byte & 0x0f)];
    }
    FixedBytes(out)
}
