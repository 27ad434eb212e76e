//! Arbitrum's rules for Stylus programs, as nitro implements them, in one place for the three
//! tools that must agree on them: `cargo xtask wasm` (the size gate in CI), `px-deploy` (what it
//! puts on chain) and `px-devnet` (what its activation accepts and what a call costs).
//!
//! - [`arbos`]: the Stylus parameters of each ArbOS version (limits, prices, fragments);
//! - [`hostio`]: the host functions a program may import;
//! - [`code`]: how a program is stored (prefix + brotli; ArbOS 61's root + fragments) and read;
//! - [`package`]: how cargo-stylus packages a module (one program, or fragments and a root);
//! - [`activation`]: what activation checks in a module;
//! - [`costs`]: the init costs nitro predicts at activation, and the start-up and memory gas.
//!
//! Everything here is read from nitro's source (v3.10, the release carrying ArbOS 60's Stylus
//! rules, which ArbOS 61 keeps) and from cargo-stylus 0.10.10; each module names its sources.
//! No EVM and no WASM engine: only `wasmparser` and the C brotli encoder cargo-stylus uses.

pub mod activation;
pub mod arbos;
pub mod code;
pub mod costs;
pub mod hostio;
pub mod package;
pub mod testing;

pub use activation::{ActivationError, Module};
pub use arbos::StylusParams;
pub use code::CodeError;
