//! Configuration by the owner: the oracle, sponsorship, trusted usage signers, LINK held for
//! sponsored syncs, and ownership.

use alloc::vec::Vec;

use alloy_primitives::{Address, B256, U256, Uint};
use stylus_sdk::prelude::*;

use crate::{Error, IncorrectFee, OracleSet, PxSync, SponsoredMinQuotaSet, UsageSignerSet};

/// Largest fee a request can carry (stored in 96 bits; all LINK ever minted is below 2^90).
pub(crate) const MAX_FEE: U256 = U256::from_limbs([u64::MAX, u32::MAX as u64, 0, 0]);

/// Oracle, sponsorship, signers, LINK and ownership.
#[allow(missing_docs)] // the SDK's macro adds undocumented routing methods
#[public]
pub trait SyncConfig {
    /// Sets the LINK token, the Chainlink Operator, the PX job's id and the fee per request.
    /// Pending requests keep the operator and fee they were sent with.
    ///
    /// # Errors
    /// * [`Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    /// * [`Error::IncorrectFee`] - If the fee does not fit in 96 bits.
    ///
    /// # Events
    /// * `OracleSet`.
    fn set_oracle(
        &mut self,
        link: Address,
        operator: Address,
        job_id: B256,
        fee: U256,
    ) -> Result<(), Error>;

    /// The oracle configuration: (link, operator, jobId, fee).
    fn oracle(&self) -> (Address, Address, B256, U256);

    /// The core program this program syncs.
    fn core(&self) -> Address;

    /// Sets the quota from which a token counts as a paid plan for sponsored syncs (0 turns
    /// sponsorship off).
    ///
    /// # Errors
    /// * [`Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    ///
    /// # Events
    /// * `SponsoredMinQuotaSet`.
    fn set_sponsored_min_quota(&mut self, min_quota_bytes: u64) -> Result<(), Error>;

    /// The quota from which sponsored syncs are allowed (0 = none are).
    fn sponsored_min_quota(&self) -> u64;

    /// Trusts or distrusts a usage signer (a PX node's EIP-712 key).
    ///
    /// # Errors
    /// * [`Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    ///
    /// # Events
    /// * `UsageSignerSet`.
    fn set_usage_signer(&mut self, signer: Address, trusted: bool) -> Result<(), Error>;

    /// Whether usage reports signed by `signer` are accepted.
    fn is_usage_signer(&self, signer: Address) -> bool;

    /// Sends LINK held for sponsored syncs to `to`.
    ///
    /// # Errors
    /// * [`Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    /// * [`Error::LinkTransferFailed`] - If the LINK transfer fails.
    ///
    /// # Events
    /// * LINK's `Transfer`.
    fn withdraw_link(&mut self, to: Address, amount: U256) -> Result<(), Error>;
}

#[public]
impl SyncConfig for PxSync {
    fn set_oracle(
        &mut self,
        link: Address,
        operator: Address,
        job_id: B256,
        fee: U256,
    ) -> Result<(), Error> {
        self.ownable.only_owner()?;
        if fee > MAX_FEE {
            return Err(Error::IncorrectFee(IncorrectFee { expected: MAX_FEE, received: fee }));
        }
        self.link.set(link);
        self.operator.set(operator);
        self.job_id.set(job_id);
        self.fee.set(Uint::<96, 2>::from_limbs([fee.as_limbs()[0], fee.as_limbs()[1]]));
        self.vm().log(OracleSet { link, operator, jobId: job_id, fee });
        Ok(())
    }

    fn oracle(&self) -> (Address, Address, B256, U256) {
        (self.link.get(), self.operator.get(), self.job_id.get(), U256::from(self.fee.get()))
    }

    fn core(&self) -> Address {
        self.core.get()
    }

    fn set_sponsored_min_quota(&mut self, min_quota_bytes: u64) -> Result<(), Error> {
        self.ownable.only_owner()?;
        self.sponsored_min_quota.set(alloy_primitives::U64::from(min_quota_bytes));
        self.vm().log(SponsoredMinQuotaSet { minQuotaBytes: min_quota_bytes });
        Ok(())
    }

    fn sponsored_min_quota(&self) -> u64 {
        self.sponsored_min_quota.get().as_limbs()[0]
    }

    fn set_usage_signer(&mut self, signer: Address, trusted: bool) -> Result<(), Error> {
        self.ownable.only_owner()?;
        self.usage_signers.insert(signer, trusted);
        self.vm().log(UsageSignerSet { signer, trusted });
        Ok(())
    }

    fn is_usage_signer(&self, signer: Address) -> bool {
        self.usage_signers.get(signer)
    }

    fn withdraw_link(&mut self, to: Address, amount: U256) -> Result<(), Error> {
        self.ownable.only_owner()?;
        self._transfer_link(to, amount)
    }
}
