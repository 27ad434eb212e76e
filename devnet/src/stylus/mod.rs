//! Stylus programs on this chain: their on-chain format and activation checks (`stylus-rules`,
//! with the chain's ArbOS version), what their execution costs, and how a call into one runs
//! (a fresh wasmi store and instance per call frame, host functions with EVM semantics).

pub mod activation;
mod host;
mod hostio;
pub mod pricing;
pub mod program;
mod runtime;

pub use runtime::Runtime;
pub(crate) use runtime::run_top_frame;
