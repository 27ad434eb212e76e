//! `px upload`, `px ls`, `px download`: files stream from disk to the node and back, with a
//! progress bar on a terminal.

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

/// `px upload FILE... --token ID`.
pub async fn upload(
    ctx: &Ctx,
    token: U256,
    files: &[PathBuf],
    progress: bool,
) -> Result<Output, CliError> {
    let node = ctx.signed_in_node().await?;
    let mut human = String::new();
    let mut results = Vec::new();
    for path in files {
        let file = tokio::fs::File::open(path).await.map_err(|e| io(path, e))?;
        let len = file.metadata().await.map_err(|e| io(path, e))?.len();
        let shown = bar(len, progress, &path.display().to_string());
        let counter = shown.clone();
        let stream = ReaderStream::with_capacity(file, 256 * 1024).inspect(move |chunk| {
            if let Ok(c) = chunk {
                counter.inc(c.len() as u64);
            }
        });
        let result = node.upload(token, len, reqwest::Body::wrap_stream(stream)).await;
        shown.finish_and_clear();
        let r = result.map_err(|source| CliError::Upload { path: path.clone(), source })?;
        let _ = writeln!(
            human,
            "{} -> {} ({} bytes); token {token} now uses {} bytes in {} uploads (usage sequence {}{})",
            path.display(),
            r.cid,
            len,
            r.used_bytes,
            r.upload_count,
            r.sequence,
            if r.published { "" } else { ", publishing" },
        );
        results.push(json!({"file": path.display().to_string(), "result": r}));
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

/// `px download CID [--token ID] [-o FILE]`.
pub async fn download(
    ctx: &Ctx,
    cid: &str,
    token: Option<U256>,
    output: Option<PathBuf>,
    progress: bool,
) -> Result<Output, CliError> {
    let res = ctx.node.download(token, cid).await?;
    let path = output.unwrap_or_else(|| PathBuf::from(cid));
    let to_stdout = path.as_os_str() == "-";
    let shown = bar(res.content_length().unwrap_or(0), progress && !to_stdout, cid);
    let mut out: Box<dyn tokio::io::AsyncWrite + Unpin + Send> = if to_stdout {
        Box::new(tokio::io::stdout())
    } else {
        Box::new(tokio::fs::File::create(&path).await.map_err(|e| io(&path, e))?)
    };
    let mut stream =
        res.bytes_stream().map_err(|source| CliError::Download { cid: cid.to_owned(), source });
    let mut written: u64 = 0;
    while let Some(chunk) = stream.try_next().await? {
        out.write_all(&chunk).await.map_err(|e| io(&path, e))?;
        written += chunk.len() as u64;
        shown.inc(chunk.len() as u64);
    }
    out.flush().await.map_err(|e| io(&path, e))?;
    shown.finish_and_clear();
    let human = if to_stdout {
        String::new()
    } else {
        format!("{cid} -> {} ({written} bytes)", path.display())
    };
    Ok(Output::new(
        human,
        json!({"cid": cid, "path": path.display().to_string(), "bytes": written}),
    ))
}
