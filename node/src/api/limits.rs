//! Request limits, in the order a request meets them: [`per_client`] (a layer over every route:
//! at most `max_per_client` requests of one client in flight, 429 beyond), then the global
//! slots ([`Limits::slot`], 503 when all are taken), taken only once the cheap checks passed:
//! by a route layer on routes without a body, and by the handlers of the routes with one
//! (sign-in, key allocation, upload) after their body is read or their session, ownership and
//! quota are checked. So a client that stalls its body holds its own per-client slots, not the
//! node's.

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv6Addr},
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http_body::{Frame, SizeHint};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::auth::Peer;
use crate::error::NodeError;

/// The client a connection belongs to, for per-client limits: an IPv4 address, or the /64 of
/// an IPv6 address (one subscriber's usual allocation: its 2^64 addresses are one client).
pub(crate) fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(v6.to_bits() & !u128::from(u64::MAX))),
        },
    }
}

/// Counts of things each client holds (requests in flight, open connections), bounded.
#[derive(Debug)]
pub struct PerClient {
    max: usize,
    held: Mutex<HashMap<IpAddr, usize>>,
}

impl PerClient {
    /// At most `max` per client.
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Self { max, held: Mutex::new(HashMap::new()) })
    }

    /// One more for `client` (a [`client_key`]), unless it holds `max` already.
    pub fn try_hold(self: &Arc<Self>, client: IpAddr) -> Option<Held> {
        let mut held = self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = held.entry(client).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(Held { of: self.clone(), client })
    }

    /// How many `client` holds now.
    pub fn held(&self, client: IpAddr) -> usize {
        let held = self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        held.get(&client).copied().unwrap_or(0)
    }
}

/// One thing a client holds; dropping it gives it back (the map forgets clients at zero, so
/// it only ever holds the clients with something in flight).
#[derive(Debug)]
pub struct Held {
    of: Arc<PerClient>,
    client: IpAddr,
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut held = self.of.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = held.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                held.remove(&self.client);
            }
        }
    }
}

/// The node's request limits.
#[derive(Debug)]
pub struct Limits {
    /// Requests in flight per client.
    pub per_client: Arc<PerClient>,
    global: Arc<Semaphore>,
    max_global: usize,
}

impl Limits {
    /// `per_client` requests per client, `global` in all.
    pub fn new(per_client: usize, global: usize) -> Arc<Self> {
        Arc::new(Self {
            per_client: PerClient::new(per_client),
            global: Arc::new(Semaphore::new(global)),
            max_global: global,
        })
    }

    /// One of the global slots, or 503 when every one is taken (answered at once: a full
    /// node sheds load instead of queueing it without bound).
    pub fn slot(&self) -> Result<OwnedSemaphorePermit, NodeError> {
        self.global.clone().try_acquire_owned().map_err(|_| {
            NodeError::Unavailable(format!(
                "the node is serving its most requests at once ({}); retry shortly",
                self.max_global
            ))
        })
    }

    /// Global slots free now.
    pub fn free_slots(&self) -> usize {
        self.global.available_permits()
    }
}

/// The per-client layer: a request beyond the client's share is answered 429; the slot is
/// held until the response body is sent (a download streams under it). Requests without a
/// peer address (tests driving the router directly) are not counted.
pub(crate) async fn per_client(
    State(limits): State<Arc<Limits>>,
    Peer(peer): Peer,
    req: Request,
    next: Next,
) -> Response {
    let Some(client) = peer else { return next.run(req).await };
    let Some(held) = limits.per_client.try_hold(client) else {
        let mut res = NodeError::TooManyRequests(format!(
            "this client ({client}) has its most requests in flight; finish one first"
        ))
        .into_response();
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return res;
    };
    let res = next.run(req).await;
    res.map(|body| Body::new(Holding { inner: body, _held: held }))
}

/// The global-slot route layer of the routes without a request body.
pub(crate) async fn global_slot(
    State(limits): State<Arc<Limits>>,
    req: Request,
    next: Next,
) -> Response {
    match limits.slot() {
        Ok(_slot) => next.run(req).await,
        Err(e) => {
            let mut res = e.into_response();
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            res
        }
    }
}

/// A response body that keeps its client's slot until it is sent or dropped.
struct Holding {
    inner: Body,
    _held: Held,
}

impl http_body::Body for Holding {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
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
    use super::*;

    #[test]
    fn a_client_holds_at_most_its_share_and_gets_it_back() {
        let per = PerClient::new(2);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        let a = per.try_hold(ip).unwrap();
        let _b = per.try_hold(ip).unwrap();
        assert!(per.try_hold(ip).is_none(), "a third is refused");
        assert!(per.try_hold(other).is_some(), "another client is not affected");
        drop(a);
        assert!(per.try_hold(ip).is_some(), "a finished request frees its slot");
    }

    #[test]
    fn clients_at_zero_are_forgotten() {
        let per = PerClient::new(1);
        for i in 0..100u8 {
            drop(per.try_hold(IpAddr::from([10, 0, 0, i])).unwrap());
        }
        assert!(per.held.lock().unwrap().is_empty());
    }

    #[test]
    fn an_ipv6_slash_64_is_one_client_and_a_mapped_ipv4_is_its_ipv4() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(client_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn error_when_every_global_slot_is_taken_and_a_freed_one_is_given_again() {
        let limits = Limits::new(8, 2);
        let a = limits.slot().unwrap();
        let _b = limits.slot().unwrap();
        assert!(matches!(limits.slot(), Err(NodeError::Unavailable(_))));
        drop(a);
        assert!(limits.slot().is_ok());
    }
}
