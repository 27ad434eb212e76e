//! The parts as operating-system processes: spawned from the workspace's binaries, logged to
//! files, stopped on drop.

use std::{
    fs::File,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

/// Where the workspace's binaries are: `PX_BIN_DIR`, else the directory of the running
/// executable or its parent (a test binary lives in `target/<profile>/deps`).
pub fn bin_dir() -> Result<PathBuf> {
    if let Ok(dir) = std::env::var("PX_BIN_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let exe = std::env::current_exe().context("no current executable")?;
    let dir = exe.parent().context("executable without a directory")?;
    for candidate in [dir, dir.parent().unwrap_or(dir)] {
        if candidate.join("px-node").exists() {
            return Ok(candidate.to_path_buf());
        }
    }
    bail!(
        "the PX binaries are not built next to {}; run `cargo build --workspace --bins` \
         (scripts/test.sh does) or set PX_BIN_DIR",
        dir.display()
    )
}

/// A free loopback port (bound, then released for the process to take).
pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A running part.
#[derive(Debug)]
pub struct Process {
    name: String,
    child: Option<Child>,
    log: PathBuf,
}

impl Process {
    /// Starts `bin` (a workspace binary) with `args` and `env`, its output in `<logs>/<name>.log`.
    ///
    /// # Errors
    /// When the binary is missing or cannot start.
    pub fn spawn(
        name: &str,
        bin: &str,
        args: &[String],
        env: &[(&str, String)],
        logs: &Path,
    ) -> Result<Self> {
        let path = bin_dir()?.join(bin);
        if !path.exists() {
            bail!("{} is missing; run `cargo build --workspace --bins`", path.display());
        }
        Self::spawn_program(name, &path, args, env, logs)
    }

    /// Starts `program` (a path, or a name looked up on `PATH` such as `node`) like
    /// [`Process::spawn`].
    ///
    /// # Errors
    /// When the program cannot start.
    pub fn spawn_program(
        name: &str,
        path: &Path,
        args: &[String],
        env: &[(&str, String)],
        logs: &Path,
    ) -> Result<Self> {
        std::fs::create_dir_all(logs)?;
        let log = logs.join(format!("{name}.log"));
        let out = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let mut command = Command::new(path);
        command.args(args).stdin(Stdio::null()).stdout(out.try_clone()?).stderr(out);
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command.spawn().with_context(|| format!("starting {}", path.display()))?;
        Ok(Self { name: name.to_owned(), child: Some(child), log })
    }

    /// Waits until `url` answers an HTTP request (any status), or the process dies.
    ///
    /// # Errors
    /// When the process exits or `timeout` passes; the error carries the log's tail.
    pub async fn wait_http(&mut self, url: &str, timeout: Duration) -> Result<()> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!("{} exited with {status} while starting:\n{}", self.name, self.log_tail());
            }
            let probe = client.get(url).timeout(Duration::from_millis(500)).send().await;
            if probe.is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "{} did not answer at {url} within {timeout:?}:\n{}",
                    self.name,
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The last lines of the process' log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// The whole log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops the process (SIGKILL) and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Whether it is still running.
    pub fn running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.stop();
    }
}
