//! `PxRenderer`, the program that renders a PX storage NFT's `tokenURI`.
//!
//! The core (`PxStorageNft`) delegates `tokenURI` here. The renderer reads the token's quota,
//! usage and BTNS key from the core with two static calls (`usageOf`, `btnsKeyOf`) and answers
//! a `data:application/json;base64,...` document: name, description, an SVG usage bar, and the
//! attributes capacity, used, usage %, uploads, BTNS name (base58btc) and last sync. It keeps no
//! state but the core's address, so a new renderer can replace it at any time.
//!
//! # Layout
//! - [`metadata`]: the JSON document and the SVG.
//! - [`text`]: decimal, base64, base58 and byte-size text, small enough for the size budget.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![cfg_attr(not(any(test, feature = "export-abi")), no_std)]
// The SDK's export-abi code generation adds undocumented public items.
#![cfg_attr(feature = "export-abi", allow(missing_docs))]

extern crate alloc;

use alloc::{string::String, vec::Vec};

pub mod metadata;
pub mod text;

#[cfg(test)]
mod tests;

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use stylus_sdk::{call::static_call, prelude::*, stylus_core::calls::Call};

pub use sol::ERC721NonexistentToken;
pub use state::PxRenderer;

use crate::metadata::Token;

/// The error, generated from the program's published interface.
#[allow(missing_docs, clippy::pedantic)]
mod sol {
    alloy_sol_types::sol!(
        #[sol(all_derives)]
        "../../abi/IPxRenderer.sol"
    );
    pub use IPxRenderer::ERC721NonexistentToken;
}

/// The core's interface.
#[allow(missing_docs, clippy::pedantic)]
mod core_abi {
    alloy_sol_types::sol!("../../abi/IPxStorageNft.sol");
    pub(crate) use IPxStorageNft::{btnsKeyOfCall, usageOfCall};
}

/// How `tokenURI` fails.
#[derive(SolidityError, Debug, PartialEq, Eq)]
pub enum Error {
    /// The core does not know the token (or did not answer as the core does).
    NonexistentToken(ERC721NonexistentToken),
}

/// The storage struct, in a module of its own: the `#[entrypoint]` macro adds a public,
/// undocumented `user_entrypoint` function beside it, which a private module keeps out of the
/// documented API.
mod state {
    use alloc::{vec, vec::Vec};

    use stylus_sdk::{prelude::*, storage::StorageAddress};

    /// The program's state: the core whose tokens it renders.
    #[storage]
    #[entrypoint]
    pub struct PxRenderer {
        /// The core program.
        pub(crate) core: StorageAddress,
    }
}

/// The interface `cargo stylus export-abi` prints (functions and errors), for the drift test.
#[cfg(feature = "export-abi")]
pub fn exported_abi() -> String {
    use stylus_sdk::abi::GenerateAbi;

    px_contract_common::export::interfaces(&[<PxRenderer as GenerateAbi>::fmt_abi])
}

#[public]
impl PxRenderer {
    /// Sets the core whose tokens this renders.
    #[constructor]
    pub fn constructor(&mut self, core: Address) {
        self.core.set(core);
    }

    /// The metadata of `token_id` of the core, as a `data:application/json;base64,` URI.
    ///
    /// # Errors
    /// * [`Error::NonexistentToken`] - If the core does not know the token.
    #[selector(name = "tokenURI")]
    pub fn token_uri(&self, token_id: U256) -> Result<String, Error> {
        let missing = || Error::NonexistentToken(ERC721NonexistentToken { tokenId: token_id });
        // Token ids are the core's counter, a `u64`: a larger id cannot exist.
        let id = u64::try_from(token_id).map_err(|_| missing())?;
        let usage = self._view(&core_abi::usageOfCall { tokenId: token_id }.abi_encode());
        let key = self._view(&core_abi::btnsKeyOfCall { tokenId: token_id }.abi_encode());
        let (Some(usage), Some(key)) = (usage, key) else {
            return Err(missing());
        };
        let word = |i: usize| answer_u64(&usage, i).ok_or_else(missing);
        let token = Token {
            id,
            quota_bytes: word(0)?,
            upload_limit: u32::try_from(word(1)?).map_err(|_| missing())?,
            used_bytes: word(2)?,
            upload_count: u32::try_from(word(3)?).map_err(|_| missing())?,
            last_synced_at: word(4)?,
            btns_key: answer_bytes(&key).ok_or_else(missing)?,
        };
        Ok(metadata::token_uri(&token))
    }

    /// The core program whose tokens this renders.
    pub fn core(&self) -> Address {
        self.core.get()
    }
}

impl PxRenderer {
    /// Static-calls the core; `None` if it reverts.
    fn _view(&self, call_data: &[u8]) -> Option<Vec<u8>> {
        static_call(self.vm(), Call::new(), self.core.get(), call_data).ok()
    }
}

/// ABI word `index` of an answer as a `uint64` (its low 8 bytes; the core answers canonical
/// ABI, so the high bytes are zero).
fn answer_u64(answer: &[u8], index: usize) -> Option<u64> {
    let word = answer.get(index * 32 + 24..index * 32 + 32)?;
    Some(u64::from_be_bytes(word.try_into().ok()?))
}

/// The `bytes` an answer returns (offset, length, data), at most a BTNS key's 64 bytes.
fn answer_bytes(answer: &[u8]) -> Option<&[u8]> {
    let offset = usize::try_from(answer_u64(answer, 0)?).ok()?;
    let length = usize::try_from(answer_u64(answer.get(offset..)?, 0)?).ok()?;
    if length > text::BASE58_MAX_INPUT {
        return None;
    }
    answer.get(offset + 32..offset + 32 + length)
}
