//! Sync requests: who may ask, who pays, which route, and the Chainlink direct request itself.
//!
//! Two ways to pay, so that nobody can drain the program (or the DON's gas) with many free
//! tokens:
//! - sponsored (`requestSync`): once per token per sync window, for tokens on paid plans (quota
//!   at least `sponsoredMinQuota`), through the current route (`syncRoute`): on Direct Request
//!   paid from this program's LINK; on CRE nothing is paid per request (the workflow owner pays
//!   the DON);
//! - user-paid, for any token the sender owns or may operate: on CRE `requestSyncWithFee` with
//!   exactly `creConfig().syncFee` in ETH, held until the request ends (earned by a report,
//!   refunded by `cancelSync`); on Direct Request `LINK.transferAndCall(pxSync, fee,
//!   abi.encode(tokenId))`.
//!
//! Either way the token needs a BTNS key, the core must not be paused, the route must be
//! configured, and the token's previous request must have been answered, cancelled or expired
//! (an expired one is replaced; it can still be cancelled to get its fee back). A Direct Request
//! expires after the Operator's 5 minutes, a CRE request after `creConfig().requestTimeout`.

use alloc::vec::Vec;

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::SolCall;
use stylus_sdk::{
    call::{call, static_call},
    prelude::*,
};

use crate::{
    CreNotConfigured, ERC721InsufficientApproval, ERC721NonexistentToken, EnforcedPause, Error,
    IncorrectFee, InvalidTokenTransferData, LinkTransferFailed, NoBtnsKey, OnlyLinkToken,
    OracleNotConfigured, PxSync, RequestNotExpired, SponsoredSyncUnavailable, SyncCancelled,
    SyncPending, SyncRequested, UnknownRequest, calls, cbor,
    cre::{ROUTE_CRE, ROUTE_DIRECT},
    slots::{Pending, TokenSync},
    sol::IPxSync::fulfillSyncCall,
};

/// How long the Operator holds a request before the requester may cancel it (its `EXPIRYTIME`).
pub const EXPIRY_SECONDS: u64 = 5 * 60;
/// The Operator's request format that carries the callback selector and CBOR data.
const DATA_VERSION: u64 = 2;

/// What the core says about a token: its `syncContext` answer, as decoded.
pub(crate) type TokenContext = calls::IPxStorageNft::syncContextReturn;

/// Requests, cancellation and the pending-request views.
#[allow(missing_docs)] // the SDK's macro adds undocumented routing methods
#[public]
pub trait SyncRequests {
    /// Requests a sponsored sync through the current route (`syncRoute`); on Direct Request it
    /// is paid from this program's LINK.
    ///
    /// # Errors
    /// * [`Error::NonexistentToken`] - If the token does not exist.
    /// * [`Error::InsufficientApproval`] - If the caller neither owns nor may operate the token.
    /// * [`Error::SponsoredSyncUnavailable`] - If the token is not on a paid plan
    ///   (`availableAt` = 0), or had its sponsored sync in this window (`availableAt` = when the
    ///   next one is allowed).
    /// * [`Error::CreNotConfigured`] - On CRE, if the forwarder or the workflow identity is
    ///   unset.
    /// * [`Error::EnforcedPause`], [`Error::NoBtnsKey`], [`Error::OracleNotConfigured`],
    ///   [`Error::SyncPending`], [`Error::LinkTransferFailed`] - As for every request.
    ///
    /// # Events
    /// * `SyncRequested(tokenId, requestId, payer = this program, route, btnsKey)`, and on
    ///   Direct Request the Operator's `OracleRequest`.
    fn request_sync(&mut self, token_id: U256) -> Result<B256, Error>;

    /// Requests a sync through CRE paid by the caller: `msg.value` must be the sync fee. The
    /// fee is earned when a report ends the request and refunded if it is cancelled.
    ///
    /// # Errors
    /// * [`Error::CreNotConfigured`] - If the forwarder or the workflow identity is unset, or
    ///   the fee is 0 (user-paid CRE syncs off).
    /// * [`Error::IncorrectFee`] - If `msg.value` is not the fee.
    /// * [`Error::NonexistentToken`], [`Error::InsufficientApproval`] - As `requestSync`.
    /// * [`Error::EnforcedPause`], [`Error::NoBtnsKey`], [`Error::SyncPending`] - As for every
    ///   request.
    ///
    /// # Events
    /// * `SyncRequested(tokenId, requestId, payer = caller, route = 1, btnsKey)`.
    #[payable]
    fn request_sync_with_fee(&mut self, token_id: U256) -> Result<B256, Error>;

    /// ERC-677 hook of `LINK.transferAndCall(pxSync, fee, abi.encode(tokenId))`: a sync paid
    /// by the LINK sender.
    ///
    /// # Errors
    /// * [`Error::OnlyLinkToken`] - If the caller is not the configured LINK token.
    /// * [`Error::InvalidTokenTransferData`] - If `data` is not one uint256.
    /// * [`Error::IncorrectFee`] - If `amount` is not the fee.
    /// * [`Error::NonexistentToken`], [`Error::InsufficientApproval`] - As `requestSync`.
    /// * [`Error::EnforcedPause`], [`Error::NoBtnsKey`], [`Error::OracleNotConfigured`],
    ///   [`Error::SyncPending`], [`Error::LinkTransferFailed`] - As for every request.
    ///
    /// # Events
    /// * `SyncRequested(tokenId, requestId, payer = sender)`.
    fn on_token_transfer(
        &mut self,
        sender: Address,
        amount: U256,
        data: Bytes,
    ) -> Result<(), Error>;

    /// Cancels a request after its expiry, so that a relay that never answers cannot lock a
    /// token: the token may request again, and
    /// - a CRE request: a user's ETH fee goes back to the payer, a sponsored sync is given back;
    /// - a Direct Request: the Operator returns the LINK, which goes back to the user who paid,
    ///   or a sponsored sync is given back.
    ///
    /// When the Operator refuses the cancel (it already answered, so it paid its node, and the
    /// answer never arrived here), the request still ends but nothing is given back: no LINK
    /// goes to the user, and a sponsored sync counts as used, since the program's LINK paid for
    /// it. `refunded` in the event says which.
    ///
    /// # Errors
    /// * [`Error::UnknownRequest`] - If no request with this id is pending.
    /// * [`Error::RequestNotExpired`] - Before the expiry.
    /// * [`Error::LinkTransferFailed`] - If the LINK refund to a user who paid fails.
    /// * [`Error::EthTransferFailed`] - If the ETH refund to a user who paid fails (the payer
    ///   refuses it; the request stays cancellable, and expired, so it locks nothing).
    ///
    /// # Events
    /// * `SyncCancelled(tokenId, requestId, payer, refunded)`.
    fn cancel_sync(&mut self, request_id: B256) -> Result<(), Error>;

    /// A pending request: (tokenId, payer, expiresAt, operator, fee, route); all zero when none.
    /// A CRE request (route 1) has no operator and its fee is in wei.
    fn pending_request(&self, request_id: B256) -> (U256, Address, u64, Address, U256, u8);

    /// The token's latest request id and its expiry (zero when it never requested).
    fn latest_request_of(&self, token_id: U256) -> (B256, u64);

    /// When this program last paid for a sync of the token (0 = never).
    fn last_sponsored_at(&self, token_id: U256) -> u64;
}

#[public]
impl SyncRequests for PxSync {
    fn request_sync(&mut self, token_id: U256) -> Result<B256, Error> {
        let sender = self.vm().msg_sender();
        let context = self._authorized_context(token_id, sender)?;
        let state = TokenSync::decode(self.tokens.get(token_id));
        let min_quota = self.sponsored_min_quota.get().as_limbs()[0];
        if min_quota == 0 || context.quotaBytes < min_quota {
            return Err(unavailable(token_id, 0));
        }
        let next = state.last_sponsored_at.saturating_add(context.syncWindow);
        if state.last_sponsored_at != 0 && self.vm().block_timestamp() < next {
            return Err(unavailable(token_id, next));
        }
        let payer = self.vm().contract_address();
        self._request(token_id, payer, self._route(), 0, &context, state)
    }

    #[payable]
    fn request_sync_with_fee(&mut self, token_id: U256) -> Result<B256, Error> {
        let fee = U256::from(self.sync_fee.get());
        if fee.is_zero() || !self._cre_ready() {
            return Err(Error::CreNotConfigured(CreNotConfigured {}));
        }
        let paid = self.vm().msg_value();
        if paid != fee {
            return Err(Error::IncorrectFee(IncorrectFee { expected: fee, received: paid }));
        }
        let sender = self.vm().msg_sender();
        let context = self._authorized_context(token_id, sender)?;
        let state = TokenSync::decode(self.tokens.get(token_id));
        self._request(token_id, sender, ROUTE_CRE, fee.to(), &context, state)
    }

    fn on_token_transfer(
        &mut self,
        sender: Address,
        amount: U256,
        data: Bytes,
    ) -> Result<(), Error> {
        let link = self.link.get();
        let caller = self.vm().msg_sender();
        if caller != link || link.is_zero() {
            return Err(Error::OnlyLinkToken(OnlyLinkToken { sender: caller }));
        }
        if data.len() != 32 {
            return Err(Error::InvalidTokenTransferData(InvalidTokenTransferData {}));
        }
        let token_id = U256::from_be_slice(&data);
        let fee = U256::from(self.fee.get());
        if amount != fee {
            return Err(Error::IncorrectFee(IncorrectFee { expected: fee, received: amount }));
        }
        let context = self._authorized_context(token_id, sender)?;
        let state = TokenSync::decode(self.tokens.get(token_id));
        self._request(token_id, sender, ROUTE_DIRECT, fee.to(), &context, state)?;
        Ok(())
    }

    fn cancel_sync(&mut self, request_id: B256) -> Result<(), Error> {
        let pending = self._pending(request_id);
        if pending.token_id == 0 {
            return Err(Error::UnknownRequest(UnknownRequest { requestId: request_id }));
        }
        if self.vm().block_timestamp() < u64::from(pending.expires_at) {
            return Err(Error::RequestNotExpired(RequestNotExpired {
                requestId: request_id,
                expiresAt: u64::from(pending.expires_at),
            }));
        }
        self._delete_pending(request_id);
        let sponsored = pending.payer == self.vm().contract_address();
        let refunded = if pending.is_cre() {
            self._hold_fees(0, pending.fee);
            if !sponsored {
                self._send_eth(pending.payer, U256::from(pending.fee))?;
            }
            true
        } else {
            self._cancel_direct_request(request_id, &pending, sponsored)?
        };
        if sponsored && refunded {
            self._forget_sponsorship(pending.token(), request_id);
        }
        self.vm().log(SyncCancelled {
            tokenId: pending.token(),
            requestId: request_id,
            payer: pending.payer,
            refunded,
        });
        Ok(())
    }

    fn pending_request(&self, request_id: B256) -> (U256, Address, u64, Address, U256, u8) {
        let p = self._pending(request_id);
        (p.token(), p.payer, u64::from(p.expires_at), p.operator, U256::from(p.fee), p.route())
    }

    fn latest_request_of(&self, token_id: U256) -> (B256, u64) {
        let state = TokenSync::decode(self.tokens.get(token_id));
        if state.latest_nonce == 0 {
            return (B256::ZERO, 0);
        }
        (self._request_id(state.latest_nonce), state.latest_expiry)
    }

    fn last_sponsored_at(&self, token_id: U256) -> u64 {
        TokenSync::decode(self.tokens.get(token_id)).last_sponsored_at
    }
}

fn unavailable(token_id: U256, available_at: u64) -> Error {
    Error::SponsoredSyncUnavailable(SponsoredSyncUnavailable {
        tokenId: token_id,
        availableAt: available_at,
    })
}

impl PxSync {
    /// Asks the Operator to cancel a Direct Request and returns whether it did (its LINK came
    /// back); a user's LINK then goes back to them.
    fn _cancel_direct_request(
        &mut self,
        request_id: B256,
        pending: &Pending,
        sponsored: bool,
    ) -> Result<bool, Error> {
        let cancel = calls::cancelOracleRequestCall {
            requestId: request_id,
            payment: U256::from(pending.fee),
            callbackFunc: fulfillSyncCall::SELECTOR.into(),
            expiration: U256::from(pending.expires_at),
        }
        .abi_encode();
        let context = Call::new_mutating(self);
        let returned = call(self.vm(), context, pending.operator, &cancel).is_ok();
        if returned && !sponsored {
            self._transfer_link(pending.payer, U256::from(pending.fee))?;
        }
        Ok(returned)
    }

    /// Asks the core about a token; `account` is checked as owner or operator (zero skips it).
    pub(crate) fn _context(&self, token_id: U256, account: Address) -> Option<TokenContext> {
        let query = calls::syncContextCall { tokenId: token_id, account }.abi_encode();
        let answer = static_call(self.vm(), Call::new(), self.core.get(), &query).ok()?;
        calls::syncContextCall::abi_decode_returns(&answer).ok()
    }

    /// The core's context for a requester who must own or operate the token.
    fn _authorized_context(&self, token_id: U256, account: Address) -> Result<TokenContext, Error> {
        let context = self
            ._context(token_id, account)
            .ok_or(Error::NonexistentToken(ERC721NonexistentToken { tokenId: token_id }))?;
        if !context.authorized {
            return Err(Error::InsufficientApproval(ERC721InsufficientApproval {
                operator: account,
                tokenId: token_id,
            }));
        }
        Ok(context)
    }

    /// `keccak256(abi.encodePacked(address(this), nonce))`, as the Operator computes it.
    pub(crate) fn _request_id(&self, nonce: u64) -> B256 {
        let mut packed = [0u8; 52];
        packed[..20].copy_from_slice(self.vm().contract_address().as_slice());
        packed[44..].copy_from_slice(&nonce.to_be_bytes());
        self.vm().native_keccak256(&packed)
    }

    pub(crate) fn _pending(&self, request_id: B256) -> Pending {
        let slots = self.pending.getter(request_id);
        Pending::decode(slots.head.get(), slots.tail.get())
    }

    pub(crate) fn _delete_pending(&mut self, request_id: B256) {
        let mut slots = self.pending.setter(request_id);
        slots.head.set(B256::ZERO);
        slots.tail.set(B256::ZERO);
    }

    /// A cancelled sponsored sync did not happen: the token may have another one.
    fn _forget_sponsorship(&mut self, token_id: U256, request_id: B256) {
        let mut state = TokenSync::decode(self.tokens.get(token_id));
        if state.latest_nonce != 0 && self._request_id(state.latest_nonce) == request_id {
            state.last_sponsored_at = 0;
            self.tokens.insert(token_id, state.encode());
        }
    }

    /// Checks what every request needs, records it, then on Direct Request sends the Chainlink
    /// request (effects before the interaction). `fee` is what the payer paid (juels on Direct
    /// Request, wei on CRE); a sponsored request pays the configured LINK fee on Direct Request
    /// and nothing on CRE.
    fn _request(
        &mut self,
        token_id: U256,
        payer: Address,
        route: u8,
        fee: u128,
        context: &TokenContext,
        state: TokenSync,
    ) -> Result<B256, Error> {
        if context.paused {
            return Err(Error::EnforcedPause(EnforcedPause {}));
        }
        if context.btnsKey.is_empty() {
            return Err(Error::NoBtnsKey(NoBtnsKey { tokenId: token_id }));
        }
        let direct = route == ROUTE_DIRECT;
        let sponsored = payer == self.vm().contract_address();
        let (operator, fee, timeout) = if direct {
            let operator = self.operator.get();
            if operator.is_zero() {
                return Err(Error::OracleNotConfigured(OracleNotConfigured {}));
            }
            (operator, self.fee.get().to::<u128>(), EXPIRY_SECONDS)
        } else {
            if !self._cre_ready() {
                return Err(Error::CreNotConfigured(CreNotConfigured {}));
            }
            (Address::ZERO, fee, self._cre_timeout())
        };
        let now = self.vm().block_timestamp();
        if state.latest_nonce != 0 && now < state.latest_expiry {
            let previous = self._request_id(state.latest_nonce);
            // The head word alone tells (token ids start at 1): one read, not two.
            if self.pending.getter(previous).head.get() != B256::ZERO {
                return Err(Error::SyncPending(SyncPending {
                    tokenId: token_id,
                    requestId: previous,
                    expiresAt: state.latest_expiry,
                }));
            }
        }

        let nonce = self.nonce.get().as_limbs()[0] + 1;
        self.nonce.set(alloy_primitives::U64::from(nonce));
        let request_id = self._request_id(nonce);
        let expires_at = now + timeout;
        let pending = Pending {
            token_id: token_id.as_limbs()[0],
            #[allow(clippy::cast_possible_truncation)] // seconds fit in 32 bits until 2106
            expires_at: expires_at as u32,
            payer,
            operator,
            fee,
        };
        let (head, tail) = pending.encode();
        let mut slots = self.pending.setter(request_id);
        slots.head.set(head);
        slots.tail.set(tail);
        drop(slots);
        let last_sponsored_at = if sponsored { now } else { state.last_sponsored_at };
        let state = TokenSync { latest_nonce: nonce, latest_expiry: expires_at, last_sponsored_at };
        self.tokens.insert(token_id, state.encode());
        let requested = SyncRequested {
            tokenId: token_id,
            requestId: request_id,
            payer,
            route,
            btnsKey: context.btnsKey.clone(),
        };
        if !direct {
            self._hold_fees(fee, 0);
            self.vm().log(requested);
            return Ok(request_id);
        }

        let cbor = cbor::sync_request(
            &context.btnsKey,
            pending.token_id,
            self.core.get(),
            self.vm().chain_id(),
        );
        let request = calls::operatorRequestCall {
            sender: Address::ZERO, // the Operator writes the LINK sender here
            payment: U256::ZERO,   // and the amount here
            specId: self.job_id.get(),
            callbackFunctionId: fulfillSyncCall::SELECTOR.into(),
            nonce: U256::from(nonce),
            dataVersion: U256::from(DATA_VERSION),
            data: cbor.into(),
        }
        .abi_encode();
        let transfer = calls::transferAndCallCall {
            to: operator,
            value: U256::from(fee),
            data: request.into(),
        }
        .abi_encode();
        self._call_link(&transfer)?;
        self.vm().log(requested);
        Ok(request_id)
    }

    /// Sends `amount` LINK from this program to `to`.
    pub(crate) fn _transfer_link(&mut self, to: Address, amount: U256) -> Result<(), Error> {
        self._call_link(&calls::transferCall { to, value: amount }.abi_encode())
    }

    /// Calls the LINK token; it must answer `true`.
    fn _call_link(&mut self, call_data: &[u8]) -> Result<(), Error> {
        let link = self.link.get();
        let context = Call::new_mutating(self);
        let answer: Vec<u8> = call(self.vm(), context, link, call_data)
            .map_err(|_| Error::LinkTransferFailed(LinkTransferFailed {}))?;
        // Both functions return one bool word.
        if answer.len() != 32 || answer[31] != 1 {
            return Err(Error::LinkTransferFailed(LinkTransferFailed {}));
        }
        Ok(())
    }
}
