//! The Solidity interfaces of the system contracts this chain implements, as callers see them
//! (the function signatures cargo-stylus and the PX tools use): the one definition in `abi/`
//! (`px_abi::arbitrum`). Only the ABI comes from there; the behaviour is this crate's own.

pub use px_abi::arbitrum::{ArbOwnerPublic, ArbSys, ArbWasm, StylusDeployer};
