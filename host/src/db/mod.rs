//! The database: SQLite (embedded default) or PostgreSQL, behind one API that speaks
//! the same typed values as the `aerie:host/db` WIT interface.
//!
//! - SQLite: WAL, `synchronous=FULL`. Reads go to a pool of readers; every write goes
//!   through one writer task that groups queued statements into one commit (one
//!   fsync for many acknowledged writes) and runs transactions with `BEGIN IMMEDIATE`.
//! - PostgreSQL: a connection pool; a transaction owns one connection.
//! - Either way a transaction is a small actor with a deadline: left open past
//!   `database.transaction_timeout_ms` it is rolled back and later calls fail with
//!   [`DbError::TransactionExpired`].
//! - Placeholders are `$1..$n` everywhere; [`placeholders`] rewrites them for SQLite.

pub mod migrate;
pub mod packed;
pub use aerie_contract::placeholders;
mod postgres;
mod scope;
mod sqlite;
mod sqlite_guard;
mod sqlite_reads;
mod transaction;
mod value;

use std::sync::Arc;
use std::time::Duration;

pub use scope::{ComponentScope, TableAllowlist};
pub use transaction::Transaction;
pub use value::{DbError, RowSet, Value, ValueRef};

use crate::config::DatabaseConfig;

/// Which engine backs a [`Database`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A handle to the instance database; cheap to clone.
#[derive(Clone)]
pub struct Database {
    backend: Arc<Backend>,
}

enum Backend {
    Sqlite(sqlite::SqliteBackend),
    Postgres(postgres::PostgresBackend),
}

/// Whether one of the host's own statements only reads, from its first keyword.
/// Anything else takes the write path. Never used for component SQL, whose text may
/// hide its kind behind comments: it comes with the SQL policy's parsed answer ([`Sql`]).
pub fn is_read_only(sql: &str) -> bool {
    let first = sql.trim_start().split(|c: char| c.is_whitespace() || c == '(').next().unwrap_or("");
    ["SELECT", "VALUES", "EXPLAIN"].iter().any(|keyword| first.eq_ignore_ascii_case(keyword))
}

/// A statement prepared for repeated use: its text in both engines' placeholder
/// spellings and whether it only reads. Components send the same statements over and
/// over, so their SQL policy builds one per distinct text and keeps it (see
/// `capabilities/db/sql_policy.rs`); a query then costs one hash lookup, not a parse, a
/// placeholder rewrite and a keyword check each time.
#[derive(Debug, PartialEq, Eq)]
pub struct Sql {
    /// As written, with `$1..$n` placeholders (PostgreSQL's spelling).
    pub text: String,
    /// The same statement with SQLite's `?NNN` placeholders.
    pub sqlite: String,
    /// Only reads (decided by whoever built it, the SQL policy parses it). A component
    /// statement goes to SQLite's readers or its writer by this, never by its text.
    pub read_only: bool,
    /// Set once SQLite's own parser found the text to be exactly one statement (see
    /// `sqlite_guard::one_statement`), so a cached statement is checked only once.
    pub(crate) single: std::sync::OnceLock<()>,
}

impl Sql {
    pub fn new(text: &str, read_only: bool) -> Sql {
        Sql { text: text.to_string(), sqlite: placeholders::to_sqlite(text), read_only, single: std::sync::OnceLock::new() }
    }
}

impl Database {
    /// Connects to `url` (`sqlite://...` or `postgres://...`) and, when
    /// `run_migrations`, brings the schema up to date first.
    pub async fn open(url: &str, config: &DatabaseConfig, run_migrations: bool) -> anyhow::Result<Database> {
        let tx_timeout = Duration::from_millis(config.transaction_timeout_ms);
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite(sqlite::SqliteBackend::open(url, config, tx_timeout, run_migrations).await?)
        } else {
            Backend::Postgres(postgres::PostgresBackend::open(url, config, tx_timeout, run_migrations).await?)
        };
        Ok(Database { backend: Arc::new(backend) })
    }

    pub fn engine(&self) -> Engine {
        match &*self.backend {
            Backend::Sqlite(_) => Engine::Sqlite,
            Backend::Postgres(_) => Engine::Postgres,
        }
    }

    /// Runs one statement and returns its rows. A write commits before this returns.
    pub async fn query(&self, sql: &str, params: Vec<Value>) -> Result<RowSet, DbError> {
        match &*self.backend {
            Backend::Sqlite(b) => b.run(sql, params, true).await.map(|o| o.rows),
            Backend::Postgres(b) => b.run(sql, params, true).await.map(|o| o.rows),
        }
    }

    /// Runs one statement and returns its rows packed into one buffer (see [`packed`]),
    /// straight from the engine's rows where it can.
    pub async fn query_packed(&self, sql: &Sql, params: Vec<Value>) -> Result<Vec<u8>, DbError> {
        match &*self.backend {
            Backend::Sqlite(b) if sql.read_only => b.read_packed(&sql.sqlite, &params),
            Backend::Sqlite(b) => b.run(&sql.text, params, true).await.map(|o| packed::pack(&o.rows)),
            Backend::Postgres(b) => b.run_packed(&sql.text, params).await,
        }
    }

    /// Runs one statement and returns how many rows it changed.
    pub async fn execute(&self, sql: &str, params: Vec<Value>) -> Result<u64, DbError> {
        match &*self.backend {
            Backend::Sqlite(b) => b.run(sql, params, false).await.map(|o| o.rows_affected),
            Backend::Postgres(b) => b.run(sql, params, false).await.map(|o| o.rows_affected),
        }
    }

    /// Opens a write transaction.
    pub async fn begin(&self) -> Result<Transaction, DbError> {
        match &*self.backend {
            Backend::Sqlite(b) => b.begin().await,
            Backend::Postgres(b) => b.begin().await,
        }
    }

    /// [`Self::query`] for a component: the engine enforces `scope` (see [`scope`]).
    pub async fn query_as(&self, scope: &ComponentScope, sql: &Sql, params: Vec<Value>) -> Result<RowSet, DbError> {
        match &*self.backend {
            Backend::Sqlite(b) => b.run_as(scope, sql, params, true).await.map(|o| o.rows),
            Backend::Postgres(b) => b.run_as(scope, sql, params, true).await.map(|o| o.rows),
        }
    }

    /// [`Self::query_packed`] for a component.
    pub async fn query_packed_as(&self, scope: &ComponentScope, sql: &Sql, params: Vec<Value>) -> Result<Vec<u8>, DbError> {
        match &*self.backend {
            Backend::Sqlite(b) => b.run_packed_as(scope, sql, params).await,
            Backend::Postgres(b) => b.run_packed_as(scope, sql, params).await,
        }
    }

    /// [`Self::execute`] for a component.
    pub async fn execute_as(&self, scope: &ComponentScope, sql: &Sql, params: Vec<Value>) -> Result<u64, DbError> {
        match &*self.backend {
            Backend::Sqlite(b) => b.run_as(scope, sql, params, false).await.map(|o| o.rows_affected),
            Backend::Postgres(b) => b.run_as(scope, sql, params, false).await.map(|o| o.rows_affected),
        }
    }

    /// [`Self::begin`] for a component: every statement of the transaction runs under `scope`.
    pub async fn begin_as(&self, scope: &ComponentScope) -> Result<Transaction, DbError> {
        match &*self.backend {
            Backend::Sqlite(b) => b.begin_as(scope).await,
            Backend::Postgres(b) => b.begin_as(scope).await,
        }
    }

    /// Closes connections, letting the writer finish what is queued.
    pub async fn close(&self) {
        match &*self.backend {
            Backend::Sqlite(b) => b.close().await,
            Backend::Postgres(b) => b.close().await,
        }
    }
}

/// What one statement produced.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub rows: RowSet,
    pub rows_affected: u64,
}
