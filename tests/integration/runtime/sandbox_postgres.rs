//! PostgreSQL enforces a component's grant itself, whatever the SQL policy's parse let
//! through: these tests call the engine straight (`Database::query_as` and friends,
//! no parser) with statements an attacker would send. Host tables stay out of reach,
//! read-only stays read-only, session tricks do not outlive the statement, the time
//! budget stops statements, and slow component SQL leaves the host its connections.
//! The last test drives the same through the running server and the `probe` component.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aerie::config::DatabaseConfig;
use aerie::db::{ComponentScope, Database, DbError, Sql, TableAllowlist, Value};

use crate::support::{Engine, Launch, TestDb, client, test_db, test_program, write_config};

/// A component's grant: every component table, read-only or not, `budget` from now.
fn scope(component: &str, read_only: bool, budget: Duration) -> ComponentScope {
    ComponentScope { component: Arc::from(component), read_only, tables: None, deadline: Instant::now() + budget }
}

fn rw() -> ComponentScope {
    scope("attacker", false, Duration::from_secs(10))
}

fn ro() -> ComponentScope {
    scope("reader", true, Duration::from_secs(10))
}

/// `text` as the SQL policy would hand it on, with its claim to only read.
fn sql(text: &str, read_only: bool) -> Sql {
    Sql::new(text, read_only)
}

async fn pg(config: &DatabaseConfig) -> TestDb {
    test_db(Engine::Postgres, config).await
}

async fn accounts(db: &Database) -> i64 {
    db.query("SELECT COUNT(*) AS n FROM accounts", vec![]).await.unwrap().i64(0, "n").unwrap()
}

fn denied<T: std::fmt::Debug>(result: Result<T, DbError>, what: &str) {
    assert!(matches!(result, Err(DbError::AccessDenied(_))), "{what}: expected access denied, got {result:?}");
}

#[tokio::test]
async fn component_sql_cannot_reach_host_tables_even_past_the_parser() {
    let t = pg(&DatabaseConfig::default()).await;
    let db = &t.db;
    let own_role = db.query("SELECT current_user AS u", vec![]).await.unwrap().text(0, "u").unwrap().to_string();

    // Component tables work.
    db.execute_as(&rw(), &sql("INSERT INTO accounts (id, username, created_at) VALUES (1, 'alice', 0)", false), vec![]).await.unwrap();
    let rows = db.query_as(&rw(), &sql("SELECT username FROM accounts", true), vec![]).await.unwrap();
    assert_eq!(rows.text(0, "username"), Some("alice"));

    for statement in [
        "SELECT * FROM account_credentials",
        "SELECT token_hash FROM oauth_tokens",
        "SELECT * FROM jobs",
        "SELECT * FROM instance_keys",
        "SELECT * FROM account_keys",
        // The CTE that shadowed a host table past the parser.
        "WITH accounts AS (SELECT * FROM oauth_tokens) SELECT * FROM accounts",
        // Dynamic SQL, checked at run time under the same role.
        "SELECT query_to_xml('select token_hash from oauth_tokens', true, false, '') AS x",
        "SELECT pg_read_file('/etc/passwd') AS f",
        "CREATE TEMP TABLE statuses (id BIGINT)",
        "CREATE TABLE stash (id BIGINT)",
    ] {
        denied(db.query_as(&rw(), &sql(statement, true), vec![]).await, statement);
        denied(db.query_packed_as(&rw(), &sql(statement, true), vec![]).await, statement);
    }
    for statement in [
        "DELETE FROM jobs",
        "UPDATE account_credentials SET password_hash = 'x'",
        "DELETE FROM oauth_tokens",
        "DELETE FROM instance_keys",
        "WITH gone AS (DELETE FROM jobs RETURNING id) SELECT COUNT(*) FROM gone",
        "CREATE TEMP TABLE statuses (id BIGINT)",
        "CREATE TABLE stash (id BIGINT)",
        "CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS 'select 1'",
    ] {
        denied(db.execute_as(&rw(), &sql(statement, false), vec![]).await, statement);
    }

    // The role cannot be switched back to aerie's own: not by SET ROLE, not by
    // set_config in the same statement as a dynamic read, not by SESSION AUTHORIZATION.
    for statement in [
        format!("SET ROLE {own_role}"),
        format!("SET SESSION AUTHORIZATION {own_role}"),
        format!("SELECT set_config('role', '{own_role}', false) AS r"),
        format!(
            "SELECT set_config('role', '{own_role}', true) AS r, query_to_xml('select token_hash from oauth_tokens', true, false, '') AS x"
        ),
        format!("SELECT set_config('session_authorization', '{own_role}', false) AS r"),
    ] {
        let result = db.query_as(&rw(), &sql(&statement, true), vec![]).await;
        assert!(result.is_err(), "{statement}: {result:?}");
    }
    // RESET ROLE succeeds and leads nowhere: the session itself is the component role.
    let tx = db.begin_as(&rw()).await.unwrap();
    tx.execute("RESET ROLE", vec![]).await.unwrap();
    denied(tx.query("SELECT token_hash FROM oauth_tokens", vec![]).await, "after RESET ROLE");
    drop(tx);
    let tx = db.begin_as(&rw()).await.unwrap();
    assert!(tx.execute(&format!("SET SESSION AUTHORIZATION {own_role}"), vec![]).await.is_err());
    drop(tx);

    // A table allowlist is kept by the engine too.
    let only_statuses = ComponentScope {
        tables: Some(Arc::new(TableAllowlist::new(["statuses".to_string()].into_iter().collect()))),
        ..scope("listed", false, Duration::from_secs(10))
    };
    db.query_as(&only_statuses, &sql("SELECT COUNT(*) AS n FROM statuses", true), vec![]).await.unwrap();
    denied(db.query_as(&only_statuses, &sql("SELECT username FROM accounts", true), vec![]).await, "a table off the allowlist");
    denied(db.execute_as(&only_statuses, &sql("DELETE FROM accounts", false), vec![]).await, "a write off the allowlist");
    let tx = db.begin_as(&only_statuses).await.unwrap();
    denied(tx.query("SELECT username FROM accounts", vec![]).await, "a table off the allowlist, in a transaction");
    drop(tx);
    // The role does not outlive the statement: an unlisted scope reads accounts again.
    assert_eq!(db.query_as(&rw(), &sql("SELECT username FROM accounts", true), vec![]).await.unwrap().len(), 1);
    // A restart keeps the allowlist's role (its grants brought up to date), which the
    // component role's membership check at open accepts.
    let again = Database::open(&t.url, &DatabaseConfig::default(), true).await.unwrap();
    again.query_as(&only_statuses, &sql("SELECT COUNT(*) AS n FROM statuses", true), vec![]).await.unwrap();
    denied(again.query_as(&only_statuses, &sql("SELECT username FROM accounts", true), vec![]).await, "off the allowlist after a restart");
    again.close().await;

    // And the host still reads and writes its own tables.
    db.execute("DELETE FROM jobs", vec![]).await.unwrap();
    db.query("SELECT token_hash FROM oauth_tokens", vec![]).await.unwrap();
    t.db.close().await;
}

#[tokio::test]
async fn a_read_only_grant_cannot_write_in_any_way() {
    let t = pg(&DatabaseConfig::default()).await;
    let db = &t.db;
    let insert = "INSERT INTO accounts (id, username, created_at) VALUES (2, 'bob', 0)";
    denied(db.execute_as(&ro(), &sql(insert, false), vec![]).await, "insert under a read-only grant");
    // A write the parser took for a read runs read-only, under either grant.
    let sneaky = "WITH made AS (INSERT INTO accounts (id, username, created_at) VALUES (3, 'eve', 0) RETURNING id) SELECT id FROM made";
    denied(db.query_as(&ro(), &sql(sneaky, true), vec![]).await, "a write in a CTE, read-only grant");
    denied(db.query_as(&rw(), &sql(sneaky, true), vec![]).await, "a write in a CTE claimed to read");
    // The transaction cannot be switched to read-write.
    for switch in ["SET TRANSACTION READ WRITE", "SELECT set_config('transaction_read_only', 'off', false)"] {
        let tx = db.begin_as(&ro()).await.unwrap();
        assert!(tx.execute(switch, vec![]).await.is_err(), "{switch} was accepted");
        assert!(tx.execute(insert, vec![]).await.is_err());
        assert!(tx.commit().await.is_err());
    }
    let tx = db.begin_as(&ro()).await.unwrap();
    denied(tx.execute(insert, vec![]).await, "insert in a read-only transaction");
    drop(tx);
    // Session defaults changed by one read do not open the next statement to writes.
    db.query_as(&ro(), &sql("SELECT set_config('default_transaction_read_only', 'off', false) AS s", true), vec![]).await.unwrap();
    denied(db.execute_as(&ro(), &sql(insert, false), vec![]).await, "insert after default_transaction_read_only=off");
    assert_eq!(accounts(db).await, 0, "nothing was written");

    // PostgreSQL 15 lets a read-only transaction create and write large objects and
    // send NOTIFY (which would reach other nodes' event listeners): a read ends in a
    // rollback, which undoes both.
    let mut listener = sqlx::postgres::PgListener::connect(&t.url).await.unwrap();
    listener.listen("sandbox_probe").await.unwrap();
    for (scope, claim) in [(ro(), true), (rw(), true), (ro(), false)] {
        let _ = db
            .query_as(
                &scope,
                &sql("SELECT lo_from_bytea(0, 'x')::BIGINT AS o, pg_notify('sandbox_probe', 'forged')::TEXT AS n", claim),
                vec![],
            )
            .await;
    }
    let tx = db.begin_as(&ro()).await.unwrap();
    tx.query("SELECT lo_create(0)::BIGINT AS o, pg_notify('sandbox_probe', 'forged')::TEXT AS n", vec![]).await.unwrap();
    tx.commit().await.unwrap();
    db.query("SELECT pg_notify('sandbox_probe', 'from the host')::TEXT AS n", vec![]).await.unwrap();
    let heard = tokio::time::timeout(Duration::from_secs(10), listener.recv()).await.expect("the host's NOTIFY arrives").unwrap();
    assert_eq!(heard.payload(), "from the host", "a read-only component's NOTIFY went out");
    let mut large_objects = -1;
    for _ in 0..50 {
        large_objects = db.query("SELECT COUNT(*) AS n FROM pg_largeobject_metadata", vec![]).await.unwrap().i64(0, "n").unwrap();
        if large_objects == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    assert_eq!(large_objects, 0, "a read-only component left large objects behind");
    t.db.close().await;
}

#[tokio::test]
async fn session_state_left_by_component_sql_is_reset() {
    // One connection each for the host and for components, so every statement below
    // reuses the connection the previous one left.
    let t = pg(&DatabaseConfig { max_connections: 1, ..DatabaseConfig::default() }).await;
    let db = &t.db;
    // The attack that left pooled connections read-only and made every post a 503.
    for _ in 0..20 {
        for trick in [
            "SELECT set_config('default_transaction_read_only', 'on', false) AS a",
            "SELECT set_config('statement_timeout', '1', false) AS b",
            "SELECT set_config('search_path', 'pg_temp', false) AS c",
        ] {
            // Claimed to write, so it runs committed rather than in a rolled-back read.
            db.query_as(&rw(), &sql(trick, false), vec![]).await.unwrap();
        }
    }
    for id in 0..20i64 {
        db.execute("INSERT INTO accounts (id, username, created_at) VALUES ($1, $2, 0)", vec![id.into(), format!("host{id}").into()])
            .await
            .unwrap();
        let insert = sql("INSERT INTO accounts (id, username, created_at) VALUES ($1, $2, 0)", false);
        db.execute_as(&rw(), &insert, vec![(100 + id).into(), format!("component{id}").into()]).await.unwrap();
    }
    assert_eq!(accounts(db).await, 40);
    let path = db.query_as(&rw(), &sql("SELECT current_setting('search_path') AS p", true), vec![]).await.unwrap();
    assert_eq!(path.text(0, "p"), Some("\"$user\", public"));

    // A statement that opens a transaction and walks away does not hold the next
    // component's writes hostage.
    db.execute_as(&rw(), &sql("BEGIN", false), vec![]).await.unwrap();
    db.execute_as(&rw(), &sql("INSERT INTO accounts (id, username, created_at) VALUES (500, 'kept', 0)", false), vec![]).await.unwrap();
    assert_eq!(accounts(db).await, 41, "the write after a stray BEGIN was committed");

    // Advisory locks are released with the connection.
    db.query_as(&rw(), &sql("SELECT pg_advisory_lock(4242)::TEXT AS l", true), vec![]).await.unwrap();
    let mut free = false;
    for _ in 0..50 {
        let rows = db.query("SELECT pg_try_advisory_lock(4242) AS got", vec![]).await.unwrap();
        if rows.get(0, "got") == Some(&Value::Bool(true)) {
            db.query("SELECT pg_advisory_unlock(4242)::TEXT AS u", vec![]).await.unwrap();
            free = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    assert!(free, "a component's advisory lock outlived its statement");

    // Dropping sqlx's prepared statements costs at most one failed statement.
    let count = sql("SELECT COUNT(*) AS n FROM accounts", true);
    db.query_as(&rw(), &count, vec![]).await.unwrap();
    db.execute_as(&rw(), &sql("DEALLOCATE ALL", false), vec![]).await.unwrap();
    let after = db.query_as(&rw(), &count, vec![]).await;
    assert!(matches!(&after, Ok(_) | Err(DbError::Unavailable(_))), "{after:?}");
    assert_eq!(db.query_as(&rw(), &count, vec![]).await.unwrap().i64(0, "n"), Some(41));
    t.db.close().await;
}

#[tokio::test]
async fn component_statements_stop_at_the_budget_and_leave_the_host_connections() {
    let t = pg(&DatabaseConfig::default()).await;
    let db = t.db.clone();
    let sleep = Arc::new(sql("SELECT pg_sleep(30) AS s", true));

    let started = Instant::now();
    let result = db.query_as(&scope("sleeper", true, Duration::from_millis(700)), &sleep, vec![]).await;
    let took = started.elapsed();
    assert!(matches!(&result, Err(DbError::Unavailable(m)) if m.contains("budget")), "{result:?}");
    assert!(took >= Duration::from_millis(600) && took < Duration::from_secs(5), "stopped after {took:?}, budget 700 ms");
    // And the server stopped it too, not only the host's wait.
    let mut still_running = -1;
    for _ in 0..50 {
        let rows = db
            .query("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep(30)%'", vec![])
            .await
            .unwrap();
        still_running = rows.i64(0, "n").unwrap();
        if still_running == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(still_running, 0, "the abandoned statement still runs on the server");

    // A write stopped at its budget is cancelled by the server, not committed later.
    let late = sql("INSERT INTO accounts (id, username, created_at) SELECT 77, 'late', 0 FROM pg_sleep(3)", false);
    let result = db.execute_as(&scope("sleeper", false, Duration::from_millis(700)), &late, vec![]).await;
    assert!(matches!(&result, Err(DbError::Unavailable(_))), "{result:?}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rows = db.query("SELECT COUNT(*) AS n FROM accounts WHERE id = 77", vec![]).await.unwrap();
    assert_eq!(rows.i64(0, "n"), Some(0), "a write past its budget was committed after all");

    // Inside a transaction too.
    let tx = db.begin_as(&scope("sleeper", false, Duration::from_millis(700))).await.unwrap();
    let started = Instant::now();
    let result = tx.query("SELECT pg_sleep(30) AS s", vec![]).await;
    assert!(matches!(&result, Err(DbError::Unavailable(_))), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(5), "stopped after {:?}", started.elapsed());
    drop(tx);

    // Nothing runs once the budget is spent.
    let spent = scope("sleeper", true, Duration::ZERO);
    assert!(matches!(db.query_as(&spent, &sleep, vec![]).await, Err(DbError::Unavailable(_))));

    // Eight sleepers of one component past their budget: the host, and another
    // component, still get connections at once.
    let budget = Duration::from_secs(6);
    let sleepers: Vec<_> = (0..8)
        .map(|_| {
            let (db, sleep, scope) = (db.clone(), sleep.clone(), scope("sleeper", true, budget));
            tokio::spawn(async move { db.query_as(&scope, &sleep, vec![]).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    db.query("SELECT COUNT(*) AS n FROM accounts", vec![]).await.unwrap();
    db.execute("INSERT INTO accounts (id, username, created_at) VALUES (9, 'host', 0)", vec![]).await.unwrap();
    let host_took = started.elapsed();
    let started = Instant::now();
    db.query_as(&scope("neighbour", true, Duration::from_secs(5)), &sql("SELECT COUNT(*) AS n FROM accounts", true), vec![]).await.unwrap();
    let neighbour_took = started.elapsed();
    assert!(host_took < Duration::from_secs(2), "host statements waited {host_took:?} behind component sleepers");
    assert!(neighbour_took < Duration::from_secs(2), "another component waited {neighbour_took:?} behind the sleepers");
    for sleeper in sleepers {
        let result = sleeper.await.unwrap();
        assert!(matches!(&result, Err(DbError::Unavailable(_))), "{result:?}");
    }
    t.db.close().await;
}

#[tokio::test]
async fn slow_probe_sql_stops_at_its_budget_while_the_api_answers() {
    let dir = tempfile::tempdir().unwrap();
    let pg = crate::support::PgDatabase::create().await;
    let body = format!(
        r#"{db}
[[components]]
id = "probe-slow"
source = "{p}"
routes = ["/slow/*"]
grants = {{ db = "read-only", tables = ["statuses"], kv = true, queue = true, blobs = "read-only" }}
limits = {{ time_ms = 1000 }}
"#,
        db = crate::support::database_section(Some(&pg)),
        p = test_program("probe").display()
    );
    let config = write_config(dir.path(), &body);
    let server = Launch::with_config(dir.path(), &config).serve().unwrap_or_else(|(code, err)| panic!("exit {code:?}: {err}"));
    let server = Arc::new(server);

    // Slow without any function a policy could refuse: a recursive count to 10^9.
    let slow = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1000000000) SELECT COUNT(*) AS n FROM r";
    let slow_calls: Vec<_> = (0..8)
        .map(|_| {
            let server = server.clone();
            tokio::spawn(async move {
                let started = Instant::now();
                let response = client().post(server.url("/slow/probe/query")).body(slow).send().await.unwrap();
                let status = response.status().as_u16();
                (status, response.text().await.unwrap(), started.elapsed())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let (status, _) = server.get_json("/api/v1/instance").await;
    let instance_took = started.elapsed();
    assert_eq!(status, 200);
    for call in slow_calls {
        let (status, body, took) = call.await.unwrap();
        // Unavailable from the engine, or the runtime's own stop at the budget.
        assert!([500, 503, 504].contains(&status) && body.contains("budget"), "{status}: {body}");
        eprintln!("slow probe statement answered {status} after {took:?}");
        assert!(took < Duration::from_secs(5), "a slow statement ran {took:?} with a 1000 ms budget: {body}");
    }
    eprintln!("/api/v1/instance beside eight slow statements: {instance_took:?}");
    assert!(instance_took < Duration::from_secs(1), "/api/v1/instance took {instance_took:?} beside the slow statements");
}

/// The setup the README asks operators for: aerie's role owns the database and may
/// create roles, no superuser. Without CREATEROLE the start fails saying what to run;
/// with it, two nodes opening at once both come up and the component role holds.
#[tokio::test]
async fn a_non_superuser_owner_sets_up_the_component_role() {
    use sqlx::Connection;
    let pg = crate::support::PgDatabase::create().await;
    let database = pg.url.rsplit('/').next().unwrap().to_string();
    let owner = format!("{database}_owner");
    let mut admin = sqlx::PgConnection::connect(&crate::support::pg_admin_url()).await.unwrap();
    sqlx::raw_sql(&format!("CREATE ROLE {owner} LOGIN NOSUPERUSER NOCREATEROLE; ALTER DATABASE {database} OWNER TO {owner}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let url = pg.url.replacen("://postgres@", &format!("://{owner}@"), 1);
    assert_ne!(url, pg.url, "the test URL names its user");

    let refused = Database::open(&url, &DatabaseConfig::default(), true).await.err().expect("opened without CREATEROLE");
    let message = format!("{refused:#}");
    assert!(message.contains("CREATEROLE") && message.contains(&format!("{database}_components")), "{message}");

    sqlx::raw_sql(&format!("ALTER ROLE {owner} CREATEROLE")).execute(&mut admin).await.unwrap();
    let config = DatabaseConfig::default();
    let (a, b) = tokio::join!(Database::open(&url, &config, true), Database::open(&url, &config, true));
    let (a, b) = (a.unwrap(), b.unwrap());
    a.execute_as(&rw(), &sql("INSERT INTO accounts (id, username, created_at) VALUES (1, 'alice', 0)", false), vec![]).await.unwrap();
    denied(b.query_as(&rw(), &sql("SELECT token_hash FROM oauth_tokens", true), vec![]).await, "a host table");
    let escape = format!(
        "SELECT set_config('role', '{owner}', true) AS r, query_to_xml('select token_hash from oauth_tokens', true, false, '') AS x"
    );
    assert!(b.query_as(&rw(), &sql(&escape, true), vec![]).await.is_err(), "switched back to the owner");
    a.execute("DELETE FROM oauth_tokens", vec![]).await.unwrap();
    a.close().await;
    b.close().await;

    drop(pg);
    sqlx::raw_sql(&format!("DROP ROLE IF EXISTS {owner}")).execute(&mut admin).await.unwrap();
}
