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
