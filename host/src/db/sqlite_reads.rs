//! Reads on SQLite: run right on the calling thread, and a component's read that
//! takes longer than a short slice moves to a small pool of reader threads.
//!
//! An indexed read from SQLite's page cache takes microseconds; handing it to a
//! connection's worker thread and back (what sqlx does) costs more than the read, and
//! a timeline page makes several. So read-only statements run synchronously on a
//! read-only connection kept per thread, with prepared statements cached. Writes still
//! go through the single writer task (`sqlite.rs`). In WAL mode readers never wait for
//! the writer, and a statement's read transaction ends when its rows are read.
//!
//! A component's read runs under its grant (`sqlite_guard.rs`) and may be anything up
//! to its time budget, which must not hold an async worker: it gets [`INLINE_SLICE`]
//! on the calling thread (the common read finishes well within it), and when the
//! progress handler stops it there it is run again from the start on the pool
//! ([`POOL_THREADS`] threads, each with its own connection), where only the budget
//! stops it. Reads have no side effects, so running one again is safe; the pool's
//! queue is the bound on how many long reads run at once, and time spent queued
//! counts against the budget.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::packed::Packer;
use super::sqlite_guard::{Guard, Schema, cache_key, one_statement};
use super::{ComponentScope, DbError, Outcome, RowSet, Sql, Value, ValueRef as Portable, placeholders};

/// How long a component's read may run on the calling (async) thread before it moves
/// to the pool. A timeline page's reads take tens to hundreds of microseconds each.
pub(crate) const INLINE_SLICE: Duration = Duration::from_millis(2);

/// Reader threads for component reads that outgrow [`INLINE_SLICE`]: enough that one
/// slow component does not queue another's, few enough that on a small machine they
/// leave the async workers (which serve everything else) their share of the CPU.
pub(crate) const POOL_THREADS: usize = 2;

/// Statements kept prepared per connection.
const STATEMENT_CACHE: usize = 256;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// This thread's read connection to each open database, by reader id.
    static CONNECTIONS: RefCell<HashMap<u64, Reader>> = RefCell::new(HashMap::new());
}

/// A read connection and the guard installed on it. The connection is declared first
/// so it closes before the guard its callbacks point to is dropped.
struct Reader {
    connection: Connection,
    guard: Arc<Guard>,
}

/// Runs read-only statements against one database file.
pub struct SqliteReads {
    target: Arc<Target>,
    /// Started on the first read that needs it.
    pool: OnceLock<Mutex<mpsc::Sender<Job>>>,
}

/// Which database the readers open.
struct Target {
    id: u64,
    path: PathBuf,
    busy_timeout: Duration,
    /// What each reader's guard knows of the schema.
    schema: Arc<Schema>,
}

type Job = Box<dyn FnOnce() + Send>;

/// Where a component's read puts its rows: a fresh one for each attempt.
trait Fresh: Sink + Default + Send + 'static {}
impl<T: Sink + Default + Send + 'static> Fresh for T {}

impl SqliteReads {
    pub fn new(path: PathBuf, busy_timeout: Duration, schema: Arc<Schema>) -> SqliteReads {
        let target = Target { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), path, busy_timeout, schema };
        SqliteReads { target: Arc::new(target), pool: OnceLock::new() }
    }

    /// A component's read-only statement under `scope`, answered as rows.
    pub async fn run_as(&self, scope: &ComponentScope, sql: &Sql, params: Vec<Value>) -> Result<Outcome, DbError> {
        let rows: RowSet = self.component_read(scope, sql, params).await?;
        let rows_affected = rows.rows.len() as u64;
        Ok(Outcome { rows, rows_affected })
    }

    /// A component's read-only statement under `scope`, answered packed.
    pub async fn run_packed_as(&self, scope: &ComponentScope, sql: &Sql, params: Vec<Value>) -> Result<Vec<u8>, DbError> {
        let packer: Option<Packer> = self.component_read(scope, sql, params).await?;
        Ok(packer.expect("the column names come first").finish())
    }

    /// Tries the read on this thread for [`INLINE_SLICE`], then on the pool.
    async fn component_read<S: Fresh>(&self, scope: &ComponentScope, sql: &Sql, params: Vec<Value>) -> Result<S, DbError> {
        let key = cache_key(scope, &sql.sqlite);
        let single = &sql.single;
        let inline = self.target.with_reader(|reader| scoped_read::<S>(reader, scope, &key, single, &params, Some(INLINE_SLICE)))?;
        if let Some(sink) = inline {
            return Ok(sink);
        }
        let (reply, answer) = tokio::sync::oneshot::channel();
        let (target, scope) = (self.target.clone(), scope.clone());
        // Whether the inline attempt got as far as finding it to be one statement (it
        // may have run out of its slice while compiling): if not, the pool checks.
        let checked = single.get().is_some();
        let job: Job = Box::new(move || {
            let single = if checked { OnceLock::from(()) } else { OnceLock::new() };
            let result = target
                .with_reader(|reader| scoped_read::<S>(reader, &scope, &key, &single, &params, None))
                .map(|sink| sink.expect("no slice, so never out of it"));
            let _ = reply.send(result);
        });
        self.pool().lock().unwrap_or_else(|poisoned| poisoned.into_inner()).send(job).map_err(|_| pool_gone())?;
        answer.await.map_err(|_| pool_gone())?
    }

    fn pool(&self) -> &Mutex<mpsc::Sender<Job>> {
        self.pool.get_or_init(|| {
            let (jobs, queue) = mpsc::channel::<Job>();
            let queue = Arc::new(Mutex::new(queue));
            for i in 0..POOL_THREADS {
                let queue = queue.clone();
                let spawned = std::thread::Builder::new().name(format!("aerie-sql-read-{i}")).spawn(move || {
                    loop {
                        // The lock is held only while waiting for the next job.
                        let job = queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).recv();
                        match job {
                            Ok(job) => job(),
                            Err(_) => break, // the database was closed
                        }
                    }
                });
                if let Err(e) = spawned {
                    tracing::error!(error = %e, "starting a component read thread failed");
                }
            }
            Mutex::new(jobs)
        })
    }

    /// Runs one of the host's read-only statements (`$n` placeholders) and returns its rows.
    pub fn run(&self, sql: &str, params: &[Value]) -> Result<Outcome, DbError> {
        let mut rows = RowSet::default();
        let sql = placeholders::to_sqlite(sql);
        self.target.with_reader(|reader| read(&reader.connection, &sql, params, &mut rows))?;
        let rows_affected = rows.rows.len() as u64;
        Ok(Outcome { rows, rows_affected })
    }

    /// Runs one of the host's read-only statements, already spelled with SQLite's
    /// placeholders, and returns its rows packed (see [`super::packed`]) straight from
    /// SQLite's columns.
    pub fn run_packed(&self, sqlite_sql: &str, params: &[Value]) -> Result<Vec<u8>, DbError> {
        let mut packer = None;
        self.target.with_reader(|reader| read(&reader.connection, sqlite_sql, params, &mut packer))?;
        Ok(packer.expect("the column names come first").finish())
    }
}

impl Target {
    /// Runs `f` on this thread's read connection, opening it the first time.
    fn with_reader<T>(&self, f: impl FnOnce(&Reader) -> Result<T, DbError>) -> Result<T, DbError> {
        CONNECTIONS.with(|connections| {
            let mut connections = connections.borrow_mut();
            let reader = match connections.get_mut(&self.id) {
                Some(reader) => reader,
                None => {
                    let reader = self.open()?;
                    connections.entry(self.id).or_insert(reader)
                }
            };
            f(reader)
        })
    }

    fn open(&self) -> Result<Reader, DbError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let connection = Connection::open_with_flags(&self.path, flags).map_err(to_db_error)?;
        connection.busy_timeout(self.busy_timeout).map_err(to_db_error)?;
        connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // Read the schema now, outside any component's slice: compiling the first
        // statement would otherwise read it under the progress handler.
        connection.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(())).map_err(to_db_error)?;
        let guard = Guard::new(self.schema.clone());
        // SAFETY: the connection is open; the guard is kept beside it in `Reader`,
        // which closes the connection first.
        unsafe { guard.install(connection.handle()) };
        Ok(Reader { connection, guard })
    }
}

impl Drop for SqliteReads {
    fn drop(&mut self) {
        // Only this thread's connection can be closed from here; others close with
        // their threads (or stay idle, read-only, until then). Dropping the pool's
        // sender ends its threads, and their connections with them.
        let _ = CONNECTIONS.try_with(|connections| connections.borrow_mut().remove(&self.target.id));
    }
}

fn pool_gone() -> DbError {
    DbError::Unavailable("the component read pool has stopped (the server is shutting down)".into())
}

/// One attempt at a component's read on `reader`, under `scope`: `Ok(None)` when the
/// `slice` ran out first. `key` is the statement under its scope's cache key; `single`
/// remembers that SQLite found it to be one statement (checked once per text).
fn scoped_read<S: Fresh>(
    reader: &Reader,
    scope: &ComponentScope,
    key: &str,
    single: &OnceLock<()>,
    params: &[Value],
    slice: Option<Duration>,
) -> Result<Option<S>, DbError> {
    let entered = reader.guard.enter(scope, slice)?;
    if single.get().is_none() {
        // SAFETY: this thread owns the connection, and nothing else runs on it now.
        let checked = unsafe { one_statement(reader.connection.handle(), key) };
        // Compiling can outlast the slice too (a fresh connection reads the schema
        // first, under the progress handler): that is a retry, not a bad query.
        if checked.is_err() && entered.out_of_slice() {
            return Ok(None);
        }
        entered.finish(checked)?;
        let _ = single.set(());
    }
    let mut sink = S::default();
    let result = read(&reader.connection, key, params, &mut sink);
    if result.is_err() && entered.out_of_slice() {
        return Ok(None);
    }
    entered.finish(result).map(|()| Some(sink))
}

/// Where [`read`] puts a result: told the column names once, then every cell in row
/// order with its column index.
trait Sink {
    fn columns(&mut self, names: &[&str]);
    fn cell(&mut self, index: usize, value: ValueRef<'_>);
}

impl Sink for RowSet {
    fn columns(&mut self, names: &[&str]) {
        self.columns = names.iter().map(|n| n.to_string()).collect();
    }

    fn cell(&mut self, index: usize, value: ValueRef<'_>) {
        if index == 0 {
            self.rows.push(Vec::with_capacity(self.columns.len()));
        }
        let value = match value {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(v) => Value::Int(v),
            ValueRef::Real(v) => Value::Float(v),
            ValueRef::Text(t) => Value::Text(text(t).into_owned()),
            ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
        };
        self.rows.last_mut().expect("a row was started").push(value);
    }
}

impl Sink for Option<Packer> {
    fn columns(&mut self, names: &[&str]) {
        *self = Some(Packer::new(names.iter().copied()));
    }

    fn cell(&mut self, _: usize, value: ValueRef<'_>) {
        let packer = self.as_mut().expect("the column names come first");
        match value {
            ValueRef::Null => packer.value(Portable::Null),
            ValueRef::Integer(v) => packer.value(Portable::Int(v)),
            ValueRef::Real(v) => packer.value(Portable::Float(v)),
            ValueRef::Text(t) => packer.value(Portable::Text(&text(t))),
            ValueRef::Blob(b) => packer.value(Portable::Bytes(b)),
        }
    }
}

/// Runs `sqlite_sql` (SQLite's placeholders) into `sink`.
fn read(connection: &Connection, sqlite_sql: &str, params: &[Value], sink: &mut impl Sink) -> Result<(), DbError> {
    let mut statement = connection.prepare_cached(sqlite_sql).map_err(to_db_error)?;
    let width = statement.column_count();
    sink.columns(&statement.column_names());
    let bound = params.iter().map(to_sql);
    let mut rows = statement.query(rusqlite::params_from_iter(bound)).map_err(to_db_error)?;
    while let Some(row) = rows.next().map_err(to_db_error)? {
        for i in 0..width {
            sink.cell(i, row.get_ref(i).map_err(to_db_error)?);
        }
    }
    Ok(())
}

/// A text cell; invalid UTF-8 (which SQLite does not check) is replaced, not refused.
fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

fn to_sql(value: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as Sql;
    match value {
        Value::Null => Sql::Null,
        Value::Bool(b) => Sql::Integer(*b as i64),
        Value::Int(v) => Sql::Integer(*v),
        Value::Float(v) => Sql::Real(*v),
        Value::Text(s) => Sql::Text(s.clone()),
        Value::Bytes(b) => Sql::Blob(b.clone()),
    }
}

fn to_db_error(error: rusqlite::Error) -> DbError {
    match &error {
        rusqlite::Error::SqliteFailure(failure, message) => {
            let message = message.clone().unwrap_or_else(|| error.to_string());
            match failure.code {
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => DbError::Unavailable(message),
                rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::PermissionDenied => DbError::Unavailable(message),
                rusqlite::ErrorCode::ConstraintViolation => DbError::ConstraintViolation(message),
                _ => DbError::InvalidQuery(message),
            }
        }
        _ => DbError::InvalidQuery(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn scope() -> ComponentScope {
        ComponentScope {
            component: "reader-test".into(),
            read_only: true,
            tables: None,
            deadline: Instant::now() + Duration::from_secs(30),
        }
    }

    fn count(reads: &SqliteReads, table: &str, slice: Option<Duration>) -> Result<Option<RowSet>, DbError> {
        let key = cache_key(&scope(), &format!("SELECT count(*) AS n FROM {table}"));
        reads.target.with_reader(|reader| scoped_read::<RowSet>(reader, &scope(), &key, &OnceLock::new(), &[], slice))
    }

    /// SQLite re-reads a changed schema while compiling, under the progress handler: a
    /// compile that outlasts the inline slice is tried again without one, not refused as
    /// an invalid query (on a slow box this failed a plain `SELECT count(*)`).
    #[test]
    fn a_compile_that_outlasts_its_slice_is_retried() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reads.db");
        let writer = Connection::open(&path).unwrap();
        writer.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE first (id INTEGER PRIMARY KEY)").unwrap();
        let reads = SqliteReads::new(path, Duration::from_secs(1), Arc::new(Schema::default()));
        assert!(count(&reads, "first", None).unwrap().is_some());

        let mut ddl = String::new();
        for i in 0..300 {
            ddl.push_str(&format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX t{i}_v ON t{i} (v);"));
        }
        writer.execute_batch(&ddl).unwrap();
        let stopped = count(&reads, "t299", Some(Duration::ZERO));
        assert!(matches!(stopped, Ok(None)), "an out-of-slice compile must come back for a retry: {stopped:?}");
        let rows = count(&reads, "t299", None).unwrap().expect("no slice, so never out of it");
        assert_eq!(rows.rows, vec![vec![Value::Int(0)]]);
    }
}
