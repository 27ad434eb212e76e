//! The shared CRE vectors (`cre/px-sync/vectors/reports.json`, written by px-don's test and
//! checked by the workflow's): the exact report bytes the workflow and the local DON produce
//! for the honest answer are accepted by the receiver, which applies the signed usage.

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::SolCall;
use px_abi::IPxStorageNft::{applyUsageCall, syncContextCall, syncContextReturn};
use px_contract_testing::CallHost;
use serde_json::Value;

use super::{FORWARDER, OWNER, WORKFLOW_ID, WORKFLOW_OWNER, our_metadata};
use crate::{
    PxSync, SyncFulfilled, config::SyncConfig, cre::CreConfig, receiver::CreReceiver,
    report::decode_report, requests::SyncRequests,
};

fn vectors() -> Value {
    serde_json::from_str(include_str!("../../../../cre/px-sync/vectors/reports.json")).unwrap()
}

fn hex(v: &Value) -> Vec<u8> {
    alloy_primitives::hex::decode(v.as_str().unwrap()).unwrap()
}

fn honest(v: &Value) -> (Value, Vec<u8>) {
    let case = v["cases"].as_array().unwrap().iter().find(|c| c["error"].is_null()).unwrap();
    let answer: Value = serde_json::from_str(case["answer"].as_str().unwrap()).unwrap();
    (answer, hex(&case["payload"]))
}

#[test]
fn the_workflows_report_decodes_to_its_answer() {
    let v = vectors();
    let (answer, payload) = honest(&v);
    let report = decode_report(&payload).expect("the workflow's report is canonical");
    let number = |k: &str| answer[k].as_str().unwrap().parse::<u64>().unwrap();
    assert_eq!(U256::from_be_bytes(report.token_id.0), U256::from(number("tokenId")));
    assert_eq!(report.sequence, number("sequence"));
    assert_eq!(report.used_bytes, number("usedBytes"));
    assert_eq!(u64::from(report.upload_count), number("uploadCount"));
    assert_eq!(report.metadata_digest, B256::from_slice(&hex(&answer["metadataDigest"])));
    assert_eq!(report.signatures, hex(&answer["signature"]).as_slice());
}

#[test]
fn the_receiver_applies_the_workflows_report() {
    let v = vectors();
    let (answer, mut payload) = honest(&v);
    let config = &v["config"];
    let core: Address = config["core"].as_str().unwrap().parse().unwrap();
    let signer: Address = config["trustedSigners"][0].as_str().unwrap().parse().unwrap();
    let token = U256::from(answer["tokenId"].as_str().unwrap().parse::<u64>().unwrap());

    let host = CallHost::new();
    host.set_contract_address(Address::repeat_byte(0x5c));
    host.set_chain_id(config["chainId"].as_u64().unwrap());
    let mut sync = PxSync::from(&host);
    host.set_sender(OWNER);
    sync.constructor(OWNER, core).unwrap();
    sync.set_usage_signer(signer, true).unwrap();
    sync.set_sponsored_min_quota(1).unwrap();
    sync.set_forwarder_address(FORWARDER).unwrap();
    sync.set_expected_workflow_id(WORKFLOW_ID).unwrap();
    sync.set_expected_author(WORKFLOW_OWNER).unwrap();
    let owner = Address::repeat_byte(0x0a);
    for account in [owner, Address::ZERO] {
        let context = syncContextCall::abi_encode_returns(&syncContextReturn {
            btnsKey: Bytes::from(hex(&answer["btnsKey"])),
            authorized: account == owner,
            quotaBytes: 1 << 30,
            syncSequence: 1,
            metadataDigest: B256::ZERO,
            lastSyncedAt: 0,
            syncWindow: 3600,
            paused: false,
        });
        let query = syncContextCall { tokenId: token, account }.abi_encode();
        host.mock_static_call(core, query, Ok(context));
    }
    host.set_sender(owner);
    let id = sync.request_sync(token).unwrap();

    // The vectors answer a request id of their own; the report's first word names it, and no
    // signature covers it (the request is not part of the usage the node signs).
    payload[..32].copy_from_slice(id.as_slice());
    host.set_sender(FORWARDER);
    sync.on_report(our_metadata().into(), payload.into()).unwrap();

    let applied: Vec<applyUsageCall> = host
        .calls_to(core)
        .iter()
        .filter_map(|c| applyUsageCall::abi_decode(&c.data).ok())
        .collect();
    assert_eq!(applied.len(), 1, "the signed usage was applied");
    assert_eq!(applied[0].usedBytes, 3017);
    let fulfilled = host.events::<SyncFulfilled>();
    assert_eq!(fulfilled.len(), 1);
    assert_eq!(fulfilled[0].requestId, id);
}
