//! Byte compatibility with Chainlink's own contracts, against vectors recorded by running them
//! (`tests/chainlink-vectors/generate.sh`: LinkToken and Operator from @chainlink/contracts
//! 1.5.0 on anvil, with a consumer that builds the same request through Chainlink's Solidity
//! client).

use alloy_primitives::{Address, B256, Bytes, U256, hex};
use alloy_sol_types::SolCall;
use px_abi::IPxSync::{IPxSyncErrors, fulfillSyncCall};
use px_contract_testing::{CallHost, route};
use serde_json::Value;

use super::true_word;
use crate::{PxSync, SyncRejected, cbor, config::SyncConfig, requests::SyncRequests};

const VECTORS: &str = include_str!("../../../../tests/chainlink-vectors/vectors.json");

fn vectors() -> Value {
    serde_json::from_str(VECTORS).unwrap()
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn address(v: &Value) -> Address {
    v.as_str().unwrap().parse().unwrap()
}

/// `PxSync` deployed where the reference consumer was, configured with the same oracle, and a
/// core that knows token 7 with the vectors' key.
fn program_in_the_consumers_place(v: &Value) -> (CallHost, PxSync) {
    let inputs = &v["inputs"];
    let host = CallHost::new();
    host.set_contract_address(address(&inputs["requester"]));
    host.set_chain_id(inputs["chainId"].as_u64().unwrap());
    let core = address(&inputs["core"]);
    let mut sync = PxSync::from(&host);
    let owner = Address::repeat_byte(1);
    host.set_sender(owner);
    sync.constructor(owner, core).unwrap();
    let fee = U256::from_str_radix(inputs["fee"].as_str().unwrap(), 10).unwrap();
    let job_id = B256::from_slice(&bytes(&inputs["jobId"]));
    sync.set_oracle(address(&inputs["link"]), address(&inputs["operator"]), job_id, fee).unwrap();
    sync.set_sponsored_min_quota(1).unwrap();
    crate::cre::CreConfig::set_sync_route(&mut sync, crate::cre::ROUTE_DIRECT).unwrap();
    let token = U256::from(inputs["tokenId"].as_u64().unwrap());
    let context = px_abi::IPxStorageNft::syncContextCall::abi_encode_returns(
        &px_abi::IPxStorageNft::syncContextReturn {
            btnsKey: Bytes::from(bytes(&inputs["btnsKey"])),
            authorized: true,
            quotaBytes: 1 << 30,
            syncSequence: 1,
            metadataDigest: B256::ZERO,
            lastSyncedAt: 0,
            syncWindow: 3600,
            paused: false,
        },
    );
    for account in [owner, Address::ZERO] {
        let query = px_abi::IPxStorageNft::syncContextCall { tokenId: token, account }.abi_encode();
        host.mock_static_call(core, query, Ok(context.clone()));
    }
    let transfer = bytes(&v["request"]["transferAndCallInput"]);
    host.mock_call(address(&inputs["link"]), transfer, U256::ZERO, Ok(true_word()));
    (host, sync)
}

#[test]
fn cbor_parameters_match_chainlinks_library() {
    let v = vectors();
    let inputs = &v["inputs"];
    let ours = cbor::sync_request(
        &bytes(&inputs["btnsKey"]),
        inputs["tokenId"].as_u64().unwrap(),
        address(&inputs["core"]),
        inputs["chainId"].as_u64().unwrap(),
    );
    assert_eq!(ours, bytes(&v["request"]["cbor"]));
}

#[test]
fn the_request_is_byte_identical_to_chainlink_clients() {
    let v = vectors();
    let (host, mut sync) = program_in_the_consumers_place(&v);
    let request_id =
        sync.request_sync(U256::from(v["inputs"]["tokenId"].as_u64().unwrap())).unwrap();
    let link_calls = host.calls_to(address(&v["inputs"]["link"]));
    assert_eq!(link_calls.len(), 1);
    assert_eq!(
        hex::encode(&link_calls[0].data),
        hex::encode(bytes(&v["request"]["transferAndCallInput"])),
        "LINK.transferAndCall input differs from Chainlink's client"
    );
    assert_eq!(request_id, B256::from_slice(&bytes(&v["request"]["requestId"])));
}

#[test]
fn the_operators_callback_decodes_into_fulfill_sync() {
    let v = vectors();
    let callback = bytes(&v["fulfil"]["callbackInput"]);
    let call = fulfillSyncCall::abi_decode(&callback).unwrap();
    let decoded = &v["fulfil"]["consumerDecoded"];
    assert_eq!(call.requestId, B256::from_slice(&bytes(&v["request"]["requestId"])));
    assert_eq!(call.sequence, decoded["sequence"].as_u64().unwrap());
    assert_eq!(call.usedBytes, decoded["usedBytes"].as_u64().unwrap());
    assert_eq!(u64::from(call.uploadCount), decoded["uploadCount"].as_u64().unwrap());
    assert_eq!(call.metadataDigest, B256::from_slice(&bytes(&decoded["metadataDigest"])));
}

#[test]
fn the_program_takes_the_operators_callback_as_sent() {
    let v = vectors();
    let (host, mut sync) = program_in_the_consumers_place(&v);
    sync.request_sync(U256::from(7)).unwrap();
    host.clear_mocks();
    // The exact calldata the Operator sent, from the Operator's address: answered, not
    // reverted; the vectors' signature is not a trusted signer's, so the report is rejected.
    host.set_sender(address(&v["inputs"]["operator"]));
    let callback = bytes(&v["fulfil"]["callbackInput"]);
    route::<PxSync>(&host, callback.clone()).unwrap();
    let logs = host.get_emitted_logs();
    let rejected: Vec<SyncRejected> = logs
        .iter()
        .filter_map(|(t, d)| {
            <SyncRejected as alloy_sol_types::SolEvent>::decode_raw_log(t.iter().copied(), d).ok()
        })
        .collect();
    assert_eq!(rejected.len(), 1);
    // Replayed, by anyone, the same bytes revert: the request is over.
    host.set_sender(Address::repeat_byte(0xee));
    let err = route::<PxSync>(&host, callback).unwrap_err();
    assert!(matches!(
        <IPxSyncErrors as alloy_sol_types::SolInterface>::abi_decode(&err).unwrap(),
        IPxSyncErrors::UnknownRequest(_)
    ));
}
