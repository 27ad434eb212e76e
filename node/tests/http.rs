//! The HTTP surface: the `OpenAPI` description matches the router, health, metrics, info, CORS,
//! JSON errors for unknown routes.

mod common;

use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use common::Harness;

#[tokio::test]
async fn every_documented_operation_is_routed_and_every_route_is_documented() {
    let h = Harness::new();
    let spec: serde_json::Value = serde_json::from_str(px_node::api::OPENAPI).unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    let paths = spec["paths"].as_object().unwrap();
    let mut documented = Vec::new();
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            let concrete = path
                .replace("{tokenId}", "1")
                .replace("{cid}", "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy");
            let req = Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&concrete)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap();
            let (status, body) = h.call(req).await;
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            assert!(
                !(status == StatusCode::NOT_FOUND
                    && body["message"].as_str().is_some_and(|m| m.starts_with("no such route"))),
                "{method} {path} is documented but not routed"
            );
            documented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    // The router's table (api/mod.rs), written out: a new route must be documented.
    let routed = [
        "GET /health",
        "GET /metrics",
        "GET /openapi.json",
        "GET /v1/info",
        "GET /v1/auth/nonce",
        "POST /v1/auth/sign-in",
        "POST /v1/keys",
        "POST /v1/registrations/{tokenId}",
        "GET /v1/tokens/{tokenId}/usage",
        "GET /v1/tokens/{tokenId}/files",
        "POST /v1/tokens/{tokenId}/files",
        "GET /v1/tokens/{tokenId}/files/{cid}",
        "DELETE /v1/tokens/{tokenId}/files/{cid}",
        "GET /v1/files/{cid}",
    ];
    for r in routed {
        assert!(documented.iter().any(|d| d == r), "{r} is routed but not documented");
    }
    assert_eq!(documented.len(), routed.len());
}

#[tokio::test]
async fn error_when_the_route_does_not_exist_is_json() {
    let h = Harness::new();
    let (status, body) = h.get("/v2/nothing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
}

#[tokio::test]
async fn health_reports_both_upstreams_and_info_names_the_keys() {
    let h = Harness::new();
    let (status, body) = h.get("/health").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["storage"], "ok");
    h.chain.set_offline(true);
    let (status, body) = h.get("/health").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["status"], "degraded");
    h.chain.set_offline(false);
    let (_, info) = h.get("/v1/info").await;
    assert_eq!(info["usageSigner"], format!("{:#x}", h.usage_signer.address()));
    assert_eq!(info["registrar"], format!("{:#x}", h.registrar.address()));
    assert_eq!(info["chainId"], common::CHAIN_ID.to_string());
}

#[tokio::test]
async fn metrics_count_refusals_and_uploads() {
    let h = Harness::new();
    let owner = alloy::signers::local::PrivateKeySigner::random();
    let id = h.mint_registered(owner.address(), 10, 5).await;
    let token = h.sign_in(&owner).await;
    assert_eq!(h.upload(&token, id, vec![1; 5]).await.0, StatusCode::CREATED);
    assert_eq!(h.upload(&token, id, vec![1; 6]).await.0, StatusCode::FORBIDDEN);
    let (status, _, text) = h.raw(Request::get("/metrics").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains(r#"px_node_uploads_total{outcome="ok"} 1"#), "{text}");
    assert!(text.contains(r#"px_node_upload_refusals_total{outcome="quotaExceeded"} 1"#), "{text}");
    assert!(text.contains("px_node_tokens 1"), "{text}");
}

#[tokio::test]
async fn cors_answers_preflight_for_allowed_origins_only() {
    let h = Harness::with(|s| s.cors_origins = vec!["https://app.example".into()]);
    let preflight = |origin: &str| {
        Request::builder()
            .method(Method::OPTIONS)
            .uri("/v1/auth/sign-in")
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .body(Body::empty())
            .unwrap()
    };
    let (_, headers, _) = h.raw(preflight("https://app.example")).await;
    assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "https://app.example");
    let (_, headers, _) = h.raw(preflight("https://evil.example")).await;
    assert!(headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
}

/// Finding 5 of issue 15: an RPC URL (and a storage URL) holding an API key must never reach a
/// client, neither through `/health` nor through an error answer; the node logs them instead.
#[tokio::test]
async fn error_when_upstreams_fail_leaks_no_url_or_api_key_to_clients() {
    use std::sync::Arc;

    use px_node::{Node, NodeParts, chain::RpcChain, server::Settings};
    use px_storage_client::StorageClient;

    const SECRET: &str = "sk-Secret0123456789";
    // Nothing listens on port 9: every call fails with the URL in the transport's error.
    let rpc = format!("http://127.0.0.1:9/v2/{SECRET}");
    let chain = Arc::new(RpcChain::connect(&rpc, common::CORE, None).unwrap());
    let storage =
        StorageClient::new(&format!("http://user:{SECRET}@127.0.0.1:9"), "/api/v0", "/ipfs")
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let node = Node::build(NodeParts {
        chain,
        chain_id: common::CHAIN_ID,
        storefront: common::STOREFRONT,
        storage,
        journal_path: dir.path().join("journal.redb"),
        usage_signer: alloy::signers::local::PrivateKeySigner::random(),
        registrar: None,
        settings: Settings::default(),
    })
    .unwrap();
    let router = node.router();
    let call = |req: Request<Body>| {
        let router = router.clone();
        async move {
            use http_body_util::BodyExt;
            use tower::ServiceExt;
            let res = router.oneshot(req).await.unwrap();
            let status = res.status();
            let bytes = res.into_body().collect().await.unwrap().to_bytes();
            (status, String::from_utf8_lossy(&bytes).into_owned())
        }
    };
    let (status, health) = call(Request::get("/health").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{health}");
    assert!(!health.contains(SECRET) && !health.contains("127.0.0.1:9"), "{health}");
    let health: serde_json::Value = serde_json::from_str(&health).unwrap();
    assert_eq!(
        (&health["storage"], &health["chain"]),
        (&"unavailable".into(), &"unavailable".into())
    );
    let (status, body) =
        call(Request::post("/v1/registrations/1").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert!(!body.contains(SECRET) && !body.contains("127.0.0.1:9"), "{body}");
    assert!(body.contains("chain_unavailable"), "the error keeps its name: {body}");
}
