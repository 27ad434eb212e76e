//! The README's main job runs to its end: `px-demo --exit` narrates every step of the loop.

use px_e2e::process::bin_dir;

#[test]
fn the_demo_runs_every_step_and_stops_its_processes() {
    let output = std::process::Command::new(bin_dir().unwrap().join("px-demo"))
        .args(["--exit", "--free-ports"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    for n in 1..=7 {
        assert!(stdout.contains(&format!("[{n}/7]")), "step {n} missing:\n{stdout}");
    }
    assert!(stdout.contains("after:  on-chain: 358000 of"), "usage reached the chain:\n{stdout}");
    assert!(stdout.contains("syncOverdue") && stdout.contains("quotaExceeded"), "{stdout}");
    assert!(stdout.contains("The environment is up."));
}

#[test]
fn the_demo_says_so_when_its_ports_are_taken() {
    // Held here, or by another process: either way the demo must refuse, naming the port.
    let _held = std::net::TcpListener::bind("127.0.0.1:8547");
    let output = std::process::Command::new(bin_dir().unwrap().join("px-demo"))
        .arg("--exit")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("port 8547 is taken"), "{stderr}");
}
