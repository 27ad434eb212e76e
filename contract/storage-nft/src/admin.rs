//! Roles and pause (two-step ownership is `px_contract_common::ownable`).
//!
//! Each role has one holder, set by the owner (zero revokes it):
//! - minter: mints and sets quotas (the `PxStorefront` program);
//! - registrar: registers BTNS keys for tokens minted without one (the PX node's key);
//! - syncer: applies verified usage (the `PxSync` program);
//! - renderer: renders `tokenURI` (the `PxRenderer` program).
//!
//! Pausing stops minting and makes the upload gate answer false; transfers, key registration,
//! quota changes and syncs go on, so owners never lose access to what they hold.

use alloc::vec::Vec;

use alloy_primitives::{Address, B256, U256};
use stylus_sdk::{keccak_const::Keccak256, prelude::*};

use crate::{
    AccessControlUnauthorizedAccount, BatchMetadataUpdate, EnforcedPause, Error, ExpectedPause,
    Paused, PxStorageNft, RoleSet, Unpaused,
};

const fn role(name: &[u8]) -> B256 {
    B256::new(Keccak256::new().update(name).finalize())
}

/// `keccak256("MINTER_ROLE")`.
pub const MINTER_ROLE: B256 = role(b"MINTER_ROLE");
/// `keccak256("REGISTRAR_ROLE")`.
pub const REGISTRAR_ROLE: B256 = role(b"REGISTRAR_ROLE");
/// `keccak256("SYNCER_ROLE")`.
pub const SYNCER_ROLE: B256 = role(b"SYNCER_ROLE");
/// `keccak256("RENDERER_ROLE")`.
pub const RENDERER_ROLE: B256 = role(b"RENDERER_ROLE");

/// Roles and pause.
#[allow(missing_docs)] // the SDK's macro adds undocumented routing methods
#[public]
pub trait Administration {
    /// The holders of the four roles: (minter, registrar, syncer, renderer).
    fn roles(&self) -> (Address, Address, Address, Address);

    /// Sets the minter (the storefront).
    ///
    /// # Errors
    /// * [`Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    ///
    /// # Events
    /// * `RoleSet(MINTER_ROLE, minter)`.
    fn set_minter(&mut self, minter: Address) -> Result<(), Error>;

    /// Sets the registrar (the PX node's registration key).
    ///
    /// # Errors
    /// * [`Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    ///
    /// # Events
    /// * `RoleSet(REGISTRAR_ROLE, registrar)`.
    fn set_registrar(&mut self, registrar: Address) -> Result<(), Error>;

    /// Sets the syncer (the `PxSync` program).
    ///
    /// # Errors
    /// * [`Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    ///
    /// # Events
    /// * `RoleSet(SYNCER_ROLE, syncer)`.
    fn set_syncer(&mut self, syncer: Address) -> Result<(), Error>;

    /// Sets the renderer; every token's metadata changes with it.
    ///
    /// # Errors
    /// * [`Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    ///
    /// # Events
    /// * `RoleSet(RENDERER_ROLE, renderer)`, `BatchMetadataUpdate(1, type(uint256).max)`.
    fn set_renderer(&mut self, renderer: Address) -> Result<(), Error>;

    /// Whether minting and uploads are stopped.
    fn paused(&self) -> bool;

    /// Stops minting and uploads.
    ///
    /// # Errors
    /// * [`Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    /// * [`Error::EnforcedPause`] - If already paused.
    ///
    /// # Events
    /// * `Paused`.
    fn pause(&mut self) -> Result<(), Error>;

    /// Resumes minting and uploads.
    ///
    /// # Errors
    /// * [`Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    /// * [`Error::ExpectedPause`] - If not paused.
    ///
    /// # Events
    /// * `Unpaused`.
    fn unpause(&mut self) -> Result<(), Error>;
}

#[public]
impl Administration for PxStorageNft {
    fn roles(&self) -> (Address, Address, Address, Address) {
        (self.minter.get(), self.registrar.get(), self.syncer.get(), self.renderer.get())
    }

    fn set_minter(&mut self, minter: Address) -> Result<(), Error> {
        self.ownable.only_owner()?;
        self.minter.set(minter);
        self.vm().log(RoleSet { role: MINTER_ROLE, account: minter });
        Ok(())
    }

    fn set_registrar(&mut self, registrar: Address) -> Result<(), Error> {
        self.ownable.only_owner()?;
        self.registrar.set(registrar);
        self.vm().log(RoleSet { role: REGISTRAR_ROLE, account: registrar });
        Ok(())
    }

    fn set_syncer(&mut self, syncer: Address) -> Result<(), Error> {
        self.ownable.only_owner()?;
        self.syncer.set(syncer);
        self.vm().log(RoleSet { role: SYNCER_ROLE, account: syncer });
        Ok(())
    }

    fn set_renderer(&mut self, renderer: Address) -> Result<(), Error> {
        self.ownable.only_owner()?;
        self.renderer.set(renderer);
        self.vm().log(RoleSet { role: RENDERER_ROLE, account: renderer });
        self.vm().log(BatchMetadataUpdate { _fromTokenId: U256::from(1), _toTokenId: U256::MAX });
        Ok(())
    }

    fn paused(&self) -> bool {
        self.paused.get()
    }

    fn pause(&mut self) -> Result<(), Error> {
        self.ownable.only_owner()?;
        self._when_not_paused()?;
        self.paused.set(true);
        self.vm().log(Paused { account: self.vm().msg_sender() });
        Ok(())
    }

    fn unpause(&mut self) -> Result<(), Error> {
        self.ownable.only_owner()?;
        if !self.paused.get() {
            return Err(Error::ExpectedPause(ExpectedPause {}));
        }
        self.paused.set(false);
        self.vm().log(Unpaused { account: self.vm().msg_sender() });
        Ok(())
    }
}

impl PxStorageNft {
    /// Fails unless the caller holds the role (an unset role matches nobody).
    pub(crate) fn _only_role(&self, holder: Address, role: B256) -> Result<(), Error> {
        let account = self.vm().msg_sender();
        if account != holder || holder.is_zero() {
            return Err(Error::UnauthorizedAccount(AccessControlUnauthorizedAccount {
                account,
                neededRole: role,
            }));
        }
        Ok(())
    }

    /// Fails while paused.
    pub(crate) fn _when_not_paused(&self) -> Result<(), Error> {
        if self.paused.get() {
            return Err(Error::EnforcedPause(EnforcedPause {}));
        }
        Ok(())
    }
}
