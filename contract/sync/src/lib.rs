//! `PxSync`, the program through which the chain learns a PX storage NFT's usage.
//!
//! A token's owner (or anyone it approved) asks for a sync; the request emits `SyncRequested`
//! and goes one of two routes:
//! - **CRE** (route 1, the default): a Chainlink Runtime Environment workflow answers the log;
//!   its DON agrees on a report that Chainlink's `KeystoneForwarder` delivers to `onReport`.
//! - **Direct Request** (route 2, legacy): a Chainlink direct request (dataVersion 2,
//!   `operatorRequest` through `LINK.transferAndCall`) whose CBOR parameters name the token's
//!   BTNS key; the Operator calls back `fulfillSync`.
//!
//! Either way the relay only relays: the usage counts only when the PX node's EIP-712
//! `UsageReport` signature recovers to a trusted usage signer and its sequence is newer (or the
//! same document again); then it is applied on the core, whose syncer role this program holds.
//!
//! Which refusals revert: the Operator forgets a request before calling back and ignores a
//! revert, so a fulfilment from the recorded operator never reverts. The forwarder records a
//! reverting receiver as a failed delivery that may be retried, and a returning one as final;
//! so `onReport` reverts only when the delivery is not authorized, and every refusal of an
//! authorized report's content ends the request with `SyncRejected` ([`receiver`]).
//!
//! # Layout
//! - [`requests`]: sponsored and user-paid requests, cancellation, the pending-request views.
//! - [`receiver`]: `onReport` (CRE's `IReceiver`) and ERC-165.
//! - [`report`]: the CRE report and metadata bytes, strictly decoded.
//! - [`fulfil`]: `fulfillSync`, the signature check and the sequence rules of both routes.
//! - [`cre`]: the route, the CRE receiver's identity checks, the ETH fee and its withdrawal.
//! - [`config`]: oracle, sponsorship, usage signers, LINK withdrawal, ownership.
//! - [`cbor`]: the request parameters, byte for byte as Chainlink's Solidity library writes them.
//! - [`slots`]: how pending requests and per-token state are packed into storage words.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![cfg_attr(not(any(test, feature = "export-abi")), no_std)]
// The SDK's export-abi code generation adds undocumented public items.
#![cfg_attr(feature = "export-abi", allow(missing_docs))]

extern crate alloc;

pub mod cbor;
pub mod config;
pub mod cre;
pub mod fulfil;
pub mod receiver;
pub mod report;
pub mod requests;
pub mod slots;

#[cfg(test)]
mod tests;

use alloc::{vec, vec::Vec};

use alloy_primitives::{Address, B256, U256};
use px_contract_common::ownable::{
    Ownable, Ownable2Step, OwnableInvalidOwner, OwnableUnauthorizedAccount,
};
use stylus_sdk::{
    prelude::*,
    storage::{
        StorageAddress, StorageB256, StorageBool, StorageFixedBytes, StorageMap, StorageU8,
        StorageU64, StorageU128, StorageUint,
    },
};

#[cfg(feature = "export-abi")]
use crate::{
    config::SyncConfigStylusAbiStruct, cre::CreConfigStylusAbiStruct,
    fulfil::SyncFulfilmentStylusAbiStruct, receiver::CreReceiverStylusAbiStruct,
    requests::SyncRequestsStylusAbiStruct,
};
pub use sol::*;

/// Events and errors, generated from the program's published interface.
#[allow(missing_docs, clippy::pedantic)]
mod sol {
    alloy_sol_types::sol!(
        #[sol(all_derives)]
        "../../abi/IPxSync.sol"
    );
    pub use IPxSync::{
        CreNotConfigured, CreRequestTimeoutSet, ERC721InsufficientApproval, ERC721NonexistentToken,
        EnforcedPause, EthTransferFailed, ExpectedAuthorUpdated, ExpectedWorkflowIdUpdated,
        ExpectedWorkflowNameUpdated, FeesWithdrawn, ForwarderAddressUpdated, IncorrectFee,
        InsufficientFees, InvalidAuthor, InvalidRoute, InvalidSender, InvalidTimeout,
        InvalidTokenTransferData, InvalidWorkflowId, InvalidWorkflowName, LinkTransferFailed,
        NoBtnsKey, OnlyLinkToken, OracleNotConfigured, OracleSet, ReportIgnored, RequestNotExpired,
        SponsoredMinQuotaSet, SponsoredSyncUnavailable, SyncCancelled, SyncFeeSet, SyncFulfilled,
        SyncPending, SyncRejected, SyncRequested, SyncRouteSet, UnauthorizedOperator,
        UnknownRequest, UsageSignerSet, WorkflowNameRequiresAuthorValidation,
    };
}

/// The calls this program makes: the core (`syncContext`, `applyUsage`) and Chainlink's
/// LinkToken and Operator.
#[allow(missing_docs, clippy::pedantic, clippy::too_many_arguments)]
pub(crate) mod calls {
    alloy_sol_types::sol!("../../abi/IPxStorageNft.sol");
    alloy_sol_types::sol!("../../abi/chainlink.sol");
    pub(crate) use IPxStorageNft::{applyUsageCall, syncContextCall};
    pub(crate) use LinkTokenInterface::{transferAndCallCall, transferCall};
    pub(crate) use OperatorInterface::{cancelOracleRequestCall, operatorRequestCall};
}

/// Every way a call to the program can fail, each encoded as the Solidity error of the same name.
#[derive(SolidityError, Debug)]
pub enum Error {
    /// The token does not exist (the core said so).
    NonexistentToken(ERC721NonexistentToken),
    /// The requester neither owns nor may operate the token.
    InsufficientApproval(ERC721InsufficientApproval),
    /// `setOracle` was never called.
    OracleNotConfigured(OracleNotConfigured),
    /// `onTokenTransfer` from another contract than the configured LINK token.
    OnlyLinkToken(OnlyLinkToken),
    /// A user-paid request must pay exactly the fee.
    IncorrectFee(IncorrectFee),
    /// The token has no BTNS key yet, so there is nothing to resolve.
    NoBtnsKey(NoBtnsKey),
    /// The core is paused.
    EnforcedPause(EnforcedPause),
    /// The token's previous request has not expired yet.
    SyncPending(SyncPending),
    /// Not a paid plan, or its sponsored sync of this window was used.
    SponsoredSyncUnavailable(SponsoredSyncUnavailable),
    /// No pending request has this id.
    UnknownRequest(UnknownRequest),
    /// Only the operator recorded for the request may fulfil it.
    UnauthorizedOperator(UnauthorizedOperator),
    /// A request may be cancelled only after the Operator's expiry.
    RequestNotExpired(RequestNotExpired),
    /// A LINK transfer failed.
    LinkTransferFailed(LinkTransferFailed),
    /// `onTokenTransfer` data is not `abi.encode(uint256 tokenId)`.
    InvalidTokenTransferData(InvalidTokenTransferData),
    /// The caller is not the owner (or the pending owner, for `acceptOwnership`).
    OwnableUnauthorizedAccount(OwnableUnauthorizedAccount),
    /// The owner cannot be the zero address.
    OwnableInvalidOwner(OwnableInvalidOwner),
    /// `setSyncRoute` with a route that is not 1 (CRE) or 2 (Direct Request).
    InvalidRoute(InvalidRoute),
    /// A CRE request while the receiver cannot accept its report (forwarder or workflow
    /// identity unset), or a user-paid one while the fee is 0.
    CreNotConfigured(CreNotConfigured),
    /// `onReport` not from the configured forwarder.
    InvalidSender(InvalidSender),
    /// A report from another workflow owner than the expected one.
    InvalidAuthor(InvalidAuthor),
    /// A report from another workflow name than the expected one.
    InvalidWorkflowName(InvalidWorkflowName),
    /// A report from another workflow id than the expected one.
    InvalidWorkflowId(InvalidWorkflowId),
    /// A workflow name is configured without the author it is unique under.
    WorkflowNameRequiresAuthorValidation(WorkflowNameRequiresAuthorValidation),
    /// A CRE request timeout of 0 or above 30 days.
    InvalidTimeout(InvalidTimeout),
    /// A withdrawal of more ETH than the fees not held for pending requests.
    InsufficientFees(InsufficientFees),
    /// An ETH refund or withdrawal failed.
    EthTransferFailed(EthTransferFailed),
}

px_contract_common::impl_ownable!(PxSync, Error);

/// A pending request's two storage words ([`slots::Pending`]).
#[storage]
pub struct PendingSlots {
    /// Token, expiry and payer.
    pub(crate) head: StorageB256,
    /// Operator and fee.
    pub(crate) tail: StorageB256,
}

/// The program's state.
#[storage]
#[entrypoint]
#[allow(missing_docs)] // the SDK's macro adds an undocumented entrypoint function
pub struct PxSync {
    /// Owner and pending owner.
    pub(crate) ownable: Ownable2Step,
    /// The core program (`PxStorageNft`) whose tokens this program syncs.
    pub(crate) core: StorageAddress,
    /// The LINK token. Packed with `nonce`: every request reads and bumps both.
    pub(crate) link: StorageAddress,
    /// Requests sent so far; the next request uses `nonce + 1` (Chainlink's clients start at 1).
    pub(crate) nonce: StorageU64,
    /// The Chainlink Operator. Packed with `fee`.
    pub(crate) operator: StorageAddress,
    /// LINK (in juels) paid per request.
    pub(crate) fee: StorageUint<96, 2>,
    /// The PX job's id on the Chainlink node.
    pub(crate) job_id: StorageB256,
    /// Tokens with at least this quota may use sponsored syncs; 0 = sponsorship off.
    pub(crate) sponsored_min_quota: StorageU64,
    /// Addresses whose EIP-712 usage reports are trusted (the PX nodes' usage signers).
    pub(crate) usage_signers: StorageMap<Address, StorageBool>,
    /// Pending requests by request id.
    pub(crate) pending: StorageMap<B256, PendingSlots>,
    /// Per-token request state ([`slots::TokenSync`]).
    pub(crate) tokens: StorageMap<U256, StorageB256>,
    /// CRE's `KeystoneForwarder`, the only caller of `onReport` (zero = CRE off). Packed with
    /// the timeout and the route: a CRE request reads all three.
    pub(crate) forwarder: StorageAddress,
    /// Seconds a CRE request waits for its report (0 = [`cre::DEFAULT_CRE_TIMEOUT`]).
    pub(crate) cre_timeout: StorageU64,
    /// The route of `requestSync` (0 = CRE, the default).
    pub(crate) route: StorageU8,
    /// The workflow owner reports must name (zero = not checked). Packed with the name.
    pub(crate) expected_author: StorageAddress,
    /// The workflow name reports must name, CRE's encoding (zero = not checked).
    pub(crate) expected_workflow_name: StorageFixedBytes<10>,
    /// The workflow id reports must name (zero = not checked).
    pub(crate) expected_workflow_id: StorageB256,
    /// Wei paid per user-paid CRE request (0 = none). Packed with `fees_held`.
    pub(crate) sync_fee: StorageUint<96, 2>,
    /// Wei paid by pending CRE requests, owed back to their payers if they are cancelled.
    pub(crate) fees_held: StorageU128,
}

#[public]
#[implements(
    requests::SyncRequests,
    receiver::CreReceiver,
    fulfil::SyncFulfilment,
    config::SyncConfig,
    cre::CreConfig,
    Ownable
)]
impl PxSync {
    /// Sets the owner and the core. The oracle, the usage signers and sponsorship are configured
    /// afterwards by the owner.
    ///
    /// NOTE: a Stylus constructor runs with the deployer contract as `msg.sender`, so the owner
    /// is an argument.
    ///
    /// # Errors
    /// * [`Error::OwnableInvalidOwner`] - If `owner` is the zero address.
    ///
    /// # Events
    /// * `OwnershipTransferred`.
    #[constructor]
    pub fn constructor(&mut self, owner: Address, core: Address) -> Result<(), Error> {
        self.ownable.init(owner)?;
        self.core.set(core);
        Ok(())
    }
}

/// The interface `cargo stylus export-abi` prints (functions and errors), for the drift test.
#[cfg(feature = "export-abi")]
pub fn exported_abi() -> alloc::string::String {
    use stylus_sdk::abi::GenerateAbi;
    px_contract_common::export::interfaces(&[
        <PxSync as GenerateAbi>::fmt_abi,
        <SyncRequestsStylusAbiStruct as GenerateAbi>::fmt_abi,
        <SyncFulfilmentStylusAbiStruct as GenerateAbi>::fmt_abi,
        <SyncConfigStylusAbiStruct as GenerateAbi>::fmt_abi,
        <CreReceiverStylusAbiStruct as GenerateAbi>::fmt_abi,
        <CreConfigStylusAbiStruct as GenerateAbi>::fmt_abi,
        <OwnableStylusAbiStruct as GenerateAbi>::fmt_abi,
    ])
}
