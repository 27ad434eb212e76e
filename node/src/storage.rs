//! The storage node's HTTP API (Kubo-style; BTFS under `/api/v1` with `/btfs/` paths, IPFS
//! under `/api/v0` with `/ipfs/` paths): streaming `add`, `cat`, `key/gen`, `key/list`,
//! `name/publish`, `pin/rm`.
//!
//! Files stream through: the request body is handed to `add` as a multipart part of known
//! length, chunk by chunk, so memory stays constant whatever the file size.

use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, TryStreamExt};
use px_metadata::RawBlockCid;
use serde::Deserialize;

/// A failed storage call: the command and what the node said.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{command}: {message}")]
pub struct StorageError {
    /// The API command (`add`, `name/publish`, ...).
    pub command: &'static str,
    /// The node's message, or the transport error.
    pub message: String,
}

/// A file as `add` stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    /// Its CID (v1, raw leaves).
    pub cid: String,
}

/// A client of the storage node's API.
#[derive(Debug, Clone)]
pub struct StorageClient {
    api: String,
    path_prefix: String,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct KeyEntry {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Id")]
    id: String,
}

impl StorageClient {
    /// A client of `base_url` + `api_prefix` (`/api/v1` BTFS, `/api/v0` IPFS); `path_prefix`
    /// is `/btfs` or `/ipfs`.
    pub fn new(base_url: &str, api_prefix: &str, path_prefix: &str) -> Result<Self, StorageError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| StorageError { command: "client", message: e.to_string() })?;
        Ok(Self {
            api: format!("{}{}", base_url.trim_end_matches('/'), api_prefix),
            path_prefix: path_prefix.trim_end_matches('/').to_owned(),
            http,
        })
    }

    async fn post(
        &self,
        command: &'static str,
        query: &[(&str, &str)],
        form: Option<reqwest::multipart::Form>,
        timeout: Option<Duration>,
    ) -> Result<reqwest::Response, StorageError> {
        let err = |message: String| StorageError { command, message };
        let mut req = self.http.post(format!("{}/{command}", self.api)).query(query);
        if let Some(form) = form {
            req = req.multipart(form);
        }
        if let Some(t) = timeout {
            req = req.timeout(t);
        }
        let res = req.send().await.map_err(|e| err(e.to_string()))?;
        if res.status().is_success() {
            return Ok(res);
        }
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        // Kubo-style errors are {"Message", "Code", "Type"}; keep the message.
        let message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["Message"].as_str().map(str::to_owned))
            .unwrap_or(text);
        Err(err(format!("HTTP {status}: {message}")))
    }

    async fn post_json<T: for<'de> Deserialize<'de>>(
        &self,
        command: &'static str,
        query: &[(&str, &str)],
    ) -> Result<T, StorageError> {
        let res = self.post(command, query, None, Some(Duration::from_mins(1))).await?;
        last_json_line(command, res).await
    }

    /// `add` of one multipart part with `query`; returns the CID of the (last) file.
    async fn add(
        &self,
        part: reqwest::multipart::Part,
        query: &[(&str, &str)],
    ) -> Result<String, StorageError> {
        #[derive(Deserialize)]
        struct AddLine {
            #[serde(rename = "Hash")]
            hash: String,
        }
        let err = |message: String| StorageError { command: "add", message };
        let part = part
            .file_name("file")
            .mime_str("application/octet-stream")
            .map_err(|e| err(e.to_string()))?;
        let form = reqwest::multipart::Form::new().part("file", part);
        // No overall timeout: a large file takes as long as it takes to stream.
        let res = self.post("add", query, Some(form), None).await?;
        let added: AddLine = last_json_line("add", res).await?;
        Ok(added.hash)
    }

    /// Streams `len` bytes from `body` into `add` (CID v1, raw leaves, pinned) and returns the
    /// file's CID. The caller counts the bytes; `add` sees exactly what the stream yields.
    pub async fn add_stream<S>(&self, body: S, len: u64) -> Result<Added, StorageError>
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
    {
        let part =
            reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(body), len);
        let query = [
            ("cid-version", "1"),
            ("raw-leaves", "true"),
            ("pin", "true"),
            ("progress", "false"),
            ("cid-base", "base32"),
        ];
        Ok(Added { cid: self.add(part, &query).await? })
    }

    /// Stores `bytes` as one raw block (the single-raw-block rule: a chunk size above the
    /// 1 MiB document limit) and checks that the node named it `expected`.
    pub async fn add_block(
        &self,
        bytes: Vec<u8>,
        expected: RawBlockCid,
    ) -> Result<(), StorageError> {
        let query = [
            ("cid-version", "1"),
            ("raw-leaves", "true"),
            ("chunker", "size-1048576"),
            ("cid-base", "base32"),
            ("pin", "true"),
        ];
        let hash = self.add(reqwest::multipart::Part::bytes(bytes), &query).await?;
        let got: RawBlockCid = hash.parse().map_err(|e| StorageError {
            command: "add",
            message: format!("stored block is not one raw block: {e}"),
        })?;
        if got == expected {
            Ok(())
        } else {
            Err(StorageError {
                command: "add",
                message: format!("stored as {got}, expected {expected}"),
            })
        }
    }

    /// Streams the content of `cid`.
    pub async fn cat(
        &self,
        cid: &str,
    ) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + use<>, StorageError>
    {
        let path = format!("{}/{cid}", self.path_prefix);
        let res = self.post("cat", &[("arg", &path)], None, None).await?;
        Ok(res.bytes_stream().map_err(std::io::Error::other))
    }

    /// Reads a small object whole (at most `max` bytes).
    pub async fn cat_bytes(&self, cid: &str, max: usize) -> Result<Vec<u8>, StorageError> {
        let mut stream = Box::pin(self.cat(cid).await?);
        let mut out = Vec::new();
        while let Some(chunk) = stream
            .try_next()
            .await
            .map_err(|e| StorageError { command: "cat", message: e.to_string() })?
        {
            out.extend_from_slice(&chunk);
            if out.len() > max {
                return Err(StorageError {
                    command: "cat",
                    message: format!("{cid} is larger than {max} bytes"),
                });
            }
        }
        Ok(out)
    }

    /// The peer id of key `name`, creating an ed25519 key of that name if there is none; so
    /// a retry after a crash finds the key instead of making a second one.
    pub async fn key_gen_or_get(&self, name: &str) -> Result<String, StorageError> {
        if let Some(id) = self.key_id(name).await? {
            return Ok(id);
        }
        let key: KeyEntry =
            self.post_json("key/gen", &[("arg", name), ("type", "ed25519")]).await?;
        Ok(key.id)
    }

    /// The peer id of key `name`, if the node has it.
    pub async fn key_id(&self, name: &str) -> Result<Option<String>, StorageError> {
        #[derive(Deserialize)]
        struct Keys {
            #[serde(rename = "Keys")]
            keys: Option<Vec<KeyEntry>>,
        }
        let list: Keys = self.post_json("key/list", &[]).await?;
        Ok(list.keys.unwrap_or_default().into_iter().find(|k| k.name == name).map(|k| k.id))
    }

    /// Publishes `cid` under key `key_name` with a record lifetime.
    pub async fn publish(
        &self,
        key_name: &str,
        cid: &str,
        lifetime: Duration,
    ) -> Result<(), StorageError> {
        let path = format!("{}/{cid}", self.path_prefix);
        let lifetime = format!("{}s", lifetime.as_secs());
        let query = [
            ("arg", path.as_str()),
            ("key", key_name),
            ("lifetime", lifetime.as_str()),
            ("allow-offline", "true"),
        ];
        let _: serde_json::Value = self.post_json("name/publish", &query).await?;
        Ok(())
    }

    /// Resolves a name to its path (`/ipfs/<cid>` or `/btfs/<cid>`).
    pub async fn resolve(&self, name: &str) -> Result<String, StorageError> {
        #[derive(Deserialize)]
        struct Resolved {
            #[serde(rename = "Path")]
            path: String,
        }
        let r: Resolved = self.post_json("name/resolve", &[("arg", name)]).await?;
        Ok(r.path)
    }

    /// Unpins `cid` (the content may then be garbage-collected).
    pub async fn unpin(&self, cid: &str) -> Result<(), StorageError> {
        let _: serde_json::Value = self.post_json("pin/rm", &[("arg", cid)]).await?;
        Ok(())
    }

    /// Whether the node answers (`id`).
    pub async fn ping(&self) -> Result<(), StorageError> {
        let _: serde_json::Value = self.post_json("id", &[]).await?;
        Ok(())
    }
}

/// The last JSON object of an answer: `add` answers one per line, and the last is the file;
/// other commands answer one.
async fn last_json_line<T: for<'de> Deserialize<'de>>(
    command: &'static str,
    res: reqwest::Response,
) -> Result<T, StorageError> {
    let text = res.text().await.map_err(|e| StorageError { command, message: e.to_string() })?;
    let line = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
    serde_json::from_str(line)
        .map_err(|e| StorageError { command, message: format!("{e}: {text}") })
}
