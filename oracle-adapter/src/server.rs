//! The HTTP side: the EA router ([`app`]), the metrics router ([`metrics_app`]) and a
//! [`Server`] that binds both and shuts down gracefully on an injected signal.

use std::{
    future::Future,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use axum::{
    Router,
    body::Bytes,
    extract::{DefaultBodyLimit, State, rejection::BytesRejection},
    http::{StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use tokio::{net::TcpListener, sync::watch, time::Instant};

use crate::{
    config::Config,
    endpoint::{self, UsageAnswer},
    error::AdapterError,
    metrics::Metrics,
    service::{ServiceConfig, UsageService},
    transport::{HttpStorageNode, RetryPolicy, StorageNode},
};

/// Largest request body: a sync request is a few hundred bytes.
const MAX_REQUEST_BYTES: usize = 16 * 1024;

/// What the handlers share.
pub struct AppState {
    /// The lookup.
    pub service: Arc<UsageService>,
    /// The metrics.
    pub metrics: Arc<Metrics>,
    next_request_id: AtomicU64,
}

impl AppState {
    /// State over `node`, configured by `config`.
    pub fn new(config: &Config, node: Arc<dyn StorageNode>, metrics: Arc<Metrics>) -> Arc<Self> {
        let service_config = ServiceConfig {
            api_timeout: config.api_timeout(),
            cache_max_age: config.cache_max_age(),
            cache_max_items: config.cache_max_items,
            upstream_concurrency: config.upstream_concurrency,
            max_queued_lookups: config.max_queued_lookups,
            max_document_bytes: config.max_document_bytes,
            trusted_signers: config.trusted_signers.iter().copied().collect(),
        };
        let service = Arc::new(UsageService::new(node, service_config, Arc::clone(&metrics)));
        Arc::new(Self { service, metrics, next_request_id: AtomicU64::new(1) })
    }

    /// State reading from the storage node at `config.btfs_api_url`.
    pub fn from_config(config: &Config) -> Result<Arc<Self>, AdapterError> {
        let metrics = Arc::new(Metrics::default());
        let retry = RetryPolicy {
            retries: config.retry,
            backoff: Duration::from_millis(config.retry_backoff_ms),
        };
        let node = HttpStorageNode::new(
            &config.btfs_api_url,
            &config.btfs_api_prefix,
            retry,
            config.resolve_nocache,
            Arc::clone(&metrics),
        )?;
        Ok(Self::new(config, Arc::new(node), metrics))
    }
}

/// The adapter API: `POST /` (the EA endpoint, Direct Request), `GET /usage` (the verified
/// document for the CRE workflow's HTTP fetch), `GET /health` (liveness), `GET /ready`
/// (storage node reachable).
pub fn app(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", post(adapter))
        .route("/usage", get(usage))
        .route("/health", get(|| async { axum::Json(serde_json::json!({"status": "OK"})) }))
        .route("/ready", get(ready))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(state)
}

/// The metrics API: `GET /metrics` in the Prometheus text format.
pub fn metrics_app(metrics: Arc<Metrics>) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let metrics = Arc::clone(&metrics);
            async move {
                (
                    [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
                    metrics.render(),
                )
            }
        }),
    )
}

/// Keeps the in-flight gauge right even when a client disconnects mid-request.
struct InFlight<'a>(&'a Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.dec();
    }
}

/// Counts, times and keeps the in-flight gauge for one request of either endpoint.
async fn observed(state: &AppState, handle: impl Future<Output = Response>) -> Response {
    let started = Instant::now();
    state.metrics.in_flight.inc();
    let _in_flight = InFlight(&state.metrics);
    let response = handle.await;
    state.metrics.observe_request(response.status().as_u16(), started.elapsed());
    response
}

async fn adapter(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request_id = state.next_request_id.fetch_add(1, Ordering::Relaxed);
    observed(&state, async {
        let (job_run_id, subject) = match body {
            Ok(bytes) => endpoint::parse(&bytes),
            Err(e) => {
                (endpoint::DEFAULT_JOB_RUN_ID.to_owned(), Err(AdapterError::Input(e.body_text())))
            }
        };
        let result = match subject {
            Ok(subject) => state.service.lookup(&subject).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(answer) => {
                tracing::debug!(request_id, job_run_id, cid = %answer.verified.cid, "answered");
                ([(header::CONTENT_TYPE, "application/json")], answer.body(&job_run_id))
                    .into_response()
            }
            Err(e) => e.respond(&job_run_id, request_id),
        }
    })
    .await
}

/// `GET /usage?btnsKey=&tokenId=&contract=&chainId=`: the same lookup and checks as `POST /`,
/// answered as a [`UsageAnswer`]; errors in the EA error body (jobRunID `"1"`, there is none).
async fn usage(State(state): State<Arc<AppState>>, uri: Uri) -> Response {
    let request_id = state.next_request_id.fetch_add(1, Ordering::Relaxed);
    observed(&state, async {
        let result = match endpoint::parse_query(&uri) {
            Ok(subject) => state.service.lookup(&subject).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(answer) => {
                tracing::debug!(request_id, cid = %answer.verified.cid, "usage answered");
                axum::Json(UsageAnswer::of(&answer.verified)).into_response()
            }
            Err(e) => e.respond(endpoint::DEFAULT_JOB_RUN_ID, request_id),
        }
    })
    .await
}

async fn ready(State(state): State<Arc<AppState>>) -> Response {
    match state.service.ready().await {
        Ok(()) => axum::Json(serde_json::json!({"status": "OK"})).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"status": "unavailable", "error": e.to_string()})),
            )
                .into_response()
        }
    }
}

/// Both listeners, bound and ready to serve.
pub struct Server {
    state: Arc<AppState>,
    api: TcpListener,
    metrics: Option<TcpListener>,
    grace: Duration,
}

impl Server {
    /// Binds the API (and, if enabled, metrics) port of `config` and connects the state.
    pub async fn bind(config: &Config) -> anyhow::Result<Self> {
        let state = AppState::from_config(config)?;
        let api = TcpListener::bind(SocketAddr::new(config.host, config.port)).await?;
        let metrics = if config.metrics_enabled {
            Some(TcpListener::bind(SocketAddr::new(config.host, config.metrics_port)).await?)
        } else {
            None
        };
        Ok(Self { state, api, metrics, grace: Duration::from_secs(config.shutdown_grace_secs) })
    }

    /// The bound API address (port 0 in the config gives a free port).
    pub fn api_addr(&self) -> std::io::Result<SocketAddr> {
        self.api.local_addr()
    }

    /// The bound metrics address, if metrics are enabled.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// Serves until `shutdown` completes, then stops accepting, lets in-flight requests finish
    /// (at most the grace period) and returns.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let stopped = move |mut rx: watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|s| *s).await;
        };
        let metrics_task = self.metrics.map(|listener| {
            let router = metrics_app(Arc::clone(&self.state.metrics));
            tokio::spawn(
                axum::serve(listener, router)
                    .with_graceful_shutdown(stopped(stop_rx.clone()))
                    .into_future(),
            )
        });
        let api = axum::serve(self.api, app(self.state)).with_graceful_shutdown(stopped(stop_rx));
        let api_task = tokio::spawn(api.into_future());
        shutdown.await;
        tracing::info!("shutting down: draining in-flight requests");
        let _ = stop_tx.send(true);
        let drain = async {
            let api = api_task.await;
            if let Some(m) = metrics_task {
                let _ = m.await;
            }
            api
        };
        if let Ok(joined) = tokio::time::timeout(self.grace, drain).await {
            Ok(joined??)
        } else {
            tracing::warn!("grace period over; exiting with requests in flight");
            Ok(())
        }
    }
}
