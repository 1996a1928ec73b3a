//! Reads on SQLite, run right on the calling thread.
//!
//! An indexed read from SQLite's page cache takes microseconds; handing it to a
//! connection's worker thread and back (what sqlx does) costs more than the read, and
//! a timeline page makes several. So read-only statements run synchronously on a
//! read-only connection kept per thread, with prepared statements cached. Writes still
//! go through the single writer task (`sqlite.rs`). In WAL mode readers never wait for
//! the writer, and a statement's read transaction ends when its rows are read.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::packed::Packer;
use super::{DbError, Outcome, RowSet, Value, ValueRef as Portable, placeholders};

/// Statements kept prepared per connection.
const STATEMENT_CACHE: usize = 256;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// This thread's read connection to each open database, by reader id.
    static CONNECTIONS: RefCell<HashMap<u64, Connection>> = RefCell::new(HashMap::new());
}

/// Runs read-only statements against one database file.
pub struct SqliteReads {
    id: u64,
    path: PathBuf,
    busy_timeout: Duration,
}

impl SqliteReads {
    pub fn new(path: PathBuf, busy_timeout: Duration) -> SqliteReads {
        SqliteReads { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), path, busy_timeout }
    }

    /// Runs one read-only statement (`$n` placeholders) and returns its rows.
    pub fn run(&self, sql: &str, params: &[Value]) -> Result<Outcome, DbError> {
        let mut rows = RowSet::default();
        let sql = placeholders::to_sqlite(sql);
        self.with_connection(|connection| read(connection, &sql, params, &mut rows))?;
        let rows_affected = rows.rows.len() as u64;
        Ok(Outcome { rows, rows_affected })
    }

    /// Runs one read-only statement, already spelled with SQLite's placeholders, and
    /// returns its rows packed (see [`super::packed`]) straight from SQLite's columns.
    pub fn run_packed(&self, sqlite_sql: &str, params: &[Value]) -> Result<Vec<u8>, DbError> {
        let mut packer = None;
        self.with_connection(|connection| read(connection, sqlite_sql, params, &mut packer))?;
        Ok(packer.expect("the column names come first").finish())
    }

    /// Runs `f` on this thread's read connection, opening it the first time.
    fn with_connection<T>(&self, f: impl FnOnce(&Connection) -> Result<T, DbError>) -> Result<T, DbError> {
        CONNECTIONS.with(|connections| {
            let mut connections = connections.borrow_mut();
            let connection = match connections.get_mut(&self.id) {
                Some(connection) => connection,
                None => {
                    let connection = self.open()?;
                    connections.entry(self.id).or_insert(connection)
                }
            };
            f(connection)
        })
    }

    fn open(&self) -> Result<Connection, DbError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let connection = Connection::open_with_flags(&self.path, flags).map_err(to_db_error)?;
        connection.busy_timeout(self.busy_timeout).map_err(to_db_error)?;
        connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(connection)
    }
}

impl Drop for SqliteReads {
    fn drop(&mut self) {
        // Only this thread's connection can be closed from here; others close with
        // their threads (or stay idle, read-only, until then).
        let _ = CONNECTIONS.try_with(|connections| connections.borrow_mut().remove(&self.id));
    }
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
