//! A local Arbitrum Stylus chain: EVM bytecode on revm and Stylus WASM on wasmi in one state.
//!
//! # Layout
//! - [`chain`]: the chain tests and the server use: state, automined blocks, receipts, logs,
//!   calls and gas estimates, time travel, snapshots.
//! - [`config`]: the server's command line.
//! - [`stylus`]: the on-chain program format, activation checks, pricing, the WASM runtime and
//!   its `vm_hooks` host functions.
//! - [`evm`]: revm's EVM wrapped so that frames run as EVM, WASM or Rust system contracts on one
//!   frame stack and journal.
//! - [`rpc`]: the JSON-RPC server over a shared chain.
//! - [`system`]: `ArbWasm`, `ArbOwnerPublic`, `ArbSys` and `StylusDeployer`.

pub mod chain;
pub mod config;
pub mod evm;
pub mod rpc;
pub mod stylus;
pub mod system;
