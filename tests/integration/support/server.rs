//! Starting the `aerie` binary: the binary and test programs the build made, config
//! files, `aerie serve` on a loopback port (killed on drop) and one-shot subcommands.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::database::PgDatabase;
use super::http::client;

/// The `aerie` binary built for these tests.
pub fn aerie_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_aerie"))
}

/// A `.wasm` test program built by host/build.rs.
pub fn test_program(name: &str) -> PathBuf {
    PathBuf::from(env!("AERIE_COMPONENTS_DIR")).join(format!("{name}.wasm"))
}

/// One compiled-component cache for the whole suite (components compile once).
pub fn shared_cwasm_cache() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cwasm-cache");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A running `aerie serve`, killed on drop.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub stderr: Arc<Mutex<String>>,
}

/// How to start a server.
pub struct Launch {
    pub binary: PathBuf,
    pub cwd: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Share the suite's compiled-component cache.
    pub shared_cache: bool,
}

impl Launch {
    pub fn new(cwd: &Path) -> Launch {
        Launch { binary: aerie_bin(), cwd: cwd.to_path_buf(), args: vec![], env: vec![], shared_cache: true }
    }

    /// `aerie --config CONFIG --data-dir DIR/data`, run in `dir`.
    pub fn with_config(dir: &Path, config: &Path) -> Launch {
        Launch::new(dir).arg("--config").arg(config.display().to_string()).arg("--data-dir").arg(dir.join("data").display().to_string())
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Launch {
        self.args.push(arg.into());
        self
    }

    pub fn env(mut self, key: &str, value: impl Into<String>) -> Launch {
        self.env.push((key.into(), value.into()));
        self
    }

    fn command(&self, subcommand: &[&str]) -> Command {
        let mut command = Command::new(&self.binary);
        command.current_dir(&self.cwd).args(subcommand).args(&self.args);
        for (key, _) in std::env::vars() {
            if key.starts_with("AERIE_") {
                command.env_remove(key);
            }
        }
        if self.shared_cache {
            command.env("AERIE_RUNTIME_CACHE_DIR", shared_cwasm_cache());
        }
        command.env("AERIE_LOG", "info");
        for (key, value) in &self.env {
            command.env(key, value);
        }
        command
    }

    /// Runs a one-shot subcommand (`config check`, `migrate`, ...).
    pub fn run(&self, subcommand: &[&str]) -> std::process::Output {
        self.command(subcommand).output().expect("running aerie")
    }

    /// Starts `aerie serve --listen 127.0.0.1:0` and waits until it listens.
    pub fn serve(&self) -> Result<Server, (Option<i32>, String)> {
        self.serve_on("127.0.0.1:0")
    }

    /// Starts `aerie serve --listen ADDR` and waits until it listens.
    pub fn serve_on(&self, listen: &str) -> Result<Server, (Option<i32>, String)> {
        let mut command = self.command(&["serve", "--listen", listen]);
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawning aerie serve");
        let stderr = Arc::new(Mutex::new(String::new()));
        let stderr_sink = stderr.clone();
        let child_stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(child_stderr).lines().map_while(Result::ok) {
                let mut s = stderr_sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap().to_string();
                    let _ = tx.send(addr);
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(addr) = rx.recv_timeout(Duration::from_millis(50)) {
                return Ok(Server { child, addr: addr.parse().unwrap(), stderr });
            }
            if let Ok(Some(status)) = child.try_wait() {
                std::thread::sleep(Duration::from_millis(100));
                let text = stderr.lock().unwrap().clone();
                return Err((status.code(), text));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("aerie did not start within 120 s; stderr:\n{}", stderr.lock().unwrap());
            }
        }
    }
}

impl Server {
    /// Sends `statement` to the `probe` test program mounted at `prefix`, which runs
    /// it as SQL (`verb`: `query` or `execute`) under its manifest grant; the status
    /// and the body (JSON rows, or a JSON error).
    pub async fn probe_sql(&self, prefix: &str, verb: &str, statement: &str) -> (u16, String) {
        let response = client().post(self.url(&format!("{prefix}/probe/{verb}"))).body(statement.to_string()).send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = client().get(self.url(path)).send().await.expect("request");
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        let json = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{path} answered {status} with non-JSON: {body}"));
        (status, json)
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let response = client().get(self.url(path)).send().await.expect("request");
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// Whether stderr shows `needle` within a few seconds (stderr is read by a thread
    /// of its own, so a line printed before "listening" may arrive after it).
    pub fn stderr_shows(&self, needle: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if self.stderr.lock().unwrap().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Stops the server (SIGTERM) and waits for it.
    pub fn stop(mut self) {
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes `aerie.toml` with `body` into `dir`, returning its path.
pub fn write_config(dir: &Path, body: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("aerie.toml");
    std::fs::write(&path, body).unwrap();
    path
}

/// A `[database]` section for `engine` (SQLite: the default file in the data dir).
pub fn database_section(pg: Option<&PgDatabase>) -> String {
    match pg {
        Some(pg) => format!("[database]\nurl = \"{}\"\n", pg.url),
        None => String::new(),
    }
}

/// A loopback port free right now (for instances that must know each other's port
/// before they start).
///
/// The port is handed to the server (and to its peers' configs) before the server
/// binds it, so it is taken from below the kernel's ephemeral range (32768–60999 by
/// default): a port the kernel gives out for `:0` binds and outgoing connections —
/// which the other tests make all the time — could otherwise be taken in between.
/// Each call moves on from a start that differs per test process; a port found busy
/// is skipped.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    const FIRST: u16 = 20_000;
    const SPAN: u16 = 12_000;
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let start = (std::process::id() % u32::from(SPAN)) as u16;
    loop {
        let offset = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = FIRST + (start.wrapping_add(offset) % SPAN);
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}
