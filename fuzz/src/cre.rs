//! px-sync's CRE receiver: the report bytes `onReport` decodes (`report::decode_report`, a hand
//! decoder kept small for the program's size), held against alloy's ABI codec.

use alloy::{
    primitives::{B256, Bytes, U256},
    sol_types::SolValue,
};
use px_sync::report::{METADATA_LENGTH, Metadata, decode_report, request_id_of};

/// The report's Solidity shape: `abi.encode(bytes32 requestId, uint256 tokenId, uint64
/// sequence, uint64 usedBytes, uint32 uploadCount, bytes32 metadataDigest, bytes signatures)`.
type Report = (B256, U256, u64, u64, u32, B256, Bytes);

/// The receiver accepts exactly the canonical encodings: what it decodes is what alloy decodes,
/// and re-encodes to the same bytes (one encoding per report); and whatever alloy decodes and
/// re-encodes to the same bytes, the receiver decodes too. The first word names the request
/// whenever there is one. The same bytes read as metadata split as `KeystoneForwarder` packs
/// them (workflow id ‖ name ‖ owner ‖ report id), a short buffer as if zero-padded.
pub fn cre_report(data: &[u8]) {
    let mut padded = [0u8; METADATA_LENGTH];
    let n = data.len().min(METADATA_LENGTH);
    padded[..n].copy_from_slice(&data[..n]);
    let m = Metadata::decode(data);
    assert_eq!(
        [m.workflow_id.as_slice(), m.workflow_name.as_slice(), m.workflow_owner.as_slice()]
            .concat(),
        padded[..62]
    );
    assert_eq!(request_id_of(data).is_some(), data.len() >= 32);
    let canonical = <Report as SolValue>::abi_decode_params(data)
        .ok()
        .filter(|report| report.abi_encode_params() == data);
    match (decode_report(data), canonical) {
        (Some(ours), Some(theirs)) => {
            let ours: Report = (
                ours.request_id,
                U256::from_be_bytes(ours.token_id.0),
                ours.sequence,
                ours.used_bytes,
                ours.upload_count,
                ours.metadata_digest,
                Bytes::copy_from_slice(ours.signatures),
            );
            assert_eq!(ours, theirs, "the receiver reads other values than the ABI says");
            assert_eq!(request_id_of(data), Some(theirs.0));
        }
        (None, None) => {}
        (Some(_), None) => panic!("the receiver accepted a report that is not canonical"),
        (None, Some(_)) => panic!("the receiver refused a canonical report"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(signatures: &[u8]) -> Vec<u8> {
        let r: Report = (
            B256::repeat_byte(0x5a),
            U256::from(7),
            3,
            3017,
            3,
            B256::repeat_byte(8),
            Bytes::copy_from_slice(signatures),
        );
        r.abi_encode_params()
    }

    #[test]
    fn holds_for_canonical_reports_of_every_signature_length() {
        for n in [0, 1, 31, 32, 33, 65, 130] {
            cre_report(&report(&vec![0xab; n]));
        }
    }

    #[test]
    fn holds_for_cut_and_extended_reports() {
        let full = report(&[0xab; 65]);
        for len in 0..full.len() {
            cre_report(&full[..len]);
        }
        cre_report(&[full.as_slice(), &[0]].concat());
    }

    #[test]
    fn a_report_with_another_offset_is_refused_by_both() {
        let mut edited = report(&[0xab; 65]);
        edited[6 * 32 + 31] = 0xc0;
        assert!(decode_report(&edited).is_none());
        cre_report(&edited);
    }
}
