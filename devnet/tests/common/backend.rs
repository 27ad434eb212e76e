//! One interface over px-devnet and anvil, so that the same EVM-only scenario runs on both and
//! their results and gas can be compared.

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
};
use px_devnet::chain::{Chain, TxRequest, config::DEV_KEYS};

/// A mined transaction, as both chains report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mined {
    pub success: bool,
    pub gas_used: u64,
    pub contract: Option<Address>,
    /// (emitter, topics, data) of each log.
    pub logs: Vec<(Address, Vec<B256>, Bytes)>,
}

/// A chain the scenario can drive.
pub trait Backend {
    /// Sends a transaction (`to: None` creates) with a fixed gas limit, mined at once.
    fn send(&mut self, from: Address, to: Option<Address>, data: Vec<u8>, gas: u64) -> Mined;
    /// Calls without mining.
    fn call(&mut self, to: Address, data: Vec<u8>) -> Bytes;
    /// Moves time forward for the next block.
    fn increase_time(&mut self, seconds: u64);
}

/// Senders both chains fund: anvil's first keys (px-devnet's development accounts 1..).
pub fn actors() -> Vec<Address> {
    DEV_KEYS[1..4].iter().map(|k| k.parse::<PrivateKeySigner>().unwrap().address()).collect()
}

impl Backend for Chain {
    fn send(&mut self, from: Address, to: Option<Address>, data: Vec<u8>, gas: u64) -> Mined {
        let req = TxRequest { from, to, data: data.into(), gas: Some(gas), ..TxRequest::default() };
        let r = Chain::send(self, req).expect("valid transaction");
        Mined {
            success: r.success,
            gas_used: r.gas_used,
            contract: r.contract_address,
            logs: r
                .logs
                .iter()
                .map(|l| (l.address, l.topics().to_vec(), l.data.data.clone()))
                .collect(),
        }
    }

    fn call(&mut self, to: Address, data: Vec<u8>) -> Bytes {
        Chain::call(self, &TxRequest::call(Address::ZERO, to, data), None)
            .expect("call runs")
            .output
    }

    fn increase_time(&mut self, seconds: u64) {
        Chain::increase_time(self, seconds);
    }
}

/// An anvil process on a free loopback port, killed when dropped.
pub struct Anvil {
    child: Child,
    rt: tokio::runtime::Runtime,
    provider: DynProvider,
}

impl Anvil {
    /// Starts `tools/npm`'s anvil with the hardfork and chain id of px-devnet.
    pub fn start() -> Self {
        let bin =
            super::root().join("tools/npm/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
        assert!(bin.exists(), "anvil is missing at {}: run scripts/setup.sh", bin.display());
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(bin)
            .args(["--port", &port.to_string(), "--hardfork", "prague", "--chain-id", "412346"])
            .arg("--silent")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("anvil starts");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let mut wallet = EthereumWallet::default();
        for key in &DEV_KEYS[1..4] {
            wallet.register_signer(key.parse::<PrivateKeySigner>().unwrap());
        }
        let url = format!("http://127.0.0.1:{port}").parse().unwrap();
        let provider = ProviderBuilder::new().wallet(wallet).connect_http(url).erased();
        let deadline = Instant::now() + Duration::from_secs(20);
        while rt.block_on(provider.get_chain_id()).is_err() {
            assert!(Instant::now() < deadline, "anvil did not answer");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, rt, provider }
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Backend for Anvil {
    fn send(&mut self, from: Address, to: Option<Address>, data: Vec<u8>, gas: u64) -> Mined {
        let mut tx =
            TransactionRequest::default().with_from(from).with_input(data).with_gas_limit(gas);
        tx = match to {
            Some(to) => tx.with_to(to),
            None => tx.into_create(),
        };
        let provider = self.provider.clone();
        self.rt.block_on(async move {
            // Automine: each transaction in its own block, as on px-devnet.
            let pending = provider.send_transaction(tx).await.expect("anvil accepts");
            let r = pending.get_receipt().await.expect("receipt");
            Mined {
                success: r.status(),
                gas_used: r.gas_used,
                contract: r.contract_address,
                logs: r
                    .inner
                    .logs()
                    .iter()
                    .map(|l| (l.address(), l.topics().to_vec(), l.data().data.clone()))
                    .collect(),
            }
        })
    }

    fn call(&mut self, to: Address, data: Vec<u8>) -> Bytes {
        let tx = TransactionRequest::default().with_to(to).with_input(data);
        let provider = self.provider.clone();
        self.rt.block_on(async move { provider.call(tx).await }).expect("call runs")
    }

    fn increase_time(&mut self, seconds: u64) {
        let _: U256 = self
            .rt
            .block_on(self.provider.raw_request("evm_increaseTime".into(), (seconds,)))
            .unwrap();
    }
}
