//! Minting, upgrades and upload packs, and the plan each token is on.
//!
//! Every sale checks everything first (plan, exact payment, the free mint, the authorization),
//! then writes, then calls the core. The storefront is not reentrant (the SDK rejects a call
//! back into it), and the core's `mintTo` does not call the buyer.
//!
//! A plan whose price is zero is free: each address may mint one free token, on whichever free
//! plan, with either `mint` or `mintWithKey`.
//!
//! Plan ids of tokens are bytes, 32 to a storage word (byte `tokenId % 32` of word
//! `tokenId / 32`): most paid mints then rewrite a word that is already non-zero, which costs a
//! fifth of writing a fresh one, and free mints (plan 0) write nothing.

use alloc::vec::Vec;

use alloy_primitives::{Address, B256, Bytes, U256};
use px_contract_common::eip712::{hash_words, recover, split_signature, typed_data_digest};
use stylus_sdk::{keccak_const::Keccak256, prelude::*};

use crate::{
    AuthorizationExpired, ERC721IncorrectOwner, Error, FreeMintUsed, IncorrectPayment,
    InvalidAuthorization, InvalidUpgrade, Purchased, PxStorefront, SafeCastOverflowedUintDowncast,
    Upgraded, UploadPacksUnavailable, UploadsBought, plans::Plan,
};

/// `keccak256("MintAuthorization(address minter,uint256 planId,bytes btnsKey,uint256 deadline)")`.
pub const MINT_AUTHORIZATION_TYPEHASH: B256 = B256::new(
    Keccak256::new()
        .update(b"MintAuthorization(address minter,uint256 planId,bytes btnsKey,uint256 deadline)")
        .finalize(),
);

/// Buying and the state of what was bought.
#[allow(missing_docs)] // the SDK's macro adds undocumented routing methods
#[public]
pub trait Sales {
    /// Mints a token on `plan_id` to the caller, without a BTNS key (the explorer path: the key
    /// follows through registration). Send exactly the plan's price.
    ///
    /// # Errors
    /// * [`Error::UnknownPlan`], [`Error::PlanInactive`] - If the plan is not for sale.
    /// * [`Error::IncorrectPayment`] - If `msg.value` is not the plan's price.
    /// * [`Error::FreeMintUsed`] - If the plan is free and the caller minted a free token.
    /// * [`Error::Core`] - The core's revert, e.g. `EnforcedPause` while it is paused.
    ///
    /// # Events
    /// * `Purchased`; the core emits `Transfer`.
    #[payable]
    fn mint(&mut self, plan_id: U256) -> Result<U256, Error>;

    /// Mints a token on `plan_id` to the caller with the BTNS key registration management
    /// allocated, authorised by the core's registrar: `signature` (65 bytes, r ‖ s ‖ v) over
    /// the EIP-712 `MintAuthorization(minter = caller, planId, btnsKey, deadline)`, domain
    /// verifying contract = this program. A used authorization cannot mint again: the core
    /// rejects a key it already has.
    ///
    /// # Errors
    /// * As `mint`, and:
    /// * [`Error::AuthorizationExpired`] - If the block time is after `deadline`.
    /// * [`Error::InvalidAuthorization`] - If the registrar did not sign this authorization
    ///   (`signer` is who did, zero for a malformed signature).
    /// * [`Error::Core`] - The core's revert, e.g. `BtnsKeyAlreadyRegistered`.
    ///
    /// # Events
    /// * `Purchased`; the core emits `Transfer`, `BtnsKeyRegistered`.
    #[payable]
    fn mint_with_key(
        &mut self,
        plan_id: U256,
        btns_key: Bytes,
        deadline: U256,
        signature: Bytes,
    ) -> Result<U256, Error>;

    /// Moves the caller's token to a plan that costs more; the caller pays the difference of
    /// the two plans' current prices. The token gets the new plan's quota and keeps the
    /// uploads bought in packs: new limit = new plan's limit + (current limit − old plan's
    /// limit, or zero if less).
    ///
    /// # Errors
    /// * [`Error::UnknownPlan`], [`Error::PlanInactive`] - If the new plan is not for sale.
    /// * [`Error::IncorrectOwner`] - If the caller does not own the token.
    /// * [`Error::InvalidUpgrade`] - If the new plan does not cost more than the token's.
    /// * [`Error::IncorrectPayment`] - If `msg.value` is not the difference.
    /// * [`Error::Overflow`] - If the new upload limit does not fit 32 bits.
    /// * [`Error::Core`] - The core's revert, e.g. `ERC721NonexistentToken`.
    ///
    /// # Events
    /// * `Upgraded`; the core emits `QuotaSet`, `MetadataUpdate`.
    #[payable]
    fn upgrade(&mut self, token_id: U256, new_plan_id: U256) -> Result<(), Error>;

    /// Adds `packs` upload packs to a token's upload limit; anyone may pay.
    ///
    /// # Errors
    /// * [`Error::UploadPacksUnavailable`] - If no upload pack is for sale.
    /// * [`Error::IncorrectPayment`] - If `msg.value` is not `packs` times the pack price.
    /// * [`Error::Overflow`] - If the new upload limit does not fit 32 bits.
    /// * [`Error::Core`] - The core's revert, e.g. `ERC721NonexistentToken`.
    ///
    /// # Events
    /// * `UploadsBought`; the core emits `QuotaSet`, `MetadataUpdate`.
    #[payable]
    fn buy_uploads(&mut self, token_id: U256, packs: u32) -> Result<(), Error>;

    /// The plan a token was minted on or upgraded to.
    ///
    /// NOTE: 0 (the free plan) also for a token this storefront never sold.
    fn plan_of(&self, token_id: U256) -> U256;

    /// Whether `account` minted its one free token.
    fn free_mint_used(&self, account: Address) -> bool;

    /// The core program this storefront mints on.
    fn core(&self) -> Address;
}

/// A sale that passed its checks and is not yet written.
struct Sale {
    plan_id: U256,
    plan: Plan,
    buyer: Address,
    paid: U256,
}

#[public]
impl Sales for PxStorefront {
    #[payable]
    fn mint(&mut self, plan_id: U256) -> Result<U256, Error> {
        let sale = self._quote(plan_id)?;
        self._complete(&sale, Bytes::new())
    }

    #[payable]
    fn mint_with_key(
        &mut self,
        plan_id: U256,
        btns_key: Bytes,
        deadline: U256,
        signature: Bytes,
    ) -> Result<U256, Error> {
        if U256::from(self.vm().block_timestamp()) > deadline {
            return Err(Error::AuthorizationExpired(AuthorizationExpired { deadline }));
        }
        let sale = self._quote(plan_id)?;
        self._check_authorization(&sale, &btns_key, deadline, &signature)?;
        self._complete(&sale, btns_key)
    }

    #[payable]
    fn upgrade(&mut self, token_id: U256, new_plan_id: U256) -> Result<(), Error> {
        let new = self._active_plan(new_plan_id)?;
        let sender = self.vm().msg_sender();
        let owner = self._core_owner_of(token_id)?;
        if owner != sender {
            return Err(Error::IncorrectOwner(ERC721IncorrectOwner {
                sender,
                tokenId: token_id,
                owner,
            }));
        }
        let old_plan_id = U256::from(self._plan_id_of(token_id));
        let old = self._plan(old_plan_id)?;
        if new.price_wei <= old.price_wei {
            return Err(Error::InvalidUpgrade(InvalidUpgrade {
                fromPlanId: old_plan_id,
                toPlanId: new_plan_id,
            }));
        }
        let paid = self._check_payment(U256::from(new.price_wei - old.price_wei))?;
        let (_, limit) = self._core_quota_of(token_id)?;
        let bought = limit.saturating_sub(old.upload_limit);
        let new_limit = to_u32(u64::from(new.upload_limit) + u64::from(bought))?;

        self._set_plan_id_of(token_id, new_plan_id.byte(0));
        self._core_set_quota(token_id, new.quota_bytes, new_limit)?;
        self.vm().log(Upgraded {
            tokenId: token_id,
            fromPlanId: old_plan_id,
            toPlanId: new_plan_id,
            paidWei: paid,
        });
        Ok(())
    }

    #[payable]
    fn buy_uploads(&mut self, token_id: U256, packs: u32) -> Result<(), Error> {
        let pack = Plan::decode(self.upload_pack.get());
        if pack.upload_limit == 0 {
            return Err(Error::UploadPacksUnavailable(UploadPacksUnavailable {}));
        }
        let paid = self._check_payment(U256::from(pack.price_wei) * U256::from(packs))?;
        let (quota, limit) = self._core_quota_of(token_id)?;
        // At most (2^32 - 1)^2 + 2^32 - 1 < 2^64: no overflow in 64 bits.
        let added = u64::from(packs) * u64::from(pack.upload_limit);
        let new_limit = to_u32(u64::from(limit) + added)?;

        self._core_set_quota(token_id, quota, new_limit)?;
        self.vm().log(UploadsBought {
            tokenId: token_id,
            packs,
            uploads: new_limit - limit,
            paidWei: paid,
        });
        Ok(())
    }

    fn plan_of(&self, token_id: U256) -> U256 {
        U256::from(self._plan_id_of(token_id))
    }

    fn free_mint_used(&self, account: Address) -> bool {
        self.free_mint_used.get(account)
    }

    fn core(&self) -> Address {
        self.core.get()
    }
}

impl PxStorefront {
    /// Checks a purchase of `plan_id` by the caller: plan for sale, exact payment, free mint.
    fn _quote(&self, plan_id: U256) -> Result<Sale, Error> {
        let plan = self._active_plan(plan_id)?;
        let paid = self._check_payment(U256::from(plan.price_wei))?;
        let buyer = self.vm().msg_sender();
        if plan.price_wei == 0 && self.free_mint_used.get(buyer) {
            return Err(Error::FreeMintUsed(FreeMintUsed { account: buyer }));
        }
        Ok(Sale { plan_id, plan, buyer, paid })
    }

    /// Writes a checked sale and mints on the core.
    fn _complete(&mut self, sale: &Sale, btns_key: Bytes) -> Result<U256, Error> {
        if sale.plan.price_wei == 0 {
            self.free_mint_used.setter(sale.buyer).set(true);
        }
        let token_id = self._core_mint_to(
            sale.buyer,
            sale.plan.quota_bytes,
            sale.plan.upload_limit,
            btns_key,
        )?;
        self._set_plan_id_of(token_id, sale.plan_id.byte(0));
        self.vm().log(Purchased {
            tokenId: token_id,
            buyer: sale.buyer,
            planId: sale.plan_id,
            paidWei: sale.paid,
        });
        Ok(token_id)
    }

    /// Fails unless `msg.value` is exactly `expected`; returns it.
    fn _check_payment(&self, expected: U256) -> Result<U256, Error> {
        let received = self.vm().msg_value();
        if received != expected {
            return Err(Error::IncorrectPayment(IncorrectPayment {
                expectedWei: expected,
                receivedWei: received,
            }));
        }
        Ok(received)
    }

    /// Fails unless the core's registrar signed `MintAuthorization(buyer, planId, key, deadline)`.
    fn _check_authorization(
        &self,
        sale: &Sale,
        btns_key: &[u8],
        deadline: U256,
        signature: &[u8],
    ) -> Result<(), Error> {
        let vm = self.vm();
        let struct_hash = hash_words(
            vm,
            &[
                MINT_AUTHORIZATION_TYPEHASH,
                sale.buyer.into_word(),
                sale.plan_id.into(),
                vm.native_keccak256(btns_key),
                deadline.into(),
            ],
        );
        let digest = typed_data_digest(vm, vm.contract_address(), struct_hash);
        let signer = split_signature(signature)
            .and_then(|(v, r, s)| recover(vm, digest, v, r, s))
            .unwrap_or_default();
        if signer.is_zero() || signer != self._core_registrar()? {
            return Err(Error::InvalidAuthorization(InvalidAuthorization { signer }));
        }
        Ok(())
    }

    /// The plan id stored for a token (byte `tokenId % 32` of word `tokenId / 32`).
    fn _plan_id_of(&self, token_id: U256) -> u8 {
        self.plan_of.get(token_id >> 5)[usize::from(token_id.byte(0) & 31)]
    }

    /// Stores a token's plan id, skipping the write when it is already there.
    fn _set_plan_id_of(&mut self, token_id: U256, plan_id: u8) {
        let mut slot = self.plan_of.setter(token_id >> 5);
        let mut word = slot.get();
        let byte = &mut word[usize::from(token_id.byte(0) & 31)];
        if *byte != plan_id {
            *byte = plan_id;
            slot.set(word);
        }
    }
}

/// An upload limit, or the `SafeCast` error for one that does not fit 32 bits.
fn to_u32(limit: u64) -> Result<u32, Error> {
    u32::try_from(limit).map_err(|_| {
        Error::Overflow(SafeCastOverflowedUintDowncast { bits: 32, value: U256::from(limit) })
    })
}
