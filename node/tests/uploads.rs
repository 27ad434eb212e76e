//! Uploads, deletions, listing and downloads through the API, against a real IPFS node: the
//! quota rules with every refusal reason, exact usage under parallel uploads, and heads that
//! the storage node resolves and the adapter's checks accept.

mod common;

use alloy::{primitives::U256, signers::local::PrivateKeySigner};
use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use common::{CHAIN_ID, CORE, Harness, MIB};
use px_metadata::Subject;

fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| u8::try_from(i % 256).unwrap().wrapping_mul(31).wrapping_add(seed)).collect()
}

#[tokio::test]
async fn upload_raises_usage_publishes_a_signed_head_and_streams_the_file_back() {
    let h = Harness::new();
    let owner = PrivateKeySigner::random();
    let id = h.mint_registered(owner.address(), 10 * MIB, 5).await;
    let token = h.sign_in(&owner).await;
    let file = bytes(300_000, 1);
    let (status, body) = h.upload(&token, id, file.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["sequence"], "2");
    assert_eq!(body["usedBytes"], "300000");
    assert_eq!(body["uploadCount"], "1");
    assert_eq!(body["published"], true);

    let head = h.head(id).await;
    let d = &head.document;
    assert_eq!((d.sequence, d.used_bytes, d.upload_count), (2, 300_000, 1));
    assert_eq!((d.quota_bytes, d.upload_limit), (10 * MIB, 5));
    assert_eq!(d.files.len(), 1);
    assert_eq!(d.files[0].cid.as_str(), body["cid"].as_str().unwrap());
    assert_eq!(d.signer, h.usage_signer.address());
    head.check_subject(&Subject {
        chain_id: CHAIN_ID,
        contract: CORE,
        token_id: id,
        btns_key: d.btns_key.clone(),
    })
    .unwrap();
    assert_eq!(h.published(id).await, head, "the storage node resolves the key to this head");

    let cid = body["cid"].as_str().unwrap();
    let (status, _, back) = h
        .raw(Request::get(format!("/v1/tokens/{id}/files/{cid}")).body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(back, file);
    let (status, _, back) =
        h.raw(Request::get(format!("/v1/files/{cid}")).body(Body::empty()).unwrap()).await;
    assert_eq!((status, back.len()), (StatusCode::OK, file.len()));
}

#[tokio::test]
async fn error_when_downloading_a_file_the_token_does_not_list() {
    let h = Harness::new();
    let owner = PrivateKeySigner::random();
    let id = h.mint_registered(owner.address(), MIB, 5).await;
    let stray = common::storage();
    let cid = px_ipfs_testnode::IpfsNode::shared().add_raw(b"not listed".to_vec()).await.unwrap();
    drop(stray);
    let (status, body) = h.get(&format!("/v1/tokens/{id}/files/{cid}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(h.get(&format!("/v1/files/{cid}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(h.get("/v1/files/not-a-cid").await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn error_when_the_upload_exceeds_the_quota_counting_unsynced_usage() {
    let h = Harness::new();
    let owner = PrivateKeySigner::random();
    let id = h.mint_registered(owner.address(), 1000, 10).await;
    let token = h.sign_in(&owner).await;
    // The chain still says 0 bytes used; the node knows of 600 unsynced ones.
    assert_eq!(h.upload(&token, id, bytes(600, 2)).await.0, StatusCode::CREATED);
    let (status, body) = h.upload(&token, id, bytes(401, 3)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "upload_refused");
    assert_eq!(body["reasons"], serde_json::json!(["quotaExceeded"]));
    // Exactly to the quota is allowed.
    assert_eq!(h.upload(&token, id, bytes(400, 4)).await.0, StatusCode::CREATED);
    assert_eq!(h.head(id).await.document.used_bytes, 1000);
}

#[tokio::test]
async fn error_when_the_upload_allowance_is_used_up() {
    let h = Harness::new();
    let owner = PrivateKeySigner::random();
    let id = h.mint_registered(owner.address(), MIB, 2).await;
    let token = h.sign_in(&owner).await;
    assert_eq!(h.upload(&token, id, bytes(10, 1)).await.0, StatusCode::CREATED);
    let (_, second) = h.upload(&token, id, bytes(10, 2)).await;
    // Deleting frees bytes, not uploads.
    assert_eq!(h.delete(&token, id, second["cid"].as_str().unwrap()).await.0, StatusCode::OK);
    let (status, body) = h.upload(&token, id, bytes(10, 3)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["reasons"], serde_json::json!(["uploadsExceeded"]));
}

#[tokio::test]
async fn error_when_the_token_is_not_synced_within_the_window_or_the_core_is_paused() {
    let h = Harness::new();
    let owner = PrivateKeySigner::random();
    let id = h.mint_registered(owner.address(), MIB, 5).await;
    let token = h.sign_in(&owner).await;
    h.chain.advance(30 * 86_400 + 1);
    let (status, body) = h.upload(&token, id, bytes(10, 1)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["reasons"], serde_json::json!(["syncOverdue"]));
    h.chain.set_paused(true);
    let (_, body) = h.upload(&token, id, bytes(10, 1)).await;
    assert_eq!(body["reasons"], serde_json::json!(["syncOverdue", "paused"]));
    // A sync brings the token back.
    h.chain.set_paused(false);
    h.chain.apply_usage(id, 1, 0, 0, alloy::primitives::B256::ZERO);
    assert_eq!(h.upload(&token, id, bytes(10, 1)).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn error_when_the_token_has_no_btns_key_yet() {
    let h = Harness::new();
    let owner = PrivateKeySigner::random();
    let id = h.chain.mint(owner.address(), MIB, 5, &[]);
    let token = h.sign_in(&owner).await;
    let (status, body) = h.upload(&token, id, bytes(10, 1)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["reasons"], serde_json::json!(["noBtnsKey"]));
    h.chain.set_paused(true);
    let (_, body) = h.upload(&token, id, bytes(10, 1)).await;
    assert_eq!(body["reasons"], serde_json::json!(["noBtnsKey", "paused"]));
}

#[tokio::test]
async fn uploads_by_an_approved_account_and_refuses_a_stranger() {
    let h = Harness::new();
    let (owner, friend, stranger) =
        (PrivateKeySigner::random(), PrivateKeySigner::random(), PrivateKeySigner::random());
    let id = h.mint_registered(owner.address(), MIB, 5).await;
    let (status, body) = h.upload(&h.sign_in(&stranger).await, id, bytes(10, 1)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "forbidden");
    h.chain.approve(id, friend.address());
    assert_eq!(h.upload(&h.sign_in(&friend).await, id, bytes(10, 1)).await.0, StatusCode::CREATED);
    // After a transfer the old owner may no longer upload.
    h.chain.transfer(id, stranger.address());
    assert_eq!(h.upload(&h.sign_in(&owner).await, id, bytes(10, 2)).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn error_when_the_length_is_missing_or_the_body_is_shorter() {
    let h = Harness::new();
    let owner = PrivateKeySigner::random();
    let id = h.mint_registered(owner.address(), MIB, 5).await;
    let token = h.sign_in(&owner).await;
    let no_length = Request::post(format!("/v1/tokens/{id}/files"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from_stream(futures::stream::iter([Ok::<_, std::io::Error>(
            bytes::Bytes::from_static(b"abc"),
        )])))
        .unwrap();
    let (status, body) = h.call(no_length).await;
    assert_eq!(status, StatusCode::LENGTH_REQUIRED, "{body}");
    let short = Request::post(format!("/v1/tokens/{id}/files"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_LENGTH, 100)
        .body(Body::from_stream(futures::stream::iter([Ok::<_, std::io::Error>(
            bytes::Bytes::from_static(b"abc"),
        )])))
        .unwrap();
    let (status, body) = h.call(short).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let head = h.head(id).await.document;
    assert_eq!((head.sequence, head.used_bytes, head.upload_count), (1, 0, 0), "nothing counted");
    assert_eq!(
        h.upload(&token, id, bytes(5, 1)).await.0,
        StatusCode::CREATED,
        "reservation released"
    );
}

#[tokio::test]
async fn delete_lowers_used_bytes_not_upload_count_and_raises_the_sequence() {
    let h = Harness::new();
    let owner = PrivateKeySigner::random();
    let id = h.mint_registered(owner.address(), MIB, 5).await;
    let token = h.sign_in(&owner).await;
    let (_, a) = h.upload(&token, id, bytes(100, 1)).await;
    h.upload(&token, id, bytes(50, 2)).await;
    let (status, body) = h.delete(&token, id, a["cid"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let d = h.head(id).await.document;
    assert_eq!((d.sequence, d.used_bytes, d.upload_count, d.files.len()), (4, 50, 2, 1));
    assert_eq!(h.published(id).await.document.sequence, 4);
    let (status, _) = h.delete(&token, id, a["cid"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "deleted once");
    let other = h.sign_in(&PrivateKeySigner::random()).await;
    let (_, b) = h.list(id, None).await;
    let cid = b["files"][0]["cid"].as_str().unwrap().to_owned();
    assert_eq!(h.delete(&other, id, &cid).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_uploads_to_one_token_lose_no_update() {
    let h = std::sync::Arc::new(Harness::new());
    let owner = PrivateKeySigner::random();
    let id = h.mint_registered(owner.address(), MIB, 100).await;
    let token = h.sign_in(&owner).await;
    let tasks: Vec<_> = (0..24u8)
        .map(|i| {
            let (h, token) = (h.clone(), token.clone());
            tokio::spawn(async move { h.upload(&token, id, bytes(1000 + usize::from(i), i)).await })
        })
        .collect();
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let expected: u64 = (0..24u64).map(|i| 1000 + i).sum();
    let d = h.head(id).await.document;
    assert_eq!((d.used_bytes, d.upload_count, d.sequence, d.files.len()), (expected, 24, 25, 24));
    assert_eq!(h.published(id).await.document.sequence, 25, "the last head is the one published");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_uploads_at_the_quota_boundary_admit_exactly_what_fits() {
    let h = std::sync::Arc::new(Harness::new());
    let owner = PrivateKeySigner::random();
    let id = h.mint_registered(owner.address(), 10_000, 100).await;
    let token = h.sign_in(&owner).await;
    let tasks: Vec<_> = (0..16u8)
        .map(|i| {
            let (h, token) = (h.clone(), token.clone());
            tokio::spawn(async move { h.upload(&token, id, bytes(1000, i)).await })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::FORBIDDEN => {
                assert_eq!(body["reasons"], serde_json::json!(["quotaExceeded"]));
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(created, 10);
    assert_eq!(h.head(id).await.document.used_bytes, 10_000);
}

#[tokio::test]
async fn lists_files_through_the_files_index_pages() {
    let h = Harness::new();
    let owner = PrivateKeySigner::random();
    let id = h.mint_registered(owner.address(), MIB, 1000).await;
    let token = h.sign_in(&owner).await;
    let n = px_metadata::MAX_FILES + 3;
    for i in 0..n {
        let (status, body) =
            h.upload(&token, id, u32::try_from(i).unwrap().to_be_bytes().to_vec()).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, first) = h.list(id, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["files"].as_array().unwrap().len(), px_metadata::MAX_FILES);
    let next = first["next"].as_str().unwrap().to_owned();
    let head = h.published(id).await.document;
    assert_eq!(head.files_index.as_ref().map(ToString::to_string), Some(next.clone()));
    let (status, page) = h.list(id, Some(&next)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["files"].as_array().unwrap().len(), 3);
    assert!(page["next"].is_null());
    // The page is stored as one raw block and parses strictly.
    let bytes = common::storage().cat_bytes(&next, 1 << 20).await.unwrap();
    px_metadata::FilesPage::verify(next.parse().unwrap(), &bytes).unwrap();
    let (status, _) = h.list(id, Some(head.signature.to_string().as_str())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn error_when_the_token_id_is_not_a_decimal_or_not_served() {
    let h = Harness::new();
    assert_eq!(h.get("/v1/tokens/abc/usage").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(h.get("/v1/tokens/007/usage").await.0, StatusCode::BAD_REQUEST);
    let (status, body) = h.get("/v1/tokens/5/usage").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
}

trait List {
    async fn list(&self, id: U256, page: Option<&str>) -> (StatusCode, serde_json::Value);
}

impl List for Harness {
    async fn list(&self, id: U256, page: Option<&str>) -> (StatusCode, serde_json::Value) {
        match page {
            Some(p) => self.get(&format!("/v1/tokens/{id}/files?page={p}")).await,
            None => self.get(&format!("/v1/tokens/{id}/files")).await,
        }
    }
}

#[tokio::test]
async fn the_file_list_marks_px_enc_ciphertext_and_only_it() {
    let h = Harness::new();
    let owner = PrivateKeySigner::random();
    let id = h.mint_registered(owner.address(), 10 * MIB, 5).await;
    let token = h.sign_in(&owner).await;
    let key = px_encryption::MasterKey::from_signature(
        &[7u8; 64].into_iter().chain([27]).collect::<Vec<_>>(),
    )
    .unwrap();
    let sealed = px_encryption::seal::encrypt(&key, &bytes(100_000, 2)).unwrap();
    let (status, enc) = h.upload(&token, id, sealed).await;
    assert_eq!(status, StatusCode::CREATED, "{enc}");
    // Plain bytes that start like the magic but are no px-enc/1 header stay plain.
    let mut look_alike = b"PXENC\x01\x00\x00".to_vec();
    look_alike.extend(bytes(1_000, 3));
    let (status, plain) = h.upload(&token, id, look_alike).await;
    assert_eq!(status, StatusCode::CREATED, "{plain}");

    let (status, listing) = h.get(&format!("/v1/tokens/{id}/files")).await;
    assert_eq!(status, StatusCode::OK, "{listing}");
    let files = listing["files"].as_array().unwrap();
    assert_eq!(
        (&files[0]["cid"], &files[0]["encrypted"]),
        (&plain["cid"], &serde_json::json!(false))
    );
    assert_eq!((&files[1]["cid"], &files[1]["encrypted"]), (&enc["cid"], &serde_json::json!(true)));
}
