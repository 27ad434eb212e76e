//! PX oracle adapter: a Chainlink external adapter that answers a sync request with the usage
//! report the PX node signed and published under the token's BTNS name.
//!
//! # Layout
//! - [`config`]: every flag and environment variable (clap).
//! - [`endpoint`]: the EA request contract, validated into a [`px_metadata::Subject`] (400s).
//! - [`transport`]: the storage node's HTTP RPC (`name/resolve`, `cat`), retries and timeouts.
//! - [`cache`]: short-lived cache with request coalescing.
//! - [`service`]: the lookup (bounded upstream concurrency, verification, subject check).
//! - [`error`]: the one error enum and its one mapping to EA error responses.
//! - [`metrics`]: Prometheus metrics.
//! - [`server`]: [`app`], [`metrics_app`] and [`server::Server`] (bind, serve, graceful shutdown).
//!
//! The binary (`src/main.rs`) only parses the config, sets up logging and waits for SIGTERM.

pub mod cache;
pub mod config;
pub mod endpoint;
pub mod error;
pub mod metrics;
pub mod server;
pub mod service;
pub mod transport;

pub use config::Config;
pub use error::AdapterError;
pub use server::{AppState, app, metrics_app};
