//! Portable SQL through the host's `db` capability.
//!
//! Write placeholders as `$1, $2, ...` on both engines; the host rewrites them for
//! SQLite. Results come back as [`Rows`] with column names, read by name.

use crate::bindings::aerie::host::db as host;

pub use host::{Error, Value};

/// The rows of one statement, with named columns.
pub struct Rows {
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
}

/// One row of a result, borrowed from [`Rows`].
pub struct Row<'a> {
    columns: &'a [String],
    values: &'a [Value],
}

impl Rows {
    fn from_host(set: host::RowSet) -> Self {
        Rows { columns: set.columns, rows: set.rows }
    }

    /// How many rows came back.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no row came back.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The column names, in order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Iterates the rows.
    pub fn iter(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(|values| Row { columns: &self.columns, values })
    }

    /// The first row, if any.
    pub fn first(&self) -> Option<Row<'_>> {
        self.iter().next()
    }
}

impl<'a> Row<'a> {
    /// The value of column `name`, or `None` when there is no such column.
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        let index = self.columns.iter().position(|c| c == name)?;
        self.values.get(index)
    }

    /// Column `name` as an integer (booleans count as 0/1); `None` for NULL or another type.
    pub fn i64(&self, name: &str) -> Option<i64> {
        match self.get(name)? {
            Value::Int64(v) => Some(*v),
            Value::Boolean(b) => Some(*b as i64),
            _ => None,
        }
    }

    /// Column `name` as a 0/1 boolean; NULL and missing columns are false.
    pub fn bool(&self, name: &str) -> bool {
        self.i64(name).is_some_and(|v| v != 0)
    }

    /// Column `name` as owned text; `None` for NULL.
    pub fn string(&self, name: &str) -> Option<String> {
        self.text(name).map(str::to_string)
    }

    /// Column `name` as text; `None` for NULL or another type.
    pub fn text(&self, name: &str) -> Option<&'a str> {
        match self.get(name)? {
            Value::Text(s) => Some(s.as_str()),
            _ => None,
        }
    }
}

/// Runs one statement and returns its rows.
pub fn query(sql: &str, params: &[Value]) -> Result<Rows, Error> {
    host::query(sql, params).map(Rows::from_host)
}

/// Runs one statement and returns how many rows it changed.
pub fn execute(sql: &str, params: &[Value]) -> Result<u64, Error> {
    host::execute(sql, params)
}

/// A write transaction; dropped without [`Transaction::commit`], it is rolled back.
pub struct Transaction(host::Transaction);

impl Transaction {
    /// Runs one statement inside the transaction and returns its rows.
    pub fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, Error> {
        self.0.query(sql, params).map(Rows::from_host)
    }

    /// Runs one statement inside the transaction; returns how many rows it changed.
    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, Error> {
        self.0.execute(sql, params)
    }

    /// Commits the transaction.
    pub fn commit(self) -> Result<(), Error> {
        host::Transaction::commit(self.0)
    }
}

/// Opens a write transaction.
pub fn begin() -> Result<Transaction, Error> {
    host::begin().map(Transaction)
}

/// `$first, $first+1, ...` for `count` values, for `IN (...)` lists.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

/// Ids as parameters.
pub fn ids(ids: &[i64]) -> Vec<Value> {
    ids.iter().map(|&id| Value::Int64(id)).collect()
}
