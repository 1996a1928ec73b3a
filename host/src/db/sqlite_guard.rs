//! A component's grant enforced by SQLite itself, whatever its SQL text looked like.
//!
//! Every connection that may run component SQL (each reader, the writer) gets one
//! [`Guard`]: an authorizer (`sqlite3_set_authorizer`) and a progress handler
//! (`sqlite3_progress_handler`) installed once, at open, that consult the guard's
//! current scope. The host's own statements run with no scope and are allowed
//! everything; a component statement runs between [`Guard::enter`] and the end of the
//! returned [`Entered`], and then:
//!
//! - the authorizer sees every table and column the compiled statement reads or
//!   writes, every function it calls, and every PRAGMA, ATTACH, DETACH, transaction and
//!   schema statement, and denies what the grant does not allow;
//! - the progress handler interrupts the statement once the call's deadline passes
//!   (or, for a read tried on the calling thread, once its short slice is used up);
//! - [`one_statement`] asks SQLite's own parser that the text holds exactly one
//!   statement, so nothing after it can run.
//!
//! Installed once rather than per statement because `sqlite3_set_authorizer` expires
//! every prepared statement of the connection: per statement, the host's cached
//! statements would be compiled again after each component call. The authorizer runs
//! when a statement is compiled, so a compiled statement is only reused under the scope
//! it was compiled for: component statements are cached under a key naming their scope
//! ([`cache_key`]).
//!
//! Foreign keys: SQLite checks and carries out a key inside the statement that writes,
//! and authorizes those accesses like the statement's own. So once a statement's target
//! (its first write) is allowed, reads of key columns and writes by key actions
//! (`ON DELETE CASCADE` / `SET NULL`) into other tables are allowed too: they are the
//! host's schema at work (components cannot create keys or triggers), and a key column
//! holds ids, never secrets.
//!
//! A FROM item none of whose columns are used (`SELECT COUNT(*) FROM c`) is reported
//! by name alone, without telling a CTE from a table: such a name is checked when it
//! is a real table or a reserved name; any other is the statement's own CTE or
//! subquery, whose reads were checked where it was defined.

use std::collections::HashSet;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rusqlite::ffi;

use super::{ComponentScope, DbError, TableAllowlist};
use crate::capabilities::db::sql_policy::{HOST_ONLY_TABLES, is_allowed_function};

/// Virtual machine instructions between two looks at the clock: a look costs an
/// uncontended lock and a clock read (tens of nanoseconds), a thousand instructions
/// some microseconds, so the look is cheap beside the work and the stop is prompt.
pub(crate) const PROGRESS_OPS: c_int = 1000;

/// What the authorizer needs to know of the schema (names in lower case).
#[derive(Debug, Default)]
pub(crate) struct Schema {
    /// The real tables. SQLite reports a FROM item whose columns are not used (as in
    /// `SELECT COUNT(*) FROM t`) by its name alone, which may be a CTE's: only a name
    /// here is then checked against the allowlist.
    tables: HashSet<String>,
    /// `(table, column)` on either end of a foreign key: SQLite reads them to check a key.
    key_columns: HashSet<(String, String)>,
    /// Tables a key action (`CASCADE`, `SET NULL`, `SET DEFAULT`) writes.
    action_tables: HashSet<String>,
}

impl Schema {
    /// Reads the tables and keys from `conn` (the host's own statements).
    pub async fn load(conn: &mut sqlx::SqliteConnection) -> Result<Schema, DbError> {
        use sqlx::Row;
        let mut schema = Schema::default();
        for row in sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table'").fetch_all(&mut *conn).await? {
            schema.tables.insert(row.try_get::<String, _>(0)?.to_ascii_lowercase());
        }
        let rows = sqlx::query(
            "SELECT m.name, p.\"from\", p.\"table\", p.\"to\", p.on_update, p.on_delete \
             FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) p WHERE m.type = 'table'",
        )
        .fetch_all(&mut *conn)
        .await?;
        for row in rows {
            let child: String = row.try_get(0)?;
            let from: String = row.try_get(1)?;
            let parent: String = row.try_get(2)?;
            // A key naming no column refers to the parent's primary key; ours all name it.
            let to: Option<String> = row.try_get(3)?;
            let (on_update, on_delete): (String, String) = (row.try_get(4)?, row.try_get(5)?);
            schema.key_columns.insert((child.to_ascii_lowercase(), from.to_ascii_lowercase()));
            if let Some(to) = to {
                schema.key_columns.insert((parent.to_ascii_lowercase(), to.to_ascii_lowercase()));
            }
            let acts = |action: &str| matches!(action.to_ascii_uppercase().as_str(), "CASCADE" | "SET NULL" | "SET DEFAULT");
            if acts(&on_update) || acts(&on_delete) {
                schema.action_tables.insert(child.to_ascii_lowercase());
            }
        }
        Ok(schema)
    }
}

/// One connection's authorizer and progress handler state.
pub(crate) struct Guard {
    schema: Arc<Schema>,
    state: Mutex<State>,
    /// Cache keys SQLite found to be exactly one statement on this connection, so the
    /// check runs once per text and scope (the writer's; readers keep it on the `Sql`).
    single: Mutex<HashSet<String>>,
}

/// At most this many remembered one-statement checks before the set starts over.
const SINGLE_LIMIT: usize = 4096;

#[derive(Default)]
struct State {
    active: Option<Active>,
    /// Why the authorizer refused (the first refusal), for the error.
    denied: Option<String>,
    /// Why the progress handler stopped the statement.
    stopped: Option<Stop>,
    /// The table the statement writes (its first write), once authorized.
    target: Option<String>,
}

struct Active {
    read_only: bool,
    tables: Option<Arc<TableAllowlist>>,
    deadline: Instant,
    /// How much of the budget was left when the statement started, for the error.
    left: Duration,
    /// A read tried on the calling thread stops here and moves to the read pool.
    slice_end: Option<Instant>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    Deadline,
    Slice,
}

/// While alive, the guard's connection runs under a component's scope.
pub(crate) struct Entered<'g> {
    guard: &'g Guard,
}

impl Guard {
    pub fn new(schema: Arc<Schema>) -> Arc<Guard> {
        Arc::new(Guard { schema, state: Mutex::new(State::default()), single: Mutex::new(HashSet::new()) })
    }

    /// Whether `key` was already found to be one statement on this connection.
    pub fn known_single(&self, key: &str) -> bool {
        self.single.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).contains(key)
    }

    /// Remembers that SQLite found `key` to be one statement.
    pub fn remember_single(&self, key: String) {
        let mut single = self.single.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if single.len() >= SINGLE_LIMIT {
            single.clear();
        }
        single.insert(key);
    }

    /// Installs the authorizer and the progress handler on `db`.
    ///
    /// # Safety
    /// `db` must be an open connection, and `self` must outlive every statement
    /// compiled or run on it (callers keep the `Arc` beside the connection).
    pub unsafe fn install(self: &Arc<Self>, db: *mut ffi::sqlite3) {
        let user = Arc::as_ptr(self) as *mut c_void;
        // SAFETY: per this function's contract; the callbacks only read `user` as a Guard.
        unsafe {
            ffi::sqlite3_set_authorizer(db, Some(authorizer), user);
            ffi::sqlite3_progress_handler(db, PROGRESS_OPS, Some(progress), user);
        }
    }

    /// Installs only the authorizer: sqlx owns the writer's progress handler (see
    /// [`Self::keep_going`]).
    ///
    /// # Safety
    /// As [`Self::install`].
    pub unsafe fn install_authorizer(self: &Arc<Self>, db: *mut ffi::sqlite3) {
        // SAFETY: per this function's contract.
        unsafe { ffi::sqlite3_set_authorizer(db, Some(authorizer), Arc::as_ptr(self) as *mut c_void) };
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A callback never panics while holding the lock; take it even if poisoned.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Puts the connection under `scope` until the returned value is dropped. `slice`
    /// stops the statement early (see [`Entered::out_of_slice`]). Refuses at once when
    /// the budget is already spent.
    pub fn enter(&self, scope: &ComponentScope, slice: Option<Duration>) -> Result<Entered<'_>, DbError> {
        let now = Instant::now();
        let left = scope.deadline.saturating_duration_since(now);
        if left.is_zero() {
            return Err(over_budget(left));
        }
        *self.lock() = State {
            active: Some(Active {
                read_only: scope.read_only,
                tables: scope.tables.clone(),
                deadline: scope.deadline,
                left,
                slice_end: slice.map(|slice| now + slice),
            }),
            ..State::default()
        };
        Ok(Entered { guard: self })
    }

    /// The progress handler's answer: false stops the running statement.
    pub fn keep_going(&self) -> bool {
        let mut state = self.lock();
        let Some(active) = &state.active else { return true };
        let now = Instant::now();
        let stop = if now >= active.deadline {
            Stop::Deadline
        } else if active.slice_end.is_some_and(|end| now >= end) {
            Stop::Slice
        } else {
            return true;
        };
        state.stopped = Some(stop);
        false
    }

    fn authorize(&self, action: c_int, first: Option<&str>, second: Option<&str>, database: Option<&str>) -> c_int {
        let mut state = self.lock();
        let Some(active) = &state.active else { return ffi::SQLITE_OK };
        let verdict = match action {
            ffi::SQLITE_SELECT | ffi::SQLITE_RECURSIVE => Ok(()),
            ffi::SQLITE_READ => {
                let (table, column) = (lower(first), lower(second));
                check_table(active, &table, database).or_else(|why| {
                    let unused_non_table = column.is_empty() && !self.schema.tables.contains(&table) && !reserved(&table);
                    // A key check or action of an authorized write.
                    let key = state.target.is_some() && self.schema.key_columns.contains(&(table, column));
                    if unused_non_table || key { Ok(()) } else { Err(why) }
                })
            }
            ffi::SQLITE_INSERT | ffi::SQLITE_UPDATE | ffi::SQLITE_DELETE => {
                let table = lower(first);
                if active.read_only {
                    Err("this component's db grant is read-only; grant read-write in its manifest entry to write".to_string())
                } else {
                    match &state.target {
                        None => check_table(active, &table, database).map(|()| state.target = Some(table)),
                        Some(target) if *target == table || self.schema.action_tables.contains(&table) => Ok(()),
                        Some(_) => check_table(active, &table, database),
                    }
                }
            }
            ffi::SQLITE_FUNCTION => match second {
                Some(name) if is_allowed_function(name) => Ok(()),
                name => Err(format!(
                    "function {} is not one components may call; use the portable scalar and aggregate functions (lower, coalesce, count, ...)",
                    name.unwrap_or("?")
                )),
            },
            ffi::SQLITE_PRAGMA => {
                Err(format!("PRAGMA {} is the host's; components cannot change or read engine settings", first.unwrap_or("")))
            }
            ffi::SQLITE_ATTACH | ffi::SQLITE_DETACH => Err("components cannot attach or detach databases".to_string()),
            ffi::SQLITE_TRANSACTION | ffi::SQLITE_SAVEPOINT => {
                Err("transactions go through the db transaction resource (begin), not SQL statements".to_string())
            }
            _ => Err("components may only run SELECT, INSERT, UPDATE and DELETE; schema changes belong in migrations".to_string()),
        };
        match verdict {
            Ok(()) => ffi::SQLITE_OK,
            Err(why) => {
                state.denied.get_or_insert(why);
                ffi::SQLITE_DENY
            }
        }
    }
}

impl Entered<'_> {
    /// The progress handler stopped the statement because its slice ran out (not its
    /// budget): run it again where it may take longer.
    pub fn out_of_slice(&self) -> bool {
        self.guard.lock().stopped == Some(Stop::Slice)
    }

    /// `result`, with a refusal or a stop explained by what the guard saw.
    pub fn finish<T>(&self, result: Result<T, DbError>) -> Result<T, DbError> {
        result.or_else(|error| self.explain(error))
    }

    /// `error` replaced by the guard's reason when it refused or stopped the statement.
    pub fn explain<T>(&self, error: DbError) -> Result<T, DbError> {
        let mut state = self.guard.lock();
        if let Some(why) = state.denied.take() {
            return Err(DbError::AccessDenied(why));
        }
        if state.stopped == Some(Stop::Deadline) {
            return Err(over_budget(state.active.as_ref().map_or(Duration::ZERO, |a| a.left)));
        }
        Err(error)
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        *self.guard.lock() = State::default();
    }
}

fn over_budget(left: Duration) -> DbError {
    DbError::Unavailable(format!(
        "the statement ran past the component's time budget ({} ms of it were left when the statement started) and was stopped; \
         make the query cheaper (an index, a LIMIT) or raise limits.time_ms in the component's manifest entry",
        left.as_millis()
    ))
}

fn lower(name: Option<&str>) -> String {
    name.unwrap_or("").to_ascii_lowercase()
}

/// Host tables and the engine's catalogues, pragma tables and page statistics.
fn reserved(table: &str) -> bool {
    HOST_ONLY_TABLES.contains(&table) || table.starts_with("sqlite_") || table.starts_with("pragma_") || table == "dbstat"
}

fn check_table(active: &Active, table: &str, database: Option<&str>) -> Result<(), String> {
    if !matches!(database, None | Some("main")) {
        return Err(format!("table {table} is outside the instance database; components reach only its main schema"));
    }
    if reserved(table) {
        return Err(format!("table {table} is reserved to the host; no grant gives components access to it"));
    }
    if let Some(allowed) = &active.tables
        && !allowed.contains(table)
    {
        return Err(format!(
            "table {table} is not in this component's table allowlist; add it to grants.tables in its manifest entry if it needs it"
        ));
    }
    Ok(())
}

/// A name from SQLite: `Err` when present but not UTF-8 (refused, never guessed at).
///
/// # Safety
/// `text` is null or a NUL-terminated string valid for the callback's duration.
unsafe fn name<'a>(text: *const c_char) -> Result<Option<&'a str>, ()> {
    if text.is_null() {
        return Ok(None);
    }
    // SAFETY: per this function's contract.
    unsafe { CStr::from_ptr(text) }.to_str().map(Some).map_err(|_| ())
}

unsafe extern "C" fn authorizer(
    user: *mut c_void,
    action: c_int,
    first: *const c_char,
    second: *const c_char,
    database: *const c_char,
    _trigger_or_view: *const c_char,
) -> c_int {
    // SAFETY: `user` is the Guard installed with this callback, alive per `install`'s
    // contract; the strings are SQLite's, valid during the call.
    let guard = unsafe { &*(user as *const Guard) };
    match unsafe { (name(first), name(second), name(database)) } {
        (Ok(first), Ok(second), Ok(database)) => guard.authorize(action, first, second, database),
        _ => ffi::SQLITE_DENY,
    }
}

unsafe extern "C" fn progress(user: *mut c_void) -> c_int {
    // SAFETY: as in `authorizer`.
    let guard = unsafe { &*(user as *const Guard) };
    if guard.keep_going() { 0 } else { 1 }
}

/// Asks SQLite's own parser whether `sql` is exactly one statement: the first is
/// compiled (under the connection's authorizer) and anything after it must compile to
/// nothing (whitespace and comments). Errors say what SQLite found.
///
/// # Safety
/// `db` must be an open connection not in use by another thread during the call.
pub(crate) unsafe fn one_statement(db: *mut ffi::sqlite3, sql: &str) -> Result<(), DbError> {
    let prepare = |text: &[u8]| -> Result<(bool, usize), DbError> {
        let mut statement = std::ptr::null_mut();
        let mut tail: *const c_char = std::ptr::null();
        let start = text.as_ptr() as *const c_char;
        // SAFETY: `text` is valid for its length (no NUL needed with an explicit
        // length); the statement, if any, is finalized right away.
        let code = unsafe { ffi::sqlite3_prepare_v2(db, start, text.len() as c_int, &mut statement, &mut tail) };
        if code != ffi::SQLITE_OK {
            // SAFETY: sqlite3_errmsg returns a string owned by the connection.
            let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) }.to_string_lossy().into_owned();
            return Err(DbError::InvalidQuery(message));
        }
        let found = !statement.is_null();
        // SAFETY: finalizing null is a no-op.
        unsafe { ffi::sqlite3_finalize(statement) };
        let used = if tail.is_null() { text.len() } else { (tail as usize - start as usize).min(text.len()) };
        Ok((found, used))
    };
    let bytes = sql.as_bytes();
    let (found, used) = prepare(bytes)?;
    if !found {
        return Err(DbError::InvalidQuery("the statement is empty".into()));
    }
    let rest = &bytes[used..];
    match prepare(rest) {
        Ok((false, _)) => Ok(()),
        Ok((true, _)) | Err(_) => Err(DbError::AccessDenied(format!(
            "send one statement per call; SQLite reads more after the first: {:?}",
            String::from_utf8_lossy(&rest[..rest.len().min(80)]).trim()
        ))),
    }
}

/// The text a component statement is cached under on a connection: `sql` behind a
/// comment naming its scope (read-only or not, and which allowlist), so a statement
/// compiled, and authorized, for one grant is never reused for another.
pub(crate) fn cache_key(scope: &ComponentScope, sql: &str) -> String {
    use std::fmt::Write as _;
    let mut key = String::with_capacity(sql.len() + 24);
    let mode = if scope.read_only { "ro" } else { "rw" };
    match &scope.tables {
        Some(tables) => write!(key, "/*{mode}-{}*/", tables.id()),
        None => write!(key, "/*{mode}-all*/"),
    }
    .expect("writing to a String");
    key.push_str(sql);
    key
}
