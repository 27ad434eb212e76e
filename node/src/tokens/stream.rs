//! The upload body on its way to the storage node: cut off past its declared length, and
//! gathered into pieces of the storage node's chunk size.

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicU64, Ordering},
};

use bytes::Bytes;
use futures::{Stream, StreamExt};

/// What [`limited`] saw of a body.
#[derive(Debug, Default)]
pub(super) struct Tally {
    seen: AtomicU64,
    timed_out: AtomicBool,
}

impl Tally {
    /// Bytes the body yielded.
    pub(super) fn seen(&self) -> u64 {
        self.seen.load(Ordering::Relaxed)
    }

    /// Whether the body failed with [`std::io::ErrorKind::TimedOut`] (stalled or too slow).
    pub(super) fn timed_out(&self) -> bool {
        self.timed_out.load(Ordering::Relaxed)
    }
}

/// `body`, failing as soon as it yields more than `limit` bytes (the quota was checked for
/// `limit`, so no more may reach the storage node), and what it saw: the bytes it yielded and
/// whether it timed out.
pub(super) fn limited<S>(
    body: S,
    limit: u64,
) -> (impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static, Arc<Tally>)
where
    S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
{
    let tally = Arc::new(Tally::default());
    let counter = tally.clone();
    let body = body.map(move |chunk| {
        let chunk = chunk.inspect_err(|e| {
            if e.kind() == std::io::ErrorKind::TimedOut {
                counter.timed_out.store(true, Ordering::Relaxed);
            }
        })?;
        let total =
            counter.seen.fetch_add(chunk.len() as u64, Ordering::Relaxed) + chunk.len() as u64;
        if total > limit {
            return Err(std::io::Error::other("body is longer than Content-Length"));
        }
        Ok(chunk)
    });
    (body, tally)
}

/// Size of the pieces an upload is forwarded in: the request arrives in whatever frames the
/// client's TCP segments make (often a few KiB); forwarding them one by one costs a write per
/// frame, so they are gathered into pieces of the storage node's chunk size first.
pub(super) const FORWARD_CHUNK: usize = 256 * 1024;

/// Gathers `stream`'s chunks into pieces of `size` bytes (the last may be shorter); memory
/// stays at one piece.
pub(super) fn coalesce<S>(
    stream: S,
    size: usize,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static
where
    S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
{
    let state = (Box::pin(stream), bytes::BytesMut::with_capacity(size), false);
    futures::stream::unfold(state, move |(mut inner, mut buf, done)| async move {
        if done {
            return None;
        }
        loop {
            match inner.next().await {
                Some(Ok(chunk)) => {
                    if buf.is_empty() && chunk.len() >= size {
                        return Some((Ok(chunk), (inner, buf, false)));
                    }
                    buf.extend_from_slice(&chunk);
                    if buf.len() >= size {
                        let piece = buf.split().freeze();
                        return Some((Ok(piece), (inner, buf, false)));
                    }
                }
                Some(Err(e)) => return Some((Err(e), (inner, buf, true))),
                None if buf.is_empty() => return None,
                None => {
                    let piece = buf.split().freeze();
                    return Some((Ok(piece), (inner, buf, true)));
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use futures::TryStreamExt;

    use super::*;

    fn pieces(sizes: &[usize], size: usize) -> Vec<usize> {
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            sizes.iter().map(|n| Ok(Bytes::from(vec![1u8; *n]))).collect();
        let out: Vec<Bytes> = futures::executor::block_on(
            coalesce(futures::stream::iter(chunks), size).try_collect(),
        )
        .unwrap();
        out.iter().map(Bytes::len).collect()
    }

    #[test]
    fn coalesces_small_frames_into_pieces_and_keeps_every_byte() {
        assert_eq!(pieces(&[3, 3, 3, 3, 1], 4), vec![6, 6, 1]);
        assert_eq!(pieces(&[10], 4), vec![10], "a large chunk passes as it is");
        assert_eq!(pieces(&[], 4), Vec::<usize>::new());
        assert_eq!(pieces(&[1, 1], 4), vec![2]);
    }

    #[test]
    fn error_when_the_body_is_longer_than_declared_and_counts_what_it_saw() {
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            vec![Ok(Bytes::from_static(b"abc")), Ok(Bytes::from_static(b"de"))];
        let (body, tally) = limited(futures::stream::iter(chunks), 4);
        let out: Vec<_> = futures::executor::block_on(body.collect::<Vec<_>>());
        assert!(out[0].is_ok() && out[1].is_err());
        assert_eq!(tally.seen(), 5);
        assert!(!tally.timed_out(), "too long is not a timeout");
    }

    #[test]
    fn a_timed_out_body_is_told_apart_from_other_failures() {
        let timed_out: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from_static(b"ab")),
            Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "stalled")),
        ];
        let (body, tally) = limited(futures::stream::iter(timed_out), 4);
        let _: Vec<_> = futures::executor::block_on(body.collect::<Vec<_>>());
        assert!(tally.timed_out());
        assert_eq!(tally.seen(), 2);
        let broken: Vec<Result<Bytes, std::io::Error>> = vec![Err(std::io::Error::other("reset"))];
        let (body, tally) = limited(futures::stream::iter(broken), 4);
        let _: Vec<_> = futures::executor::block_on(body.collect::<Vec<_>>());
        assert!(!tally.timed_out());
    }

    #[test]
    fn error_when_the_inner_stream_fails_is_passed_on_and_ends_the_stream() {
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from_static(b"ab")),
            Err(std::io::Error::other("cut")),
            Ok(Bytes::from_static(b"cd")),
        ];
        let out: Vec<_> = futures::executor::block_on(
            coalesce(futures::stream::iter(chunks), 4).collect::<Vec<_>>(),
        );
        assert_eq!(out.len(), 1);
        assert!(out[0].is_err());
    }
}
