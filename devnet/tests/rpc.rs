//! The JSON-RPC server driven by an alloy provider, as apps, cast and cargo-stylus drive it:
//! signed transactions, calls with state overrides, revert data, logs, receipts, time and
//! snapshots, batches, and the errors for what the server does not do.

mod common;

use std::sync::{Arc, Mutex};

use alloy::{
    eips::BlockNumberOrTag,
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{
        Filter, TransactionRequest,
        state::{AccountOverride, StateOverride},
    },
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolError, SolEvent, SolValue},
};
use px_abi::IPxStorageNft::{self, IPxStorageNftErrors};
use px_devnet::{
    chain::{Chain, config::DEV_KEYS, constructor_selector},
    rpc,
    stylus::program,
    system::{ARB_WASM, STYLUS_DEPLOYER, abi::ArbWasm, abi::StylusDeployer},
};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// A server on a free loopback port and a provider signing with development key 1.
struct Server {
    provider: DynProvider,
    url: String,
    owner: Address,
    _stop: oneshot::Sender<()>,
}

async fn start() -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let chain =
        Arc::new(Mutex::new(Chain::with_wall_clock(px_devnet::chain::ChainConfig::default())));
    tokio::spawn(rpc::serve(listener, chain, async {
        let _ = stopped.await;
    }));
    let signer: PrivateKeySigner = DEV_KEYS[1].parse().unwrap();
    let owner = signer.address();
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(url.parse().unwrap())
        .erased();
    Server { provider, url, owner, _stop: stop }
}

/// Deploys the core through StylusDeployer with a signed transaction, as cargo-stylus does.
async fn deploy_core(s: &Server) -> Address {
    let wasm = common::stylus_wasm("px_storage_nft");
    let mut init = constructor_selector().to_vec();
    init.extend_from_slice(&s.owner.abi_encode());
    let deploy = StylusDeployer::deployCall {
        bytecode: program::init_code(&program::classic(&wasm)).into(),
        initData: init.into(),
        initValue: U256::ZERO,
        salt: alloy::primitives::B256::ZERO,
    };
    let tx = TransactionRequest::default()
        .with_to(STYLUS_DEPLOYER)
        .with_input(deploy.abi_encode())
        .with_value(U256::from(10).pow(U256::from(16)));
    let receipt = s.provider.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    assert!(receipt.status(), "deployment succeeded");
    receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| StylusDeployer::ContractDeployed::decode_log(&l.inner).ok())
        .expect("ContractDeployed")
        .deployedContract
}

#[tokio::test(flavor = "multi_thread")]
async fn serves_chain_id_blocks_and_balances() {
    let s = start().await;
    assert_eq!(s.provider.get_chain_id().await.unwrap(), 412_346);
    assert_eq!(s.provider.get_block_number().await.unwrap(), 0);
    let balance = s.provider.get_balance(s.owner).await.unwrap();
    assert_eq!(balance, U256::from(10_000u64) * U256::from(10).pow(U256::from(18)));
    let block = s
        .provider
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .expect("latest block");
    assert_eq!(block.header.number, 0);
    assert_eq!(s.provider.get_code_at(ARB_WASM).await.unwrap(), Bytes::from_static(&[0xfe]));
    assert_eq!(s.provider.get_gas_price().await.unwrap(), 100_000_000);
}

#[tokio::test(flavor = "multi_thread")]
async fn deploys_and_drives_the_core_over_json_rpc() {
    let s = start().await;
    let nft = IPxStorageNft::new(deploy_core(&s).await, s.provider.clone());
    assert_eq!(nft.owner().call().await.unwrap(), s.owner);
    nft.setMinter(s.owner).send().await.unwrap().get_receipt().await.unwrap();
    let receipt = nft
        .mintTo(s.owner, 1 << 30, 50, Bytes::new())
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status());
    assert_eq!(nft.ownerOf(U256::from(1)).call().await.unwrap(), s.owner);
    let filter = Filter::new()
        .address(*nft.address())
        .event_signature(IPxStorageNft::Transfer::SIGNATURE_HASH);
    let logs = s.provider.get_logs(&filter.from_block(0)).await.unwrap();
    assert_eq!(logs.len(), 1);
    let transfer = IPxStorageNft::Transfer::decode_log(&logs[0].inner).unwrap();
    assert_eq!(
        (transfer.from, transfer.to, transfer.tokenId),
        (Address::ZERO, s.owner, U256::from(1))
    );
    assert_eq!(logs[0].transaction_hash, Some(receipt.transaction_hash));
    let tx = s.provider.get_transaction_by_hash(receipt.transaction_hash).await.unwrap().unwrap();
    assert_eq!(tx.inner.signer(), s.owner);
}

#[tokio::test(flavor = "multi_thread")]
async fn error_when_a_call_reverts_the_error_carries_the_revert_data() {
    let s = start().await;
    let nft = IPxStorageNft::new(deploy_core(&s).await, s.provider.clone());
    let err = nft.ownerOf(U256::from(9)).call().await.unwrap_err();
    let decoded = err.as_decoded_interface_error::<IPxStorageNftErrors>().expect("custom error");
    assert!(
        matches!(decoded, IPxStorageNftErrors::ERC721NonexistentToken(e) if e.tokenId == U256::from(9))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn eth_call_applies_state_overrides_as_cargo_stylus_uses_them() {
    let s = start().await;
    let program = Address::repeat_byte(0x42);
    let sender = Address::repeat_byte(0x43);
    let code = program::classic(&common::stylus_wasm("px_storage_nft"));
    let mut state = StateOverride::default();
    state.insert(program, AccountOverride::default().with_code(code));
    state.insert(sender, AccountOverride::default().with_balance(U256::MAX));
    let call = ArbWasm::activateProgramCall { program }.abi_encode();
    let tx = TransactionRequest::default()
        .with_from(sender)
        .with_to(ARB_WASM)
        .with_input(call.clone())
        .with_value(U256::from(10).pow(U256::from(18)));
    let out = s.provider.call(tx).overrides(state).await.unwrap();
    let fee = ArbWasm::activateProgramCall::abi_decode_returns(&out).unwrap().dataFee;
    assert!(fee > U256::ZERO);
    // Without the overrides there is no program at that address.
    let bare = TransactionRequest::default().with_to(ARB_WASM).with_input(call);
    let err = s.provider.call(bare).await.unwrap_err();
    let resp = err.as_error_resp().expect("a JSON-RPC error");
    let data = resp.as_revert_data().expect("revert data");
    assert_eq!(data, Bytes::from(ArbWasm::ProgramNotWasm {}.abi_encode()));
}

#[tokio::test(flavor = "multi_thread")]
async fn moves_time_and_reverts_to_snapshots() {
    let s = start().await;
    let id: U256 = s.provider.raw_request("evm_snapshot".into(), ()).await.unwrap();
    let tx =
        TransactionRequest::default().with_to(Address::repeat_byte(1)).with_value(U256::from(5));
    s.provider.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    assert_eq!(s.provider.get_transaction_count(s.owner).await.unwrap(), 1);
    let reverted: bool = s.provider.raw_request("evm_revert".into(), (id,)).await.unwrap();
    assert!(reverted);
    assert_eq!(s.provider.get_transaction_count(s.owner).await.unwrap(), 0);
    assert_eq!(s.provider.get_balance(Address::repeat_byte(1)).await.unwrap(), U256::ZERO);
    let before = s
        .provider
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap()
        .header
        .timestamp;
    let _: u64 = s.provider.raw_request("evm_increaseTime".into(), (301,)).await.unwrap();
    let _: String = s.provider.raw_request("evm_mine".into(), ()).await.unwrap();
    let after = s
        .provider
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap()
        .header
        .timestamp;
    assert!(after >= before + 301, "{before} -> {after}");
}

#[tokio::test(flavor = "multi_thread")]
async fn error_when_reverting_to_a_used_snapshot() {
    let s = start().await;
    let id: U256 = s.provider.raw_request("evm_snapshot".into(), ()).await.unwrap();
    let first: bool = s.provider.raw_request("evm_revert".into(), (id,)).await.unwrap();
    let second: bool = s.provider.raw_request("evm_revert".into(), (id,)).await.unwrap();
    assert!(first);
    assert!(!second);
}

#[tokio::test(flavor = "multi_thread")]
async fn sends_unsigned_transactions_from_development_accounts() {
    let s = start().await;
    let dev = s.provider.get_accounts().await.unwrap()[2];
    let tx = json!({ "from": dev, "to": Address::repeat_byte(7), "value": "0x9" });
    let hash: alloy::primitives::B256 =
        s.provider.raw_request("eth_sendTransaction".into(), (tx,)).await.unwrap();
    let receipt = s.provider.get_transaction_receipt(hash).await.unwrap().expect("mined");
    assert!(receipt.status());
    assert_eq!(s.provider.get_balance(Address::repeat_byte(7)).await.unwrap(), U256::from(9));
}

#[tokio::test(flavor = "multi_thread")]
async fn error_when_an_unknown_account_sends_unsigned() {
    let s = start().await;
    let tx = json!({ "from": Address::repeat_byte(9), "to": Address::repeat_byte(7) });
    let err =
        s.provider.raw_request::<_, Value>("eth_sendTransaction".into(), (tx,)).await.unwrap_err();
    assert!(err.to_string().contains("not a development account"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn error_when_the_method_is_unknown() {
    let s = start().await;
    let err =
        s.provider.raw_request::<_, Value>("debug_traceTransaction".into(), ()).await.unwrap_err();
    let resp = err.as_error_resp().expect("a JSON-RPC error");
    assert_eq!(resp.code, -32_601);
}

#[tokio::test(flavor = "multi_thread")]
async fn error_when_reading_a_past_state() {
    let s = start().await;
    let tx =
        TransactionRequest::default().with_to(Address::repeat_byte(1)).with_value(U256::from(1));
    s.provider.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    let err = s.provider.get_balance(s.owner).number(0).await.unwrap_err();
    assert!(err.to_string().contains("latest state"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_batches() {
    let s = start().await;
    let batch = json!([
        { "jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": [] },
        { "jsonrpc": "2.0", "id": 2, "method": "eth_blockNumber" },
        { "jsonrpc": "2.0", "id": 3, "method": "no_such_method" },
    ]);
    let body = alloy::transports::http::reqwest::Client::new()
        .post(&s.url)
        .header("content-type", "application/json")
        .body(batch.to_string())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let answers: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(answers[0]["result"], json!("0x64aba"));
    assert_eq!(answers[1]["result"], json!("0x0"));
    assert_eq!(answers[2]["error"]["code"], json!(-32_601));
}
