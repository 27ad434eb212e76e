//! `PxStorefront`, the program that sells PX storage NFTs.
//!
//! It holds the core's minter role: buyers pay it, and it mints on the core (`mintTo`) with the
//! quota of the plan bought, or raises a token's quota (`setQuota`) for an upgrade or upload
//! packs. `mintWithKey` mints with a BTNS key that registration management allocated, under the
//! registrar's EIP-712 `MintAuthorization`; `mint` mints without one (the explorer path).
//!
//! # Layout
//! - [`plans`]: plans, upload packs and their packing into storage words.
//! - [`sales`]: minting, upgrades, upload packs; the plan each token is on.
//! - [`admin`]: withdrawal and two-step ownership.
//! - [`calls`]: the calls into the core program.
//!
//! # Storage
//! | slot | what |
//! |---|---|
//! | 0 | `core` (bytes 12..32) and `planCount` (u16, bytes 10..12) |
//! | 1 | the upload pack, as a plan without quota ([`plans`]) |
//! | 2, 3 | owner, pending owner |
//! | `keccak(planId . 4)` | a plan ([`plans::Plan`]) |
//! | `keccak(tokenId / 32 . 5)` | the plan ids of 32 tokens, one byte each ([`sales`]) |
//! | `keccak(account . 6)` | whether `account` minted its free token |
//!
//! # Slots each function touches
//! Gas is mostly slots touched (2,100 per cold read, 20,000 to fill an empty slot, 2,900 to
//! rewrite one) and calls made; `tests/slots.rs` pins these lists.
//!
//! | function | reads | writes | calls |
//! |---|---|---|---|
//! | `mint` (paid) | 0, plan, plan-id word | plan-id word (skipped if unchanged) | core `mintTo` |
//! | `mint` (free) | 0, plan, free flag, plan-id word | free flag | core `mintTo` |
//! | `mintWithKey` | as `mint` | as `mint` | core `roles`, `ecrecover`, core `mintTo` |
//! | `upgrade` | 0, both plans, plan-id word | plan-id word | core `ownerOf`, `usageOf`, `setQuota` |
//! | `buyUploads` | 0, 1 | none | core `usageOf`, `setQuota` |
//! | `setPlan` | 2, 0 | plan, 0 (new plan) | none |
//! | `setUploadPack` | 2 | 1 | none |
//! | `withdraw` | 2 | none | the transfer |
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![cfg_attr(not(any(test, feature = "export-abi")), no_std)]
// The SDK's export-abi code generation adds undocumented public items.
#![cfg_attr(feature = "export-abi", allow(missing_docs))]

extern crate alloc;

use alloc::vec::Vec;

pub mod admin;
pub mod calls;
pub mod plans;
pub mod sales;

#[cfg(test)]
mod tests;

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolError;
use px_contract_common::ownable::{Ownable, OwnableInvalidOwner, OwnableUnauthorizedAccount};
use stylus_sdk::prelude::*;

#[cfg(feature = "export-abi")]
use crate::{
    admin::AdministrationStylusAbiStruct, plans::PlansStylusAbiStruct, sales::SalesStylusAbiStruct,
};
pub use sol::*;

/// Events and errors, generated from the program's published interface so that the two cannot
/// differ.
#[allow(missing_docs, clippy::pedantic)]
mod sol {
    alloy_sol_types::sol!(
        #[sol(all_derives)]
        "../../abi/IPxStorefront.sol"
    );
    pub use IPxStorefront::{
        AccessControlUnauthorizedAccount, AuthorizationExpired, BtnsKeyAlreadyRegistered,
        BtnsKeyInvalidLength, ERC721IncorrectOwner, ERC721NonexistentToken, EnforcedPause,
        FreeMintUsed, IncorrectPayment, InvalidAuthorization, InvalidUpgrade, PlanInactive,
        PlanSet, Purchased, SafeCastOverflowedUintDowncast, UnknownPlan, Upgraded, UploadPackSet,
        UploadPacksUnavailable, UploadsBought, WithdrawFailed, Withdrawn,
    };
}

/// Every way a call to the program can fail: the storefront's own errors, each encoded as the
/// Solidity error of the same name, and the core's reverts, passed through unchanged.
///
/// NOTE: written out rather than `#[derive(SolidityError)]`, because the derive cannot carry
/// raw revert data in a build with `export-abi` (it needs every variant to be a `SolError`).
#[derive(Debug, PartialEq, Eq)]
pub enum Error {
    /// No plan has this id.
    UnknownPlan(UnknownPlan),
    /// The plan is not for sale.
    PlanInactive(PlanInactive),
    /// `msg.value` is not exactly the price.
    IncorrectPayment(IncorrectPayment),
    /// The account already minted its free token.
    FreeMintUsed(FreeMintUsed),
    /// The mint authorization's deadline has passed.
    AuthorizationExpired(AuthorizationExpired),
    /// The mint authorization was not signed by the core's registrar.
    InvalidAuthorization(InvalidAuthorization),
    /// The new plan does not cost more than the token's plan.
    InvalidUpgrade(InvalidUpgrade),
    /// No upload pack is for sale.
    UploadPacksUnavailable(UploadPacksUnavailable),
    /// The caller does not own the token.
    IncorrectOwner(ERC721IncorrectOwner),
    /// The balance could not be sent.
    WithdrawFailed(WithdrawFailed),
    /// The caller is not the owner (or the pending owner, for `acceptOwnership`).
    OwnableUnauthorizedAccount(OwnableUnauthorizedAccount),
    /// The owner cannot be the zero address.
    OwnableInvalidOwner(OwnableInvalidOwner),
    /// A price does not fit 128 bits, or an upload limit 32 bits.
    Overflow(SafeCastOverflowedUintDowncast),
    /// The core reverted with this data (or answered too little, then empty).
    Core(Vec<u8>),
}

impl From<Error> for Vec<u8> {
    fn from(error: Error) -> Self {
        match error {
            Error::UnknownPlan(e) => e.abi_encode(),
            Error::PlanInactive(e) => e.abi_encode(),
            Error::IncorrectPayment(e) => e.abi_encode(),
            Error::FreeMintUsed(e) => e.abi_encode(),
            Error::AuthorizationExpired(e) => e.abi_encode(),
            Error::InvalidAuthorization(e) => e.abi_encode(),
            Error::InvalidUpgrade(e) => e.abi_encode(),
            Error::UploadPacksUnavailable(e) => e.abi_encode(),
            Error::IncorrectOwner(e) => e.abi_encode(),
            Error::WithdrawFailed(e) => e.abi_encode(),
            Error::OwnableUnauthorizedAccount(e) => e.abi_encode(),
            Error::OwnableInvalidOwner(e) => e.abi_encode(),
            Error::Overflow(e) => e.abi_encode(),
            Error::Core(data) => data,
        }
    }
}

px_contract_common::impl_ownable!(PxStorefront, Error);

/// The errors `export-abi` lists: the storefront's own and the core's that pass through.
#[cfg(feature = "export-abi")]
impl stylus_sdk::abi::export::internal::InnerTypes for Error {
    fn inner_types() -> Vec<stylus_sdk::abi::export::internal::InnerType> {
        use alloc::format;

        use stylus_sdk::abi::export::internal::InnerType;

        fn error<E: SolError + 'static>() -> InnerType {
            InnerType {
                name: format!("error {};", E::SIGNATURE.replace(',', ", ")),
                id: core::any::TypeId::of::<E>(),
            }
        }
        alloc::vec![
            error::<UnknownPlan>(),
            error::<PlanInactive>(),
            error::<IncorrectPayment>(),
            error::<FreeMintUsed>(),
            error::<AuthorizationExpired>(),
            error::<InvalidAuthorization>(),
            error::<InvalidUpgrade>(),
            error::<UploadPacksUnavailable>(),
            error::<ERC721IncorrectOwner>(),
            error::<WithdrawFailed>(),
            error::<OwnableUnauthorizedAccount>(),
            error::<OwnableInvalidOwner>(),
            error::<SafeCastOverflowedUintDowncast>(),
            error::<EnforcedPause>(),
            error::<BtnsKeyInvalidLength>(),
            error::<BtnsKeyAlreadyRegistered>(),
            error::<ERC721NonexistentToken>(),
            error::<AccessControlUnauthorizedAccount>(),
        ]
    }
}

pub use state::PxStorefront;

/// The storage struct, in a module of its own: the `#[entrypoint]` macro adds a public,
/// undocumented `user_entrypoint` function beside it, which a private module keeps out of the
/// documented API.
mod state {
    use alloc::{vec, vec::Vec};

    use alloy_primitives::{Address, U256};
    use px_contract_common::ownable::Ownable2Step;
    use stylus_sdk::{
        prelude::*,
        storage::{StorageAddress, StorageB256, StorageBool, StorageMap, StorageU16},
    };

    /// The program's state (slots in the crate docs).
    #[storage]
    #[entrypoint]
    pub struct PxStorefront {
        /// The core program. Packed with `plan_count`: every sale reads both.
        pub(crate) core: StorageAddress,
        /// Plans defined so far; their ids run from 0.
        pub(crate) plan_count: StorageU16,
        /// The upload pack for sale, as a plan without quota ([`crate::plans`]).
        pub(crate) upload_pack: StorageB256,
        /// Owner and pending owner.
        pub(crate) ownable: Ownable2Step,
        /// Plans by id ([`crate::plans::Plan`]).
        pub(crate) plans: StorageMap<U256, StorageB256>,
        /// Plan ids of tokens, 32 to a word: byte `tokenId % 32` of word `tokenId / 32`.
        pub(crate) plan_of: StorageMap<U256, StorageB256>,
        /// Accounts that minted their free token.
        pub(crate) free_mint_used: StorageMap<Address, StorageBool>,
    }
}

/// The interface `cargo stylus export-abi` prints (functions and errors), for the drift test.
#[cfg(feature = "export-abi")]
pub fn exported_abi() -> alloc::string::String {
    use stylus_sdk::abi::GenerateAbi;
    px_contract_common::export::interfaces(&[
        <PxStorefront as GenerateAbi>::fmt_abi,
        <SalesStylusAbiStruct as GenerateAbi>::fmt_abi,
        <PlansStylusAbiStruct as GenerateAbi>::fmt_abi,
        <AdministrationStylusAbiStruct as GenerateAbi>::fmt_abi,
        <OwnableStylusAbiStruct as GenerateAbi>::fmt_abi,
    ])
}

/// One mebibyte.
const MIB: u64 = 1 << 20;
/// One gibibyte.
const GIB: u64 = 1 << 30;

#[public]
#[implements(sales::Sales, plans::Plans, admin::Administration, Ownable)]
impl PxStorefront {
    /// Sets the owner and the core, and the four plans PollinationX sells: 0 free (100 MiB,
    /// 25 uploads, one per address), 1 (1 GiB, 50), 2 (5 GiB, 150), 3 (20 GiB, 400) at the
    /// given prices. No upload pack is for sale until the owner sets one.
    ///
    /// NOTE: a Stylus constructor runs with the deployer contract as `msg.sender`, so the owner
    /// is an argument. The core's owner must then make this program the core's minter.
    ///
    /// # Errors
    /// * [`Error::OwnableInvalidOwner`] - If `owner` is the zero address.
    /// * [`Error::Overflow`] - If a price is 2^128 wei or more.
    ///
    /// # Events
    /// * `OwnershipTransferred`, `PlanSet` for each plan.
    #[constructor]
    pub fn constructor(
        &mut self,
        owner: Address,
        core: Address,
        price_1_gib: U256,
        price_5_gib: U256,
        price_20_gib: U256,
    ) -> Result<(), Error> {
        self.ownable.init(owner)?;
        self.core.set(core);
        let seeds = [
            (100 * MIB, 25, U256::ZERO),
            (GIB, 50, price_1_gib),
            (5 * GIB, 150, price_5_gib),
            (20 * GIB, 400, price_20_gib),
        ];
        for (plan_id, (quota, uploads, price)) in seeds.into_iter().enumerate() {
            self._set_plan(U256::from(plan_id), quota, uploads, price, true)?;
        }
        Ok(())
    }
}
