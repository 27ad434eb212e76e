//! The chain: one world state, blocks mined one per transaction (automine, as anvil), and the
//! operations tests and the JSON-RPC server need: send, call, estimate, read state, read
//! blocks, receipts and logs, move time, snapshot and revert.

mod blocks;
pub mod config;
mod deploy;
mod exec;
mod overrides;
mod records;
mod tx;

use std::sync::Arc;

use alloy::{rpc::types::state::StateOverride, signers::local::PrivateKeySigner};
use revm::{
    bytecode::Bytecode,
    context::result::{ExecutionResult, Output},
    database::DatabaseCommit,
    primitives::{Address, B256, Bytes, HashMap, U256, address},
    state::AccountInfo,
};
use thiserror::Error;

pub use config::ChainConfig;
pub use deploy::constructor_selector;
pub use records::{MinedBlock, MinedTx, Receipt};
pub use tx::TxRequest;

use crate::{evm::Db, stylus::Runtime, system};
use exec::{Executed, Mode};

/// The most gas a call or estimate may use (as geth's `RPCGasCap`): bounds runaway programs.
pub const CALL_GAS_CAP: u64 = 50_000_000;
/// Arbitrum's block coinbase (the sequencer's address).
pub const COINBASE: Address = address!("0xA4B000000000000000000073657175656e636572");

/// Why the chain refused or could not do something.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ChainError {
    /// The transaction is malformed or cannot pay (nonce, fee, balance, signature, gas).
    #[error("invalid transaction: {0}")]
    InvalidTransaction(String),
    /// A call or estimate reverted, with this revert data.
    #[error("execution reverted")]
    Reverted(Bytes),
    /// A call or estimate halted (out of gas, invalid opcode, ...).
    #[error("execution halted: {0}")]
    Halted(String),
    /// The requested block does not exist.
    #[error("unknown block")]
    UnknownBlock,
    /// A snapshot id that does not exist (or was already reverted to).
    #[error("unknown snapshot {0}")]
    UnknownSnapshot(u64),
}

/// The result of a call that was not mined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallResult {
    /// Whether it succeeded.
    pub success: bool,
    /// Return data, or revert data.
    pub output: Bytes,
    /// Gas used after refunds, as a transaction would report it.
    pub gas_used: u64,
    /// Logs it would emit.
    pub logs: Vec<revm::primitives::Log>,
}

/// State saved by [`Chain::snapshot`].
#[derive(Clone)]
struct Snapshot {
    db: Db,
    blocks: Vec<MinedBlock>,
    txs: HashMap<B256, MinedTx>,
    clock: Clock,
}

/// The chain's idea of "now".
#[derive(Debug, Clone, Copy)]
enum Clock {
    /// Wall-clock time plus an offset (the server).
    Wall { offset: u64 },
    /// Only moves when told to (library use: reproducible timestamps).
    Manual { now: u64 },
}

/// A local Stylus chain.
#[derive(Clone)]
pub struct Chain {
    config: ChainConfig,
    runtime: Arc<Runtime>,
    db: Db,
    blocks: Vec<MinedBlock>,
    txs: HashMap<B256, MinedTx>,
    clock: Clock,
    next_timestamp: Option<u64>,
    snapshots: Vec<Option<Snapshot>>,
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chain")
            .field("chain_id", &self.config.chain_id)
            .field("block", &self.block_number())
            .finish_non_exhaustive()
    }
}

impl Default for Chain {
    fn default() -> Self {
        Self::new(ChainConfig::default())
    }
}

fn wall_clock() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Chain {
    /// A chain with a manual clock (timestamps move by one second per block and by
    /// [`Chain::increase_time`]): what tests want.
    pub fn new(config: ChainConfig) -> Self {
        let start = config.genesis_timestamp.unwrap_or_else(wall_clock);
        Self::with_clock(config, Clock::Manual { now: start })
    }

    /// A chain whose clock follows the wall clock (plus [`Chain::increase_time`]): what a
    /// server wants.
    pub fn with_wall_clock(config: ChainConfig) -> Self {
        Self::with_clock(config, Clock::Wall { offset: 0 })
    }

    fn with_clock(config: ChainConfig, clock: Clock) -> Self {
        let mut db = Db::default();
        for (address, balance) in &config.funded {
            db.insert_account_info(*address, AccountInfo::from_balance(*balance));
        }
        for address in system::addresses() {
            let code = system::placeholder_code();
            db.insert_account_info(address, AccountInfo::default().with_code(code));
        }
        system::arb_wasm_cache::install_cache_manager(&mut db);
        let runtime = Arc::new(Runtime::new(config.stylus, config.debug));
        let mut chain = Self {
            config,
            runtime,
            db,
            blocks: Vec::new(),
            txs: HashMap::default(),
            clock,
            next_timestamp: None,
            snapshots: Vec::new(),
        };
        let genesis = chain.now();
        chain.push_block(genesis, &[], &[]);
        chain
    }

    /// The configuration.
    pub fn config(&self) -> &ChainConfig {
        &self.config
    }

    /// Addresses of the development accounts (funded, keys held by the chain).
    pub fn dev_accounts(&self) -> Vec<Address> {
        self.config.dev_keys.iter().map(PrivateKeySigner::address).collect()
    }

    fn key_of(&self, address: Address) -> Option<&PrivateKeySigner> {
        self.config.dev_keys.iter().find(|k| k.address() == address)
    }

    /// Number of the latest block.
    pub fn block_number(&self) -> u64 {
        self.blocks.last().map_or(0, |b| b.header.number)
    }

    /// The latest block.
    ///
    /// # Panics
    ///
    /// Never: the genesis block always exists.
    pub fn latest(&self) -> &MinedBlock {
        self.blocks.last().expect("genesis exists")
    }

    /// Block `number`.
    pub fn block(&self, number: u64) -> Option<&MinedBlock> {
        self.blocks.get(usize::try_from(number).ok()?)
    }

    /// The block with `hash`.
    pub fn block_by_hash(&self, hash: B256) -> Option<&MinedBlock> {
        self.blocks.iter().find(|b| b.hash == hash)
    }

    /// A mined transaction.
    pub fn transaction(&self, hash: B256) -> Option<&MinedTx> {
        self.txs.get(&hash)
    }

    /// The receipt of a mined transaction.
    pub fn receipt(&self, hash: B256) -> Option<&Receipt> {
        self.txs.get(&hash).map(|t| &t.receipt)
    }

    /// Balance of `address`.
    pub fn balance(&self, address: Address) -> U256 {
        self.db.cache.accounts.get(&address).map_or(U256::ZERO, |a| a.info.balance)
    }

    /// Nonce of `address`.
    pub fn nonce(&self, address: Address) -> u64 {
        infallible_nonce(&self.db, address)
    }

    /// Code at `address`.
    pub fn code(&self, address: Address) -> Bytes {
        let Some(account) = self.db.cache.accounts.get(&address) else { return Bytes::new() };
        self.db
            .cache
            .contracts
            .get(&account.info.code_hash)
            .map(Bytecode::original_bytes)
            .unwrap_or_default()
    }

    /// Storage slot `slot` of `address`.
    pub fn storage(&self, address: Address, slot: U256) -> U256 {
        self.db
            .cache
            .accounts
            .get(&address)
            .and_then(|a| a.storage.get(&slot).copied())
            .unwrap_or_default()
    }

    /// Sets the balance of `address` (a development convenience, like `anvil_setBalance`).
    pub fn set_balance(&mut self, address: Address, balance: U256) {
        let mut info =
            self.db.cache.accounts.get(&address).map(|a| a.info.clone()).unwrap_or_default();
        info.balance = balance;
        self.db.insert_account_info(address, info);
    }

    /// Sets the code of `address` (like `anvil_setCode`).
    pub fn set_code(&mut self, address: Address, code: Bytes) {
        let mut info =
            self.db.cache.accounts.get(&address).map(|a| a.info.clone()).unwrap_or_default();
        info = info.with_code(Bytecode::new_raw(code));
        self.db.insert_account_info(address, info);
    }

    /// Sends a transaction without a signature (signed with a development key, or
    /// impersonating the sender), mines it in a new block and returns its receipt. A reverted
    /// transaction is mined too (status 0); an invalid one is refused. Without a gas limit it
    /// gets [`CALL_GAS_CAP`] (gas used does not depend on the limit; estimating would cost a
    /// dozen executions).
    pub fn send(&mut self, req: TxRequest) -> Result<Receipt, ChainError> {
        let nonce = req.nonce.unwrap_or_else(|| self.nonce(req.from));
        let gas = req.gas.unwrap_or(CALL_GAS_CAP);
        let key = self.key_of(req.from).cloned();
        let prepared = tx::prepare(
            req,
            nonce,
            gas,
            self.config.chain_id,
            self.config.base_fee.into(),
            key.as_ref(),
        );
        self.mine_tx(&prepared)
    }

    /// Sends a signed EIP-2718 transaction and mines it.
    pub fn send_raw(&mut self, raw: &[u8]) -> Result<Receipt, ChainError> {
        let prepared = tx::decode_raw(raw, self.config.chain_id)?;
        if self.txs.contains_key(&prepared.hash) {
            return Err(ChainError::InvalidTransaction("already known".into()));
        }
        self.mine_tx(&prepared)
    }

    fn mine_tx(&mut self, prepared: &tx::PreparedTx) -> Result<Receipt, ChainError> {
        let number = self.block_number() + 1;
        let timestamp = self.next_block_timestamp();
        let block = exec::block_env(&self.config, number, timestamp, COINBASE);
        let db = std::mem::take(&mut self.db);
        let (executed, db) = exec::execute(
            &self.config,
            &self.runtime,
            db,
            block,
            tx::tx_env(prepared),
            Mode::Transaction,
        );
        self.db = db;
        let Executed { result, state } =
            executed.map_err(|e| ChainError::InvalidTransaction(e.to_string()))?;
        self.db.commit(state);
        let receipt = self.push_tx_block(timestamp, prepared, &result);
        tracing::debug!(tx = %prepared.hash, block = number, success = receipt.success, gas = receipt.gas_used, "mined");
        Ok(receipt)
    }

    /// Runs a call on the latest state without mining it. `state` overrides accounts for this
    /// call only (balance, nonce, code, storage), as `eth_call`'s third parameter.
    pub fn call(
        &self,
        req: &TxRequest,
        state: Option<&StateOverride>,
    ) -> Result<CallResult, ChainError> {
        let gas = req.gas.unwrap_or(CALL_GAS_CAP).min(CALL_GAS_CAP);
        let executed = self.run_call(req, gas, state)?;
        let gas_used = executed.result.tx_gas_used();
        let (success, output, logs) = match executed.result {
            ExecutionResult::Success { output, logs, .. } => (true, output_bytes(output), logs),
            ExecutionResult::Revert { output, .. } => (false, output, Vec::new()),
            ExecutionResult::Halt { reason, .. } => {
                return Err(ChainError::Halted(format!("{reason:?}")));
            }
        };
        Ok(CallResult { success, output, gas_used, logs })
    }

    fn run_call(
        &self,
        req: &TxRequest,
        gas: u64,
        state: Option<&StateOverride>,
    ) -> Result<Executed, ChainError> {
        let mut db = self.db.clone();
        if let Some(state) = state {
            overrides::apply(&mut db, state);
        }
        let latest = &self.latest().header;
        let block = exec::block_env(&self.config, latest.number, latest.timestamp, COINBASE);
        let nonce = req.nonce.unwrap_or_else(|| infallible_nonce(&db, req.from));
        let prepared = tx::prepare(req.clone(), nonce, gas, self.config.chain_id, 0, None);
        let mut env = tx::tx_env(&prepared);
        env.gas_price = 0;
        let (executed, _) = exec::execute(&self.config, &self.runtime, db, block, env, Mode::Call);
        executed.map_err(|e| ChainError::InvalidTransaction(e.to_string()))
    }

    /// The gas limit `req` needs, found as geth does: run with the cap, then binary-search the
    /// smallest limit that still succeeds. A request that fails even with the cap is an error
    /// carrying its revert data.
    pub fn estimate_gas(
        &self,
        req: &TxRequest,
        state: Option<&StateOverride>,
    ) -> Result<u64, ChainError> {
        let cap = req.gas.unwrap_or(CALL_GAS_CAP).min(CALL_GAS_CAP);
        let first = self.run_call(req, cap, state)?;
        match &first.result {
            ExecutionResult::Success { .. } => {}
            ExecutionResult::Revert { output, .. } => {
                return Err(ChainError::Reverted(output.clone()));
            }
            ExecutionResult::Halt { reason, .. } => {
                return Err(ChainError::Halted(format!("{reason:?}")));
            }
        }
        let succeeds =
            |gas: u64| self.run_call(req, gas, state).is_ok_and(|e| e.result.is_success());
        let spent = first.result.gas().total_gas_spent();
        let mut lo = spent.saturating_sub(1);
        let mut hi = cap;
        // Most transactions need only a little more than they spend (the 63/64 rule): try
        // that first to save the search.
        let optimistic = (spent + 2_300) * 64 / 63;
        if optimistic < hi && succeeds(optimistic) {
            hi = optimistic;
        }
        while lo + 1 < hi {
            let mid = lo + (hi - lo) / 2;
            if succeeds(mid) { hi = mid } else { lo = mid }
        }
        Ok(hi)
    }

    /// Mines an empty block (like `evm_mine`) and returns its number.
    pub fn mine(&mut self) -> u64 {
        let timestamp = self.next_block_timestamp();
        self.push_block(timestamp, &[], &[]);
        self.block_number()
    }

    /// Moves the clock forward by `seconds` from the later of now and the latest block (like
    /// `evm_increaseTime`); the next block's timestamp is at least that. Returns the new time.
    pub fn increase_time(&mut self, seconds: u64) -> u64 {
        let base = self.now().max(self.latest().header.timestamp);
        let target = base + seconds;
        self.clock = match self.clock {
            Clock::Wall { .. } => Clock::Wall { offset: target.saturating_sub(wall_clock()) },
            Clock::Manual { .. } => Clock::Manual { now: target },
        };
        target
    }

    /// Fixes the next block's timestamp (like `evm_setNextBlockTimestamp`).
    pub fn set_next_block_timestamp(&mut self, timestamp: u64) {
        self.next_timestamp = Some(timestamp);
    }

    fn now(&self) -> u64 {
        match self.clock {
            Clock::Wall { offset } => wall_clock() + offset,
            Clock::Manual { now } => now,
        }
    }

    fn next_block_timestamp(&mut self) -> u64 {
        let after_latest = self.blocks.last().map_or(0, |b| b.header.timestamp + 1);
        let ts = self.next_timestamp.take().unwrap_or_else(|| self.now().max(after_latest));
        if let Clock::Manual { now } = &mut self.clock {
            *now = (*now).max(ts);
        }
        ts
    }

    /// Saves the whole chain (state, blocks, clock) and returns an id for [`Chain::revert`].
    pub fn snapshot(&mut self) -> u64 {
        self.snapshots.push(Some(Snapshot {
            db: self.db.clone(),
            blocks: self.blocks.clone(),
            txs: self.txs.clone(),
            clock: self.clock,
        }));
        self.snapshots.len() as u64 - 1
    }

    /// Restores snapshot `id`; it and every later snapshot are then used up (as anvil's
    /// `evm_revert`).
    pub fn revert(&mut self, id: u64) -> Result<(), ChainError> {
        let index = usize::try_from(id).map_err(|_| ChainError::UnknownSnapshot(id))?;
        let snapshot = self
            .snapshots
            .get_mut(index)
            .and_then(Option::take)
            .ok_or(ChainError::UnknownSnapshot(id))?;
        self.snapshots.truncate(index);
        self.db = snapshot.db;
        self.blocks = snapshot.blocks;
        self.txs = snapshot.txs;
        self.clock = snapshot.clock;
        Ok(())
    }
}

fn output_bytes(output: Output) -> Bytes {
    match output {
        Output::Call(bytes) | Output::Create(bytes, _) => bytes,
    }
}

fn infallible_nonce(db: &Db, address: Address) -> u64 {
    db.cache.accounts.get(&address).map_or(0, |a| a.info.nonce)
}
