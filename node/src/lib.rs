//! The PX node: token owners upload through it within their quota; it keeps each token's usage,
//! signs it (EIP-712 `UsageReport`), stores the head document as one raw block and publishes it
//! under the token's BTNS key; as registration management it allocates those keys.
//!
//! # Layout
//! - [`config`]: every flag and environment variable (clap); keys come from the environment or
//!   key files only.
//! - [`error`]: [`NodeError`], the one error enum, and its one mapping to HTTP responses.
//! - [`chain`]: what the node asks of the chain, behind the [`chain::Chain`] trait: alloy JSON-RPC
//!   ([`chain::RpcChain`]) in production, `chain::MemoryChain` for logic tests (feature
//!   `test-util`).
//! - [`journal`]: the durable state in redb: tokens, files, heads waiting to be published,
//!   key allocations.
//! - [`pages`]: splitting a token's file list into the head's newest entries and `px-files/1`
//!   pages behind `filesIndex`.
//! - [`tokens`]: the token service: quota checks with reservations, per-token serialized
//!   updates, signing, publishing, replay and republish.
//! - [`registration`]: `POST /v1/keys` allocations with the registrar's `MintAuthorization`,
//!   token registration (sequence 1) and the mint watcher.
//! - [`auth`]: Sign-In with Ethereum (EIP-4361, ERC-1271) and session tokens.
//! - [`api`]: [`api::app`], the HTTP routes, `OpenAPI` description and CORS; the request and
//!   response types are `px-node-api`'s, shared with `px` and the tests.
//! - [`listener`]: the HTTP/1.1 listener: header read timeout, connections per client, peer
//!   addresses, graceful shutdown.
//! - [`metrics`]: Prometheus metrics.
//! - [`server`]: wiring, background tasks, serve with graceful shutdown.
//!
//! The binary (`src/main.rs`) parses the config, sets up logging and waits for SIGTERM/ctrl-c.

pub mod api;
pub mod auth;
pub mod chain;
pub mod config;
pub mod error;
pub mod journal;
pub mod listener;
pub mod metrics;
pub mod pages;
pub mod registration;
pub mod server;
pub mod tokens;

pub use config::Config;
pub use error::NodeError;
pub use server::{Node, NodeParts};
