//! The oracle adapter's request contract (wire formats, "Adapter request body"), for its
//! `POST /` (the Chainlink bridge) and `GET /usage` (the CRE workflow).

use http::Uri;
use px_oracle_adapter::endpoint::{parse, parse_query};
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

/// `GET /usage?…` (the CRE workflow's fetch): a query the adapter accepts asks about the subject
/// its canonical spelling asks about, and about the one the POST body with the same values asks
/// about: the two endpoints validate alike.
pub fn adapter_query(query: &[u8]) {
    let Ok(query) = std::str::from_utf8(query) else { return };
    let Ok(uri) = format!("/usage?{query}").parse::<Uri>() else { return };
    let Ok(subject) = parse_query(&uri) else { return };
    let canonical = format!(
        "/usage?btnsKey={}&tokenId={}&contract={:#x}&chainId={}",
        subject.btns_key.to_hex(),
        subject.token_id,
        subject.contract,
        subject.chain_id
    );
    let canonical: Uri = canonical.parse().expect("the canonical query is a URI");
    assert_eq!(parse_query(&canonical).ok().as_ref(), Some(&subject));
    let body = json!({
        "id": "1",
        "data": {
            "btnsKey": subject.btns_key.to_cid_base36(),
            "tokenId": subject.token_id.to_string(),
            "contract": subject.contract.to_checksum(None),
            "chainId": subject.chain_id.to_string(),
        },
    });
    assert_eq!(parse(body.to_string().as_bytes()).1.ok(), Some(subject));
}
