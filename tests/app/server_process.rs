//! `clinic-stock serve` as a process of its own (for what only a real
//! process shows: memory, signals, a failing stderr, several servers on one
//! database, `kill -9`), and the command line run on a test database.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::PASSWORD;

/// A `clinic-stock serve` process of its own on a database.
pub struct ServerProcess {
    pub child: Child,
    pub base: String,
}

/// How to start a server process beyond its database and flags.
#[derive(Default)]
pub struct Launch<'a> {
    /// Extra environment (e.g. `RUST_LOG`).
    pub env: Vec<(&'a str, &'a str)>,
    /// Where its stderr goes (default: nowhere).
    pub stderr: Option<Stdio>,
}

impl ServerProcess {
    pub fn bin() -> String {
        // Another build's binary may be measured the same way (the figures
        // before a change are taken with main's binary).
        std::env::var("CLINIC_STOCK_FLOOD_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_clinic-stock").to_string())
    }

    pub fn start(db_url: &str, extra: &[&str]) -> ServerProcess {
        Self::launch(db_url, extra, Launch::default())
    }

    /// Starts the server on a free port and waits for its address.
    pub fn launch(db_url: &str, extra: &[&str], how: Launch<'_>) -> ServerProcess {
        let mut cmd = Command::new(Self::bin());
        cmd.args(["--database-url", db_url, "serve", "--bind", "127.0.0.1:0"])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(how.stderr.unwrap_or_else(Stdio::null));
        for (k, v) in &how.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start the server");
        let out = child.stdout.take().unwrap();
        let mut lines = BufReader::new(out).lines();
        let base = loop {
            let line = lines.next().expect("server printed its address").unwrap();
            if let Some(rest) = line.strip_prefix("clinic-stock listening on ") {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        ServerProcess { child, base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// `host:port` the server listens on.
    pub fn addr(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    /// Peak resident memory of the server so far (kB), from /proc.
    pub fn peak_rss_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap()
    }

    /// Sends a signal by name (`TERM`, `KILL`, …).
    pub fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name} {}", self.child.id());
    }

    /// `kill -9` and reap.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Still running?
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits for the process to exit, at most `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `clinic-stock --database-url URL ARGS…` to the end.
pub fn cli(db_url: &str, args: &[&str]) -> Output {
    Command::new(ServerProcess::bin())
        .args(["--database-url", db_url])
        .args(args)
        .env("CLINIC_STOCK_PASSWORD", PASSWORD)
        .output()
        .unwrap()
}

/// `clinic-stock user add NAME --role ROLE` with the test password.
pub fn add_user_cli(db_url: &str, name: &str, role: &str) {
    let out = cli(db_url, &["user", "add", name, "--role", role]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `clinic-stock token create NAME`: the token.
pub fn token_cli(db_url: &str, name: &str) -> String {
    let out = cli(db_url, &["token", "create", name]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}
