//! `fulfillSync`, and what the chain accepts from either relay (the Chainlink operator of a
//! Direct Request, or the CRE DON through `onReport`).
//!
//! The relay only relays: the usage it brings counts only when the EIP-712
//! `UsageReport(tokenId, btnsKey, sequence, usedBytes, uploadCount)` signature (domain
//! verifyingContract = the core) recovers to a trusted usage signer, and the sequence rules of
//! the wire formats hold:
//! - a higher sequence than stored updates the usage (it may go down, or above the quota);
//! - the stored sequence with the stored digest refreshes `lastSyncedAt`;
//! - a lower sequence (or 0), or the stored sequence with another digest, is rejected.
//!
//! The metadata digest is not signed (the signature sits inside the document it hashes); the
//! adapter checks it against the document it read, and the chain keeps whichever digest came
//! with the first report of a sequence.

use alloc::vec::Vec;

use alloy_primitives::{B256, U256};
use alloy_sol_types::SolCall;
use px_contract_common::eip712;
use stylus_sdk::{call::call, keccak_const::Keccak256, prelude::*};

use crate::{
    Error, PxSync, SyncFulfilled, SyncRejected, UnauthorizedOperator, UnknownRequest, calls,
    report::SIGNATURE_LENGTH,
};

/// `keccak256` of the `UsageReport` type string (wire formats).
pub const USAGE_REPORT_TYPEHASH: B256 = B256::new(
    Keccak256::new()
        .update(
            b"UsageReport(uint256 tokenId,bytes btnsKey,uint64 sequence,uint64 usedBytes,uint32 uploadCount)",
        )
        .finalize(),
);

/// Why a fulfilment was refused (the `reason` of `SyncRejected`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Rejection {
    /// The report's signer is not trusted (a wrong signature, or a report for another token or
    /// key, recovers to some other address).
    UntrustedSigner = 1,
    /// The sequence is lower than the stored one, or 0.
    StaleSequence = 2,
    /// The stored sequence with another digest.
    ConflictingDigest = 3,
    /// `v` is not 27 or 28, or `s` is in the upper half of the curve order.
    MalformedSignature = 4,
    /// The core did not answer or refused the usage.
    CoreRejected = 5,
    /// A CRE report names another token than its request's.
    TokenMismatch = 6,
    /// A CRE report is not the canonical encoding ([`crate::report`]).
    MalformedReport = 7,
}

/// The sequence rules: `Ok` when a report may be applied, given what the core stores.
pub fn check_sequence(
    stored_sequence: u64,
    stored_digest: B256,
    sequence: u64,
    digest: B256,
) -> Result<(), Rejection> {
    if sequence == 0 || sequence < stored_sequence {
        Err(Rejection::StaleSequence)
    } else if sequence == stored_sequence && digest != stored_digest {
        Err(Rejection::ConflictingDigest)
    } else {
        Ok(())
    }
}

/// A usage report as signed by the PX node, with the digest that came with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    /// Strictly increasing per token; the first document (at key registration) is 1.
    pub sequence: u64,
    /// Bytes stored.
    pub used_bytes: u64,
    /// Uploads made.
    pub upload_count: u32,
    /// sha256 of the usage document (not signed; see the module docs).
    pub metadata_digest: B256,
}

/// The Chainlink callback.
#[allow(missing_docs)] // the SDK's macro adds undocumented routing methods
#[public]
pub trait SyncFulfilment {
    /// Accepts a signed usage report for a pending request, from the operator recorded for it.
    /// Every refusal of the report ends the request with `SyncRejected`; only strangers and
    /// unknown (or already answered) requests revert. Works while the core is paused.
    ///
    /// # Errors
    /// * [`Error::UnknownRequest`] - If no request with this id is pending.
    /// * [`Error::UnauthorizedOperator`] - If the caller is not the request's operator.
    ///
    /// # Events
    /// * `SyncFulfilled` (and the core's `UsageApplied`, `MetadataUpdate`), or `SyncRejected`.
    #[allow(clippy::too_many_arguments)]
    fn fulfill_sync(
        &mut self,
        request_id: B256,
        sequence: u64,
        used_bytes: u64,
        upload_count: u32,
        metadata_digest: B256,
        v: u8,
        r: B256,
        s: B256,
    ) -> Result<(), Error>;
}

#[public]
impl SyncFulfilment for PxSync {
    fn fulfill_sync(
        &mut self,
        request_id: B256,
        sequence: u64,
        used_bytes: u64,
        upload_count: u32,
        metadata_digest: B256,
        v: u8,
        r: B256,
        s: B256,
    ) -> Result<(), Error> {
        let pending = self._pending(request_id);
        if pending.token_id == 0 {
            return Err(Error::UnknownRequest(UnknownRequest { requestId: request_id }));
        }
        let sender = self.vm().msg_sender();
        if sender != pending.operator {
            return Err(Error::UnauthorizedOperator(UnauthorizedOperator { sender }));
        }
        // Answered once: the entry goes before anything else can happen.
        self._delete_pending(request_id);

        let usage = Usage { sequence, used_bytes, upload_count, metadata_digest };
        let mut signature = [0u8; SIGNATURE_LENGTH];
        signature[..32].copy_from_slice(r.as_slice());
        signature[32..64].copy_from_slice(s.as_slice());
        signature[64] = v;
        let result = self._accept(pending.token(), &usage, &signature).map(|()| usage);
        self._conclude(request_id, pending.token(), result);
        Ok(())
    }
}

impl PxSync {
    /// Ends a request that a report answered: `SyncFulfilled` or `SyncRejected`.
    pub(crate) fn _conclude(
        &mut self,
        request_id: B256,
        token_id: U256,
        result: Result<Usage, Rejection>,
    ) {
        match result {
            Ok(usage) => self.vm().log(SyncFulfilled {
                tokenId: token_id,
                requestId: request_id,
                sequence: usage.sequence,
                usedBytes: usage.used_bytes,
                uploadCount: usage.upload_count,
                metadataDigest: usage.metadata_digest,
            }),
            Err(reason) => self.vm().log(SyncRejected {
                tokenId: token_id,
                requestId: request_id,
                reason: reason as u8,
            }),
        }
    }

    /// Verifies a report and applies it on the core; never reverts. `signatures` are 65-byte
    /// `r ‖ s ‖ v` signatures, concatenated: the report is accepted when one of them recovers
    /// to a trusted usage signer (a malformed one among them rejects the report only when none
    /// does).
    pub(crate) fn _accept(
        &mut self,
        token_id: U256,
        report: &Usage,
        signatures: &[u8],
    ) -> Result<(), Rejection> {
        if signatures.is_empty() || !signatures.len().is_multiple_of(SIGNATURE_LENGTH) {
            return Err(Rejection::MalformedSignature);
        }
        let context = self
            ._context(token_id, alloy_primitives::Address::ZERO)
            .ok_or(Rejection::CoreRejected)?;
        let struct_hash = eip712::hash_words(
            self.vm(),
            &[
                USAGE_REPORT_TYPEHASH,
                token_id.into(),
                self.vm().native_keccak256(&context.btnsKey),
                U256::from(report.sequence).into(),
                U256::from(report.used_bytes).into(),
                U256::from(report.upload_count).into(),
            ],
        );
        let digest = eip712::typed_data_digest(self.vm(), self.core.get(), struct_hash);
        let mut outcome = Err(Rejection::UntrustedSigner);
        for signature in signatures.chunks_exact(SIGNATURE_LENGTH) {
            let r = B256::from_slice(&signature[..32]);
            let s = B256::from_slice(&signature[32..64]);
            match eip712::recover(self.vm(), digest, signature[64], r, s) {
                Some(signer) if self.usage_signers.get(signer) => {
                    outcome = Ok(());
                    break;
                }
                Some(_) => {}
                None => outcome = Err(Rejection::MalformedSignature),
            }
        }
        outcome?;
        check_sequence(
            context.syncSequence,
            context.metadataDigest,
            report.sequence,
            report.metadata_digest,
        )?;
        let apply = calls::applyUsageCall {
            tokenId: token_id,
            sequence: report.sequence,
            usedBytes: report.used_bytes,
            uploadCount: report.upload_count,
            metadataDigest: report.metadata_digest,
        }
        .abi_encode();
        let core = self.core.get();
        let call_context = Call::new_mutating(self);
        call(self.vm(), call_context, core, &apply).map_err(|_| Rejection::CoreRejected)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const D1: B256 = B256::repeat_byte(1);
    const D2: B256 = B256::repeat_byte(2);

    #[test]
    fn applies_a_newer_sequence() {
        assert_eq!(check_sequence(0, B256::ZERO, 1, D1), Ok(()));
        assert_eq!(check_sequence(4, D1, 5, D2), Ok(()));
    }

    #[test]
    fn refreshes_the_same_document() {
        assert_eq!(check_sequence(4, D1, 4, D1), Ok(()));
    }

    #[test]
    fn rejects_an_older_sequence() {
        assert_eq!(check_sequence(4, D1, 3, D1), Err(Rejection::StaleSequence));
    }

    #[test]
    fn rejects_the_same_sequence_with_another_document() {
        assert_eq!(check_sequence(4, D1, 4, D2), Err(Rejection::ConflictingDigest));
    }

    #[test]
    fn rejects_sequence_zero_even_on_a_token_never_synced() {
        assert_eq!(check_sequence(0, B256::ZERO, 0, B256::ZERO), Err(Rejection::StaleSequence));
    }

    proptest! {
        /// Accepted exactly when the sequence moves forward, or stays with the same digest.
        #[test]
        fn sequence_rule_holds(stored: u64, sequence: u64, same_digest: bool) {
            let digest = if same_digest { D1 } else { D2 };
            let accepted = check_sequence(stored, D1, sequence, digest).is_ok();
            let expected = sequence != 0 && (sequence > stored || (sequence == stored && same_digest));
            prop_assert_eq!(accepted, expected);
        }
    }
}
