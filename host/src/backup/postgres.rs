//! The PostgreSQL side: a consistent export of every table as JSON lines (one row a
//! line, `row_to_json`) inside one REPEATABLE READ transaction, and importing such
//! lines into a freshly migrated database of either engine. The schema is the same on
//! both engines (`migrations/`), so rows move by column name.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use futures::TryStreamExt;
use rusqlite::types::Value as SqlValue;
use sqlx::{Connection, Executor, PgConnection, Row};

/// The bookkeeping table of the migrations: the target gets its own when migrated.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Writes `<dir>/<table>.jsonl` for every table of the database at `url`, all read in
/// one REPEATABLE READ transaction (one moment, while the server keeps writing).
/// Returns each table's file and row count.
pub async fn export(url: &str, dir: &Path) -> anyhow::Result<Vec<(String, PathBuf, i64)>> {
    let mut conn = PgConnection::connect(url).await.context("cannot connect to PostgreSQL")?;
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
    let tables: Vec<String> = sqlx::query(
        "SELECT table_name::text AS name FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
    )
    .fetch_all(&mut conn)
    .await?
    .iter()
    .map(|row| row.get::<String, _>("name"))
    .filter(|name| name != MIGRATIONS_TABLE)
    .collect();
    let mut exported = Vec::new();
    for table in tables {
        let path = dir.join(format!("{table}.jsonl"));
        let mut out = BufWriter::new(File::create(&path)?);
        let sql = format!("SELECT row_to_json(t)::text AS line FROM {} t", quoted(&table));
        let mut rows = sqlx::query(&sql).fetch(&mut conn);
        let mut count = 0i64;
        while let Some(row) = rows.try_next().await? {
            out.write_all(row.get::<String, _>("line").as_bytes())?;
            out.write_all(b"\n")?;
            count += 1;
        }
        drop(rows);
        out.flush()?;
        exported.push((table, path, count));
    }
    conn.execute("COMMIT").await?;
    Ok(exported)
}

/// Lines of one table's file.
fn lines(path: &Path) -> anyhow::Result<impl Iterator<Item = std::io::Result<String>>> {
    Ok(BufReader::new(File::open(path).with_context(|| format!("cannot read {}", path.display()))?).lines())
}

/// Imports each `(table, file)` into the migrated SQLite database at `db`, replacing
/// whatever rows the migrations seeded. Returns rows per table.
pub fn import_into_sqlite(db: &Path, tables: &[(String, PathBuf)]) -> anyhow::Result<BTreeMap<String, i64>> {
    let mut conn = rusqlite::Connection::open(db)?;
    conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    let tx = conn.transaction()?;
    let mut counts = BTreeMap::new();
    for (table, path) in tables {
        // Declared types tell a BYTEA's "\x..." text apart from a string.
        let blob_columns: Vec<String> = {
            let mut statement = tx.prepare(&format!("PRAGMA table_info({})", quoted(table)))?;
            let columns = statement.query_map([], |row| Ok((row.get::<_, String>(1)?, row.get::<_, String>(2)?)))?;
            let columns = columns.collect::<Result<Vec<_>, _>>()?;
            if columns.is_empty() {
                bail!("the table {table} of the archive does not exist in this aerie's schema");
            }
            columns.into_iter().filter(|(_, kind)| kind.to_uppercase().contains("BLOB")).map(|(name, _)| name).collect()
        };
        tx.execute(&format!("DELETE FROM {}", quoted(table)), [])?;
        let mut count = 0i64;
        for line in lines(path)? {
            let row: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&line?)?;
            let names: Vec<String> = row.keys().map(|k| quoted(k)).collect();
            let marks: Vec<String> = (1..=row.len()).map(|i| format!("?{i}")).collect();
            let values = row
                .iter()
                .map(|(column, value)| sqlite_value(value, blob_columns.contains(column)))
                .collect::<anyhow::Result<Vec<_>>>()
                .with_context(|| format!("a row of {table}"))?;
            let sql = format!("INSERT INTO {} ({}) VALUES ({})", quoted(table), names.join(", "), marks.join(", "));
            tx.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(values))?;
            count += 1;
        }
        counts.insert(table.clone(), count);
    }
    tx.commit()?;
    Ok(counts)
}

/// A JSON value as PostgreSQL's `row_to_json` wrote it, as SQLite stores that column.
fn sqlite_value(value: &serde_json::Value, blob: bool) -> anyhow::Result<SqlValue> {
    use serde_json::Value as J;
    Ok(match value {
        J::Null => SqlValue::Null,
        J::Bool(b) => SqlValue::Integer(i64::from(*b)),
        J::Number(n) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => SqlValue::Real(n.as_f64().unwrap_or_default()),
        },
        J::String(s) if blob => match s.strip_prefix("\\x") {
            Some(hex_text) => SqlValue::Blob(hex::decode(hex_text).context("a bytea value is not hex")?),
            None => SqlValue::Blob(s.as_bytes().to_vec()),
        },
        J::String(s) => SqlValue::Text(s.clone()),
        // JSON columns: kept as their text on SQLite.
        other => SqlValue::Text(other.to_string()),
    })
}

/// Imports each `(table, file)` into the migrated PostgreSQL database at `url` in one
/// transaction, PostgreSQL converting each column from its JSON (json_populate_record);
/// foreign keys are not checked while rows arrive in table order (session_replication_role,
/// which needs a superuser or the table owner with that right).
pub async fn import_into_postgres(url: &str, tables: &[(String, PathBuf)]) -> anyhow::Result<BTreeMap<String, i64>> {
    let mut conn = PgConnection::connect(url).await.context("cannot connect to PostgreSQL")?;
    let mut tx = conn.begin().await?;
    tx.execute("SET LOCAL session_replication_role = replica")
        .await
        .context("cannot turn foreign key checks off for the import (the role needs to be a superuser)")?;
    let mut counts = BTreeMap::new();
    for (table, path) in tables {
        sqlx::query(&format!("DELETE FROM {}", quoted(table))).execute(&mut *tx).await?;
        let sql = format!("INSERT INTO {0} SELECT * FROM json_populate_record(NULL::{0}, $1::json)", quoted(table));
        let mut count = 0i64;
        for line in lines(path)? {
            sqlx::query(&sql).bind(line?).execute(&mut *tx).await.with_context(|| format!("a row of {table}"))?;
            count += 1;
        }
        counts.insert(table.clone(), count);
    }
    tx.commit().await?;
    Ok(counts)
}

/// Removes the exported files once archived.
pub fn remove_exports(files: &[(String, PathBuf, i64)]) {
    for (_, path, _) in files {
        let _ = fs::remove_file(path);
    }
}

/// Whether the database at `url` has no tables yet (a restore never mixes instances).
pub async fn is_empty(url: &str) -> anyhow::Result<bool> {
    let mut conn = PgConnection::connect(url).await.context("cannot connect to PostgreSQL")?;
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    )
    .fetch_one(&mut conn)
    .await?;
    Ok(n == 0)
}
