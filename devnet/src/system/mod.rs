//! Arbitrum's system contracts, as far as Stylus needs them, written in Rust:
//!
//! - [`arb_wasm`]: `ArbWasm` at `0x…71`, activation and program queries (a precompile);
//! - [`arb_wasm_cache`]: `ArbWasmCache` at `0x…72` (a precompile) and the `CacheManager`
//!   contract the chain starts with;
//! - [`programs`]: the record of activated programs both read and write;
//! - [`arb_misc`]: `ArbOwnerPublic` (`0x…6b`) and `ArbSys` (`0x…64`) getters (precompiles);
//! - [`deployer`]: `StylusDeployer`, which deploys, activates and runs a constructor in one
//!   transaction (a frame-level system contract: it makes nested calls).
//!
//! Each address holds the one-byte code `0xFE`, as Arbitrum's precompiles do, so that
//! `extcodesize` checks in Solidity callers pass.

pub mod abi;
pub mod arb_misc;
pub mod arb_wasm;
pub mod arb_wasm_cache;
pub mod deployer;
pub mod programs;

use revm::{
    bytecode::Bytecode,
    interpreter::{CallInputs, Gas, InstructionResult, InterpreterResult},
    primitives::{Address, Bytes, address},
};

use crate::{
    evm::{Ctx, StylusEvm},
    stylus::Runtime,
};

/// `ArbSys`.
pub const ARB_SYS: Address = address!("0x0000000000000000000000000000000000000064");
/// `ArbOwnerPublic`.
pub const ARB_OWNER_PUBLIC: Address = address!("0x000000000000000000000000000000000000006b");
/// `ArbWasm`, and `StylusDeployer` at the address cargo-stylus 0.10 uses by default.
pub use px_abi::arbitrum::{ARB_WASM, STYLUS_DEPLOYER};
/// Where activation data fees go.
pub const NETWORK_FEE_ACCOUNT: Address = address!("0x00000000000000000000000000000000000a4b05");

pub use arb_wasm_cache::{ARB_WASM_CACHE, CACHE_MANAGER};

/// The system contracts that are precompiles (no nested frames).
pub const PRECOMPILES: [Address; 4] = [ARB_SYS, ARB_OWNER_PUBLIC, ARB_WASM, ARB_WASM_CACHE];

/// Whether calls to `address` run as a frame-level system contract.
pub fn is_frame_system(address: Address) -> bool {
    address == STYLUS_DEPLOYER
}

/// The code every system address holds.
pub fn placeholder_code() -> Bytecode {
    Bytecode::new_raw(Bytes::from_static(&[0xFE]))
}

/// All system addresses, for genesis.
pub fn addresses() -> [Address; 5] {
    [ARB_SYS, ARB_OWNER_PUBLIC, ARB_WASM, ARB_WASM_CACHE, STYLUS_DEPLOYER]
}

/// Runs a call to an Arbitrum precompile, or returns `None` for any other address.
pub fn run_precompile(
    ctx: &mut Ctx,
    inputs: &CallInputs,
    runtime: &Runtime,
) -> Option<InterpreterResult> {
    let input = inputs.input.bytes(ctx);
    let outcome = match inputs.bytecode_address {
        ARB_WASM => arb_wasm::run(ctx, inputs, &input, runtime),
        ARB_WASM_CACHE => arb_wasm_cache::run(ctx, inputs, &input, runtime),
        ARB_OWNER_PUBLIC => arb_misc::run_owner_public(inputs, &input, runtime),
        ARB_SYS => arb_misc::run_sys(ctx, inputs, &input, runtime),
        _ => return None,
    };
    Some(outcome.into_result(inputs.gas_limit))
}

/// Runs the frame-level system contract on top of the stack.
pub fn run_top_frame(evm: &mut StylusEvm) -> InterpreterResult {
    deployer::run(evm)
}

/// How a system call ended, before gas is settled.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// Success, revert or a halt.
    pub(crate) status: InstructionResult,
    /// Return or revert data.
    pub(crate) output: Bytes,
    /// Gas the call used.
    pub(crate) gas_used: u64,
}

impl Outcome {
    /// Success with `output`, costing `gas_used`.
    pub(crate) fn ok(output: impl Into<Bytes>, gas_used: u64) -> Self {
        Self { status: InstructionResult::Return, output: output.into(), gas_used }
    }

    /// A revert with `data`, costing `gas_used`.
    pub(crate) fn revert(data: impl Into<Bytes>, gas_used: u64) -> Self {
        Self { status: InstructionResult::Revert, output: data.into(), gas_used }
    }

    /// Out of gas: the call's gas is consumed.
    pub(crate) fn out_of_gas() -> Self {
        Self { status: InstructionResult::OutOfGas, output: Bytes::new(), gas_used: u64::MAX }
    }

    /// A revert with Solidity's `Error(string)`.
    pub(crate) fn revert_msg(message: &str, gas_used: u64) -> Self {
        use alloy::sol_types::{Revert, SolError};
        Self::revert(Revert::from(message).abi_encode(), gas_used)
    }

    /// The interpreter result for a frame given `gas_limit`; running out of gas consumes it.
    pub(crate) fn into_result(self, gas_limit: u64) -> InterpreterResult {
        let mut gas = Gas::new(gas_limit);
        if self.gas_used > gas_limit || self.status == InstructionResult::OutOfGas {
            gas.spend_all();
            return InterpreterResult::new(InstructionResult::OutOfGas, Bytes::new(), gas);
        }
        let charged = gas.record_regular_cost(self.gas_used);
        debug_assert!(charged, "checked against the limit");
        InterpreterResult::new(self.status, self.output, gas)
    }
}
