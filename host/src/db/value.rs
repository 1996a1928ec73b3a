//! Typed values, result rows and errors, mirroring `aerie:host/db` in `wit/host/db.wit`.

use std::fmt;

/// One SQL value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
}

impl Value {
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

impl Value {
    /// This value borrowed (see [`ValueRef`]).
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Bool(b) => ValueRef::Bool(*b),
            Value::Int(v) => ValueRef::Int(*v),
            Value::Float(v) => ValueRef::Float(*v),
            Value::Text(s) => ValueRef::Text(s),
            Value::Bytes(b) => ValueRef::Bytes(b),
        }
    }
}

/// One SQL value with its text or bytes borrowed from where it was read (an engine's
/// row buffer), so a result can be packed without a `String` per cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(&'a str),
    Bytes(&'a [u8]),
}

impl ValueRef<'_> {
    /// The value, owned.
    pub fn to_value(self) -> Value {
        match self {
            ValueRef::Null => Value::Null,
            ValueRef::Bool(b) => Value::Bool(b),
            ValueRef::Int(v) => Value::Int(v),
            ValueRef::Float(v) => Value::Float(v),
            ValueRef::Text(s) => Value::Text(s.to_string()),
            ValueRef::Bytes(b) => Value::Bytes(b.to_vec()),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

/// Rows with column names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowSet {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

impl RowSet {
    /// The value of `column` in row `row`.
    pub fn get(&self, row: usize, column: &str) -> Option<&Value> {
        let index = self.columns.iter().position(|c| c == column)?;
        self.rows.get(row)?.get(index)
    }

    /// `column` of row `row` as an integer; `None` for NULL, no row or another type.
    pub fn i64(&self, row: usize, column: &str) -> Option<i64> {
        self.get(row, column).and_then(Value::as_i64)
    }

    /// `column` of row `row` as text; `None` for NULL, no row or another type.
    pub fn text(&self, row: usize, column: &str) -> Option<&str> {
        self.get(row, column).and_then(Value::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }
}

/// Why a statement did not run; these reach guests as WIT errors, never traps.
#[derive(Debug, Clone, PartialEq)]
pub enum DbError {
    AccessDenied(String),
    InvalidQuery(String),
    ConstraintViolation(String),
    TransactionExpired(String),
    Unavailable(String),
    /// The engine has no space left to write (SQLITE_FULL, PostgreSQL `disk_full`,
    /// ENOSPC). Reaches guests as `unavailable`; see [`crate::disk_full`].
    StorageFull(String),
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbError::AccessDenied(m) => write!(f, "access denied: {m}"),
            DbError::InvalidQuery(m) => write!(f, "invalid query: {m}"),
            DbError::ConstraintViolation(m) => write!(f, "constraint violation: {m}"),
            DbError::TransactionExpired(m) => write!(f, "transaction expired: {m}"),
            DbError::Unavailable(m) => write!(f, "database unavailable: {m}"),
            DbError::StorageFull(m) => write!(f, "no space left to write: {m}"),
        }
    }
}

impl std::error::Error for DbError {}

impl From<sqlx::Error> for DbError {
    fn from(error: sqlx::Error) -> Self {
        use sqlx::error::ErrorKind;
        match &error {
            sqlx::Error::Database(db) => {
                let message = db.message().to_string();
                match db.kind() {
                    ErrorKind::UniqueViolation
                    | ErrorKind::ForeignKeyViolation
                    | ErrorKind::NotNullViolation
                    | ErrorKind::CheckViolation => DbError::ConstraintViolation(message),
                    _ if is_busy(db.code().as_deref(), &message) => DbError::Unavailable(message),
                    _ if is_full(db.code().as_deref()) => DbError::storage_full(message),
                    _ => DbError::InvalidQuery(message),
                }
            }
            sqlx::Error::Io(io) if crate::disk_full::is_full(io) => DbError::storage_full(io.to_string()),
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed => {
                DbError::Unavailable(error.to_string())
            }
            _ => DbError::InvalidQuery(error.to_string()),
        }
    }
}

impl DbError {
    /// A write failed for lack of space; the operator is told (see [`crate::disk_full`]).
    fn storage_full(message: String) -> DbError {
        crate::disk_full::noticed(crate::disk_full::Store::Database, &message);
        DbError::StorageFull(message)
    }
}

/// SQLite's SQLITE_FULL (13, no extended codes); PostgreSQL's `disk_full` (53100).
fn is_full(code: Option<&str>) -> bool {
    matches!(code, Some("13" | "53100"))
}

/// SQLite's SQLITE_BUSY / SQLITE_LOCKED, PostgreSQL's lock and cancel codes.
fn is_busy(code: Option<&str>, message: &str) -> bool {
    matches!(code, Some("5" | "6" | "517" | "55P03" | "57014" | "40001" | "40P01")) || message.contains("database is locked")
}
