//! Capabilities are granted, never ambient: read-only grants cannot write, a table
//! allowlist limits tables, secrets are out of every component's reach, kv namespaces
//! are private, and an ungranted import is refused at load. Both engines.

use aerie::config::DatabaseConfig;

use crate::support::{ENGINES, Launch, Server, client, test_program, write_config};

fn probe_entries(extra_db: &str) -> String {
    let probe = test_program("probe");
    format!(
        r#"{extra_db}
[[components]]
id = "probe-rw"
source = "{p}"
routes = ["/rw/*"]
grants = {{ db = "read-write", kv = true, queue = true, blobs = "read-write" }}
config = {{ greeting = "hi there" }}

[[components]]
id = "probe-ro"
source = "{p}"
routes = ["/ro/*"]
grants = {{ db = "read-only", kv = true, queue = true, blobs = "read-only" }}

[[components]]
id = "probe-tables"
source = "{p}"
routes = ["/tables/*"]
grants = {{ db = "read-write", tables = ["statuses"], kv = true, queue = true, blobs = "read-only" }}
"#,
        p = probe.display()
    )
}

async fn sql(server: &Server, prefix: &str, verb: &str, statement: &str) -> (u16, serde_json::Value) {
    let (status, body) = server.probe_sql(prefix, verb, statement).await;
    (status, serde_json::from_str(&body).unwrap_or_else(|e| panic!("{statement}: not JSON ({e}): {body}")))
}

#[tokio::test]
async fn grants_scope_what_each_component_reaches() {
    for engine in ENGINES {
        let dir = tempfile::tempdir().unwrap();
        let pg = crate::support::pg_for(engine).await;
        let config = write_config(dir.path(), &probe_entries(&crate::support::database_section(pg.as_ref())));
        let server =
            Launch::with_config(dir.path(), &config).serve().unwrap_or_else(|(code, err)| panic!("{engine:?}: exit {code:?}: {err}"));

        let (status, body) = sql(&server, "/rw", "execute", "INSERT INTO accounts (id, username, created_at) VALUES (1, 'alice', 0)").await;
        assert_eq!(status, 200, "{engine:?}: {body}");

        // Read-only: reads yes, writes no.
        let (status, body) = sql(&server, "/ro", "query", "SELECT username FROM accounts").await;
        assert_eq!((status, body["rows"][0]["username"].as_str()), (200, Some("alice")), "{engine:?}: {body}");
        let (status, body) = sql(&server, "/ro", "execute", "UPDATE accounts SET display_name = 'x'").await;
        assert_eq!((status, body["kind"].as_str()), (403, Some("access-denied")), "{engine:?}: {body}");
        assert!(body["error"].as_str().unwrap().contains("read-only"));

        // Allowlist: statuses only.
        let (status, _) = sql(&server, "/tables", "query", "SELECT COUNT(*) AS n FROM statuses").await;
        assert_eq!(status, 200, "{engine:?}");
        let (status, body) = sql(&server, "/tables", "query", "SELECT username FROM accounts").await;
        assert_eq!(status, 403, "{engine:?}: {body}");
        assert!(body["error"].as_str().unwrap().contains("allowlist"));

        // Secrets: no grant reaches them, not even read-write without an allowlist.
        for statement in [
            "SELECT password_hash FROM account_credentials",
            "SELECT a.username FROM accounts a JOIN account_credentials c ON c.account_id = a.id",
            "SELECT * FROM kv_entries",
            "SELECT * FROM jobs",
        ] {
            let (status, body) = sql(&server, "/rw", "query", statement).await;
            assert_eq!(status, 403, "{engine:?}: {statement}: {body}");
        }
        let (status, _) = sql(&server, "/rw", "execute", "DROP TABLE accounts").await;
        assert_eq!(status, 403, "{engine:?}: components cannot change the schema");

        // kv: private per component.
        client().put(server.url("/rw/probe/kv/color")).body("blue").send().await.unwrap();
        let (status, body) = server.get_json("/rw/probe/kv/color").await;
        assert_eq!((status, body["value"].as_str()), (200, Some("blue")));
        let (status, _) = server.get_json("/tables/probe/kv/color").await;
        assert_eq!(status, 404, "{engine:?}: another component's key is invisible");
        for _ in 0..3 {
            client().post(server.url("/rw/probe/kv-incr/hits")).send().await.unwrap();
        }
        let (_, body) = server.get_json("/rw/probe/kv/hits").await;
        assert_eq!(body["value"], "3");
        let (_, body) = server.get_json("/rw/probe/kv-list/co").await;
        assert_eq!(body["keys"], serde_json::json!(["color"]));

        // A write whose client hangs up before the answer still finishes: a POST's call
        // is not tied to its connection (a GET's may be dropped with it).
        {
            use tokio::io::AsyncWriteExt as _;
            let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
            let head =
                format!("POST /rw/probe/sleep-then-set/left?ms=400 HTTP/1.1\r\nHost: {}\r\nContent-Length: 4\r\n\r\ndone", server.addr);
            stream.write_all(head.as_bytes()).await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            drop(stream);
            let mut value = None;
            for _ in 0..40 {
                let (status, body) = server.get_json("/rw/probe/kv/left").await;
                if status == 200 {
                    value = body["value"].as_str().map(str::to_string);
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            assert_eq!(value.as_deref(), Some("done"), "{engine:?}: the write stopped when its client hung up");
        }

        // config: the entry's own settings.
        let (_, body) = server.get_json("/rw/probe/config/greeting").await;
        assert_eq!(body["value"], "hi there");
        let (_, body) = server.get_json("/ro/probe/config/greeting").await;
        assert!(body["value"].is_null(), "settings are per entry");
        // blobs: streamed in chunks, read in ranges; read-only cannot write.
        let big: String = (0..300_000).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        let response = client().put(server.url("/rw/probe/blob/media/t/big.txt")).body(big.clone()).send().await.unwrap();
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["size"], 300_000, "{engine:?}: {body}");
        let (status, body) = server.get_json("/ro/probe/blob/media/t/big.txt?offset=26&len=5").await;
        assert_eq!((status, body["data"].as_str(), body["size"].as_i64()), (200, Some("abcde"), Some(300_000)), "{body}");
        let response = client().put(server.url("/ro/probe/blob/media/t/other.txt")).body("x").send().await.unwrap();
        assert_eq!(response.status(), 403, "read-only blobs grant cannot write");
        let response = client().put(server.url("/rw/probe/blob/media//empty-segment")).body("x").send().await.unwrap();
        assert_eq!(response.status(), 400, "an invalid key is refused");
        client().delete(server.url("/rw/probe/blob/media/t/big.txt")).send().await.unwrap();
        let (status, _) = server.get_json("/ro/probe/blob/media/t/big.txt").await;
        assert_eq!(status, 404);

        let (_, clock) = server.get_json("/rw/probe/clock").await;
        assert!(clock["id"].as_i64().unwrap() >> 16 >= clock["now"].as_i64().unwrap() - 1000);
        server.stop();
    }
}

#[test]
fn an_ungranted_import_is_refused_at_load_with_the_grant_to_add() {
    let dir = tempfile::tempdir().unwrap();
    // The probe imports kv and queue; this entry grants neither.
    let config = write_config(
        dir.path(),
        &format!(
            "[[components]]\nid = \"probe\"\nsource = \"{}\"\nroutes = [\"/p/*\"]\ngrants = {{ db = \"read-only\" }}\n",
            test_program("probe").display()
        ),
    );
    let output = Launch::with_config(dir.path(), &config).run(&["serve"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("aerie:host/kv") || stderr.contains("aerie:host/queue"), "{stderr}");
    assert!(stderr.contains("= true }"), "names the grant to add: {stderr}");
}

#[tokio::test]
async fn kv_expiry_and_counters_on_both_engines() {
    for engine in ENGINES {
        let t = crate::support::test_db(engine, &DatabaseConfig::default()).await;
        let kv = aerie::capabilities::kv::KvStore::new(t.db.clone(), "c1");
        let other = aerie::capabilities::kv::KvStore::new(t.db.clone(), "c2");
        // Long enough that a loaded machine still reads the key before it expires.
        kv.set("short", b"x".to_vec(), Some(1500)).await.unwrap();
        kv.set("long", b"y".to_vec(), None).await.unwrap();
        assert_eq!(kv.get("short").await.unwrap(), Some(b"x".to_vec()));
        tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
        assert_eq!(kv.get("short").await.unwrap(), None, "{engine:?}: expired");
        assert_eq!(kv.list_keys("", 10).await.unwrap(), vec!["long".to_string()], "{engine:?}");
        assert_eq!(other.get("long").await.unwrap(), None, "{engine:?}: namespaces are separate");
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let kv = kv.clone();
            tasks.push(tokio::spawn(async move { kv.increment("n", 1).await.unwrap() }));
        }
        let mut seen: Vec<i64> = Vec::new();
        for task in tasks {
            seen.push(task.await.unwrap());
        }
        seen.sort();
        assert_eq!(seen, (1..=20).collect::<Vec<_>>(), "{engine:?}: increments are atomic");
        t.db.close().await;
    }
}

#[tokio::test]
async fn a_spin_sdk_component_runs_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            "[[components]]\nid = \"spin-hello\"\nsource = \"{}\"\nroutes = [\"/spin\"]\ngrants = {{ kv = true }}\nconfig = {{ greeting = \"hello from aerie\" }}\n",
            test_program("spin_hello").display()
        ),
    );
    let server = Launch::with_config(dir.path(), &config).serve().unwrap_or_else(|(code, err)| panic!("exit {code:?}: {err}"));
    assert_eq!(server.get_text("/spin").await, (200, "hello from aerie #1".to_string()));
    assert_eq!(server.get_text("/spin").await, (200, "hello from aerie #2".to_string()));
}

#[tokio::test]
async fn a_write_beside_an_open_transaction_fails_fast_on_sqlite_and_runs_on_postgres() {
    for engine in ENGINES {
        let dir = tempfile::tempdir().unwrap();
        let pg = crate::support::pg_for(engine).await;
        let config = write_config(dir.path(), &probe_entries(&crate::support::database_section(pg.as_ref())));
        let server = Launch::with_config(dir.path(), &config).serve().unwrap_or_else(|(code, err)| panic!("exit {code:?}: {err}"));
        let started = std::time::Instant::now();
        let answer: serde_json::Value =
            client().post(server.url("/rw/probe/write-during-transaction")).send().await.unwrap().json().await.unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{engine:?}: no wait for the transaction timeout");
        assert_eq!((answer["committed"].as_bool(), answer["after_commit"].as_bool()), (Some(true), Some(true)), "{answer}");
        match engine {
            crate::support::Engine::Sqlite => {
                assert!(answer["outside"].as_str().unwrap().contains("single writer"), "{answer}")
            }
            crate::support::Engine::Postgres => assert!(answer["outside"].is_null(), "{answer}"),
        }
    }
}
