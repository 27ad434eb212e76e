//! The host functions a program may import: module `vm_hooks` (and, on a debug chain only,
//! `console`), with their WASM types.

use wasmparser::ValType::{self, F32, F64, I32, I64};

/// A host function: name, parameter types, result types.
pub type HostFunction = (&'static str, &'static [ValType], &'static [ValType]);

/// Every `vm_hooks` function px-devnet implements: the 34 stylus-sdk 0.10 declares
/// (`src/hostio.rs`), plus `contract_address`, `exit_early` and transient storage, which nitro
/// offers and later SDKs import. Nitro's `math_*` functions are not here: no SDK this project
/// uses imports them, and a program that does is refused (by px-devnet and by the size gate).
pub const VM_HOOKS: &[HostFunction] = &[
    ("account_balance", &[I32, I32], &[]),
    ("account_code", &[I32, I32, I32, I32], &[I32]),
    ("account_code_size", &[I32], &[I32]),
    ("account_codehash", &[I32, I32], &[]),
    ("block_basefee", &[I32], &[]),
    ("block_coinbase", &[I32], &[]),
    ("block_gas_limit", &[], &[I64]),
    ("block_number", &[], &[I64]),
    ("block_timestamp", &[], &[I64]),
    ("call_contract", &[I32, I32, I32, I32, I64, I32], &[I32]),
    ("chainid", &[], &[I64]),
    ("contract_address", &[I32], &[]),
    ("create1", &[I32, I32, I32, I32, I32], &[]),
    ("create2", &[I32, I32, I32, I32, I32, I32], &[]),
    ("delegate_call_contract", &[I32, I32, I32, I64, I32], &[I32]),
    ("emit_log", &[I32, I32, I32], &[]),
    ("evm_gas_left", &[], &[I64]),
    ("evm_ink_left", &[], &[I64]),
    ("exit_early", &[I32], &[]),
    ("msg_reentrant", &[], &[I32]),
    ("msg_sender", &[I32], &[]),
    ("msg_value", &[I32], &[]),
    ("native_keccak256", &[I32, I32, I32], &[]),
    ("pay_for_memory_grow", &[I32], &[]),
    ("read_args", &[I32], &[]),
    ("read_return_data", &[I32, I32, I32], &[I32]),
    ("return_data_size", &[], &[I32]),
    ("static_call_contract", &[I32, I32, I32, I64, I32], &[I32]),
    ("storage_cache_bytes32", &[I32, I32], &[]),
    ("storage_flush_cache", &[I32], &[]),
    ("storage_load_bytes32", &[I32, I32], &[]),
    ("transient_load_bytes32", &[I32, I32], &[]),
    ("transient_store_bytes32", &[I32, I32], &[]),
    ("tx_gas_price", &[I32], &[]),
    ("tx_ink_price", &[], &[I32]),
    ("tx_origin", &[I32], &[]),
    ("write_result", &[I32, I32], &[]),
];

/// The debug-only `console` functions: accepted only on a debug chain (as on Arbitrum).
pub const CONSOLE: &[HostFunction] = &[
    ("log_f32", &[F32], &[]),
    ("log_f64", &[F64], &[]),
    ("log_i32", &[I32], &[]),
    ("log_i64", &[I64], &[]),
    ("log_txt", &[I32, I32], &[]),
];

/// The host function `module::name` a chain offers, if any.
pub fn find(module: &str, name: &str, debug: bool) -> Option<&'static HostFunction> {
    let table = match module {
        "vm_hooks" => VM_HOOKS,
        "console" if debug => CONSOLE,
        _ => &[],
    };
    table.iter().find(|(n, _, _)| *n == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declares_every_host_function_of_the_sdk() {
        assert_eq!(VM_HOOKS.len(), 37, "34 from stylus-sdk 0.10 plus three nitro offers");
    }

    #[test]
    fn console_is_only_found_on_a_debug_chain() {
        assert!(find("console", "log_i32", true).is_some());
        assert!(find("console", "log_i32", false).is_none());
        assert!(find("vm_hooks", "math_div", true).is_none());
    }
}
