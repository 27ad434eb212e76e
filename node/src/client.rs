//! A client of the node's HTTP API: what `px` uses, and what the tests drive a served node
//! with. Errors keep the node's JSON error (code, message, refusal reasons).

use alloy::{
    primitives::{Address, U256},
    signers::{SignerSync, local::PrivateKeySigner},
};
use serde::Deserialize;
use serde_json::Value;

use crate::auth::siwe_message;

/// A failed call.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// The node could not be reached or sent something unreadable.
    #[error("node at {url}: {message}")]
    Transport {
        /// The URL called.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The node answered with an error.
    #[error("{message} (HTTP {status}, {code})")]
    Api {
        /// HTTP status.
        status: u16,
        /// The node's error code (`upload_refused`, `unauthorized`, ...).
        code: String,
        /// The node's message.
        message: String,
        /// Refusal reasons, for `upload_refused`.
        reasons: Vec<String>,
    },
}

/// A key allocation (`POST /v1/keys`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Allocation {
    /// base58btc.
    pub btns_key: String,
    /// `0x` hex.
    pub btns_key_hex: String,
    /// Deadline (decimal Unix seconds).
    pub deadline: String,
    /// `0x` hex, 65 bytes.
    pub signature: String,
    /// The storefront.
    pub storefront: String,
}

/// A client; [`NodeClient::sign_in`] adds the session to later calls.
#[derive(Debug, Clone)]
pub struct NodeClient {
    base: String,
    http: reqwest::Client,
    session: Option<String>,
}

impl NodeClient {
    /// A client of the node at `base` (`http://host:port`).
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            session: None,
        }
    }

    /// The node's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn transport(&self, path: &str, e: impl std::fmt::Display) -> ClientError {
        ClientError::Transport { url: self.url(path), message: e.to_string() }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let req = self.http.request(method, self.url(path));
        match &self.session {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    /// Sends `req`; a non-2xx answer becomes [`ClientError::Api`].
    pub async fn send(
        &self,
        path: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ClientError> {
        let res = req.send().await.map_err(|e| self.transport(path, e))?;
        if res.status().is_success() {
            return Ok(res);
        }
        let status = res.status().as_u16();
        let body: Value = res.json_or_text().await;
        let reasons = body["reasons"]
            .as_array()
            .map(|r| r.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        Err(ClientError::Api {
            status,
            code: body["error"].as_str().unwrap_or("unknown").to_owned(),
            message: body["message"].as_str().map_or_else(|| body.to_string(), str::to_owned),
            reasons,
        })
    }

    async fn json(&self, path: &str, req: reqwest::RequestBuilder) -> Result<Value, ClientError> {
        let res = self.send(path, req).await?;
        let text = res.text().await.map_err(|e| self.transport(path, e))?;
        serde_json::from_str(&text).map_err(|e| self.transport(path, format!("{e}: {text}")))
    }

    /// `GET /v1/info`.
    pub async fn info(&self) -> Result<Value, ClientError> {
        self.json("/v1/info", self.request(reqwest::Method::GET, "/v1/info")).await
    }

    /// `GET /health`.
    pub async fn health(&self) -> Result<Value, ClientError> {
        self.json("/health", self.request(reqwest::Method::GET, "/health")).await
    }

    /// Signs in with `wallet` (EIP-4361, a ten-minute message) and keeps the session.
    pub async fn sign_in(&mut self, wallet: &PrivateKeySigner) -> Result<Address, ClientError> {
        let nonce = self
            .json("/v1/auth/nonce", self.request(reqwest::Method::GET, "/v1/auth/nonce"))
            .await?;
        let (Some(n), Some(domain), Some(chain_id)) =
            (nonce["nonce"].as_str(), nonce["domain"].as_str(), nonce["chainId"].as_u64())
        else {
            return Err(self.transport("/v1/auth/nonce", format!("unexpected answer {nonce}")));
        };
        let now = px_metadata::Timestamp::now().unix();
        let message = siwe_message(domain, wallet.address(), chain_id, n, now, now + 600);
        let sig = wallet
            .sign_message_sync(message.as_bytes())
            .map_err(|e| self.transport("/v1/auth/sign-in", e))?;
        let body = serde_json::json!({
            "message": message,
            "signature": format!("0x{}", alloy::hex::encode(sig.as_bytes())),
        });
        let path = "/v1/auth/sign-in";
        let session =
            self.json(path, self.request(reqwest::Method::POST, path).json_body(&body)).await?;
        self.session = session["token"].as_str().map(str::to_owned);
        Ok(wallet.address())
    }

    /// Streams `len` bytes of `body` as a file of `token_id`.
    pub async fn upload(
        &self,
        token_id: U256,
        len: u64,
        body: reqwest::Body,
    ) -> Result<Value, ClientError> {
        let path = format!("/v1/tokens/{token_id}/files");
        let req = self
            .request(reqwest::Method::POST, &path)
            .header(reqwest::header::CONTENT_LENGTH, len)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(body);
        self.json(&path, req).await
    }

    /// `DELETE /v1/tokens/{id}/files/{cid}`.
    pub async fn delete(&self, token_id: U256, cid: &str) -> Result<Value, ClientError> {
        let path = format!("/v1/tokens/{token_id}/files/{cid}");
        self.json(&path, self.request(reqwest::Method::DELETE, &path)).await
    }

    /// The head document (exact bytes) and its CID.
    pub async fn usage(&self, token_id: U256) -> Result<(String, Vec<u8>), ClientError> {
        let path = format!("/v1/tokens/{token_id}/usage");
        let res = self.send(&path, self.request(reqwest::Method::GET, &path)).await?;
        let cid = res
            .headers()
            .get("x-px-head-cid")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = res.bytes().await.map_err(|e| self.transport(&path, e))?;
        Ok((cid, bytes.to_vec()))
    }

    /// One page of the file list (`page` = `None` for the head's entries).
    pub async fn list(&self, token_id: U256, page: Option<&str>) -> Result<Value, ClientError> {
        let path = format!("/v1/tokens/{token_id}/files");
        let mut req = self.request(reqwest::Method::GET, &path);
        if let Some(p) = page {
            req = req.query(&[("page", p)]);
        }
        self.json(&path, req).await
    }

    /// `POST /v1/keys` for plan `plan_id` (signed in).
    pub async fn allocate_key(&self, plan_id: U256) -> Result<Allocation, ClientError> {
        let path = "/v1/keys";
        let body = serde_json::json!({ "planId": plan_id.to_string() });
        let v = self.json(path, self.request(reqwest::Method::POST, path).json_body(&body)).await?;
        serde_json::from_value(v.clone()).map_err(|e| self.transport(path, format!("{e}: {v}")))
    }

    /// `POST /v1/registrations/{id}`.
    pub async fn register(&self, token_id: U256) -> Result<Value, ClientError> {
        let path = format!("/v1/registrations/{token_id}");
        self.json(&path, self.request(reqwest::Method::POST, &path)).await
    }

    /// Streams a file: of `token_id`, or any file the node stores.
    pub async fn download(
        &self,
        token_id: Option<U256>,
        cid: &str,
    ) -> Result<reqwest::Response, ClientError> {
        let path = match token_id {
            Some(id) => format!("/v1/tokens/{id}/files/{cid}"),
            None => format!("/v1/files/{cid}"),
        };
        self.send(&path, self.request(reqwest::Method::GET, &path)).await
    }
}

trait JsonBody {
    fn json_body(self, v: &Value) -> Self;
}

impl JsonBody for reqwest::RequestBuilder {
    fn json_body(self, v: &Value) -> Self {
        self.header(reqwest::header::CONTENT_TYPE, "application/json").body(v.to_string())
    }
}

trait JsonOrText {
    async fn json_or_text(self) -> Value;
}

impl JsonOrText for reqwest::Response {
    async fn json_or_text(self) -> Value {
        let text = self.text().await.unwrap_or_default();
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    }
}
