//! What a CRE DON signs and the forwarder checks, byte for byte (wire formats, "Sync through
//! CRE"; Chainlink's `KeystoneForwarder.report` and `_getMetadata`, and the OCR3 consensus
//! capability that produces `runtime.report()`'s answer):
//!
//! - the **payload** the workflow encodes: `abi.encode(requestId, tokenId, sequence, usedBytes,
//!   uploadCount, metadataDigest, signatures)` ([`SyncReport`]);
//! - the **raw report**: a 109-byte header ([`ReportHeader`]) then the payload;
//! - the **report context**: `configDigest ‖ epoch word ‖ 32 zero bytes` (96 bytes), the epoch
//!   word carrying the OCR sequence number as a big-endian `uint32` at bytes 27..31;
//! - each node's **signature** over `keccak256(keccak256(rawReport) ‖ reportContext)`, 65 bytes
//!   `r ‖ s ‖ v` with `v` 0 or 1 (the forwarder adds 27);
//! - the **transmission id** the forwarder records a delivery under:
//!   `keccak256(receiver ‖ workflowExecutionId ‖ reportId)`.

use alloy::{
    primitives::{Address, B256, Bytes, U256, keccak256},
    signers::{SignerSync, local::PrivateKeySigner},
    sol_types::SolValue,
};
use sha2::{Digest, Sha256};

use crate::Error;

/// Length of the raw report's header (`KeystoneForwarder.METADATA_LENGTH`).
pub const HEADER_LENGTH: usize = 109;
/// Where the receiver's `metadata` starts in the raw report (`FORWARDER_METADATA_LENGTH`).
pub const METADATA_OFFSET: usize = 45;
/// The header version CRE writes.
pub const HEADER_VERSION: u8 = 1;
/// The report id of the px-sync workflow's one report per execution.
pub const REPORT_ID: [u8; 2] = [0x00, 0x01];

/// The report payload (`onReport`'s `report`): the usage the PX node signed, the request it
/// answers and the document's digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// The request answered (`SyncRequested.requestId`).
    pub request_id: B256,
    /// The token.
    pub token_id: U256,
    /// Usage sequence.
    pub sequence: u64,
    /// Bytes used.
    pub used_bytes: u64,
    /// Uploads made.
    pub upload_count: u32,
    /// sha256 of the head document.
    pub metadata_digest: B256,
    /// `UsageReport` signatures, 65 bytes each, ordered by signer address ascending.
    pub signatures: Bytes,
}

impl SyncReport {
    /// `abi.encode` of the seven fields, in order.
    pub fn encode(&self) -> Vec<u8> {
        (
            self.request_id,
            self.token_id,
            self.sequence,
            self.used_bytes,
            self.upload_count,
            self.metadata_digest,
            self.signatures.clone(),
        )
            .abi_encode_params()
    }

    /// Decodes [`SyncReport::encode`]'s bytes (strictly: the canonical encoding only).
    ///
    /// # Errors
    /// [`Error::Report`] when `bytes` are not the seven fields.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        type Fields = (B256, U256, u64, u64, u32, B256, Bytes);
        let (request_id, token_id, sequence, used_bytes, upload_count, metadata_digest, signatures) =
            Fields::abi_decode_params_validate(bytes).map_err(|e| Error::Report(e.to_string()))?;
        Ok(Self {
            request_id,
            token_id,
            sequence,
            used_bytes,
            upload_count,
            metadata_digest,
            signatures,
        })
    }
}

/// The workflow's identity as the registry knows it, and the DON's configuration on the
/// forwarder: what every raw report of one workflow on one DON shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowIdentity {
    /// The workflow id (Chainlink's `GenerateWorkflowID`, see [`workflow_id`]).
    pub workflow_id: B256,
    /// The workflow's name, as registered (the header carries [`workflow_name_field`] of it).
    pub workflow_name: String,
    /// The workflow owner.
    pub workflow_owner: Address,
    /// The DON id on the forwarder.
    pub don_id: u32,
    /// The DON's configuration version on the forwarder.
    pub config_version: u32,
}

/// The 109-byte header of one raw report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportHeader {
    /// [`HEADER_VERSION`].
    pub version: u8,
    /// The workflow execution this report comes from ([`execution_id`]).
    pub execution_id: B256,
    /// DON time of the report, Unix seconds.
    pub timestamp: u32,
    /// DON id.
    pub don_id: u32,
    /// DON configuration version.
    pub config_version: u32,
    /// Workflow id.
    pub workflow_id: B256,
    /// [`workflow_name_field`] of the workflow's name.
    pub workflow_name: [u8; 10],
    /// Workflow owner.
    pub workflow_owner: Address,
    /// Report id.
    pub report_id: [u8; 2],
}

impl ReportHeader {
    /// The header of `identity`'s report for execution `execution_id` at `timestamp`.
    pub fn new(identity: &WorkflowIdentity, execution_id: B256, timestamp: u32) -> Self {
        Self {
            version: HEADER_VERSION,
            execution_id,
            timestamp,
            don_id: identity.don_id,
            config_version: identity.config_version,
            workflow_id: identity.workflow_id,
            workflow_name: workflow_name_field(&identity.workflow_name),
            workflow_owner: identity.workflow_owner,
            report_id: REPORT_ID,
        }
    }

    /// The 109 bytes, in the forwarder's layout.
    pub fn encode(&self) -> [u8; HEADER_LENGTH] {
        let mut out = [0u8; HEADER_LENGTH];
        out[0] = self.version;
        out[1..33].copy_from_slice(self.execution_id.as_slice());
        out[33..37].copy_from_slice(&self.timestamp.to_be_bytes());
        out[37..41].copy_from_slice(&self.don_id.to_be_bytes());
        out[41..45].copy_from_slice(&self.config_version.to_be_bytes());
        out[45..77].copy_from_slice(self.workflow_id.as_slice());
        out[77..87].copy_from_slice(&self.workflow_name);
        out[87..107].copy_from_slice(self.workflow_owner.as_slice());
        out[107..109].copy_from_slice(&self.report_id);
        out
    }

    /// What the forwarder passes to `onReport` as `metadata`: `abi.encodePacked(workflowId,
    /// workflowName, workflowOwner, reportId)`, 64 bytes.
    pub fn receiver_metadata(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out.copy_from_slice(&self.encode()[METADATA_OFFSET..HEADER_LENGTH]);
        out
    }

    /// Header then payload: the bytes the DON signs.
    pub fn raw_report(&self, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LENGTH + payload.len());
        out.extend_from_slice(&self.encode());
        out.extend_from_slice(payload);
        out
    }
}

/// The 96-byte report context of OCR sequence number `seq_nr` under `config_digest`, as the
/// OCR3 consensus capability hands it to the write target (epoch = `uint32(seqNr)`, round 0,
/// no extra hash).
pub fn report_context(config_digest: B256, seq_nr: u32) -> [u8; 96] {
    let mut out = [0u8; 96];
    out[..32].copy_from_slice(config_digest.as_slice());
    out[59..63].copy_from_slice(&seq_nr.to_be_bytes());
    out
}

/// What each DON node signs: `keccak256(keccak256(rawReport) ‖ reportContext)`.
pub fn signing_hash(raw_report: &[u8], report_context: &[u8]) -> B256 {
    let mut data = Vec::with_capacity(32 + report_context.len());
    data.extend_from_slice(keccak256(raw_report).as_slice());
    data.extend_from_slice(report_context);
    keccak256(data)
}

/// One DON node's signature of a raw report: `r ‖ s ‖ v` with `v` the recovery id (0 or 1).
///
/// # Errors
/// [`Error::Signing`] if the key cannot sign.
pub fn sign(
    signer: &PrivateKeySigner,
    raw_report: &[u8],
    report_context: &[u8],
) -> Result<[u8; 65], Error> {
    let sig = signer
        .sign_hash_sync(&signing_hash(raw_report, report_context))
        .map_err(|e| Error::Signing(e.to_string()))?;
    let mut out = sig.as_bytes();
    out[64] = u8::from(sig.v());
    Ok(out)
}

/// The header's `workflow_name`: the first 10 hex digits of `sha256(name)`, as ASCII
/// (Chainlink's `HashTruncateName`; the `ReceiverTemplate` encodes expected names the same way).
pub fn workflow_name_field(name: &str) -> [u8; 10] {
    let hex = alloy::hex::encode(Sha256::digest(name.as_bytes()));
    let mut out = [0u8; 10];
    out.copy_from_slice(&hex.as_bytes()[..10]);
    out
}

/// Chainlink's workflow id: `sha256(owner ‖ name ‖ binary ‖ config ‖ secretsUrl)` with the
/// first byte replaced by the version byte 0.
pub fn workflow_id(
    owner: Address,
    name: &str,
    binary: &[u8],
    config: &[u8],
    secrets_url: &str,
) -> B256 {
    let mut h = Sha256::new();
    h.update(owner.as_slice());
    h.update(name.as_bytes());
    h.update(binary);
    h.update(config);
    h.update(secrets_url.as_bytes());
    let mut id: [u8; 32] = h.finalize().into();
    id[0] = 0;
    B256::from(id)
}

/// A workflow execution id: `sha256(workflowId as lowercase hex without 0x ‖ triggerEventId)`
/// (Chainlink's `EncodeExecutionID`).
pub fn execution_id(workflow_id: B256, trigger_event_id: &str) -> B256 {
    let mut h = Sha256::new();
    h.update(alloy::hex::encode(workflow_id).as_bytes());
    h.update(trigger_event_id.as_bytes());
    B256::from(<[u8; 32]>::from(h.finalize()))
}

/// The id this stand-in gives a log trigger event: the log's transaction hash and index, so
/// every node derives the same execution id from the same log.
pub fn log_event_id(tx_hash: B256, log_index: u64) -> String {
    format!("{tx_hash:#x}-{log_index}")
}

/// The forwarder's `getTransmissionId(receiver, workflowExecutionId, reportId)`.
pub fn transmission_id(receiver: Address, execution_id: B256, report_id: [u8; 2]) -> B256 {
    let mut data = Vec::with_capacity(54);
    data.extend_from_slice(receiver.as_slice());
    data.extend_from_slice(execution_id.as_slice());
    data.extend_from_slice(&report_id);
    keccak256(data)
}

#[cfg(test)]
mod tests {
    use alloy::primitives::{address, b256};

    use super::*;

    fn identity() -> WorkflowIdentity {
        WorkflowIdentity {
            workflow_id: b256!(
                "0x6d795f6964000000000000000000000000000000000000000000000000000000"
            ),
            workflow_name: "px-sync".into(),
            workflow_owner: address!("0x0000000000000000000000000000000000000033"),
            don_id: 0x0102_0304,
            config_version: 1,
        }
    }

    #[test]
    fn header_has_the_forwarders_offsets() {
        let exec = B256::repeat_byte(0xee);
        let h = ReportHeader::new(&identity(), exec, 0x0a0b_0c0d).encode();
        assert_eq!(h[0], 1);
        assert_eq!(&h[1..33], exec.as_slice());
        assert_eq!(&h[33..37], &[0x0a, 0x0b, 0x0c, 0x0d]);
        // The forwarder reads configId = (donId << 32) | configVersion from bytes 37..45.
        assert_eq!(u64::from_be_bytes(h[37..45].try_into().unwrap()), 0x0102_0304_0000_0001);
        assert_eq!(&h[45..77], identity().workflow_id.as_slice());
        assert_eq!(&h[87..107], identity().workflow_owner.as_slice());
        assert_eq!(&h[107..109], &REPORT_ID);
    }

    #[test]
    fn workflow_name_is_chainlinks_truncated_hash() {
        // The documented example: "my_workflow" -> 0x62373666336165316465 ("b76f3ae1de").
        assert_eq!(&workflow_name_field("my_workflow"), b"b76f3ae1de");
    }

    #[test]
    fn report_context_carries_the_sequence_number_as_the_epoch() {
        let ctx = report_context(B256::repeat_byte(7), 0x0102_0304);
        assert_eq!(&ctx[..32], B256::repeat_byte(7).as_slice());
        assert_eq!(&ctx[32..59], &[0u8; 27]);
        assert_eq!(&ctx[59..63], &[1, 2, 3, 4]);
        assert_eq!(&ctx[63..], &[0u8; 33]);
    }

    #[test]
    fn signatures_recover_to_the_node_with_a_zero_or_one_v() {
        let node = PrivateKeySigner::random();
        let raw = ReportHeader::new(&identity(), B256::ZERO, 1).raw_report(b"payload");
        let ctx = report_context(B256::ZERO, 1);
        let sig = sign(&node, &raw, &ctx).unwrap();
        assert!(sig[64] <= 1);
        let parsed = alloy::primitives::Signature::from_bytes_and_parity(&sig[..64], sig[64] == 1);
        let recovered = parsed.recover_address_from_prehash(&signing_hash(&raw, &ctx)).unwrap();
        assert_eq!(recovered, node.address());
    }

    #[test]
    fn payload_round_trips_and_refuses_other_bytes() {
        let r = SyncReport {
            request_id: B256::repeat_byte(1),
            token_id: U256::from(7),
            sequence: 3,
            used_bytes: 3000,
            upload_count: 3,
            metadata_digest: B256::repeat_byte(2),
            signatures: Bytes::from(vec![9u8; 65]),
        };
        let bytes = r.encode();
        // Seven head words, then the signatures' length and three words of bytes.
        assert_eq!(bytes.len(), 32 * 7 + 32 + 96);
        assert_eq!(SyncReport::decode(&bytes).unwrap(), r);
        assert!(SyncReport::decode(&bytes[..100]).is_err());
    }

    #[test]
    fn transmission_id_is_receiver_execution_and_report_id() {
        let receiver = address!("0x00000000000000000000000000000000000000aa");
        let exec = B256::repeat_byte(3);
        let mut packed = receiver.to_vec();
        packed.extend_from_slice(exec.as_slice());
        packed.extend_from_slice(&REPORT_ID);
        assert_eq!(transmission_id(receiver, exec, REPORT_ID), keccak256(packed));
    }
}
