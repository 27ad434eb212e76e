//! Helpers shared by the integration tests: artifacts on disk, a chain with a deployed core
//! program, calls through the px-abi bindings.
#![allow(dead_code, unreachable_pub)]

pub mod backend;
pub mod chainlink_flow;

use std::path::PathBuf;

use alloy::sol_types::{SolCall, SolValue};
use px_devnet::chain::{Chain, TxRequest};
use revm::primitives::{Address, Bytes, U256};

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("devnet is in the workspace")
        .to_path_buf()
}

/// A Stylus program built by `cargo xtask wasm` (`target/stylus/<name>.wasm`).
pub fn stylus_wasm(name: &str) -> Vec<u8> {
    let path = root().join("target/stylus").join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}): run `cargo xtask wasm` first (scripts/test.sh does)",
            path.display()
        )
    })
}

/// Deploys the core program through StylusDeployer with `owner` as its owner.
pub fn deploy_core(chain: &mut Chain, owner: Address) -> Address {
    let wasm = stylus_wasm("px_storage_nft");
    chain
        .deploy_stylus_with_constructor(owner, &wasm, &owner.abi_encode(), U256::ZERO)
        .expect("core deploys")
}

/// Sends `call` to `to` from `from`, mined.
pub fn send<C: SolCall>(
    chain: &mut Chain,
    from: Address,
    to: Address,
    call: &C,
) -> px_devnet::chain::Receipt {
    chain
        .send(TxRequest::call(from, to, Bytes::from(call.abi_encode())))
        .expect("valid transaction")
}

/// Calls a view and decodes its return.
pub fn view<C: SolCall>(chain: &Chain, to: Address, call: &C) -> C::Return {
    let out = chain
        .call(&TxRequest::call(Address::ZERO, to, Bytes::from(call.abi_encode())), None)
        .expect("call runs");
    assert!(out.success, "view reverted: 0x{}", alloy::hex::encode(&out.output));
    C::abi_decode_returns(&out.output).expect("return decodes")
}

/// 1 GiB.
pub const GIB: u64 = 1 << 30;

/// Intrinsic gas plus calldata (EIP-2028: 4 per zero byte, 16 per non-zero byte).
pub fn intrinsic(data: &[u8]) -> u64 {
    21_000 + data.iter().map(|b| if *b == 0 { 4 } else { 16 }).sum::<u64>()
}

/// An ed25519 peer id (identity multihash) whose public key is 32 bytes of `seed`.
pub fn key(seed: u8) -> Vec<u8> {
    let mut key = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
    key.extend_from_slice(&[seed; 32]);
    key
}

/// A chain with the core program deployed and its minter set; every actor is a funded
/// development account.
#[derive(Clone)]
pub struct Core {
    pub chain: Chain,
    pub nft: Address,
    pub owner: Address,
    pub minter: Address,
    pub alice: Address,
    pub bob: Address,
    pub carol: Address,
    pub stranger: Address,
}

impl Core {
    /// A copy of a fixture built once per test binary (deploying is the slow part).
    pub fn new() -> Self {
        static TEMPLATE: std::sync::OnceLock<Core> = std::sync::OnceLock::new();
        TEMPLATE.get_or_init(Self::build).clone()
    }

    fn build() -> Self {
        let mut chain = Chain::default();
        let accounts = chain.dev_accounts();
        let (owner, minter) = (accounts[1], accounts[2]);
        let nft = deploy_core(&mut chain, owner);
        send(&mut chain, owner, nft, &px_abi::IPxStorageNft::setMinterCall { minter })
            .expect_success();
        Self {
            chain,
            nft,
            owner,
            minter,
            alice: accounts[3],
            bob: accounts[4],
            carol: accounts[5],
            stranger: accounts[6],
        }
    }

    /// Mints a 1 GiB / 50-upload token with `key` to `to`, as the minter; returns its id.
    pub fn mint(&mut self, to: Address, key: &[u8]) -> U256 {
        let call = px_abi::IPxStorageNft::mintToCall {
            to,
            quotaBytes: GIB,
            uploadLimit: 50,
            btnsKey: Bytes::copy_from_slice(key),
        };
        let receipt = self.send(self.minter, &call);
        receipt.expect_success();
        px_abi::IPxStorageNft::mintToCall::abi_decode_returns(&receipt.output).expect("token id")
    }

    /// Sends `call` to the core from `from`.
    pub fn send<C: SolCall>(&mut self, from: Address, call: &C) -> px_devnet::chain::Receipt {
        send(&mut self.chain, from, self.nft, call)
    }

    /// Calls the core (not mined).
    pub fn call<C: SolCall>(&self, call: &C) -> px_devnet::chain::CallResult {
        self.chain
            .call(&TxRequest::call(self.alice, self.nft, Bytes::from(call.abi_encode())), None)
            .expect("call runs")
    }

    /// Calls a view of the core and decodes its return.
    pub fn view<C: SolCall>(&self, call: &C) -> C::Return {
        view(&self.chain, self.nft, call)
    }
}

/// The creation bytecode of a compiled Solidity artifact (`{ "bytecode": "0x..." }`).
pub fn creation_code(path: &std::path::Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("{} is missing ({e}): run `scripts/setup.sh chainlink` (Chainlink) or devnet/tests/sol/build.sh", path.display())
    });
    let json: serde_json::Value = serde_json::from_str(&text).expect("artifact is JSON");
    let hex = json["bytecode"].as_str().expect("artifact has bytecode");
    alloy::hex::decode(hex).expect("bytecode is hex")
}

/// A test helper compiled from `devnet/tests/sol` (committed in `devnet/tests/fixtures`).
pub fn fixture(name: &str) -> Vec<u8> {
    creation_code(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(format!("{name}.json")),
    )
}

/// Chainlink's `LinkToken` or `Operator`, compiled by `scripts/setup.sh chainlink`.
pub fn chainlink(name: &str) -> Vec<u8> {
    creation_code(&root().join("tools/chainlink/out").join(format!("{name}.json")))
}

/// Deploys `code` followed by ABI-encoded constructor `args`.
pub fn deploy_evm(chain: &mut Chain, from: Address, mut code: Vec<u8>, args: &[u8]) -> Address {
    code.extend_from_slice(args);
    chain.deploy(from, code).expect("EVM contract deploys")
}
