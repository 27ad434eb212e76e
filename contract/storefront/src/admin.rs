//! Withdrawal of the sales and two-step ownership.

use alloc::vec::Vec;

use alloy_primitives::Address;
use stylus_sdk::{call::transfer::transfer_eth, prelude::*};

use crate::{Error, PxStorefront, WithdrawFailed, Withdrawn};

/// Withdrawal and ownership.
#[allow(missing_docs)] // the SDK's macro adds undocumented routing methods
#[public]
pub trait Administration {
    /// Sends the storefront's whole balance to `to`, with all the gas left (`to` may be a
    /// contract that needs it; a call back into the storefront is rejected).
    ///
    /// # Errors
    /// * [`Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    /// * [`Error::WithdrawFailed`] - If `to` is the zero address or does not accept the ether.
    ///
    /// # Events
    /// * `Withdrawn`.
    fn withdraw(&mut self, to: Address) -> Result<(), Error>;
}

#[public]
impl Administration for PxStorefront {
    fn withdraw(&mut self, to: Address) -> Result<(), Error> {
        self.ownable.only_owner()?;
        let amount = self.vm().balance(self.vm().contract_address());
        // Zero would burn the balance: an owner's slip, not an intent.
        if to.is_zero() || transfer_eth(self.vm(), to, amount).is_err() {
            return Err(Error::WithdrawFailed(WithdrawFailed { to }));
        }
        self.vm().log(Withdrawn { to, amountWei: amount });
        Ok(())
    }
}
