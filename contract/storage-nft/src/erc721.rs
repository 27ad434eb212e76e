//! ERC-721 with the metadata extension, ERC-165 and ERC-4906.
//!
//! Follows OpenZeppelin's ERC721 v5: the same checks in the same order and the same errors.
//! Transfers keep checks-effects-interactions: every state change is written (and the SDK
//! flushes its storage cache) before `onERC721Received` runs, so a receiver calling back into
//! the token (the `reentrant` feature is on) sees the transfer done.

use alloc::{string::String, vec::Vec};

use alloy_primitives::{Address, Bytes, FixedBytes, U64, U256};
use alloy_sol_types::{SolCall, sol};
use stylus_sdk::{
    call::{call, static_call},
    prelude::*,
    stylus_core::errors::Error as CallError,
};

use crate::{
    Approval, ApprovalForAll, ERC721IncorrectOwner, ERC721InsufficientApproval,
    ERC721InvalidApprover, ERC721InvalidOperator, ERC721InvalidOwner, ERC721InvalidReceiver,
    ERC721NonexistentToken, Error, PxStorageNft, RendererFailed, Transfer, slots::Record,
};

sol! {
    /// The ERC-721 receiver hook.
    interface IERC721Receiver {
        function onERC721Received(address operator, address from, uint256 tokenId, bytes data)
            external
            returns (bytes4);
    }
}

/// ERC-165 interface ids this program answers true for.
const INTERFACE_IDS: [u32; 4] = [
    0x01ff_c9a7, // ERC-165
    0x80ac_58cd, // ERC-721
    0x5b5e_139f, // ERC-721 Metadata
    0x4906_4906, // ERC-4906 (metadata update events)
];

/// The token standard.
#[allow(missing_docs)] // the SDK's macro adds undocumented routing methods
#[public]
pub trait Erc721 {
    /// Tokens owned by `owner`.
    ///
    /// # Errors
    /// * [`Error::InvalidOwner`] - If `owner` is the zero address.
    fn balance_of(&self, owner: Address) -> Result<U256, Error>;

    /// The token's owner.
    ///
    /// # Errors
    /// * [`Error::NonexistentToken`] - If the token does not exist.
    fn owner_of(&self, token_id: U256) -> Result<Address, Error>;

    /// Moves a token; the caller must own it or be approved.
    ///
    /// # Errors
    /// * [`Error::InvalidReceiver`] - If `to` is the zero address.
    /// * [`Error::NonexistentToken`] - If the token does not exist.
    /// * [`Error::InsufficientApproval`] - If the caller may not move the token.
    /// * [`Error::IncorrectOwner`] - If `from` is not the owner.
    ///
    /// # Events
    /// * `Transfer`.
    fn transfer_from(&mut self, from: Address, to: Address, token_id: U256) -> Result<(), Error>;

    /// `transferFrom`, then `onERC721Received` on a contract receiver, which must answer its
    /// selector.
    ///
    /// # Errors
    /// * As `transferFrom`.
    /// * The receiver's own revert data, unchanged, if a contract receiver's `onERC721Received`
    ///   reverts with data (a reason string or a custom error), as OpenZeppelin bubbles it.
    /// * [`Error::InvalidReceiver`] - If a contract receiver reverts without data or does not
    ///   answer the `onERC721Received` selector.
    ///
    /// # Events
    /// * `Transfer`.
    fn safe_transfer_from(
        &mut self,
        from: Address,
        to: Address,
        token_id: U256,
    ) -> Result<(), Error>;

    /// `safeTransferFrom` with data for the receiver.
    ///
    /// # Errors
    /// * As `safeTransferFrom`.
    ///
    /// # Events
    /// * `Transfer`.
    fn safe_transfer_from_with_data(
        &mut self,
        from: Address,
        to: Address,
        token_id: U256,
        data: Bytes,
    ) -> Result<(), Error>;

    /// Approves `to` to move one token (zero clears the approval).
    ///
    /// # Errors
    /// * [`Error::NonexistentToken`] - If the token does not exist.
    /// * [`Error::InvalidApprover`] - If the caller is neither the owner nor its operator.
    ///
    /// # Events
    /// * `Approval`.
    fn approve(&mut self, to: Address, token_id: U256) -> Result<(), Error>;

    /// Lets `operator` move all of the caller's tokens, or stops it.
    ///
    /// # Errors
    /// * [`Error::InvalidOperator`] - If `operator` is the zero address.
    ///
    /// # Events
    /// * `ApprovalForAll`.
    fn set_approval_for_all(&mut self, operator: Address, approved: bool) -> Result<(), Error>;

    /// The account approved for one token, or zero.
    ///
    /// # Errors
    /// * [`Error::NonexistentToken`] - If the token does not exist.
    fn get_approved(&self, token_id: U256) -> Result<Address, Error>;

    /// Whether `operator` may move all of `owner`'s tokens.
    fn is_approved_for_all(&self, owner: Address, operator: Address) -> bool;

    /// The collection's name.
    fn name(&self) -> String;

    /// The collection's symbol.
    fn symbol(&self) -> String;

    /// The token's metadata, rendered by the renderer program as a `data:` URI; empty while no
    /// renderer is set.
    ///
    /// # Errors
    /// * [`Error::NonexistentToken`] - If the token does not exist.
    /// * [`Error::RendererFailed`] - If the renderer does not answer a string.
    fn token_uri(&self, token_id: U256) -> Result<String, Error>;

    /// ERC-165: true for ERC-165, ERC-721, ERC-721 Metadata and ERC-4906.
    fn supports_interface(&self, interface_id: FixedBytes<4>) -> bool;

    /// Tokens minted so far; ids run from 1 to this number.
    fn total_supply(&self) -> U256;
}

#[public]
impl Erc721 for PxStorageNft {
    fn balance_of(&self, owner: Address) -> Result<U256, Error> {
        if owner.is_zero() {
            return Err(Error::InvalidOwner(ERC721InvalidOwner { owner }));
        }
        Ok(U256::from(self.balances.get(owner).as_limbs()[0]))
    }

    fn owner_of(&self, token_id: U256) -> Result<Address, Error> {
        Ok(self._record_of(token_id)?.owner)
    }

    fn transfer_from(&mut self, from: Address, to: Address, token_id: U256) -> Result<(), Error> {
        self._transfer(from, to, token_id)
    }

    #[selector(name = "safeTransferFrom")]
    fn safe_transfer_from(
        &mut self,
        from: Address,
        to: Address,
        token_id: U256,
    ) -> Result<(), Error> {
        self._safe_transfer(from, to, token_id, &[])
    }

    #[selector(name = "safeTransferFrom")]
    fn safe_transfer_from_with_data(
        &mut self,
        from: Address,
        to: Address,
        token_id: U256,
        data: Bytes,
    ) -> Result<(), Error> {
        self._safe_transfer(from, to, token_id, &data)
    }

    fn approve(&mut self, to: Address, token_id: U256) -> Result<(), Error> {
        let owner = self._record_of(token_id)?.owner;
        let sender = self.vm().msg_sender();
        if sender != owner && !self.is_approved_for_all(owner, sender) {
            return Err(Error::InvalidApprover(ERC721InvalidApprover { approver: sender }));
        }
        self.tokens.setter(token_id).approved.set(to);
        self.vm().log(Approval { owner, approved: to, tokenId: token_id });
        Ok(())
    }

    fn set_approval_for_all(&mut self, operator: Address, approved: bool) -> Result<(), Error> {
        if operator.is_zero() {
            return Err(Error::InvalidOperator(ERC721InvalidOperator { operator }));
        }
        let owner = self.vm().msg_sender();
        self.operator_approvals.setter(owner).insert(operator, approved);
        self.vm().log(ApprovalForAll { owner, operator, approved });
        Ok(())
    }

    fn get_approved(&self, token_id: U256) -> Result<Address, Error> {
        self._record_of(token_id)?;
        Ok(self.tokens.getter(token_id).approved.get())
    }

    fn is_approved_for_all(&self, owner: Address, operator: Address) -> bool {
        self.operator_approvals.getter(owner).get(operator)
    }

    fn name(&self) -> String {
        String::from("PX Storage NFT")
    }

    fn symbol(&self) -> String {
        String::from("PXS")
    }

    #[selector(name = "tokenURI")]
    fn token_uri(&self, token_id: U256) -> Result<String, Error> {
        self._record_of(token_id)?;
        let renderer = self.renderer.get();
        if renderer.is_zero() {
            return Ok(String::new());
        }
        let call_data = crate::renderer::tokenURICall { tokenId: token_id }.abi_encode();
        static_call(self.vm(), Call::new(), renderer, &call_data)
            .ok()
            .and_then(|answer| crate::renderer::tokenURICall::abi_decode_returns(&answer).ok())
            .ok_or(Error::RendererFailed(RendererFailed { renderer }))
    }

    fn supports_interface(&self, interface_id: FixedBytes<4>) -> bool {
        INTERFACE_IDS.contains(&u32::from_be_bytes(interface_id.0))
    }

    fn total_supply(&self) -> U256 {
        U256::from(self.total_supply.get().as_limbs()[0])
    }
}

impl PxStorageNft {
    /// The token's record.
    ///
    /// # Errors
    /// * [`Error::NonexistentToken`] - If the token does not exist.
    pub(crate) fn _record_of(&self, token_id: U256) -> Result<Record, Error> {
        let record = Record::decode(self.tokens.getter(token_id).record.get());
        if record.owner.is_zero() {
            return Err(Error::NonexistentToken(ERC721NonexistentToken { tokenId: token_id }));
        }
        Ok(record)
    }

    /// Whether `spender` may move `owner`'s token: the owner, an operator, or the approved
    /// account.
    pub(crate) fn _is_authorized(&self, owner: Address, spender: Address, token_id: U256) -> bool {
        spender == owner
            || self.is_approved_for_all(owner, spender)
            || self.tokens.getter(token_id).approved.get() == spender
    }

    /// Checks a transfer by the caller, then moves the token, clears its approval and updates
    /// balances.
    fn _transfer(&mut self, from: Address, to: Address, token_id: U256) -> Result<(), Error> {
        if to.is_zero() {
            return Err(Error::InvalidReceiver(ERC721InvalidReceiver { receiver: to }));
        }
        let mut record = self._record_of(token_id)?;
        let spender = self.vm().msg_sender();
        if !self._is_authorized(record.owner, spender, token_id) {
            return Err(Error::InsufficientApproval(ERC721InsufficientApproval {
                operator: spender,
                tokenId: token_id,
            }));
        }
        if record.owner != from {
            return Err(Error::IncorrectOwner(ERC721IncorrectOwner {
                sender: from,
                tokenId: token_id,
                owner: record.owner,
            }));
        }
        record.owner = to;
        let mut token = self.tokens.setter(token_id);
        token.record.set(record.encode());
        if !token.approved.get().is_zero() {
            token.approved.set(Address::ZERO);
        }
        drop(token);
        self._sub_balance(from);
        self._add_balance(to, 1);
        self.vm().log(Transfer { from, to, tokenId: token_id });
        Ok(())
    }

    /// `_transfer`, then the receiver check (the interaction comes last).
    fn _safe_transfer(
        &mut self,
        from: Address,
        to: Address,
        token_id: U256,
        data: &[u8],
    ) -> Result<(), Error> {
        self._transfer(from, to, token_id)?;
        self._check_on_received(from, to, token_id, data)
    }

    /// Calls `onERC721Received` on a contract receiver; a refusal is [`Error::receiver_refused`].
    fn _check_on_received(
        &mut self,
        from: Address,
        to: Address,
        token_id: U256,
        data: &[u8],
    ) -> Result<(), Error> {
        if self.vm().code_size(to) == 0 {
            return Ok(());
        }
        let operator = self.vm().msg_sender();
        let call_data = IERC721Receiver::onERC721ReceivedCall {
            operator,
            from,
            tokenId: token_id,
            data: Vec::from(data).into(),
        }
        .abi_encode();
        let context = Call::new_mutating(self);
        match call(self.vm(), context, to, &call_data) {
            Ok(answer)
                if answer.get(..4)
                    == Some(&IERC721Receiver::onERC721ReceivedCall::SELECTOR[..]) =>
            {
                Ok(())
            }
            Err(CallError::Revert(data)) => Err(Error::receiver_refused(to, data)),
            Ok(_) | Err(CallError::AbiDecodingFailed(_)) => {
                Err(Error::receiver_refused(to, Vec::new()))
            }
        }
    }

    pub(crate) fn _add_balance(&mut self, owner: Address, amount: u64) {
        let mut balance = self.balances.setter(owner);
        let current = balance.get().as_limbs()[0];
        balance.set(U64::from(current + amount));
    }

    fn _sub_balance(&mut self, owner: Address) {
        let mut balance = self.balances.setter(owner);
        let current = balance.get().as_limbs()[0];
        balance.set(U64::from(current - 1));
    }
}
