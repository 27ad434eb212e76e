//! The task types of the PX job, as a Chainlink node runs them.

mod abi;
mod bridge;
mod cbor;
mod json;

use std::{collections::BTreeMap, future::Future, pin::Pin, sync::Arc, time::Duration};

use alloy::primitives::{Address, B256, Bytes};
use serde_json::Value;

use crate::{Error, dot::Task, vars::Vars};

/// Sends the pipeline's transaction (`ethtx`): the chain side of the runner, behind a trait so
/// pipelines can be tested without a chain.
pub trait Submitter: Send + Sync {
    /// Sends `data` to `to` with `gas_limit` from the node's key; returns the transaction hash
    /// once mined.
    fn send(
        &self,
        to: Address,
        data: Bytes,
        gas_limit: u64,
    ) -> Pin<Box<dyn Future<Output = Result<B256, Error>> + Send + '_>>;
}

/// What tasks need besides the run's variables.
#[derive(Clone)]
pub struct TaskContext {
    /// Bridge name -> external adapter URL.
    pub bridges: BTreeMap<String, String>,
    /// The HTTP client for bridges.
    pub http: reqwest::Client,
    /// How long a bridge may take.
    pub bridge_timeout: Duration,
    /// Sends `ethtx` transactions.
    pub submitter: Arc<dyn Submitter>,
    /// Replaces an `ethtx` `to` left as the zero address in a job template (the Operator).
    pub default_to: Option<Address>,
}

/// Runs one task; its output becomes the variable named after it.
///
/// # Errors
/// [`Error::Task`] when the task fails, [`Error::MissingVariable`] for an unknown reference.
pub async fn run(task: &Task, vars: &Vars, ctx: &TaskContext) -> Result<Value, Error> {
    let fail =
        |message: String| Error::Task { task: task.name.clone(), kind: task.kind.clone(), message };
    let attr = |key: &str| -> Result<Value, Error> { vars.interpolate(task.attr(key)?) };
    match task.kind.as_str() {
        "bridge" => {
            let name = task.attr("name")?;
            let url =
                ctx.bridges.get(name).ok_or_else(|| fail(format!("no bridge named {name}")))?;
            bridge::call(&ctx.http, url, &attr("requestData")?, ctx.bridge_timeout)
                .await
                .map_err(fail)
        }
        "ethtx" => {
            let to: Address =
                abi::text(&attr("to")?).parse().map_err(|e| fail(format!("to: {e}")))?;
            let to = match (to.is_zero(), ctx.default_to) {
                (true, Some(default)) => default,
                _ => to,
            };
            let data = abi::bytes(&attr("data")?).map_err(|e| fail(format!("data: {e}")))?;
            let gas = match task.attrs.get("gasLimit") {
                Some(limit) => abi::text(&vars.interpolate(limit)?)
                    .parse()
                    .map_err(|e| fail(format!("gasLimit: {e}")))?,
                None => 500_000,
            };
            let hash = ctx.submitter.send(to, data.into(), gas).await?;
            Ok(Value::String(hash.to_string()))
        }
        _ => run_local(task, vars),
    }
}

/// Runs one of the tasks that need nothing but the run's variables (`ethabidecodelog`,
/// `cborparse`, `jsonparse`, `ethabiencode`): what [`run`] does for them, without a context,
/// so the codecs can be driven directly (the fuzz targets in `fuzz/`).
///
/// # Errors
/// As [`run`]; a task that needs I/O (`bridge`, `ethtx`) or an unknown type is an
/// [`Error::Task`].
pub fn run_local(task: &Task, vars: &Vars) -> Result<Value, Error> {
    let fail =
        |message: String| Error::Task { task: task.name.clone(), kind: task.kind.clone(), message };
    let attr = |key: &str| -> Result<Value, Error> { vars.interpolate(task.attr(key)?) };
    match task.kind.as_str() {
        "ethabidecodelog" => {
            abi::decode_log(task.attr("abi")?, &attr("data")?, &attr("topics")?).map_err(fail)
        }
        "cborparse" => cbor::parse(&attr("data")?).map_err(fail),
        "jsonparse" => json::parse(task.attr("path")?, &attr("data")?).map_err(fail),
        "ethabiencode" => abi::encode(task.attr("abi")?, &attr("data")?).map_err(fail),
        "bridge" | "ethtx" => Err(fail("the task needs a context (network, chain)".into())),
        other => Err(fail(format!("task type {other} is not supported"))),
    }
}
