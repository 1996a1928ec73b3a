//! SQLite: WAL with `synchronous=FULL`, reads on the calling thread
//! (`sqlite_reads.rs`), and one writer task that groups queued writes into one commit.
//!
//! Grouping keeps every acknowledged write durable (FULL fsyncs on commit) without
//! paying one fsync per statement: statements that queue while a commit is in flight
//! are run together, each inside its own SAVEPOINT so one failing statement does not
//! undo its neighbours, and committed once.
//!
//! A component's statement carries its [`ComponentScope`] to whichever connection runs
//! it, and runs there under the connection's guard (`sqlite_guard.rs`): the writer
//! enters the scope for that one statement only (the host's SAVEPOINTs, BEGIN and
//! COMMIT around it run unscoped), checks with SQLite that the text is one statement,
//! and runs it cached under a key naming its scope, so it is compiled, and authorized,
//! under its own scope and reused only under that scope.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteRow, SqliteSynchronous};
use sqlx::{Column, ConnectOptions, Connection, Row, TypeInfo, ValueRef};
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::sqlite_guard::{Guard, PROGRESS_OPS, Schema, cache_key, one_statement};
use super::transaction::{self, Conn, Transaction};
use super::{ComponentScope, DbError, Outcome, RowSet, Sql, Value, is_read_only, migrate, placeholders};
use crate::config::DatabaseConfig;

/// At most this many queued statements share one commit.
const MAX_BATCH: usize = 256;

/// Work for the writer; `scope` is `Some` for a component's statement or transaction.
enum WriteRequest {
    Run(Queued),
    Begin { scope: Option<ComponentScope>, reply: oneshot::Sender<Result<Transaction, DbError>> },
}

/// One statement waiting for the writer: the host's with `$n` placeholders, a
/// component's already as its scope's cache key ([`cache_key`], SQLite's placeholders).
struct Queued {
    sql: String,
    params: Vec<Value>,
    want_rows: bool,
    scope: Option<ComponentScope>,
    reply: oneshot::Sender<Result<Outcome, DbError>>,
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
        let schema = Arc::new(Schema::load(&mut writer_conn).await?);
        let guard = Guard::new(schema.clone());
        {
            let mut handle = writer_conn.lock_handle().await?;
            // SAFETY: the handle is open and locked; the guard outlives every statement
            // on it: the progress handler below owns a reference, which sqlx drops only
            // as it closes the connection.
            unsafe { guard.install_authorizer(handle.as_raw_handle().as_ptr()) };
            let progress = guard.clone();
            handle.set_progress_handler(PROGRESS_OPS, move || progress.keep_going());
        }
        let busy_timeout = Duration::from_millis(config.busy_timeout_ms);
        let reads = super::sqlite_reads::SqliteReads::new(options.get_filename().to_path_buf(), busy_timeout, schema);
        let (writer, requests) = mpsc::channel(1024);
        let task = tokio::spawn(writer_loop(writer_conn, guard, requests, tx_timeout));
        Ok(SqliteBackend { reads, writer, writer_task: Mutex::new(Some(task)) })
    }

    pub async fn run(&self, sql: &str, params: Vec<Value>, want_rows: bool) -> Result<Outcome, DbError> {
        if is_read_only(sql) {
            return self.reads.run(sql, &params);
        }
        self.write(sql.to_string(), params, want_rows, None).await
    }

    async fn write(&self, sql: String, params: Vec<Value>, want_rows: bool, scope: Option<ComponentScope>) -> Result<Outcome, DbError> {
        let (reply, answer) = oneshot::channel();
        let request = WriteRequest::Run(Queued { sql, params, want_rows, scope, reply });
        self.writer.send(request).await.map_err(|_| writer_gone())?;
        answer.await.map_err(|_| writer_gone())?
    }

    /// A read-only statement's rows, packed (see `packed.rs`); `sqlite_sql` already has
    /// SQLite's placeholders (see [`super::Sql`]).
    pub fn read_packed(&self, sqlite_sql: &str, params: &[Value]) -> Result<Vec<u8>, DbError> {
        self.reads.run_packed(sqlite_sql, params)
    }

    pub async fn begin(&self) -> Result<Transaction, DbError> {
        self.begin_scoped(None).await
    }

    async fn begin_scoped(&self, scope: Option<ComponentScope>) -> Result<Transaction, DbError> {
        let (reply, answer) = oneshot::channel();
        self.writer.send(WriteRequest::Begin { scope, reply }).await.map_err(|_| writer_gone())?;
        answer.await.map_err(|_| writer_gone())?
    }

    /// A component's statement: to the readers or the writer by the policy's parsed
    /// kind, run under `scope` either way.
    pub async fn run_as(&self, scope: &ComponentScope, sql: &Sql, params: Vec<Value>, want_rows: bool) -> Result<Outcome, DbError> {
        if sql.read_only {
            return self.reads.run_as(scope, sql, params).await;
        }
        self.write(cache_key(scope, &sql.sqlite), params, want_rows, Some(scope.clone())).await
    }

    pub async fn run_packed_as(&self, scope: &ComponentScope, sql: &Sql, params: Vec<Value>) -> Result<Vec<u8>, DbError> {
        if sql.read_only {
            return self.reads.run_packed_as(scope, sql, params).await;
        }
        self.write(cache_key(scope, &sql.sqlite), params, true, Some(scope.clone())).await.map(|o| super::packed::pack(&o.rows))
    }

    /// A component's transaction: every statement in it runs under `scope`.
    pub async fn begin_as(&self, scope: &ComponentScope) -> Result<Transaction, DbError> {
        self.begin_scoped(Some(scope.clone())).await
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

async fn writer_loop(mut conn: SqliteConnection, guard: Arc<Guard>, mut requests: mpsc::Receiver<WriteRequest>, tx_timeout: Duration) {
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
            WriteRequest::Begin { scope, reply } => match transaction::begin(&mut conn, tx_timeout).await {
                Ok((tx, commands)) => {
                    if reply.send(Ok(tx)).is_ok() {
                        match scope {
                            Some(scope) => {
                                let mut scoped = Scoped { conn: &mut conn, guard: &guard, scope };
                                transaction::drive(&mut scoped, commands, tx_timeout).await;
                            }
                            None => {
                                transaction::drive(&mut conn, commands, tx_timeout).await;
                            }
                        }
                    } else {
                        let _ = conn.raw("ROLLBACK").await;
                    }
                }
                Err(e) => {
                    let _ = reply.send(Err(e));
                }
            },
            WriteRequest::Run(queued) => {
                let mut batch = vec![queued];
                while batch.len() < MAX_BATCH {
                    match requests.try_recv() {
                        Ok(WriteRequest::Run(queued)) => batch.push(queued),
                        Ok(begin) => {
                            pending = Some(begin);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                commit_batch(&mut conn, &guard, batch).await;
            }
        }
    }
    let _ = conn.close().await;
}

/// Runs one queued statement: the host's as it is, a component's (`sql` is then its
/// cache key) under its scope.
async fn run_queued(
    conn: &mut SqliteConnection,
    guard: &Guard,
    sql: &str,
    params: Vec<Value>,
    want_rows: bool,
    scope: Option<&ComponentScope>,
) -> Result<Outcome, DbError> {
    match scope {
        Some(scope) => run_component(conn, guard, scope, sql, params, want_rows).await,
        None => conn.run(sql, params, want_rows).await,
    }
}

/// A component's statement on the writer, under `scope`; `key` is the statement as its
/// scope's cache key ([`cache_key`]), made by the caller, off the single writer. SQLite
/// checks it is one statement (once per key), then it runs compiled under the scope and
/// cached under that key, so a statement authorized for one grant is never reused for
/// another, and a component's repeated writes are not compiled again each time.
async fn run_component(
    conn: &mut SqliteConnection,
    guard: &Guard,
    scope: &ComponentScope,
    key: &str,
    params: Vec<Value>,
    want_rows: bool,
) -> Result<Outcome, DbError> {
    let entered = guard.enter(scope, None)?;
    if !guard.known_single(key) {
        let checked = match conn.lock_handle().await {
            // SAFETY: the handle is locked, so sqlx runs nothing on it meanwhile.
            Ok(mut handle) => unsafe { one_statement(handle.as_raw_handle().as_ptr(), key) },
            Err(e) => Err(e.into()),
        };
        entered.finish(checked)?;
        guard.remember_single(key.to_string());
    }
    let result = bind_and_run(conn, key, params, want_rows).await;
    entered.finish(result)
}

/// Runs `batch` in one transaction (one fsync), each statement in its own savepoint.
async fn commit_batch(conn: &mut SqliteConnection, guard: &Guard, batch: Vec<Queued>) {
    if batch.len() == 1 {
        let Queued { sql, params, want_rows, scope, reply } = batch.into_iter().next().unwrap();
        let _ = reply.send(run_queued(conn, guard, &sql, params, want_rows, scope.as_ref()).await);
        return;
    }
    if let Err(e) = conn.raw("BEGIN IMMEDIATE").await {
        for queued in batch {
            let _ = queued.reply.send(Err(e.clone()));
        }
        return;
    }
    let mut results = Vec::with_capacity(batch.len());
    for Queued { sql, params, want_rows, scope, reply } in batch {
        let _ = conn.raw("SAVEPOINT grouped").await;
        let result = run_queued(conn, guard, &sql, params, want_rows, scope.as_ref()).await;
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

/// The writer's connection inside a component's transaction: its statements run
/// under the component's scope, the transaction's own BEGIN, COMMIT and ROLLBACK not.
struct Scoped<'a> {
    conn: &'a mut SqliteConnection,
    guard: &'a Guard,
    scope: ComponentScope,
}

impl Conn for Scoped<'_> {
    const BEGIN: &'static str = "BEGIN IMMEDIATE";

    /// `sql` comes from the component as written (`$n` placeholders).
    async fn run(&mut self, sql: &str, params: Vec<Value>, want_rows: bool) -> Result<Outcome, DbError> {
        let key = cache_key(&self.scope, &placeholders::to_sqlite(sql));
        run_component(self.conn, self.guard, &self.scope, &key, params, want_rows).await
    }

    async fn raw(&mut self, sql: &'static str) -> Result<(), DbError> {
        self.conn.raw(sql).await
    }
}

/// Binds `params` to `sql` (SQLite's placeholders) and runs it, keeping the compiled
/// statement in sqlx's cache (a component's under its scope's key, see [`cache_key`]).
async fn bind_and_run(conn: &mut SqliteConnection, sql: &str, params: Vec<Value>, want_rows: bool) -> Result<Outcome, DbError> {
    let mut query = sqlx::query(sql);
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
        let rows = query.fetch_all(&mut *conn).await?;
        let rows_affected = rows.len() as u64;
        Ok(Outcome { rows: to_row_set(&rows)?, rows_affected })
    } else {
        let done = query.execute(&mut *conn).await?;
        Ok(Outcome { rows: RowSet::default(), rows_affected: done.rows_affected() })
    }
}

impl Conn for SqliteConnection {
    const BEGIN: &'static str = "BEGIN IMMEDIATE";

    async fn run(&mut self, sql: &str, params: Vec<Value>, want_rows: bool) -> Result<Outcome, DbError> {
        bind_and_run(self, &placeholders::to_sqlite(sql), params, want_rows).await
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
