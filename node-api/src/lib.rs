//! The PX node's HTTP API, defined once: every request and response body ([`types`]), the
//! error names a node answers with ([`ErrorCode`], [`Refusal`]), the sign-in message
//! ([`siwe_message`]) and [`NodeClient`], a typed async client.
//!
//! The node (`px-node`) serializes these types, `px` and the end-to-end tests deserialize them,
//! and `tests/openapi.rs` pins `node/openapi.json` to them (every schema's properties and
//! required fields are what the types serialize), so the description a TypeScript client is
//! checked against cannot drift from the server.
//!
//! No server dependencies: serde, reqwest and alloy's local signer only.

pub mod client;
pub mod siwe;
pub mod types;

pub use client::{ClientError, Head, NodeClient};
pub use siwe::siwe_message;
pub use types::*;
