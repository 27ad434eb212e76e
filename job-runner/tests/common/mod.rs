//! What the job-runner's tests share: the recorded Chainlink vectors and an adapter on a
//! loopback socket that answers with a fixed body.
#![allow(dead_code, unreachable_pub)]

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

/// An adapter that answers every request with `status` and `body`, and hands back the requests
/// it got.
pub async fn adapter(status: u16, body: Value) -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                let n = socket.read(&mut buf).await.unwrap();
                request.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&request);
                if let Some(head_end) = text.find("\r\n\r\n") {
                    let length: usize = text
                        .lines()
                        .find_map(|l| {
                            l.to_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    if request.len() >= head_end + 4 + length {
                        log.lock()
                            .unwrap()
                            .push(serde_json::from_slice(&request[head_end + 4..]).unwrap());
                        break;
                    }
                }
            }
            let body = body.to_string();
            let reply = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(reply.as_bytes()).await.unwrap();
        }
    });
    (url, seen)
}

pub fn vectors() -> Value {
    serde_json::from_str(include_str!("../../../tests/chainlink-vectors/vectors.json")).unwrap()
}

pub fn hex_bytes(v: &Value) -> Vec<u8> {
    alloy::hex::decode(v.as_str().unwrap()).unwrap()
}

/// The adapter's success body (wire formats) for the vectors' report.
pub fn adapter_answer(v: &Value) -> Value {
    let f = &v["fulfil"];
    let data = json!({
        "sequence": f["sequence"].to_string(), "usedBytes": f["usedBytes"].to_string(),
        "uploadCount": f["uploadCount"].to_string(), "metadataDigest": f["metadataDigest"],
        "v": f["v"].to_string(), "r": f["r"], "s": f["s"],
        "quotaBytes": "1073741824", "metadataCid": "bafkreia", "signer": "0x00000000000000000000000000000000000000aa",
        "result": f["metadataDigest"],
    });
    json!({ "jobRunID": "1", "data": data, "result": f["metadataDigest"], "statusCode": 200 })
}
