//! One job run: the pipeline, task by task, for one `OracleRequest` log.

use alloy::primitives::{B256, Bytes};
use serde_json::{Value, json};

use crate::{Error, dot::Pipeline, spec::JobSpec, tasks, vars::Vars};

/// Runs `pipeline` for a log (its topics and data), as a node's run for that log.
///
/// # Errors
/// The first task's failure; the run stops there and sends nothing, like a node's run.
pub async fn run(
    spec: &JobSpec,
    pipeline: &Pipeline,
    topics: &[B256],
    data: &Bytes,
    ctx: &tasks::TaskContext,
) -> Result<Vars, Error> {
    let mut vars = Vars::default();
    vars.set("jobSpec", json!({ "externalJobID": spec.external_job_id }));
    vars.set(
        "jobRun",
        json!({
            "logData": data.to_string(),
            "logTopics": topics.iter().map(|t| Value::String(t.to_string())).collect::<Vec<_>>(),
        }),
    );
    for task in pipeline.order() {
        let output = tasks::run(task, &vars, ctx).await?;
        tracing::debug!(task = %task.name, kind = %task.kind, "task done");
        vars.set(&task.name, output);
    }
    Ok(vars)
}
