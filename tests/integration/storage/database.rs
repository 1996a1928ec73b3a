//! The database layer on both engines: placeholder order, typed values, transaction
//! cap and rollback, grouped commits, schema parity.

use std::time::Duration;

use aerie::config::DatabaseConfig;
use aerie::db::{DbError, Value};

use crate::support::{ENGINES, Engine, test_db};

const TABLE: &str = "CREATE TABLE pairs (a BIGINT NOT NULL, b TEXT NOT NULL, note TEXT, PRIMARY KEY (a))";

#[tokio::test]
async fn placeholders_bind_by_number_not_by_order_of_appearance() {
    for engine in ENGINES {
        let t = test_db(engine, &DatabaseConfig::default()).await;
        t.db.execute(TABLE, vec![]).await.unwrap();
        // $2 comes first in the text; it must still bind the second parameter.
        t.db.execute("INSERT INTO pairs (b, a) VALUES ($2, $1)", vec![7.into(), "seven".into()]).await.unwrap();
        t.db.execute("INSERT INTO pairs (a, b) VALUES ($1, $2)", vec![8.into(), "eight".into()]).await.unwrap();
        let rows = t.db.query("SELECT a, b FROM pairs WHERE b = $2 AND a = $1", vec![7.into(), "seven".into()]).await.unwrap();
        assert_eq!(rows.rows.len(), 1, "{engine:?}");
        assert_eq!(rows.get(0, "a"), Some(&Value::Int(7)), "{engine:?}");
        assert_eq!(rows.get(0, "b"), Some(&Value::Text("seven".into())), "{engine:?}");
        let none = t.db.query("SELECT a FROM pairs WHERE b = $2 AND a = $1", vec!["seven".into(), 7.into()]).await;
        assert!(matches!(&none, Ok(r) if r.rows.is_empty()) || none.is_err(), "{engine:?}: swapped values never match");
        t.db.close().await;
    }
}

#[tokio::test]
async fn typed_values_round_trip_and_nulls_fit_any_column() {
    for engine in ENGINES {
        let t = test_db(engine, &DatabaseConfig::default()).await;
        t.db.execute(
            "CREATE TABLE typed (id BIGINT PRIMARY KEY, i BIGINT, f DOUBLE PRECISION, s TEXT, raw BYTEA, flag BOOLEAN)"
                .replace("BYTEA", if engine == Engine::Sqlite { "BLOB" } else { "BYTEA" })
                .as_str(),
            vec![],
        )
        .await
        .unwrap();
        let values = vec![
            Value::Int(1),
            Value::Int(-42),
            Value::Float(2.5),
            Value::Text("héllo".into()),
            Value::Bytes(vec![0, 255, 7]),
            Value::Bool(true),
        ];
        t.db.execute("INSERT INTO typed (id, i, f, s, raw, flag) VALUES ($1, $2, $3, $4, $5, $6)", values).await.unwrap();
        let nulls = vec![Value::Int(2), Value::Null, Value::Null, Value::Null, Value::Null, Value::Null];
        t.db.execute("INSERT INTO typed (id, i, f, s, raw, flag) VALUES ($1, $2, $3, $4, $5, $6)", nulls).await.unwrap();
        let rows = t.db.query("SELECT id, i, f, s, raw, flag FROM typed ORDER BY id", vec![]).await.unwrap();
        assert_eq!(rows.columns, vec!["id", "i", "f", "s", "raw", "flag"]);
        assert_eq!(rows.rows[0][1], Value::Int(-42));
        assert_eq!(rows.rows[0][2], Value::Float(2.5));
        assert_eq!(rows.rows[0][3], Value::Text("héllo".into()));
        assert_eq!(rows.rows[0][4], Value::Bytes(vec![0, 255, 7]));
        // SQLite has no boolean type: a boolean comes back as 1.
        assert_eq!(rows.rows[0][5].as_i64(), Some(1), "{engine:?}");
        assert!(rows.rows[1][1..].iter().all(|v| *v == Value::Null), "{engine:?}: {:?}", rows.rows[1]);
        t.db.close().await;
    }
}

#[tokio::test]
async fn a_transaction_left_open_is_rolled_back_at_the_cap() {
    for engine in ENGINES {
        let config = DatabaseConfig { transaction_timeout_ms: 300, ..Default::default() };
        let t = test_db(engine, &config).await;
        t.db.execute(TABLE, vec![]).await.unwrap();

        let tx = t.db.begin().await.unwrap();
        tx.execute("INSERT INTO pairs (a, b) VALUES ($1, $2)", vec![1.into(), "one".into()]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(700)).await;
        let late = tx.execute("INSERT INTO pairs (a, b) VALUES ($1, $2)", vec![2.into(), "two".into()]).await;
        assert!(matches!(late, Err(DbError::TransactionExpired(_))), "{engine:?}: {late:?}");
        assert!(matches!(tx.commit().await, Err(DbError::TransactionExpired(_))), "{engine:?}");

        let rows = t.db.query("SELECT a FROM pairs", vec![]).await.unwrap();
        assert!(rows.rows.is_empty(), "{engine:?}: the expired transaction's write was rolled back");
        // The writer is free again: a plain write goes through at once.
        t.db.execute("INSERT INTO pairs (a, b) VALUES ($1, $2)", vec![3.into(), "three".into()]).await.unwrap();
        t.db.close().await;
    }
}

#[tokio::test]
async fn commit_keeps_drop_discards_and_a_failed_statement_poisons() {
    for engine in ENGINES {
        let t = test_db(engine, &DatabaseConfig::default()).await;
        t.db.execute(TABLE, vec![]).await.unwrap();

        let tx = t.db.begin().await.unwrap();
        tx.execute("INSERT INTO pairs (a, b) VALUES ($1, $2)", vec![1.into(), "kept".into()]).await.unwrap();
        let inside = tx.query("SELECT b FROM pairs WHERE a = $1", vec![1.into()]).await.unwrap();
        assert_eq!(inside.get(0, "b"), Some(&Value::Text("kept".into())), "{engine:?}: a transaction reads its own writes");
        tx.commit().await.unwrap();

        let tx = t.db.begin().await.unwrap();
        tx.execute("INSERT INTO pairs (a, b) VALUES ($1, $2)", vec![2.into(), "dropped".into()]).await.unwrap();
        drop(tx);

        let tx = t.db.begin().await.unwrap();
        tx.execute("INSERT INTO pairs (a, b) VALUES ($1, $2)", vec![3.into(), "poisoned".into()]).await.unwrap();
        let duplicate = tx.execute("INSERT INTO pairs (a, b) VALUES ($1, $2)", vec![1.into(), "dup".into()]).await;
        assert!(matches!(duplicate, Err(DbError::ConstraintViolation(_))), "{engine:?}: {duplicate:?}");
        assert!(tx.execute("UPDATE pairs SET note = $1", vec!["x".into()]).await.is_err(), "{engine:?}");
        assert!(tx.commit().await.is_err(), "{engine:?}: a poisoned transaction does not commit");

        // Give the dropped transaction's actor a moment to roll back.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let rows = t.db.query("SELECT a FROM pairs ORDER BY a", vec![]).await.unwrap();
        assert_eq!(rows.rows, vec![vec![Value::Int(1)]], "{engine:?}");
        t.db.close().await;
    }
}

#[tokio::test]
async fn concurrent_writes_are_grouped_and_each_answered_on_its_own() {
    for engine in ENGINES {
        let t = test_db(engine, &DatabaseConfig::default()).await;
        t.db.execute(TABLE, vec![]).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..200i64 {
            let db = t.db.clone();
            // Every 50th write collides with an earlier key and must fail alone.
            let key = if i > 0 && i % 50 == 0 { i - 1 } else { i };
            tasks.push(tokio::spawn(async move {
                db.execute("INSERT INTO pairs (a, b) VALUES ($1, $2)", vec![key.into(), format!("v{i}").into()]).await
            }));
        }
        let mut failed = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(1) => {}
                Err(DbError::ConstraintViolation(_)) => failed += 1,
                other => panic!("{engine:?}: unexpected {other:?}"),
            }
        }
        assert_eq!(failed, 3, "{engine:?}");
        let rows = t.db.query("SELECT COUNT(*) AS n FROM pairs", vec![]).await.unwrap();
        assert_eq!(rows.get(0, "n"), Some(&Value::Int(197)), "{engine:?}");
        t.db.close().await;
    }
}

#[tokio::test]
async fn bad_sql_is_an_invalid_query_not_a_crash() {
    for engine in ENGINES {
        let t = test_db(engine, &DatabaseConfig::default()).await;
        let error = t.db.query("SELECT nope FROM missing_table", vec![]).await.unwrap_err();
        assert!(matches!(error, DbError::InvalidQuery(_)), "{engine:?}: {error:?}");
        let error = t.db.execute("INSERT INTO nowhere VALUES ($1)", vec![1.into()]).await.unwrap_err();
        assert!(matches!(error, DbError::InvalidQuery(_)), "{engine:?}: {error:?}");
        t.db.close().await;
    }
}

/// Table → sorted column names, read from each engine's catalogue.
async fn schema_of(engine: Engine, db: &aerie::db::Database) -> std::collections::BTreeMap<String, Vec<String>> {
    let sql = match engine {
        Engine::Sqlite => {
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx_%'"
        }
        Engine::Postgres => {
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx_%'"
        }
    };
    let rows = db.query(sql, vec![]).await.unwrap();
    let mut schema = std::collections::BTreeMap::<String, Vec<String>>::new();
    for i in 0..rows.rows.len() {
        let table = rows.get(i, "t").unwrap().as_str().unwrap().to_string();
        let column = rows.get(i, "c").unwrap().as_str().unwrap().to_string();
        schema.entry(table).or_default().push(column);
    }
    schema.values_mut().for_each(|columns| columns.sort());
    schema
}

#[tokio::test]
async fn the_two_engines_schemas_stay_in_step() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let versions = |engine: &str| -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(root.join(engine)).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    };
    assert_eq!(versions("sqlite"), versions("postgres"), "same migration files, same names, on both engines");

    let sqlite = test_db(Engine::Sqlite, &DatabaseConfig::default()).await;
    let postgres = test_db(Engine::Postgres, &DatabaseConfig::default()).await;
    let (a, b) = (schema_of(Engine::Sqlite, &sqlite.db).await, schema_of(Engine::Postgres, &postgres.db).await);
    assert!(a.contains_key("instance_settings"), "{a:?}");
    assert_eq!(a, b, "tables and columns match across engines");
    sqlite.db.close().await;
    postgres.db.close().await;
}
