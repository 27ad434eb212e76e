//! `onReport`: CRE's `IReceiver`, through which Chainlink's `KeystoneForwarder` delivers the
//! DON's report for a CRE request.
//!
//! # Revert or `SyncRejected`
//! `KeystoneForwarder.report` checks `f + 1` DON signatures, then `route` calls the receiver:
//! when the call reverts (or runs out of gas) the transmission stays retryable (another
//! transmitter may deliver the same report again, with more gas); when it returns, the
//! transmission is marked successful and every later delivery of that report reverts
//! `AlreadyAttempted`. So:
//! - a delivery that is not authorized reverts with a named error: the caller is not the
//!   configured forwarder (or none is configured: `InvalidSender`), the workflow id, owner or
//!   name is not the expected one (`InvalidWorkflowId`, `InvalidAuthor`, `InvalidWorkflowName`),
//!   a name is configured without its owner (`WorkflowNameRequiresAuthorValidation`), or no
//!   workflow identity is configured at all (`CreNotConfigured`). Nothing changes, and the
//!   owner may fix the configuration and let the DON retry.
//! - an authorized report whose content is refused ends its request with `SyncRejected` and
//!   returns: an untrusted or malformed usage signature, a stale sequence or conflicting
//!   digest, a token that is not the request's, a report that is not the canonical encoding,
//!   a core that refuses the usage. A retry of the same bytes would be refused again, so it is
//!   not offered; the token may request again at once.
//! - an authorized report that names no pending CRE request (unknown, already answered or
//!   cancelled, or a Direct Request) changes nothing and returns (`ReportIgnored`): a retry
//!   cannot churn state, and a Direct Request can be answered only by its operator.
//!
//! A CRE request's ETH fee is earned when a report ends it, accepted or rejected: the DON did
//! the work.

use alloc::vec::Vec;

use alloy_primitives::{B256, Bytes, FixedBytes};
use stylus_sdk::{keccak_const::Keccak256, prelude::*};

use crate::{
    CreNotConfigured, Error, InvalidAuthor, InvalidSender, InvalidWorkflowId, InvalidWorkflowName,
    PxSync, ReportIgnored, WorkflowNameRequiresAuthorValidation,
    fulfil::{Rejection, Usage},
    report::{self, Metadata},
};

/// ERC-165's own interface id.
pub const IERC165_ID: [u8; 4] = [0x01, 0xff, 0xc9, 0xa7];
/// `IReceiver`'s interface id: the selector of `onReport(bytes,bytes)`, its only function.
pub const IRECEIVER_ID: [u8; 4] = {
    let hash = Keccak256::new().update(b"onReport(bytes,bytes)").finalize();
    [hash[0], hash[1], hash[2], hash[3]]
};

/// Why an authorized report changed nothing (the `reason` of `ReportIgnored`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Ignored {
    /// No request with this id is pending.
    NotPending = 1,
    /// The request is a Direct Request: only its operator answers it.
    DirectRequest = 2,
    /// The report is shorter than one word: it names no request.
    NoRequestId = 3,
}

/// CRE's receiver interface and ERC-165.
#[allow(missing_docs)] // the SDK's macro adds undocumented routing methods
#[public]
pub trait CreReceiver {
    /// Accepts the DON's report for a pending CRE request, delivered by the forwarder
    /// (wire formats, "Sync through CRE"; the module docs give the revert rule).
    ///
    /// # Errors
    /// * [`Error::InvalidSender`] - If the caller is not the configured forwarder (expected
    ///   zero: none is configured).
    /// * [`Error::CreNotConfigured`] - If neither a workflow id nor a workflow owner is set.
    /// * [`Error::InvalidWorkflowId`] - If the metadata names another workflow id.
    /// * [`Error::InvalidAuthor`] - If the metadata names another workflow owner.
    /// * [`Error::WorkflowNameRequiresAuthorValidation`] - If a name is set without the owner.
    /// * [`Error::InvalidWorkflowName`] - If the metadata names another workflow name.
    ///
    /// # Events
    /// * `SyncFulfilled` (and the core's `UsageApplied`, `MetadataUpdate`), or `SyncRejected`,
    ///   or `ReportIgnored`.
    fn on_report(&mut self, metadata: Bytes, report: Bytes) -> Result<(), Error>;

    /// ERC-165: whether this program implements `interface_id` (`IReceiver`, `IERC165`).
    fn supports_interface(&self, interface_id: FixedBytes<4>) -> bool;
}

#[public]
impl CreReceiver for PxSync {
    fn on_report(&mut self, metadata: Bytes, report: Bytes) -> Result<(), Error> {
        self._authorize_delivery(&metadata)?;
        let Some(request_id) = report::request_id_of(&report) else {
            self._ignore(B256::ZERO, Ignored::NoRequestId);
            return Ok(());
        };
        let pending = self._pending(request_id);
        if pending.token_id == 0 {
            self._ignore(request_id, Ignored::NotPending);
            return Ok(());
        }
        if !pending.is_cre() {
            self._ignore(request_id, Ignored::DirectRequest);
            return Ok(());
        }
        // Answered once: the entry goes before anything else can happen.
        self._delete_pending(request_id);
        self._hold_fees(0, pending.fee);

        let token_id = pending.token();
        let result = match report::decode_report(&report) {
            None => Err(Rejection::MalformedReport),
            Some(r) if r.token_id != B256::from(token_id) => Err(Rejection::TokenMismatch),
            Some(r) => {
                let usage = Usage {
                    sequence: r.sequence,
                    used_bytes: r.used_bytes,
                    upload_count: r.upload_count,
                    metadata_digest: r.metadata_digest,
                };
                self._accept(token_id, &usage, r.signatures).map(|()| usage)
            }
        };
        self._conclude(request_id, token_id, result);
        Ok(())
    }

    fn supports_interface(&self, interface_id: FixedBytes<4>) -> bool {
        interface_id == IRECEIVER_ID || interface_id == IERC165_ID
    }
}

impl PxSync {
    /// The checks of Chainlink's `ReceiverTemplate`, in its order, except that the forwarder
    /// and a workflow identity are required (see [`crate::cre`]).
    fn _authorize_delivery(&self, metadata: &[u8]) -> Result<(), Error> {
        let sender = self.vm().msg_sender();
        let forwarder = self.forwarder.get();
        if forwarder.is_zero() || sender != forwarder {
            return Err(Error::InvalidSender(InvalidSender { sender, expected: forwarder }));
        }
        let id = self.expected_workflow_id.get();
        let author = self.expected_author.get();
        if id.is_zero() && author.is_zero() {
            return Err(Error::CreNotConfigured(CreNotConfigured {}));
        }
        let m = Metadata::decode(metadata);
        if !id.is_zero() && m.workflow_id != id {
            return Err(Error::InvalidWorkflowId(InvalidWorkflowId {
                received: m.workflow_id,
                expected: id,
            }));
        }
        if !author.is_zero() && m.workflow_owner != author {
            return Err(Error::InvalidAuthor(InvalidAuthor {
                received: m.workflow_owner,
                expected: author,
            }));
        }
        let name = self.expected_workflow_name.get();
        if !name.is_zero() {
            // Names are unique per owner only, and 40 bits long: never trusted alone.
            if author.is_zero() {
                return Err(Error::WorkflowNameRequiresAuthorValidation(
                    WorkflowNameRequiresAuthorValidation {},
                ));
            }
            if m.workflow_name != name {
                return Err(Error::InvalidWorkflowName(InvalidWorkflowName {
                    received: m.workflow_name,
                    expected: name,
                }));
            }
        }
        Ok(())
    }

    /// Records that an authorized report matched no pending CRE request.
    fn _ignore(&mut self, request_id: B256, why: Ignored) {
        self.vm().log(ReportIgnored { requestId: request_id, reason: why as u8 });
    }
}
