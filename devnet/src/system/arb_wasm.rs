//! `ArbWasm`: activation of Stylus programs and queries about them, with nitro's rules for the
//! chain's ArbOS version (`precompiles/ArbWasm.go`, `arbos/programs/programs.go`).
//!
//! Activation is per code hash, as on Arbitrum: a second contract with the same code is active
//! at once. A root (ArbOS 60 on) is activated at its own address; its fragments are read, paid
//! for (an account access and a copy each) and reassembled first.

use alloy::sol_types::{SolCall, SolError, SolEvent, SolInterface};
use revm::{
    context::{ContextTr, JournalTr},
    interpreter::CallInputs,
    primitives::{Address, B256, Bytes, Log, U256, keccak256},
};
use stylus_rules::{
    StylusParams,
    activation::{self},
    arbos::{
        ACTIVATION_FIXED_GAS, COST_SCALAR_PERCENT, MAX_CODE_SIZE, MIN_CACHED_GAS_UNITS,
        MIN_INIT_GAS_UNITS, hours_since_arbitrum,
    },
    code::{self, CodeError, Purpose},
    costs,
};

use super::{
    ARB_WASM, NETWORK_FEE_ACCOUNT, Outcome,
    abi::{
        ArbWasm::{self, ArbWasmCalls},
        ArbWasmParams::{self, ArbWasmParamsCalls},
    },
    programs::{self, ProgramRecord},
};
use crate::{
    evm::{Ctx, infallible},
    stylus::Runtime,
};

/// Wei of data fee per byte of the uncompressed program: this chain's stand-in for Arbitrum's
/// data pricer (documented as an estimate in the README).
pub const DATA_FEE_PER_BYTE: u64 = 2_000_000_000;
/// Gas for a query (an estimate: a storage read plus decoding).
const VIEW_GAS: u64 = 1_000;

/// The data fee for a program of `wasm_size` bytes.
pub fn data_fee(wasm_size: usize) -> U256 {
    U256::from(wasm_size as u64) * U256::from(DATA_FEE_PER_BYTE)
}

/// Runs a call to `ArbWasm`.
pub(crate) fn run(ctx: &mut Ctx, inputs: &CallInputs, input: &[u8], rt: &Runtime) -> Outcome {
    let params = rt.params();
    if let Ok(call) = ArbWasmParamsCalls::abi_decode(input) {
        return parameter(&call, params, &inputs.call_value());
    }
    let Ok(call) = ArbWasmCalls::abi_decode(input) else {
        return Outcome::revert_msg("ArbWasm: unknown or malformed call", VIEW_GAS);
    };
    let value = inputs.call_value();
    let payable =
        matches!(call, ArbWasmCalls::activateProgram(_) | ArbWasmCalls::codehashKeepalive(_));
    if !payable && !value.is_zero() {
        return Outcome::revert_msg("ArbWasm: function is not payable", VIEW_GAS);
    }
    let now = programs::now(ctx);
    match call {
        ArbWasmCalls::activateProgram(c) => activate(ctx, inputs, c.program, rt),
        ArbWasmCalls::stylusVersion(_) => {
            ok(&ArbWasm::stylusVersionCall::abi_encode_returns(&params.version))
        }
        ArbWasmCalls::codehashVersion(c) => query(ctx, c.codehash, params, now, |r| {
            ArbWasm::codehashVersionCall::abi_encode_returns(&r.version)
        }),
        ArbWasmCalls::codehashAsmSize(c) => query(ctx, c.codehash, params, now, |r| {
            ArbWasm::codehashAsmSizeCall::abi_encode_returns(&r.asm_size())
        }),
        ArbWasmCalls::programVersion(c) => program_query(ctx, c.program, params, now, |r| {
            ArbWasm::programVersionCall::abi_encode_returns(&r.version)
        }),
        ArbWasmCalls::programInitGas(c) => program_query(ctx, c.program, params, now, |r| {
            let (gas, cached) = r.init_gas(params);
            ArbWasm::programInitGasCall::abi_encode_returns(&ArbWasm::programInitGasReturn {
                gas,
                gasWhenCached: cached,
            })
        }),
        ArbWasmCalls::programMemoryFootprint(c) => {
            program_query(ctx, c.program, params, now, |r| {
                ArbWasm::programMemoryFootprintCall::abi_encode_returns(&r.footprint)
            })
        }
        ArbWasmCalls::programTimeLeft(c) => program_query(ctx, c.program, params, now, |r| {
            let left = params.expiry_seconds().saturating_sub(r.age(now));
            ArbWasm::programTimeLeftCall::abi_encode_returns(&left)
        }),
        ArbWasmCalls::inkPrice(_) => {
            ok(&ArbWasm::inkPriceCall::abi_encode_returns(&params.ink_price))
        }
        ArbWasmCalls::freePages(_) => {
            ok(&ArbWasm::freePagesCall::abi_encode_returns(&params.free_pages))
        }
        ArbWasmCalls::pageGas(_) => ok(&ArbWasm::pageGasCall::abi_encode_returns(&params.page_gas)),
        ArbWasmCalls::pageLimit(_) => {
            ok(&ArbWasm::pageLimitCall::abi_encode_returns(&params.page_limit))
        }
        ArbWasmCalls::expiryDays(_) => {
            ok(&ArbWasm::expiryDaysCall::abi_encode_returns(&params.expiry_days))
        }
        ArbWasmCalls::keepaliveDays(_) => {
            ok(&ArbWasm::keepaliveDaysCall::abi_encode_returns(&params.keepalive_days))
        }
        ArbWasmCalls::codehashKeepalive(c) => keepalive(ctx, inputs, c.codehash, params),
    }
}

/// The parameter views `abi/arbitrum.sol` leaves out.
fn parameter(call: &ArbWasmParamsCalls, params: &StylusParams, value: &U256) -> Outcome {
    if !value.is_zero() {
        return Outcome::revert_msg("ArbWasm: function is not payable", VIEW_GAS);
    }
    let out = match call {
        ArbWasmParamsCalls::maxStackDepth(_) => {
            ArbWasmParams::maxStackDepthCall::abi_encode_returns(&params.max_stack_depth)
        }
        ArbWasmParamsCalls::pageRamp(_) => {
            ArbWasmParams::pageRampCall::abi_encode_returns(&params.page_ramp)
        }
        // Not offered before ArbOS 32: a revert without data, as nitro's `vm.ErrExecutionReverted`.
        ArbWasmParamsCalls::minInitGas(_) if !params.charging_fixes() => {
            return Outcome::revert(Bytes::new(), VIEW_GAS);
        }
        ArbWasmParamsCalls::minInitGas(_) => {
            ArbWasmParams::minInitGasCall::abi_encode_returns(&ArbWasmParams::minInitGasReturn {
                gas: u64::from(params.min_init_gas) * MIN_INIT_GAS_UNITS,
                cached: u64::from(params.min_cached_init_gas) * MIN_CACHED_GAS_UNITS,
            })
        }
        ArbWasmParamsCalls::initCostScalar(_) => {
            let percent = u64::from(params.init_cost_scalar) * COST_SCALAR_PERCENT;
            ArbWasmParams::initCostScalarCall::abi_encode_returns(&percent)
        }
        ArbWasmParamsCalls::blockCacheSize(_) => {
            ArbWasmParams::blockCacheSizeCall::abi_encode_returns(&params.block_cache_size)
        }
        ArbWasmParamsCalls::activationGas(_) => {
            ArbWasmParams::activationGasCall::abi_encode_returns(&params.activation_gas)
        }
    };
    ok(&out)
}

fn ok(data: &[u8]) -> Outcome {
    Outcome::ok(Bytes::copy_from_slice(data), VIEW_GAS)
}

fn query(
    ctx: &mut Ctx,
    codehash: B256,
    params: &StylusParams,
    now: u64,
    encode: impl FnOnce(ProgramRecord) -> Vec<u8>,
) -> Outcome {
    match programs::active(programs::record(ctx, codehash), params, now) {
        Ok(rec) => ok(&encode(rec)),
        Err(why) => Outcome::revert(why.revert_data(), VIEW_GAS),
    }
}

fn program_query(
    ctx: &mut Ctx,
    program: Address,
    params: &StylusParams,
    now: u64,
    encode: impl FnOnce(ProgramRecord) -> Vec<u8>,
) -> Outcome {
    let codehash = infallible(ctx.journal_mut().code_hash(program)).data;
    query(ctx, codehash, params, now, encode)
}

/// `activateProgram(program)`: reads the program at `program` (a root's fragments too), checks
/// it as nitro does, compiles it, takes the data fee from the call's value (the rest goes back
/// to the caller without an EVM call, as on Arbitrum) and records the code hash as active.
///
/// Gas: `ActivationGas`, the fixed 1,659,168 and each fragment's read; a program that is read
/// but fails activation's checks consumes all gas, as on Arbitrum. Nitro reverts with no data
/// for its non-Solidity errors; this chain puts nitro's message in an `Error(string)`.
fn activate(ctx: &mut Ctx, inputs: &CallInputs, program: Address, rt: &Runtime) -> Outcome {
    let params = rt.params();
    let limit = inputs.gas_limit;
    let mut used = params.activation_gas + ACTIVATION_FIXED_GAS;
    if used > limit {
        return Outcome::out_of_gas();
    }
    let code = infallible(ctx.journal_mut().code(program)).data;
    let codehash = keccak256(&code);
    let now = programs::now(ctx);
    let old = programs::record(ctx, codehash);
    if programs::up_to_date(old, params, now) {
        return Outcome::revert(ArbWasm::ProgramUpToDate {}.abi_encode(), used);
    }
    let wasm = match read_program(ctx, &code, params, limit, &mut used) {
        Ok(wasm) => wasm,
        Err(CodeError::OutOfGas) => return Outcome::out_of_gas(),
        Err(CodeError::NotWasm) => {
            return Outcome::revert(ArbWasm::ProgramNotWasm {}.abi_encode(), used);
        }
        Err(e) => return Outcome::revert_msg(&format!("activation failed: {e}"), used),
    };
    let module = match activation::check(&wasm, params, params.page_limit, rt.debug())
        .map_err(|e| e.to_string())
        .and_then(|module| rt.compile(codehash, &wasm).map(|()| module))
    {
        Ok(module) => module,
        Err(e) => return Outcome::revert_msg(&format!("activation failed: {e}"), limit),
    };
    let fee = data_fee(wasm.len());
    let value = inputs.call_value();
    if value < fee {
        let err = ArbWasm::ProgramInsufficientValue { have: value, want: fee };
        return Outcome::revert(err.abi_encode(), used);
    }
    if let Err(why) = pay(ctx, inputs.caller, fee, value - fee) {
        return Outcome::revert_msg(&why, used);
    }
    let record = ProgramRecord {
        version: params.version,
        init_cost: module.costs.init,
        cached_cost: module.costs.cached_init,
        footprint: module.footprint,
        activated_hour: hours_since_arbitrum(now),
        asm_kb: costs::asm_kilobytes(module.costs.asm_estimate),
        // A cached program stays cached through a reactivation.
        cached: old.cached,
    };
    programs::store(ctx, codehash, record);
    let event = ArbWasm::ProgramActivated {
        codehash,
        moduleHash: keccak256(&wasm),
        program,
        dataFee: fee,
        version: params.version,
    };
    ctx.journal_mut().log(Log { address: ARB_WASM, data: event.encode_log_data() });
    let ret = ArbWasm::activateProgramReturn { version: params.version, dataFee: fee };
    Outcome::ok(ArbWasm::activateProgramCall::abi_encode_returns(&ret), used)
}

/// The module in `code`, reading (and paying for) a root's fragments as nitro's
/// `fragmentReadCharger` does: a fragment is read only if a full-size read could be paid.
fn read_program(
    ctx: &mut Ctx,
    code: &[u8],
    params: &StylusParams,
    limit: u64,
    used: &mut u64,
) -> Result<Vec<u8>, CodeError> {
    code::decode(code, params, Purpose::Activation, |address| {
        let address = Address::from(address);
        let warm = !infallible(ctx.journal_mut().load_account(address)).is_cold;
        if limit - *used < code::fragment_read_gas(warm, MAX_CODE_SIZE) {
            return None;
        }
        let fragment = infallible(ctx.journal_mut().code(address)).data;
        *used += code::fragment_read_gas(warm, fragment.len());
        Some(fragment.to_vec())
    })
}

/// `codehashKeepalive(codehash)`: not modelled (programs here expire and are activated again).
fn keepalive(_: &mut Ctx, _: &CallInputs, _: B256, _: &StylusParams) -> Outcome {
    Outcome::revert_msg("ArbWasm: keepalive is not implemented by px-devnet", VIEW_GAS)
}

/// Moves the fee to the network fee account and the change back to `caller`.
fn pay(ctx: &mut Ctx, caller: Address, fee: U256, change: U256) -> Result<(), String> {
    let journal = ctx.journal_mut();
    for (to, amount) in [(NETWORK_FEE_ACCOUNT, fee), (caller, change)] {
        if amount.is_zero() {
            continue;
        }
        if let Some(e) = infallible(journal.transfer(ARB_WASM, to, amount)) {
            return Err(format!("ArbWasm: fee transfer failed: {e:?}"));
        }
    }
    Ok(())
}
