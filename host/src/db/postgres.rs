//! PostgreSQL: a pool; a transaction owns one pooled connection in its own task.

use std::time::Duration;

use sqlx::postgres::types::Oid;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow, PgTypeInfo, Postgres};
use sqlx::{Column, Encode, Row, Type, TypeInfo, ValueRef as _};
use std::str::FromStr;

use super::packed::Packer;
use super::transaction::{self, Conn, Transaction, TxEnd};
use super::{DbError, Outcome, RowSet, Value, ValueRef, migrate};
use crate::config::DatabaseConfig;

pub(crate) struct PostgresBackend {
    pool: PgPool,
    tx_timeout: Duration,
}

impl PostgresBackend {
    pub async fn open(url: &str, config: &DatabaseConfig, tx_timeout: Duration, run_migrations: bool) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(url)?.application_name("aerie");
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections)
            .acquire_timeout(Duration::from_millis(config.busy_timeout_ms.max(1000)))
            .connect_with(options)
            .await?;
        if run_migrations {
            migrate::POSTGRES.run(&pool).await?;
        }
        Ok(PostgresBackend { pool, tx_timeout })
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
        let Some(first) = rows.first() else { return Ok(Packer::new(std::iter::empty()).finish()) };
        let mut packer = Packer::new(first.columns().iter().map(|c| c.name()));
        for row in &rows {
            for i in 0..row.len() {
                packer.value(cell(row, i)?);
            }
        }
        Ok(packer.finish())
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

    // Component statements. Not yet enforced by the engine: the SQL policy's parse is
    // the only check until the component role lands.
    pub async fn run_as(
        &self,
        _scope: &super::ComponentScope,
        sql: &super::Sql,
        params: Vec<Value>,
        want_rows: bool,
    ) -> Result<Outcome, DbError> {
        self.run(&sql.text, params, want_rows).await
    }

    pub async fn run_packed_as(&self, _scope: &super::ComponentScope, sql: &super::Sql, params: Vec<Value>) -> Result<Vec<u8>, DbError> {
        self.run_packed(&sql.text, params).await
    }

    pub async fn begin_as(&self, _scope: &super::ComponentScope) -> Result<Transaction, DbError> {
        self.begin().await
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
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
