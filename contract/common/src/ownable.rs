//! Two-step ownership: the owner proposes, the new owner accepts.
//!
//! The surface and errors are OpenZeppelin's `Ownable2Step` (`owner`, `pendingOwner`,
//! `transferOwnership`, `acceptOwnership`, `OwnableUnauthorizedAccount`,
//! `OwnableInvalidOwner`); `renounceOwnership` is left out on purpose: a program without an
//! owner could never rotate its signers or roles again.

use alloc::{vec, vec::Vec};

use alloy_primitives::Address;
use alloy_sol_types::sol;
use stylus_sdk::{prelude::*, storage::StorageAddress};

pub use sol::*;

mod sol {
    use super::sol;

    sol! {
        #![sol(all_derives)]
        /// Ownership transfer proposed; `newOwner` must call `acceptOwnership`.
        event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
        /// Ownership changed hands.
        event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

        /// The caller is not the account the call needs (the owner, or the pending owner).
        error OwnableUnauthorizedAccount(address account);
        /// The owner cannot be the zero address.
        error OwnableInvalidOwner(address owner);
    }
}

/// Errors of the ownership functions.
#[derive(SolidityError, Debug)]
pub enum OwnableError {
    /// The caller is not the owner (or, for `acceptOwnership`, the pending owner).
    UnauthorizedAccount(OwnableUnauthorizedAccount),
    /// The zero address cannot own a program.
    InvalidOwner(OwnableInvalidOwner),
}

/// The ownership functions every PX program with an owner exposes (interface `IOwnable`).
#[allow(missing_docs)] // the SDK's macro adds undocumented routing methods
#[public]
pub trait Ownable {
    /// The owner.
    fn owner(&self) -> Address;

    /// The proposed next owner, or zero.
    fn pending_owner(&self) -> Address;

    /// Proposes a new owner, who must accept (zero cancels the proposal).
    ///
    /// # Errors
    /// * [`OwnableError::UnauthorizedAccount`] - If the caller is not the owner.
    ///
    /// # Events
    /// * [`OwnershipTransferStarted`].
    fn transfer_ownership(&mut self, new_owner: Address) -> Result<(), OwnableError>;

    /// Accepts a proposed ownership transfer.
    ///
    /// # Errors
    /// * [`OwnableError::UnauthorizedAccount`] - If the caller is not the pending owner.
    ///
    /// # Events
    /// * [`OwnershipTransferred`].
    fn accept_ownership(&mut self) -> Result<(), OwnableError>;
}

/// Implements [`Ownable`] for a program whose `ownable` field is an [`Ownable2Step`], and the
/// conversion of [`OwnableError`] into the program's error enum (which must have the variants
/// `OwnableUnauthorizedAccount` and `OwnableInvalidOwner`). List `Ownable` in the program's
/// `#[implements(...)]`.
#[macro_export]
macro_rules! impl_ownable {
    ($program:ty, $error:ty) => {
        #[stylus_sdk::prelude::public]
        impl $crate::ownable::Ownable for $program {
            fn owner(&self) -> ::alloy_primitives::Address {
                self.ownable.owner()
            }

            fn pending_owner(&self) -> ::alloy_primitives::Address {
                self.ownable.pending_owner()
            }

            fn transfer_ownership(
                &mut self,
                new_owner: ::alloy_primitives::Address,
            ) -> Result<(), $crate::ownable::OwnableError> {
                self.ownable.transfer_ownership(new_owner)
            }

            fn accept_ownership(&mut self) -> Result<(), $crate::ownable::OwnableError> {
                self.ownable.accept_ownership()
            }
        }

        impl From<$crate::ownable::OwnableError> for $error {
            fn from(error: $crate::ownable::OwnableError) -> Self {
                match error {
                    $crate::ownable::OwnableError::UnauthorizedAccount(e) => {
                        Self::OwnableUnauthorizedAccount(e)
                    }
                    $crate::ownable::OwnableError::InvalidOwner(e) => Self::OwnableInvalidOwner(e),
                }
            }
        }
    };
}

/// The owner and the proposed next owner.
#[storage]
pub struct Ownable2Step {
    /// Current owner.
    owner: StorageAddress,
    /// Proposed owner, zero when no transfer is pending.
    pending_owner: StorageAddress,
}

impl Ownable2Step {
    /// The current owner.
    pub fn owner(&self) -> Address {
        self.owner.get()
    }

    /// The proposed owner, or zero.
    pub fn pending_owner(&self) -> Address {
        self.pending_owner.get()
    }

    /// Sets the first owner (from a constructor).
    ///
    /// # Errors
    /// * [`OwnableError::InvalidOwner`] - If `owner` is the zero address.
    ///
    /// # Events
    /// * [`OwnershipTransferred`].
    pub fn init(&mut self, owner: Address) -> Result<(), OwnableError> {
        if owner.is_zero() {
            return Err(OwnableError::InvalidOwner(OwnableInvalidOwner { owner }));
        }
        self._transfer(owner);
        Ok(())
    }

    /// Fails unless the caller is the owner.
    ///
    /// # Errors
    /// * [`OwnableError::UnauthorizedAccount`] - If the caller is not the owner.
    pub fn only_owner(&self) -> Result<(), OwnableError> {
        let account = self.vm().msg_sender();
        if account != self.owner.get() {
            return Err(OwnableError::UnauthorizedAccount(OwnableUnauthorizedAccount { account }));
        }
        Ok(())
    }

    /// Proposes `new_owner` (zero cancels a pending proposal).
    ///
    /// # Errors
    /// * [`OwnableError::UnauthorizedAccount`] - If the caller is not the owner.
    ///
    /// # Events
    /// * [`OwnershipTransferStarted`].
    pub fn transfer_ownership(&mut self, new_owner: Address) -> Result<(), OwnableError> {
        self.only_owner()?;
        self.pending_owner.set(new_owner);
        let previous_owner = self.owner.get();
        self.vm()
            .log(OwnershipTransferStarted { previousOwner: previous_owner, newOwner: new_owner });
        Ok(())
    }

    /// Completes a transfer: the caller must be the pending owner.
    ///
    /// # Errors
    /// * [`OwnableError::UnauthorizedAccount`] - If the caller is not the pending owner.
    ///
    /// # Events
    /// * [`OwnershipTransferred`].
    pub fn accept_ownership(&mut self) -> Result<(), OwnableError> {
        let account = self.vm().msg_sender();
        if account != self.pending_owner.get() {
            return Err(OwnableError::UnauthorizedAccount(OwnableUnauthorizedAccount { account }));
        }
        self._transfer(account);
        Ok(())
    }

    fn _transfer(&mut self, new_owner: Address) {
        self.pending_owner.set(Address::ZERO);
        let previous_owner = self.owner.get();
        self.owner.set(new_owner);
        self.vm().log(OwnershipTransferred { previousOwner: previous_owner, newOwner: new_owner });
    }
}
