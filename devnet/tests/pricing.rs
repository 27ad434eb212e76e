//! What starting a program costs on px-devnet: nitro's start-up gas from the init costs it
//! predicts at activation, uncached and cached (`ArbWasm.programInitGas`, a program in
//! `ArbWasmCache`, and from ArbOS 60 a program that already ran in the block), for a module
//! whose figures are derived by hand from nitro's formula (`stylus_rules::costs`).

mod common;

use alloy::sol_types::{SolCall, SolError};
use px_devnet::{
    chain::{Chain, ChainConfig, ChainError, TxRequest},
    system::{
        ARB_WASM, ARB_WASM_CACHE, CACHE_MANAGER,
        abi::{ArbWasm, ArbWasmCache, CacheManager},
    },
};
use revm::primitives::{Address, Bytes};

/// One function of type (i32) -> i32, two globals, a 17-byte data segment and two pages of
/// memory; it returns the data.
const KNOWN: &str = r#"(module
  (import "vm_hooks" "read_args" (func (param i32)))
  (import "vm_hooks" "write_result" (func (param i32 i32)))
  (import "vm_hooks" "pay_for_memory_grow" (func (param i32)))
  (memory (export "memory") 2)
  (global (mut i32) (i32.const 0))
  (global (mut i64) (i64.const 0))
  (data (i32.const 0) "px-devnet pricing")
  (func (export "user_entrypoint") (param i32) (result i32)
    (call 1 (i32.const 0) (i32.const 17))
    i32.const 0))"#;

/// The known module's length in bytes, which the figures below assume.
const KNOWN_LEN: usize = 195;
/// Its init cost: 1 function·8252/1000 = 8, type length 2·1059/1000 = 2,
/// 195 bytes·1286/10,000 = 25.
const KNOWN_INIT: u64 = 8 + 2 + 25;
/// Its cached init cost: 1·13420/100,000 = 0, 2·89/100,000 = 0, 195·122/100,000 = 0,
/// 6 globals (2 + nitro's 4)·1628/1000 = 9, data segment entry of 22 bytes (flags, offset
/// expression, length, 17 bytes)·75244/100,000 = 16, 2 pages·5 = 10.
const KNOWN_CACHED: u64 = 9 + 16 + 10;
/// Uncached start-up: `MinInitGas` 69·128 + init (scalar 100%) + `MinCachedInitGas` 11·32 +
/// cached init (from Stylus version 2 every call pays the cached term).
const UNCACHED_GAS: u64 = 8_832 + KNOWN_INIT + 352 + KNOWN_CACHED;
/// Cached start-up: 11·32 + cached init.
const CACHED_GAS: u64 = 352 + KNOWN_CACHED;

struct Env {
    chain: Chain,
    me: Address,
    program: Address,
}

impl Env {
    fn at(arbos: u64) -> Self {
        let config = ChainConfig::default().with_arbos(arbos).expect("a modelled version");
        let mut chain = Chain::new(config);
        let me = chain.dev_accounts()[1];
        let wasm = wat::parse_str(KNOWN).expect("the known module parses");
        assert_eq!(wasm.len(), KNOWN_LEN);
        let program = chain.deploy_stylus(me, &wasm).expect("deploys and activates");
        Self { chain, me, program }
    }

    fn init_gas(&self) -> (u64, u64) {
        let call = ArbWasm::programInitGasCall { program: self.program };
        let out = self.chain.call(&TxRequest::call(self.me, ARB_WASM, call.abi_encode()), None);
        let out = out.expect("call runs");
        assert!(out.success, "programInitGas reverted");
        let r = ArbWasm::programInitGasCall::abi_decode_returns(&out.output).expect("decodes");
        (r.gas, r.gasWhenCached)
    }

    /// Gas of a transaction calling `to` with no calldata.
    fn gas_of_call(&mut self, to: Address) -> u64 {
        let receipt = self.chain.send(TxRequest::call(self.me, to, Bytes::new())).unwrap();
        assert!(receipt.success);
        receipt.gas_used
    }

    /// An EVM contract that static-calls the program `times` times.
    fn caller(&mut self, times: usize) -> Address {
        let mut code = Vec::new();
        for _ in 0..times {
            // retSize, retOffset, argsSize, argsOffset = 0; the program; all gas; STATICCALL; POP.
            code.extend_from_slice(&[0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0, 0x73]);
            code.extend_from_slice(self.program.as_slice());
            code.extend_from_slice(&[0x5a, 0xfa, 0x50]);
        }
        code.push(0x00);
        let at = Address::repeat_byte(0xc0 + u8::try_from(times).unwrap());
        self.chain.set_code(at, code.into());
        at
    }
}

#[test]
fn program_init_gas_answers_nitros_figures_for_a_known_module() {
    assert_eq!((UNCACHED_GAS, CACHED_GAS), (9_254, 387));
    assert_eq!(Env::at(61).init_gas(), (UNCACHED_GAS, CACHED_GAS));
    assert_eq!(Env::at(51).init_gas(), (UNCACHED_GAS, CACHED_GAS));
}

#[test]
fn a_cached_program_starts_at_the_cached_price() {
    let mut env = Env::at(61);
    let uncached = env.gas_of_call(env.program);
    env.chain.set_program_cached(env.program, true).unwrap();
    let cached = env.gas_of_call(env.program);
    assert_eq!(uncached - cached, UNCACHED_GAS - CACHED_GAS);
    env.chain.set_program_cached(env.program, false).unwrap();
    assert_eq!(env.gas_of_call(env.program), uncached);
}

#[test]
fn from_arbos_60_a_program_called_again_in_the_block_is_cached() {
    let (mut elara, mut dia) = (Env::at(61), Env::at(51));
    let (once_61, once_51) = (elara.caller(1), dia.caller(1));
    assert_eq!(elara.gas_of_call(once_61), dia.gas_of_call(once_51), "one call: same price");
    let (twice_61, twice_51) = (elara.caller(2), dia.caller(2));
    let (g61, g51) = (elara.gas_of_call(twice_61), dia.gas_of_call(twice_51));
    assert_eq!(g51 - g61, UNCACHED_GAS - CACHED_GAS, "the second call is cached at ArbOS 61 only");
}

#[test]
fn error_when_caching_a_program_that_is_not_active() {
    let mut env = Env::at(61);
    let wasm = wat::parse_str(KNOWN).unwrap();
    let inactive = env.chain.deploy_stylus_unactivated(env.me, &wasm).unwrap();
    // Same code hash as the active program: active too.
    assert!(env.chain.set_program_cached(inactive, true).is_ok());
    let other = wat::parse_str(KNOWN.replace("pricing", "pricinG")).unwrap();
    let inactive = env.chain.deploy_stylus_unactivated(env.me, &other).unwrap();
    let err = env.chain.set_program_cached(inactive, true).unwrap_err();
    // Nitro's answer for a program never activated: it "needs an upgrade" from version 0.
    let needs = ArbWasm::ProgramNeedsUpgrade { version: 0, stylusVersion: 3 };
    assert_eq!(err, ChainError::Reverted(needs.abi_encode().into()));
}

/// Sends `call` to `to` from the environment's account with `value`.
fn send_value<C: SolCall>(
    env: &mut Env,
    to: Address,
    call: &C,
    value: u64,
) -> px_devnet::chain::Receipt {
    let req = TxRequest::call(env.me, to, call.abi_encode())
        .with_value(revm::primitives::U256::from(value));
    env.chain.send(req).expect("valid transaction")
}

#[test]
fn a_bid_in_the_cache_manager_caches_the_program_at_its_cached_price() {
    let mut env = Env::at(61);
    let program = env.program;
    let uncached = env.gas_of_call(program);
    // The cache has room: the minimum bid is 0 (cargo stylus cache suggest-bid).
    let min = CacheManager::getMinBid_0Call { program: env.program };
    let out = env.chain.call(&TxRequest::call(env.me, CACHE_MANAGER, min.abi_encode()), None);
    let min = CacheManager::getMinBid_0Call::abi_decode_returns(&out.unwrap().output).unwrap();
    assert_eq!(min, alloy::primitives::aliases::U192::ZERO);
    let bid = send_value(&mut env, CACHE_MANAGER, &CacheManager::placeBidCall { program }, 0);
    assert!(bid.success, "placeBid reverted: {}", alloy::hex::encode(&bid.output));
    let codehash = revm::primitives::keccak256(env.chain.code(env.program));
    let cached = ArbWasmCache::codehashIsCachedCall { codehash };
    let out = env.chain.call(&TxRequest::call(env.me, ARB_WASM_CACHE, cached.abi_encode()), None);
    assert!(ArbWasmCache::codehashIsCachedCall::abi_decode_returns(&out.unwrap().output).unwrap());
    assert_eq!(uncached - env.gas_of_call(env.program), UNCACHED_GAS - CACHED_GAS);
    // A second bid for the same code: the manager's AlreadyCached.
    let again = send_value(&mut env, CACHE_MANAGER, &CacheManager::placeBidCall { program }, 0);
    assert!(!again.success);
    assert_eq!(again.output.as_ref(), CacheManager::AlreadyCached { codehash }.abi_encode());
}

#[test]
fn error_when_anyone_but_a_cache_manager_caches_a_program() {
    let mut env = Env::at(61);
    let call = ArbWasmCache::cacheProgramCall { addr: env.program };
    let req = TxRequest::call(env.me, ARB_WASM_CACHE, call.abi_encode()).with_gas(100_000);
    let receipt = env.chain.send(req).unwrap();
    assert!(!receipt.success);
    assert_eq!(receipt.gas_used, 100_000, "nitro burns all gas");
}
