//! A native backend for the capability wrappers (feature `native-harness`, off wasm32
//! only), so `aerie-core`'s actions can be tested as plain `cargo test`s without the host.
//!
//! - `db`: one in-memory SQLite per thread with every `migrations/sqlite/*.sql` applied
//!   in order and foreign keys on, as the host opens the database; `$n` placeholders are
//!   rewritten to `?n` as the host does (`host/src/db/placeholders.rs`), results come
//!   packed with their column names, and errors are mapped to the same kinds
//!   (`host/src/db/sqlite_reads.rs`). Unlike the host, statements outside a transaction
//!   run on the same connection, so they see an open transaction's writes.
//! - `settings`: a clock the test sets ([`set_now`], [`advance`]), ids from it and a
//!   counter, manifest settings from [`set_setting`].
//! - `events`: publishes are recorded per thread ([`events`], [`take_events`]).
//! - `log`: printed to stderr (the test harness shows it for failing tests).
//! - `federation`, `kv`, `queue`, `blobs`: not served; each call answers the
//!   capability's `unavailable` error, never a fake success.
//!
//! Every test thread starts with a fresh database; [`reset`] starts over within one.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// The clock's start: 2026-01-01T00:00:00Z.
pub const EPOCH_MILLIS: i64 = 1_767_225_600_000;

thread_local! {
    static CONNECTION: RefCell<Option<rusqlite::Connection>> = const { RefCell::new(None) };
    static NOW: Cell<i64> = const { Cell::new(EPOCH_MILLIS) };
    static SEQUENCE: Cell<i64> = const { Cell::new(0) };
    static SETTINGS: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
    static EVENTS: RefCell<Vec<Event>> = const { RefCell::new(Vec::new()) };
}

/// One published stream event: its kind (`update`, `delete`, `notification`, ...), the
/// id it names and the streams it was published to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The kind as the host names it (`aerie_contract::events::KINDS`).
    pub kind: String,
    /// The id of the status or notification it is about.
    pub id: i64,
    /// The stream keys it was published to, in order.
    pub streams: Vec<String>,
}

/// Drops this thread's database, events, settings and clock: the next call starts afresh.
pub fn reset() {
    CONNECTION.with(|c| c.borrow_mut().take());
    NOW.with(|n| n.set(EPOCH_MILLIS));
    SEQUENCE.with(|s| s.set(0));
    SETTINGS.with(|s| s.borrow_mut().clear());
    EVENTS.with(|e| e.borrow_mut().clear());
}

/// Sets the clock to `millis` since the Unix epoch.
pub fn set_now(millis: i64) {
    NOW.with(|n| n.set(millis));
}

/// Moves the clock on by `millis`.
pub fn advance(millis: i64) {
    NOW.with(|n| n.set(n.get() + millis));
}

/// Sets manifest setting `key` (what [`crate::settings::get`] answers).
pub fn set_setting(key: &str, value: &str) {
    SETTINGS.with(|s| s.borrow_mut().insert(key.to_string(), value.to_string()));
}

/// The stream events published on this thread so far.
pub fn events() -> Vec<Event> {
    EVENTS.with(|e| e.borrow().clone())
}

/// The stream events published on this thread so far, forgetting them.
pub fn take_events() -> Vec<Event> {
    EVENTS.with(|e| std::mem::take(&mut *e.borrow_mut()))
}

/// The capability's error for what the harness does not serve.
fn unserved(what: &str) -> String {
    format!("{what} is not served by the native test harness")
}

/// The in-memory database behind [`crate::db`].
pub mod db {
    use std::cell::Cell;

    use rusqlite::types::ValueRef;

    pub use crate::bindings::aerie::host::db::{Error, Value};

    use super::CONNECTION;

    /// Runs `f` on this thread's connection, opening and migrating it the first time.
    fn with<T>(f: impl FnOnce(&rusqlite::Connection) -> Result<T, Error>) -> Result<T, Error> {
        CONNECTION.with(|slot| {
            let mut slot = slot.borrow_mut();
            if slot.is_none() {
                *slot = Some(open()?);
            }
            f(slot.as_ref().expect("opened above"))
        })
    }

    fn open() -> Result<rusqlite::Connection, Error> {
        let connection = rusqlite::Connection::open_in_memory().map_err(to_error)?;
        connection.execute_batch("PRAGMA foreign_keys = ON").map_err(to_error)?;
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations/sqlite");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| Error::Unavailable(format!("reading {dir}: {e}")))?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
            .collect();
        files.sort();
        for file in files {
            let sql = std::fs::read_to_string(&file).map_err(|e| Error::Unavailable(format!("reading {}: {e}", file.display())))?;
            connection.execute_batch(&sql).map_err(|e| Error::InvalidQuery(format!("migration {} failed: {e}", file.display())))?;
        }
        Ok(connection)
    }

    /// Runs one statement and returns its rows packed as the host packs them
    /// (`query-packed` in `wit/host/db.wit`).
    pub fn query_packed(sql: &str, params: &[Value]) -> Result<Vec<u8>, Error> {
        with(|connection| run_packed(connection, sql, params))
    }

    /// Runs one statement and returns how many rows it changed.
    pub fn execute(sql: &str, params: &[Value]) -> Result<u64, Error> {
        with(|connection| run_execute(connection, sql, params))
    }

    /// Opens a write transaction on this thread's connection.
    pub fn begin() -> Result<Transaction, Error> {
        with(|connection| connection.execute_batch("BEGIN IMMEDIATE").map_err(to_error))?;
        Ok(Transaction { open: Cell::new(true) })
    }

    /// The open transaction of this thread's connection; rolled back when dropped
    /// without [`Transaction::commit`].
    pub struct Transaction {
        open: Cell<bool>,
    }

    impl Transaction {
        /// Runs one statement in the transaction; its rows packed as the host packs them.
        pub fn query_packed(&self, sql: &str, params: &[Value]) -> Result<Vec<u8>, Error> {
            query_packed(sql, params)
        }

        /// Runs one statement in the transaction; how many rows it changed.
        pub fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, Error> {
            execute(sql, params)
        }

        /// Commits; `Err` when SQLite refuses the commit.
        pub fn commit(tx: Transaction) -> Result<(), Error> {
            tx.open.set(false);
            with(|connection| connection.execute_batch("COMMIT").map_err(to_error))
        }
    }

    impl Drop for Transaction {
        fn drop(&mut self) {
            if self.open.get() {
                let _ = with(|connection| connection.execute_batch("ROLLBACK").map_err(to_error));
            }
        }
    }

    fn run_execute(connection: &rusqlite::Connection, sql: &str, params: &[Value]) -> Result<u64, Error> {
        let mut statement = connection.prepare_cached(&aerie_contract::placeholders::to_sqlite(sql)).map_err(to_error)?;
        let changed = statement.execute(rusqlite::params_from_iter(params.iter().map(to_sql))).map_err(to_error)?;
        Ok(changed as u64)
    }

    fn run_packed(connection: &rusqlite::Connection, sql: &str, params: &[Value]) -> Result<Vec<u8>, Error> {
        let mut statement = connection.prepare_cached(&aerie_contract::placeholders::to_sqlite(sql)).map_err(to_error)?;
        let width = statement.column_count();
        let mut buf = Vec::new();
        put_len(&mut buf, width);
        for name in statement.column_names() {
            put_len(&mut buf, name.len());
            buf.extend_from_slice(name.as_bytes());
        }
        let mut rows = statement.query(rusqlite::params_from_iter(params.iter().map(to_sql))).map_err(to_error)?;
        while let Some(row) = rows.next().map_err(to_error)? {
            for i in 0..width {
                match row.get_ref(i).map_err(to_error)? {
                    ValueRef::Null => buf.push(0),
                    ValueRef::Integer(v) => {
                        buf.push(3);
                        buf.extend_from_slice(&v.to_le_bytes());
                    }
                    ValueRef::Real(v) => {
                        buf.push(4);
                        buf.extend_from_slice(&v.to_bits().to_le_bytes());
                    }
                    // Invalid UTF-8 (which SQLite does not check) is replaced, as the host does.
                    ValueRef::Text(t) => {
                        let text = String::from_utf8_lossy(t);
                        buf.push(5);
                        put_len(&mut buf, text.len());
                        buf.extend_from_slice(text.as_bytes());
                    }
                    ValueRef::Blob(b) => {
                        buf.push(6);
                        put_len(&mut buf, b.len());
                        buf.extend_from_slice(b);
                    }
                }
            }
        }
        Ok(buf)
    }

    fn put_len(buf: &mut Vec<u8>, n: usize) {
        buf.extend_from_slice(&(n as u32).to_le_bytes());
    }

    fn to_sql(value: &Value) -> rusqlite::types::Value {
        use rusqlite::types::Value as Sql;
        match value {
            Value::Null => Sql::Null,
            Value::Boolean(b) => Sql::Integer(*b as i64),
            Value::Int64(v) => Sql::Integer(*v),
            Value::Float64(v) => Sql::Real(*v),
            Value::Text(s) => Sql::Text(s.clone()),
            Value::Bytes(b) => Sql::Blob(b.clone()),
        }
    }

    /// The host's mapping of SQLite's errors (`host/src/db/sqlite_reads.rs`).
    fn to_error(error: rusqlite::Error) -> Error {
        match &error {
            rusqlite::Error::SqliteFailure(failure, message) => {
                let message = message.clone().unwrap_or_else(|| error.to_string());
                match failure.code {
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => Error::Unavailable(message),
                    rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::PermissionDenied => Error::Unavailable(message),
                    rusqlite::ErrorCode::ConstraintViolation => Error::ConstraintViolation(message),
                    _ => Error::InvalidQuery(message),
                }
            }
            _ => Error::InvalidQuery(error.to_string()),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_transaction_dropped_without_commit_is_rolled_back() {
            super::super::reset();
            let tx = begin().unwrap();
            tx.execute(
                "INSERT INTO instance_settings (key, value, updated_at) VALUES ($1, $2, $3)",
                &[Value::Text("k".into()), Value::Text("v".into()), Value::Int64(1)],
            )
            .unwrap();
            drop(tx);
            let rows = crate::db::query("SELECT key FROM instance_settings WHERE key = $1", &[Value::Text("k".into())]).unwrap();
            assert!(rows.is_empty());
            let duplicate = || execute("INSERT INTO instance_settings (key, value, updated_at) VALUES ('d', 'v', 1)", &[]);
            duplicate().unwrap();
            assert!(matches!(duplicate(), Err(Error::ConstraintViolation(_))));
        }
    }
}

/// The clock and the settings behind [`crate::settings`].
pub mod clock {
    use super::{NOW, SEQUENCE};

    /// The test clock, in milliseconds since the Unix epoch (see [`super::set_now`]).
    pub fn now_millis() -> i64 {
        NOW.with(|n| n.get())
    }

    /// Time-ordered like the host's: the clock's milliseconds above a 16-bit sequence.
    pub fn next_id() -> i64 {
        let sequence = SEQUENCE.with(|s| {
            s.set(s.get() + 1);
            s.get()
        });
        (now_millis() << 16) + (sequence & 0xffff)
    }

    /// Stable for the same `key`, clamped to now for future times.
    pub fn id_at(millis: i64, key: &str) -> i64 {
        // FNV-1a: stable across runs, unlike std's hasher.
        let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
        (millis.min(now_millis()) << 16) + (hash & 0xffff) as i64
    }
}

/// The manifest settings behind [`crate::settings::get`].
pub mod config {
    /// Setting `key` as [`super::set_setting`] set it.
    pub fn get(key: &str) -> Option<String> {
        super::SETTINGS.with(|s| s.borrow().get(key).cloned())
    }
}

/// Recorded stream events behind [`crate::events`].
pub mod events {
    pub use crate::bindings::aerie::host::events::EventKind;
    use aerie_contract::events::{CONVERSATION, DELETE, NOTIFICATION, STATUS_UPDATE, UPDATE};

    /// Records the event under the name the host gives its kind.
    pub fn publish(kind: EventKind, id: i64, streams: &[String]) {
        let kind = match kind {
            EventKind::Update => UPDATE,
            EventKind::StatusUpdate => STATUS_UPDATE,
            EventKind::Delete => DELETE,
            EventKind::Notification => NOTIFICATION,
            EventKind::Conversation => CONVERSATION,
        };
        super::EVENTS.with(|e| e.borrow_mut().push(super::Event { kind: kind.to_string(), id, streams: streams.to_vec() }));
    }
}

/// The log behind [`crate::log`], on stderr.
pub mod log {
    pub use crate::bindings::aerie::host::log::Level;

    /// Writes `message` to stderr with its level.
    pub fn log(level: Level, message: &str) {
        eprintln!("[{level:?}] {message}");
    }
}

/// Federation is not served: every call is `unavailable`.
pub mod federation {
    pub use crate::bindings::aerie::host::federation::Error;

    /// Always `unavailable`.
    pub fn fetch(url: &str, _accept: Option<&str>) -> Result<String, Error> {
        Err(Error::Unavailable(super::unserved(&format!("fetching {url}"))))
    }

    /// Always `unavailable`.
    pub fn deliver(_sender: Option<i64>, _activity: &str, _inboxes: &[String]) -> Result<u32, Error> {
        Err(Error::Unavailable(super::unserved("delivery")))
    }
}

/// The key-value namespace is not served: every call is `unavailable`.
pub mod kv {
    pub use crate::bindings::aerie::host::kv::Error;

    fn unserved<T>() -> Result<T, Error> {
        Err(Error::Unavailable(super::unserved("kv")))
    }

    /// Always `unavailable`.
    pub fn get(_key: &str) -> Result<Option<Vec<u8>>, Error> {
        unserved()
    }

    /// Always `unavailable`.
    pub fn set(_key: &str, _value: &[u8], _ttl_ms: Option<u64>) -> Result<(), Error> {
        unserved()
    }

    /// Always `unavailable`.
    pub fn delete(_key: &str) -> Result<bool, Error> {
        unserved()
    }

    /// Always `unavailable`.
    pub fn list_keys(_prefix: &str, _limit: u32) -> Result<Vec<String>, Error> {
        unserved()
    }

    /// Always `unavailable`.
    pub fn increment(_key: &str, _delta: i64) -> Result<i64, Error> {
        unserved()
    }
}

/// The job queue is not served: every call is `unavailable`.
pub mod queue {
    pub use crate::bindings::aerie::host::queue::{Error, JobOptions};

    /// Always `unavailable`.
    pub fn enqueue(kind: &str, _payload: &[u8], _options: &JobOptions) -> Result<Option<i64>, Error> {
        Err(Error::Unavailable(super::unserved(&format!("enqueueing a {kind} job"))))
    }
}

/// The blob store is not served: every call is `unavailable`.
pub mod blobs {
    pub use crate::bindings::aerie::host::blobs::Error;

    fn unserved<T>() -> Result<T, Error> {
        Err(Error::Unavailable(super::unserved("the blob store")))
    }

    /// Never made: [`create`] refuses.
    pub struct Writer(());

    impl Writer {
        /// Always `unavailable`.
        pub fn write(&self, _chunk: &[u8]) -> Result<(), Error> {
            unserved()
        }

        /// Always `unavailable`.
        pub fn finish(_writer: Writer) -> Result<u64, Error> {
            unserved()
        }
    }

    /// Always `unavailable`.
    pub fn create(_key: &str, _content_type: Option<&str>) -> Result<Writer, Error> {
        unserved()
    }

    /// Always `unavailable`.
    pub fn delete(_key: &str) -> Result<(), Error> {
        unserved()
    }

    /// Always `unavailable`.
    pub fn read(_key: &str, _offset: u64, _len: u32) -> Result<(Vec<u8>, u64), Error> {
        unserved()
    }
}
