//! Request bodies on a clock: [`Watched`] fails a body that stalls (no data for
//! `stall`) or falls below a minimum average rate once past its first `stall`; handlers map that
//! failure ([`BodyTimeout`]) to 408 `request_timeout`. Without it a client that sends headers
//! and then trickles (or never sends) its body holds its request slots for as long as it likes.

use std::{
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, rejection::BytesRejection},
};
use http_body::{Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use crate::error::NodeError;

/// How slow a request body may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyPace {
    /// Longest wait for the next piece of a body (and for its first, from the first read).
    pub stall: Duration,
    /// Lowest average rate, bytes per second, counted after the first `stall` of the body
    /// (0: no minimum).
    pub min_rate: u64,
}

/// Why a body was cut off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BodyTimeout {
    /// No data for the stall timeout.
    #[error("the request body sent nothing for {0:?}")]
    Stalled(Duration),
    /// Data came, but below the minimum rate.
    #[error("the request body arrived below {0} bytes per second")]
    TooSlow(u64),
}

/// Whether `e` or any of its sources is a [`BodyTimeout`].
pub(crate) fn timed_out(e: &(dyn std::error::Error + 'static)) -> Option<BodyTimeout> {
    let mut next = Some(e);
    while let Some(e) = next {
        if let Some(t) = e.downcast_ref::<BodyTimeout>() {
            return Some(*t);
        }
        next = e.source();
    }
    None
}

/// Puts `req`'s body on the clock (a middleware: every route reads bodies through it).
pub(crate) fn watch(pace: BodyPace, req: Request) -> Request {
    req.map(|body| Body::new(Watched::new(body, pace)))
}

/// A small body (sign-in, key requests) read whole: a stall is 408, anything else 400.
pub(crate) fn small(body: Result<Bytes, BytesRejection>) -> Result<Bytes, NodeError> {
    body.map_err(|rejection| match timed_out(&rejection) {
        Some(t) => NodeError::RequestTimeout(t.to_string()),
        None => NodeError::BadRequest(rejection.body_text()),
    })
}

/// A body that fails with [`BodyTimeout`] when it stalls or is too slow. Only time the node
/// spends waiting on the client counts (a poll that found nothing until the next piece
/// arrives): a handler that checks the quota before it reads, or a storage node slow to take
/// the bytes, does not spend the client's allowance.
pub(crate) struct Watched {
    inner: Body,
    pace: BodyPace,
    received: u64,
    // Time spent waiting on the client in earlier waits, and the start of the current one.
    waited: Duration,
    waiting_since: Option<Instant>,
    deadline: Pin<Box<Sleep>>,
}

impl Watched {
    fn new(inner: Body, pace: BodyPace) -> Self {
        Self {
            inner,
            pace,
            received: 0,
            waited: Duration::ZERO,
            waiting_since: None,
            deadline: Box::pin(tokio::time::sleep(pace.stall)),
        }
    }

    /// How long the current wait may last: the stall timeout, or less if the bytes so far
    /// would then fall below the rate (`stall + received / rate` of waiting in all).
    fn allowance(&self) -> Duration {
        if self.pace.min_rate == 0 {
            return self.pace.stall;
        }
        let earned = Duration::from_millis(self.received.saturating_mul(1000) / self.pace.min_rate);
        let left = (self.pace.stall + earned).saturating_sub(self.waited);
        left.min(self.pace.stall)
    }
}

impl http_body::Body for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(since) = this.waiting_since.take() {
                    this.waited += since.elapsed();
                }
                if let Some(data) = frame.data_ref() {
                    this.received += data.len() as u64;
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(other) => Poll::Ready(other),
            Poll::Pending => {
                let since = if let Some(since) = this.waiting_since {
                    since
                } else {
                    let now = Instant::now();
                    let deadline = now + this.allowance();
                    this.deadline.as_mut().reset(deadline);
                    this.waiting_since = Some(now);
                    now
                };
                match this.deadline.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        let t = if since.elapsed() >= this.pace.stall {
                            BodyTimeout::Stalled(this.pace.stall)
                        } else {
                            BodyTimeout::TooSlow(this.pace.min_rate)
                        };
                        Poll::Ready(Some(Err(axum::Error::new(t))))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    fn pace(stall_ms: u64, min_rate: u64) -> BodyPace {
        BodyPace { stall: Duration::from_millis(stall_ms), min_rate }
    }

    /// A body fed by hand: each `send` is one frame.
    fn channel() -> (tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>, Body) {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let stream =
            futures::stream::unfold(
                rx,
                |mut rx| async move { rx.recv().await.map(|item| (item, rx)) },
            );
        (tx, Body::from_stream(stream))
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_keeps_coming_passes_whole() {
        let (tx, body) = channel();
        let watched = Watched::new(body, pace(1_000, 10));
        tokio::spawn(async move {
            for _ in 0..5 {
                tokio::time::sleep(Duration::from_millis(900)).await;
                tx.send(Ok(Bytes::from(vec![0u8; 100]))).await.unwrap();
            }
        });
        let bytes = watched.collect().await.unwrap().to_bytes();
        assert_eq!(bytes.len(), 500);
    }

    #[tokio::test(start_paused = true)]
    async fn error_when_a_body_stalls() {
        let (tx, body) = channel();
        let watched = Watched::new(body, pace(1_000, 0));
        tx.send(Ok(Bytes::from_static(b"abc"))).await.unwrap();
        let err = watched.collect().await.unwrap_err();
        assert_eq!(timed_out(&err), Some(BodyTimeout::Stalled(Duration::from_secs(1))));
        drop(tx);
    }

    #[tokio::test(start_paused = true)]
    async fn error_when_a_body_trickles_below_the_minimum_rate() {
        let (tx, body) = channel();
        // 1 byte every 0.9 s never stalls for 1 s, but is far below 100 bytes per second.
        let watched = Watched::new(body, pace(1_000, 100));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(900)).await;
                if tx.send(Ok(Bytes::from_static(b"x"))).await.is_err() {
                    return;
                }
            }
        });
        let err = watched.collect().await.unwrap_err();
        assert_eq!(timed_out(&err), Some(BodyTimeout::TooSlow(100)));
    }

    #[tokio::test(start_paused = true)]
    async fn time_the_reader_spends_elsewhere_does_not_count() {
        let (tx, body) = channel();
        let mut watched = Watched::new(body, pace(1_000, 100));
        tx.send(Ok(Bytes::from_static(b"a"))).await.unwrap();
        assert!(watched.frame().await.unwrap().is_ok());
        // The reader is busy for 5 s (a slow storage node); the next piece comes 0.5 s after
        // it reads again: 0.5 s of waiting on the client, not 5.5 s.
        tokio::time::sleep(Duration::from_secs(5)).await;
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            tx.send(Ok(Bytes::from_static(b"b"))).await.unwrap();
        });
        let frame = watched.frame().await.unwrap().unwrap();
        assert_eq!(frame.into_data().unwrap(), Bytes::from_static(b"b"));
    }

    #[tokio::test(start_paused = true)]
    async fn the_clock_starts_at_the_first_read() {
        let (tx, body) = channel();
        let mut watched = Watched::new(body, pace(1_000, 0));
        // A handler busy for longer than the stall timeout before it reads.
        tokio::time::sleep(Duration::from_secs(5)).await;
        tx.send(Ok(Bytes::from_static(b"abc"))).await.unwrap();
        drop(tx);
        let frame = watched.frame().await.unwrap().unwrap();
        assert_eq!(frame.into_data().unwrap(), Bytes::from_static(b"abc"));
    }
}
