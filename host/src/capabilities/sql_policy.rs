//! What SQL a component may run, decided by parsing it (sqlparser) rather than by
//! guessing from keywords.
//!
//! - One statement per call; transactions go through the `transaction` resource.
//! - Only `SELECT`/`VALUES` queries, `INSERT`, `UPDATE` and `DELETE`: schema changes
//!   belong in migrations, and `PRAGMA`, `ATTACH`, `SET`, `COPY` and the like reach
//!   past the data into the engine.
//! - A read-only grant refuses writes, including a write hidden in a `WITH` clause.
//! - Host-only tables (secrets, queues, key-value, migrations) and the engines'
//!   catalogues are refused to every component; a table allowlist refuses the rest.

use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};

use sqlparser::ast::{ObjectName, Query, Statement, Visit, Visitor};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use super::db::DbGrant;
use crate::db::Sql;

/// Tables only the host reads or writes. Secrets (password hashes, token hashes)
/// live here or outside the database altogether (the instance key).
pub const HOST_ONLY_TABLES: &[&str] = &[
    "_sqlx_migrations",
    "account_credentials",
    "account_keys",
    "application_secrets",
    "oauth_tokens",
    "oauth_codes",
    "jobs",
    "recurring_jobs",
    "kv_entries",
    "component_status",
    "id_nodes",
    "remote_keys",
    "instance_keys",
];

/// Whether a statement reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementKind {
    Read,
    Write,
}

/// One component's SQL rules, with a cache of decisions by statement text
/// (components send the same statements over and over). An allowed statement is kept
/// prepared for the database ([`Sql`]), so the one lookup here also saves its
/// placeholder rewrite.
pub struct SqlPolicy {
    grant: DbGrant,
    /// Lower-case table names; `None` means every non-host table.
    allowed: Option<Arc<HashSet<String>>>,
    /// A fast hash: statement texts are long and come from installed components.
    decisions: Mutex<HashMap<String, Result<Arc<Sql>, String>, foldhash::fast::RandomState>>,
}

/// Largest number of cached decisions before the cache starts over.
const CACHE_LIMIT: usize = 2048;

impl SqlPolicy {
    pub fn new(grant: DbGrant, tables: Option<&[String]>) -> SqlPolicy {
        SqlPolicy {
            grant,
            allowed: tables.map(|t| Arc::new(t.iter().map(|name| name.to_ascii_lowercase()).collect())),
            decisions: Mutex::new(HashMap::default()),
        }
    }

    pub fn grant(&self) -> DbGrant {
        self.grant
    }

    /// The table allowlist (lower case); `None` means every non-host table.
    pub fn allowed_tables(&self) -> Option<&Arc<HashSet<String>>> {
        self.allowed.as_ref()
    }

    /// Decides whether `sql` may run; the error says why not and what to do.
    pub fn check(&self, sql: &str) -> Result<StatementKind, String> {
        self.prepare(sql).map(|sql| if sql.read_only { StatementKind::Read } else { StatementKind::Write })
    }

    /// [`Self::check`], answering an allowed statement prepared for the database.
    pub fn prepare(&self, sql: &str) -> Result<Arc<Sql>, String> {
        if let Some(decision) = self.decisions.lock().unwrap().get(sql) {
            return decision.clone();
        }
        let decision = self.decide(sql).map(|kind| Arc::new(Sql::new(sql, kind == StatementKind::Read)));
        let mut decisions = self.decisions.lock().unwrap();
        if decisions.len() >= CACHE_LIMIT {
            decisions.clear();
        }
        decisions.insert(sql.to_string(), decision.clone());
        decision
    }

    fn decide(&self, sql: &str) -> Result<StatementKind, String> {
        let statements = Parser::parse_sql(&GenericDialect {}, sql).map_err(|e| format!("the statement does not parse: {e}"))?;
        let [statement] = statements.as_slice() else {
            return Err(format!("send one statement per call (got {})", statements.len()));
        };
        let kind = match statement {
            Statement::Query(_) => StatementKind::Read,
            Statement::Insert(_) | Statement::Update { .. } | Statement::Delete(_) => StatementKind::Write,
            other => {
                let verb = other.to_string().split_whitespace().next().unwrap_or("this statement").to_ascii_uppercase();
                return Err(format!(
                    "components may only run SELECT, INSERT, UPDATE and DELETE, not {verb}; schema changes belong in migrations and transactions in the transaction resource"
                ));
            }
        };
        let mut walker = Walker::default();
        let _ = statement.visit(&mut walker);
        let kind = if walker.nested_writes { StatementKind::Write } else { kind };
        if kind == StatementKind::Write && self.grant == DbGrant::ReadOnly {
            return Err("this component's db grant is read-only; grant read-write in its manifest entry to write".into());
        }
        for table in walker.tables.difference(&walker.ctes) {
            self.check_table(table)?;
        }
        Ok(kind)
    }

    fn check_table(&self, table: &str) -> Result<(), String> {
        let bare = table.rsplit('.').next().unwrap_or(table);
        let schema_ok = match table.rsplit_once('.') {
            Some((schema, _)) => matches!(schema, "main" | "public"),
            None => true,
        };
        if HOST_ONLY_TABLES.contains(&bare) || !schema_ok || is_catalogue(bare) {
            return Err(format!("table {table} is reserved to the host; no grant gives components access to it"));
        }
        if let Some(allowed) = &self.allowed
            && !allowed.contains(bare)
        {
            return Err(format!(
                "table {bare} is not in this component's table allowlist; add it to grants.tables in its manifest entry if it needs it"
            ));
        }
        Ok(())
    }
}

fn is_catalogue(table: &str) -> bool {
    table.starts_with("sqlite_") || table.starts_with("pg_") || table == "information_schema"
}

/// Collects referenced tables, CTE names and writes nested inside queries.
#[derive(Default)]
struct Walker {
    tables: HashSet<String>,
    ctes: HashSet<String>,
    nested_writes: bool,
    depth: usize,
}

impl Visitor for Walker {
    type Break = ();

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
        let name = relation
            .0
            .iter()
            .map(|part| part.to_string().trim_matches('"').trim_matches('`').to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(".");
        self.tables.insert(name);
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.ctes.insert(cte.alias.name.value.to_ascii_lowercase());
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<()> {
        self.depth += 1;
        if self.depth > 1 && matches!(statement, Statement::Insert(_) | Statement::Update { .. } | Statement::Delete(_)) {
            self.nested_writes = true;
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> SqlPolicy {
        SqlPolicy::new(DbGrant::ReadWrite, None)
    }

    #[test]
    fn reads_and_writes_are_told_apart() {
        let p = full();
        assert_eq!(p.check("SELECT * FROM statuses WHERE id = $1"), Ok(StatementKind::Read));
        assert_eq!(p.check("INSERT INTO statuses (id) VALUES ($1) ON CONFLICT (id) DO NOTHING"), Ok(StatementKind::Write));
        assert_eq!(p.check("UPDATE statuses SET text = $1 WHERE id = $2 RETURNING id"), Ok(StatementKind::Write));
        assert_eq!(p.check("DELETE FROM statuses WHERE id = $1"), Ok(StatementKind::Write));
    }

    #[test]
    fn read_only_grants_refuse_every_kind_of_write() {
        let p = SqlPolicy::new(DbGrant::ReadOnly, None);
        assert!(p.check("SELECT COUNT(*) FROM accounts").is_ok());
        assert!(p.check("INSERT INTO accounts (id) VALUES (1)").unwrap_err().contains("read-only"));
        assert!(p.check("WITH gone AS (DELETE FROM accounts RETURNING id) SELECT * FROM gone").unwrap_err().contains("read-only"));
    }

    #[test]
    fn schema_engine_and_transaction_statements_are_refused() {
        let p = full();
        for sql in [
            "DROP TABLE accounts",
            "CREATE TABLE x (a INT)",
            "PRAGMA journal_mode = DELETE",
            "ATTACH DATABASE 'x' AS y",
            "BEGIN",
            "COMMIT",
            "SET ROLE postgres",
        ] {
            assert!(p.check(sql).is_err(), "{sql} must be refused");
        }
        assert!(p.check("SELECT 1; DROP TABLE accounts").unwrap_err().contains("one statement"));
    }

    #[test]
    fn host_tables_and_catalogues_are_out_of_reach() {
        let p = full();
        for sql in [
            "SELECT password_hash FROM account_credentials",
            "SELECT * FROM accounts JOIN account_credentials ON account_credentials.account_id = accounts.id",
            "SELECT * FROM (SELECT * FROM jobs) AS j",
            "SELECT * FROM accounts WHERE id IN (SELECT account_id FROM account_credentials)",
            "SELECT * FROM sqlite_master",
            "SELECT * FROM pg_catalog.pg_authid",
            "SELECT * FROM information_schema.tables",
            "INSERT INTO kv_entries (k) VALUES (1)",
            "SELECT * FROM \"account_credentials\"",
        ] {
            assert!(p.check(sql).unwrap_err().contains("reserved"), "{sql}");
        }
    }

    #[test]
    fn an_allowlist_limits_tables_but_not_cte_names() {
        let p = SqlPolicy::new(DbGrant::ReadWrite, Some(&["statuses".to_string()]));
        assert!(p.check("SELECT * FROM statuses").is_ok());
        assert!(p.check("WITH recent AS (SELECT * FROM statuses) SELECT * FROM recent").is_ok());
        assert!(p.check("SELECT * FROM accounts").unwrap_err().contains("allowlist"));
        assert!(p.check("SELECT s.id FROM statuses s JOIN accounts a ON a.id = s.account_id").unwrap_err().contains("allowlist"));
        assert!(p.check("INSERT INTO accounts (id) SELECT id FROM statuses").unwrap_err().contains("allowlist"));
    }

    #[test]
    fn decisions_are_cached_by_text() {
        let p = full();
        assert!(p.check("SELECT 1").is_ok());
        assert!(p.decisions.lock().unwrap().contains_key("SELECT 1"));
    }
}
