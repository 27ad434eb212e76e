//! The oracle adapter's request contract (wire formats, "Adapter request body").

use px_oracle_adapter::endpoint::parse;
use serde_json::{Value, json};

/// A body the adapter accepts asks about one subject: the same request spelled as the job
/// spec sends it (the CBOR's strings) asks about the same subject, and a jobRunID given as a
/// string is echoed unchanged.
pub fn adapter_request(body: &[u8]) {
    let (job_run_id, subject) = parse(body);
    if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body)
        && let Some(Value::String(id)) = map.get("id")
    {
        assert_eq!(&job_run_id, id, "a string jobRunID is echoed");
    }
    let Ok(subject) = subject else { return };
    let canonical = json!({
        "id": job_run_id,
        "data": {
            "btnsKey": subject.btns_key.to_hex(),
            "tokenId": subject.token_id.to_string(),
            "contract": format!("{:#x}", subject.contract),
            "chainId": subject.chain_id.to_string(),
        },
    });
    let (again_id, again) = parse(canonical.to_string().as_bytes());
    assert_eq!(again_id, job_run_id);
    assert_eq!(again.expect("the canonical request parses"), subject);
}
