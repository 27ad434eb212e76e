//! Running one transaction or call against a database: building revm's context for this
//! chain's rules and driving [`StylusEvm`] with revm's mainnet handler.

use std::{convert::Infallible, sync::Arc};

use revm::{
    context::ContextTr,
    context::JournalTr,
    context::{
        BlockEnv, TxEnv,
        result::{EVMError, ExecutionResult},
    },
    handler::{EthFrame, Handler, MainnetHandler},
    primitives::{B256, U256},
    state::EvmState,
};

use super::config::ChainConfig;
use crate::{
    evm::{Ctx, Db, StylusEvm},
    stylus::Runtime,
};

/// Whether an execution is a transaction (nonce, fee and balance rules apply) or a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A transaction, validated as a block would.
    Transaction,
    /// `eth_call`/`eth_estimateGas`: no nonce check, no base fee (a zero gas price is fine).
    Call,
}

/// What running an execution produced: its result and the state it changed.
pub(crate) struct Executed {
    pub(crate) result: ExecutionResult,
    pub(crate) state: EvmState,
}

/// Stack for executions. Calls between WASM and the EVM recurse on the native stack (each
/// Stylus frame drives its children from inside a host function), so deep cross-VM call chains
/// need more than a test thread's 2 MiB. Only touched pages are committed.
const EXECUTION_STACK: usize = 512 * 1024 * 1024;

/// Runs `tx` in `block` on `db` (which it consumes and gives back, with the changes not yet
/// committed, so that a call can run on a throwaway copy), on a thread with a large stack.
pub(crate) fn execute(
    config: &ChainConfig,
    runtime: &Arc<Runtime>,
    db: Db,
    block: BlockEnv,
    tx: TxEnv,
    mode: Mode,
) -> (Result<Executed, EVMError<Infallible>>, Db) {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("px-devnet-exec".into())
            .stack_size(EXECUTION_STACK)
            .spawn_scoped(scope, move || execute_here(config, runtime, db, block, tx, mode))
            .expect("spawning the execution thread");
        worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

fn execute_here(
    config: &ChainConfig,
    runtime: &Arc<Runtime>,
    db: Db,
    block: BlockEnv,
    tx: TxEnv,
    mode: Mode,
) -> (Result<Executed, EVMError<Infallible>>, Db) {
    let mut ctx = Ctx::new(db, config.spec);
    ctx.block = block;
    ctx.tx = tx;
    ctx.cfg.chain_id = config.chain_id;
    // Stylus programs start with 0xEF; the frame runner still rejects any other 0xEF code.
    ctx.cfg.disable_eip3541 = true;
    if mode == Mode::Call {
        ctx.cfg.disable_base_fee = true;
        ctx.cfg.disable_nonce_check = true;
    }
    let mut evm = StylusEvm::new(ctx, runtime.clone());
    let result = MainnetHandler::<_, EVMError<Infallible>, EthFrame>::default().run(&mut evm);
    let state = evm.context().journal_mut().finalize();
    let db = evm.into_context().journaled_state.database;
    (result.map(|result| Executed { result, state }), db)
}

/// The block environment of a block.
pub(crate) fn block_env(
    config: &ChainConfig,
    number: u64,
    timestamp: u64,
    beneficiary: revm::primitives::Address,
) -> BlockEnv {
    BlockEnv {
        number: U256::from(number),
        beneficiary,
        timestamp: U256::from(timestamp),
        gas_limit: config.block_gas_limit,
        basefee: config.base_fee,
        difficulty: U256::from(1),
        prevrandao: Some(B256::with_last_byte(1)),
        ..BlockEnv::default()
    }
}
