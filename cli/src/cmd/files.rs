//! `px upload`, `px ls`, `px download`: files stream from disk to the node and back, with a
//! progress bar on a terminal; `--encrypt` seals them on the way out (`px-enc/1`,
//! `px-encryption`) and a download opens them again with the account's key.

use std::fmt::Write as _;

use std::path::{Path, PathBuf};

use alloy::primitives::U256;
use futures::{StreamExt, TryStreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use px_node_api::FileEntry;
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio_util::io::ReaderStream;

use crate::{context::Ctx, error::CliError, output::Output};

fn bar(len: u64, show: bool, name: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(name.to_owned());
    bar
}

fn io(path: &Path, source: std::io::Error) -> CliError {
    CliError::Io { path: path.to_owned(), source }
}

/// `px upload FILE... --token ID [--encrypt]`.
pub async fn upload(
    ctx: &Ctx,
    token: U256,
    files: &[PathBuf],
    encrypt: bool,
    progress: bool,
) -> Result<Output, CliError> {
    let node = ctx.signed_in_node().await?;
    let key = if encrypt { Some(ctx.encryption_key().await?) } else { None };
    let mut human = String::new();
    let mut results = Vec::new();
    for path in files {
        let file = tokio::fs::File::open(path).await.map_err(|e| io(path, e))?;
        let len = file.metadata().await.map_err(|e| io(path, e))?.len();
        let shown = bar(len, progress, &path.display().to_string());
        let counter = shown.clone();
        let plain = ReaderStream::with_capacity(file, 256 * 1024).inspect(move |chunk| {
            if let Ok(c) = chunk {
                counter.inc(c.len() as u64);
            }
        });
        // The node is told the stored (ciphertext) length up front: it checks the quota
        // against it before a byte streams.
        let (stored, body) = match &key {
            Some(key) => (
                px_encryption::ciphertext_len(len),
                reqwest::Body::wrap_stream(
                    px_encryption::stream::encrypt(key, plain).map_err(CliError::Encryption)?,
                ),
            ),
            None => (len, reqwest::Body::wrap_stream(plain)),
        };
        let result = node.upload(token, stored, body).await;
        shown.finish_and_clear();
        let r = result.map_err(|source| CliError::Upload { path: path.clone(), source })?;
        let _ = writeln!(
            human,
            "{} -> {} ({len} bytes{}); token {token} now uses {} bytes in {} uploads (usage sequence {}{})",
            path.display(),
            r.cid,
            if key.is_some() { format!(", encrypted to {stored}") } else { String::new() },
            r.used_bytes,
            r.upload_count,
            r.sequence,
            if r.published { "" } else { ", publishing" },
        );
        results.push(json!({
            "file": path.display().to_string(),
            "encrypted": key.is_some(),
            "storedBytes": stored.to_string(),
            "result": r,
        }));
    }
    Ok(Output::new(human, json!({"tokenId": token.to_string(), "uploads": results})))
}

/// `px ls --token ID [--all]`.
pub async fn ls(ctx: &Ctx, token: U256, all: bool) -> Result<Output, CliError> {
    let mut files: Vec<FileEntry> = Vec::new();
    let mut page: Option<String> = None;
    loop {
        let listing = ctx.node.list(token, page.as_deref()).await?;
        files.extend(listing.files);
        page = listing.next;
        if page.is_none() || !all {
            break;
        }
    }
    let mut human = String::new();
    for f in &files {
        let _ = writeln!(human, "{}  {:>12}  {}", f.added_at, f.size, f.cid);
    }
    if let Some(next) = &page {
        let _ = writeln!(
            human,
            "(older files on further pages: `px ls --token {token} --all`; next page {next})"
        );
    }
    if files.is_empty() {
        let _ = writeln!(human, "token {token} has no files");
    }
    Ok(Output::new(human, json!({"tokenId": token.to_string(), "files": files, "next": page})))
}

/// A download's bytes as they arrive.
type ByteStream = futures::stream::BoxStream<'static, std::io::Result<bytes::Bytes>>;

/// Reads `stream` until `len` bytes or its end: those first bytes, and the whole stream again.
async fn peek(mut stream: ByteStream, len: usize) -> std::io::Result<(Vec<u8>, ByteStream)> {
    let mut seen = Vec::new();
    let mut chunks = Vec::new();
    while seen.len() < len {
        match stream.try_next().await? {
            Some(chunk) => {
                seen.extend_from_slice(&chunk);
                chunks.push(Ok(chunk));
            }
            None => break,
        }
    }
    Ok((seen, futures::stream::iter(chunks).chain(stream).boxed()))
}

/// The CLI error for a failed read of `cid`'s body: a decryption refusal or the transport's.
fn read_error(cid: &str, e: std::io::Error) -> CliError {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<px_encryption::Error>()) {
        Some(refusal) => CliError::Decrypt { cid: cid.to_owned(), source: refusal.clone() },
        None => CliError::Download { cid: cid.to_owned(), source: e },
    }
}

/// `px download CID [--token ID] [-o FILE] [--raw]`: a `px-enc/1` file is decrypted with the
/// account's key unless `decrypt` is false. A file is written under a temporary name and
/// renamed once every byte arrived (and authenticated), so a failed download leaves nothing.
pub async fn download(
    ctx: &Ctx,
    cid: &str,
    token: Option<U256>,
    output: Option<PathBuf>,
    decrypt: bool,
    progress: bool,
) -> Result<Output, CliError> {
    let res = ctx.node.download(token, cid).await?;
    let path = output.unwrap_or_else(|| PathBuf::from(cid));
    let to_stdout = path.as_os_str() == "-";
    let shown = bar(res.content_length().unwrap_or(0), progress && !to_stdout, cid);
    let counter = shown.clone();
    let stored: ByteStream = res
        .bytes_stream()
        .map_err(std::io::Error::other)
        .inspect(move |chunk| {
            if let Ok(c) = chunk {
                counter.inc(c.len() as u64);
            }
        })
        .boxed();
    let (first, stored) =
        peek(stored, px_encryption::format::PROBE_LEN).await.map_err(|e| read_error(cid, e))?;
    let encrypted = matches!(px_encryption::probe(&first), px_encryption::Probe::Encrypted { .. });
    let mut body = if encrypted && decrypt {
        let key = ctx.encryption_key().await.map_err(|e| match e {
            CliError::Key(why) => CliError::Key(format!(
                "{cid} is encrypted (px-enc/1): decrypting it needs the account that uploaded it \
                 ({why}); `--raw` writes the ciphertext"
            )),
            other => other,
        })?;
        px_encryption::stream::decrypt(&key, stored).boxed()
    } else {
        stored
    };
    let partial = path.with_file_name(format!(
        ".{}.px-partial",
        path.file_name().map_or_else(|| cid.into(), |n| n.to_string_lossy())
    ));
    let mut out: Box<dyn tokio::io::AsyncWrite + Unpin + Send> = if to_stdout {
        Box::new(tokio::io::stdout())
    } else {
        Box::new(tokio::fs::File::create(&partial).await.map_err(|e| io(&partial, e))?)
    };
    let copied = async {
        let mut written: u64 = 0;
        while let Some(chunk) = body.try_next().await.map_err(|e| read_error(cid, e))? {
            out.write_all(&chunk).await.map_err(|e| io(&path, e))?;
            written += chunk.len() as u64;
        }
        out.flush().await.map_err(|e| io(&path, e))?;
        Ok::<_, CliError>(written)
    }
    .await;
    shown.finish_and_clear();
    drop(out);
    let written = match copied {
        Ok(written) => written,
        Err(e) => {
            if !to_stdout {
                let _ = tokio::fs::remove_file(&partial).await;
            }
            return Err(e);
        }
    };
    if !to_stdout {
        tokio::fs::rename(&partial, &path).await.map_err(|e| io(&path, e))?;
    }
    let human = if to_stdout {
        String::new()
    } else {
        let how = match (encrypted, decrypt) {
            (true, true) => ", decrypted",
            (true, false) => ", encrypted as stored",
            _ => "",
        };
        format!("{cid} -> {} ({written} bytes{how})", path.display())
    };
    Ok(Output::new(
        human,
        json!({
            "cid": cid,
            "path": path.display().to_string(),
            "bytes": written,
            "encrypted": encrypted,
            "decrypted": encrypted && decrypt,
        }),
    ))
}
