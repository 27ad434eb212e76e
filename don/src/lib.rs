//! A local CRE DON for px-devnet: it plays the Chainlink DON that runs the px-sync workflow
//! (`cre/px-sync/`), as `px-job-runner` plays a Chainlink node for Direct Request.
//!
//! `n = 3f + 1` nodes (4 with f = 1) each fetch the token's usage answer from their own oracle
//! adapter (`GET /usage`), check it as the workflow does and encode the report payload; a
//! report exists only when `f + 1` nodes produced identical bytes. The agreeing nodes sign the
//! raw report (header + payload) with their DON keys, and one transmits
//! `KeystoneForwarder.report(receiver, rawReport, reportContext, signatures)` with `f + 1`
//! signatures to Chainlink's real forwarder, which checks them against its `setConfig` and
//! calls the receiver's `onReport(metadata, report)`.
//!
//! # Layout
//! - [`report`]: payload, raw report header, report context, signatures, ids (the bytes).
//! - [`forwarder`]: the `KeystoneForwarder` calls; deploy and `setConfig` for a local DON.
//! - [`node`]: one node's fetch and checks ([`node::observation`], the workflow's step).
//! - [`don`]: agreement, signing and transmission.
//! - [`listener`]: the log trigger on `SyncRequested`.

pub mod don;
pub mod forwarder;
pub mod listener;
pub mod node;
pub mod report;

/// Everything a DON step can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The DON is misconfigured.
    #[error("configuration: {0}")]
    Config(String),
    /// The request event is not usable.
    #[error("request: {0}")]
    Request(String),
    /// The adapter could not be reached or answered an error.
    #[error("fetch: {0}")]
    Fetch(String),
    /// The adapter's answer failed a check.
    #[error("answer: {0}")]
    Answer(String),
    /// A report could not be decoded.
    #[error("report: {0}")]
    Report(String),
    /// A node could not sign.
    #[error("signing: {0}")]
    Signing(String),
    /// A compiled artifact is missing.
    #[error("artifact: {0}")]
    Artifact(String),
    /// The chain refused or did not answer.
    #[error("chain: {0}")]
    Chain(String),
}
