//! Test support for the parts that talk to the chain (the PX node, `px`, end-to-end tests):
//! the real programs deployed on px-devnet with their roles set, served over JSON-RPC on a
//! free loopback port, so that code under test uses its production alloy path.
//!
//! - [`Deployment`]: core, storefront, sync and renderer (the WASM `cargo xtask wasm` builds,
//!   deployed through `StylusDeployer` with their constructors), Chainlink's LinkToken and
//!   Operator (`scripts/setup.sh chainlink`), roles, oracle, sponsored syncs for paid plans,
//!   usage signer, LINK balances; Chainlink's `KeystoneForwarder` configured for px-don's
//!   4-node development DON (f = 1) and PxSync's CRE receiver configured as
//!   `deploy/plans/local.toml` says. The route is Direct Request ([`Deployment::new`]) so that
//!   tests driving px-job-runner keep working; [`Deployment::use_cre`] switches to CRE.
//! - [`DevnetServer`]: a deployment's chain served on `127.0.0.1:<free port>`.
//!
//! Actors are px-devnet's development accounts (public keys, never use them elsewhere).

use std::{
    path::PathBuf,
    sync::{Arc, Mutex, OnceLock, PoisonError},
};

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolValue},
};
use px_abi::{IPxStorageNft, IPxSync, chainlink::OperatorInterface};
/// px-devnet, for tests that drive the chain directly.
pub use px_devnet;
use px_devnet::chain::{Chain, Receipt, TxRequest, config::DEV_KEYS};

/// One LINK (18 decimals).
pub const LINK: u128 = 1_000_000_000_000_000_000;
/// The job id the sync requests name: the ASCII of the 32 hex digits of the PX job's
/// `externalJobID` (`scripts/chainlink/px-sync-job.toml`), as `PxSync.setOracle` takes it, so
/// that px-job-runner with that spec answers this deployment's requests.
pub const JOB_ID: B256 = B256::new(*b"0eec7e1dd0d2476ca1a872dfb6633f46");
/// Plan prices the storefront is deployed with (plans 1, 2, 3), in wei.
pub const PRICES: [u128; 3] =
    [1_000_000_000_000_000, 4_000_000_000_000_000, 15_000_000_000_000_000];

/// The workflow id PxSync expects (`deploy/plans/local.toml`'s `cre.workflow_id`).
pub const WORKFLOW_ID: B256 = B256::new([
    0x00, 0x70, 0x78, 0x2d, 0x73, 0x79, 0x6e, 0x63, 0x2d, 0x6c, 0x6f, 0x63, 0x61, 0x6c, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
]);
/// The workflow name PxSync expects (checked with the owner).
pub const WORKFLOW_NAME: &str = "px-sync";
/// Wei per user-paid CRE sync (`requestSyncWithFee`).
pub const SYNC_FEE_WEI: u128 = 100_000_000_000_000;
/// Seconds before an unanswered CRE request may be cancelled.
pub const CRE_REQUEST_TIMEOUT_S: u64 = 300;
/// The local DON's id and configuration version on the forwarder.
pub const DON_ID: u32 = 1;
/// Faults the local DON tolerates (4 nodes).
pub const DON_F: u8 = 1;
/// `SyncRequested.route` of CRE.
pub const ROUTE_CRE: u8 = 1;
/// `SyncRequested.route` of Direct Request.
pub const ROUTE_DIRECT_REQUEST: u8 = 2;

alloy::sol! {
    /// `KeystoneForwarder.setConfig` (px-don has the whole interface; this fixture runs on the
    /// library chain without RPC).
    interface ForwarderConfig {
        function setConfig(uint32 donId, uint32 configVersion, uint8 f, address[] calldata signers) external;
    }
}

alloy::sol! {
    /// LinkToken's minting (not part of the PX bindings: only tests mint LINK).
    interface LinkMint {
        function grantMintRole(address minter) external;
        function mint(address account, uint256 amount) external;
    }
}

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().map(PathBuf::from).unwrap_or_default()
}

fn read(path: &PathBuf, hint: &str) -> Vec<u8> {
    std::fs::read(path)
        .unwrap_or_else(|e| panic!("{} is missing ({e}): run {hint}", path.display()))
}

/// A program built by `cargo xtask wasm`.
///
/// # Panics
/// If `cargo xtask wasm` did not build it.
pub fn stylus_wasm(name: &str) -> Vec<u8> {
    read(&root().join("target/stylus").join(format!("{name}.wasm")), "`cargo xtask wasm`")
}

/// Creation bytecode of Chainlink's `LinkToken` or `Operator`.
///
/// # Panics
/// If `scripts/setup.sh chainlink` did not build it.
pub fn chainlink(name: &str) -> Vec<u8> {
    let path = root().join("tools/chainlink/out").join(format!("{name}.json"));
    let json: serde_json::Value =
        serde_json::from_slice(&read(&path, "`scripts/setup.sh chainlink`"))
            .expect("JSON artifact");
    alloy::hex::decode(json["bytecode"].as_str().expect("bytecode")).expect("hex bytecode")
}

fn key(i: usize) -> PrivateKeySigner {
    DEV_KEYS[i].parse().expect("development key")
}

/// Everything deployed and configured, on a library chain.
#[derive(Clone, Debug)]
pub struct Deployment {
    /// The chain (clone it to branch a test off the fixture).
    pub chain: Chain,
    /// `PxStorageNft`.
    pub core: Address,
    /// `PxStorefront` (the core's minter).
    pub storefront: Address,
    /// `PxSync` (the core's syncer).
    pub sync: Address,
    /// `PxRenderer`.
    pub renderer: Address,
    /// LinkToken.
    pub link: Address,
    /// Chainlink Operator.
    pub operator: Address,
    /// Owner of every program.
    pub owner: PrivateKeySigner,
    /// The core's registrar (the node's registration management).
    pub registrar: PrivateKeySigner,
    /// A usage signer `PxSync` trusts (the node's).
    pub usage_signer: PrivateKeySigner,
    /// The Chainlink node's authorized sender on the Operator.
    pub oracle_node: PrivateKeySigner,
    /// Token buyers, each with ETH and 100 LINK.
    pub users: Vec<PrivateKeySigner>,
    /// LINK per sync request.
    pub fee: U256,
    /// Chainlink's `KeystoneForwarder`, PxSync's configured forwarder.
    pub forwarder: Address,
    /// The local DON's node keys (px-don's development signers), configured on the forwarder.
    pub don_signers: Vec<PrivateKeySigner>,
    /// The CRE workflow owner PxSync expects (the owner's address, as in the local plan).
    pub workflow_owner: Address,
}

impl Deployment {
    /// A copy of a deployment built once per test binary.
    pub fn cached() -> Self {
        static TEMPLATE: OnceLock<Deployment> = OnceLock::new();
        TEMPLATE.get_or_init(Self::new).clone()
    }

    /// Deploys and configures everything on a fresh chain.
    ///
    /// # Panics
    /// If an artifact is missing or a deployment step fails (a broken fixture).
    pub fn new() -> Self {
        let mut chain = Chain::default();
        let (owner, registrar, usage_signer, oracle_node) = (key(1), key(2), key(3), key(4));
        let users: Vec<PrivateKeySigner> = (5..DEV_KEYS.len()).map(key).collect();
        let o = owner.address();
        let core = chain
            .deploy_stylus_with_constructor(
                o,
                &stylus_wasm("px_storage_nft"),
                &o.abi_encode(),
                U256::ZERO,
            )
            .expect("core deploys");
        let prices = PRICES.map(U256::from);
        let storefront = chain
            .deploy_stylus_with_constructor(
                o,
                &stylus_wasm("px_storefront"),
                &(o, core, prices[0], prices[1], prices[2]).abi_encode_params(),
                U256::ZERO,
            )
            .expect("storefront deploys");
        let sync = chain
            .deploy_stylus_with_constructor(
                o,
                &stylus_wasm("px_sync"),
                &(o, core).abi_encode_params(),
                U256::ZERO,
            )
            .expect("sync deploys");
        let renderer = chain
            .deploy_stylus_with_constructor(
                o,
                &stylus_wasm("px_renderer"),
                &core.abi_encode(),
                U256::ZERO,
            )
            .expect("renderer deploys");
        let link = chain.deploy(o, chainlink("LinkToken")).expect("LinkToken deploys");
        let mut operator_code = chainlink("Operator");
        operator_code.extend_from_slice(&(link, o).abi_encode_params());
        let operator = chain.deploy(o, operator_code).expect("Operator deploys");
        let forwarder =
            chain.deploy(o, chainlink("KeystoneForwarder")).expect("KeystoneForwarder deploys");
        let fee = U256::from(LINK / 10);
        let mut d = Self {
            chain,
            core,
            storefront,
            sync,
            renderer,
            link,
            operator,
            owner,
            registrar,
            usage_signer,
            oracle_node,
            users,
            fee,
            forwarder,
            don_signers: px_don::don::dev_signers(3 * usize::from(DON_F) + 1),
            workflow_owner: o,
        };
        d.send(o, core, &IPxStorageNft::setMinterCall { minter: storefront }).expect_success();
        d.send(o, core, &IPxStorageNft::setRegistrarCall { registrar: d.registrar.address() })
            .expect_success();
        d.send(o, core, &IPxStorageNft::setSyncerCall { syncer: sync }).expect_success();
        d.send(o, core, &IPxStorageNft::setRendererCall { renderer }).expect_success();
        // Paid plans (1 GiB and up) may use sponsored syncs; the free plan (100 MiB) pays.
        d.send(o, sync, &IPxSync::setSponsoredMinQuotaCall { minQuotaBytes: 1 << 30 })
            .expect_success();
        d.send(o, sync, &IPxSync::setOracleCall { link, operator, jobId: JOB_ID, fee })
            .expect_success();
        d.send(
            o,
            sync,
            &IPxSync::setUsageSignerCall { signer: d.usage_signer.address(), trusted: true },
        )
        .expect_success();
        d.send(
            o,
            operator,
            &OperatorInterface::setAuthorizedSendersCall { senders: vec![d.oracle_node.address()] },
        )
        .expect_success();
        d.configure_cre();
        d.send(o, link, &LinkMint::grantMintRoleCall { minter: o }).expect_success();
        let hundred = U256::from(100 * LINK);
        let mut holders: Vec<Address> = d.users.iter().map(PrivateKeySigner::address).collect();
        holders.push(sync);
        for to in holders {
            d.send(o, link, &LinkMint::mintCall { account: to, amount: hundred }).expect_success();
        }
        d
    }

    /// The forwarder's DON and PxSync's CRE receiver, as the local plan configures them, with
    /// the route left on Direct Request.
    fn configure_cre(&mut self) {
        let (o, sync) = (self.owner.address(), self.sync);
        let signers = self.don_signers.iter().map(PrivateKeySigner::address).collect();
        let don =
            ForwarderConfig::setConfigCall { donId: DON_ID, configVersion: 1, f: DON_F, signers };
        self.send(o, self.forwarder, &don).expect_success();
        let forwarder = IPxSync::setForwarderAddressCall { forwarder: self.forwarder };
        self.send(o, sync, &forwarder).expect_success();
        let author = IPxSync::setExpectedAuthorCall { author: self.workflow_owner };
        self.send(o, sync, &author).expect_success();
        self.send(o, sync, &IPxSync::setExpectedWorkflowIdCall { id: WORKFLOW_ID })
            .expect_success();
        let name = IPxSync::setExpectedWorkflowNameCall { name: WORKFLOW_NAME.into() };
        self.send(o, sync, &name).expect_success();
        let fee = IPxSync::setSyncFeeCall { fee: U256::from(SYNC_FEE_WEI) };
        self.send(o, sync, &fee).expect_success();
        let timeout = IPxSync::setCreRequestTimeoutCall { timeoutSeconds: CRE_REQUEST_TIMEOUT_S };
        self.send(o, sync, &timeout).expect_success();
        self.set_route(ROUTE_DIRECT_REQUEST);
    }

    /// `PxSync.setSyncRoute(route)` from the owner.
    ///
    /// # Panics
    /// If PxSync refuses the route.
    pub fn set_route(&mut self, route: u8) {
        let o = self.owner.address();
        self.send(o, self.sync, &IPxSync::setSyncRouteCall { route }).expect_success();
    }

    /// Switches PxSync's requests to CRE (the local plan's default route).
    pub fn use_cre(&mut self) {
        self.set_route(ROUTE_CRE);
    }

    /// Sends `call` from `from` to `to`, mined.
    ///
    /// # Panics
    /// If the chain refuses the transaction as invalid (not on a revert: check the receipt).
    pub fn send<C: SolCall>(&mut self, from: Address, to: Address, call: &C) -> Receipt {
        self.chain
            .send(TxRequest::call(from, to, Bytes::from(call.abi_encode())))
            .expect("valid transaction")
    }

    /// Serves this deployment's chain over JSON-RPC.
    pub fn serve(&self) -> DevnetServer {
        DevnetServer::start(self.chain.clone())
    }
}

impl Default for Deployment {
    fn default() -> Self {
        Self::new()
    }
}

/// A chain served over JSON-RPC on a free loopback port from a thread of its own; stopped on
/// drop. Tests reach into the chain through [`DevnetServer::chain`] (e.g. to move time).
#[derive(Debug)]
pub struct DevnetServer {
    url: String,
    chain: Arc<Mutex<Chain>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl DevnetServer {
    /// Serves `chain`.
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub fn start(chain: Chain) -> Self {
        let shared = Arc::new(Mutex::new(chain));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let url = format!("http://{}", listener.local_addr().expect("bound address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = shared.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                let _ = px_devnet::rpc::serve(listener, served, async {
                    let _ = stopped.await;
                })
                .await;
            });
        });
        Self { url, chain: shared, stop: Some(stop), thread: Some(thread) }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The served chain, locked.
    pub fn chain(&self) -> std::sync::MutexGuard<'_, Chain> {
        self.chain.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for DevnetServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
