//! The HTTP/1.1 listener in front of the router: hyper's connection builder with a header read
//! timeout (a client that opens a connection and sends its request head slowly, or never, is
//! disconnected; the same timer closes keep-alive connections left idle), a per-client bound
//! on open connections (refused at accept), each request tagged with its peer address
//! (`ConnectInfo`, for the per-client request limits), and graceful shutdown (no new
//! connections; requests in flight finish).

use std::{future::Future, net::SocketAddr, time::Duration};

use axum::{Router, extract::ConnectInfo};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::api::limits::{PerClient, client_key};

/// The listener's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenerSettings {
    /// Longest time from a connection's first byte of a request head (or from the end of the
    /// previous response, on a keep-alive connection) to its last.
    pub header_read_timeout: Duration,
    /// Most connections one client (`client_key`) keeps open.
    pub max_connections_per_client: usize,
}

/// Serves `router` on `listener` until `shutdown` resolves, then waits for the connections to
/// finish their requests.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: ListenerSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout)
        .keep_alive(true);
    let connections = PerClient::new(settings.max_connections_per_client);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(held) = connections.try_hold(client_key(peer.ip())) else {
            tracing::debug!(%peer, "refused a connection: the client has its most open");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = router.clone().map_request(move |mut req: axum::http::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            req
        });
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                // Header timeouts, resets: the client's business, not the node's.
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            drop(held);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
