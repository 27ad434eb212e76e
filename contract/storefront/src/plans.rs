//! Plans and the upload pack, owner-managed, each packed into one storage word so that a sale
//! reads one slot for its price and quota:
//!
//! | word   | 0..8        | 8..12        | 12..28      | 28     | 29..32 |
//! |--------|-------------|--------------|-------------|--------|--------|
//! | plan   | quota bytes | upload limit | price (wei) | active | zero   |
//!
//! All fields are big-endian. Prices are kept in 128 bits (3.4 * 10^20 ether): a larger price
//! reverts rather than being cut. Plans are never removed, only deactivated; their ids run from
//! 0 to 255, since each token's plan id is stored in one byte ([`crate::sales`]).
//!
//! The upload pack is stored as a plan without quota: its upload limit is the uploads one pack
//! adds, its price the price of one pack.

use alloc::vec::Vec;

use alloy_primitives::{B256, U256};
use stylus_sdk::prelude::*;

use crate::{
    Error, PlanInactive, PlanSet, PxStorefront, SafeCastOverflowedUintDowncast, UnknownPlan,
    UploadPackSet,
};

/// At most this many plans: a token's plan id is one byte.
pub const MAX_PLANS: u16 = 256;

/// `N` bytes of `word` from `at`.
fn field<const N: usize>(word: &B256, at: usize) -> [u8; N] {
    let mut bytes = [0u8; N];
    bytes.copy_from_slice(&word[at..at + N]);
    bytes
}

/// A plan: what a token minted on it gets, and its price.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Bytes a token may store.
    pub quota_bytes: u64,
    /// Uploads a token may make.
    pub upload_limit: u32,
    /// Price in wei; zero makes the plan free (one free token per address).
    pub price_wei: u128,
    /// Whether the plan is for sale.
    pub active: bool,
}

impl Plan {
    /// Unpacks a plan word.
    pub fn decode(word: B256) -> Self {
        Self {
            quota_bytes: u64::from_be_bytes(field(&word, 0)),
            upload_limit: u32::from_be_bytes(field(&word, 8)),
            price_wei: u128::from_be_bytes(field(&word, 12)),
            active: word[28] != 0,
        }
    }

    /// Packs into a plan word.
    pub fn encode(&self) -> B256 {
        let mut word = B256::ZERO;
        word[..8].copy_from_slice(&self.quota_bytes.to_be_bytes());
        word[8..12].copy_from_slice(&self.upload_limit.to_be_bytes());
        word[12..28].copy_from_slice(&self.price_wei.to_be_bytes());
        word[28] = u8::from(self.active);
        word
    }
}

/// Plans and the upload pack.
#[allow(missing_docs)] // the SDK's macro adds undocumented routing methods
#[public]
pub trait Plans {
    /// A plan: (quotaBytes, uploadLimit, priceWei, active).
    ///
    /// # Errors
    /// * [`Error::UnknownPlan`] - If no plan has this id.
    fn plan(&self, plan_id: U256) -> Result<(u64, u32, U256, bool), Error>;

    /// The number of plans; their ids run from 0 to `planCount() - 1`.
    fn plan_count(&self) -> U256;

    /// Adds a plan (`plan_id == planCount()`) or changes one. A change applies to later sales
    /// and upgrades, not to tokens already sold.
    ///
    /// # Errors
    /// * [`Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    /// * [`Error::UnknownPlan`] - If `plan_id` is above `planCount()`, or is 256.
    /// * [`Error::Overflow`] - If the price is 2^128 wei or more.
    ///
    /// # Events
    /// * `PlanSet`.
    fn set_plan(
        &mut self,
        plan_id: U256,
        quota_bytes: u64,
        upload_limit: u32,
        price_wei: U256,
        active: bool,
    ) -> Result<(), Error>;

    /// The upload pack for sale: (uploads per pack, price per pack); zero uploads when none.
    fn upload_pack(&self) -> (u32, U256);

    /// Sets the upload pack; zero `uploads` stops its sale.
    ///
    /// # Errors
    /// * [`Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    /// * [`Error::Overflow`] - If the price is 2^128 wei or more.
    ///
    /// # Events
    /// * `UploadPackSet`.
    fn set_upload_pack(&mut self, uploads: u32, price_wei: U256) -> Result<(), Error>;
}

#[public]
impl Plans for PxStorefront {
    fn plan(&self, plan_id: U256) -> Result<(u64, u32, U256, bool), Error> {
        let plan = self._plan(plan_id)?;
        Ok((plan.quota_bytes, plan.upload_limit, U256::from(plan.price_wei), plan.active))
    }

    fn plan_count(&self) -> U256 {
        U256::from(self.plan_count.get())
    }

    fn set_plan(
        &mut self,
        plan_id: U256,
        quota_bytes: u64,
        upload_limit: u32,
        price_wei: U256,
        active: bool,
    ) -> Result<(), Error> {
        self.ownable.only_owner()?;
        self._set_plan(plan_id, quota_bytes, upload_limit, price_wei, active)
    }

    fn upload_pack(&self) -> (u32, U256) {
        let pack = Plan::decode(self.upload_pack.get());
        (pack.upload_limit, U256::from(pack.price_wei))
    }

    fn set_upload_pack(&mut self, uploads: u32, price_wei: U256) -> Result<(), Error> {
        self.ownable.only_owner()?;
        let pack = Plan {
            quota_bytes: 0,
            upload_limit: uploads,
            price_wei: to_u128(price_wei)?,
            active: uploads != 0,
        };
        self.upload_pack.set(pack.encode());
        self.vm().log(UploadPackSet { uploads, priceWei: price_wei });
        Ok(())
    }
}

impl PxStorefront {
    /// The plan with this id.
    pub(crate) fn _plan(&self, plan_id: U256) -> Result<Plan, Error> {
        if plan_id >= U256::from(self.plan_count.get()) {
            return Err(Error::UnknownPlan(UnknownPlan { planId: plan_id }));
        }
        Ok(Plan::decode(self.plans.get(plan_id)))
    }

    /// The plan with this id, if it is for sale.
    pub(crate) fn _active_plan(&self, plan_id: U256) -> Result<Plan, Error> {
        let plan = self._plan(plan_id)?;
        if !plan.active {
            return Err(Error::PlanInactive(PlanInactive { planId: plan_id }));
        }
        Ok(plan)
    }

    /// Adds or changes a plan, for the owner and the constructor.
    pub(crate) fn _set_plan(
        &mut self,
        plan_id: U256,
        quota_bytes: u64,
        upload_limit: u32,
        price_wei: U256,
        active: bool,
    ) -> Result<(), Error> {
        let count = self.plan_count.get();
        if plan_id > U256::from(count) || plan_id >= U256::from(MAX_PLANS) {
            return Err(Error::UnknownPlan(UnknownPlan { planId: plan_id }));
        }
        let plan = Plan { quota_bytes, upload_limit, price_wei: to_u128(price_wei)?, active };
        self.plans.setter(plan_id).set(plan.encode());
        if plan_id == U256::from(count) {
            self.plan_count.set(count + alloy_primitives::U16::from(1));
        }
        self.vm().log(PlanSet {
            planId: plan_id,
            quotaBytes: quota_bytes,
            uploadLimit: upload_limit,
            priceWei: price_wei,
            active,
        });
        Ok(())
    }
}

/// A price as stored, or the `SafeCast` error for one that does not fit.
fn to_u128(price_wei: U256) -> Result<u128, Error> {
    u128::try_from(price_wei).map_err(|_| {
        Error::Overflow(SafeCastOverflowedUintDowncast { bits: 128, value: price_wei })
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn plan_round_trips(quota_bytes: u64, upload_limit: u32, price_wei: u128, active: bool) {
            let plan = Plan { quota_bytes, upload_limit, price_wei, active };
            prop_assert_eq!(Plan::decode(plan.encode()), plan);
        }
    }

    #[test]
    fn plan_layout_is_quota_limit_price_active() {
        let word = Plan { quota_bytes: 1, upload_limit: 2, price_wei: 3, active: true }.encode();
        let mut expected = [0u8; 32];
        expected[7] = 1;
        expected[11] = 2;
        expected[27] = 3;
        expected[28] = 1;
        assert_eq!(word, B256::from(expected));
    }
}
