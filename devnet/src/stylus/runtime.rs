//! Running a Stylus frame: the wasmi engine, compiled programs (cached by code hash, as
//! activation is per code hash), and the lifecycle of one call: activation check, start-up
//! cost, a fresh store and instance, `user_entrypoint(len)`, and the outcome as the EVM sees
//! it.

use std::sync::{Mutex, PoisonError};

use revm::{
    interpreter::{FrameInput, Gas, InstructionResult, InterpreterResult},
    primitives::{B256, Bytes, HashMap},
};
use wasmi::{CompilationMode, Config, Engine, Module, Store, TrapCode};

use stylus_rules::{StylusParams, costs};

use super::{
    host::{self, Escape, FrameEnv, Host, StorageCache},
    hostio, pricing, program,
};
use crate::{evm::StylusEvm, system::programs};

/// The WASM engine and the programs compiled so far. One per chain, shared by all executions.
pub struct Runtime {
    engine: Engine,
    modules: Mutex<HashMap<B256, Module>>,
    params: StylusParams,
    debug: bool,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("arbos", &self.params.arbos_version)
            .field("debug", &self.debug)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// A runtime following the Stylus rules `params` (one ArbOS version's); `debug` allows the
    /// `console` host functions (as Arbitrum's debug chains do).
    pub fn new(params: StylusParams, debug: bool) -> Self {
        let mut config = Config::default();
        config
            .consume_fuel(true)
            .operator_cost(pricing::operator_costs())
            .fuel_cost(pricing::bulk_costs())
            // Compile whole modules up front: lazy compilation would charge fuel for
            // translation at first use, making gas depend on what ran before.
            .compilation_mode(CompilationMode::Eager);
        Self {
            engine: Engine::new(&config),
            modules: Mutex::new(HashMap::default()),
            params,
            debug,
        }
    }

    /// Whether debug host functions are linked.
    pub fn debug(&self) -> bool {
        self.debug
    }

    /// The Stylus rules of the chain's ArbOS version.
    pub fn params(&self) -> &StylusParams {
        &self.params
    }

    /// Compiles `wasm` and keeps it under `codehash`; a code hash compiled before is not
    /// compiled again (the same hash is the same program).
    pub fn compile(&self, codehash: B256, wasm: &[u8]) -> Result<(), String> {
        self.cached_or(codehash, || Ok(wasm.to_vec())).map(drop)
    }

    /// The module kept under `codehash`, or the one compiled from what `wasm` gives (on first
    /// use, e.g. after a restart from a state snapshot).
    fn cached_or(
        &self,
        codehash: B256,
        wasm: impl FnOnce() -> Result<Vec<u8>, String>,
    ) -> Result<Module, String> {
        let modules = || self.modules.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(module) = modules().get(&codehash) {
            return Ok(module.clone());
        }
        let module = Module::new(&self.engine, &wasm()?).map_err(|e| e.to_string())?;
        modules().insert(codehash, module.clone());
        Ok(module)
    }
}

/// How a program run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// `user_entrypoint` returned 0.
    Success,
    /// It returned non-zero: revert with the written result.
    Revert,
    /// It trapped or broke a rule: revert without data, unused gas returned.
    Failure,
    /// Out of gas: all gas consumed.
    OutOfGas,
    /// The WASM stack overflowed: all gas consumed, like a call too deep.
    OutOfStack,
}

/// Runs the Stylus frame on top of the stack and returns its result.
///
/// Before the program runs, the call pays what nitro's `CallProgram` charges: the memory its
/// footprint opens ([`costs::memory_gas`]) and its start-up, at the cached price when
/// `ArbWasmCache` holds it or (from ArbOS 60) it ran earlier in the block, else at the
/// uncached price ([`costs::call_init_gas`], from the costs stored at activation). From ArbOS
/// 59 a call that would open more than `PageLimit` pages runs out of gas.
pub(crate) fn run_top_frame(evm: &mut StylusEvm) -> InterpreterResult {
    let FrameInput::Call(inputs) = &evm.inner.frame_stack.get().input else {
        unreachable!("only calls run Stylus code");
    };
    let inputs = inputs.clone();
    let limit = inputs.gas_limit;
    let params = *evm.runtime.params();
    let (codehash, code) = (inputs.known_bytecode.0, inputs.known_bytecode.1.original_bytes());
    let record = match programs::runnable(&mut evm.inner.ctx, codehash, &params) {
        Ok(record) => record,
        Err(why) => return result(InstructionResult::Revert, why.revert_data(), limit, limit, 0),
    };
    let ctx = &mut evm.inner.ctx;
    let module = evm
        .runtime
        .cached_or(codehash, || program::module_of(ctx, &code, &params).map_err(|e| e.to_string()));
    let module = match module {
        Ok(module) => module,
        Err(e) => {
            tracing::error!(%codehash, error = %e, "activated program does not compile");
            return result(InstructionResult::Revert, Bytes::new(), limit, limit, 0);
        }
    };
    let footprint = record.footprint;
    let tx = &mut evm.stylus;
    let (open, ever) = (tx.open_pages, tx.ever_pages);
    let recent =
        params.recent_programs_cached() && tx.recent.insert(codehash, params.block_cache_size);
    let cached = record.cached || recent;
    let mut start_gas = costs::memory_gas(&params, footprint, open, ever)
        .saturating_add(costs::call_init_gas(&params, record.version, &record.costs(), cached));
    if params.open_pages_capped() && open.saturating_add(footprint) > params.page_limit {
        start_gas = u64::MAX;
    }
    if start_gas > limit {
        return result(InstructionResult::OutOfGas, Bytes::new(), limit, 0, 0);
    }
    tx.open_pages = open.saturating_add(footprint);
    tx.ever_pages = tx.ever_pages.max(tx.open_pages);
    *tx.active.entry(inputs.target_address).or_default() += 1;
    let env = FrameEnv {
        address: inputs.target_address,
        caller: inputs.caller,
        value: inputs.call_value(),
        is_static: inputs.is_static,
        args: inputs.input.bytes(&evm.inner.ctx),
    };
    let mut run = execute(evm, &module, env, limit - start_gas, footprint);
    let tx = &mut evm.stylus;
    tx.open_pages = open;
    if let Some(n) = tx.active.get_mut(&inputs.target_address) {
        *n -= 1;
    }
    // From ArbOS 31, return data costs at least what EVM memory holding it would.
    if params.return_data_floor() && !run.output.is_empty() {
        let floor = costs::evm_memory_gas(run.output.len());
        if limit < floor {
            return result(InstructionResult::OutOfGas, Bytes::new(), limit, 0, 0);
        }
        run.gas_left = run.gas_left.min(limit - floor);
    }
    match run.status {
        Status::Success => {
            result(InstructionResult::Return, run.output, limit, run.gas_left, run.refund)
        }
        Status::Revert => result(InstructionResult::Revert, run.output, limit, run.gas_left, 0),
        Status::Failure => result(InstructionResult::Revert, Bytes::new(), limit, run.gas_left, 0),
        Status::OutOfGas => result(InstructionResult::OutOfGas, Bytes::new(), limit, 0, 0),
        Status::OutOfStack => result(InstructionResult::CallTooDeep, Bytes::new(), limit, 0, 0),
    }
}

fn result(
    status: InstructionResult,
    output: Bytes,
    limit: u64,
    left: u64,
    refund: i64,
) -> InterpreterResult {
    let mut gas = Gas::new(limit);
    let spent = gas.record_regular_cost(limit - left);
    debug_assert!(spent);
    if status.is_ok() {
        gas.record_refund(refund);
    }
    InterpreterResult::new(status, output, gas)
}

/// What one run produced.
struct Run {
    status: Status,
    output: Bytes,
    gas_left: u64,
    refund: i64,
}

fn execute(evm: &mut StylusEvm, module: &Module, env: FrameEnv, gas: u64, footprint: u16) -> Run {
    let engine = evm.runtime.engine.clone();
    let host = Host {
        evm,
        env,
        memory: None,
        output: Vec::new(),
        return_data: Bytes::new(),
        cache: StorageCache::default(),
        refund: 0,
        limits: host::limits(),
        pages_paid: u32::from(footprint),
    };
    let mut store = Store::new(&engine, host);
    store.limiter(|host| &mut host.limits);
    let outcome = call_entrypoint(&mut store, module, pricing::gas_to_fuel(gas));
    let status = match outcome {
        Ok(0) => finish_success(&mut store),
        Ok(_) => Status::Revert,
        Err(e) => classify(&e),
    };
    let fuel = store.get_fuel().expect("fuel metering is on");
    let host = store.into_data();
    Run {
        status,
        output: if matches!(status, Status::Success | Status::Revert) {
            host.output.into()
        } else {
            Bytes::new()
        },
        gas_left: pricing::fuel_to_gas(fuel),
        refund: host.refund,
    }
}

fn call_entrypoint(
    store: &mut Store<Host<'_>>,
    module: &Module,
    fuel: u64,
) -> Result<i32, wasmi::Error> {
    let linker = hostio::linker(store.engine());
    // Instantiation (data segments) is part of the start-up cost already charged: it runs
    // with unmetered fuel, and the frame's budget applies from the entrypoint on.
    store.set_fuel(u64::MAX)?;
    let instance = linker.instantiate_and_start(&mut *store, module)?;
    store.set_fuel(fuel)?;
    let memory = instance
        .get_memory(&*store, "memory")
        .ok_or_else(|| Escape::failure("memory is not exported"))?;
    store.data_mut().memory = Some(memory);
    let entry = instance.get_typed_func::<i32, i32>(&*store, "user_entrypoint")?;
    let len = i32::try_from(store.data().env.args.len())
        .map_err(|_| Escape::failure("calldata too large"))?;
    match entry.call(&mut *store, len) {
        Err(e) => match e.downcast_ref::<Escape>() {
            Some(Escape::Exit(status)) => Ok(i32::from(*status != 0)),
            _ => Err(e),
        },
        ok => ok,
    }
}

/// After a successful return: pays for memory grown since the last host I/O and writes
/// what the program left in its storage cache (the SDK flushes before returning; a program
/// that does not still gets its writes, as the host flushes at exit).
fn finish_success(store: &mut Store<Host<'_>>) -> Status {
    match hostio::settle_and_flush(store) {
        Ok(()) => Status::Success,
        Err(e) => classify(&e),
    }
}

fn classify(e: &wasmi::Error) -> Status {
    if let Some(escape) = e.downcast_ref::<Escape>() {
        return match escape {
            Escape::OutOfGas => Status::OutOfGas,
            Escape::Exit(0) => Status::Success,
            Escape::Exit(_) => Status::Revert,
            Escape::Failure(why) => {
                tracing::debug!(%why, "Stylus program failed");
                Status::Failure
            }
        };
    }
    match e.as_trap_code() {
        Some(TrapCode::OutOfFuel) => Status::OutOfGas,
        Some(TrapCode::StackOverflow) => Status::OutOfStack,
        _ => {
            tracing::debug!(error = %e, "Stylus program trapped");
            Status::Failure
        }
    }
}
