//! The calls into the core program (`IPxStorageNft.sol`).
//!
//! Calldata comes from the core's published interface; answers are read as ABI words rather
//! than through the ABI decoder (smaller code; the core answers canonical ABI). A revert of the
//! core becomes [`Error::Core`] with its data unchanged, so the caller sees the core's own error
//! (`EnforcedPause`, `BtnsKeyAlreadyRegistered`, ...). An answer too short to read (not the
//! core at that address) reverts without data.

use alloc::vec::Vec;

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::SolCall;
use stylus_sdk::{
    call::{call, static_call},
    prelude::*,
    stylus_core::calls::Call,
};

use crate::{Error, PxStorefront};

/// The core's interface.
#[allow(missing_docs, clippy::pedantic)]
mod core_abi {
    alloy_sol_types::sol!("../../abi/IPxStorageNft.sol");
    pub(crate) use IPxStorageNft::{mintToCall, ownerOfCall, rolesCall, setQuotaCall, usageOfCall};
}

/// Word `index` of an ABI answer.
fn word(answer: &[u8], index: usize) -> Result<B256, Error> {
    answer.get(index * 32..index * 32 + 32).map(B256::from_slice).ok_or(Error::Core(Vec::new()))
}

/// The low 8 bytes of an ABI word (a `uint64` or smaller).
fn low_u64(word: B256) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&word[24..]);
    u64::from_be_bytes(bytes)
}

impl PxStorefront {
    /// Reads the core.
    fn _core_view(&self, call_data: &[u8]) -> Result<Vec<u8>, Error> {
        static_call(self.vm(), Call::new(), self.core.get(), call_data)
            .map_err(|e| Error::Core(e.into()))
    }

    /// Calls the core as its minter.
    fn _core_send(&mut self, call_data: &[u8]) -> Result<Vec<u8>, Error> {
        let core = self.core.get();
        let context = Call::new_mutating(self);
        call(self.vm(), context, core, call_data).map_err(|e| Error::Core(e.into()))
    }

    /// `mintTo(to, quotaBytes, uploadLimit, btnsKey)`: the new token's id.
    pub(crate) fn _core_mint_to(
        &mut self,
        to: Address,
        quota_bytes: u64,
        upload_limit: u32,
        btns_key: Bytes,
    ) -> Result<U256, Error> {
        let call_data = core_abi::mintToCall {
            to,
            quotaBytes: quota_bytes,
            uploadLimit: upload_limit,
            btnsKey: btns_key,
        }
        .abi_encode();
        Ok(word(&self._core_send(&call_data)?, 0)?.into())
    }

    /// `setQuota(tokenId, quotaBytes, uploadLimit)`.
    pub(crate) fn _core_set_quota(
        &mut self,
        token_id: U256,
        quota_bytes: u64,
        upload_limit: u32,
    ) -> Result<(), Error> {
        let call_data = core_abi::setQuotaCall {
            tokenId: token_id,
            quotaBytes: quota_bytes,
            uploadLimit: upload_limit,
        }
        .abi_encode();
        self._core_send(&call_data)?;
        Ok(())
    }

    /// `ownerOf(tokenId)`.
    pub(crate) fn _core_owner_of(&self, token_id: U256) -> Result<Address, Error> {
        let answer = self._core_view(&core_abi::ownerOfCall { tokenId: token_id }.abi_encode())?;
        Ok(Address::from_word(word(&answer, 0)?))
    }

    /// The quota and upload limit from `usageOf(tokenId)` (its first two words).
    pub(crate) fn _core_quota_of(&self, token_id: U256) -> Result<(u64, u32), Error> {
        let answer = self._core_view(&core_abi::usageOfCall { tokenId: token_id }.abi_encode())?;
        let limit = low_u64(word(&answer, 1)?);
        // The core answers a `uint32`; anything wider is not the core.
        let limit = u32::try_from(limit).map_err(|_| Error::Core(Vec::new()))?;
        Ok((low_u64(word(&answer, 0)?), limit))
    }

    /// The registrar, from `roles()` = (minter, registrar, syncer, renderer).
    pub(crate) fn _core_registrar(&self) -> Result<Address, Error> {
        let answer = self._core_view(&core_abi::rolesCall {}.abi_encode())?;
        Ok(Address::from_word(word(&answer, 1)?))
    }
}
