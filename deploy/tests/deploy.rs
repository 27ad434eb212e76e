//! px-deploy against the local Stylus chain (px-devnet over JSON-RPC): the real programs,
//! Chainlink's LinkToken and Operator, every role wired as the plan says.

use std::path::PathBuf;

use alloy::{
    primitives::{Address, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use px_abi::{IPxStorageNft, IPxStorefront, IPxSync, chainlink::LinkTokenInterface};
use px_deploy::{
    DeployError,
    plan::Plan,
    system::{Artifacts, Deployment, deploy},
};
use px_don::forwarder::IKeystoneForwarder;
use px_testkit::{
    DevnetServer,
    px_devnet::chain::{Chain, config::DEV_KEYS},
};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn artifacts() -> Artifacts {
    Artifacts::read(&root().join("target/stylus"), &root().join("tools/chainlink/out"))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn local_plan() -> Plan {
    Plan::parse(include_str!("../plans/local.toml")).unwrap()
}

fn provider(server: &DevnetServer) -> (DynProvider, Address) {
    let signer: PrivateKeySigner = DEV_KEYS[1].parse().unwrap();
    let deployer = signer.address();
    (
        ProviderBuilder::new().wallet(signer).connect_http(server.url().parse().unwrap()).erased(),
        deployer,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn deploys_and_wires_everything_on_a_stylus_chain() {
    let server = DevnetServer::start(Chain::default());
    let (provider, deployer) = provider(&server);
    let plan = local_plan();
    let mut seen = Vec::new();
    let d = deploy(&provider, deployer, &artifacts(), &plan, &mut |s| seen.push(s.step.clone()))
        .await
        .unwrap();

    assert_eq!(d.chain_id, 412_346);
    assert_eq!(seen.len(), d.steps.len());
    assert!(d.steps.iter().all(|s| s.gas_used > 0));
    let core = IPxStorageNft::new(d.core, &provider);
    let roles = core.roles().call().await.unwrap();
    assert_eq!(
        (roles.minter, roles.registrar, roles.syncer, roles.renderer),
        (d.storefront, plan.registrar, d.sync, d.renderer)
    );
    assert_eq!(core.owner().call().await.unwrap(), deployer);
    let sync = IPxSync::new(d.sync, &provider);
    let oracle = sync.oracle().call().await.unwrap();
    assert_eq!(
        (oracle.link, oracle.operator, oracle.jobId, oracle.fee),
        (d.link, d.operator, d.job_id, d.fee)
    );
    assert!(sync.isUsageSigner(plan.usage_signers[0]).call().await.unwrap());
    let receiver = sync.creConfig().call().await.unwrap();
    assert_eq!(
        (receiver.forwarder, receiver.expectedAuthor, receiver.expectedWorkflowId),
        (d.cre.forwarder, plan.cre.workflow_owner, plan.cre.workflow_id)
    );
    assert_eq!(receiver.expectedWorkflowName.0, px_don::report::workflow_name_field("px-sync"));
    assert_eq!((receiver.syncFee, receiver.requestTimeout), (plan.sync_fee().unwrap(), 300));
    assert_eq!(sync.syncRoute().call().await.unwrap(), 1, "CRE is the default route");
    assert_eq!(d.sync_route, 1);
    let forwarder = IKeystoneForwarder::new(d.cre.forwarder, &provider);
    assert!(forwarder.typeAndVersion().call().await.unwrap().starts_with("KeystoneForwarder"));
    let don = d.cre.don.as_ref().unwrap();
    let dev: Vec<Address> =
        px_don::don::dev_signers(4).iter().map(PrivateKeySigner::address).collect();
    assert_eq!((don.f, &don.signers), (1, &dev));
    assert!(seen.iter().any(|s| s == "forwarder.setConfig"));
    assert_eq!(sync.sponsoredMinQuota().call().await.unwrap(), 1 << 30);
    let link = LinkTokenInterface::new(d.link, &provider);
    assert_eq!(
        link.balanceOf(d.sync).call().await.unwrap(),
        plan.link_for_sponsored_syncs().unwrap()
    );
    let storefront = IPxStorefront::new(d.storefront, &provider);
    assert_eq!(
        storefront.plan(U256::from(1)).call().await.unwrap().priceWei,
        plan.prices().unwrap()[0]
    );
    assert_eq!(storefront.core().call().await.unwrap(), d.core);

    let dir = std::env::temp_dir().join(format!("px-deploy-{}", std::process::id()));
    let path = d.write(&dir).unwrap();
    assert_eq!(path.file_name().unwrap(), "412346.json");
    assert_eq!(Deployment::read(&path).unwrap(), d);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn deploys_again_when_the_code_is_already_active() {
    // The second deployment of the same programs skips activation (no data fee).
    let server = DevnetServer::start(Chain::default());
    let (provider, deployer) = provider(&server);
    let first =
        deploy(&provider, deployer, &artifacts(), &local_plan(), &mut |_| {}).await.unwrap();
    let second =
        deploy(&provider, deployer, &artifacts(), &local_plan(), &mut |_| {}).await.unwrap();
    assert_ne!(first.core, second.core);
    assert!(second.steps[0].gas_used < first.steps[0].gas_used, "no activation the second time");
}

#[tokio::test(flavor = "multi_thread")]
async fn proposes_the_new_owner_after_wiring() {
    let server = DevnetServer::start(Chain::default());
    let (provider, deployer) = provider(&server);
    let new_owner = Address::repeat_byte(0x42);
    let mut plan = local_plan();
    plan.new_owner = Some(new_owner);
    let d = deploy(&provider, deployer, &artifacts(), &plan, &mut |_| {}).await.unwrap();
    let core = IPxStorageNft::new(d.core, &provider);
    assert_eq!(core.pendingOwner().call().await.unwrap(), new_owner);
    assert_eq!(core.owner().call().await.unwrap(), deployer, "until it accepts");
    assert_eq!(IPxSync::new(d.sync, &provider).pendingOwner().call().await.unwrap(), new_owner);
}

#[tokio::test(flavor = "multi_thread")]
async fn error_when_the_oracle_addresses_have_no_code() {
    // A remote plan pointing at accounts without code (a typo, the wrong chain): refused before
    // anything is deployed.
    let server = DevnetServer::start(Chain::default());
    let (provider, deployer) = provider(&server);
    let text = include_str!("../plans/local.toml")
        .replace("deploy_local = true", "deploy_local = false\nlink = \"0x00000000000000000000000000000000000000aa\"\noperator = \"0x00000000000000000000000000000000000000bb\"");
    let plan = Plan::parse(&text).unwrap();
    let mut steps = 0;
    let err =
        deploy(&provider, deployer, &artifacts(), &plan, &mut |_| steps += 1).await.unwrap_err();
    assert!(
        matches!(&err, DeployError::Plan(m) if m.contains("chainlink.link") && m.contains("no code")),
        "{err}"
    );
    assert_eq!(steps, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn error_when_the_named_forwarder_has_no_code() {
    // An Arbitrum plan's forwarder on a chain where it does not exist (the wrong network, or a
    // stale directory entry): refused before anything is deployed.
    let server = DevnetServer::start(Chain::default());
    let (provider, deployer) = provider(&server);
    let text = include_str!("../plans/local.toml").replace(
        "forwarder = \"deploy\"",
        "forwarder = \"0x76c9cf548b4179F8901cda1f8623568b58215E62\"",
    );
    let text = text.split("[cre.don]").next().unwrap();
    let plan = Plan::parse(text).unwrap();
    let mut steps = 0;
    let err =
        deploy(&provider, deployer, &artifacts(), &plan, &mut |_| steps += 1).await.unwrap_err();
    assert!(
        matches!(&err, DeployError::Plan(m) if m.contains("cre.forwarder") && m.contains("no code")),
        "{err}"
    );
    assert_eq!(steps, 0);
}

#[test]
fn error_when_the_programs_are_not_built() {
    let err = Artifacts::read(&root().join("no-such-dir"), &root()).unwrap_err();
    assert!(matches!(err, DeployError::Artifact(m) if m.contains("cargo xtask wasm")));
}

#[test]
fn the_binary_deploys_and_writes_the_file() {
    let server = DevnetServer::start(Chain::default());
    let out = std::env::temp_dir().join(format!("px-deploy-bin-{}", std::process::id()));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_px-deploy"))
        .current_dir(root())
        .env("PX_DEPLOYER_KEY", DEV_KEYS[1])
        .args(["--rpc-url", server.url(), "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("deploy PxStorageNft") && stdout.contains("wrote"), "{stdout}");
    assert!(Deployment::read(&out.join("412346.json")).is_ok());
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn the_binary_refuses_to_run_without_a_key() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_px-deploy"))
        .current_dir(root())
        .env_remove("PX_DEPLOYER_KEY")
        .args(["--rpc-url", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("PX_DEPLOYER_KEY"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one clear line: {stderr}");
}

/// px-testkit's fixture, which the node's, the CLI's and the gas benchmark's tests run on, is
/// the environment the local plan describes: the same prices, job, fee, sponsored-sync
/// threshold and funding, the same registrar, usage signer and Chainlink node, and the same CRE
/// receiver configuration and DON. Only its route differs: Direct Request, for the tests that
/// drive px-job-runner (`Deployment::use_cre` switches).
#[test]
fn the_test_fixture_is_the_local_plan() {
    use alloy::sol_types::SolCall;
    use px_testkit::px_devnet::chain::TxRequest;

    let plan = local_plan();
    let d = px_testkit::Deployment::cached();
    let view = |to: Address, data: Vec<u8>| {
        d.chain.call(&TxRequest::call(Address::ZERO, to, data), None).unwrap().output
    };

    assert_eq!(plan.prices().unwrap(), px_testkit::PRICES.map(U256::from));
    assert_eq!(plan.job_id().unwrap(), px_testkit::JOB_ID);
    assert_eq!(plan.fee().unwrap(), d.fee);
    assert_eq!(plan.registrar, d.registrar.address());
    assert_eq!(plan.usage_signers, vec![d.usage_signer.address()]);
    assert_eq!(plan.chainlink.node, Some(d.oracle_node.address()));
    let min_quota = view(d.sync, IPxSync::sponsoredMinQuotaCall {}.abi_encode());
    assert_eq!(
        IPxSync::sponsoredMinQuotaCall::abi_decode_returns(&min_quota).unwrap(),
        plan.sync.sponsored_min_quota
    );
    let cre = view(d.sync, IPxSync::creConfigCall {}.abi_encode());
    let cre = IPxSync::creConfigCall::abi_decode_returns(&cre).unwrap();
    assert_eq!(
        (cre.forwarder, cre.expectedAuthor, cre.expectedWorkflowId),
        (d.forwarder, plan.cre.workflow_owner, plan.cre.workflow_id)
    );
    assert_eq!(
        cre.expectedWorkflowName.0,
        px_don::report::workflow_name_field(&plan.cre.workflow_name)
    );
    assert_eq!(
        (cre.syncFee, cre.requestTimeout),
        (plan.sync_fee().unwrap(), plan.cre.request_timeout_s)
    );
    let don = plan.cre.don.as_ref().unwrap();
    assert_eq!((don.don_id, don.f), (px_testkit::DON_ID, px_testkit::DON_F));
    assert_eq!(d.don_signers.len(), 3 * usize::from(don.f) + 1);
    let route = view(d.sync, IPxSync::syncRouteCall {}.abi_encode());
    assert_eq!(IPxSync::syncRouteCall::abi_decode_returns(&route).unwrap(), 2);
    let funds = view(d.link, LinkTokenInterface::balanceOfCall { owner: d.sync }.abi_encode());
    assert_eq!(
        LinkTokenInterface::balanceOfCall::abi_decode_returns(&funds).unwrap(),
        plan.link_for_sponsored_syncs().unwrap()
    );
}
