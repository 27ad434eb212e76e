//! Gas of the core program's main transactions on px-devnet, against the storage estimate of
//! `docs/gas.md`: a Stylus transaction costs the intrinsic 21,000 plus calldata, the program's
//! start-up (nitro's uncached figure for the core, as `ArbWasm.programInitGas` answers it) and
//! memory, its storage exactly as the EVM prices it, its logs, and a small compute term. These
//! tests pin that decomposition so that a change in the pricing shows.

mod common;

use alloy::sol_types::SolCall;
use common::{Core, intrinsic, key, view};
use px_abi::{IPxStorageNft as Nft, arbitrum::ArbWasm};
use px_devnet::{chain::Receipt, system::ARB_WASM};
use revm::primitives::{Bytes, U256};
use stylus_rules::costs;

/// What a call into the core pays before its code runs: nitro's uncached start-up for the core
/// and the memory its footprint opens.
fn start_up(c: &Core) -> u64 {
    let init = view(&c.chain, ARB_WASM, &ArbWasm::programInitGasCall { program: c.nft });
    let pages = view(&c.chain, ARB_WASM, &ArbWasm::programMemoryFootprintCall { program: c.nft });
    init.gas + costs::memory_gas(&c.chain.config().stylus, pages, 0, 0)
}

/// Gas of the receipt's logs, as the EVM prices LOG0..LOG4.
fn log_gas(receipt: &Receipt) -> u64 {
    receipt
        .logs
        .iter()
        .map(|l| 375 + 375 * l.topics().len() as u64 + 8 * l.data.data.len() as u64)
        .sum()
}

/// Checks `gas_used` = intrinsic + start-up + `storage` + logs + compute, compute being
/// positive and small (Stylus compute is cheap: under 5,000 gas for these calls).
fn assert_decomposes(
    label: &str,
    receipt: &Receipt,
    data: &[u8],
    start_up: u64,
    storage: u64,
) -> u64 {
    let gas_used = receipt.gas_used;
    let fixed = intrinsic(data) + start_up + storage + log_gas(receipt);
    assert!(gas_used > fixed, "{label}: {gas_used} <= {fixed}");
    let compute = gas_used - fixed;
    assert!(compute < 5_000, "{label}: compute {compute} (gas {gas_used}, fixed {fixed})");
    println!("{label}: {gas_used} gas = fixed {fixed} + compute {compute}");
    compute
}

#[test]
fn core_transactions_cost_their_storage_plus_start_up_and_a_little_compute() {
    let mut c = Core::new();
    let call = Nft::mintToCall {
        to: c.alice,
        quotaBytes: 1 << 30,
        uploadLimit: 50,
        btnsKey: Bytes::from(key(1)),
    };
    let data = call.abi_encode();
    let start = start_up(&c);
    let mint = c.send(c.minter, &call);
    mint.expect_success();
    // docs/gas.md: a keyed mint to a new holder touches 115,500 gas of storage.
    assert_decomposes("mintTo (keyed, new holder)", &mint, &data, start, 115_500);

    c.mint(c.alice, &[]);
    let transfer = Nft::transferFromCall { from: c.alice, to: c.bob, tokenId: U256::from(1) };
    let data = transfer.abi_encode();
    let receipt = c.send(c.alice, &transfer);
    receipt.expect_success();
    // 17,100 for a holder with tokens, +17,100 for the receiver's new balance slot (cold).
    assert_decomposes("transferFrom (new receiver)", &receipt, &data, start, 17_100 + 17_100);
}

#[test]
fn the_core_starts_at_nitros_price_for_its_module() {
    // The core's start-up is nitro's formula over its module, well above the 8,832 floor that
    // px-devnet charged before it priced the module (measured: see the README's table).
    let c = Core::new();
    let init = view(&c.chain, ARB_WASM, &ArbWasm::programInitGasCall { program: c.nft });
    assert!(init.gas > 8_832 + 352 + 5_000, "uncached {}", init.gas);
    assert!(init.gasWhenCached > 352 && init.gasWhenCached < init.gas / 4);
    println!("core start-up: {} uncached, {} cached", init.gas, init.gasWhenCached);
}

#[test]
fn error_when_storage_is_underpriced_the_decomposition_fails() {
    // The decomposition has teeth: claiming less storage than the program writes leaves more
    // than 5,000 gas unexplained.
    let mut c = Core::new();
    let call = Nft::mintToCall {
        to: c.alice,
        quotaBytes: 1 << 30,
        uploadLimit: 50,
        btnsKey: Bytes::from(key(1)),
    };
    let data = call.abi_encode();
    let fixed = intrinsic(&data) + start_up(&c) + 56_300;
    let mint = c.send(c.minter, &call);
    assert!(mint.gas_used - fixed > 5_000);
}

#[test]
fn supports_interface_stays_under_erc165s_30000_gas_cached_or_not() {
    // ERC-165: a supportsInterface query must cost under 30,000 gas (OpenZeppelin's checker
    // calls it with 30,000). Measured as a wallet would, by eth_estimateGas, less the
    // intrinsic gas: the start-up dominates, so only the cached program has room to spare.
    let mut c = Core::new();
    let erc721 = alloy::primitives::FixedBytes([0x80, 0xac, 0x58, 0xcd]);
    let query = Nft::supportsInterfaceCall { interfaceId: erc721 };
    let req = px_devnet::chain::TxRequest::call(c.alice, c.nft, query.abi_encode());
    let init = view(&c.chain, ARB_WASM, &ArbWasm::programInitGasCall { program: c.nft });
    let uncached = c.chain.estimate_gas(&req, None).unwrap();
    c.chain.set_program_cached(c.nft, true).unwrap();
    let cached = c.chain.estimate_gas(&req, None).unwrap();
    let intrinsic = intrinsic(&query.abi_encode());
    println!("supportsInterface: eth_estimateGas {uncached} uncached, {cached} cached");
    assert!(uncached - intrinsic < 30_000, "uncached call {}", uncached - intrinsic);
    assert!(cached - intrinsic < 30_000 - 20_000, "cached call {}", cached - intrinsic);
    assert_eq!(uncached - cached, init.gas - init.gasWhenCached);
}
