//! `aerie:host/db`: portable SQL over the instance database, scoped by the
//! component's grant (see [`sql_policy`] for what is allowed).

pub mod sql_policy;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Instant;

use serde::Deserialize;
use wasmtime::component::{HasData, Linker, Resource, ResourceTable};

use super::aerie::host::db::{self as wit, Host, HostTransaction};
use super::{Capability, Grant, HTTP_AND_JOB, Setup, States};
use crate::config::{ComponentEntry, Grants, Hook};
use crate::db::{ComponentScope, Database, DbError, Engine, RowSet, Sql, Transaction, Value};
use crate::runtime::state::StoreState;
use sql_policy::SqlPolicy;

/// What a component may do with the database (`grants.db` in a manifest entry).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DbGrant {
    #[default]
    None,
    ReadOnly,
    ReadWrite,
}

impl DbGrant {
    /// As written in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            DbGrant::None => "none",
            DbGrant::ReadOnly => "read-only",
            DbGrant::ReadWrite => "read-write",
        }
    }
}

impl std::fmt::Display for DbGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// The capability: `grants.db`, with an optional `grants.tables` allowlist.
pub struct Db;

impl Capability for Db {
    fn name(&self) -> &'static str {
        "db"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        &["aerie:host/db"]
    }

    fn grant(&self) -> Grant {
        Grant::Access("db")
    }

    fn granted(&self, grants: &Grants) -> bool {
        grants.db != DbGrant::None
    }

    fn hooks(&self) -> &'static [Hook] {
        HTTP_AND_JOB
    }

    fn add_to_linker(&self, linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
        wit::add_to_linker::<StoreState, Data>(linker, |state| DbView::new(state))
    }

    fn set_up(&self, setup: &Setup<'_>, states: &mut States) {
        states.db = setup.sql_policy.map(|policy| DbCtx { database: setup.database.clone(), policy: policy.clone() });
    }
}

/// The SQL policy of a component granted the database, made once when it is loaded
/// (every store of the component shares it through [`Setup::sql_policy`]).
pub fn sql_policy(entry: &ComponentEntry, engine: Engine) -> Option<Arc<SqlPolicy>> {
    (entry.grants.db != DbGrant::None).then(|| Arc::new(SqlPolicy::new(engine, entry.grants.db, entry.grants.tables.as_deref())))
}

/// Write transactions a call holds open, and whether the database has a single
/// writer (SQLite): then any other write of the same call would wait for them. The db
/// capability counts them; kv, queue and federation writes check them.
#[derive(Debug, Default)]
pub struct Transactions {
    pub open: u32,
    pub single_writer: bool,
}

impl Transactions {
    /// Refuses, with the fix, a write that would wait forever for a transaction this same
    /// call holds open (SQLite has one writer: it is busy with that transaction).
    pub fn write_would_wait(&self) -> Option<String> {
        (self.single_writer && self.open > 0).then(|| {
            "this write would wait for the transaction this component holds open (SQLite has a single writer): \
             make it inside the transaction, or after commit"
                .to_string()
        })
    }
}

/// What the `Host` impls work on: the database and policy (with a db grant), the
/// table transactions live in, the call's open transactions and its deadline.
pub struct DbView<'a> {
    pub ctx: Option<&'a DbCtx>,
    pub table: &'a mut ResourceTable,
    pub transactions: &'a mut Transactions,
    pub component_id: &'a Arc<str>,
    /// When the call's time budget runs out; its statements stop then too.
    pub deadline: Instant,
}

impl<'a> DbView<'a> {
    pub fn new(state: &'a mut StoreState) -> DbView<'a> {
        DbView {
            ctx: state.capabilities.db.as_ref(),
            table: &mut state.table,
            transactions: &mut state.transactions,
            component_id: &state.component_id,
            deadline: state.started + state.budget,
        }
    }
}

struct Data;

impl HasData for Data {
    type Data<'a> = DbView<'a>;
}

/// The per-store view of the database: the handle and the component's SQL policy.
pub struct DbCtx {
    pub database: Database,
    pub policy: Arc<SqlPolicy>,
}

/// A transaction held in the store's resource table; `None` once committed.
pub struct TransactionSlot(Option<Transaction>);

fn to_db(value: wit::Value) -> Value {
    match value {
        wit::Value::Null => Value::Null,
        wit::Value::Boolean(b) => Value::Bool(b),
        wit::Value::Int64(v) => Value::Int(v),
        wit::Value::Float64(v) => Value::Float(v),
        wit::Value::Text(s) => Value::Text(s),
        wit::Value::Bytes(b) => Value::Bytes(b),
    }
}

fn to_wit(value: Value) -> wit::Value {
    match value {
        Value::Null => wit::Value::Null,
        Value::Bool(b) => wit::Value::Boolean(b),
        Value::Int(v) => wit::Value::Int64(v),
        Value::Float(v) => wit::Value::Float64(v),
        Value::Text(s) => wit::Value::Text(s),
        Value::Bytes(b) => wit::Value::Bytes(b),
    }
}

fn rows_to_wit(rows: RowSet) -> wit::RowSet {
    wit::RowSet { columns: rows.columns, rows: rows.rows.into_iter().map(|row| row.into_iter().map(to_wit).collect()).collect() }
}

fn error_to_wit(error: DbError) -> wit::Error {
    match error {
        DbError::AccessDenied(m) => wit::Error::AccessDenied(m),
        DbError::InvalidQuery(m) => wit::Error::InvalidQuery(m),
        DbError::ConstraintViolation(m) => wit::Error::ConstraintViolation(m),
        DbError::TransactionExpired(m) => wit::Error::TransactionExpired(m),
        DbError::Unavailable(m) => wit::Error::Unavailable(m),
        // Not a WIT case of its own: the host answers the client 507 itself (runtime::http).
        DbError::StorageFull(m) => wit::Error::Unavailable(format!("no space left to write: {m}")),
    }
}

impl<'a> DbView<'a> {
    fn db(&self) -> Result<&'a DbCtx, wit::Error> {
        self.ctx.ok_or_else(|| wit::Error::AccessDenied("this component has no db grant".into()))
    }

    /// The grant this call's statements run under, for the engine to enforce.
    fn scope(&self) -> Result<ComponentScope, wit::Error> {
        let ctx = self.db()?;
        Ok(ComponentScope {
            component: self.component_id.clone(),
            read_only: ctx.policy.grant() != DbGrant::ReadWrite,
            tables: ctx.policy.allowed_tables().cloned(),
            deadline: self.deadline,
        })
    }

    /// Applies the component's SQL policy to `sql` (inside a transaction).
    fn check_statement(&self, sql: &str) -> Result<Database, wit::Error> {
        let ctx = self.db()?;
        ctx.policy.check(sql).map_err(wit::Error::AccessDenied)?;
        Ok(ctx.database.clone())
    }

    /// The policy check for a statement outside a transaction (it comes back prepared,
    /// with the scope the engine enforces), and for one that writes, the check that no
    /// open transaction of this store would make it wait.
    fn prepare_statement(&self, sql: &str) -> Result<(Database, Arc<Sql>, ComponentScope), wit::Error> {
        let ctx = self.db()?;
        let prepared = ctx.policy.prepare(sql).map_err(wit::Error::AccessDenied)?;
        if !prepared.read_only
            && let Some(why) = self.transactions.write_would_wait()
        {
            return Err(wit::Error::Unavailable(why));
        }
        Ok((ctx.database.clone(), prepared, self.scope()?))
    }
}

impl Host for DbView<'_> {
    async fn query(&mut self, sql: String, params: Vec<wit::Value>) -> wasmtime::Result<Result<wit::RowSet, wit::Error>> {
        let (database, prepared, scope) = match self.prepare_statement(&sql) {
            Ok(found) => found,
            Err(e) => return Ok(Err(e)),
        };
        let params = params.into_iter().map(to_db).collect();
        Ok(database.query_as(&scope, &prepared, params).await.map(rows_to_wit).map_err(error_to_wit))
    }

    async fn query_packed(&mut self, sql: String, params: Vec<wit::Value>) -> wasmtime::Result<Result<Vec<u8>, wit::Error>> {
        let (database, prepared, scope) = match self.prepare_statement(&sql) {
            Ok(found) => found,
            Err(e) => return Ok(Err(e)),
        };
        let params = params.into_iter().map(to_db).collect();
        Ok(database.query_packed_as(&scope, &prepared, params).await.map_err(error_to_wit))
    }

    async fn execute(&mut self, sql: String, params: Vec<wit::Value>) -> wasmtime::Result<Result<u64, wit::Error>> {
        let (database, prepared, scope) = match self.prepare_statement(&sql) {
            Ok(found) => found,
            Err(e) => return Ok(Err(e)),
        };
        if let Some(why) = self.transactions.write_would_wait() {
            return Ok(Err(wit::Error::Unavailable(why)));
        }
        let params = params.into_iter().map(to_db).collect();
        Ok(database.execute_as(&scope, &prepared, params).await.map_err(error_to_wit))
    }

    async fn begin(&mut self) -> wasmtime::Result<Result<Resource<TransactionSlot>, wit::Error>> {
        let (database, scope) = match self.db() {
            Ok(ctx) if ctx.policy.grant() == DbGrant::ReadWrite => match self.scope() {
                Ok(scope) => (ctx.database.clone(), scope),
                Err(e) => return Ok(Err(e)),
            },
            Ok(_) => return Ok(Err(wit::Error::AccessDenied("transactions need a read-write db grant".into()))),
            Err(e) => return Ok(Err(e)),
        };
        match database.begin_as(&scope).await {
            Ok(tx) => {
                self.transactions.open += 1;
                Ok(Ok(self.table.push(TransactionSlot(Some(tx)))?))
            }
            Err(e) => Ok(Err(error_to_wit(e))),
        }
    }
}

fn committed() -> wit::Error {
    wit::Error::InvalidQuery("the transaction was already committed".into())
}

impl HostTransaction for DbView<'_> {
    async fn query(
        &mut self,
        tx: Resource<TransactionSlot>,
        sql: String,
        params: Vec<wit::Value>,
    ) -> wasmtime::Result<Result<wit::RowSet, wit::Error>> {
        if let Err(e) = self.check_statement(&sql) {
            return Ok(Err(e));
        }
        let params = params.into_iter().map(to_db).collect();
        let Some(tx) = &self.table.get(&tx)?.0 else { return Ok(Err(committed())) };
        Ok(tx.query(&sql, params).await.map(rows_to_wit).map_err(error_to_wit))
    }

    async fn query_packed(
        &mut self,
        tx: Resource<TransactionSlot>,
        sql: String,
        params: Vec<wit::Value>,
    ) -> wasmtime::Result<Result<Vec<u8>, wit::Error>> {
        if let Err(e) = self.check_statement(&sql) {
            return Ok(Err(e));
        }
        let params = params.into_iter().map(to_db).collect();
        let Some(tx) = &self.table.get(&tx)?.0 else { return Ok(Err(committed())) };
        // The transaction's connection task answers with rows; packing them here still
        // spares the guest one allocation per cell.
        Ok(tx.query(&sql, params).await.map(|rows| crate::db::packed::pack(&rows)).map_err(error_to_wit))
    }

    async fn execute(
        &mut self,
        tx: Resource<TransactionSlot>,
        sql: String,
        params: Vec<wit::Value>,
    ) -> wasmtime::Result<Result<u64, wit::Error>> {
        if let Err(e) = self.check_statement(&sql) {
            return Ok(Err(e));
        }
        let params = params.into_iter().map(to_db).collect();
        let Some(tx) = &self.table.get(&tx)?.0 else { return Ok(Err(committed())) };
        Ok(tx.execute(&sql, params).await.map_err(error_to_wit))
    }

    async fn commit(&mut self, tx: Resource<TransactionSlot>) -> wasmtime::Result<Result<(), wit::Error>> {
        let slot = self.table.delete(tx)?;
        self.transactions.open = self.transactions.open.saturating_sub(1);
        match slot.0 {
            Some(tx) => Ok(tx.commit().await.map_err(error_to_wit)),
            None => Ok(Err(committed())),
        }
    }

    async fn drop(&mut self, tx: Resource<TransactionSlot>) -> wasmtime::Result<()> {
        // Dropping the Transaction closes its channel; its actor rolls back. (A committed
        // transaction's resource was already deleted by `commit`.)
        if self.table.delete(tx).is_ok() {
            self.transactions.open = self.transactions.open.saturating_sub(1);
        }
        Ok(())
    }
}
