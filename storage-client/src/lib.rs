//! A client of a storage node's HTTP API: Kubo's RPC as BTFS (`/api/v1`, paths `/btfs/<cid>`),
//! Kubo and js-ipfs (`/api/v0`, paths `/ipfs/<cid>`) speak it. Every command is a `POST
//! {base}{prefix}/<command>?<query>`; a failure answers `{"Message", "Code", "Type"}`, parsed
//! once here into [`StorageError::Api`].
//!
//! The commands the PX parts use: `add` (one raw block, or a stream of known length), `cat`,
//! `key/gen`, `key/list`, `name/publish`, `name/resolve`, `pin/add`, `pin/rm`, `id`,
//! `version`. The PX node, the oracle adapter (which adds its retries and deadlines around
//! [`StorageClient::post`]) and the IPFS test node all call the storage node through this
//! crate.

mod error;

use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, TryStreamExt};
use px_metadata::RawBlockCid;
use serde::{Deserialize, de::DeserializeOwned};

pub use error::{ApiError, StorageError};

/// `add`'s query for one raw block, the single-raw-block rule of heads and pages
/// (`docs/usage-metadata.md`): CID v1, raw leaves, one chunk larger than the 1 MiB document
/// limit, base32, pinned. The CID is then `01 55 12 20 ‖ sha256(bytes)`.
pub const RAW_BLOCK_ADD: [(&str, &str); 5] = [
    ("cid-version", "1"),
    ("raw-leaves", "true"),
    ("chunker", "size-1048576"),
    ("cid-base", "base32"),
    ("pin", "true"),
];

/// `add`'s query for files: CID v1 with raw leaves (256 KiB chunks), base32, pinned.
const FILE_ADD: [(&str, &str); 5] = [
    ("cid-version", "1"),
    ("raw-leaves", "true"),
    ("pin", "true"),
    ("progress", "false"),
    ("cid-base", "base32"),
];

/// Timeout of the small JSON commands (keys, names, pins).
const COMMAND_TIMEOUT: Duration = Duration::from_mins(1);

/// A key of the storage node's keystore.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Key {
    /// Its name in the keystore.
    #[serde(rename = "Name")]
    pub name: String,
    /// Its peer id (`12D3KooW...`), the name it publishes under.
    #[serde(rename = "Id")]
    pub id: String,
}

/// A client of one storage node.
#[derive(Debug, Clone)]
pub struct StorageClient {
    api: String,
    path_prefix: String,
    http: reqwest::Client,
}

impl StorageClient {
    /// A client of `base_url` + `api_prefix` (`/api/v1` BTFS, `/api/v0` IPFS); `path_prefix`
    /// is `/btfs` or `/ipfs` (empty: bare CIDs).
    pub fn new(base_url: &str, api_prefix: &str, path_prefix: &str) -> Result<Self, StorageError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|source| StorageError::Transport { command: "client", source })?;
        Ok(Self::with_http(http, base_url, api_prefix, path_prefix))
    }

    /// The same over `http` (its timeouts and pool).
    pub fn with_http(
        http: reqwest::Client,
        base_url: &str,
        api_prefix: &str,
        path_prefix: &str,
    ) -> Self {
        let prefix = api_prefix.trim_matches('/');
        Self {
            api: format!("{}/{prefix}", base_url.trim_end_matches('/')),
            path_prefix: path_prefix.trim_end_matches('/').to_owned(),
            http,
        }
    }

    /// The content path of `cid` (`/btfs/<cid>`, `/ipfs/<cid>`, or the bare CID).
    pub fn content_path(&self, cid: &str) -> String {
        if self.path_prefix.is_empty() {
            cid.to_owned()
        } else {
            format!("{}/{cid}", self.path_prefix)
        }
    }

    /// POSTs `command` with `query` (and a multipart `form`, an optional `timeout`); an answer
    /// outside 2xx becomes [`StorageError::Api`] (or [`StorageError::Status`] when it is not
    /// the API's error body).
    pub async fn request(
        &self,
        command: &'static str,
        query: &[(&str, &str)],
        form: Option<reqwest::multipart::Form>,
        timeout: Option<Duration>,
    ) -> Result<reqwest::Response, StorageError> {
        let mut req = self.http.post(format!("{}/{command}", self.api)).query(query);
        if let Some(form) = form {
            req = req.multipart(form);
        }
        if let Some(t) = timeout {
            req = req.timeout(t);
        }
        let res = req.send().await.map_err(|source| StorageError::Transport { command, source })?;
        if res.status().is_success() {
            return Ok(res);
        }
        let status = res.status().as_u16();
        let text =
            res.text().await.map_err(|source| StorageError::Transport { command, source })?;
        Err(match serde_json::from_str::<ApiError>(&text) {
            Ok(body) => StorageError::Api { command, status, body },
            Err(_) => StorageError::Status { command, status, text: cut(&text) },
        })
    }

    /// [`StorageClient::request`] without a body or timeout: what the adapter retries.
    pub async fn post(
        &self,
        command: &'static str,
        query: &[(&str, &str)],
    ) -> Result<reqwest::Response, StorageError> {
        self.request(command, query, None, None).await
    }

    async fn command<T: DeserializeOwned>(
        &self,
        command: &'static str,
        query: &[(&str, &str)],
    ) -> Result<T, StorageError> {
        let res = self.request(command, query, None, Some(COMMAND_TIMEOUT)).await?;
        last_json_line(command, res).await
    }

    /// `add` of one multipart part with `query`; returns the CID of the (last) object added.
    pub async fn add_part(
        &self,
        part: reqwest::multipart::Part,
        query: &[(&str, &str)],
    ) -> Result<String, StorageError> {
        #[derive(Deserialize)]
        struct AddLine {
            #[serde(rename = "Hash")]
            hash: String,
        }
        let part = part
            .file_name("file")
            .mime_str("application/octet-stream")
            .map_err(|source| StorageError::Transport { command: "add", source })?;
        let form = reqwest::multipart::Form::new().part("file", part);
        // No overall timeout: a large file takes as long as it takes to stream.
        let res = self.request("add", query, Some(form), None).await?;
        let added: AddLine = last_json_line("add", res).await?;
        Ok(added.hash)
    }

    /// Streams `len` bytes from `body` into `add` (CID v1, raw leaves, pinned) and returns the
    /// file's CID. The caller counts the bytes; `add` sees exactly what the stream yields.
    pub async fn add_stream<S>(&self, body: S, len: u64) -> Result<String, StorageError>
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
    {
        let part =
            reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(body), len);
        self.add_part(part, &FILE_ADD).await
    }

    /// Stores `bytes` as one raw block ([`RAW_BLOCK_ADD`]) and returns its CID.
    pub async fn add_raw_block(&self, bytes: Vec<u8>) -> Result<RawBlockCid, StorageError> {
        let hash = self.add_part(reqwest::multipart::Part::bytes(bytes), &RAW_BLOCK_ADD).await?;
        hash.parse().map_err(|source| StorageError::NotRawBlock { cid: hash, source })
    }

    /// Stores `bytes` as one raw block and checks that the node named it `expected`.
    pub async fn add_block(
        &self,
        bytes: Vec<u8>,
        expected: RawBlockCid,
    ) -> Result<(), StorageError> {
        let got = self.add_raw_block(bytes).await?;
        if got == expected { Ok(()) } else { Err(StorageError::WrongCid { got, expected }) }
    }

    /// Streams the content of `cid` (at most `length` bytes when given).
    pub async fn cat(
        &self,
        cid: &str,
        length: Option<usize>,
    ) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + use<>, StorageError>
    {
        let path = self.content_path(cid);
        let length = length.map(|l| l.to_string());
        let mut query = vec![("arg", path.as_str())];
        if let Some(l) = &length {
            query.push(("length", l.as_str()));
        }
        let res = self.post("cat", &query).await?;
        Ok(res.bytes_stream().map_err(std::io::Error::other))
    }

    /// Reads a small object whole; more than `max` bytes is [`StorageError::TooLarge`].
    pub async fn cat_bytes(&self, cid: &str, max: usize) -> Result<Vec<u8>, StorageError> {
        let mut stream = Box::pin(self.cat(cid, Some(max + 1)).await?);
        let mut out = Vec::new();
        while let Some(chunk) = stream
            .try_next()
            .await
            .map_err(|source| StorageError::Read { command: "cat", source })?
        {
            out.extend_from_slice(&chunk);
            if out.len() > max {
                return Err(StorageError::TooLarge { cid: cid.to_owned(), max });
            }
        }
        Ok(out)
    }

    /// `key/gen` of an ed25519 key named `name`; returns its peer id.
    pub async fn key_gen(&self, name: &str) -> Result<String, StorageError> {
        let key: Key = self.command("key/gen", &[("arg", name), ("type", "ed25519")]).await?;
        Ok(key.id)
    }

    /// `key/list`: every key of the keystore.
    pub async fn key_list(&self) -> Result<Vec<Key>, StorageError> {
        #[derive(Deserialize)]
        struct Keys {
            #[serde(rename = "Keys")]
            keys: Option<Vec<Key>>,
        }
        let list: Keys = self.command("key/list", &[]).await?;
        Ok(list.keys.unwrap_or_default())
    }

    /// The peer id of key `name`, if the node has it.
    pub async fn key_id(&self, name: &str) -> Result<Option<String>, StorageError> {
        Ok(self.key_list().await?.into_iter().find(|k| k.name == name).map(|k| k.id))
    }

    /// The peer id of key `name`, creating an ed25519 key of that name if there is none; so
    /// a retry after a crash finds the key instead of making a second one. `key/list` (every
    /// key of the keystore) is read only when `key/gen` refuses, i.e. the name exists.
    pub async fn key_gen_or_get(&self, name: &str) -> Result<String, StorageError> {
        match self.key_gen(name).await {
            Ok(id) => Ok(id),
            Err(refused @ StorageError::Api { .. }) => self.key_id(name).await?.ok_or(refused),
            Err(e) => Err(e),
        }
    }

    /// Publishes `cid` under key `key_name` (offline allowed), with a record `lifetime` or the
    /// node's default.
    pub async fn publish(
        &self,
        key_name: &str,
        cid: &str,
        lifetime: Option<Duration>,
    ) -> Result<(), StorageError> {
        let path = self.content_path(cid);
        let lifetime = lifetime.map(|l| format!("{}s", l.as_secs()));
        let mut query = vec![("arg", path.as_str()), ("key", key_name), ("allow-offline", "true")];
        if let Some(l) = &lifetime {
            query.push(("lifetime", l.as_str()));
        }
        let _: serde_json::Value = self.command("name/publish", &query).await?;
        Ok(())
    }

    /// Resolves a name to its path (`/ipfs/<cid>` or `/btfs/<cid>`); `nocache` asks for the
    /// record as published now, not the node's cached copy.
    pub async fn resolve(&self, name: &str, nocache: bool) -> Result<String, StorageError> {
        #[derive(Deserialize)]
        struct Resolved {
            #[serde(rename = "Path")]
            path: String,
        }
        let mut query = vec![("arg", name)];
        if nocache {
            query.push(("nocache", "true"));
        }
        let r: Resolved = self.command("name/resolve", &query).await?;
        Ok(r.path)
    }

    /// Pins `cid` (recursively); already pinned is fine.
    pub async fn pin_add(&self, cid: &str) -> Result<(), StorageError> {
        let _: serde_json::Value = self.command("pin/add", &[("arg", cid)]).await?;
        Ok(())
    }

    /// Unpins `cid` (the content may then be garbage-collected).
    pub async fn unpin(&self, cid: &str) -> Result<(), StorageError> {
        let _: serde_json::Value = self.command("pin/rm", &[("arg", cid)]).await?;
        Ok(())
    }

    /// Whether the node answers (`id`).
    pub async fn ping(&self) -> Result<(), StorageError> {
        let _: serde_json::Value = self.command("id", &[]).await?;
        Ok(())
    }
}

/// The CID a resolved path names, when it is one object (`/ipfs/<cid>` or `/btfs/<cid>`, no
/// sub-path).
pub fn path_cid(path: &str) -> Option<&str> {
    path.strip_prefix("/ipfs/")
        .or_else(|| path.strip_prefix("/btfs/"))
        .filter(|c| !c.is_empty() && !c.contains('/'))
}

/// The last JSON object of an answer: `add` answers one per line, and the last is the object
/// added; other commands answer one.
async fn last_json_line<T: DeserializeOwned>(
    command: &'static str,
    res: reqwest::Response,
) -> Result<T, StorageError> {
    let text = res.text().await.map_err(|source| StorageError::Transport { command, source })?;
    let line = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
    serde_json::from_str(line).map_err(|source| StorageError::Decode {
        command,
        source,
        text: cut(&text),
    })
}

/// At most 200 bytes of an answer, for a message.
fn cut(text: &str) -> String {
    let mut end = text.len().min(200);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_content_paths_and_reads_them_back() {
        let btfs =
            StorageClient::with_http(reqwest::Client::new(), "http://h:5001/", "/api/v1", "/btfs");
        assert_eq!(btfs.content_path("bafk"), "/btfs/bafk");
        assert_eq!(btfs.api, "http://h:5001/api/v1");
        let bare = StorageClient::with_http(reqwest::Client::new(), "http://h", "api/v0/", "");
        assert_eq!(bare.content_path("bafk"), "bafk");
        assert_eq!(path_cid("/ipfs/bafk"), Some("bafk"));
        assert_eq!(path_cid("/btfs/bafk"), Some("bafk"));
        assert_eq!(path_cid("/ipfs/bafk/x"), None);
        assert_eq!(path_cid("/ipns/k51"), None);
    }
}
