//! Configuration of the CRE route by the owner: the route requests take, the forwarder and the
//! workflow identity `onReport` accepts (names and semantics of Chainlink's `ReceiverTemplate`),
//! the ETH sync fee, the request timeout, and the withdrawal of earned fees.
//!
//! Unlike the template, a zero forwarder does not disable the caller check: it turns CRE off
//! (`onReport` reverts `InvalidSender(sender, 0)`). And since every CRE workflow reaches a
//! receiver through the same forwarder, CRE requests also need a workflow identity: the
//! workflow id or the author (or both) must be set ([`PxSync::_cre_ready`]).

use alloc::{string::String, vec::Vec};

use alloy_primitives::{Address, B256, FixedBytes, U256, Uint};
use stylus_sdk::{call::static_call, prelude::*};

use crate::{
    CreRequestTimeoutSet, EthTransferFailed, ExpectedAuthorUpdated, ExpectedWorkflowIdUpdated,
    ExpectedWorkflowNameUpdated, FeesWithdrawn, ForwarderAddressUpdated, IncorrectFee,
    InsufficientFees, InvalidRoute, InvalidTimeout, PxSync, SyncFeeSet, SyncRouteSet,
    config::MAX_FEE, report,
};

/// The CRE route (`SyncRequested.route`, `syncRoute`).
pub const ROUTE_CRE: u8 = 1;
/// The Direct Request route.
pub const ROUTE_DIRECT: u8 = 2;
/// The CRE request timeout until the owner sets one.
pub const DEFAULT_CRE_TIMEOUT: u64 = 10 * 60;
/// The longest CRE request timeout (expiry times are stored in 32 bits).
pub const MAX_CRE_TIMEOUT: u64 = 30 * 24 * 3600;
/// The SHA-256 precompile.
const SHA256: Address = Address::new([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);

/// Route, CRE receiver identity, fee, timeout and fee withdrawal.
#[allow(missing_docs)] // the SDK's macro adds undocumented routing methods
#[public]
pub trait CreConfig {
    /// The route `requestSync` takes: 1 CRE (the default), 2 Direct Request.
    fn sync_route(&self) -> u8;

    /// Sets the route of `requestSync`. Pending requests keep theirs; the route's
    /// configuration may come later (until then requests revert).
    ///
    /// # Errors
    /// * [`crate::Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    /// * [`crate::Error::InvalidRoute`] - If `route` is not 1 or 2.
    ///
    /// # Events
    /// * `SyncRouteSet`.
    fn set_sync_route(&mut self, route: u8) -> Result<(), crate::Error>;

    /// Sets the `KeystoneForwarder` allowed to call `onReport`; zero turns CRE off.
    ///
    /// # Errors
    /// * [`crate::Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    ///
    /// # Events
    /// * `ForwarderAddressUpdated`.
    fn set_forwarder_address(&mut self, forwarder: Address) -> Result<(), crate::Error>;

    /// Sets the workflow owner reports must name; zero = not checked.
    ///
    /// # Errors
    /// * [`crate::Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    ///
    /// # Events
    /// * `ExpectedAuthorUpdated`.
    fn set_expected_author(&mut self, author: Address) -> Result<(), crate::Error>;

    /// Sets the workflow id reports must name; zero = not checked.
    ///
    /// # Errors
    /// * [`crate::Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    ///
    /// # Events
    /// * `ExpectedWorkflowIdUpdated`.
    fn set_expected_workflow_id(&mut self, id: B256) -> Result<(), crate::Error>;

    /// Sets the workflow name reports must name, from its text, encoded as `ReceiverTemplate`
    /// does ([`report::workflow_name`]); `""` = not checked. Checked only with the author.
    ///
    /// # Errors
    /// * [`crate::Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    ///
    /// # Events
    /// * `ExpectedWorkflowNameUpdated`.
    fn set_expected_workflow_name(&mut self, name: String) -> Result<(), crate::Error>;

    /// Sets the fee in wei of `requestSyncWithFee`; 0 turns user-paid CRE syncs off. Pending
    /// requests keep the fee they paid.
    ///
    /// # Errors
    /// * [`crate::Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    /// * [`crate::Error::IncorrectFee`] - If the fee does not fit in 96 bits.
    ///
    /// # Events
    /// * `SyncFeeSet`.
    fn set_sync_fee(&mut self, fee: U256) -> Result<(), crate::Error>;

    /// Sets how long a new CRE request waits for its report before anyone may cancel it.
    ///
    /// # Errors
    /// * [`crate::Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    /// * [`crate::Error::InvalidTimeout`] - If it is 0 or above 30 days.
    ///
    /// # Events
    /// * `CreRequestTimeoutSet`.
    fn set_cre_request_timeout(&mut self, timeout_seconds: u64) -> Result<(), crate::Error>;

    /// (forwarder, expected author, expected workflow id, expected workflow name, sync fee in
    /// wei, CRE request timeout in seconds).
    fn cre_config(&self) -> (Address, Address, B256, FixedBytes<10>, U256, u64);

    /// Sends earned ETH fees to `to`. Fees of pending CRE requests are held for their refund:
    /// at most the balance minus the held fees may leave.
    ///
    /// # Errors
    /// * [`crate::Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    /// * [`crate::Error::InsufficientFees`] - If `amount` exceeds the fees not held.
    /// * [`crate::Error::EthTransferFailed`] - If `to` is zero or refuses the ETH.
    ///
    /// # Events
    /// * `FeesWithdrawn`.
    fn withdraw_fees(&mut self, to: Address, amount: U256) -> Result<(), crate::Error>;
}

#[public]
impl CreConfig for PxSync {
    fn sync_route(&self) -> u8 {
        self._route()
    }

    fn set_sync_route(&mut self, route: u8) -> Result<(), crate::Error> {
        self.ownable.only_owner()?;
        if route != ROUTE_CRE && route != ROUTE_DIRECT {
            return Err(crate::Error::InvalidRoute(InvalidRoute { route }));
        }
        self.route.set(Uint::from(route));
        self.vm().log(SyncRouteSet { route });
        Ok(())
    }

    fn set_forwarder_address(&mut self, forwarder: Address) -> Result<(), crate::Error> {
        self.ownable.only_owner()?;
        let previous = self.forwarder.get();
        self.forwarder.set(forwarder);
        self.vm()
            .log(ForwarderAddressUpdated { previousForwarder: previous, newForwarder: forwarder });
        Ok(())
    }

    fn set_expected_author(&mut self, author: Address) -> Result<(), crate::Error> {
        self.ownable.only_owner()?;
        let previous = self.expected_author.get();
        self.expected_author.set(author);
        self.vm().log(ExpectedAuthorUpdated { previousAuthor: previous, newAuthor: author });
        Ok(())
    }

    fn set_expected_workflow_id(&mut self, id: B256) -> Result<(), crate::Error> {
        self.ownable.only_owner()?;
        let previous = self.expected_workflow_id.get();
        self.expected_workflow_id.set(id);
        self.vm().log(ExpectedWorkflowIdUpdated { previousId: previous, newId: id });
        Ok(())
    }

    fn set_expected_workflow_name(&mut self, name: String) -> Result<(), crate::Error> {
        self.ownable.only_owner()?;
        let vm = self.vm();
        let encoded = report::workflow_name(name.as_bytes(), |bytes| {
            // The precompile cannot fail on any input; a broken answer would be all zeros and
            // then match no workflow's name.
            let mut hash = [0u8; 32];
            if let Ok(answer) = static_call(vm, Call::new(), SHA256, bytes)
                && answer.len() == 32
            {
                hash.copy_from_slice(&answer);
            }
            hash
        });
        let previous = self.expected_workflow_name.get();
        self.expected_workflow_name.set(encoded);
        self.vm().log(ExpectedWorkflowNameUpdated { previousName: previous, newName: encoded });
        Ok(())
    }

    fn set_sync_fee(&mut self, fee: U256) -> Result<(), crate::Error> {
        self.ownable.only_owner()?;
        if fee > MAX_FEE {
            return Err(crate::Error::IncorrectFee(IncorrectFee {
                expected: MAX_FEE,
                received: fee,
            }));
        }
        self.sync_fee.set(Uint::from_limbs([fee.as_limbs()[0], fee.as_limbs()[1]]));
        self.vm().log(SyncFeeSet { fee });
        Ok(())
    }

    fn set_cre_request_timeout(&mut self, timeout_seconds: u64) -> Result<(), crate::Error> {
        self.ownable.only_owner()?;
        if timeout_seconds == 0 || timeout_seconds > MAX_CRE_TIMEOUT {
            return Err(crate::Error::InvalidTimeout(InvalidTimeout {
                timeoutSeconds: timeout_seconds,
            }));
        }
        self.cre_timeout.set(Uint::from(timeout_seconds));
        self.vm().log(CreRequestTimeoutSet { timeoutSeconds: timeout_seconds });
        Ok(())
    }

    fn cre_config(&self) -> (Address, Address, B256, FixedBytes<10>, U256, u64) {
        (
            self.forwarder.get(),
            self.expected_author.get(),
            self.expected_workflow_id.get(),
            self.expected_workflow_name.get(),
            U256::from(self.sync_fee.get()),
            self._cre_timeout(),
        )
    }

    fn withdraw_fees(&mut self, to: Address, amount: U256) -> Result<(), crate::Error> {
        self.ownable.only_owner()?;
        let balance = self.vm().balance(self.vm().contract_address());
        let available = balance.saturating_sub(U256::from(self.fees_held.get()));
        if amount > available {
            return Err(crate::Error::InsufficientFees(InsufficientFees {
                available,
                requested: amount,
            }));
        }
        self._send_eth(to, amount)?;
        self.vm().log(FeesWithdrawn { to, amount });
        Ok(())
    }
}

impl PxSync {
    /// The route of `requestSync` (the stored 0 of a new program is CRE).
    pub(crate) fn _route(&self) -> u8 {
        match self.route.get().to::<u8>() {
            ROUTE_DIRECT => ROUTE_DIRECT,
            _ => ROUTE_CRE,
        }
    }

    /// The CRE request timeout in force.
    pub(crate) fn _cre_timeout(&self) -> u64 {
        match self.cre_timeout.get().to::<u64>() {
            0 => DEFAULT_CRE_TIMEOUT,
            t => t,
        }
    }

    /// Whether a CRE request could be answered: a forwarder, a workflow identity, and no name
    /// without its author.
    pub(crate) fn _cre_ready(&self) -> bool {
        let author = self.expected_author.get();
        !self.forwarder.get().is_zero()
            && (!author.is_zero() || !self.expected_workflow_id.get().is_zero())
            && (!author.is_zero() || self.expected_workflow_name.get().is_zero())
    }

    /// Changes the fees held for pending CRE requests by `+ add - sub` (wei; the total of all
    /// ETH stays far below 2^128).
    pub(crate) fn _hold_fees(&mut self, add: u128, sub: u128) {
        if add == sub {
            return; // a sponsored request: no fee, no write
        }
        let held: u128 = self.fees_held.get().to();
        self.fees_held.set(Uint::from(held.saturating_add(add).saturating_sub(sub)));
    }

    /// Sends `amount` wei to `to` with all the gas left.
    pub(crate) fn _send_eth(&mut self, to: Address, amount: U256) -> Result<(), crate::Error> {
        if to.is_zero() || stylus_sdk::call::transfer::transfer_eth(self.vm(), to, amount).is_err()
        {
            return Err(crate::Error::EthTransferFailed(EthTransferFailed {}));
        }
        Ok(())
    }
}
