//! The local DON end to end on px-devnet: the fixture emits `SyncRequested`, the listener
//! picks it up, 4 nodes each fetch `GET /usage` from an oracle adapter over a real IPFS node
//! (js-ipfs, `scripts/setup.sh ipfs`), agree, sign, and one transmits through Chainlink's
//! `KeystoneForwarder` to the receiver fixture. A node that answers differently is outvoted; a
//! node that is down does not stop the DON; with two of four failing there is no report.

mod common;

use std::{sync::Arc, time::Duration};

use alloy::{
    primitives::{Address, B256, Bytes, U256, address},
    providers::Provider,
    signers::local::PrivateKeySigner,
};
use axum::{Router, routing::get};
use common::*;
use px_don::{
    don::{Don, Outcome},
    listener::Listener,
    node::{Node, SyncRequest, WorkflowConfig, observation},
    report::SyncReport,
};
use px_ipfs_testnode::IpfsNode;
use px_metadata::{BtnsKey, EncodedDocument, Timestamp, UsageDocument, VerifiedDocument};
use px_oracle_adapter::{AppState, Config, app, endpoint::UsageAnswer};
use tokio::net::TcpListener;

const CORE: Address = address!("0x00000000000000000000000000000000000000c0");
const TOKEN: u64 = 7;

fn usage_signer() -> PrivateKeySigner {
    key(4)
}

fn document(chain_id: u64, key: &BtnsKey, sequence: u64) -> EncodedDocument {
    UsageDocument::builder(chain_id, CORE, U256::from(TOKEN), key.clone())
        .sequence(sequence)
        .quota(1 << 30, 50)
        .usage(1000 * sequence, u32::try_from(sequence).unwrap())
        .updated_at(Timestamp::parse("2026-12-04T10:00:00Z").unwrap())
        .sign(&usage_signer())
        .unwrap()
}

async fn serve(router: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

/// The real adapter over the shared IPFS node.
async fn adapter(node: &IpfsNode) -> String {
    let mut c = Config::for_node(node.api_url(), "/api/v0");
    c.resolve_nocache = false;
    c.cache_max_age_ms = 0;
    serve(app(AppState::from_config(&c).unwrap())).await
}

/// An adapter that answers another, validly signed document (a stale or forked node).
async fn other_answer(doc: &EncodedDocument) -> String {
    let verified = VerifiedDocument::verify(doc.cid, &doc.bytes).unwrap();
    let body = Arc::new(serde_json::to_string(&UsageAnswer::of(&verified)).unwrap());
    serve(Router::new().route(
        "/usage",
        get(move || {
            let body = Arc::clone(&body);
            async move { ([("content-type", "application/json")], (*body).clone()) }
        }),
    ))
    .await
}

/// A URL where nothing listens.
async fn down() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

struct World {
    setup: Setup,
    don: Don,
    key: BtnsKey,
    published: EncodedDocument,
    stale: EncodedDocument,
}

/// The chain, the forwarder, a key published at sequence 2 (sequence 1 kept as the stale
/// answer), and a DON whose node `i` asks `urls[i]` (None: the honest adapter).
async fn world(name: &str, urls: [Option<Url>; 4]) -> World {
    let setup = Setup::new().await;
    let chain_id = setup.owner.get_chain_id().await.unwrap();
    let ipfs = IpfsNode::shared();
    let key: BtnsKey = ipfs.key_gen(name).await.unwrap().parse().unwrap();
    let stale = document(chain_id, &key, 1);
    let published = document(chain_id, &key, 2);
    let cid = ipfs.add_raw(published.bytes.clone()).await.unwrap();
    ipfs.publish(name, &cid).await.unwrap();
    let honest = adapter(ipfs).await;
    let mut nodes = Vec::new();
    for (signer, url) in setup.signers.iter().zip(urls) {
        let url = match url {
            None => honest.clone(),
            Some(Url::Down) => down().await,
            Some(Url::Stale) => other_answer(&stale).await,
        };
        nodes.push(Node::new(signer.clone(), &url, Duration::from_secs(5)).unwrap());
    }
    let config =
        WorkflowConfig { chain_id, core: CORE, trusted_signers: vec![usage_signer().address()] };
    let don = Don::new(
        nodes,
        1,
        identity(),
        config,
        setup.forwarder,
        setup.receiver,
        setup.transmitter.clone(),
    )
    .unwrap();
    World { setup, don, key, published, stale }
}

#[derive(Clone, Copy)]
enum Url {
    Down,
    Stale,
}

/// Emits a request on the fixture and returns it as the listener delivers it.
async fn request(w: &World, route: u8) -> (SyncRequest, u32) {
    let from = w.setup.owner.get_block_number().await.unwrap() + 1;
    let recorder = IReportRecorder::new(w.setup.receiver, provider(w.setup.server.url(), key(5)));
    recorder
        .request(U256::from(TOKEN), B256::repeat_byte(0x77), route, w.key.to_bytes())
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let mut listener = Listener::new(w.setup.owner.clone(), w.setup.receiver, from);
    let mut got = listener.poll().await.unwrap();
    assert_eq!(got.len(), 1, "one request logged");
    assert!(listener.poll().await.unwrap().is_empty(), "each request is handed over once");
    got.remove(0)
}

async fn delivered(w: &World, outcome: Outcome) -> (SyncReport, Vec<usize>) {
    let Outcome::Delivered { tx, signers, .. } = outcome else {
        panic!("not delivered: {outcome:?}")
    };
    let receipt = receipt(&w.setup.transmitter, tx).await;
    let got = received(&receipt);
    assert_eq!(got.len(), 1);
    (SyncReport::decode(&got[0].report).unwrap(), signers)
}

#[tokio::test]
async fn four_honest_nodes_deliver_the_published_usage() {
    let w = world("don-honest", [None; 4]).await;
    let (req, ts) = request(&w, 1).await;
    assert_eq!((req.token_id, req.route), (U256::from(TOKEN), 1));
    let (report, signers) = delivered(&w, w.don.handle(&req, ts).await).await;
    assert_eq!(signers.len(), 2, "exactly f + 1 signatures");
    let d = &w.published.document;
    assert_eq!(report.request_id, B256::repeat_byte(0x77));
    assert_eq!((report.sequence, report.used_bytes, report.upload_count), (2, 2000, 2));
    assert_eq!(report.metadata_digest, w.published.cid.digest());
    assert_eq!(report.signatures, Bytes::copy_from_slice(&d.signature.to_bytes()));
}

#[tokio::test]
async fn a_node_answering_differently_is_outvoted() {
    let w = world("don-outvoted", [None, None, None, Some(Url::Stale)]).await;
    let (req, ts) = request(&w, 1).await;
    // The stale answer passes every check on its own: it is outvoted, not refused.
    let stale = UsageAnswer::of(&VerifiedDocument::verify(w.stale.cid, &w.stale.bytes).unwrap());
    assert!(observation(&w.don.config, &req, &serde_json::to_vec(&stale).unwrap()).is_ok());
    let (report, signers) = delivered(&w, w.don.handle(&req, ts).await).await;
    assert_eq!(report.sequence, 2);
    assert!(!signers.contains(&3), "{signers:?}");
}

#[tokio::test]
async fn a_node_that_is_down_does_not_stop_the_don() {
    let w = world("don-down", [Some(Url::Down), None, None, None]).await;
    let (req, ts) = request(&w, 1).await;
    let (report, signers) = delivered(&w, w.don.handle(&req, ts).await).await;
    assert_eq!(report.sequence, 2);
    assert_eq!(signers, vec![1, 2]);
}

#[tokio::test]
async fn with_only_f_agreeing_nothing_is_sent() {
    let w =
        world("don-no-quorum", [Some(Url::Down), Some(Url::Stale), None, Some(Url::Down)]).await;
    let (req, ts) = request(&w, 1).await;
    let Outcome::NoQuorum(observations) = w.don.handle(&req, ts).await else {
        panic!("expected no quorum")
    };
    assert_eq!(observations.iter().filter(|o| o.is_ok()).count(), 2);
    let recorder = IReportRecorder::new(w.setup.receiver, w.setup.owner.clone());
    assert_eq!(recorder.reports().call().await.unwrap(), U256::ZERO);
}

#[tokio::test]
async fn direct_request_route_is_left_to_the_chainlink_node() {
    let w = world("don-route2", [None; 4]).await;
    let (req, ts) = request(&w, 2).await;
    assert!(matches!(w.don.handle(&req, ts).await, Outcome::Ignored));
}
