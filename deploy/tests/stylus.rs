//! px-deploy's Stylus steps against px-devnet over JSON-RPC: a program over 24 KiB deployed as
//! fragments and a root through `StylusDeployer` (ArbOS 61), refused where the chain has no
//! fragments (ArbOS 51), and bids in the chain's `CacheManager`, by the plan and the binary.

use std::path::PathBuf;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, Bytes, U256, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use px_abi::arbitrum::{ARB_WASM, ArbWasm};
use px_deploy::{DeployError, stylus};
use px_testkit::{
    DevnetServer,
    px_devnet::chain::{Chain, ChainConfig, config::DEV_KEYS},
};
use stylus_rules::{code::Root, testing};

fn provider(server: &DevnetServer) -> DynProvider {
    let signer: PrivateKeySigner = DEV_KEYS[1].parse().unwrap();
    ProviderBuilder::new().wallet(signer).connect_http(server.url().parse().unwrap()).erased()
}

fn devnet(arbos: u64) -> DevnetServer {
    DevnetServer::start(Chain::new(ChainConfig::default().with_arbos(arbos).unwrap()))
}

/// A program carrying 30,000 incompressible bytes (two fragments) that answers any call,
/// its constructor included, with the first 32 of them.
fn large_program() -> (Vec<u8>, Vec<u8>) {
    let data = testing::incompressible(30_000, 5);
    let wasm = wat::parse_str(format!(
        r#"(module
             (import "vm_hooks" "write_result" (func (param i32 i32)))
             (memory (export "memory") 1 1)
             (data (i32.const 0) "{}")
             (func (export "user_entrypoint") (param i32) (result i32)
               (call 0 (i32.const 0) (i32.const 32))
               i32.const 0))"#,
        testing::wat_string(&data)
    ))
    .unwrap();
    (wasm, data[..32].to_vec())
}

async fn call(provider: &DynProvider, to: Address, input: Vec<u8>) -> Bytes {
    provider.call(TransactionRequest::default().with_to(to).with_input(input)).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn deploys_a_program_over_24_kib_as_fragments_and_a_root() {
    let server = devnet(61);
    let provider = provider(&server);
    let (wasm, first) = large_program();
    let (at, sent) = stylus::deploy_with_constructor(&provider, &wasm, &[]).await.unwrap();
    assert_eq!(sent.earlier.len(), 2, "two fragment transactions first");
    let root = Root::parse(&provider.get_code_at(at).await.unwrap()).unwrap();
    let fragments: Vec<Address> =
        sent.earlier.iter().map(|r| r.contract_address.unwrap()).collect();
    assert_eq!(root.fragments, fragments.iter().map(|a| a.0.0).collect::<Vec<_>>());
    assert_eq!(call(&provider, at, Vec::new()).await.as_ref(), first.as_slice());
    let version =
        call(&provider, ARB_WASM, ArbWasm::programVersionCall { program: at }.abi_encode());
    assert_eq!(ArbWasm::programVersionCall::abi_decode_returns(&version.await).unwrap(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn error_when_the_chain_allows_fewer_fragments_than_the_program_needs() {
    let server = devnet(51);
    let provider = provider(&server);
    let (wasm, _) = large_program();
    let me: PrivateKeySigner = DEV_KEYS[1].parse().unwrap();
    let before = provider.get_transaction_count(me.address()).await.unwrap();
    let err = stylus::deploy_with_constructor(&provider, &wasm, &[]).await.unwrap_err();
    assert!(
        matches!(&err, DeployError::Refused(m) if m == "the program needs 2 fragments and the chain allows 0"),
        "{err}"
    );
    let after = provider.get_transaction_count(me.address()).await.unwrap();
    assert_eq!(before, after, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn bids_for_the_cache_and_then_calls_start_at_the_cached_price() {
    let server = devnet(61);
    let provider = provider(&server);
    let (wasm, _) = large_program();
    let (at, _) = stylus::deploy_with_constructor(&provider, &wasm, &[]).await.unwrap();
    let init = call(&provider, ARB_WASM, ArbWasm::programInitGasCall { program: at }.abi_encode());
    let init = ArbWasm::programInitGasCall::abi_decode_returns(&init.await).unwrap();
    let gas = |provider: &DynProvider| {
        let tx = TransactionRequest::default().with_to(at);
        let provider = provider.clone();
        async move { provider.estimate_gas(tx).await.unwrap() }
    };
    let uncached = gas(&provider).await;
    let steps = stylus::cache_programs(&provider, &[("Large", at)], U256::ZERO).await.unwrap();
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0].step, "cache Large");
    let code = provider.get_code_at(at).await.unwrap();
    let cached = stylus::ArbWasmCache::codehashIsCachedCall { codehash: keccak256(&code) };
    let cached = call(&provider, stylus::ARB_WASM_CACHE, cached.abi_encode()).await;
    assert!(stylus::ArbWasmCache::codehashIsCachedCall::abi_decode_returns(&cached).unwrap());
    assert_eq!(uncached - gas(&provider).await, init.gas - init.gasWhenCached);
    // Cached already: nothing to send.
    assert!(
        stylus::cache_programs(&provider, &[("Large", at)], U256::ZERO).await.unwrap().is_empty()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn error_when_the_cache_manager_refuses_the_bid() {
    let server = devnet(61);
    let provider = provider(&server);
    // Not an active program: the manager's codehashAsmSize query reverts, and the bid is named.
    let err =
        stylus::place_cache_bid(&provider, Address::repeat_byte(7), U256::ZERO).await.unwrap_err();
    assert!(matches!(&err, DeployError::Refused(m) if m.contains("cache bid for")), "{err}");
}

#[test]
fn the_binary_bids_for_every_program_when_the_plan_says_so() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    let server = DevnetServer::start(Chain::default());
    let dir = std::env::temp_dir().join(format!("px-deploy-cache-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let plan = dir.join("plan.toml");
    let text = format!("{}\n[cache]\nbid_wei = \"0\"\n", include_str!("../plans/local.toml"));
    std::fs::write(&plan, text).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_px-deploy"))
        .current_dir(&root)
        .env("PX_DEPLOYER_KEY", DEV_KEYS[1])
        .args(["--rpc-url", server.url(), "--plan"])
        .arg(&plan)
        .arg("--out")
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    for name in ["PxStorageNft", "PxSync", "PxStorefront", "PxRenderer"] {
        assert!(stdout.contains(&format!("cache {name}")), "{stdout}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}
