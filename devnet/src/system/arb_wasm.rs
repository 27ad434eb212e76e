//! `ArbWasm`: activation of Stylus programs and queries about them.
//!
//! Activation is per code hash, as on Arbitrum: a second contract with the same code is active
//! at once. The record of an activated code hash lives in `ArbWasm`'s own storage (slot = the
//! code hash), so activation is journaled like any state change: it rolls back with a
//! reverting transaction, and `eth_call` state overrides see it.

use alloy::sol_types::{SolCall, SolError, SolEvent, SolInterface};
use revm::{
    context::{Block, ContextTr, JournalTr},
    interpreter::CallInputs,
    primitives::{Address, B256, Bytes, Log, U256, keccak256},
};

use super::{
    ARB_WASM, NETWORK_FEE_ACCOUNT, Outcome,
    abi::ArbWasm::{self, ArbWasmCalls},
};
use crate::{
    evm::{Ctx, infallible},
    stylus::{
        Runtime,
        activation::{self, ActivationError},
        pricing, program,
    },
};

/// The Stylus version programs are activated against.
pub const STYLUS_VERSION: u16 = 1;
/// Days after activation at which a program expires (`ArbWasm.expiryDays()`).
pub const EXPIRY_DAYS: u16 = 365;
/// Wei of data fee per byte of the uncompressed program: this chain's stand-in for Arbitrum's
/// fee on the size of the compiled program (documented as an estimate in the README).
pub const DATA_FEE_PER_BYTE: u64 = 2_000_000_000;
/// Gas for a query (an estimate: a storage read plus decoding).
const VIEW_GAS: u64 = 1_000;

/// An activated program, as stored under its code hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgramRecord {
    /// Stylus version it was activated against (0: never activated).
    pub version: u16,
    /// Initial memory pages.
    pub footprint: u16,
    /// Uncompressed size in bytes.
    pub wasm_size: u32,
    /// Block timestamp of activation.
    pub activated_at: u64,
}

impl ProgramRecord {
    fn to_word(self) -> U256 {
        let mut word = [0u8; 32];
        word[0..2].copy_from_slice(&self.version.to_be_bytes());
        word[2..4].copy_from_slice(&self.footprint.to_be_bytes());
        word[4..8].copy_from_slice(&self.wasm_size.to_be_bytes());
        word[8..16].copy_from_slice(&self.activated_at.to_be_bytes());
        U256::from_be_bytes(word)
    }

    fn from_word(word: U256) -> Self {
        let w = word.to_be_bytes::<32>();
        Self {
            version: u16::from_be_bytes([w[0], w[1]]),
            footprint: u16::from_be_bytes([w[2], w[3]]),
            wasm_size: u32::from_be_bytes([w[4], w[5], w[6], w[7]]),
            activated_at: u64::from_be_bytes(w[8..16].try_into().expect("8 bytes")),
        }
    }
}

/// Why a program may not run, as `ArbWasm`'s errors encode it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotRunnable {
    /// Never activated (or activated and rolled back).
    NotActivated,
    /// Activated against an older Stylus version.
    NeedsUpgrade(u16),
    /// Activated more than [`EXPIRY_DAYS`] ago.
    Expired(u64),
}

impl NotRunnable {
    /// The revert data Arbitrum returns for this condition.
    pub fn revert_data(&self) -> Bytes {
        match self {
            Self::NotActivated => ArbWasm::ProgramNotActivated {}.abi_encode().into(),
            Self::NeedsUpgrade(v) => {
                ArbWasm::ProgramNeedsUpgrade { version: *v, stylusVersion: STYLUS_VERSION }
                    .abi_encode()
                    .into()
            }
            Self::Expired(age) => {
                ArbWasm::ProgramExpired { ageInSeconds: *age }.abi_encode().into()
            }
        }
    }
}

/// The record of `codehash`, read through the journal.
pub fn record(ctx: &mut Ctx, codehash: B256) -> ProgramRecord {
    // The journal only reads storage of loaded accounts.
    infallible(ctx.journal_mut().load_account(ARB_WASM));
    let word = infallible(ctx.journal_mut().sload(ARB_WASM, codehash.into())).data;
    ProgramRecord::from_word(word)
}

/// Whether the program with `codehash` may run now.
pub fn runnable(ctx: &mut Ctx, codehash: B256) -> Result<ProgramRecord, NotRunnable> {
    let now: u64 = ctx.block().timestamp().saturating_to();
    check_runnable(record(ctx, codehash), now)
}

fn check_runnable(rec: ProgramRecord, now: u64) -> Result<ProgramRecord, NotRunnable> {
    if rec.version == 0 {
        return Err(NotRunnable::NotActivated);
    }
    if rec.version != STYLUS_VERSION {
        return Err(NotRunnable::NeedsUpgrade(rec.version));
    }
    let age = now.saturating_sub(rec.activated_at);
    if age > u64::from(EXPIRY_DAYS) * 86_400 {
        return Err(NotRunnable::Expired(age));
    }
    Ok(rec)
}

/// The data fee for a program of `wasm_size` bytes.
pub fn data_fee(wasm_size: usize) -> U256 {
    U256::from(wasm_size as u64) * U256::from(DATA_FEE_PER_BYTE)
}

/// Runs a call to `ArbWasm`.
pub(crate) fn run(ctx: &mut Ctx, inputs: &CallInputs, input: &[u8], rt: &Runtime) -> Outcome {
    let Ok(call) = ArbWasmCalls::abi_decode(input) else {
        return Outcome::revert_msg("ArbWasm: unknown or malformed call", VIEW_GAS);
    };
    let value = inputs.call_value();
    let payable =
        matches!(call, ArbWasmCalls::activateProgram(_) | ArbWasmCalls::codehashKeepalive(_));
    if !payable && !value.is_zero() {
        return Outcome::revert_msg("ArbWasm: function is not payable", VIEW_GAS);
    }
    let now: u64 = ctx.block().timestamp().saturating_to();
    match call {
        ArbWasmCalls::activateProgram(c) => activate(ctx, inputs, c.program, rt),
        ArbWasmCalls::stylusVersion(_) => {
            ok(&ArbWasm::stylusVersionCall::abi_encode_returns(&STYLUS_VERSION))
        }
        ArbWasmCalls::codehashVersion(c) => query(ctx, c.codehash, now, |r| {
            ArbWasm::codehashVersionCall::abi_encode_returns(&r.version)
        }),
        ArbWasmCalls::codehashAsmSize(c) => query(ctx, c.codehash, now, |r| {
            ArbWasm::codehashAsmSizeCall::abi_encode_returns(&r.wasm_size)
        }),
        ArbWasmCalls::programVersion(c) => program_query(ctx, c.program, now, |r| {
            ArbWasm::programVersionCall::abi_encode_returns(&r.version)
        }),
        ArbWasmCalls::programInitGas(c) => program_query(ctx, c.program, now, |_| {
            ArbWasm::programInitGasCall::abi_encode_returns(&ArbWasm::programInitGasReturn {
                gas: pricing::MIN_INIT_GAS,
                gasWhenCached: pricing::MIN_CACHED_INIT_GAS,
            })
        }),
        ArbWasmCalls::programMemoryFootprint(c) => program_query(ctx, c.program, now, |r| {
            ArbWasm::programMemoryFootprintCall::abi_encode_returns(&r.footprint)
        }),
        ArbWasmCalls::programTimeLeft(c) => program_query(ctx, c.program, now, |r| {
            let expiry = r.activated_at + u64::from(EXPIRY_DAYS) * 86_400;
            ArbWasm::programTimeLeftCall::abi_encode_returns(&expiry.saturating_sub(now))
        }),
        ArbWasmCalls::inkPrice(_) => {
            let price = u32::try_from(pricing::INK_PER_GAS).expect("fits");
            ok(&ArbWasm::inkPriceCall::abi_encode_returns(&price))
        }
        ArbWasmCalls::freePages(_) => {
            let pages = u16::try_from(pricing::FREE_PAGES).expect("fits");
            ok(&ArbWasm::freePagesCall::abi_encode_returns(&pages))
        }
        ArbWasmCalls::pageGas(_) => {
            let gas = u16::try_from(pricing::PAGE_GAS).expect("fits");
            ok(&ArbWasm::pageGasCall::abi_encode_returns(&gas))
        }
        ArbWasmCalls::pageLimit(_) => {
            let limit = u16::try_from(pricing::PAGE_LIMIT).expect("fits");
            ok(&ArbWasm::pageLimitCall::abi_encode_returns(&limit))
        }
        ArbWasmCalls::expiryDays(_) => {
            ok(&ArbWasm::expiryDaysCall::abi_encode_returns(&EXPIRY_DAYS))
        }
        // Keepalive is not modelled: programs here expire and are activated again instead.
        ArbWasmCalls::codehashKeepalive(_) | ArbWasmCalls::keepaliveDays(_) => {
            Outcome::revert_msg("ArbWasm: keepalive is not implemented by px-devnet", VIEW_GAS)
        }
    }
}

fn ok(data: &[u8]) -> Outcome {
    Outcome::ok(Bytes::copy_from_slice(data), VIEW_GAS)
}

fn query(
    ctx: &mut Ctx,
    codehash: B256,
    now: u64,
    encode: impl FnOnce(ProgramRecord) -> Vec<u8>,
) -> Outcome {
    match check_runnable(record(ctx, codehash), now) {
        Ok(rec) => ok(&encode(rec)),
        Err(why) => Outcome::revert(why.revert_data(), VIEW_GAS),
    }
}

fn program_query(
    ctx: &mut Ctx,
    program: Address,
    now: u64,
    encode: impl FnOnce(ProgramRecord) -> Vec<u8>,
) -> Outcome {
    let code = infallible(ctx.journal_mut().code(program));
    if !program::is_stylus(&code.data) {
        return Outcome::revert(ArbWasm::ProgramNotWasm {}.abi_encode(), VIEW_GAS);
    }
    query(ctx, keccak256(&code.data), now, encode)
}

/// `activateProgram(program)`: checks the code at `program` as Arbitrum does, compiles it,
/// takes the data fee from the call's value (the rest goes back to the caller without an EVM
/// call, as on Arbitrum) and records the code hash as active.
fn activate(ctx: &mut Ctx, inputs: &CallInputs, program: Address, rt: &Runtime) -> Outcome {
    let gas = pricing::ACTIVATION_GAS;
    let code = infallible(ctx.journal_mut().code(program)).data;
    if !program::is_stylus(&code) {
        return Outcome::revert(ArbWasm::ProgramNotWasm {}.abi_encode(), gas);
    }
    let codehash = keccak256(&code);
    let now: u64 = ctx.block().timestamp().saturating_to();
    if check_runnable(record(ctx, codehash), now).is_ok() {
        return Outcome::revert(ArbWasm::ProgramUpToDate {}.abi_encode(), gas);
    }
    let info = match activation::check_code(&code, rt.debug()).and_then(|info| {
        rt.compile(codehash, &info.wasm).map_err(ActivationError::Invalid)?;
        Ok(info)
    }) {
        Ok(info) => info,
        Err(e) => return Outcome::revert_msg(&format!("activation failed: {e}"), gas),
    };
    let fee = data_fee(info.wasm.len());
    let value = inputs.call_value();
    if value < fee {
        let err = ArbWasm::ProgramInsufficientValue { have: value, want: fee };
        return Outcome::revert(err.abi_encode(), gas);
    }
    if let Err(why) = pay(ctx, inputs.caller, fee, value - fee) {
        return Outcome::revert_msg(&why, gas);
    }
    let rec = ProgramRecord {
        version: STYLUS_VERSION,
        footprint: info.footprint,
        wasm_size: u32::try_from(info.wasm.len()).expect("below the size limit"),
        activated_at: now,
    };
    infallible(ctx.journal_mut().load_account(ARB_WASM));
    infallible(ctx.journal_mut().sstore(ARB_WASM, codehash.into(), rec.to_word()));
    let event = ArbWasm::ProgramActivated {
        codehash,
        moduleHash: keccak256(&info.wasm),
        program,
        dataFee: fee,
        version: STYLUS_VERSION,
    };
    ctx.journal_mut().log(Log { address: ARB_WASM, data: event.encode_log_data() });
    let ret = ArbWasm::activateProgramReturn { version: STYLUS_VERSION, dataFee: fee };
    Outcome::ok(ArbWasm::activateProgramCall::abi_encode_returns(&ret), gas)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_round_trips_through_a_word() {
        let rec = ProgramRecord { version: 1, footprint: 3, wasm_size: 59_189, activated_at: 7 };
        assert_eq!(ProgramRecord::from_word(rec.to_word()), rec);
    }

    #[test]
    fn a_fresh_record_is_not_activated() {
        assert_eq!(
            check_runnable(ProgramRecord::from_word(U256::ZERO), 0),
            Err(NotRunnable::NotActivated)
        );
    }

    #[test]
    fn a_program_expires_after_a_year() {
        let rec = ProgramRecord { version: 1, footprint: 1, wasm_size: 1, activated_at: 0 };
        assert!(check_runnable(rec, 365 * 86_400).is_ok());
        assert_eq!(
            check_runnable(rec, 365 * 86_400 + 1),
            Err(NotRunnable::Expired(365 * 86_400 + 1))
        );
    }

    #[test]
    fn an_older_version_needs_an_upgrade() {
        let rec = ProgramRecord { version: 9, footprint: 1, wasm_size: 1, activated_at: 0 };
        assert_eq!(check_runnable(rec, 0), Err(NotRunnable::NeedsUpgrade(9)));
    }
}
