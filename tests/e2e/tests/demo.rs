//! The README's main job runs to its end: `px-demo --exit` narrates every step of the loop.

use std::{
    fs::File,
    io::{BufRead, BufReader},
    net::TcpStream,
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use px_e2e::process::bin_dir;

#[test]
fn the_demo_runs_every_step_and_stops_its_processes() {
    let output = Command::new(bin_dir().unwrap().join("px-demo"))
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
    // Syncs went through CRE: the forwarder named, f + 1 of the 4 DON signatures, the gas.
    assert!(stdout.contains("sync route: CRE"), "{stdout}");
    assert!(stdout.contains("delivered through KeystoneForwarder 0x"), "{stdout}");
    assert_eq!(
        stdout.matches("DON signatures: 2 of 4 (f + 1)").count(),
        4,
        "four syncs:\n{stdout}"
    );
    assert!(stdout.contains("paid in ETH (requestSyncWithFee)"), "{stdout}");
}

#[test]
fn the_demo_takes_the_direct_request_path_when_asked() {
    let output = Command::new(bin_dir().unwrap().join("px-demo"))
        .args(["--exit", "--free-ports", "--direct-request"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("sync route: Direct Request"), "{stdout}");
    assert!(stdout.contains("fulfilled by the Chainlink stand-in"), "{stdout}");
    assert!(!stdout.contains("DON signatures"), "{stdout}");
    assert!(stdout.contains("after:  on-chain: 358000 of"), "usage reached the chain:\n{stdout}");
}

#[test]
fn the_demo_says_so_when_its_ports_are_taken() {
    // Held here, or by another process: either way the demo must refuse, naming the port.
    let _held = std::net::TcpListener::bind("127.0.0.1:8547");
    let output = Command::new(bin_dir().unwrap().join("px-demo")).arg("--exit").output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("port 8547 is taken"), "{stderr}");
}

/// Left up after its last step, the environment serves `px` and `cast` exactly as the demo's
/// closing lines say (a `px doctor`, an upload and a paid sync, a `cast call`), and ctrl-c stops
/// every process it started.
#[test]
fn the_environment_left_up_serves_px_and_cast_until_ctrl_c() {
    let mut demo = RunningDemo::start();
    let (rpc, node, core) = (
        demo.value_after("PX_RPC_URL="),
        demo.value_after("PX_NODE_URL="),
        demo.value_after("PX_CORE="),
    );
    let (key, token, adapter) = (
        demo.value_after("PX_PRIVATE_KEY="),
        demo.value_after("px-cli -- usage "),
        demo.value_after("oracle adapter "),
    );
    let env = [
        ("PX_RPC_URL", &rpc),
        ("PX_NODE_URL", &node),
        ("PX_CORE", &core),
        ("PX_PRIVATE_KEY", &key),
    ];
    let px =
        |args: &[&str]| run_ok(Command::new(bin_dir().unwrap().join("px")).args(args).envs(env));

    px(&["doctor", "--adapter-url", &adapter]);
    let file = demo.scratch.join("after-the-demo.txt");
    std::fs::write(&file, vec![b'x'; 2_000]).unwrap();
    px(&["upload", "--token", &token, file.to_str().unwrap()]);
    // The sponsored sync of this window is spent: pay with LINK.
    px(&["sync", &token, "--pay", "--timeout", "120"]);
    let usage: serde_json::Value = serde_json::from_str(&px(&["usage", &token, "--json"])).unwrap();
    assert_eq!(usage["chain"]["usedBytes"], "360000", "the upload reached the chain: {usage}");
    assert_eq!(usage["inSync"], true, "{usage}");

    let answer = run_ok(
        Command::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tools/npm/node_modules/.bin/cast"
        ))
        .args([
            "call",
            &core,
            "usageOf(uint256)(uint64,uint32,uint64,uint32,uint64,uint64,bytes32)",
        ])
        .args([&token, "--rpc-url", &rpc]),
    );
    // cast prints `360000 [3.6e5]`: the number, then its scientific form.
    let used_bytes = answer.lines().nth(2).and_then(|line| line.split_whitespace().next());
    assert_eq!(used_bytes, Some("360000"), "usedBytes:\n{answer}");

    demo.interrupt();
    for url in [&rpc, &node, &adapter] {
        let address = url.trim_start_matches("http://").trim_end_matches('/');
        assert!(TcpStream::connect(address).is_err(), "{url} still answers after ctrl-c");
    }
}

/// Runs `command`, asserts it succeeded, returns its stdout.
fn run_ok(command: &mut Command) -> String {
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{command:?} failed:\n{stdout}\n{stderr}");
    stdout
}

/// `px-demo` without `--exit`, read up to its "Press ctrl-c".
struct RunningDemo {
    child: Child,
    transcript: String,
    scratch: PathBuf,
}

impl RunningDemo {
    fn start() -> Self {
        let scratch = std::env::temp_dir().join(format!("px-demo-test-{}", std::process::id()));
        std::fs::create_dir_all(&scratch).unwrap();
        let mut child = Command::new(bin_dir().unwrap().join("px-demo"))
            .arg("--free-ports")
            .stdout(Stdio::piped())
            .stderr(File::create(scratch.join("stderr")).unwrap())
            .spawn()
            .unwrap();
        let (lines_tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut demo = Self { child, transcript: String::new(), scratch };
        let deadline = Instant::now() + Duration::from_mins(10);
        while !demo.transcript.contains("Press ctrl-c") {
            let Ok(line) = lines.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            else {
                panic!("the demo did not reach its end:\n{}{}", demo.transcript, demo.stderr());
            };
            demo.transcript.push_str(&line);
            demo.transcript.push('\n');
        }
        demo
    }

    /// The word printed right after `prefix`.
    fn value_after(&self, prefix: &str) -> String {
        let at = self
            .transcript
            .find(prefix)
            .unwrap_or_else(|| panic!("no {prefix:?}:\n{}", self.transcript));
        self.transcript[at + prefix.len()..].split_whitespace().next().unwrap().to_owned()
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.scratch.join("stderr")).unwrap_or_default()
    }

    /// ctrl-c, then a clean exit within a minute.
    fn interrupt(&mut self) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
        let deadline = Instant::now() + Duration::from_mins(1);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "ctrl-c did not stop the demo");
            std::thread::sleep(Duration::from_millis(200));
        };
        assert!(status.success(), "{}", self.stderr());
    }
}

impl Drop for RunningDemo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}
