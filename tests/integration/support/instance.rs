//! Instances ready to use: a running server with its data dir and database, for tests
//! that act as users (accounts made with the CLI, logins, API calls) or federate over
//! loopback, and an instance set up to run the job-recorder test program.

use std::path::PathBuf;

use aerie::config::DatabaseConfig;
use aerie::db::Database;

use super::database::{Engine, PgDatabase, pg_for, scalar};
use super::http::client;
use super::server::{Launch, Server, database_section, test_program, write_config};

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

/// A fresh instance with `names` (password `NAME-password-1`), their tokens
/// (`read write follow`) and account ids, in the order given.
pub async fn people(engine: Engine, names: &[&str]) -> (Instance, Vec<String>, Vec<String>) {
    let instance = Instance::start(engine).await;
    let mut tokens = Vec::new();
    let mut accounts = Vec::new();
    for name in names {
        let password = format!("{name}-password-1");
        instance.create_account(name, &password);
        let token = instance.token(name, &password, "read write follow").await;
        let (_, account) = super::http::get(&instance, &token, "/api/v1/accounts/verify_credentials").await;
        accounts.push(account["id"].as_str().unwrap().to_string());
        tokens.push(token);
    }
    (instance, tokens, accounts)
}
