//! Which requests the job answers, on px-devnet with the real programs and Chainlink's own
//! LinkToken and Operator: `PxSync`'s request runs; a stranger's
//! `LINK.transferAndCall(operator, fee, operatorRequest(...))` naming the PX job, with its own
//! callback, gets no transaction from the node's key (finding 6 of issue 15: without
//! `requesters` anyone could make the node pay 400,000+ gas per request for free), and neither
//! does a request paying less than the job's `minContractPaymentLinkJuels`.
//!
//! The adapter is a loopback stand-in answering the recorded report: what is checked here is
//! which requests make the node send anything, not what the chain does with the answer.

mod common;

use std::{sync::OnceLock, time::Duration};

use alloy::{
    network::EthereumWallet,
    primitives::{Address, B256, Bytes, U256},
    providers::{Provider, ProviderBuilder},
    sol_types::{SolCall, SolEvent, SolValue},
};
use common::{adapter, adapter_answer, hex_bytes, vectors};
use px_abi::{
    IPxStorageNft, IPxStorefront, IPxSync,
    chainlink::{LinkTokenInterface, OperatorInterface},
};
use px_job_runner::{
    Error,
    listener::{Listener, Outcome, submitter},
    spec::{JobSpec, Rejection},
    tasks::TaskContext,
};
use px_testkit::{Deployment, JOB_ID, PRICES};

/// The PX job as an operator deploys it: the template with the Operator and `requesters`
/// filled in as the operator guide says.
const TEMPLATE: &str = include_str!("../../scripts/chainlink/px-sync-job.toml");

/// A deployment with one token that has a key, and the block its requests start after.
fn deployment() -> Deployment {
    static WORLD: OnceLock<Deployment> = OnceLock::new();
    WORLD
        .get_or_init(|| {
            let mut d = Deployment::cached();
            let holder = d.users[0].address();
            let mint = IPxStorefront::mintCall { planId: U256::from(1) };
            let receipt = d.chain.send(px_testkit::px_devnet::chain::TxRequest {
                value: U256::from(PRICES[0]),
                ..px_testkit::px_devnet::chain::TxRequest::call(
                    holder,
                    d.storefront,
                    mint.abi_encode(),
                )
            });
            let receipt = receipt.expect("valid transaction");
            receipt.expect_success();
            let token = IPxStorefront::mintCall::abi_decode_returns(&receipt.output).unwrap();
            assert_eq!(token, U256::from(1), "the deployment's first token");
            let key = Bytes::from(hex_bytes(&vectors()["inputs"]["btnsKey"]));
            let register = IPxStorageNft::registerBtnsKeyCall { tokenId: token, btnsKey: key };
            d.send(d.registrar.address(), d.core, &register).expect_success();
            d
        })
        .clone()
}

/// `PxSync`'s request for token 1, paid by its holder with `LINK.transferAndCall`.
fn px_sync_requests(d: &mut Deployment) -> B256 {
    let pay = LinkTokenInterface::transferAndCallCall {
        to: d.sync,
        value: d.fee,
        data: U256::from(1).abi_encode().into(),
    };
    request_id(d, d.users[0].address(), &pay)
}

/// A stranger's request straight to the Operator for the PX job, paying `payment`, with the
/// PX request parameters and a callback of its own.
fn stranger_requests(d: &mut Deployment, stranger: Address, payment: U256) -> B256 {
    let request = OperatorInterface::operatorRequestCall {
        sender: Address::ZERO,
        payment: U256::ZERO,
        specId: JOB_ID,
        callbackFunctionId: IPxSync::fulfillSyncCall::SELECTOR.into(),
        nonce: U256::from(1),
        dataVersion: U256::from(2),
        data: hex_bytes(&vectors()["request"]["cbor"]).into(),
    };
    let pay = LinkTokenInterface::transferAndCallCall {
        to: d.operator,
        value: payment,
        data: request.abi_encode().into(),
    };
    request_id(d, stranger, &pay)
}

fn request_id(
    d: &mut Deployment,
    from: Address,
    pay: &LinkTokenInterface::transferAndCallCall,
) -> B256 {
    let receipt = d.send(from, d.link, pay);
    receipt.expect_success();
    receipt
        .logs
        .iter()
        .find_map(|l| OperatorInterface::OracleRequest::decode_log(l).ok())
        .expect("the Operator emitted OracleRequest")
        .requestId
}

/// Serves `d`, runs the job `spec_text` once over every request made after `from_block`, and
/// returns the outcomes with the number of transactions the node's key sent.
async fn run_job(d: &Deployment, spec_text: &str, from_block: u64) -> (Vec<Outcome>, u64) {
    let (mut spec, pipeline) = JobSpec::parse(spec_text).unwrap();
    spec.contract_address = d.operator;
    let server = d.serve();
    let node = d.oracle_node.address();
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(d.oracle_node.clone()))
        .connect_http(server.url().parse().unwrap())
        .erased();
    let (url, _) = adapter(200, adapter_answer(&vectors())).await;
    let ctx = TaskContext {
        bridges: [("px-oracle-adapter".to_owned(), url)].into(),
        http: reqwest::Client::new(),
        bridge_timeout: Duration::from_secs(10),
        submitter: submitter(provider.clone()),
        default_to: Some(d.operator),
    };
    let before = provider.get_transaction_count(node).await.unwrap();
    let mut listener = Listener::new(provider.clone(), spec, pipeline, ctx, from_block + 1);
    let outcomes = listener.poll().await.unwrap();
    let after = provider.get_transaction_count(node).await.unwrap();
    (outcomes, after - before)
}

fn outcome(outcomes: &[Outcome], request_id: B256) -> &Result<B256, Error> {
    &outcomes.iter().find(|o| o.request_id == request_id).expect("an outcome").result
}

/// The template's `requesters` line, its placeholder to be replaced with PxSync's address.
const PLACEHOLDER: &str = "requesters = [\"0x0000000000000000000000000000000000000000\"]";

/// The template with `requesters` filled in, as the operator guide says.
fn with_requesters(requesters: &[Address]) -> String {
    let list: Vec<String> = requesters.iter().map(|a| format!("\"{a}\"")).collect();
    assert!(TEMPLATE.contains(PLACEHOLDER), "the template's requesters placeholder");
    TEMPLATE.replace(PLACEHOLDER, &format!("requesters = [{}]", list.join(", ")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_px_sync_and_not_a_stranger_naming_the_job() {
    let mut d = deployment();
    let from = d.chain.block_number();
    let stranger = d.users[1].address();
    let fee = d.fee;
    let ours = px_sync_requests(&mut d);
    let theirs = stranger_requests(&mut d, stranger, fee);

    let (outcomes, sent) = run_job(&d, &with_requesters(&[d.sync]), from).await;
    assert_eq!(outcomes.len(), 2, "{outcomes:?}");
    assert!(outcome(&outcomes, ours).is_ok(), "{outcomes:?}");
    assert!(
        matches!(outcome(&outcomes, theirs), Err(Error::Rejected(Rejection::Requester(r))) if *r == stranger),
        "{outcomes:?}"
    );
    assert_eq!(sent, 1, "one transaction from the node's key: PxSync's answer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_requesters_a_stranger_is_answered_too() {
    // The template as it was (no requesters, any payment): the stranger's request costs the
    // node a transaction. This is what the two fields prevent.
    let mut d = deployment();
    let from = d.chain.block_number();
    let ours = px_sync_requests(&mut d);
    let stranger = d.users[1].address();
    let theirs = stranger_requests(&mut d, stranger, U256::from(1));
    let open = TEMPLATE.replace(PLACEHOLDER, "").replace(
        "minContractPaymentLinkJuels = \"100000000000000000\"",
        "minContractPaymentLinkJuels = \"0\"",
    );

    let (outcomes, sent) = run_job(&d, &open, from).await;
    assert!(outcome(&outcomes, ours).is_ok() && outcome(&outcomes, theirs).is_ok(), "{outcomes:?}");
    assert_eq!(sent, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn does_not_answer_a_request_paying_less_than_the_minimum() {
    let mut d = deployment();
    let from = d.chain.block_number();
    let stranger = d.users[1].address();
    let short = d.fee - U256::from(1);
    let underpaid = stranger_requests(&mut d, stranger, short);
    let ours = px_sync_requests(&mut d);

    // The stranger is listed, so only the payment stands in its way; PxSync pays exactly the
    // minimum, which is enough.
    let (outcomes, sent) = run_job(&d, &with_requesters(&[d.sync, stranger]), from).await;
    assert!(outcome(&outcomes, ours).is_ok(), "{outcomes:?}");
    assert!(
        matches!(
            outcome(&outcomes, underpaid),
            Err(Error::Rejected(Rejection::Payment { paid, minimum })) if *paid == short && *minimum == d.fee
        ),
        "{outcomes:?}"
    );
    assert_eq!(sent, 1);
}

#[test]
fn the_template_asks_for_the_fee_px_sync_pays() {
    let (spec, _) = JobSpec::parse(TEMPLATE).unwrap();
    assert_eq!(spec.min_contract_payment, Some(Deployment::cached().fee));
}
