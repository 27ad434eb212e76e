//! `PxStorageNft`, the core program of the PX storage NFT (sNFT).
//!
//! An ERC-721 (with metadata, ERC-165 and ERC-4906) whose tokens carry a storage quota, own one
//! BTNS name and record the usage last synced from the PX node through Chainlink. The upload gate
//! (`uploadAllowed`, `canUpload`) tells the PX node whether a token may upload now.
//!
//! # Layout
//! - [`erc721`]: the token standard (transfers, approvals, receivers, ERC-165).
//! - [`keys`]: BTNS keys, their compact storage and the key -> token index.
//! - [`usage`]: quota, synced usage, the sync window and the upload gate.
//! - [`admin`]: roles (minter, registrar, syncer, renderer), pause, two-step ownership.
//! - [`slots`]: how a token's data is packed into storage words.
//!
//! Sync itself (Chainlink requests, signature checks, sequence rules) lives in the `PxSync`
//! program, which holds the syncer role and changes usage only through `applyUsage`.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![cfg_attr(not(any(test, feature = "export-abi")), no_std)]
// The SDK's export-abi code generation adds undocumented public items.
#![cfg_attr(feature = "export-abi", allow(missing_docs))]

extern crate alloc;

use alloc::{vec, vec::Vec};

pub mod admin;
pub mod erc721;
pub mod keys;
pub mod slots;
pub mod usage;

#[cfg(test)]
mod tests;

use alloy_primitives::{Address, B256, Bytes, U256};
use px_contract_common::ownable::{
    Ownable, Ownable2Step, OwnableInvalidOwner, OwnableUnauthorizedAccount,
};
#[cfg(not(feature = "export-abi"))]
use stylus_sdk::stylus_core::errors::Error as CallError;
use stylus_sdk::{
    prelude::*,
    storage::{StorageAddress, StorageB256, StorageBool, StorageMap, StorageU64},
};

#[cfg(feature = "export-abi")]
use crate::{
    admin::AdministrationStylusAbiStruct, erc721::Erc721StylusAbiStruct,
    keys::BtnsKeysStylusAbiStruct, usage::StorageUsageStylusAbiStruct,
};
pub use sol::*;

/// Events and errors, generated from the program's published interface so that the two cannot
/// differ.
#[allow(missing_docs, clippy::pedantic)]
mod sol {
    alloy_sol_types::sol!(
        #[sol(all_derives)]
        "../../abi/IPxStorageNft.sol"
    );
    pub use IPxStorageNft::{
        AccessControlUnauthorizedAccount, Approval, ApprovalForAll, BatchMetadataUpdate,
        BtnsKeyAlreadyRegistered, BtnsKeyAlreadySet, BtnsKeyInvalidLength, BtnsKeyRegistered,
        ERC721IncorrectOwner, ERC721InsufficientApproval, ERC721InvalidApprover,
        ERC721InvalidOperator, ERC721InvalidOwner, ERC721InvalidReceiver, ERC721NonexistentToken,
        EnforcedPause, ExpectedPause, InvalidSyncWindow, MetadataUpdate, Paused, QuotaSet,
        RendererFailed, RoleSet, SyncWindowSet, Transfer, Unpaused, UsageApplied,
    };
}

/// The renderer program's interface, for `tokenURI`.
#[allow(missing_docs, clippy::pedantic)]
pub(crate) mod renderer {
    alloy_sol_types::sol!("../../abi/IPxRenderer.sol");
    pub(crate) use IPxRenderer::tokenURICall;
}

/// Every way a call to the program can fail, each encoded as the Solidity error of the same
/// name (OpenZeppelin and ERC-6093 names where one exists).
#[derive(SolidityError, Debug)]
pub enum Error {
    /// `balanceOf(address(0))`.
    InvalidOwner(ERC721InvalidOwner),
    /// The token was never minted.
    NonexistentToken(ERC721NonexistentToken),
    /// `from` is not the token's owner.
    IncorrectOwner(ERC721IncorrectOwner),
    /// Transfer to the zero address, or a receiver contract that did not accept the token.
    InvalidReceiver(ERC721InvalidReceiver),
    /// The caller may not move the token.
    InsufficientApproval(ERC721InsufficientApproval),
    /// The caller may not approve for the token.
    InvalidApprover(ERC721InvalidApprover),
    /// `setApprovalForAll(address(0), ...)`.
    InvalidOperator(ERC721InvalidOperator),
    /// The caller lacks the role the function needs (minter, registrar, syncer).
    UnauthorizedAccount(AccessControlUnauthorizedAccount),
    /// A BTNS key must be 1 to 64 bytes.
    BtnsKeyInvalidLength(BtnsKeyInvalidLength),
    /// The key already belongs to a token.
    BtnsKeyAlreadyRegistered(BtnsKeyAlreadyRegistered),
    /// The token already has a key.
    BtnsKeyAlreadySet(BtnsKeyAlreadySet),
    /// A sync window must be at least one second.
    InvalidSyncWindow(InvalidSyncWindow),
    /// The program is paused.
    EnforcedPause(EnforcedPause),
    /// The program is not paused.
    ExpectedPause(ExpectedPause),
    /// The caller is not the owner (or the pending owner, for `acceptOwnership`).
    OwnableUnauthorizedAccount(OwnableUnauthorizedAccount),
    /// The owner cannot be the zero address.
    OwnableInvalidOwner(OwnableInvalidOwner),
    /// The renderer failed to render `tokenURI`.
    RendererFailed(RendererFailed),
    /// A receiver contract's `onERC721Received` reverted with data: its revert data, passed on
    /// unchanged (OpenZeppelin's `ERC721Utils` bubbles it), so a dApp can show why it refused.
    /// Raw revert data is no Solidity error declaration, so the exported ABI (built with
    /// `export-abi`) lists none for it and [`Error::receiver_refused`] answers
    /// [`Error::InvalidReceiver`] there.
    #[cfg(not(feature = "export-abi"))]
    ReceiverReverted(CallError),
}

impl Error {
    /// What a safe transfer fails with when the contract `receiver` refused the token: its revert
    /// data when it reverted with some, else `ERC721InvalidReceiver(receiver)` (an empty revert,
    /// a wrong answer), as OpenZeppelin's `ERC721Utils.checkOnERC721Received`.
    pub(crate) fn receiver_refused(receiver: Address, revert_data: Vec<u8>) -> Self {
        #[cfg(not(feature = "export-abi"))]
        if !revert_data.is_empty() {
            return Error::ReceiverReverted(CallError::Revert(revert_data));
        }
        drop(revert_data);
        Error::InvalidReceiver(ERC721InvalidReceiver { receiver })
    }
}

px_contract_common::impl_ownable!(PxStorageNft, Error);

/// The data of one token, in consecutive storage slots (see [`slots`] for the packing).
#[storage]
pub struct TokenSlots {
    /// Owner, sync sequence and key tag ([`slots::Record`]).
    pub(crate) record: StorageB256,
    /// Quota and synced usage ([`slots::Usage`]).
    pub(crate) usage: StorageB256,
    /// sha256 of the usage document last synced (zero before the first sync).
    pub(crate) metadata_digest: StorageB256,
    /// First 32 stored key bytes ([`keys`]).
    pub(crate) key_head: StorageB256,
    /// Remaining stored key bytes, left-aligned.
    pub(crate) key_tail: StorageB256,
    /// The single-token approval (ERC-721 `getApproved`).
    pub(crate) approved: StorageAddress,
}

/// The program's state.
#[storage]
#[entrypoint]
#[allow(missing_docs)] // the SDK's macro adds an undocumented entrypoint function
pub struct PxStorageNft {
    /// May mint and set quotas (the storefront). Packed with `paused` and `total_supply`: the
    /// mint path reads all three in one slot.
    pub(crate) minter: StorageAddress,
    /// Whether minting and uploads are stopped.
    pub(crate) paused: StorageBool,
    /// Tokens minted so far; ids run from 1.
    pub(crate) total_supply: StorageU64,
    /// May register BTNS keys for tokens minted without one (the PX node's registration key).
    pub(crate) registrar: StorageAddress,
    /// Seconds a token may go unsynced before uploads stop.
    pub(crate) sync_window: StorageU64,
    /// May apply usage (the `PxSync` program).
    pub(crate) syncer: StorageAddress,
    /// Renders `tokenURI` (the `PxRenderer` program).
    pub(crate) renderer: StorageAddress,
    /// Owner and pending owner.
    pub(crate) ownable: Ownable2Step,
    /// Per-token data by token id.
    pub(crate) tokens: StorageMap<U256, TokenSlots>,
    /// Token id by keccak256 of its BTNS key bytes.
    pub(crate) token_of_key: StorageMap<B256, StorageU64>,
    /// ERC-721 balances.
    pub(crate) balances: StorageMap<Address, StorageU64>,
    /// ERC-721 operator approvals, owner -> operator -> approved.
    pub(crate) operator_approvals: StorageMap<Address, StorageMap<Address, StorageBool>>,
}

/// The interface `cargo stylus export-abi` prints (functions and errors), for the drift test.
#[cfg(feature = "export-abi")]
pub fn exported_abi() -> alloc::string::String {
    use stylus_sdk::abi::GenerateAbi;
    px_contract_common::export::interfaces(&[
        <PxStorageNft as GenerateAbi>::fmt_abi,
        <Erc721StylusAbiStruct as GenerateAbi>::fmt_abi,
        <BtnsKeysStylusAbiStruct as GenerateAbi>::fmt_abi,
        <StorageUsageStylusAbiStruct as GenerateAbi>::fmt_abi,
        <AdministrationStylusAbiStruct as GenerateAbi>::fmt_abi,
        <OwnableStylusAbiStruct as GenerateAbi>::fmt_abi,
    ])
}

/// A default sync window of 30 days.
pub const DEFAULT_SYNC_WINDOW: u64 = 30 * 24 * 60 * 60;

#[public]
#[implements(erc721::Erc721, keys::BtnsKeys, usage::StorageUsage, admin::Administration, Ownable)]
impl PxStorageNft {
    /// Sets the owner and the default sync window. Roles start empty: the owner grants them.
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
    pub fn constructor(&mut self, owner: Address) -> Result<(), Error> {
        self.ownable.init(owner)?;
        self.sync_window.set(alloy_primitives::U64::from(DEFAULT_SYNC_WINDOW));
        Ok(())
    }

    /// Mints the next token id to `to` with a quota and, when `btns_key` is not empty, its BTNS
    /// key. `lastSyncedAt` starts at the mint, so the sync window runs from now.
    ///
    /// NOTE: like OpenZeppelin's `_mint`, this does not call `onERC721Received`; the storefront
    /// mints to the buyer who called it.
    ///
    /// # Errors
    /// * [`Error::UnauthorizedAccount`] - If the caller is not the minter.
    /// * [`Error::EnforcedPause`] - If the program is paused.
    /// * [`Error::InvalidReceiver`] - If `to` is the zero address.
    /// * [`Error::BtnsKeyInvalidLength`] - If the key is longer than 64 bytes.
    /// * [`Error::BtnsKeyAlreadyRegistered`] - If another token owns the key.
    ///
    /// # Events
    /// * `Transfer(0, to, tokenId)`, and `BtnsKeyRegistered` when a key is given.
    #[allow(clippy::needless_pass_by_value)] // the router hands decoded arguments over by value
    pub fn mint_to(
        &mut self,
        to: Address,
        quota_bytes: u64,
        upload_limit: u32,
        btns_key: Bytes,
    ) -> Result<U256, Error> {
        self._only_role(self.minter.get(), admin::MINTER_ROLE)?;
        self._when_not_paused()?;
        self._mint(to, quota_bytes, upload_limit, &btns_key)
    }

    /// Sets a token's quota, for plan upgrades and upload packs. Usage is kept: a quota below
    /// the usage blocks uploads until files are deleted.
    ///
    /// # Errors
    /// * [`Error::UnauthorizedAccount`] - If the caller is not the minter.
    /// * [`Error::NonexistentToken`] - If the token does not exist.
    ///
    /// # Events
    /// * `QuotaSet`, `MetadataUpdate`.
    pub fn set_quota(
        &mut self,
        token_id: U256,
        quota_bytes: u64,
        upload_limit: u32,
    ) -> Result<(), Error> {
        self._only_role(self.minter.get(), admin::MINTER_ROLE)?;
        self._set_quota(token_id, quota_bytes, upload_limit)
    }
}

impl PxStorageNft {
    /// Checks, then writes a new token: record, usage, key and index, balance.
    fn _mint(
        &mut self,
        to: Address,
        quota_bytes: u64,
        upload_limit: u32,
        btns_key: &[u8],
    ) -> Result<U256, Error> {
        if to.is_zero() {
            return Err(Error::InvalidReceiver(ERC721InvalidReceiver { receiver: to }));
        }
        let key_hash =
            if btns_key.is_empty() { None } else { Some(self._check_new_key(btns_key)?) };

        let id = self.total_supply.get().as_limbs()[0] + 1;
        self.total_supply.set(alloy_primitives::U64::from(id));
        let token_id = U256::from(id);
        let now = self.vm().block_timestamp();
        let usage = slots::Usage {
            quota_bytes,
            upload_limit,
            used_bytes: 0,
            upload_count: 0,
            last_synced_at: now,
        };
        let mut record = slots::Record { owner: to, sync_sequence: 0, key_tag: 0 };
        let mut token = self.tokens.setter(token_id);
        token.usage.set(usage.encode());
        if key_hash.is_some() {
            record.key_tag = keys::store(&mut token, btns_key);
        }
        token.record.set(record.encode());
        drop(token);
        if let Some(key_hash) = key_hash {
            self.token_of_key.setter(key_hash).set(alloy_primitives::U64::from(id));
        }
        self._add_balance(to, 1);

        self.vm().log(Transfer { from: Address::ZERO, to, tokenId: token_id });
        if key_hash.is_some() {
            self.vm()
                .log(BtnsKeyRegistered { tokenId: token_id, btnsKey: btns_key.to_vec().into() });
        }
        Ok(token_id)
    }
}
