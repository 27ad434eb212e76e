//! `bridge`: a call to an external adapter in the Chainlink EA protocol.

use std::time::Duration;

use serde_json::Value;

/// POSTs `request_data` (JSON, or text holding it) to `url` and returns the adapter's JSON
/// answer; an HTTP error status or an EA error body fails the task, as on a node.
pub(super) async fn call(
    http: &reqwest::Client,
    url: &str,
    request_data: &Value,
    timeout: Duration,
) -> Result<Value, String> {
    let body = super::abi::json_value(request_data, "requestData")?;
    let response = http
        .post(url)
        .json(&body)
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| format!("adapter unreachable: {e}"))?;
    let status = response.status();
    let text = response.text().await.map_err(|e| format!("adapter answer: {e}"))?;
    if !status.is_success() {
        return Err(format!("adapter answered {status}: {text}"));
    }
    let answer: Value =
        serde_json::from_str(&text).map_err(|e| format!("adapter answer is not JSON: {e}"))?;
    if answer.get("error").is_some_and(|e| !e.is_null())
        || answer.get("status") == Some(&Value::from("errored"))
    {
        return Err(format!("adapter reported an error: {text}"));
    }
    Ok(answer)
}
