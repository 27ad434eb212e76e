//! [`NodeClient`]: the node's API as `px`, the end-to-end tests and the node's own tests call
//! it. Every answer is one of [`crate::types`]; every failure is one [`ClientError`], which
//! keeps the node's error name and refusal reasons.

use alloy::{
    primitives::{Address, U256},
    signers::{SignerSync, local::PrivateKeySigner},
};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::{Serialize, de::DeserializeOwned};

use crate::{
    siwe::siwe_message,
    types::{
        AllocateKeyRequest, ErrorBody, ErrorCode, HEAD_CID_HEADER, Health, IssuedNonce,
        IssuedSession, KeyAllocation, Listing, NodeInfo, Refusal, Registered, SignInRequest,
        UsageChange,
    },
};

/// A failed call.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The node could not be reached, or the connection broke.
    #[error("node at {url}: {source}")]
    Transport {
        /// The URL called.
        url: String,
        /// What went wrong.
        #[source]
        source: reqwest::Error,
    },
    /// The node answered something that is not the API's body.
    #[error("node at {url}: unexpected answer ({source}): {text}")]
    Decode {
        /// The URL called.
        url: String,
        /// Why it does not parse.
        #[source]
        source: serde_json::Error,
        /// The answer (cut to 200 bytes).
        text: String,
    },
    /// The node answered with an error.
    #[error("{} (HTTP {status}, {})", .body.message, .body.error)]
    Api {
        /// HTTP status.
        status: u16,
        /// The node's error body: its name, message and refusal reasons.
        body: ErrorBody,
    },
    /// The node (or something in front of it) answered an error without the API's body.
    #[error("node at {url}: HTTP {status}: {text}")]
    Status {
        /// The URL called.
        url: String,
        /// HTTP status.
        status: u16,
        /// The answer (cut to 200 bytes).
        text: String,
    },
    /// The sign-in message could not be signed.
    #[error("signing the sign-in message: {0}")]
    Sign(#[from] alloy::signers::Error),
}

impl ClientError {
    /// The node's error name, when the node answered with one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Api { body, .. } => Some(body.error),
            _ => None,
        }
    }

    /// The refusal reasons of an `upload_refused` answer (empty otherwise).
    pub fn reasons(&self) -> &[Refusal] {
        match self {
            Self::Api { body, .. } => &body.reasons,
            _ => &[],
        }
    }
}

/// The head document of a token, exactly as the node published it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// Its CID (`X-Px-Head-Cid`).
    pub cid: String,
    /// Its exact bytes.
    pub bytes: Vec<u8>,
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
        Self::with_http(base, reqwest::Client::new())
    }

    /// A client of `base` over `http` (timeouts, pools).
    pub fn with_http(base: &str, http: reqwest::Client) -> Self {
        Self { base: base.trim_end_matches('/').to_owned(), http, session: None }
    }

    /// The node's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The session's bearer token, once signed in.
    pub fn session(&self) -> Option<&str> {
        self.session.as_deref()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let req = self.http.request(method, self.url(path));
        match &self.session {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    /// Sends `req`; an answer outside 2xx (and not in `also_ok`) becomes [`ClientError::Api`].
    async fn send_accepting(
        &self,
        path: &str,
        req: RequestBuilder,
        also_ok: &[StatusCode],
    ) -> Result<Response, ClientError> {
        let url = self.url(path);
        let res = req.send().await.map_err(|source| ClientError::Transport { url, source })?;
        if res.status().is_success() || also_ok.contains(&res.status()) {
            return Ok(res);
        }
        let status = res.status().as_u16();
        let bytes = res
            .bytes()
            .await
            .map_err(|source| ClientError::Transport { url: self.url(path), source })?;
        Err(match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => ClientError::Api { status, body },
            Err(_) => ClientError::Status { url: self.url(path), status, text: cut(&bytes) },
        })
    }

    /// Sends `req`; a non-2xx answer becomes [`ClientError::Api`].
    pub async fn send(&self, path: &str, req: RequestBuilder) -> Result<Response, ClientError> {
        self.send_accepting(path, req, &[]).await
    }

    async fn read_json<T: DeserializeOwned>(
        &self,
        path: &str,
        res: Response,
    ) -> Result<T, ClientError> {
        let bytes = res
            .bytes()
            .await
            .map_err(|source| ClientError::Transport { url: self.url(path), source })?;
        serde_json::from_slice(&bytes).map_err(|source| ClientError::Decode {
            url: self.url(path),
            source,
            text: cut(&bytes),
        })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<T, ClientError> {
        let mut req = self.request(method, path);
        if let Some(b) = body {
            let text = serde_json::to_string(b).map_err(|source| ClientError::Decode {
                url: self.url(path),
                source,
                text: String::new(),
            })?;
            req = req.header(reqwest::header::CONTENT_TYPE, "application/json").body(text);
        }
        let res = self.send(path, req).await?;
        self.read_json(path, res).await
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.call(Method::GET, path, None::<&()>).await
    }

    /// `GET /v1/info`.
    pub async fn info(&self) -> Result<NodeInfo, ClientError> {
        self.get("/v1/info").await
    }

    /// `GET /health`: the same body whether the node is healthy (200) or degraded (503).
    pub async fn health(&self) -> Result<Health, ClientError> {
        let path = "/health";
        let req = self.request(Method::GET, path);
        let res = self.send_accepting(path, req, &[StatusCode::SERVICE_UNAVAILABLE]).await?;
        self.read_json(path, res).await
    }

    /// `GET /v1/auth/nonce`.
    pub async fn nonce(&self) -> Result<IssuedNonce, ClientError> {
        self.get("/v1/auth/nonce").await
    }

    /// `POST /v1/auth/sign-in` of a signed message (the session is not kept: see
    /// [`NodeClient::sign_in`]).
    pub async fn sign_in_with(
        &self,
        request: &SignInRequest,
    ) -> Result<IssuedSession, ClientError> {
        self.call(Method::POST, "/v1/auth/sign-in", Some(request)).await
    }

    /// Signs in with `wallet` (EIP-4361, a ten-minute message) and keeps the session.
    pub async fn sign_in(&mut self, wallet: &PrivateKeySigner) -> Result<Address, ClientError> {
        let nonce = self.nonce().await?;
        let now = px_metadata::Timestamp::now().unix();
        let message = siwe_message(
            &nonce.domain,
            wallet.address(),
            nonce.chain_id,
            &nonce.nonce,
            now,
            now + 600,
        );
        let sig = wallet.sign_message_sync(message.as_bytes())?;
        let request = SignInRequest {
            message,
            signature: format!("0x{}", alloy::hex::encode(sig.as_bytes())),
        };
        let session = self.sign_in_with(&request).await?;
        self.session = Some(session.token);
        Ok(wallet.address())
    }

    /// Streams `len` bytes of `body` as a file of `token_id`.
    pub async fn upload(
        &self,
        token_id: U256,
        len: u64,
        body: reqwest::Body,
    ) -> Result<UsageChange, ClientError> {
        let path = format!("/v1/tokens/{token_id}/files");
        let req = self
            .request(Method::POST, &path)
            .header(reqwest::header::CONTENT_LENGTH, len)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(body);
        let res = self.send(&path, req).await?;
        self.read_json(&path, res).await
    }

    /// `DELETE /v1/tokens/{id}/files/{cid}`.
    pub async fn delete(&self, token_id: U256, cid: &str) -> Result<UsageChange, ClientError> {
        self.call(Method::DELETE, &format!("/v1/tokens/{token_id}/files/{cid}"), None::<&()>).await
    }

    /// The head document (exact bytes) and its CID.
    pub async fn usage(&self, token_id: U256) -> Result<Head, ClientError> {
        let path = format!("/v1/tokens/{token_id}/usage");
        let res = self.send(&path, self.request(Method::GET, &path)).await?;
        let cid = res
            .headers()
            .get(HEAD_CID_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = res
            .bytes()
            .await
            .map_err(|source| ClientError::Transport { url: self.url(&path), source })?;
        Ok(Head { cid, bytes: bytes.to_vec() })
    }

    /// One page of the file list (`page` = `None` for the head's entries).
    pub async fn list(&self, token_id: U256, page: Option<&str>) -> Result<Listing, ClientError> {
        let path = format!("/v1/tokens/{token_id}/files");
        let mut req = self.request(Method::GET, &path);
        if let Some(p) = page {
            req = req.query(&[("page", p)]);
        }
        let res = self.send(&path, req).await?;
        self.read_json(&path, res).await
    }

    /// `POST /v1/keys` for plan `plan_id` (signed in).
    pub async fn allocate_key(&self, plan_id: U256) -> Result<KeyAllocation, ClientError> {
        let body = AllocateKeyRequest { plan_id: plan_id.to_string() };
        self.call(Method::POST, "/v1/keys", Some(&body)).await
    }

    /// `POST /v1/registrations/{id}`.
    pub async fn register(&self, token_id: U256) -> Result<Registered, ClientError> {
        self.call(Method::POST, &format!("/v1/registrations/{token_id}"), None::<&()>).await
    }

    /// Streams a file: of `token_id`, or any file the node stores.
    pub async fn download(
        &self,
        token_id: Option<U256>,
        cid: &str,
    ) -> Result<Response, ClientError> {
        let path = match token_id {
            Some(id) => format!("/v1/tokens/{id}/files/{cid}"),
            None => format!("/v1/files/{cid}"),
        };
        self.send(&path, self.request(Method::GET, &path)).await
    }
}

/// At most 200 bytes of an answer, for a message.
fn cut(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned()
}
