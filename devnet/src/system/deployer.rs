//! `StylusDeployer`: deploys a contract, activates it when its code hash is not yet active and
//! calls its constructor, all in one transaction, with the behaviour of the contract
//! cargo-stylus targets (its documented interface): a non-zero salt selects `CREATE2` with
//! `keccak256(salt ‖ initData)`; activation is paid from `msg.value - initValue`; the
//! constructor gets `initValue`; what is left goes back to the sender; `ContractDeployed` is
//! emitted. It runs as a frame-level system contract because it makes nested calls.

use alloy::sol_types::{SolCall, SolError, SolEvent, SolInterface, decode_revert_reason};
use revm::{
    context::{ContextTr, JournalTr},
    interpreter::{CallInputs, FrameInput, Gas, InstructionResult, InterpreterResult},
    primitives::{Address, B256, Bytes, Log, U256, keccak256},
};

use super::{
    ARB_WASM, STYLUS_DEPLOYER,
    abi::{
        ArbWasm,
        StylusDeployer::{self, StylusDeployerCalls},
    },
    programs,
};
use crate::evm::{CallKind, CallRequest, FrameError, Nested, StylusEvm, infallible};

/// Gas for decoding and bookkeeping, an estimate of the Solidity contract's own work outside
/// the calls it makes.
const OVERHEAD_GAS: u64 = 5_000;
/// Gas per 32-byte word of bytecode copied to memory (the EVM's copy cost).
const COPY_GAS_PER_WORD: u64 = 3;

/// Runs the call on top of the frame stack (a call to [`STYLUS_DEPLOYER`]).
pub(crate) fn run(evm: &mut StylusEvm) -> InterpreterResult {
    let inputs = top_inputs(evm);
    let input = inputs.input.bytes(&evm.inner.ctx);
    let mut gas = inputs.gas_limit;
    let status = match StylusDeployerCalls::abi_decode(&input) {
        Ok(StylusDeployerCalls::deploy(call)) => deploy(evm, &inputs, &call, &mut gas),
        Ok(StylusDeployerCalls::initSalt(call)) => Ok(Bytes::from(
            StylusDeployer::initSaltCall::abi_encode_returns(&init_salt(call.salt, &call.initData)),
        )),
        Ok(StylusDeployerCalls::requiresActivation(call)) => {
            let needs = requires_activation(evm, call.addr);
            Ok(StylusDeployer::requiresActivationCall::abi_encode_returns(&needs).into())
        }
        Err(_) => Err(Stop::Revert(Bytes::new())),
    };
    let limit = inputs.gas_limit;
    let mut meter = Gas::new(limit);
    let (result, output) = match status {
        Ok(out) => (InstructionResult::Return, out),
        Err(Stop::Revert(data)) => (InstructionResult::Revert, data),
        Err(Stop::OutOfGas) => {
            meter.spend_all();
            return InterpreterResult::new(InstructionResult::OutOfGas, Bytes::new(), meter);
        }
    };
    let charged = meter.record_regular_cost(limit - gas);
    debug_assert!(charged);
    InterpreterResult::new(result, output, meter)
}

fn top_inputs(evm: &mut StylusEvm) -> CallInputs {
    match &evm.inner.frame_stack.get().input {
        FrameInput::Call(inputs) => (**inputs).clone(),
        _ => unreachable!("system contracts are only called"),
    }
}

/// How the deployer stops early.
enum Stop {
    Revert(Bytes),
    OutOfGas,
}

fn revert(err: &impl SolError) -> Stop {
    Stop::Revert(err.abi_encode().into())
}

/// Solidity's checked-arithmetic failure, `Panic(0x11)`.
fn underflow() -> Stop {
    let panic = alloy::sol_types::Panic { code: U256::from(0x11) };
    Stop::Revert(panic.abi_encode().into())
}

fn charge(gas: &mut u64, cost: u64) -> Result<(), Stop> {
    *gas = gas.checked_sub(cost).ok_or(Stop::OutOfGas)?;
    Ok(())
}

/// `keccak256(abi.encodePacked(salt, initData))`.
fn init_salt(salt: B256, init_data: &[u8]) -> B256 {
    let mut packed = salt.to_vec();
    packed.extend_from_slice(init_data);
    keccak256(packed)
}

fn requires_activation(evm: &mut StylusEvm, addr: Address) -> bool {
    let ctx = &mut evm.inner.ctx;
    let hash = infallible(ctx.journal_mut().code_hash(addr)).data;
    programs::runnable(ctx, hash, evm.runtime.params()).is_err()
}

fn deploy(
    evm: &mut StylusEvm,
    inputs: &CallInputs,
    call: &StylusDeployer::deployCall,
    gas: &mut u64,
) -> Result<Bytes, Stop> {
    let words = (call.bytecode.len() as u64).div_ceil(32);
    charge(gas, OVERHEAD_GAS + COPY_GAS_PER_WORD * words)?;
    if call.bytecode.is_empty() {
        return Err(revert(&StylusDeployer::EmptyBytecode {}));
    }
    let salt = (call.salt != B256::ZERO).then(|| init_salt(call.salt, &call.initData).into());
    let created =
        nested(evm.create(STYLUS_DEPLOYER, U256::ZERO, call.bytecode.clone(), salt, gas))?;
    if !created.success {
        if !created.output.is_empty() {
            return Err(Stop::Revert(created.output));
        }
        return Err(revert(&StylusDeployer::ContractDeploymentError {
            bytecode: call.bytecode.clone(),
        }));
    }
    let address = created.created.expect("a successful create has an address");
    let msg_value = inputs.call_value();
    let mut data_fee = U256::ZERO;
    if requires_activation(evm, address) {
        let value = msg_value.checked_sub(call.initValue).ok_or_else(underflow)?;
        let activate = ArbWasm::activateProgramCall { program: address }.abi_encode();
        let out = call_from_deployer(evm, inputs, ARB_WASM, value, activate.into(), gas)?;
        if !out.success {
            return Err(Stop::Revert(out.output));
        }
        let ret = ArbWasm::activateProgramCall::abi_decode_returns(&out.output)
            .map_err(|_| Stop::Revert(Bytes::new()))?;
        data_fee = ret.dataFee;
    }
    if !call.initData.is_empty() {
        let out =
            call_from_deployer(evm, inputs, address, call.initValue, call.initData.clone(), gas)?;
        if !out.success {
            tracing::debug!(
                reason = ?decode_revert_reason(&out.output),
                "StylusDeployer: constructor reverted"
            );
            return Err(revert(&StylusDeployer::ContractInitializationError {
                newContract: address,
                data: out.output,
            }));
        }
    } else if !call.initValue.is_zero() {
        return Err(revert(&StylusDeployer::InitValueButNotInitData {}));
    }
    let change = msg_value
        .checked_sub(data_fee)
        .and_then(|v| v.checked_sub(call.initValue))
        .ok_or_else(underflow)?;
    if !change.is_zero() {
        let out = call_from_deployer(evm, inputs, inputs.caller, change, Bytes::new(), gas)?;
        if !out.success {
            return Err(revert(&StylusDeployer::RefundExcessValueError { excessValue: change }));
        }
    }
    let event = StylusDeployer::ContractDeployed { deployedContract: address };
    evm.inner
        .ctx
        .journal_mut()
        .log(Log { address: STYLUS_DEPLOYER, data: event.encode_log_data() });
    Ok(StylusDeployer::deployCall::abi_encode_returns(&address).into())
}

fn call_from_deployer(
    evm: &mut StylusEvm,
    inputs: &CallInputs,
    target: Address,
    value: U256,
    data: Bytes,
    gas: &mut u64,
) -> Result<Nested, Stop> {
    let req = CallRequest {
        kind: CallKind::Call,
        contract: STYLUS_DEPLOYER,
        frame_caller: inputs.caller,
        frame_value: inputs.call_value(),
        frame_static: inputs.is_static,
        target,
        value,
        data,
        gas: u64::MAX,
    };
    nested(evm.call(&req, gas))
}

fn nested(
    result: Result<Result<Nested, crate::evm::OutOfGas>, FrameError>,
) -> Result<Nested, Stop> {
    match result {
        Ok(Ok(nested)) => Ok(nested),
        Ok(Err(_)) => Err(Stop::OutOfGas),
        // The in-memory database cannot fail; treat the impossible as a revert.
        Err(e) => {
            tracing::error!(error = ?e, "StylusDeployer: state error");
            Err(Stop::Revert(Bytes::new()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salt_is_hashed_with_the_init_data() {
        let salt = B256::repeat_byte(1);
        let mut packed = vec![1u8; 32];
        packed.extend_from_slice(b"init");
        assert_eq!(init_salt(salt, b"init"), keccak256(packed));
    }
}
