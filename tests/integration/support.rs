//! Shared test machinery: starting the binary, fresh databases, HTTP helpers.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aerie::config::DatabaseConfig;
use aerie::db::Database;

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

/// Which engine a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub const ENGINES: [Engine; 2] = [Engine::Sqlite, Engine::Postgres];

/// Where PostgreSQL runs for tests; override with AERIE_TEST_PG.
pub fn pg_admin_url() -> String {
    std::env::var("AERIE_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh PostgreSQL database when `engine` is PostgreSQL.
pub async fn pg_for(engine: Engine) -> Option<PgDatabase> {
    match engine {
        Engine::Postgres => Some(PgDatabase::create().await),
        Engine::Sqlite => None,
    }
}

/// A database created for one test and dropped afterwards.
pub struct PgDatabase {
    pub url: String,
    name: String,
}

impl PgDatabase {
    pub async fn create() -> PgDatabase {
        use sqlx::Connection;
        let name = format!("aerie_t_{}_{}", std::process::id(), rand_suffix());
        let mut admin = sqlx::PgConnection::connect(&pg_admin_url()).await.expect(
            "PostgreSQL must run on 127.0.0.1:5432 (start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)",
        );
        sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
        let base = pg_admin_url();
        let url = format!("{}/{name}", &base[..base.rfind('/').unwrap()]);
        PgDatabase { url, name }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop from a thread of its own: Drop may run inside a runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut admin) = sqlx::PgConnection::connect(&pg_admin_url()).await {
                    let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await;
                    // Roles are cluster-wide: drop the component roles aerie made for it.
                    let roles: Vec<String> =
                        sqlx::query_scalar("SELECT rolname::text FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY rolname DESC")
                            .bind(format!("{name}_components"))
                            .fetch_all(&mut admin)
                            .await
                            .unwrap_or_default();
                    for role in roles {
                        let _ = sqlx::raw_sql(&format!("DROP ROLE IF EXISTS \"{role}\"")).execute(&mut admin).await;
                    }
                }
            });
        })
        .join();
    }
}

fn rand_suffix() -> String {
    use rand::Rng;
    format!("{:08x}", rand::thread_rng().r#gen::<u32>())
}

/// A database of either engine for library-level tests; keeps its files alive.
pub struct TestDb {
    pub db: Database,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    _pg: Option<PgDatabase>,
}

pub async fn test_db(engine: Engine, config: &DatabaseConfig) -> TestDb {
    match engine {
        Engine::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            let db = Database::open(&url, config, true).await.unwrap();
            TestDb { db, url, _dir: Some(dir), _pg: None }
        }
        Engine::Postgres => {
            let pg = PgDatabase::create().await;
            let db = Database::open(&pg.url, config, true).await.unwrap();
            TestDb { db, url: pg.url.clone(), _dir: None, _pg: Some(pg) }
        }
    }
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

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap()
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

/// A running instance on `engine` with its data dir, database and launcher, for tests
/// that act as users: create accounts with the CLI, log in, call the API.
pub struct Instance {
    pub server: Server,
    pub launch: Launch,
    pub engine: Engine,
    pub dir: tempfile::TempDir,
    pub pg: Option<PgDatabase>,
}

impl Instance {
    /// GETs `path` as the holder of `token` and reads the answer as JSON.
    pub async fn get_as(&self, path: &str, token: &str) -> serde_json::Value {
        client().get(self.url(path)).bearer_auth(token).send().await.unwrap().json().await.unwrap()
    }

    /// Starts a fresh instance (domain `social.test`, plain http) on `engine`.
    pub async fn start(engine: Engine) -> Instance {
        let dir = tempfile::tempdir().unwrap();
        let pg = pg_for(engine).await;
        let config = write_config(
            dir.path(),
            &format!("[instance]\ndomain = \"social.test\"\n\n[server]\nscheme = \"http\"\n\n{}", database_section(pg.as_ref())),
        );
        let launch = Launch::with_config(dir.path(), &config);
        let server = launch.serve().unwrap_or_else(|(code, err)| panic!("{engine:?}: exit {code:?}: {err}"));
        Instance { server, launch, engine, dir, pg }
    }

    /// Starts a fresh instance for `domain` on `port` that reaches its `peers`
    /// (domain, port) over loopback, as a lab of federating instances would
    /// (`[federation] scheme = "http"` and `[federation.resolve]`; private addresses stay
    /// refused for everything else).
    pub async fn start_federated(engine: Engine, domain: &str, port: u16, peers: &[(&str, u16)]) -> Instance {
        Instance::start_federated_with(engine, domain, port, peers, "").await
    }

    /// [`Instance::start_federated`] with `extra` appended to the config (e.g.
    /// `[[components]]` entries).
    pub async fn start_federated_with(engine: Engine, domain: &str, port: u16, peers: &[(&str, u16)], extra: &str) -> Instance {
        let dir = tempfile::tempdir().unwrap();
        let pg = pg_for(engine).await;
        let mut resolve = String::new();
        for (peer, peer_port) in peers {
            resolve.push_str(&format!("\"{peer}\" = \"127.0.0.1:{peer_port}\"\n"));
        }
        let config = write_config(
            dir.path(),
            &format!(
                "[instance]\ndomain = \"{domain}\"\n\n[server]\nscheme = \"http\"\n\n[jobs]\npoll_ms = 100\n\n\
                 [federation]\nscheme = \"http\"\nrequest_timeout_secs = 5\n\n[federation.resolve]\n{resolve}\n{}\n{extra}",
                database_section(pg.as_ref())
            ),
        );
        let launch = Launch::with_config(dir.path(), &config);
        let server = launch.serve_on(&format!("127.0.0.1:{port}")).unwrap_or_else(|(code, err)| panic!("{engine:?}: exit {code:?}: {err}"));
        Instance { server, launch, engine, dir, pg }
    }

    /// `aerie admin accounts create NAME --email NAME@social.test --password PASSWORD --confirmed`.
    pub fn create_account(&self, name: &str, password: &str) {
        let email = format!("{name}@social.test");
        let out = self.launch.run(&["admin", "accounts", "create", name, "--email", &email, "--password", password, "--confirmed"]);
        assert!(out.status.success(), "creating {name}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// The database the server uses, opened from the test.
    pub async fn database(&self) -> Database {
        let url = match &self.pg {
            Some(pg) => pg.url.clone(),
            None => format!("sqlite://{}", self.dir.path().join("data").join("aerie.db").display()),
        };
        Database::open(&url, &DatabaseConfig::default(), false).await.unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// Logs `login` in as a client would: registers an app with `scopes`, then the
    /// password grant; returns the access token.
    pub async fn token(&self, login: &str, password: &str, scopes: &str) -> String {
        password_token(&self.url(""), login, password, scopes).await
    }
}

/// Registers an app at `base` and logs `login` in with the password grant.
pub async fn password_token(base: &str, login: &str, password: &str, scopes: &str) -> String {
    let app: serde_json::Value = client()
        .post(format!("{base}/api/v1/apps"))
        .form(&[("client_name", "aerie tests"), ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"), ("scopes", scopes)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let answer: serde_json::Value = client()
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", app["client_id"].as_str().unwrap()),
            ("client_secret", app["client_secret"].as_str().unwrap()),
            ("username", login),
            ("password", password),
            ("scope", scopes),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["access_token"].as_str().unwrap_or_else(|| panic!("logging {login} in: {answer}")).to_string()
}

/// A client that does not follow redirects (OAuth answers are inspected).
pub fn client_no_redirects() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(60)).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A loopback port free right now (for instances that must know each other's port
/// before they start).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// An instance ready to start that runs the `job_recorder` test program (hook `job`,
/// kind `record`, table `job_log`) beside the `probe` (which enqueues jobs), with the
/// schema and the recorder's table made before the server starts.
pub struct RecorderSetup {
    pub dir: tempfile::TempDir,
    /// The data directory (where the SQLite database lives).
    pub data: PathBuf,
    pub pg: Option<PgDatabase>,
    pub db: Database,
    pub config: PathBuf,
}

impl RecorderSetup {
    pub async fn new(engine: Engine, lease_secs: u64) -> RecorderSetup {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let pg = pg_for(engine).await;
        let url = match &pg {
            Some(pg) => pg.url.clone(),
            None => {
                std::fs::create_dir_all(&data).unwrap();
                format!("sqlite://{}", data.join("aerie.db").display())
            }
        };
        let db = Database::open(&url, &DatabaseConfig::default(), true).await.unwrap();
        db.execute("CREATE TABLE job_log (tag TEXT PRIMARY KEY NOT NULL, job_id BIGINT NOT NULL)", vec![]).await.unwrap();
        let config = write_config(
            dir.path(),
            &format!(
                r#"{db}
[jobs]
lease_secs = {lease_secs}
poll_ms = 100

[[components]]
id = "recorder"
source = "{recorder}"
hook = "job"
jobs = ["record"]
grants = {{ db = "read-write", tables = ["job_log"], kv = true }}

[[components]]
id = "probe"
source = "{probe}"
routes = ["/probe/*"]
grants = {{ db = "read-only", kv = true, queue = true, blobs = "read-only" }}
"#,
                db = database_section(pg.as_ref()),
                recorder = test_program("job_recorder").display(),
                probe = test_program("probe").display()
            ),
        );
        RecorderSetup { dir, data, pg, db, config }
    }

    /// How many times the recorder started the job tagged `tag` (it counts in its kv).
    pub async fn runs(&self, tag: &str) -> i64 {
        let sql = "SELECT value FROM kv_entries WHERE component = 'recorder' AND key = $1";
        match scalar(&self.db, sql, vec![format!("runs:{tag}").into()]).await {
            Some(aerie::db::Value::Bytes(b)) => String::from_utf8(b).unwrap().parse::<i64>().unwrap(),
            _ => 0,
        }
    }
}

/// The first column of the first row, if any.
pub async fn scalar(db: &Database, sql: &str, params: Vec<aerie::db::Value>) -> Option<aerie::db::Value> {
    db.query(sql, params).await.unwrap().rows.first().and_then(|r| r.first().cloned())
}
