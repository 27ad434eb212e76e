//! What `ArbWasm.activateProgram` checks in a module: `stylus-rules`' checks, with the chain's
//! ArbOS parameters (`system::arb_wasm` reads the module from state and runs them). Re-exported
//! here with the host functions the chain links, which tests build programs from.

pub use stylus_rules::{
    activation::{ActivationError, Module, check},
    hostio::{CONSOLE, VM_HOOKS},
};
