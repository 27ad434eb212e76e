//! A Chainlink node stand-in for the local environment: it runs a `directrequest` job spec, the
//! same TOML a node operator gives a real Chainlink node (`scripts/chainlink/px-sync-job.toml`),
//! against an Operator contract.
//!
//! It does what a node's directrequest job does: watch the Operator's `OracleRequest` logs whose
//! spec id is the job's external id (both encodings a node accepts), wait for the job's
//! confirmations, admit only the job's `requesters` paying at least its minimum
//! (`minContractPaymentLinkJuels`), then run the job's pipeline task by task —
//! `ethabidecodelog`, `cborparse`, `bridge` (the external adapter), `jsonparse`, `ethabiencode`,
//! `ethtx` — with Chainlink's `$(var)` interpolation, and send the resulting transaction from
//! the node's key. Only the tasks the PX job uses are implemented; any other task type is
//! refused when the spec loads.
//!
//! # Layout
//! - [`spec`]: the job spec (TOML), the external job id's two topic encodings, and which
//!   requests it admits (`requesters`, `minContractPaymentLinkJuels`).
//! - [`dot`]: the pipeline (`observationSource`, DOT) and its task order.
//! - [`vars`]: run variables and `$(...)` interpolation.
//! - [`tasks`]: the task types.
//! - [`runner`]: running a pipeline for one log.
//! - [`listener`]: watching the chain and sending the results.

pub mod dot;
pub mod listener;
pub mod runner;
pub mod spec;
pub mod tasks;
pub mod vars;

/// Why a job could not be loaded or a run failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The job spec is not valid TOML or lacks a field.
    #[error("job spec: {0}")]
    Spec(String),
    /// The pipeline (`observationSource`) does not parse or uses an unknown task.
    #[error("pipeline: {0}")]
    Pipeline(String),
    /// A `$(...)` reference names no value.
    #[error("no value for $({0})")]
    MissingVariable(String),
    /// A task failed.
    #[error("task {task} ({kind}): {message}")]
    Task {
        /// The task's name in the pipeline.
        task: String,
        /// Its type.
        kind: String,
        /// What went wrong.
        message: String,
    },
    /// The chain did not answer.
    #[error("chain: {0}")]
    Chain(String),
    /// The job does not run for this request (requester or payment), as on a Chainlink node.
    #[error("rejected: {0}")]
    Rejected(spec::Rejection),
}
