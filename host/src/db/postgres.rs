//! PostgreSQL: a pool for the host's own statements; a transaction owns one pooled
//! connection in its own task.
//!
//! Component SQL runs on a second pool whose connections log in as the component role
//! ([`component_role`]): the engine itself refuses the host's tables, whatever the SQL
//! policy's parse let through, and the host's pool is never touched by a component (no
//! session state of theirs can reach host statements, and host work always finds a
//! connection).
//!
//! A component connection waits in the pool inside an open read-only transaction (no
//! snapshot yet, so it holds nothing back), so a read — most component statements —
//! costs one round trip, as a host read does (a component with a table allowlist pays
//! one more, for `SET ROLE`, see [`table_roles`]); the reset on release ([`RESET`]) rolls
//! it back and opens the next. A write first leaves that transaction, and sets
//! `statement_timeout` to its budget in the same round trip. A statement that outlives
//! the call's budget is abandoned at the deadline and its connection closed, which
//! PostgreSQL (14+, `client_connection_check_interval`) notices and cancels the
//! statement on; for reads `statement_timeout` is only a server-side backstop.

mod component_role;
mod table_roles;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::types::Oid;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow, PgTypeInfo, Postgres};
use sqlx::{Column, Encode, Row, Type, TypeInfo, ValueRef as _};
use std::str::FromStr;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::packed::Packer;
use super::transaction::{self, Conn, Transaction, TxEnd};
use super::{ComponentScope, DbError, Outcome, RowSet, Sql, TableAllowlist, Value, ValueRef, migrate};
use crate::config::DatabaseConfig;

/// Run on a component connection before it goes back to the pool, so nothing a
/// component left in the session reaches the next one: an open or failed
/// transaction, `SET`/`set_config(…, false)` values (`RESET ALL`, which leaves the
/// session defaults given at login), the table-allowlist role ([`table_roles`]),
/// cursors, `LISTEN`s, advisory locks and temporary tables (which would shadow real
/// ones; the role may not make them, this is in case aerie could not take TEMPORARY
/// from PUBLIC). Not `DISCARD ALL`: it
/// also drops the server-side prepared statements sqlx keeps for the connection,
/// which sqlx would go on using. (A component that drops them with `DEALLOCATE` gets
/// its connection closed, see [`component_failure`].) It ends by opening the read-only
/// transaction the next read runs in; the `COMMIT` before it matters: in one message, a
/// `BEGIN` would otherwise take the resets before it into its transaction, and the
/// next write's `ROLLBACK` would undo them.
const RESET: &str =
    "ROLLBACK; RESET ALL; RESET ROLE; CLOSE ALL; UNLISTEN *; SELECT pg_advisory_unlock_all(); DISCARD TEMP; COMMIT; BEGIN READ ONLY";

/// How long the server lets a component statement run whatever its budget (a backstop:
/// the deadline is kept by the host, see the module notes); a call with a longer
/// budget raises it for its connection.
const BACKSTOP_TIMEOUT_MS: u128 = 30_000;

/// How much longer than its budget the host waits for a write (see [`host_deadline`]).
const WRITE_GRACE: Duration = Duration::from_millis(500);

/// How many connections component SQL may hold at once: as many as the host's own pool
/// (`database.max_connections`), so a node opens at most twice that.
fn component_share(max_connections: u32) -> u32 {
    max_connections.max(1)
}

/// How many component connections one component may hold at once: all but one of the
/// share (at least one), so one component stuck in slow statements always leaves the
/// others a connection, and the busiest (the Mastodon API) still has nearly all.
fn per_component(share: u32) -> usize {
    share.saturating_sub(1).max(1) as usize
}

/// Table allowlists' roles, by the allowlist's id ([`TableAllowlist::id`]).
type AllowlistRoles = HashMap<u64, Arc<str>>;

pub(crate) struct PostgresBackend {
    pool: PgPool,
    /// Connections logged in as the component role.
    components: PgPool,
    /// Per component id, the permits for its share of `components`.
    shares: Mutex<HashMap<Arc<str>, Arc<Semaphore>>>,
    /// The component role, which component connections log in as.
    role: String,
    /// Table allowlists and their roles (see [`AllowlistRoles`]).
    table_roles: Mutex<AllowlistRoles>,
    tx_timeout: Duration,
}

/// A component connection with its component's permit, released together.
struct ComponentConnection {
    conn: PoolConnection<Postgres>,
    _permit: OwnedSemaphorePermit,
}

impl PostgresBackend {
    pub async fn open(url: &str, config: &DatabaseConfig, tx_timeout: Duration, run_migrations: bool) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(url)?.application_name("aerie");
        let acquire_timeout = Duration::from_millis(config.busy_timeout_ms.max(1000));
        let pool =
            PgPoolOptions::new().max_connections(config.max_connections).acquire_timeout(acquire_timeout).connect_with(options).await?;
        if run_migrations {
            migrate::POSTGRES.run(&pool).await?;
        }
        let login = component_role::prepare(&pool, url).await?;
        let role = login.role.clone();
        let database = login.database.clone();
        let version: i32 = sqlx::query_scalar("SELECT current_setting('server_version_num')::int").fetch_one(&pool).await?;
        let backstop = BACKSTOP_TIMEOUT_MS.to_string();
        let mut settings = vec![("statement_timeout", backstop.as_str()), ("idle_in_transaction_session_timeout", "0")];
        if version >= 140000 {
            // A backend checks every quarter second whether its client is still there, so
            // a statement abandoned at its deadline stops soon after.
            settings.push(("client_connection_check_interval", "250"));
        }
        let components = PgPoolOptions::new()
            .max_connections(component_share(config.max_connections))
            .acquire_timeout(acquire_timeout)
            // No ping before each use: the reset on release has just run on the
            // connection (a failed one closes it), so a ping would only add a round trip.
            .test_before_acquire(false)
            .after_connect(|conn, _| {
                Box::pin(async move { sqlx::Executor::execute(conn, sqlx::raw_sql("BEGIN READ ONLY")).await.map(|_| ()) })
            })
            .after_release(|conn, _| Box::pin(async move { sqlx::Executor::execute(conn, sqlx::raw_sql(RESET)).await.map(|_| true) }))
            .connect_lazy_with(login.options.options(settings));
        // A login refused by pg_hba.conf is the operator's to fix: say so at start, not
        // on the first request.
        if let Err(e) = components.acquire().await {
            return Err(component_role::login_error(&role, &database, e));
        }
        Ok(PostgresBackend { pool, components, shares: Mutex::default(), role, table_roles: Mutex::default(), tx_timeout })
    }

    pub async fn run(&self, sql: &str, params: Vec<Value>, want_rows: bool) -> Result<Outcome, DbError> {
        let mut conn = self.pool.acquire().await?;
        conn.run(sql, params, want_rows).await
    }

    /// Runs one statement and packs its rows (see `packed.rs`) straight from
    /// PostgreSQL's row buffers, text borrowed rather than copied into a `String`.
    pub async fn run_packed(&self, sql: &str, params: Vec<Value>) -> Result<Vec<u8>, DbError> {
        let mut conn = self.pool.acquire().await?;
        let rows = bind(sqlx::query(sql), params).fetch_all(&mut *conn).await?;
        pack_rows(&rows)
    }

    pub async fn begin(&self) -> Result<Transaction, DbError> {
        let mut conn = self.pool.acquire().await?;
        let (tx, commands) = transaction::begin(&mut *conn, self.tx_timeout).await?;
        let timeout = self.tx_timeout;
        tokio::spawn(async move {
            if transaction::drive(&mut *conn, commands, timeout).await == TxEnd::Broken {
                conn.close_on_drop();
            }
        });
        Ok(tx)
    }

    /// One component statement. A read runs in the read-only transaction its connection
    /// waited in, which the reset on release rolls back: besides refusing writes to
    /// tables, the rollback undoes what PostgreSQL lets even a read-only transaction do
    /// (large objects, `NOTIFY`, `set_config(…, false)`). A write runs on its own,
    /// committed.
    pub async fn run_as(&self, scope: &ComponentScope, sql: &Sql, params: Vec<Value>, want_rows: bool) -> Result<Outcome, DbError> {
        let write = writes(scope, sql);
        let mut connection = self.component_connection(scope, write).await?;
        let conn = &mut connection.conn;
        let outcome = tokio::time::timeout(host_deadline(scope, write), component_statement(conn, &sql.text, params, want_rows)).await;
        outcome.unwrap_or_else(|_| Err(stopped_at_deadline(conn, scope)))
    }

    pub async fn run_packed_as(&self, scope: &ComponentScope, sql: &Sql, params: Vec<Value>) -> Result<Vec<u8>, DbError> {
        let write = writes(scope, sql);
        let mut connection = self.component_connection(scope, write).await?;
        let conn = &mut connection.conn;
        let rows = tokio::time::timeout(host_deadline(scope, write), component_rows(conn, &sql.text, params)).await;
        pack_rows(&rows.unwrap_or_else(|_| Err(stopped_at_deadline(conn, scope)))?)
    }

    /// A component transaction: read-only for a read-only grant, each statement
    /// stopped at the end of the call's budget.
    pub async fn begin_as(&self, scope: &ComponentScope) -> Result<Transaction, DbError> {
        // Set up as for a write either way: out of the waiting transaction, with the
        // server's own timeout at the budget for every statement of the transaction.
        let connection = self.component_connection(scope, true).await?;
        let mut tx_conn = ComponentTx { connection, scope: scope.clone(), read_only: scope.read_only, broken: false };
        let (tx, commands) = transaction::begin(&mut tx_conn, self.tx_timeout).await?;
        let timeout = self.tx_timeout;
        tokio::spawn(async move {
            if transaction::drive(&mut tx_conn, commands, timeout).await == TxEnd::Broken {
                tx_conn.connection.conn.close_on_drop();
            }
        });
        Ok(tx)
    }

    /// A component connection, waited for no longer than the call's budget. With
    /// `leave_read` it leaves the read-only transaction it waited in and gets the
    /// server's `statement_timeout` at the budget (one round trip); a read keeps it,
    /// and only a budget past the backstop or a table allowlist costs it a round trip
    /// (the same one).
    async fn component_connection(&self, scope: &ComponentScope, leave_read: bool) -> Result<ComponentConnection, DbError> {
        if scope.remaining().is_zero() {
            return Err(DbError::Unavailable(format!(
                "component {} has used up its time budget; the statement was not run",
                scope.component
            )));
        }
        let share = self.share_of(&scope.component);
        let waiting = async {
            let permit = share.acquire_owned().await.map_err(|_| DbError::Unavailable("the database is closing".into()))?;
            Ok::<_, DbError>(ComponentConnection { conn: self.components.acquire().await?, _permit: permit })
        };
        let mut connection = match tokio::time::timeout(scope.remaining(), waiting).await {
            Ok(connection) => connection?,
            Err(_) => {
                return Err(DbError::Unavailable(format!(
                    "component {} ran out of its time budget waiting for a database connection (it may hold {} at once, all components {}); try again",
                    scope.component,
                    per_component(self.components.options().get_max_connections()),
                    self.components.options().get_max_connections()
                )));
            }
        };
        // A write gets the server's own timeout at the budget, in the round trip that
        // leaves the read-only transaction anyway: a write stopped there is cancelled,
        // never committed behind an "unavailable" answer.
        let remaining = scope.remaining().as_millis().max(1);
        let mut setup = if leave_read {
            format!("ROLLBACK; SET statement_timeout = {remaining}; ")
        } else if remaining > BACKSTOP_TIMEOUT_MS {
            format!("SET statement_timeout = {remaining}; ")
        } else {
            String::new()
        };
        if let Some(tables) = &scope.tables {
            let role = self.table_role(tables).await?;
            setup.push_str(&format!("SET ROLE {}", component_role::quote_ident(&role)));
        }
        if !setup.is_empty() {
            sqlx::Executor::execute(&mut *connection.conn, sqlx::raw_sql(&setup)).await?;
        }
        Ok(connection)
    }

    /// The role for a table allowlist, made on its first use.
    async fn table_role(&self, tables: &TableAllowlist) -> Result<Arc<str>, DbError> {
        if let Some(role) = self.table_roles.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(&tables.id()) {
            return Ok(role.clone());
        }
        let role: Arc<str> = table_roles::ensure(&self.pool, &self.role, tables)
            .await
            .map_err(|e| DbError::Unavailable(format!("could not set up the role for a table allowlist: {e}")))?
            .into();
        self.table_roles.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(tables.id(), role.clone());
        Ok(role)
    }

    fn share_of(&self, component: &Arc<str>) -> Arc<Semaphore> {
        let mut shares = self.shares.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let permits = per_component(self.components.options().get_max_connections());
        shares.entry(component.clone()).or_insert_with(|| Arc::new(Semaphore::new(permits))).clone()
    }

    pub async fn close(&self) {
        self.components.close().await;
        self.pool.close().await;
    }
}

/// Whether a one-shot statement runs as a write: only when both the grant and the
/// statement (as the SQL policy parsed it) say so; anything else is a read.
fn writes(scope: &ComponentScope, sql: &Sql) -> bool {
    !scope.read_only && !sql.read_only
}

/// How long the host waits for a one-shot statement: the budget, and for a write a
/// little more, so the server's own cancellation (a definite "not committed") answers
/// first.
fn host_deadline(scope: &ComponentScope, write: bool) -> Duration {
    scope.remaining() + if write { WRITE_GRACE } else { Duration::ZERO }
}

/// A statement abandoned at the deadline: its connection is closed rather than
/// reused (the server notices and stops the statement).
fn stopped_at_deadline(conn: &mut PoolConnection<Postgres>, scope: &ComponentScope) -> DbError {
    conn.close_on_drop();
    DbError::Unavailable(format!("component {} ran past its time budget; the statement was stopped", scope.component))
}

/// Runs a component statement, its rows decoded or its changes counted.
async fn component_statement(
    conn: &mut PoolConnection<Postgres>,
    sql: &str,
    params: Vec<Value>,
    want_rows: bool,
) -> Result<Outcome, DbError> {
    if want_rows {
        let rows = component_rows(conn, sql, params).await?;
        Ok(Outcome { rows: to_row_set(&rows)?, rows_affected: rows.len() as u64 })
    } else {
        match bind(sqlx::query(sql), params).execute(&mut **conn).await {
            Ok(done) => Ok(Outcome { rows: RowSet::default(), rows_affected: done.rows_affected() }),
            Err(e) => Err(component_failure(conn, e)),
        }
    }
}

async fn component_rows(conn: &mut PoolConnection<Postgres>, sql: &str, params: Vec<Value>) -> Result<Vec<PgRow>, DbError> {
    bind(sqlx::query(sql), params).fetch_all(&mut **conn).await.map_err(|e| component_failure(conn, e))
}

/// What a component sees of a failed statement: refusals by the engine as access
/// denied, with why; a statement stopped at the budget as unavailable. A connection
/// whose prepared statements were dropped under sqlx (`DEALLOCATE`) is closed.
fn component_failure(conn: &mut PoolConnection<Postgres>, error: sqlx::Error) -> DbError {
    let (code, message) = match &error {
        sqlx::Error::Database(db) => (db.code().map(|c| c.into_owned()), db.message().to_string()),
        _ => return DbError::from(error),
    };
    match code.as_deref() {
        Some("42501") => DbError::AccessDenied(format!(
            "{message} (component SQL runs as a database role that reaches only the component tables, never the host's)"
        )),
        Some("25006") => DbError::AccessDenied(format!("{message} (this grant or statement is read-only)")),
        Some("57014") => DbError::Unavailable(format!("{message}: the statement ran past the component's time budget and was stopped")),
        Some("26000") => {
            conn.close_on_drop();
            DbError::Unavailable(format!("{message}: the connection lost its prepared statements and was closed; try again"))
        }
        _ => DbError::from(error),
    }
}

/// A component transaction's connection, its statements under the component's budget.
struct ComponentTx {
    connection: ComponentConnection,
    scope: ComponentScope,
    read_only: bool,
    /// A statement was abandoned at the deadline: the connection is closed, and
    /// nothing more may be sent on it.
    broken: bool,
}

impl Conn for ComponentTx {
    // The `SELECT 1` takes the transaction's first snapshot, after which PostgreSQL
    // refuses `SET TRANSACTION READ WRITE`: a read-only transaction stays read-only.
    const BEGIN: &'static str = "BEGIN; SELECT 1";

    async fn run(&mut self, sql: &str, params: Vec<Value>, want_rows: bool) -> Result<Outcome, DbError> {
        let conn = &mut self.connection.conn;
        let outcome = tokio::time::timeout(self.scope.remaining(), component_statement(conn, sql, params, want_rows)).await;
        outcome.unwrap_or_else(|_| {
            self.broken = true;
            Err(stopped_at_deadline(conn, &self.scope))
        })
    }

    async fn raw(&mut self, sql: &'static str) -> Result<(), DbError> {
        if self.broken {
            return Err(DbError::Unavailable("the connection was closed when a statement ran past its budget".into()));
        }
        // A read-only transaction has nothing to commit but what PostgreSQL lets it do
        // anyway (large objects, NOTIFY, session settings), so it ends in a rollback.
        let sql = match sql {
            Self::BEGIN if self.read_only => "BEGIN READ ONLY; SELECT 1",
            "COMMIT" if self.read_only => "ROLLBACK",
            other => other,
        };
        sqlx::Executor::execute(&mut *self.connection.conn, sqlx::raw_sql(sql)).await?;
        Ok(())
    }
}

/// Packs rows into one buffer (see `packed.rs`).
fn pack_rows(rows: &[PgRow]) -> Result<Vec<u8>, DbError> {
    let Some(first) = rows.first() else { return Ok(Packer::new(std::iter::empty()).finish()) };
    let mut packer = Packer::new(first.columns().iter().map(|c| c.name()));
    for row in rows {
        for i in 0..row.len() {
            packer.value(cell(row, i)?);
        }
    }
    Ok(packer.finish())
}

/// A NULL of no declared type: PostgreSQL infers it from the statement, as it does
/// for an untyped literal NULL, so one guest `null` fits any column.
struct UntypedNull;

impl Type<Postgres> for UntypedNull {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_oid(Oid(0))
    }
}

impl Encode<'_, Postgres> for UntypedNull {
    fn encode_by_ref(&self, _buf: &mut sqlx::postgres::PgArgumentBuffer) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        Ok(sqlx::encode::IsNull::Yes)
    }
}

impl Conn for PgConnection {
    const BEGIN: &'static str = "BEGIN";

    async fn run(&mut self, sql: &str, params: Vec<Value>, want_rows: bool) -> Result<Outcome, DbError> {
        let query = bind(sqlx::query(sql), params);
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

type Query<'q> = sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>;

/// Binds the portable values to `query`'s `$1..$n`.
fn bind(mut query: Query<'_>, params: Vec<Value>) -> Query<'_> {
    for param in params {
        query = match param {
            Value::Null => query.bind(UntypedNull),
            Value::Bool(b) => query.bind(b),
            Value::Int(v) => query.bind(v),
            Value::Float(v) => query.bind(v),
            Value::Text(s) => query.bind(s),
            Value::Bytes(b) => query.bind(b),
        };
    }
    query
}

fn to_row_set(rows: &[PgRow]) -> Result<RowSet, DbError> {
    let columns = rows.first().map(|row| row.columns().iter().map(|c| c.name().to_string()).collect()).unwrap_or_default();
    let rows = rows.iter().map(decode_row).collect::<Result<_, _>>()?;
    Ok(RowSet { columns, rows })
}

fn decode_row(row: &PgRow) -> Result<Vec<Value>, DbError> {
    (0..row.len()).map(|i| cell(row, i).map(ValueRef::to_value)).collect()
}

/// Maps PostgreSQL column types onto the six portable value kinds, text and bytes
/// borrowed from the row.
fn cell(row: &PgRow, i: usize) -> Result<ValueRef<'_>, DbError> {
    if row.try_get_raw(i)?.is_null() {
        return Ok(ValueRef::Null);
    }
    let column = &row.columns()[i];
    Ok(match column.type_info().name() {
        "INT8" => ValueRef::Int(row.try_get::<i64, _>(i)?),
        "INT4" => ValueRef::Int(row.try_get::<i32, _>(i)? as i64),
        "INT2" => ValueRef::Int(row.try_get::<i16, _>(i)? as i64),
        "BOOL" => ValueRef::Bool(row.try_get::<bool, _>(i)?),
        "FLOAT8" => ValueRef::Float(row.try_get::<f64, _>(i)?),
        "FLOAT4" => ValueRef::Float(row.try_get::<f32, _>(i)? as f64),
        "BYTEA" => ValueRef::Bytes(row.try_get::<&[u8], _>(i)?),
        "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" | "CHAR" => ValueRef::Text(row.try_get::<&str, _>(i)?),
        other => {
            return Err(DbError::InvalidQuery(format!(
                "column {:?} has type {other}, which portable SQL does not use; cast it to BIGINT, DOUBLE PRECISION or TEXT",
                column.name()
            )));
        }
    })
}
