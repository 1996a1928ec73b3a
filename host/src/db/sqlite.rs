//! SQLite: WAL with `synchronous=FULL`, reads on the calling thread
//! (`sqlite_reads.rs`), and one writer task that groups queued writes into one commit.
//!
//! Grouping keeps every acknowledged write durable (FULL fsyncs on commit) without
//! paying one fsync per statement: statements that queue while a commit is in flight
//! are run together, each inside its own SAVEPOINT so one failing statement does not
//! undo its neighbours, and committed once.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteRow, SqliteSynchronous};
use sqlx::{Column, ConnectOptions, Connection, Row, TypeInfo, ValueRef};
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::transaction::{self, Conn, Transaction};
use super::{DbError, Outcome, RowSet, Value, is_read_only, migrate, placeholders};
use crate::config::DatabaseConfig;

/// At most this many queued statements share one commit.
const MAX_BATCH: usize = 256;

enum WriteRequest {
    Run { sql: String, params: Vec<Value>, want_rows: bool, reply: oneshot::Sender<Result<Outcome, DbError>> },
    Begin { reply: oneshot::Sender<Result<Transaction, DbError>> },
}

pub(crate) struct SqliteBackend {
    /// Reads on the calling thread (see `sqlite_reads.rs`).
    reads: super::sqlite_reads::SqliteReads,
    writer: mpsc::Sender<WriteRequest>,
    writer_task: Mutex<Option<JoinHandle<()>>>,
}

/// The writer's connection options.
pub fn connect_options(url: &str, config: &DatabaseConfig) -> Result<SqliteConnectOptions, sqlx::Error> {
    Ok(SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_millis(config.busy_timeout_ms))
        .foreign_keys(true))
}

/// Turns off SQLite's memory statistics, once per process and before SQLite starts:
/// with them on, every allocation SQLite makes takes a process-wide mutex, which
/// showed as ~2.5 % of a timeline page in a profile. Nothing here reads the
/// statistics. Too late (SQLite already started) it is refused and changes nothing.
fn disable_memory_statistics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config is called with a documented option and an int
        // argument, before any connection in this process is opened by this backend;
        // when SQLite is already initialized it returns SQLITE_MISUSE and does nothing.
        let code = unsafe { rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int) };
        if code != rusqlite::ffi::SQLITE_OK {
            tracing::debug!(code, "SQLite was already started; its memory statistics stay on");
        }
    });
}

impl SqliteBackend {
    pub async fn open(url: &str, config: &DatabaseConfig, tx_timeout: Duration, run_migrations: bool) -> anyhow::Result<Self> {
        disable_memory_statistics();
        let options = connect_options(url, config)?;
        let mut writer_conn = options.connect().await?;
        if run_migrations {
            migrate::SQLITE.run(&mut writer_conn).await?;
        }
        let reads =
            super::sqlite_reads::SqliteReads::new(options.get_filename().to_path_buf(), Duration::from_millis(config.busy_timeout_ms));
        let (writer, requests) = mpsc::channel(1024);
        let task = tokio::spawn(writer_loop(writer_conn, requests, tx_timeout));
        Ok(SqliteBackend { reads, writer, writer_task: Mutex::new(Some(task)) })
    }

    pub async fn run(&self, sql: &str, params: Vec<Value>, want_rows: bool) -> Result<Outcome, DbError> {
        if is_read_only(sql) {
            return self.reads.run(sql, &params);
        }
        let (reply, answer) = oneshot::channel();
        let request = WriteRequest::Run { sql: sql.to_string(), params, want_rows, reply };
        self.writer.send(request).await.map_err(|_| writer_gone())?;
        answer.await.map_err(|_| writer_gone())?
    }

    /// A read-only statement's rows, packed (see `packed.rs`); `sqlite_sql` already has
    /// SQLite's placeholders (see [`super::Sql`]).
    pub fn read_packed(&self, sqlite_sql: &str, params: &[Value]) -> Result<Vec<u8>, DbError> {
        self.reads.run_packed(sqlite_sql, params)
    }

    pub async fn begin(&self) -> Result<Transaction, DbError> {
        let (reply, answer) = oneshot::channel();
        self.writer.send(WriteRequest::Begin { reply }).await.map_err(|_| writer_gone())?;
        answer.await.map_err(|_| writer_gone())?
    }

    // Component statements. Not yet enforced by the engine: the SQL policy's parse is
    // the only check until the authorizer lands.
    pub async fn run_as(&self, _scope: &super::ComponentScope, sql: &super::Sql, params: Vec<Value>, want_rows: bool) -> Result<Outcome, DbError> {
        self.run(&sql.text, params, want_rows).await
    }

    pub async fn run_packed_as(&self, _scope: &super::ComponentScope, sql: &super::Sql, params: Vec<Value>) -> Result<Vec<u8>, DbError> {
        if sql.read_only {
            return self.read_packed(&sql.sqlite, &params);
        }
        self.run(&sql.text, params, true).await.map(|o| super::packed::pack(&o.rows))
    }

    pub async fn begin_as(&self, _scope: &super::ComponentScope) -> Result<Transaction, DbError> {
        self.begin().await
    }

    pub async fn close(&self) {
        if let Some(task) = self.writer_task.lock().await.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

fn writer_gone() -> DbError {
    DbError::Unavailable("the database writer has stopped (the server is shutting down)".into())
}

async fn writer_loop(mut conn: SqliteConnection, mut requests: mpsc::Receiver<WriteRequest>, tx_timeout: Duration) {
    let mut pending: Option<WriteRequest> = None;
    loop {
        let request = match pending.take() {
            Some(request) => request,
            None => match requests.recv().await {
                Some(request) => request,
                None => break,
            },
        };
        match request {
            WriteRequest::Begin { reply } => match transaction::begin(&mut conn, tx_timeout).await {
                Ok((tx, commands)) => {
                    if reply.send(Ok(tx)).is_ok() {
                        transaction::drive(&mut conn, commands, tx_timeout).await;
                    } else {
                        let _ = conn.raw("ROLLBACK").await;
                    }
                }
                Err(e) => {
                    let _ = reply.send(Err(e));
                }
            },
            WriteRequest::Run { sql, params, want_rows, reply } => {
                let mut batch = vec![(sql, params, want_rows, reply)];
                while batch.len() < MAX_BATCH {
                    match requests.try_recv() {
                        Ok(WriteRequest::Run { sql, params, want_rows, reply }) => batch.push((sql, params, want_rows, reply)),
                        Ok(begin) => {
                            pending = Some(begin);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                commit_batch(&mut conn, batch).await;
            }
        }
    }
    let _ = conn.close().await;
}

type Queued = (String, Vec<Value>, bool, oneshot::Sender<Result<Outcome, DbError>>);

/// Runs `batch` in one transaction (one fsync), each statement in its own savepoint.
async fn commit_batch(conn: &mut SqliteConnection, batch: Vec<Queued>) {
    if batch.len() == 1 {
        let (sql, params, want_rows, reply) = batch.into_iter().next().unwrap();
        let _ = reply.send(conn.run(&sql, params, want_rows).await);
        return;
    }
    if let Err(e) = conn.raw("BEGIN IMMEDIATE").await {
        for (_, _, _, reply) in batch {
            let _ = reply.send(Err(e.clone()));
        }
        return;
    }
    let mut results = Vec::with_capacity(batch.len());
    for (sql, params, want_rows, reply) in batch {
        let _ = conn.raw("SAVEPOINT grouped").await;
        let result = conn.run(&sql, params, want_rows).await;
        if result.is_err() {
            let _ = conn.raw("ROLLBACK TO grouped").await;
        }
        let _ = conn.raw("RELEASE grouped").await;
        results.push((result, reply));
    }
    match conn.raw("COMMIT").await {
        Ok(()) => {
            for (result, reply) in results {
                let _ = reply.send(result);
            }
        }
        Err(e) => {
            let _ = conn.raw("ROLLBACK").await;
            for (_, reply) in results {
                let _ = reply.send(Err(e.clone()));
            }
        }
    }
}

impl Conn for SqliteConnection {
    const BEGIN: &'static str = "BEGIN IMMEDIATE";

    async fn run(&mut self, sql: &str, params: Vec<Value>, want_rows: bool) -> Result<Outcome, DbError> {
        let sql = placeholders::to_sqlite(sql);
        let mut query = sqlx::query(&sql);
        for param in params {
            query = match param {
                Value::Null => query.bind(None::<i64>),
                Value::Bool(b) => query.bind(b),
                Value::Int(v) => query.bind(v),
                Value::Float(v) => query.bind(v),
                Value::Text(s) => query.bind(s),
                Value::Bytes(b) => query.bind(b),
            };
        }
        if want_rows {
            let rows = query.fetch_all(&mut *self).await?;
            let rows_affected = rows.len() as u64;
            Ok(Outcome { rows: to_row_set(&rows)?, rows_affected })
        } else {
            let done = query.execute(&mut *self).await?;
            Ok(Outcome { rows: RowSet::default(), rows_affected: done.rows_affected() })
        }
    }

    async fn raw(&mut self, sql: &'static str) -> Result<(), DbError> {
        // `execute` on the connection itself keeps the future's lifetimes concrete.
        sqlx::Executor::execute(&mut *self, sqlx::raw_sql(sql)).await?;
        Ok(())
    }
}

fn to_row_set(rows: &[SqliteRow]) -> Result<RowSet, DbError> {
    let columns = rows.first().map(|row| row.columns().iter().map(|c| c.name().to_string()).collect()).unwrap_or_default();
    let rows = rows.iter().map(decode_row).collect::<Result<_, _>>()?;
    Ok(RowSet { columns, rows })
}

/// SQLite values carry their own type; decode by what is stored, not by the column.
fn decode_row(row: &SqliteRow) -> Result<Vec<Value>, DbError> {
    (0..row.len())
        .map(|i| {
            let raw = row.try_get_raw(i)?;
            if raw.is_null() {
                return Ok(Value::Null);
            }
            let kind = raw.type_info().name().to_string();
            Ok(match kind.as_str() {
                "INTEGER" | "BOOLEAN" => Value::Int(row.try_get_unchecked::<i64, _>(i)?),
                "REAL" | "NUMERIC" => Value::Float(row.try_get_unchecked::<f64, _>(i)?),
                "BLOB" => Value::Bytes(row.try_get_unchecked::<Vec<u8>, _>(i)?),
                _ => Value::Text(row.try_get_unchecked::<String, _>(i)?),
            })
        })
        .collect()
}
