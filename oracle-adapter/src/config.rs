//! The whole configuration surface: flags and environment variables (clap). Names follow
//! Chainlink's EA framework where it has one (`EA_PORT`, `METRICS_PORT`, `API_TIMEOUT`,
//! `CACHE_MAX_AGE`, `CACHE_MAX_ITEMS`, `LOG_LEVEL`, `RETRY`); durations are milliseconds, as there.

use std::{net::IpAddr, time::Duration};

use alloy::primitives::Address;
use clap::{Parser, ValueEnum};

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line (for log shippers).
    Json,
}

/// Adapter configuration. Every field has a flag and an environment variable.
#[derive(Debug, Clone, Parser)]
#[command(name = "px-oracle-adapter", version, about)]
pub struct Config {
    /// Address to listen on for the adapter API.
    #[arg(long, env = "EA_HOST", default_value = "0.0.0.0")]
    pub host: IpAddr,
    /// Port of the adapter API (`POST /`, `/health`, `/ready`).
    #[arg(long, env = "EA_PORT", default_value_t = 8080)]
    pub port: u16,
    /// Serve Prometheus metrics on `METRICS_PORT`.
    #[arg(long, env = "METRICS_ENABLED", default_value_t = true, action = clap::ArgAction::Set)]
    pub metrics_enabled: bool,
    /// Port of the Prometheus endpoint (`GET /metrics`).
    #[arg(long, env = "METRICS_PORT", default_value_t = 9080)]
    pub metrics_port: u16,
    /// Storage node HTTP API base URL (BTFS or Kubo-style RPC), without the API prefix.
    #[arg(long, env = "BTFS_API_URL", default_value = "http://127.0.0.1:5001")]
    pub btfs_api_url: String,
    /// API prefix: `/api/v1` for BTFS, `/api/v0` for IPFS (Kubo, js-ipfs).
    #[arg(long, env = "BTFS_API_PREFIX", default_value = "/api/v1")]
    pub btfs_api_prefix: String,
    /// Send `nocache=true` with `name/resolve`, so the node looks the record up afresh instead
    /// of answering from its resolver cache. Turn off for nodes that refuse it (js-ipfs in
    /// `--offline` mode answers "cannot specify both offline and nocache").
    #[arg(long, env = "RESOLVE_NOCACHE", default_value_t = true, action = clap::ArgAction::Set)]
    pub resolve_nocache: bool,
    /// Time budget in ms for one lookup (resolve + cat, retries included); past it -> 504.
    #[arg(long, env = "API_TIMEOUT", default_value_t = 10_000)]
    pub api_timeout_ms: u64,
    /// How long in ms a verified document is served from memory. Short: sync wants fresh data.
    /// 0 disables the cache (concurrent requests for one name are still coalesced).
    #[arg(long, env = "CACHE_MAX_AGE", default_value_t = 3_000)]
    pub cache_max_age_ms: u64,
    /// Most names kept in the cache.
    #[arg(long, env = "CACHE_MAX_ITEMS", default_value_t = 10_000)]
    pub cache_max_items: usize,
    /// Retries of a failed idempotent read (`name/resolve`, `cat`) on connection errors and
    /// 5xx answers other than "not found".
    #[arg(long, env = "RETRY", default_value_t = 2)]
    pub retry: u32,
    /// First retry delay in ms; doubles on each retry.
    #[arg(long, env = "RETRY_BACKOFF", default_value_t = 100)]
    pub retry_backoff_ms: u64,
    /// Most lookups running against the storage node at once.
    #[arg(long, env = "UPSTREAM_CONCURRENCY", default_value_t = 32)]
    pub upstream_concurrency: usize,
    /// Most lookups waiting for an upstream slot; past it requests get 503 with Retry-After.
    #[arg(long, env = "MAX_QUEUED_LOOKUPS", default_value_t = 256)]
    pub max_queued_lookups: usize,
    /// Largest usage document accepted, in bytes (the formats allow 1 MiB).
    #[arg(long, env = "MAX_DOCUMENT_BYTES", default_value_t = 1 << 20)]
    pub max_document_bytes: usize,
    /// Comma-separated usage signer addresses to accept; empty accepts any signer whose
    /// signature verifies. Fails early only: `PxSync`'s trusted signer set is the final judge.
    #[arg(long, env = "TRUSTED_SIGNERS", value_delimiter = ',')]
    pub trusted_signers: Vec<Address>,
    /// Log filter (`error`, `warn`, `info`, `debug`, `trace`, or a tracing directive).
    #[arg(long, env = "LOG_LEVEL", default_value = "info")]
    pub log_level: String,
    /// Log format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Runtime worker threads; 0 = one per CPU. Fewer leaves cores to a co-located node.
    #[arg(long, env = "WORKER_THREADS", default_value_t = 0)]
    pub worker_threads: usize,
    /// Seconds to let in-flight requests finish after SIGTERM before exiting.
    #[arg(long, env = "SHUTDOWN_GRACE", default_value_t = 10)]
    pub shutdown_grace_secs: u64,
}

impl Config {
    /// [`Config::api_timeout_ms`] as a duration.
    pub fn api_timeout(&self) -> Duration {
        Duration::from_millis(self.api_timeout_ms)
    }

    /// [`Config::cache_max_age_ms`] as a duration.
    pub fn cache_max_age(&self) -> Duration {
        Duration::from_millis(self.cache_max_age_ms)
    }

    /// The configuration for a storage node at `api_url` with every other value at its
    /// default (tests, benchmarks).
    pub fn for_node(api_url: &str, api_prefix: &str) -> Self {
        let mut c = Self::parse_from(["px-oracle-adapter"]);
        api_url.clone_into(&mut c.btfs_api_url);
        api_prefix.clone_into(&mut c.btfs_api_prefix);
        c
    }
}
