//! The binary as an operator runs it: configured by the EA environment variables, serving
//! `/health` and `/metrics` on their ports, exiting cleanly on SIGTERM.

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn spawn(env: &[(&str, String)]) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_px-oracle-adapter"));
    cmd.env_clear().stdout(Stdio::piped()).stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

async fn wait_for(url: &str) -> reqwest::Response {
    let started = Instant::now();
    loop {
        if let Ok(res) = reqwest::get(url).await {
            return res;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{url} never answered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn binary_serves_on_ea_ports_and_exits_cleanly_on_sigterm() {
    let (port, metrics) = (free_port(), free_port());
    let mut child = spawn(&[
        ("EA_HOST", "127.0.0.1".into()),
        ("EA_PORT", port.to_string()),
        ("METRICS_PORT", metrics.to_string()),
        // Nothing listens there: the adapter is live but not ready.
        ("BTFS_API_URL", format!("http://127.0.0.1:{}", free_port())),
        ("LOG_FORMAT", "json".into()),
    ]);
    assert_eq!(wait_for(&format!("http://127.0.0.1:{port}/health")).await.status(), 200);
    assert_eq!(wait_for(&format!("http://127.0.0.1:{port}/ready")).await.status(), 503);
    let text = wait_for(&format!("http://127.0.0.1:{metrics}/metrics")).await.text().await.unwrap();
    assert!(text.contains("px_adapter_requests_in_flight"), "{text}");
    let status = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
    assert!(status.success());
    let exit = wait_exit(&mut child);
    assert!(exit.success(), "{exit:?}");
    // Logs go to stdout (what container runtimes collect), one JSON object per line.
    let mut log = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut log).unwrap();
    assert!(log.lines().any(|l| l.starts_with('{') && l.contains("shutting down")), "{log}");
}

#[test]
fn binary_refuses_an_invalid_setting_with_a_nonzero_exit() {
    let mut child = spawn(&[("LOG_FORMAT", "xml".into()), ("EA_PORT", free_port().to_string())]);
    let exit = wait_exit(&mut child);
    assert!(!exit.success());
    let mut log = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(log.contains("LOG_FORMAT") || log.contains("log-format"), "{log}");
}
