//! Calls and creates made by Rust code on behalf of a running frame (a Stylus program's host
//! I/O or a system contract), priced as the EVM's `CALL`/`DELEGATECALL`/`STATICCALL`/
//! `CREATE`/`CREATE2` opcodes: account access (EIP-2929), value transfer and new-account
//! surcharges, the 63/64 rule, the 2,300 gas stipend, init-code metering (EIP-3860).

use revm::{
    context::{Cfg, ContextTr, CreateScheme},
    handler::FrameResult,
    interpreter::{
        CallInput, CallInputs, CallScheme, CallValue, CreateInputs, FrameInput,
        instructions::contract::load_account_delegated,
    },
    primitives::{Address, Bytes, U256, hardfork::SpecId},
};

use super::{FrameError, StylusEvm};

/// How a call addresses its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// `CALL`: the target's code in the target's context, with a value.
    Call,
    /// `DELEGATECALL`: the target's code in the caller's context.
    Delegate,
    /// `STATICCALL`: like `CALL` without value, state changes forbidden.
    Static,
}

/// A call to make from the running frame.
#[derive(Debug, Clone)]
pub struct CallRequest {
    /// How to call.
    pub kind: CallKind,
    /// The running contract (the caller of a `CALL`, the context of a `DELEGATECALL`).
    pub contract: Address,
    /// The running frame's own caller (kept as `msg.sender` by a `DELEGATECALL`).
    pub frame_caller: Address,
    /// The running frame's value (kept as `msg.value` by a `DELEGATECALL`).
    pub frame_value: U256,
    /// Whether the running frame is static.
    pub frame_static: bool,
    /// The code to run.
    pub target: Address,
    /// Value to send (`CALL` only).
    pub value: U256,
    /// Calldata.
    pub data: Bytes,
    /// Gas requested; `u64::MAX` for "all allowed".
    pub gas: u64,
}

/// How a nested call or create ended.
#[derive(Debug, Clone)]
pub struct Nested {
    /// Whether it succeeded.
    pub success: bool,
    /// Return data (revert data for a failed call or create).
    pub output: Bytes,
    /// Gas refund (SSTORE clears) it accumulated, to add to the caller's on success.
    pub refund: i64,
    /// The created address, for a successful create.
    pub created: Option<Address>,
}

/// Not enough gas to pay for the call or create itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfGas;

impl StylusEvm {
    /// Makes `req`, charging its cost from `gas_left` and giving back what the callee did not use.
    pub(crate) fn call(
        &mut self,
        req: &CallRequest,
        gas_left: &mut u64,
    ) -> Result<Result<Nested, OutOfGas>, FrameError> {
        let ctx = &mut self.inner.ctx;
        let spec: SpecId = *ctx.cfg().spec();
        let params = ctx.cfg().gas_params().clone();
        let transfers = req.kind == CallKind::Call && !req.value.is_zero();
        let mut cost = params.warm_storage_read_cost();
        if transfers {
            cost += params.transfer_value_cost();
        }
        let remaining = gas_left.saturating_sub(cost);
        let Ok((load_cost, _, bytecode, hash)) = load_account_delegated(
            ctx,
            spec,
            remaining,
            req.target,
            transfers,
            req.kind == CallKind::Call,
        ) else {
            return Ok(Err(OutOfGas));
        };
        cost += load_cost;
        if cost > *gas_left {
            return Ok(Err(OutOfGas));
        }
        *gas_left -= cost;
        let mut limit = params.call_stipend_reduction(*gas_left).min(req.gas);
        *gas_left -= limit;
        if transfers {
            limit += params.call_stipend();
        }
        let (target_address, caller, value, scheme) = match req.kind {
            CallKind::Call => {
                (req.target, req.contract, CallValue::Transfer(req.value), CallScheme::Call)
            }
            CallKind::Static => {
                (req.target, req.contract, CallValue::Transfer(U256::ZERO), CallScheme::StaticCall)
            }
            CallKind::Delegate => (
                req.contract,
                req.frame_caller,
                CallValue::Apparent(req.frame_value),
                CallScheme::DelegateCall,
            ),
        };
        let inputs = CallInputs {
            input: CallInput::Bytes(req.data.clone()),
            return_memory_offset: 0..0,
            gas_limit: limit,
            reservoir: 0,
            bytecode_address: req.target,
            known_bytecode: (hash, bytecode),
            target_address,
            caller,
            value,
            scheme,
            is_static: req.frame_static || req.kind == CallKind::Static,
            charged_new_account_state_gas: false,
        };
        let outcome = match self.run_child(FrameInput::Call(Box::new(inputs)))? {
            FrameResult::Call(outcome) => outcome,
            FrameResult::Create(_) => unreachable!("a call frame returns a call outcome"),
        };
        Ok(Ok(settle(
            outcome.result.result,
            &outcome.result.gas,
            outcome.result.output,
            None,
            gas_left,
        )))
    }

    /// Deploys `code` from `contract` with `value`, by `CREATE` or, with a salt, `CREATE2`.
    pub(crate) fn create(
        &mut self,
        contract: Address,
        value: U256,
        code: Bytes,
        salt: Option<U256>,
        gas_left: &mut u64,
    ) -> Result<Result<Nested, OutOfGas>, FrameError> {
        let ctx = &mut self.inner.ctx;
        let params = ctx.cfg().gas_params().clone();
        let failed = Nested { success: false, output: Bytes::new(), refund: 0, created: None };
        if code.len() > ctx.cfg().max_initcode_size() {
            // EIP-3860: an oversized init code halts the creating frame.
            return Ok(Err(OutOfGas));
        }
        let mut cost = params.initcode_cost(code.len());
        let scheme = if let Some(salt) = salt {
            cost += params.create2_cost(code.len());
            CreateScheme::Create2 { salt }
        } else {
            cost += params.create_cost();
            CreateScheme::Create
        };
        if cost > *gas_left {
            return Ok(Err(OutOfGas));
        }
        *gas_left -= cost;
        let limit = params.call_stipend_reduction(*gas_left);
        *gas_left -= limit;
        let inputs = CreateInputs::new(contract, scheme, value, code, limit, 0);
        let outcome = match self.run_child(FrameInput::Create(Box::new(inputs)))? {
            FrameResult::Create(outcome) => outcome,
            FrameResult::Call(_) => unreachable!("a create frame returns a create outcome"),
        };
        let created = outcome.address;
        let nested = settle(
            outcome.result.result,
            &outcome.result.gas,
            outcome.result.output,
            created,
            gas_left,
        );
        Ok(Ok(if nested.success { nested } else { Nested { output: nested.output, ..failed } }))
    }
}

/// Gives the child's unused gas back (unless it halted) and reads its result.
fn settle(
    result: revm::interpreter::InstructionResult,
    gas: &revm::interpreter::Gas,
    output: Bytes,
    created: Option<Address>,
    gas_left: &mut u64,
) -> Nested {
    if result.is_ok_or_revert() {
        *gas_left += gas.remaining();
    }
    let success = result.is_ok();
    Nested {
        success,
        // Return data after a create is only kept when it reverted (as the EVM does).
        output: if created.is_some() && success { Bytes::new() } else { output },
        refund: if success { gas.refunded() } else { 0 },
        created: if success { created } else { None },
    }
}
