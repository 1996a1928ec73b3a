//! Transactions as actors: one task owns the connection for the transaction's life
//! and takes commands over a channel until commit, drop (rollback) or its deadline.
//!
//! The same driver serves both engines. A failed statement poisons the transaction on
//! both (PostgreSQL aborts it anyway; SQLite would not), so a component sees the same
//! behaviour on either engine.

use std::future::Future;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::{DbError, Outcome, RowSet, Value};

pub(crate) enum TxCommand {
    Run { sql: String, params: Vec<Value>, want_rows: bool, reply: oneshot::Sender<Result<Outcome, DbError>> },
    Commit { reply: oneshot::Sender<Result<(), DbError>> },
}

/// One connection able to run typed statements and raw control statements.
pub(crate) trait Conn: Send {
    /// The statement that opens a write transaction on this engine.
    const BEGIN: &'static str;
    fn run(&mut self, sql: &str, params: Vec<Value>, want_rows: bool) -> impl Future<Output = Result<Outcome, DbError>> + Send;
    fn raw(&mut self, sql: &'static str) -> impl Future<Output = Result<(), DbError>> + Send;
}

/// An open write transaction. Dropping it rolls it back.
pub struct Transaction {
    commands: mpsc::Sender<TxCommand>,
    timeout: Duration,
}

impl Transaction {
    pub async fn query(&self, sql: &str, params: Vec<Value>) -> Result<RowSet, DbError> {
        self.run(sql, params, true).await.map(|o| o.rows)
    }

    pub async fn execute(&self, sql: &str, params: Vec<Value>) -> Result<u64, DbError> {
        self.run(sql, params, false).await.map(|o| o.rows_affected)
    }

    /// Commits; fails if the transaction already expired or a statement in it failed.
    pub async fn commit(self) -> Result<(), DbError> {
        let (reply, answer) = oneshot::channel();
        self.commands.send(TxCommand::Commit { reply }).await.map_err(|_| self.expired())?;
        answer.await.map_err(|_| self.expired())?
    }

    async fn run(&self, sql: &str, params: Vec<Value>, want_rows: bool) -> Result<Outcome, DbError> {
        let (reply, answer) = oneshot::channel();
        let command = TxCommand::Run { sql: sql.to_string(), params, want_rows, reply };
        self.commands.send(command).await.map_err(|_| self.expired())?;
        answer.await.map_err(|_| self.expired())?
    }

    fn expired(&self) -> DbError {
        DbError::TransactionExpired(format!("the transaction stayed open longer than {} ms and was rolled back", self.timeout.as_millis()))
    }
}

/// Opens a transaction on `conn`; on success hands back the [`Transaction`] and the
/// receiver that [`drive`] must be run with.
pub(crate) async fn begin<C: Conn>(conn: &mut C, timeout: Duration) -> Result<(Transaction, mpsc::Receiver<TxCommand>), DbError> {
    conn.raw(C::BEGIN).await?;
    let (commands, receiver) = mpsc::channel(8);
    Ok((Transaction { commands, timeout }, receiver))
}

/// How a transaction ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TxEnd {
    Committed,
    RolledBack,
    Expired,
    /// COMMIT or ROLLBACK itself failed: the connection should not be reused.
    Broken,
}

/// Serves commands until commit, drop or the deadline; always leaves no transaction
/// open on `conn`.
pub(crate) async fn drive<C: Conn>(conn: &mut C, mut commands: mpsc::Receiver<TxCommand>, timeout: Duration) -> TxEnd {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut failed: Option<String> = None;
    loop {
        let command = tokio::select! {
            command = commands.recv() => command,
            _ = tokio::time::sleep_until(deadline) => {
                tracing::warn!(timeout_ms = timeout.as_millis() as u64, "a transaction stayed open past its cap; rolling it back");
                return rollback(conn, TxEnd::Expired).await;
            }
        };
        match command {
            Some(TxCommand::Run { sql, params, want_rows, reply }) => {
                let result = match &failed {
                    Some(first) => Err(DbError::InvalidQuery(format!(
                        "an earlier statement in this transaction failed ({first}); it can only be rolled back"
                    ))),
                    None => conn.run(&sql, params, want_rows).await,
                };
                if let Err(e) = &result {
                    failed.get_or_insert_with(|| e.to_string());
                }
                let _ = reply.send(result);
            }
            Some(TxCommand::Commit { reply }) => {
                if let Some(first) = failed {
                    let end = rollback(conn, TxEnd::RolledBack).await;
                    let _ = reply.send(Err(DbError::InvalidQuery(format!(
                        "not committed: a statement in this transaction failed ({first}); it was rolled back"
                    ))));
                    return end;
                }
                return match conn.raw("COMMIT").await {
                    Ok(()) => {
                        let _ = reply.send(Ok(()));
                        TxEnd::Committed
                    }
                    Err(e) => {
                        let end = rollback(conn, TxEnd::Broken).await;
                        let _ = reply.send(Err(e));
                        end
                    }
                };
            }
            None => return rollback(conn, TxEnd::RolledBack).await,
        }
    }
}

async fn rollback<C: Conn>(conn: &mut C, end: TxEnd) -> TxEnd {
    match conn.raw("ROLLBACK").await {
        Ok(()) => end,
        Err(e) => {
            tracing::error!(error = %e, "rolling back a transaction failed");
            TxEnd::Broken
        }
    }
}
