//! The Solidity interfaces of the system contracts this chain implements, as callers see them
//! (the function signatures cargo-stylus and the PX tools use): the one definition in `abi/`
//! (`px_abi::arbitrum`), and for the Stylus parts `abi/` leaves out (ArbWasm's parameter views,
//! `ArbWasmCache`, `CacheManager`) this crate's `abi/arbitrum-stylus.sol`, which px-deploy
//! reads too. Only the ABI comes from there; the behaviour is this crate's own.

pub use px_abi::arbitrum::{ArbOwnerPublic, ArbSys, ArbWasm, StylusDeployer};

mod stylus {
    #![allow(missing_docs)]
    alloy::sol!(
        #[sol(all_derives)]
        "abi/arbitrum-stylus.sol"
    );
}
pub use stylus::{ArbWasmCache, ArbWasmParams, CacheManager};
