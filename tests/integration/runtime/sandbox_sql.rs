//! Component SQL stays inside its grant whatever its text looks like, and inside its
//! time budget without holding up anything else.
//!
//! - The engine, below the parser: `Database::{query_as, execute_as, begin_as}` called
//!   directly with a `ComponentScope` and statements the SQL policy never saw, on a real
//!   migrated SQLite file: SQLite's authorizer refuses host tables, writes under a
//!   read-only grant, tables outside the allowlist, functions, PRAGMA and friends, and
//!   a second statement.
//! - Through the `probe` component on both engines: every escape the attack run found
//!   (CTE shadowing, a nested comment, a leading comment, two statements) is refused,
//!   no secret comes back, nothing is written, and the server keeps serving.
//! - A runaway read stops near its budget while `/api/v1/instance` keeps answering.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aerie::config::DatabaseConfig;
use aerie::db::{ComponentScope, Database, DbError, Sql, TableAllowlist, Value};

use crate::support::{ENGINES, Engine, Launch, client, database_section, pg_for, test_db, test_program, write_config};

fn scope(read_only: bool, tables: Option<&[&str]>, budget: Duration) -> ComponentScope {
    ComponentScope {
        component: "probe".into(),
        read_only,
        tables: tables.map(|t| Arc::new(TableAllowlist::new(t.iter().map(|s| s.to_string()).collect::<HashSet<_>>()))),
        deadline: Instant::now() + budget,
    }
}

const SECRET: &str = "$argon2id$secret-hash";

/// One local account with credentials and a token, written by the host.
async fn seed(db: &Database) {
    db.execute("INSERT INTO accounts (id, username, created_at) VALUES (1, 'alice', 0)", vec![]).await.unwrap();
    db.execute(
        "INSERT INTO account_credentials (account_id, password_hash, updated_at) VALUES (1, $1, 0)",
        vec![Value::Text(SECRET.into())],
    )
    .await
    .unwrap();
}

async fn username(db: &Database) -> String {
    let rows = db.query("SELECT username FROM accounts WHERE id = 1", vec![]).await.unwrap();
    match &rows.rows[0][0] {
        Value::Text(name) => name.clone(),
        other => panic!("{other:?}"),
    }
}

fn denied<T: std::fmt::Debug>(result: Result<T, DbError>, sql: &str) -> String {
    match result {
        Err(DbError::AccessDenied(why)) => why,
        other => panic!("{sql}: expected access denied, got {other:?}"),
    }
}

#[tokio::test]
async fn sqlite_itself_refuses_what_the_grant_does_not_allow() {
    let t = test_db(Engine::Sqlite, &DatabaseConfig::default()).await;
    let db = &t.db;
    seed(db).await;
    let budget = Duration::from_secs(10);
    let open = scope(false, None, budget);
    let statuses = scope(false, Some(&["statuses"]), budget);
    let read_only = scope(true, None, budget);

    // Reads of host tables, however the text hides them, with the statement sent as a
    // read (to a reader) and as a write (to the writer).
    for sql in [
        "SELECT password_hash FROM account_credentials",
        "SELECT COUNT(*) FROM account_credentials",
        "SELECT account_id, password_hash FROM account_credentials WHERE EXISTS (WITH account_credentials AS (SELECT 1 AS x) SELECT x FROM account_credentials)",
        "SELECT id FROM statuses WHERE 1=0 /* /* */ UNION ALL SELECT password_hash FROM account_credentials -- */",
        "SELECT password_hash FROM [account_credentials]",
        "SELECT password_hash FROM main.account_credentials",
        "SELECT sql FROM sqlite_master",
        "SELECT * FROM pragma_table_info('account_credentials')",
        "SELECT name, payload FROM dbstat",
    ] {
        for read in [true, false] {
            let why = denied(db.query_as(&open, &Sql::new(sql, read), vec![]).await, sql);
            assert!(why.contains("reserved") || why.contains("PRAGMA"), "{sql}: {why}");
        }
    }

    // The allowlist, including a CTE named like a table outside it.
    for sql in [
        "SELECT username FROM accounts",
        "SELECT t.x, accounts.username FROM (WITH accounts AS (SELECT 1 AS x) SELECT x FROM accounts) t, accounts",
    ] {
        let why = denied(db.query_as(&statuses, &Sql::new(sql, true), vec![]).await, sql);
        assert!(why.contains("allowlist"), "{sql}: {why}");
    }
    assert!(
        db.query_as(&statuses, &Sql::new("WITH accounts AS (SELECT id FROM statuses) SELECT id FROM accounts", true), vec![]).await.is_ok()
    );

    // A statement compiled (and authorized) for one grant is never reused for another:
    // the same text, allowed first, is refused under a narrower grant, repeatedly.
    let shared = Sql::new("SELECT username FROM accounts WHERE id = $1", true);
    for _ in 0..3 {
        assert!(db.query_as(&open, &shared, vec![Value::Int(1)]).await.is_ok());
        let why = denied(db.query_as(&statuses, &shared, vec![Value::Int(1)]).await, &shared.text);
        assert!(why.contains("allowlist"), "{why}");
        let narrower = scope(false, Some(&["statuses"]), budget);
        denied(db.query_as(&narrower, &shared, vec![Value::Int(1)]).await, "a second allowlist");
    }
    // The same on the writer, which keeps component statements compiled too: a write
    // allowed under one grant is refused under another, and under a read-only one.
    let write = Sql::new("UPDATE accounts SET display_name = $1 WHERE id = $2", false);
    for _ in 0..3 {
        assert!(db.execute_as(&open, &write, vec!["x".into(), Value::Int(1)]).await.is_ok());
        let why = denied(db.execute_as(&statuses, &write, vec!["y".into(), Value::Int(1)]).await, &write.text);
        assert!(why.contains("allowlist"), "{why}");
        let why = denied(db.execute_as(&read_only, &write, vec!["z".into(), Value::Int(1)]).await, &write.text);
        assert!(why.contains("read-only"), "{why}");
    }

    // Writes under a read-only grant, wherever they are sent.
    for read in [true, false] {
        let sql = "UPDATE accounts SET username = 'pwned'";
        let result = db.execute_as(&read_only, &Sql::new(sql, read), vec![]).await;
        assert!(denied(result, sql).contains("read-only"));
    }
    // Writes to host tables and outside the allowlist.
    let sql = "UPDATE account_credentials SET password_hash = 'x'";
    assert!(denied(db.execute_as(&open, &Sql::new(sql, false), vec![]).await, sql).contains("reserved"));
    let sql = "WITH statuses AS (SELECT 1) UPDATE accounts SET username = 'pwned'";
    assert!(denied(db.execute_as(&statuses, &Sql::new(sql, false), vec![]).await, sql).contains("allowlist"));

    // A second statement is never run, wherever it hides.
    for sql in [
        "/* x */ SELECT 1; UPDATE accounts SET username = 'pwned'",
        "SELECT 1 /* /* */; UPDATE accounts SET username = 'pwned' -- */",
        "UPDATE statuses SET text = 'x' WHERE 1 = 0; UPDATE accounts SET username = 'pwned'",
    ] {
        for read in [true, false] {
            let result = db.execute_as(&open, &Sql::new(sql, read), vec![]).await;
            assert!(denied(result, sql).contains("one statement"), "{sql}");
        }
    }
    // Trailing comments are not a second statement.
    assert!(db.query_as(&open, &Sql::new("SELECT id FROM statuses; -- done", true), vec![]).await.is_ok());

    // Functions outside the allowlist, engine and session statements.
    for sql in ["SELECT load_extension('/tmp/x.so')", "SELECT randomblob(8)", "SELECT sqlite_version()"] {
        for read in [true, false] {
            assert!(denied(db.query_as(&open, &Sql::new(sql, read), vec![]).await, sql).contains("function"), "{sql}");
        }
    }
    for sql in [
        "PRAGMA table_info(account_credentials)",
        "PRAGMA writable_schema = ON",
        "ATTACH DATABASE ':memory:' AS other",
        "BEGIN",
        "SAVEPOINT s",
        "CREATE TABLE stolen (a)",
        "VACUUM",
    ] {
        denied(db.execute_as(&open, &Sql::new(sql, false), vec![]).await, sql);
    }
    assert_eq!(username(db).await, "alice", "nothing above wrote");

    // What the grant allows still runs: a write whose foreign key reads accounts, and a
    // delete whose ON DELETE CASCADE reaches into host tables (the host's schema at work).
    let insert = "INSERT INTO statuses (id, account_id, uri, created_at) VALUES (10, 1, 'u10', 0)";
    assert_eq!(db.execute_as(&statuses, &Sql::new(insert, false), vec![]).await.unwrap(), 1);
    let rows = db.query_as(&statuses, &Sql::new("SELECT COUNT(*) AS n FROM statuses WHERE id = $1", true), vec![Value::Int(10)]).await;
    assert_eq!(rows.unwrap().rows[0][0], Value::Int(1));

    // A component transaction runs under the scope; the host's SQL after it does not.
    let tx = db.begin_as(&statuses).await.unwrap();
    let sql = "SELECT password_hash FROM account_credentials";
    assert!(matches!(tx.query(sql, vec![]).await, Err(DbError::AccessDenied(_))));
    drop(tx);
    let tx = db.begin_as(&statuses).await.unwrap();
    tx.execute("UPDATE statuses SET uri = 'u10b' WHERE id = 10", vec![]).await.unwrap();
    assert!(matches!(tx.execute("UPDATE accounts SET username = 'pwned'", vec![]).await, Err(DbError::AccessDenied(_))));
    drop(tx);
    let hash = db.query("SELECT password_hash FROM account_credentials WHERE account_id = 1", vec![]).await.unwrap();
    assert_eq!(hash.rows[0][0], Value::Text(SECRET.into()), "the host still reads its own tables");

    // Host and component writes grouped in one commit: each under its own rules.
    let mut tasks = Vec::new();
    for i in 0..20i64 {
        let (db, statuses) = (db.clone(), statuses.clone());
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                let sql = Sql::new("UPDATE accounts SET username = 'pwned'", false);
                matches!(db.execute_as(&statuses, &sql, vec![]).await, Err(DbError::AccessDenied(_)))
            } else {
                let sql = "INSERT INTO kv_entries (component, key, value) VALUES ('host', $1, x'00')";
                db.execute(sql, vec![Value::Text(format!("k{i}"))]).await.is_ok()
            }
        }));
    }
    for task in tasks {
        assert!(task.await.unwrap());
    }
    assert_eq!(username(db).await, "alice");

    let delete = "DELETE FROM accounts WHERE id = 1";
    assert_eq!(db.execute_as(&open, &Sql::new(delete, false), vec![]).await.unwrap(), 1);
    let left = db.query("SELECT COUNT(*) FROM account_credentials", vec![]).await.unwrap();
    assert_eq!(left.rows[0][0], Value::Int(0), "the cascade ran");
    db.close().await;
}

#[tokio::test]
async fn a_runaway_statement_stops_at_the_budget_on_readers_and_writer() {
    let t = test_db(Engine::Sqlite, &DatabaseConfig::default()).await;
    let db = &t.db;
    seed(db).await;
    let runaway = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT COUNT(*) FROM c";
    for read in [true, false] {
        let started = Instant::now();
        let scope = scope(!read, None, Duration::from_millis(500));
        let result = db.query_as(&scope, &Sql::new(runaway, read), vec![]).await;
        let took = started.elapsed();
        match result {
            Err(DbError::Unavailable(why)) => assert!(why.contains("time budget"), "{why}"),
            other => panic!("read {read}: {other:?}"),
        }
        // Generous: the box is shared by many builds.
        assert!(took < Duration::from_secs(3), "read {read}: stopped after {took:?}, budget 500 ms");
        assert!(took >= Duration::from_millis(400), "read {read}: stopped after {took:?}, before its budget");
        // The connection is clean afterwards.
        assert_eq!(username(db).await, "alice");
    }
    // A read longer than the slice it gets on the calling thread finishes on the read
    // pool with the right answer (run again from the start, nothing doubled).
    let long =
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 300000) SELECT COUNT(*) AS n, SUM(n) AS total FROM c";
    let generous = scope(true, Some(&["statuses"]), Duration::from_secs(30));
    let rows = db.query_as(&generous, &Sql::new(long, true), vec![]).await.unwrap();
    assert_eq!(rows.rows, vec![vec![Value::Int(300_000), Value::Int(300_000 * 300_001 / 2)]]);
    // A spent budget refuses at once.
    let spent = scope(false, None, Duration::ZERO);
    assert!(matches!(db.query_as(&spent, &Sql::new("SELECT 1", true), vec![]).await, Err(DbError::Unavailable(_))));
    db.close().await;
}

fn probe_config(extra_db: &str) -> String {
    format!(
        r#"{extra_db}
[[components]]
id = "probe-ro"
source = "{p}"
routes = ["/ro/*"]
grants = {{ db = "read-only", tables = ["statuses"], kv = true, queue = true, blobs = "read-only" }}
limits = {{ time_ms = 1000 }}

[[components]]
id = "probe-rw"
source = "{p}"
routes = ["/rw/*"]
grants = {{ db = "read-write", tables = ["statuses"], kv = true, queue = true, blobs = "read-only" }}
limits = {{ time_ms = 1000 }}

[[components]]
id = "probe-all"
source = "{p}"
routes = ["/all/*"]
grants = {{ db = "read-only", kv = true, queue = true, blobs = "read-only" }}
"#,
        p = test_program("probe").display()
    )
}

#[tokio::test]
async fn the_attack_runs_escapes_are_refused_on_both_engines() {
    for engine in ENGINES {
        let dir = tempfile::tempdir().unwrap();
        let pg = pg_for(engine).await;
        let config = write_config(dir.path(), &probe_config(&database_section(pg.as_ref())));
        let launch = Launch::with_config(dir.path(), &config);
        let server = launch.serve().unwrap_or_else(|(code, err)| panic!("{engine:?}: exit {code:?}: {err}"));
        let out =
            launch.run(&["admin", "accounts", "create", "alice", "--email", "alice@social.test", "--password", "correct horse battery"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

        let reads = [
            "SELECT account_id, password_hash FROM account_credentials WHERE EXISTS (WITH account_credentials AS (SELECT 1 AS x) SELECT x FROM account_credentials)",
            "SELECT id FROM statuses WHERE 1=0 /* /* */ UNION ALL SELECT token_hash FROM oauth_tokens -- */",
            "SELECT id FROM statuses WHERE 1=0 /* /* */ UNION ALL SELECT password_hash FROM account_credentials -- */",
            "SELECT x FROM (WITH account_credentials AS (SELECT 1 AS x) SELECT x FROM account_credentials) t UNION ALL SELECT password_hash FROM account_credentials",
            "SELECT (SELECT password_hash FROM account_credentials LIMIT 1) FROM statuses",
            "SELECT password_hash FROM \"account_credentials\"",
            "SELECT query_to_xml('select * from account_credentials', true, true, '')",
            "SELECT pg_read_file('/etc/passwd')",
            "SELECT load_extension('/tmp/x.so')",
        ];
        for prefix in ["/ro", "/rw", "/all"] {
            for sql in reads {
                for verb in ["query", "execute"] {
                    let (status, body) = server.probe_sql(prefix, verb, sql).await;
                    // PostgreSQL nests block comments: there the nested-comment texts
                    // are one harmless query (and it answers it, with no rows).
                    let harmless = engine == Engine::Postgres && sql.contains("/* /* */");
                    assert!((400..500).contains(&status) || harmless, "{engine:?} {prefix} {verb}: {sql}: {status} {body}");
                    assert!(!body.contains("argon2"), "{engine:?} {prefix}: a secret came back: {body}");
                }
            }
        }
        let writes = [
            "/* leading */ UPDATE accounts SET username = 'pwned'",
            "-- leading\nUPDATE accounts SET username = 'pwned'",
            "SELECT 1; UPDATE accounts SET username = 'pwned'",
            "/* x */ SELECT 1; UPDATE accounts SET username = 'pwned'",
            "SELECT 1 /* /* */; UPDATE accounts SET username = 'pwned' -- */",
            "WITH accounts AS (SELECT id FROM statuses) UPDATE accounts SET username = 'pwned'",
            "WITH account_credentials AS (SELECT 1 AS x) UPDATE account_credentials SET password_hash = 'x'",
            "UPDATE statuses SET uri = 'x' WHERE EXISTS (WITH account_credentials AS (SELECT 1 AS x) SELECT x FROM account_credentials)",
            "INSERT INTO statuses (id, uri, created_at) SELECT account_id, password_hash, 0 FROM account_credentials",
            "PRAGMA writable_schema = ON",
            "BEGIN",
        ];
        for prefix in ["/ro", "/rw"] {
            for sql in writes {
                let (status, body) = server.probe_sql(prefix, "execute", sql).await;
                let harmless = engine == Engine::Postgres && sql.contains("/* /* */");
                assert!((400..500).contains(&status) || harmless, "{engine:?} {prefix}: {sql}: {status} {body}");
            }
        }
        let (status, body) = server.probe_sql("/all", "query", "SELECT username FROM accounts").await;
        assert_eq!(status, 200, "{engine:?}: {body}");
        assert!(body.contains("\"alice\""), "{engine:?}: nothing was renamed: {body}");
        let (status, body) = server.probe_sql("/rw", "query", "SELECT COUNT(*) AS n FROM statuses").await;
        assert_eq!(status, 200, "{engine:?}: {body}");
        assert!(body.contains("\"n\":0"), "{engine:?}: nothing was inserted: {body}");
        let (status, _) = server.get_json("/api/v1/instance").await;
        assert_eq!(status, 200, "{engine:?}: the server keeps serving");
        // The secret is where the host left it: a login still works.
        let database = match &pg {
            Some(pg) => Database::open(&pg.url, &DatabaseConfig::default(), false).await.unwrap(),
            None => {
                let url = format!("sqlite://{}", dir.path().join("data").join("aerie.db").display());
                Database::open(&url, &DatabaseConfig::default(), false).await.unwrap()
            }
        };
        let hash = database.query("SELECT password_hash FROM account_credentials", vec![]).await.unwrap();
        assert!(matches!(&hash.rows[0][0], Value::Text(h) if h.starts_with("$argon2")), "{engine:?}: {:?}", hash.rows);
        database.close().await;
        server.stop();
    }
}

#[tokio::test]
async fn two_runaway_reads_stop_at_the_budget_while_the_server_keeps_answering() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &probe_config(""));
    let server = Launch::with_config(dir.path(), &config).serve().unwrap_or_else(|(code, err)| panic!("exit {code:?}: {err}"));
    let runaway = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT COUNT(*) AS n FROM c";
    let started = Instant::now();
    let mut runaways = Vec::new();
    for _ in 0..2 {
        let url = server.url("/ro/probe/query");
        runaways.push(tokio::spawn(async move {
            let response = client().post(url).body(runaway).send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap(), Instant::now())
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    for path in ["/api/v1/instance", "/api/v1/timelines/public"] {
        let asked = Instant::now();
        let (status, body) = server.get_json(path).await;
        let waited = asked.elapsed();
        assert_eq!(status, 200, "{path}: {body}");
        // Liveness, not a benchmark: an answer that waited for the runaways would take
        // the rest of their 1 s budget.
        assert!(waited < Duration::from_millis(700), "{path} waited {waited:?} behind two runaway reads");
    }
    if runaways.iter().all(|r| r.is_finished()) {
        let (status, body, ended) = runaways.pop().unwrap().await.unwrap();
        panic!("the runaways ended before the server was asked, after {:?}: {status} {body}", ended - started);
    }
    for runaway in runaways {
        let (status, body, ended) = runaway.await.unwrap();
        let took = ended - started;
        assert!(body.contains("time budget"), "{status} {body}");
        assert!(took < Duration::from_secs(4), "a runaway read with a 1 s budget ran {took:?}");
    }
    let (status, _) = server.get_json("/api/v1/instance").await;
    assert_eq!(status, 200);
}
