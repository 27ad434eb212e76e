//! px-job-runner: the PX job's codecs, as the job spec (`scripts/chainlink/px-sync-job.toml`)
//! wires them: `cborparse` of the request parameters, and the adapter's answer through
//! `jsonparse` and `ethabiencode` into the calls the node sends.

use std::sync::OnceLock;

use alloy::{
    primitives::{B256, U256},
    sol_types::SolCall,
};
use arbitrary::Arbitrary;
use ciborium::Value as Cbor;
use px_abi::{IPxSync::fulfillSyncCall, chainlink::OperatorInterface::fulfillOracleRequest2Call};
use px_job_runner::{
    dot::{Pipeline, Task},
    spec::JobSpec,
    tasks::run_local,
    vars::Vars,
};
use serde_json::{Map, Value, json};

/// `cborparse` of `data`, as the job's `decode_cbor` task runs it.
fn cborparse(data: &[u8]) -> Result<Value, px_job_runner::Error> {
    let task = Task {
        name: "decode_cbor".into(),
        kind: "cborparse".into(),
        attrs: [("data".to_owned(), "$(input)".to_owned())].into(),
    };
    let mut vars = Vars::default();
    vars.set("input", Value::String(format!("0x{}", alloy::hex::encode(data))));
    run_local(&task, &vars)
}

/// The pairs of a decoded request in Chainlink's "diet" CBOR (no outer map header).
fn diet_cbor(map: &Map<String, Value>) -> Vec<u8> {
    let mut out = Vec::new();
    for (key, value) in map {
        for item in [Cbor::Text(key.clone()), cbor_of(value)] {
            ciborium::ser::into_writer(&item, &mut out).expect("CBOR encodes into a Vec");
        }
    }
    out
}

fn cbor_of(value: &Value) -> Cbor {
    match value {
        Value::Null => Cbor::Null,
        Value::Bool(b) => Cbor::Bool(*b),
        Value::Number(n) => Cbor::Integer(n.as_i64().expect("cborparse yields i64 numbers").into()),
        Value::String(s) => Cbor::Text(s.clone()),
        Value::Array(items) => Cbor::Array(items.iter().map(cbor_of).collect()),
        Value::Object(map) => {
            Cbor::Map(map.iter().map(|(k, v)| (Cbor::Text(k.clone()), cbor_of(v))).collect())
        }
    }
}

/// A decoded request is a JSON object, and the CBOR of what it decoded to decodes to it again:
/// the parameters the adapter gets do not depend on how the request spelled them.
pub fn cbor_request(data: &[u8]) {
    let Ok(decoded) = cborparse(data) else { return };
    let Value::Object(map) = &decoded else { panic!("cborparse yielded {decoded}, not an object") };
    let again = cborparse(&diet_cbor(map)).expect("re-encoded parameters decode");
    assert_eq!(again, decoded);
}

/// The PX job's pipeline, parsed once.
fn job() -> &'static Pipeline {
    static JOB: OnceLock<Pipeline> = OnceLock::new();
    JOB.get_or_init(|| {
        JobSpec::parse(include_str!("../../scripts/chainlink/px-sync-job.toml"))
            .expect("the PX job spec parses")
            .1
    })
}

/// The recorded request (Chainlink's Operator emitted it), decoded by the job's first tasks.
fn recorded_run() -> &'static (Vars, B256) {
    static RUN: OnceLock<(Vars, B256)> = OnceLock::new();
    RUN.get_or_init(|| {
        let v: Value =
            serde_json::from_str(include_str!("../../tests/chainlink-vectors/vectors.json"))
                .expect("the vectors are JSON");
        let mut vars = Vars::default();
        vars.set("jobSpec", json!({ "externalJobID": "0eec7e1d-d0d2-476c-a1a8-72dfb6633f46" }));
        vars.set(
            "jobRun",
            json!({ "logData": v["request"]["oracleRequestData"], "logTopics": v["request"]["oracleRequestTopics"] }),
        );
        for task in job().order().iter().take_while(|t| t.kind != "bridge") {
            let out = run_local(task, &vars).expect("the recorded request decodes");
            vars.set(&task.name, out);
        }
        let id = v["request"]["requestId"].as_str().expect("a request id").parse();
        (vars, id.expect("a bytes32"))
    })
}

/// An adapter answer: each field either a canonical value (what the adapter writes) or any
/// string, so that both the refusals and the whole encoding are reached.
#[derive(Debug, Arbitrary)]
pub struct AnswerInput {
    sequence: Field<u64>,
    used_bytes: Field<u64>,
    upload_count: Field<u32>,
    metadata_digest: Field<[u8; 32]>,
    v: Field<u8>,
    r: Field<[u8; 32]>,
    s: Field<[u8; 32]>,
}

/// One answer field.
#[derive(Debug, Arbitrary)]
pub enum Field<T> {
    /// The adapter's spelling of a value.
    Canonical(T),
    /// Anything.
    Text(String),
}

/// A value of an answer field: how the adapter spells it, and the ABI word it encodes to.
pub trait AnswerValue {
    /// The adapter's text (decimal integers, `0x` hex words).
    fn spell(&self) -> String;
    /// The 32-byte word the ABI carries.
    fn word(&self) -> U256;
}

macro_rules! decimal_value {
    ($($t:ty),*) => {$(impl AnswerValue for $t {
        fn spell(&self) -> String { self.to_string() }
        fn word(&self) -> U256 { U256::from(*self) }
    })*};
}
decimal_value!(u8, u32, u64);

impl AnswerValue for [u8; 32] {
    fn spell(&self) -> String {
        format!("{:#x}", B256::from(*self))
    }

    fn word(&self) -> U256 {
        U256::from_be_bytes(*self)
    }
}

impl<T: AnswerValue> Field<T> {
    fn text(&self) -> String {
        match self {
            Self::Canonical(v) => v.spell(),
            Self::Text(s) => s.clone(),
        }
    }

    /// Checks that a field given canonically arrives as its value.
    fn arrives_as(&self, decoded: U256) {
        if let Self::Canonical(v) = self {
            assert_eq!(decoded, v.word(), "a canonical answer field arrives unchanged");
        }
    }
}

/// Runs the job's tasks after the bridge on `answer` (the adapter's JSON body); the output of
/// `encode_data` and `encode_tx`, or `None` when a task refuses the answer.
fn encode(answer: &Value) -> Option<(Vec<u8>, Vec<u8>)> {
    let (recorded, _) = recorded_run();
    let mut vars = recorded.clone();
    vars.set("fetch", answer.clone());
    let after_fetch = job().order().iter().skip_while(|t| t.kind != "bridge").skip(1);
    for task in after_fetch.take_while(|t| t.kind != "ethtx") {
        let out = run_local(task, &vars).ok()?;
        vars.set(&task.name, out);
    }
    let hex = |name: &str| {
        let text = vars.get(name).expect("the task ran").as_str().expect("encodings are text");
        alloy::hex::decode(text).expect("encodings are hex")
    };
    Some((hex("encode_data"), hex("encode_tx")))
}

fn answer_body(fields: [(&str, String); 7]) -> Value {
    let data: Map<String, Value> =
        fields.into_iter().map(|(k, v)| (k.to_owned(), Value::String(v))).collect();
    json!({ "jobRunID": "1", "data": data, "statusCode": 200 })
}

/// An answer the job encodes becomes a `fulfillSync` call for the recorded request, forwarded
/// in `fulfillOracleRequest2`; it carries exactly the canonical values it was given, and its
/// values spelled as the adapter spells them encode to the same bytes.
pub fn fulfil_args(input: &AnswerInput) {
    let body = answer_body([
        ("sequence", input.sequence.text()),
        ("usedBytes", input.used_bytes.text()),
        ("uploadCount", input.upload_count.text()),
        ("metadataDigest", input.metadata_digest.text()),
        ("v", input.v.text()),
        ("r", input.r.text()),
        ("s", input.s.text()),
    ]);
    let Some((data, tx)) = encode(&body) else { return };
    let args =
        fulfillSyncCall::abi_decode_raw(&data).expect("encode_data is fulfillSync's arguments");
    let mut encoded = Vec::new();
    fulfillSyncCall::abi_encode_raw(&args, &mut encoded);
    assert_eq!(encoded, data, "one encoding of the arguments");
    let (_, request_id) = recorded_run();
    assert_eq!(args.requestId, *request_id);
    let call =
        fulfillOracleRequest2Call::abi_decode(&tx).expect("encode_tx is fulfillOracleRequest2");
    assert_eq!(call.requestId, *request_id);
    assert_eq!(call.data.as_ref(), data.as_slice(), "the Operator forwards encode_data");
    assert_eq!(call.callbackFunctionId, fulfillSyncCall::SELECTOR);

    input.sequence.arrives_as(U256::from(args.sequence));
    input.used_bytes.arrives_as(U256::from(args.usedBytes));
    input.upload_count.arrives_as(U256::from(args.uploadCount));
    input.metadata_digest.arrives_as(args.metadataDigest.into());
    input.v.arrives_as(U256::from(args.v));
    input.r.arrives_as(args.r.into());
    input.s.arrives_as(args.s.into());
    let respelled = answer_body([
        ("sequence", args.sequence.to_string()),
        ("usedBytes", args.usedBytes.to_string()),
        ("uploadCount", args.uploadCount.to_string()),
        ("metadataDigest", format!("{:#x}", args.metadataDigest)),
        ("v", args.v.to_string()),
        ("r", format!("{:#x}", args.r)),
        ("s", format!("{:#x}", args.s)),
    ]);
    assert_eq!(encode(&respelled), Some((data, tx)), "the adapter's spelling encodes the same");
}
