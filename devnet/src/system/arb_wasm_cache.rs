//! `ArbWasmCache` (0x72), which programs ArbOS keeps in its cache (nitro's
//! `precompiles/ArbWasmCache.go`), and the chain's one cache manager: Arbitrum's
//! `CacheManager`, compiled from nitro-contracts' source (`devnet/contracts/build.sh`) and
//! installed at genesis, initialised as nitro-contracts' deployment script does (512 MiB of
//! cache, decay 10,322,197,911). A cached program's calls start at its cached price.

use alloy::sol_types::{SolCall, SolEvent, SolInterface};
use revm::{
    bytecode::Bytecode,
    context::{ContextTr, JournalTr},
    interpreter::CallInputs,
    primitives::{Address, B256, Bytes, Log, U256, address},
    state::AccountInfo,
};

use super::{
    Outcome,
    abi::ArbWasmCache::{self, ArbWasmCacheCalls},
    programs,
};
use crate::{
    evm::{Ctx, Db, infallible},
    stylus::Runtime,
};

/// `ArbWasmCache`.
pub const ARB_WASM_CACHE: Address = address!("0x0000000000000000000000000000000000000072");
/// Where this chain's `CacheManager` lives (Arbitrum One's is a proxy elsewhere).
pub const CACHE_MANAGER: Address = address!("0x000000000000000000000000000000000000cace");
/// The cache's size at genesis, in bytes of predicted asm (nitro-contracts' `INIT_CACHE_SIZE`).
pub const CACHE_SIZE: u64 = 536_870_912;
/// The bids' decay per second (nitro-contracts' `INIT_DECAY`).
pub const CACHE_DECAY: u64 = 10_322_197_911;
/// Gas for a query (an estimate).
const VIEW_GAS: u64 = 1_000;

/// Installs the `CacheManager` in `db`: its runtime code, and the storage `initialize(size,
/// decay)` leaves (storage layout of nitro-contracts' `test/storage/CacheManager`: the
/// initialised flag in slot 0; `cacheSize`, `queueSize`, `decay` and `isPaused` packed in
/// slot 3). Its `DelegateCallAware` immutable stays zero, so `initialize` is not callable
/// again.
///
/// # Panics
/// If the committed artifact is unreadable (a broken checkout).
pub fn install_cache_manager(db: &mut Db) {
    let artifact: serde_json::Value =
        serde_json::from_str(include_str!("../../contracts/CacheManager.json"))
            .expect("devnet/contracts/CacheManager.json is JSON");
    let hex = artifact["deployedBytecode"].as_str().expect("the artifact has runtime code");
    let code = alloy::hex::decode(hex).expect("the runtime code is hex");
    let info = AccountInfo::default().with_code(Bytecode::new_raw(Bytes::from(code)));
    db.insert_account_info(CACHE_MANAGER, info);
    let slot3 = U256::from(CACHE_SIZE) | (U256::from(CACHE_DECAY) << 128);
    for (slot, value) in [(U256::ZERO, U256::from(1)), (U256::from(3), slot3)] {
        db.insert_account_storage(CACHE_MANAGER, slot, value).expect("in-memory database");
    }
}

/// Runs a call to `ArbWasmCache`.
pub(crate) fn run(ctx: &mut Ctx, inputs: &CallInputs, input: &[u8], rt: &Runtime) -> Outcome {
    let Ok(call) = ArbWasmCacheCalls::abi_decode(input) else {
        return Outcome::revert(Bytes::new(), inputs.gas_limit);
    };
    if !inputs.call_value().is_zero() {
        return Outcome::revert(Bytes::new(), inputs.gas_limit);
    }
    let ok = |data: Vec<u8>| Outcome::ok(Bytes::from(data), VIEW_GAS);
    match call {
        ArbWasmCacheCalls::isCacheManager(c) => {
            ok(ArbWasmCache::isCacheManagerCall::abi_encode_returns(&(c.manager == CACHE_MANAGER)))
        }
        ArbWasmCacheCalls::allCacheManagers(_) => {
            ok(ArbWasmCache::allCacheManagersCall::abi_encode_returns(&vec![CACHE_MANAGER]))
        }
        ArbWasmCacheCalls::codehashIsCached(c) => {
            let cached = programs::record(ctx, c.codehash).cached;
            ok(ArbWasmCache::codehashIsCachedCall::abi_encode_returns(&cached))
        }
        // Only offered at ArbOS 30: a revert without data since.
        ArbWasmCacheCalls::cacheCodehash(_) => Outcome::revert(Bytes::new(), VIEW_GAS),
        ArbWasmCacheCalls::cacheProgram(c) => {
            let codehash = infallible(ctx.journal_mut().code_hash(c.addr)).data;
            set_cached(ctx, inputs, codehash, true, rt)
        }
        ArbWasmCacheCalls::evictCodehash(c) => set_cached(ctx, inputs, c.codehash, false, rt),
    }
}

/// Caches or evicts `codehash` for a cache manager (anyone else: all gas burnt, as nitro's
/// `BurnOut`), paying the program's init cost in gas and emitting `UpdateProgramCache` when
/// the flag changes.
fn set_cached(
    ctx: &mut Ctx,
    inputs: &CallInputs,
    codehash: B256,
    cache: bool,
    rt: &Runtime,
) -> Outcome {
    if inputs.caller != CACHE_MANAGER {
        return Outcome::out_of_gas();
    }
    let record = programs::record(ctx, codehash);
    let now = programs::now(ctx);
    match programs::with_cached(record, cache, rt.params(), now) {
        Err(why) => Outcome::revert(why.revert_data(), VIEW_GAS),
        Ok(None) => Outcome::ok(Bytes::new(), VIEW_GAS),
        Ok(Some(updated)) => {
            programs::store(ctx, codehash, updated);
            let event = ArbWasmCache::UpdateProgramCache {
                manager: inputs.caller,
                codehash,
                cached: cache,
            };
            ctx.journal_mut().log(Log { address: ARB_WASM_CACHE, data: event.encode_log_data() });
            Outcome::ok(Bytes::new(), VIEW_GAS + u64::from(record.init_cost))
        }
    }
}
