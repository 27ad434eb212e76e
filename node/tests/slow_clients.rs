//! Finding 2 of issue 15, request-slot starvation: connections that send a request head and a
//! body that never finishes took every global request slot and every route hung. Each test
//! attacks a served node (loopback, the real IPFS node) with raw TCP from its own 127.0.0.x
//! addresses, each one client to the node, with short limits set in the test.

mod common;

use std::time::Duration;

use alloy::signers::local::PrivateKeySigner;
use axum::http::StatusCode;
use common::{
    Harness,
    raw::{self, Answer},
};
use px_ipfs_testnode::IpfsNode;
use px_node_api::NodeClient;

/// A client of the served node on its own loopback address.
fn client_at(last_octet: u8) -> reqwest::Client {
    let ip = std::net::IpAddr::from([127, 0, 0, last_octet]);
    reqwest::Client::builder().local_address(ip).build().unwrap()
}

/// A sign-in whose body promises 1,000 bytes and sends one.
async fn stalled_sign_in(from: u8, node: std::net::SocketAddr) -> tokio::net::TcpStream {
    let mut stream = raw::connect_from(from, node).await;
    let head = raw::head(
        "POST",
        "/v1/auth/sign-in",
        &["Content-Type: application/json".into(), "Content-Length: 1000".into()],
    );
    assert!(raw::send(&mut stream, &head).await);
    assert!(raw::send(&mut stream, b"{").await);
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_body_clients_do_not_starve_other_routes() {
    let h = Harness::with(|s| {
        s.max_requests_per_client = 4;
        s.max_concurrent_requests = 8;
        // Long enough that every stalled body is still stalled while the user is served.
        s.body_stall_timeout = Duration::from_mins(1);
    });
    let url = h.serve().await;
    let node = raw::addr(&url);
    // Three attacking clients, six stalled bodies each: more than their share, and together
    // more than every global slot.
    let mut stalled = Vec::new();
    let mut refused = 0;
    for from in [2u8, 3, 4] {
        for _ in 0..6 {
            let mut stream = stalled_sign_in(from, node).await;
            match raw::answer(&mut stream, Duration::from_millis(300)).await {
                Answer::Response(429, body) => {
                    assert!(body.contains("\"too_many_requests\""), "{body}");
                    refused += 1;
                }
                Answer::Nothing => stalled.push(stream),
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    assert_eq!(refused, 3 * 2, "each client beyond its 4 requests is answered 429");
    assert_eq!(stalled.len(), 12);
    let limits = h.node.state().limits.clone();
    assert_eq!(limits.free_slots(), 8, "a body still arriving holds no global slot");

    // Another client signs in and uploads at once.
    let owner = PrivateKeySigner::random();
    let id = h.mint_registered(owner.address(), 1 << 20, 10).await;
    let user = async {
        let mut client = NodeClient::with_http(&url, client_at(9));
        client.sign_in(&owner).await.unwrap();
        client.upload(id, 5, reqwest::Body::from(b"hello".to_vec())).await.unwrap()
    };
    let change = tokio::time::timeout(Duration::from_secs(20), user)
        .await
        .expect("the user is served while the attackers stall");
    assert_eq!(change.used_bytes, "5");
    drop(stalled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_when_every_global_slot_is_taken_is_an_immediate_503_not_a_hang() {
    let h = Harness::with(|s| s.max_concurrent_requests = 2);
    let url = h.serve().await;
    let limits = h.node.state().limits.clone();
    let _taken = [limits.slot().unwrap(), limits.slot().unwrap()];
    let answer = tokio::time::timeout(
        Duration::from_secs(5),
        client_at(5).get(format!("{url}/v1/info")).send(),
    )
    .await
    .expect("answered at once")
    .unwrap();
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["error"], "unavailable");
    drop(_taken);
    let answer = client_at(5).get(format!("{url}/v1/info")).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK, "served again once a slot is free");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_headers_are_cut_off() {
    let h = Harness::with(|s| s.header_read_timeout = Duration::from_secs(1));
    let url = h.serve().await;
    let node = raw::addr(&url);
    // A head sent one header every 300 ms never ends: cut off at the timeout, unanswered.
    let mut slow = raw::connect_from(6, node).await;
    assert!(raw::send(&mut slow, b"GET /v1/info HTTP/1.1\r\nHost: px.test\r\n").await);
    let trickle = async {
        for i in 0..20 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if !raw::send(&mut slow, format!("X-Slow-{i}: x\r\n").as_bytes()).await {
                break;
            }
        }
        raw::answer(&mut slow, Duration::from_secs(1)).await
    };
    let started = std::time::Instant::now();
    assert_eq!(trickle.await, Answer::Closed);
    assert!(started.elapsed() < Duration::from_secs(4), "cut at about 1 s");
    // A connection that sends nothing at all is closed too.
    let mut silent = raw::connect_from(6, node).await;
    assert_eq!(raw::answer(&mut silent, Duration::from_secs(3)).await, Answer::Closed);
    // A whole head is answered, and the connection, idle after it, is closed.
    let mut ok = raw::connect_from(6, node).await;
    assert!(raw::send(&mut ok, &raw::head("GET", "/v1/info", &[])).await);
    assert!(matches!(raw::answer(&mut ok, Duration::from_secs(3)).await, Answer::Response(200, _)));
    assert_eq!(raw::answer(&mut ok, Duration::from_secs(3)).await, Answer::Closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_a_clients_share_are_closed_at_once() {
    let h = Harness::with(|s| s.max_connections_per_client = 3);
    let url = h.serve().await;
    let node = raw::addr(&url);
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(raw::connect_from(7, node).await);
    }
    let mut fourth = raw::connect_from(7, node).await;
    // Accepted by the kernel, closed by the node: the write may or may not land first.
    let _ = raw::send(&mut fourth, &raw::head("GET", "/v1/info", &[])).await;
    assert_eq!(raw::answer(&mut fourth, Duration::from_secs(3)).await, Answer::Closed);
    // Another client connects and is served; so is this one once it closed one.
    let res = client_at(8).get(format!("{url}/v1/info")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    drop(open.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut again = raw::connect_from(7, node).await;
    assert!(raw::send(&mut again, &raw::head("GET", "/v1/info", &[])).await);
    assert!(matches!(
        raw::answer(&mut again, Duration::from_secs(3)).await,
        Answer::Response(200, _)
    ));
}

/// Whether the storage node has `cid` pinned (directly, recursively or under another pin):
/// `pin/ls` lists it (in its own CID base) or fails with "not pinned".
async fn pinned(cid: &str) -> bool {
    let res = IpfsNode::shared().client().post("pin/ls", &[("arg", cid), ("type", "all")]).await;
    match res {
        Ok(res) => {
            let listed: serde_json::Value = res.json().await.unwrap();
            listed["Keys"].as_object().is_some_and(|keys| !keys.is_empty())
        }
        Err(_) => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_upload_body_times_out_and_loses_nothing() {
    let h = Harness::with(|s| {
        s.body_stall_timeout = Duration::from_secs(1);
        s.min_body_rate = 0;
    });
    let url = h.serve().await;
    let owner = PrivateKeySigner::random();
    // Quota for exactly one file of this size: the retry below fits only if the stalled
    // upload's reservation was released.
    let len: u64 = 300 * 1024;
    let id = h.mint_registered(owner.address(), len, 10).await;
    let session = h.sign_in(&owner).await;
    // Bytes no other test uploads; more than one 256 KiB chunk reaches the storage node.
    let mut bytes = vec![0u8; usize::try_from(len).unwrap()];
    bytes[..32].copy_from_slice(owner.address().into_word().as_slice());
    let first_chunk = px_metadata::RawBlockCid::of(&bytes[..256 * 1024]).to_string();

    let mut stream = raw::connect_from(10, raw::addr(&url)).await;
    let head = raw::head(
        "POST",
        &format!("/v1/tokens/{id}/files"),
        &[format!("Authorization: Bearer {session}"), format!("Content-Length: {len}")],
    );
    assert!(raw::send(&mut stream, &head).await);
    assert!(raw::send(&mut stream, &bytes[..260 * 1024]).await);
    match raw::answer(&mut stream, Duration::from_secs(10)).await {
        Answer::Response(408, body) => assert!(body.contains("\"request_timeout\""), "{body}"),
        other => panic!("expected 408, got {other:?}"),
    }

    let tokens = &h.node.state().tokens;
    assert!(tokens.journal().files(id).unwrap().is_empty(), "no journal entry");
    let head = h.head(id).await.document;
    assert_eq!((head.sequence, head.used_bytes, head.upload_count), (1, 0, 0));
    assert!(!pinned(&first_chunk).await, "the partial upload pinned nothing");

    // The same bytes in full: the quota was given back, and now the storage node holds them.
    let mut client = NodeClient::with_http(&url, client_at(11));
    client.sign_in(&owner).await.unwrap();
    let change = client.upload(id, len, reqwest::Body::from(bytes)).await.unwrap();
    assert_eq!(change.used_bytes, len.to_string());
    assert!(pinned(&first_chunk).await, "a finished upload's chunks are pinned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_when_an_upload_trickles_below_the_minimum_rate() {
    let h = Harness::with(|s| {
        s.body_stall_timeout = Duration::from_millis(500);
        s.min_body_rate = 10_000;
    });
    let url = h.serve().await;
    let owner = PrivateKeySigner::random();
    let id = h.mint_registered(owner.address(), 1 << 20, 10).await;
    let session = h.sign_in(&owner).await;
    let mut stream = raw::connect_from(12, raw::addr(&url)).await;
    let head = raw::head(
        "POST",
        &format!("/v1/tokens/{id}/files"),
        &[format!("Authorization: Bearer {session}"), "Content-Length: 1000".into()],
    );
    assert!(raw::send(&mut stream, &head).await);
    // A byte every 200 ms: never a stall, but 5 bytes per second. Read while writing: the
    // answer must be read before a write to the closed connection resets it.
    let (mut rd, mut wr) = stream.into_split();
    let trickle = async {
        for _ in 0..50 {
            if !raw::send(&mut wr, b"x").await {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    let answer = tokio::select! {
        a = raw::answer(&mut rd, Duration::from_secs(5)) => a,
        () = trickle => Answer::Nothing,
    };
    match answer {
        Answer::Response(408, body) => assert!(body.contains("\"request_timeout\""), "{body}"),
        other => panic!("expected 408, got {other:?}"),
    }
    assert!(h.node.state().tokens.journal().files(id).unwrap().is_empty());
}
