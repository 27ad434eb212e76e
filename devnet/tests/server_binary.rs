//! The `px-devnet` binary: prints its accounts, serves JSON-RPC on the port it was given, and
//! stops cleanly on SIGTERM.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
};

use serde_json::{Value, json};

#[test]
fn serves_on_the_given_port_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_px-devnet"))
        .args(["--port", "0", "--chain-id", "1234"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = Vec::new();
    let url = loop {
        let line = lines.next().expect("a banner line").unwrap();
        banner.push(line.clone());
        if let Some(url) = line.strip_prefix("Listening on ") {
            break url.to_owned();
        }
    };
    assert!(
        banner.iter().any(|l| l.contains("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")),
        "{banner:?}"
    );
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let body = rt.block_on(async {
        alloy::transports::http::reqwest::Client::new()
            .post(&url)
            .header("content-type", "application/json")
            .body(json!({ "jsonrpc": "2.0", "id": 1, "method": "eth_chainId" }).to_string())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["result"], json!("0x4d2"));
    let term = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(term.success());
    assert!(child.wait().unwrap().success(), "a clean exit on SIGTERM");
}

#[test]
fn error_when_the_port_flag_is_not_a_number() {
    let status = Command::new(env!("CARGO_BIN_EXE_px-devnet"))
        .args(["--port", "http"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success());
}
