//! The PX job's whole pipeline on a request Chainlink's own Operator emitted (the recorded
//! vectors), with an adapter on a loopback socket: the transaction the runner sends is the
//! `fulfillOracleRequest2` a Chainlink node would send.

use std::{
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    sol_types::SolCall,
};
use px_abi::chainlink::OperatorInterface::fulfillOracleRequest2Call;
use px_job_runner::{
    Error, runner,
    spec::JobSpec,
    tasks::{Submitter, TaskContext},
};
use serde_json::{Value, json};

mod common;

use common::{adapter, adapter_answer, hex_bytes, vectors};

/// Records what would have been sent.
#[derive(Default)]
struct Recorder(Mutex<Vec<(Address, Bytes, u64)>>);

impl Submitter for Recorder {
    fn send(
        &self,
        to: Address,
        data: Bytes,
        gas_limit: u64,
    ) -> Pin<Box<dyn Future<Output = Result<B256, Error>> + Send + '_>> {
        self.0.lock().unwrap().push((to, data, gas_limit));
        Box::pin(async { Ok(B256::repeat_byte(0xaa)) })
    }
}

async fn run_job(
    status: u16,
    answer: Value,
) -> (Result<(), Error>, Vec<(Address, Bytes, u64)>, Vec<Value>) {
    let v = vectors();
    let (spec, pipeline) =
        JobSpec::parse(include_str!("../../scripts/chainlink/px-sync-job.toml")).unwrap();
    let (url, requests) = adapter(status, answer).await;
    let recorder = Arc::new(Recorder::default());
    let operator: Address = v["inputs"]["operator"].as_str().unwrap().parse().unwrap();
    let ctx = TaskContext {
        bridges: [("px-oracle-adapter".to_owned(), url)].into(),
        http: reqwest::Client::new(),
        bridge_timeout: Duration::from_secs(5),
        submitter: recorder.clone(),
        default_to: Some(operator),
    };
    let topics: Vec<B256> = v["request"]["oracleRequestTopics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().parse().unwrap())
        .collect();
    let data = Bytes::from(hex_bytes(&v["request"]["oracleRequestData"]));
    let result = runner::run(&spec, &pipeline, &topics, &data, &ctx).await.map(|_| ());
    let sent = recorder.0.lock().unwrap().clone();
    let got = requests.lock().unwrap().clone();
    (result, sent, got)
}

#[tokio::test]
async fn sends_the_fulfilment_a_chainlink_node_would() {
    let v = vectors();
    let (result, sent, requests) = run_job(200, adapter_answer(&v)).await;
    result.unwrap();

    // The adapter got the wire formats' request, with the CBOR parameters as strings.
    assert_eq!(requests.len(), 1);
    let data = &requests[0]["data"];
    assert_eq!(data["tokenId"], json!("7"));
    assert_eq!(data["chainId"], json!("412346"));
    assert_eq!(data["btnsKey"], v["inputs"]["btnsKey"]);
    assert_eq!(data["contract"], v["inputs"]["core"]);
    assert_eq!(requests[0]["id"], json!("0eec7e1d-d0d2-476c-a1a8-72dfb6633f46"));

    // One transaction, to the Operator, with the job's gas limit, carrying exactly the bytes the
    // Operator forwarded to the consumer in the recorded run.
    assert_eq!(sent.len(), 1);
    let (to, calldata, gas) = &sent[0];
    assert_eq!(to.to_string().to_lowercase(), v["inputs"]["operator"].as_str().unwrap());
    assert_eq!(*gas, 1_000_000);
    let call = fulfillOracleRequest2Call::abi_decode(calldata).unwrap();
    assert_eq!(call.requestId, B256::from_slice(&hex_bytes(&v["request"]["requestId"])));
    assert_eq!(call.payment, U256::from(100_000_000_000_000_000u64));
    assert_eq!(
        call.callbackAddress.to_string().to_lowercase(),
        v["inputs"]["requester"].as_str().unwrap()
    );
    assert_eq!(call.expiration, U256::from(v["request"]["expiration"].as_u64().unwrap()));
    assert_eq!(call.data.to_vec(), hex_bytes(&v["fulfil"]["operatorCalldataTail"]));
    let mut forwarded = call.callbackFunctionId.to_vec();
    forwarded.extend_from_slice(&call.data);
    assert_eq!(forwarded, hex_bytes(&v["fulfil"]["callbackInput"]));
}

#[tokio::test]
async fn sends_nothing_when_the_adapter_refuses() {
    let body = json!({ "jobRunID": "1", "status": "errored", "statusCode": 422,
                       "error": { "name": "BadSignature", "message": "signer mismatch" } });
    let (result, sent, _) = run_job(422, body).await;
    assert!(matches!(result, Err(Error::Task { kind, .. }) if kind == "bridge"));
    assert!(sent.is_empty());
}

#[tokio::test]
async fn sends_nothing_when_the_answer_lacks_a_field() {
    let mut answer = adapter_answer(&vectors());
    answer["data"].as_object_mut().unwrap().remove("s");
    let (result, sent, _) = run_job(200, answer).await;
    assert!(matches!(result, Err(Error::Task { task, .. }) if task == "parse_s"));
    assert!(sent.is_empty());
}

#[tokio::test]
async fn sends_nothing_when_the_adapter_is_unreachable() {
    let v = vectors();
    let (spec, pipeline) =
        JobSpec::parse(include_str!("../../scripts/chainlink/px-sync-job.toml")).unwrap();
    let recorder = Arc::new(Recorder::default());
    let ctx = TaskContext {
        bridges: [("px-oracle-adapter".to_owned(), "http://127.0.0.1:9/".to_owned())].into(),
        http: reqwest::Client::new(),
        bridge_timeout: Duration::from_secs(2),
        submitter: recorder.clone(),
        default_to: None,
    };
    let topics: Vec<B256> = v["request"]["oracleRequestTopics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().parse().unwrap())
        .collect();
    let data = Bytes::from(hex_bytes(&v["request"]["oracleRequestData"]));
    let err = runner::run(&spec, &pipeline, &topics, &data, &ctx).await.unwrap_err();
    assert!(
        matches!(err, Error::Task { kind, message, .. } if kind == "bridge" && message.contains("unreachable"))
    );
    assert!(recorder.0.lock().unwrap().is_empty());
}
