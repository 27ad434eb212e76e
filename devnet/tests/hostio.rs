//! Each `vm_hooks` host function, exercised by a small hand-written WASM program deployed and
//! activated on the chain: what it returns, what it changes, and the EVM rule it enforces.
//!
//! Programs share one prelude importing every host function; their body runs after
//! `read_args(0)`, with the calldata at address 0, scratch space from 1024 and results written
//! from 2048.

mod common;

use std::fmt::Write;

use alloy::sol_types::SolValue;
use px_devnet::{
    chain::{Chain, TxRequest},
    stylus::activation::{CONSOLE, VM_HOOKS},
};
use revm::primitives::{Address, B256, Bytes, U256, keccak256};
use wasmparser::ValType;

fn wat_type(t: ValType) -> &'static str {
    match t {
        ValType::I32 => "i32",
        ValType::I64 => "i64",
        ValType::F32 => "f32",
        ValType::F64 => "f64",
        _ => unreachable!("host functions use numbers only"),
    }
}

/// A program with every host function imported and `body` inside `user_entrypoint`, after the
/// calldata was read to address 0.
fn program(body: &str) -> Vec<u8> {
    let mut imports = String::new();
    for (name, params, results) in VM_HOOKS {
        let params: Vec<_> = params.iter().copied().map(wat_type).collect();
        let results: Vec<_> = results.iter().copied().map(wat_type).collect();
        let (params, results) = (params.join(" "), results.join(" "));
        writeln!(
            imports,
            "(import \"vm_hooks\" \"{name}\" (func ${name} (param {params}) (result {results})))"
        )
        .expect("writing to a String");
    }
    let text = format!(
        "(module {imports}
           (memory (export \"memory\") 1)
           (func (export \"user_entrypoint\") (param $len i32) (result i32)
             (call $read_args (i32.const 0))
             {body}))"
    );
    wat::parse_str(&text).unwrap_or_else(|e| panic!("test program: {e}\n{text}"))
}

/// Returns `len` bytes from 2048 with status 0.
fn ret(len: u32) -> String {
    format!("(call $write_result (i32.const 2048) (i32.const {len})) (i32.const 0)")
}

struct Env {
    chain: Chain,
    me: Address,
}

impl Env {
    fn new() -> Self {
        let chain = Chain::default();
        let me = chain.dev_accounts()[1];
        Self { chain, me }
    }

    fn deploy(&mut self, wasm: &[u8]) -> Address {
        self.chain.deploy_stylus(self.me, wasm).expect("program deploys and activates")
    }

    fn send(&mut self, to: Address, data: impl Into<Bytes>) -> px_devnet::chain::Receipt {
        self.chain.send(TxRequest::call(self.me, to, data.into())).expect("valid transaction")
    }

    fn call(&self, to: Address, data: impl Into<Bytes>) -> px_devnet::chain::CallResult {
        self.chain.call(&TxRequest::call(self.me, to, data.into()), None).expect("call runs")
    }
}

#[test]
fn read_args_and_write_result_echo_the_calldata() {
    let mut env = Env::new();
    let echo =
        env.deploy(&program("(call $write_result (i32.const 0) (local.get $len)) (i32.const 0)"));
    let out = env.call(echo, b"hello stylus".to_vec());
    assert!(out.success);
    assert_eq!(out.output, Bytes::from_static(b"hello stylus"));
}

#[test]
fn error_when_a_host_function_reads_out_of_bounds() {
    let mut env = Env::new();
    let bad = env
        .deploy(&program("(call $write_result (i32.const 65530) (i32.const 100)) (i32.const 0)"));
    let out = env.call(bad, Vec::new());
    assert!(!out.success, "the program fails");
    assert!(out.output.is_empty(), "a failure reverts without data");
}

#[test]
fn a_nonzero_status_reverts_with_the_written_data() {
    let mut env = Env::new();
    let program = program("(call $write_result (i32.const 0) (local.get $len)) (i32.const 1)");
    let reverter = env.deploy(&program);
    let out = env.call(reverter, b"why".to_vec());
    assert!(!out.success);
    assert_eq!(out.output, Bytes::from_static(b"why"));
}

#[test]
fn exit_early_ends_the_program_with_its_status() {
    let mut env = Env::new();
    let body = "(call $write_result (i32.const 0) (local.get $len))
                (call $exit_early (i32.load8_u (i32.const 0)))
                unreachable";
    let exits = env.deploy(&program(body));
    assert!(env.call(exits, vec![0u8, 7]).success);
    let out = env.call(exits, vec![1u8, 7]);
    assert!(!out.success);
    assert_eq!(out.output, Bytes::from(vec![1u8, 7]));
}

#[test]
fn reports_message_transaction_and_block_context() {
    let mut env = Env::new();
    let body = format!(
        "(call $msg_sender (i32.const 2048))
         (call $tx_origin (i32.const 2068))
         (call $contract_address (i32.const 2088))
         (call $msg_value (i32.const 2108))
         (call $block_basefee (i32.const 2140))
         (call $block_coinbase (i32.const 2172))
         (i64.store (i32.const 2192) (call $block_gas_limit))
         (i64.store (i32.const 2200) (call $block_number))
         (i64.store (i32.const 2208) (call $block_timestamp))
         (i64.store (i32.const 2216) (call $chainid))
         (call $tx_gas_price (i32.const 2224))
         (i32.store (i32.const 2256) (call $tx_ink_price))
         {}",
        ret(212)
    );
    let ctx = env.deploy(&program(&body));
    let receipt = env
        .chain
        .send(TxRequest::call(env.me, ctx, Bytes::new()).with_value(U256::from(77)))
        .unwrap();
    receipt.expect_success();
    let o = &receipt.output;
    let word = |at: usize| U256::from_be_slice(&o[at..at + 32]);
    let u64_le = |at: usize| u64::from_le_bytes(o[at..at + 8].try_into().unwrap());
    assert_eq!(Address::from_slice(&o[0..20]), env.me, "msg_sender");
    assert_eq!(Address::from_slice(&o[20..40]), env.me, "tx_origin");
    assert_eq!(Address::from_slice(&o[40..60]), ctx, "contract_address");
    assert_eq!(word(60), U256::from(77), "msg_value");
    assert_eq!(word(92), U256::from(env.chain.config().base_fee), "block_basefee");
    assert_eq!(Address::from_slice(&o[124..144]), px_devnet::chain::COINBASE, "block_coinbase");
    assert_eq!(u64_le(144), env.chain.config().block_gas_limit, "block_gas_limit");
    assert_eq!(u64_le(152), receipt.block_number, "block_number");
    assert_eq!(u64_le(160), env.chain.latest().header.timestamp, "block_timestamp");
    assert_eq!(u64_le(168), 412_346, "chainid");
    assert_eq!(word(176), U256::from(env.chain.config().base_fee), "tx_gas_price");
    assert_eq!(u32::from_le_bytes(o[208..212].try_into().unwrap()), 10_000, "tx_ink_price");
}

#[test]
fn gas_left_falls_as_the_program_runs() {
    let mut env = Env::new();
    let body = format!(
        "(i64.store (i32.const 2048) (call $evm_gas_left))
         (i64.store (i32.const 2056) (call $evm_gas_left))
         (i64.store (i32.const 2064) (call $evm_ink_left))
         {}",
        ret(24)
    );
    let meter = env.deploy(&program(&body));
    let out = env.call(meter, Vec::new()).output;
    let at = |i: usize| u64::from_le_bytes(out[i..i + 8].try_into().unwrap());
    assert!(at(0) > at(8), "each host I/O costs gas");
    assert!(at(0) - at(8) < 10, "about 0.84 gas per host I/O");
    assert!(at(16) > at(8) * 9_000, "ink is gas times 10,000");
}

/// Stores word 1 of the calldata at key word 0, flushes, reads it back.
const STORE_LOAD: &str = "(call $storage_cache_bytes32 (i32.const 0) (i32.const 32))
    (call $storage_flush_cache (i32.const 1))
    (call $storage_load_bytes32 (i32.const 0) (i32.const 2048))";

#[test]
fn storage_writes_persist_at_flush_and_read_back() {
    let mut env = Env::new();
    let store = env.deploy(&program(&format!("{STORE_LOAD} {}", ret(32))));
    let (key, value) = (U256::from(5), U256::from(0xbeef));
    let receipt = env.send(store, (key, value).abi_encode_params());
    receipt.expect_success();
    assert_eq!(U256::from_be_slice(&receipt.output), value);
    assert_eq!(env.chain.storage(store, key), value);
}

#[test]
fn storage_writes_roll_back_when_the_program_reverts() {
    let mut env = Env::new();
    let store_then_fail = env.deploy(&program(&format!("{STORE_LOAD} (i32.const 1)")));
    let receipt = env.send(store_then_fail, (U256::from(5), U256::from(1)).abi_encode_params());
    assert!(!receipt.success);
    assert_eq!(env.chain.storage(store_then_fail, U256::from(5)), U256::ZERO);
}

#[test]
fn storage_costs_an_evm_sstore_at_flush() {
    let mut env = Env::new();
    let cache_only = env.deploy(&program(
        "(call $storage_cache_bytes32 (i32.const 0) (i32.const 32)) (i32.const 0)",
    ));
    let data = (U256::from(1), U256::from(1)).abi_encode_params();
    let first = env.send(cache_only, data.clone());
    let second = env.send(cache_only, data);
    // The host flushes what a returning program left in its cache: a fresh slot costs the
    // EVM's 22,100 (cold set); the same value again costs a warm no-op write (100) plus the
    // cold slot access (2,100).
    assert_eq!(env.chain.storage(cache_only, U256::from(1)), U256::from(1));
    assert!(first.gas_used - second.gas_used > 19_000, "{} vs {}", first.gas_used, second.gas_used);
}

#[test]
fn transient_storage_lasts_for_the_transaction_only() {
    let mut env = Env::new();
    let body = format!(
        "(call $transient_load_bytes32 (i32.const 0) (i32.const 2048))
         (call $transient_store_bytes32 (i32.const 0) (i32.const 32))
         (call $transient_load_bytes32 (i32.const 0) (i32.const 2080))
         {}",
        ret(64)
    );
    let tstore = env.deploy(&program(&body));
    let receipt = env.send(tstore, (U256::from(3), U256::from(9)).abi_encode_params());
    assert_eq!(U256::from_be_slice(&receipt.output[0..32]), U256::ZERO);
    assert_eq!(U256::from_be_slice(&receipt.output[32..64]), U256::from(9));
    let again = env.send(tstore, (U256::from(3), U256::from(9)).abi_encode_params());
    assert_eq!(
        U256::from_be_slice(&again.output[0..32]),
        U256::ZERO,
        "cleared after the transaction"
    );
}

#[test]
fn emits_logs_with_topics_and_data() {
    let mut env = Env::new();
    let logger = env.deploy(&program(
        "(call $emit_log (i32.const 0) (local.get $len) (i32.const 2)) (i32.const 0)",
    ));
    let (t0, t1) = (B256::repeat_byte(1), B256::repeat_byte(2));
    let mut data = [t0.as_slice(), t1.as_slice()].concat();
    data.extend_from_slice(b"payload");
    let receipt = env.send(logger, data);
    receipt.expect_success();
    let log = &receipt.logs[0];
    assert_eq!(log.address, logger);
    assert_eq!(log.topics(), &[t0, t1]);
    assert_eq!(log.data.data, Bytes::from_static(b"payload"));
}

#[test]
fn error_when_a_log_has_more_than_four_topics() {
    let mut env = Env::new();
    let logger = env.deploy(&program(
        "(call $emit_log (i32.const 0) (local.get $len) (i32.const 5)) (i32.const 0)",
    ));
    let receipt = env.send(logger, vec![0u8; 5 * 32]);
    assert!(!receipt.success);
    assert!(receipt.logs.is_empty());
}

#[test]
fn hashes_with_keccak256() {
    let mut env = Env::new();
    let hasher = env.deploy(&program(&format!(
        "(call $native_keccak256 (i32.const 0) (local.get $len) (i32.const 2048)) {}",
        ret(32)
    )));
    assert_eq!(env.call(hasher, b"abc".to_vec()).output, Bytes::from(keccak256(b"abc").to_vec()));
}

/// A program that calls the address in calldata bytes 0..20 with the rest as calldata, using
/// `kind` (`call_contract` with 1 wei, `static_call_contract`, `delegate_call_contract`), and
/// returns `[status (4 bytes LE), return_data_size (4), return data...]`.
fn caller(kind: &str) -> Vec<u8> {
    let call = match kind {
        "call" => {
            "(call $call_contract (i32.const 0) (i32.const 20) (i32.sub (local.get $len) (i32.const 20)) (i32.const 1024) (i64.const -1) (i32.const 1056))"
        }
        "static" => {
            "(call $static_call_contract (i32.const 0) (i32.const 20) (i32.sub (local.get $len) (i32.const 20)) (i64.const -1) (i32.const 1056))"
        }
        _ => {
            "(call $delegate_call_contract (i32.const 0) (i32.const 20) (i32.sub (local.get $len) (i32.const 20)) (i64.const -1) (i32.const 1056))"
        }
    };
    let body = format!(
        "(i32.store8 (i32.const 1055) (i32.const 1))
         (i32.store (i32.const 2048) {call})
         (i32.store (i32.const 2052) (call $return_data_size))
         (drop (call $read_return_data (i32.const 2056) (i32.const 0) (i32.load (i32.const 1056))))
         (call $write_result (i32.const 2048) (i32.add (i32.const 8) (i32.load (i32.const 1056))))
         (i32.const 0)"
    );
    program(&body)
}

fn status(out: &[u8]) -> (u32, u32, &[u8]) {
    let word = |i: usize| u32::from_le_bytes(out[i..i + 4].try_into().unwrap());
    (word(0), word(4), &out[8..])
}

#[test]
fn calls_another_contract_and_reads_its_return_data() {
    let mut env = Env::new();
    let echo =
        env.deploy(&program("(call $write_result (i32.const 0) (local.get $len)) (i32.const 0)"));
    let calls = env.deploy(&caller("call"));
    env.chain.set_balance(calls, U256::from(10));
    let mut data = echo.to_vec();
    data.extend_from_slice(b"ping");
    let receipt = env.send(calls, data);
    receipt.expect_success();
    assert_eq!(status(&receipt.output), (0, 4, &b"ping"[..]));
    assert_eq!(env.chain.balance(echo), U256::from(1), "the 1 wei was sent");
}

#[test]
fn error_when_a_call_fails_the_status_is_nonzero_and_the_revert_data_readable() {
    let mut env = Env::new();
    let reverter =
        env.deploy(&program("(call $write_result (i32.const 0) (local.get $len)) (i32.const 1)"));
    let calls = env.deploy(&caller("call"));
    env.chain.set_balance(calls, U256::from(10));
    let mut data = reverter.to_vec();
    data.extend_from_slice(b"no");
    let receipt = env.send(calls, data);
    receipt.expect_success();
    assert_eq!(status(&receipt.output), (1, 2, &b"no"[..]));
    assert_eq!(env.chain.balance(reverter), U256::ZERO, "the value went back with the revert");
}

#[test]
fn error_when_a_static_call_writes_storage() {
    let mut env = Env::new();
    let writer = env.deploy(&program(&format!("{STORE_LOAD} {}", ret(32))));
    let calls = env.deploy(&caller("static"));
    let mut data = writer.to_vec();
    data.extend_from_slice(&(U256::from(1), U256::from(2)).abi_encode_params());
    let receipt = env.send(calls, data);
    receipt.expect_success();
    assert_eq!(status(&receipt.output).0, 1, "the write in a static call failed");
    assert_eq!(env.chain.storage(writer, U256::from(1)), U256::ZERO);
}

#[test]
fn delegate_calls_write_the_callers_storage() {
    let mut env = Env::new();
    let writer = env.deploy(&program(&format!("{STORE_LOAD} {}", ret(32))));
    let calls = env.deploy(&caller("delegate"));
    let mut data = writer.to_vec();
    data.extend_from_slice(&(U256::from(1), U256::from(2)).abi_encode_params());
    env.send(calls, data).expect_success();
    assert_eq!(env.chain.storage(calls, U256::from(1)), U256::from(2));
    assert_eq!(env.chain.storage(writer, U256::from(1)), U256::ZERO);
}

#[test]
fn reports_reentrancy_when_the_program_is_lower_on_the_stack() {
    let mut env = Env::new();
    // With calldata: returns msg_reentrant. Without: calls itself (with one byte) and
    // returns the inner answer after its own.
    let body = "(if (i32.gt_u (local.get $len) (i32.const 0))
          (then
            (i32.store8 (i32.const 2048) (call $msg_reentrant))
            (call $write_result (i32.const 2048) (i32.const 1))
            (return (i32.const 0))))
        (call $contract_address (i32.const 1024))
        (i32.store8 (i32.const 2048) (call $msg_reentrant))
        (drop (call $call_contract (i32.const 1024) (i32.const 1024) (i32.const 1) (i32.const 1100) (i64.const -1) (i32.const 1200)))
        (drop (call $read_return_data (i32.const 2049) (i32.const 0) (i32.const 1)))
        (call $write_result (i32.const 2048) (i32.const 2))
        (i32.const 0)";
    let recursive = env.deploy(&program(body));
    assert_eq!(env.call(recursive, Vec::new()).output, Bytes::from(vec![0u8, 1]));
}

#[test]
fn creates_contracts_with_create1_and_create2() {
    let mut env = Env::new();
    // Init code returning the one-byte runtime 0x00 (STOP).
    let init = alloy::hex::decode("600060005360016000f3").unwrap();
    let body = "(i32.store8 (i32.const 1055) (i32.const 0))
        (if (i32.eqz (i32.load8_u (i32.const 0)))
          (then (call $create1 (i32.const 1) (i32.sub (local.get $len) (i32.const 1)) (i32.const 1024) (i32.const 2048) (i32.const 2068)))
          (else (call $create2 (i32.const 33) (i32.sub (local.get $len) (i32.const 33)) (i32.const 1024) (i32.const 1) (i32.const 2048) (i32.const 2068))))
        (call $write_result (i32.const 2048) (i32.const 24))
        (i32.const 0)";
    let factory = env.deploy(&program(body));
    let receipt = env.send(factory, [&[0u8][..], &init].concat());
    receipt.expect_success();
    let created = Address::from_slice(&receipt.output[0..20]);
    assert_eq!(created, factory.create(1), "CREATE address from the program's nonce");
    assert_eq!(env.chain.code(created), Bytes::from_static(&[0x00]));
    let salt = B256::repeat_byte(9);
    let receipt = env.send(factory, [&[1u8][..], salt.as_slice(), &init].concat());
    let created2 = Address::from_slice(&receipt.output[0..20]);
    assert_eq!(created2, factory.create2(salt, keccak256(&init)));
}

#[test]
fn error_when_init_code_reverts_the_address_is_zero_and_revert_data_kept() {
    let mut env = Env::new();
    // Init code: REVERT(0, 3) after MSTORE of "bad".
    let init = alloy::hex::decode("626261646000526003601dfd").unwrap();
    let body = "(call $create1 (i32.const 0) (local.get $len) (i32.const 1024) (i32.const 2048) (i32.const 2068))
        (drop (call $read_return_data (i32.const 2072) (i32.const 0) (i32.const 3)))
        (call $write_result (i32.const 2048) (i32.const 27))
        (i32.const 0)";
    let factory = env.deploy(&program(body));
    let out = env.send(factory, init).output;
    assert_eq!(Address::from_slice(&out[0..20]), Address::ZERO);
    assert_eq!(u32::from_le_bytes(out[20..24].try_into().unwrap()), 3);
    assert_eq!(&out[24..27], b"bad");
}

#[test]
fn reads_other_accounts_balance_code_and_code_hash() {
    let mut env = Env::new();
    let body = "(call $account_balance (i32.const 0) (i32.const 2048))
        (i32.store (i32.const 2080) (call $account_code_size (i32.const 0)))
        (call $account_codehash (i32.const 0) (i32.const 2084))
        (i32.store (i32.const 2116) (call $account_code (i32.const 0) (i32.const 1) (i32.const 100) (i32.const 2120)))
        (call $write_result (i32.const 2048) (i32.const 76))
        (i32.const 0)";
    let reader = env.deploy(&program(body));
    let target = Address::repeat_byte(0x77);
    env.chain.set_code(target, Bytes::from_static(&[0x60, 0x00, 0x00, 0xfe]));
    env.chain.set_balance(target, U256::from(123));
    let out = env.call(reader, target.to_vec()).output;
    assert_eq!(U256::from_be_slice(&out[0..32]), U256::from(123));
    assert_eq!(u32::from_le_bytes(out[32..36].try_into().unwrap()), 4);
    assert_eq!(B256::from_slice(&out[36..68]), keccak256([0x60, 0x00, 0x00, 0xfe]));
    assert_eq!(
        u32::from_le_bytes(out[68..72].try_into().unwrap()),
        3,
        "stops at the end of the code"
    );
    assert_eq!(&out[72..75], &[0x00, 0x00, 0xfe]);
    let empty = env.call(reader, Address::repeat_byte(0x78).to_vec()).output;
    assert_eq!(B256::from_slice(&empty[36..68]), B256::ZERO, "no account: zero hash");
}

#[test]
fn memory_growth_costs_page_gas_beyond_the_free_pages() {
    let mut env = Env::new();
    let grow = |pages: u32| {
        program(&format!(
            "(drop (memory.grow (i32.const {pages}))) (call $write_result (i32.const 0) (i32.const 0)) (i32.const 0)"
        ))
    };
    let small = env.deploy(&grow(1));
    let large = env.deploy(&grow(11));
    let (a, b) = (env.send(small, Vec::new()), env.send(large, Vec::new()));
    // 2 pages total are free; 12 pages cost 10 pages of 1,000 gas (plus a little compute).
    let extra = b.gas_used - a.gas_used;
    assert!((10_000..10_200).contains(&extra), "{extra}");
}

#[test]
fn error_when_memory_grows_beyond_the_page_limit() {
    let mut env = Env::new();
    let body = "(i32.store (i32.const 2048) (memory.grow (i32.const 128))) (call $write_result (i32.const 2048) (i32.const 4)) (i32.const 0)";
    let greedy = env.deploy(&program(body));
    let out = env.call(greedy, Vec::new()).output;
    assert_eq!(
        i32::from_le_bytes(out[0..4].try_into().unwrap()),
        -1,
        "memory.grow fails at 129 pages"
    );
}

#[test]
fn a_runaway_program_runs_out_of_gas_and_consumes_it_all() {
    let mut env = Env::new();
    let spin = env.deploy(&program("(loop $l (br $l)) (i32.const 0)"));
    let receipt =
        env.chain.send(TxRequest::call(env.me, spin, Bytes::new()).with_gas(200_000)).unwrap();
    assert!(!receipt.success);
    assert_eq!(receipt.gas_used, 200_000);
}

#[test]
fn error_when_activating_a_program_that_imports_the_console_outside_debug_mode() {
    let mut env = Env::new();
    let (name, params, _) = CONSOLE[2];
    let text = format!(
        "(module (import \"console\" \"{name}\" (func $log (param {})))
           (memory (export \"memory\") 1 1)
           (func (export \"user_entrypoint\") (param i32) (result i32) (call $log (i32.const 1)) (i32.const 0)))",
        wat_type(params[0])
    );
    let wasm = wat::parse_str(&text).unwrap();
    let address = env.chain.deploy_stylus_unactivated(env.me, &wasm).unwrap();
    let err = env.chain.activate(env.me, address).unwrap_err();
    let px_devnet::chain::ChainError::Reverted(data) = err else { panic!("{err:?}") };
    let reason = alloy::sol_types::decode_revert_reason(&data).unwrap();
    assert!(reason.contains("console::log_i32"), "{reason}");
}
