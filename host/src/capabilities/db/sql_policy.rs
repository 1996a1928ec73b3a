//! What SQL a component may run, decided by parsing it (sqlparser) rather than by
//! guessing from keywords. This is the first filter; the engine enforces the grant
//! again on what it actually compiles (`db/scope.rs`).
//!
//! - Parsed with the engine's own dialect (SQLite or PostgreSQL), so comments, quotes
//!   and statement ends are read as the engine reads them (GenericDialect nests `/* */`
//!   comments, SQLite does not: the difference hid a second query from the check).
//! - One statement per call; transactions go through the `transaction` resource.
//! - Only `SELECT`/`VALUES` queries, `INSERT`, `UPDATE` and `DELETE`: schema changes
//!   belong in migrations, and `PRAGMA`, `ATTACH`, `SET`, `COPY` and the like reach
//!   past the data into the engine.
//! - A read-only grant refuses writes, including a write hidden in a `WITH` clause.
//! - Host-only tables (secrets, queues, key-value, migrations) and the engines'
//!   catalogues are refused to every component; a table allowlist refuses the rest.
//! - A CTE name hides a table only where the engine resolves it to the CTE: in the
//!   body of the query that defines it (and its subqueries) and in the CTEs after it,
//!   never as a write target; a CTE may not be named like a host table at all.
//! - Functions: only the ordinary scalar, aggregate and window functions components
//!   use ([`ALLOWED_FUNCTIONS`]); the engines' file, session, sleep and extension
//!   functions are out of reach. Table-valued functions in `FROM` are refused.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};

use sqlparser::ast::{FromTable, ObjectName, Query, SetExpr, Statement, TableFactor, TableObject, Visit, Visitor};
use sqlparser::dialect::{Dialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

use super::DbGrant;
use crate::db::{Engine, Sql, TableAllowlist};

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
    "web_push_subscriptions",
];

/// The functions component SQL may call (lower case): the portable scalar, aggregate
/// and window functions, found by reading the components' SQL, plus `like` and `glob`,
/// which SQLite calls for its LIKE and GLOB operators. Anything else (`pg_sleep`,
/// `pg_read_file`, `query_to_xml`, `set_config`, `current_setting`, `lo_*`,
/// `dblink*`, `load_extension`, `readfile`, ...) is refused by the parser and, on
/// SQLite, by the engine's authorizer.
pub const ALLOWED_FUNCTIONS: &[&str] = &[
    "abs",
    "avg",
    "coalesce",
    "count",
    "dense_rank",
    "first_value",
    "glob",
    "group_concat",
    "ifnull",
    "iif",
    "instr",
    "lag",
    "last_value",
    "lead",
    "length",
    "like",
    "lower",
    "ltrim",
    "max",
    "min",
    "nullif",
    "rank",
    "replace",
    "round",
    "row_number",
    "rtrim",
    "string_agg",
    "substr",
    "substring",
    "sum",
    "total",
    "trim",
    "upper",
];

/// Whether components may call the function `name` (any case).
pub fn is_allowed_function(name: &str) -> bool {
    ALLOWED_FUNCTIONS.iter().any(|allowed| allowed.eq_ignore_ascii_case(name))
}

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
    /// Whose dialect the statements are parsed in.
    engine: Engine,
    grant: DbGrant,
    /// Lower-case table names; `None` means every non-host table.
    allowed: Option<Arc<TableAllowlist>>,
    /// A fast hash: statement texts are long and come from installed components.
    decisions: Mutex<HashMap<String, Result<Arc<Sql>, String>, foldhash::fast::RandomState>>,
}

/// Largest number of cached decisions before the cache starts over.
const CACHE_LIMIT: usize = 2048;

/// Longest statement text a component may send: far above any real statement, and it
/// bounds how deep a parsed statement can nest, so its walk and drop fit [`DECIDE_STACK`].
pub const MAX_STATEMENT_BYTES: usize = 256 * 1024;

/// Deepest expression nesting a statement may have: SQLite's own limit
/// (`SQLITE_MAX_EXPR_DEPTH`), so nothing SQLite would run is refused here.
const MAX_EXPR_DEPTH: usize = 1000;

/// The stack a decision runs on. Parsed statements are trees whose walk and drop
/// recurse once per level (`a OR b OR c ...` nests one level per `OR`); a component's
/// call runs on a small fiber stack, which a long statement would overflow and abort
/// the whole process. Only touched pages are ever committed.
const DECIDE_STACK: usize = 64 << 20;

impl SqlPolicy {
    pub fn new(engine: Engine, grant: DbGrant, tables: Option<&[String]>) -> SqlPolicy {
        SqlPolicy {
            engine,
            grant,
            allowed: tables.map(|t| Arc::new(TableAllowlist::new(t.iter().map(|name| name.to_ascii_lowercase()).collect()))),
            decisions: Mutex::new(HashMap::default()),
        }
    }

    pub fn grant(&self) -> DbGrant {
        self.grant
    }

    /// The table allowlist (lower case); `None` means every non-host table.
    pub fn allowed_tables(&self) -> Option<&Arc<TableAllowlist>> {
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
        let decision = self.decide_on_own_stack(sql).map(|kind| Arc::new(Sql::new(sql, kind == StatementKind::Read)));
        let mut decisions = self.decisions.lock().unwrap();
        if decisions.len() >= CACHE_LIMIT {
            decisions.clear();
        }
        decisions.insert(sql.to_string(), decision.clone());
        decision
    }

    /// [`Self::decide`] on a thread with [`DECIDE_STACK`] (only on a cache miss).
    fn decide_on_own_stack(&self, sql: &str) -> Result<StatementKind, String> {
        if sql.len() > MAX_STATEMENT_BYTES {
            return Err(format!(
                "the statement is {} bytes, more than the {MAX_STATEMENT_BYTES} a component may send; split it or pass values as parameters",
                sql.len()
            ));
        }
        std::thread::scope(|scope| {
            let decider = std::thread::Builder::new().name("aerie-sql-policy".into()).stack_size(DECIDE_STACK);
            match decider.spawn_scoped(scope, || self.decide(sql)) {
                Ok(thread) => thread
                    .join()
                    .unwrap_or_else(|_| Err("the statement could not be checked (the check failed); report this as a bug".into())),
                Err(e) => Err(format!("the statement could not be checked now ({e}); try again")),
            }
        })
    }

    fn decide(&self, sql: &str) -> Result<StatementKind, String> {
        let dialect: &dyn Dialect = match self.engine {
            Engine::Sqlite => &SQLiteDialect {},
            Engine::Postgres => &PostgreSqlDialect {},
        };
        let statements = Parser::parse_sql(dialect, sql).map_err(|e| format!("the statement does not parse: {e}"))?;
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
        if kind == StatementKind::Write && self.grant != DbGrant::ReadWrite {
            return Err(read_only_refusal());
        }
        let mut walker = Walker { policy: self, frames: Vec::new(), depth: 0, expr_depth: 0, nested_writes: false };
        if let ControlFlow::Break(why) = statement.visit(&mut walker) {
            return Err(why);
        }
        let kind = if walker.nested_writes { StatementKind::Write } else { kind };
        if kind == StatementKind::Write && self.grant != DbGrant::ReadWrite {
            return Err(read_only_refusal());
        }
        Ok(kind)
    }

    /// Whether a real table (lower-case name parts, schema first) may be touched.
    fn check_table(&self, parts: &[String]) -> Result<(), String> {
        let table = parts.join(".");
        let Some(bare) = parts.last() else { return Err("a table name is empty".into()) };
        let schema_ok = match parts {
            [_] => true,
            [schema, _] => matches!(schema.as_str(), "main" | "public"),
            _ => false,
        };
        if HOST_ONLY_TABLES.contains(&bare.as_str()) || !schema_ok || is_catalogue(bare) {
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

fn read_only_refusal() -> String {
    "this component's db grant is read-only; grant read-write in its manifest entry to write".into()
}

/// The engines' catalogues and introspection tables (SQLite's `dbstat` tells page
/// sizes of every table, the host's included).
fn is_catalogue(table: &str) -> bool {
    table.starts_with("sqlite_")
        || table.starts_with("pg_")
        || table.starts_with("pragma_")
        || matches!(table, "information_schema" | "dbstat")
}

/// An object name's parts as the engines compare them: unquoted, lower case. `Err`
/// for a part that is not a plain identifier.
fn name_parts(name: &ObjectName) -> Result<Vec<String>, String> {
    name.0
        .iter()
        .map(|part| match part.as_ident() {
            Some(ident) => Ok(ident.value.to_ascii_lowercase()),
            None => Err(format!("{name} is not a plain name; name tables and functions plainly")),
        })
        .collect()
}

/// Walks one statement, checking every table, CTE, function and nested write against
/// the policy; breaks with the first refusal.
struct Walker<'p> {
    policy: &'p SqlPolicy,
    /// The queries being visited, innermost last, with the CTE names they define.
    frames: Vec<Frame>,
    /// How many statements deep the walk is (a write inside a query is one deeper).
    depth: usize,
    /// How many expressions deep the walk is.
    expr_depth: usize,
    nested_writes: bool,
}

struct Frame {
    /// The CTE names this query defines, in order, lower case.
    ctes: Vec<String>,
    /// The CTE bodies, by address, to know when the walk enters one.
    bodies: Vec<*const Query>,
    recursive: bool,
    /// How many of `ctes` are in scope now: all of them in the query's body; inside
    /// the body of CTE i only those before it (and itself when `WITH RECURSIVE`).
    visible: usize,
}

impl Walker<'_> {
    /// Whether `name` refers to a CTE in scope where the walk is.
    fn is_cte(&self, name: &str) -> bool {
        self.frames.iter().any(|frame| frame.ctes[..frame.visible].iter().any(|cte| cte == name))
    }

    /// A write's target is always a real table, whatever CTEs are in scope.
    fn check_target(&self, name: &ObjectName) -> ControlFlow<String> {
        match name_parts(name).and_then(|parts| self.policy.check_table(&parts)) {
            Ok(()) => ControlFlow::Continue(()),
            Err(why) => ControlFlow::Break(why),
        }
    }
}

/// Refuses query bodies that name a table the walk would not see as one (PostgreSQL's
/// `TABLE name`) or create a table (`SELECT ... INTO`).
fn check_body(body: &SetExpr) -> Result<(), String> {
    match body {
        SetExpr::Table(_) => Err("write SELECT ... FROM instead of TABLE".into()),
        SetExpr::Select(select) if select.into.is_some() => {
            Err("SELECT ... INTO creates a table; components may not change the schema".into())
        }
        SetExpr::SetOperation { left, right, .. } => check_body(left).and_then(|()| check_body(right)),
        _ => Ok(()),
    }
}

impl Visitor for Walker<'_> {
    type Break = String;

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<String> {
        if let Err(why) = check_body(&query.body) {
            return ControlFlow::Break(why);
        }
        if let Some(frame) = self.frames.last_mut()
            && let Some(i) = frame.bodies.iter().position(|body| std::ptr::eq(*body, query))
        {
            frame.visible = if frame.recursive { i + 1 } else { i };
        }
        let mut frame = Frame { ctes: Vec::new(), bodies: Vec::new(), recursive: false, visible: 0 };
        if let Some(with) = &query.with {
            frame.recursive = with.recursive;
            for cte in &with.cte_tables {
                let name = cte.alias.name.value.to_ascii_lowercase();
                if HOST_ONLY_TABLES.contains(&name.as_str()) || is_catalogue(&name) {
                    return ControlFlow::Break(format!("a CTE may not be named {name}, like a table reserved to the host; rename the CTE"));
                }
                frame.ctes.push(name);
                frame.bodies.push(&*cte.query as *const Query);
            }
        }
        frame.visible = frame.ctes.len();
        self.frames.push(frame);
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, query: &Query) -> ControlFlow<String> {
        self.frames.pop();
        if let Some(frame) = self.frames.last_mut()
            && frame.bodies.iter().any(|body| std::ptr::eq(*body, query))
        {
            frame.visible = frame.ctes.len();
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<String> {
        let parts = match name_parts(relation) {
            Ok(parts) => parts,
            Err(why) => return ControlFlow::Break(why),
        };
        if let [name] = parts.as_slice()
            && self.is_cte(name)
        {
            return ControlFlow::Continue(());
        }
        match self.policy.check_table(&parts) {
            Ok(()) => ControlFlow::Continue(()),
            Err(why) => ControlFlow::Break(why),
        }
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<String> {
        match factor {
            TableFactor::Table { args: Some(_), name, .. } => {
                ControlFlow::Break(format!("{name}(...) is a table-valued function; components may read only tables and subqueries"))
            }
            TableFactor::Table { .. } | TableFactor::Derived { .. } | TableFactor::NestedJoin { .. } => ControlFlow::Continue(()),
            other => ControlFlow::Break(format!("{other} is not a table or a subquery; components may read only those")),
        }
    }

    fn pre_visit_expr(&mut self, expr: &sqlparser::ast::Expr) -> ControlFlow<String> {
        self.expr_depth += 1;
        if self.expr_depth > MAX_EXPR_DEPTH {
            return ControlFlow::Break(format!(
                "the statement nests expressions more than {MAX_EXPR_DEPTH} deep; use IN (...) lists or fewer chained ORs"
            ));
        }
        let sqlparser::ast::Expr::Function(function) = expr else { return ControlFlow::Continue(()) };
        match name_parts(&function.name).as_deref() {
            Ok([name]) if is_allowed_function(name) => ControlFlow::Continue(()),
            _ => ControlFlow::Break(format!(
                "function {} is not one components may call; use the portable scalar and aggregate functions ({}, ...)",
                function.name,
                ALLOWED_FUNCTIONS[..6].join(", ")
            )),
        }
    }

    fn post_visit_expr(&mut self, _: &sqlparser::ast::Expr) -> ControlFlow<String> {
        self.expr_depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<String> {
        self.depth += 1;
        let nested = self.depth > 1;
        match statement {
            Statement::Insert(insert) => {
                self.nested_writes |= nested;
                match &insert.table {
                    TableObject::TableName(name) => self.check_target(name),
                    other => ControlFlow::Break(format!("INSERT INTO {other} is not a table; insert into a table")),
                }
            }
            Statement::Update { table, .. } => {
                self.nested_writes |= nested;
                match &table.relation {
                    TableFactor::Table { name, .. } => self.check_target(name),
                    other => ControlFlow::Break(format!("UPDATE {other} is not a table; update a table")),
                }
            }
            Statement::Delete(delete) => {
                self.nested_writes |= nested;
                for name in &delete.tables {
                    self.check_target(name)?;
                }
                let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &delete.from;
                for table in from {
                    match &table.relation {
                        TableFactor::Table { name, .. } => self.check_target(name)?,
                        other => return ControlFlow::Break(format!("DELETE FROM {other} is not a table; delete from a table")),
                    }
                }
                ControlFlow::Continue(())
            }
            Statement::Query(_) => ControlFlow::Continue(()),
            other if nested => {
                let verb = other.to_string().split_whitespace().next().unwrap_or("this statement").to_ascii_uppercase();
                ControlFlow::Break(format!("components may only run SELECT, INSERT, UPDATE and DELETE, not {verb}"))
            }
            _ => ControlFlow::Continue(()),
        }
    }

    fn post_visit_statement(&mut self, _: &Statement) -> ControlFlow<String> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> SqlPolicy {
        SqlPolicy::new(Engine::Sqlite, DbGrant::ReadWrite, None)
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
        let p = SqlPolicy::new(Engine::Sqlite, DbGrant::ReadOnly, None);
        assert!(p.check("SELECT COUNT(*) FROM accounts").is_ok());
        assert!(p.check("INSERT INTO accounts (id) VALUES (1)").unwrap_err().contains("read-only"));
        assert!(p.check("WITH gone AS (DELETE FROM accounts RETURNING id) SELECT * FROM gone").unwrap_err().contains("read-only"));
    }

    /// A long chain of ORs parses into a tree one level deeper per OR: deciding on it
    /// must neither overflow a small stack (a component's call runs on a fiber's) nor
    /// let through more nesting than SQLite runs.
    #[test]
    fn deep_and_long_statements_are_decided_without_overflowing_a_small_stack() {
        let ors = |n: usize| format!("SELECT id FROM accounts WHERE {}", vec!["id = 1"; n].join(" OR "));
        let small_stack = std::thread::Builder::new().stack_size(256 << 10);
        let verdicts = small_stack
            .spawn(move || {
                let p = full();
                let deepest = format!("SELECT 1{}", "+1".repeat((MAX_STATEMENT_BYTES - 8) / 2));
                assert!(p.check(&deepest).unwrap_err().contains("more than 1000 deep"));
                (p.check(&ors(300)), p.check(&ors(5000)), p.check(&"x".repeat(MAX_STATEMENT_BYTES + 1)))
            })
            .unwrap()
            .join()
            .expect("the decision overflowed its caller's stack");
        assert_eq!(verdicts.0, Ok(StatementKind::Read));
        assert!(verdicts.1.unwrap_err().contains("more than 1000 deep"));
        assert!(verdicts.2.unwrap_err().contains("bytes"));
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
        let p = SqlPolicy::new(Engine::Sqlite, DbGrant::ReadWrite, Some(&["statuses".to_string()]));
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

#[cfg(test)]
mod escapes {
    //! Every way found (or guessed) to slip a host table, a second statement or an
    //! engine function past the check, on both engines' dialects.

    use super::*;

    const ENGINES: [Engine; 2] = [Engine::Sqlite, Engine::Postgres];

    fn statuses_only(engine: Engine, grant: DbGrant) -> SqlPolicy {
        SqlPolicy::new(engine, grant, Some(&["statuses".to_string()]))
    }

    fn refused(policy: &SqlPolicy, sql: &str) -> String {
        match policy.check(sql) {
            Err(why) => why,
            Ok(kind) => panic!("{:?} allowed ({kind:?}): {sql}", policy.engine),
        }
    }

    #[test]
    fn a_cte_named_like_a_host_table_is_refused_at_every_depth() {
        for engine in ENGINES {
            for grant in [DbGrant::ReadOnly, DbGrant::ReadWrite] {
                let p = statuses_only(engine, grant);
                for sql in [
                    // The attack found: the name defined in EXISTS hid the outer FROM.
                    "SELECT account_id, password_hash FROM account_credentials WHERE EXISTS (WITH account_credentials AS (SELECT 1 AS x) SELECT x FROM account_credentials)",
                    "WITH account_credentials AS (SELECT 1 AS x) SELECT x FROM account_credentials",
                    "SELECT * FROM (WITH oauth_tokens AS (SELECT 1 AS x) SELECT x FROM oauth_tokens) AS t",
                    "SELECT (WITH jobs AS (SELECT 1 AS x) SELECT x FROM jobs) AS y FROM statuses",
                    "SELECT id FROM statuses UNION ALL SELECT x FROM (WITH kv_entries AS (SELECT 1 AS x) SELECT x FROM kv_entries) AS k",
                    "WITH sqlite_master AS (SELECT 1 AS x) SELECT x FROM sqlite_master",
                    "WITH \"Account_Credentials\" AS (SELECT 1 AS x) SELECT x FROM statuses",
                ] {
                    let why = refused(&p, sql);
                    assert!(why.contains("rename the CTE") || why.contains("reserved"), "{engine:?}: {sql}: {why}");
                }
                if grant == DbGrant::ReadWrite {
                    let sql = "INSERT INTO statuses (id) SELECT x FROM (WITH account_credentials AS (SELECT 1 AS x) SELECT x FROM account_credentials) AS c";
                    assert!(refused(&p, sql).contains("rename the CTE"), "{engine:?}: {sql}");
                }
            }
        }
    }

    #[test]
    fn a_cte_name_hides_a_table_only_inside_its_own_query() {
        for engine in ENGINES {
            let p = statuses_only(engine, DbGrant::ReadWrite);
            // In scope: fine, whatever the name.
            assert!(p.check("WITH accounts AS (SELECT id FROM statuses) SELECT id FROM accounts").is_ok(), "{engine:?}");
            assert!(p.check("WITH a AS (SELECT id FROM statuses), b AS (SELECT id FROM a) SELECT id FROM b").is_ok(), "{engine:?}");
            assert!(
                p.check("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3) SELECT x FROM n").is_ok(),
                "{engine:?}"
            );
            for sql in [
                // Defined in a nested query, used outside it: the real table.
                "SELECT username FROM accounts WHERE EXISTS (WITH accounts AS (SELECT 1 AS x) SELECT x FROM accounts)",
                "SELECT username FROM accounts, (WITH accounts AS (SELECT 1 AS x) SELECT x FROM accounts) AS t",
                "SELECT (WITH accounts AS (SELECT 1 AS x) SELECT x FROM accounts), username FROM accounts",
                "SELECT id FROM statuses UNION SELECT id FROM accounts WHERE EXISTS (WITH accounts AS (SELECT 1 AS x) SELECT x FROM accounts)",
                "SELECT x FROM (WITH accounts AS (SELECT 1 AS x) SELECT x FROM accounts) AS t UNION SELECT id FROM accounts",
                // Inside its own (non-recursive) definition the name is the table.
                "WITH accounts AS (SELECT id FROM accounts) SELECT id FROM accounts",
                // A later CTE is not in scope in an earlier one.
                "WITH a AS (SELECT id FROM b), b AS (SELECT id FROM statuses) SELECT id FROM a",
                // A write's target is always the table.
                "WITH accounts AS (SELECT id FROM statuses) INSERT INTO accounts (id) SELECT id FROM accounts",
                "WITH accounts AS (SELECT id FROM statuses) UPDATE accounts SET username = 'x'",
                "WITH accounts AS (SELECT id FROM statuses) DELETE FROM accounts",
                "INSERT INTO statuses (id) SELECT id FROM accounts WHERE EXISTS (WITH accounts AS (SELECT 1 AS x) SELECT x FROM accounts)",
            ] {
                assert!(refused(&p, sql).contains("allowlist"), "{engine:?}: {sql}");
            }
        }
    }

    #[test]
    fn comments_are_read_as_the_engine_reads_them() {
        let sqlite = SqlPolicy::new(Engine::Sqlite, DbGrant::ReadWrite, None);
        // SQLite does not nest block comments: this is a UNION reading tokens.
        let nested = "SELECT id FROM statuses WHERE 1=0 /* /* */ UNION ALL SELECT token_hash FROM oauth_tokens -- */";
        assert!(refused(&sqlite, nested).contains("reserved"), "{nested}");
        // PostgreSQL does nest them: there the same text is one harmless query.
        let postgres = SqlPolicy::new(Engine::Postgres, DbGrant::ReadWrite, None);
        assert_eq!(postgres.check(nested), Ok(StatementKind::Read));
        for engine in ENGINES {
            let ro = SqlPolicy::new(engine, DbGrant::ReadOnly, None);
            for sql in [
                "/* leading */ UPDATE accounts SET username = 'x'",
                "-- leading\nUPDATE accounts SET username = 'x'",
                "/* SELECT */ DELETE FROM accounts",
                "(/* */ SELECT 1); DELETE FROM accounts",
            ] {
                assert!(ro.check(sql).is_err(), "{engine:?}: {sql}");
            }
            assert!(ro.check("/* a */ SELECT id FROM statuses -- b").is_ok(), "{engine:?}");
            let p = SqlPolicy::new(engine, DbGrant::ReadWrite, None);
            for sql in [
                "SELECT id FROM statuses -- \n UNION SELECT password_hash FROM account_credentials",
                "SELECT id FROM statuses /* */ UNION SELECT password_hash FROM account_credentials",
            ] {
                assert!(refused(&p, sql).contains("reserved"), "{engine:?}: {sql}");
            }
        }
    }

    #[test]
    fn exactly_one_statement_and_nothing_after_it() {
        for engine in ENGINES {
            let p = SqlPolicy::new(engine, DbGrant::ReadWrite, None);
            for sql in [
                "SELECT 1; DELETE FROM accounts",
                "SELECT 1;DELETE FROM accounts;",
                "SELECT id FROM statuses; SELECT password_hash FROM account_credentials",
                "SELECT 1 garbage garbage",
                "SELECT 1 )",
                "",
                ";",
            ] {
                assert!(p.check(sql).is_err(), "{engine:?}: {sql:?}");
            }
        }
    }

    #[test]
    fn only_ordinary_functions_are_called() {
        for engine in ENGINES {
            let p = SqlPolicy::new(engine, DbGrant::ReadOnly, None);
            for sql in [
                "SELECT lower(username), COUNT(*), coalesce(display_name, '') FROM accounts GROUP BY 1, 3",
                "SELECT MAX(id), min(id), SUM(id) FROM statuses",
                "SELECT id, ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY id) AS n FROM statuses",
                "SELECT id FROM accounts WHERE lower(username) LIKE $1 ESCAPE '\\'",
                "SELECT CAST($1 AS BIGINT), length(username) FROM accounts",
            ] {
                assert!(p.check(sql).is_ok(), "{engine:?}: {sql}: {:?}", p.check(sql));
            }
            for sql in [
                "SELECT pg_sleep(10)",
                "SELECT pg_read_file('/etc/passwd')",
                "SELECT query_to_xml('select * from account_credentials', true, true, '')",
                "SELECT set_config('role', 'postgres', false)",
                "SELECT current_setting('data_directory')",
                "SELECT lo_import('/etc/passwd')",
                "SELECT dblink_connect('x')",
                "SELECT load_extension('/tmp/evil.so')",
                "SELECT readfile('/etc/passwd')",
                "SELECT LOAD_EXTENSION('x')",
                "SELECT \"load_extension\"('x')",
                "SELECT pg_catalog.lower('X')",
                "SELECT id FROM statuses WHERE id = (SELECT randomblob(10))",
                "SELECT id FROM statuses ORDER BY sqlite_version()",
                "SELECT * FROM pragma_table_info('account_credentials')",
                "SELECT * FROM json_each('[1]')",
                "SELECT * FROM generate_series(1, 10)",
            ] {
                assert!(p.check(sql).is_err(), "{engine:?}: {sql}");
            }
        }
    }

    #[test]
    fn session_engine_and_transaction_statements_are_refused() {
        for engine in ENGINES {
            let p = SqlPolicy::new(engine, DbGrant::ReadWrite, None);
            for sql in [
                "PRAGMA writable_schema = ON",
                "PRAGMA table_info(account_credentials)",
                "ATTACH DATABASE '/tmp/x.db' AS x",
                "DETACH DATABASE x",
                "BEGIN",
                "BEGIN IMMEDIATE",
                "COMMIT",
                "ROLLBACK",
                "SAVEPOINT s",
                "RELEASE s",
                "SET ROLE postgres",
                "SET search_path = pg_catalog",
                "RESET ROLE",
                "VACUUM",
                "VACUUM INTO '/tmp/copy.db'",
                "ANALYZE",
                "REINDEX",
                "CREATE TEMP TABLE t (a INT)",
                "CREATE TRIGGER t AFTER INSERT ON statuses BEGIN DELETE FROM accounts; END",
                "COPY accounts TO '/tmp/x'",
                "TABLE account_credentials",
                "SELECT * INTO stolen FROM accounts",
                "EXPLAIN SELECT 1",
                "SHOW ALL",
                "LISTEN x",
                "NOTIFY x",
            ] {
                assert!(p.check(sql).is_err(), "{engine:?}: {sql}");
            }
        }
    }

    #[test]
    fn quoted_and_qualified_names_are_the_tables_they_name() {
        for engine in ENGINES {
            let p = SqlPolicy::new(engine, DbGrant::ReadWrite, None);
            let mut names =
                vec!["\"account_credentials\"", "ACCOUNT_CREDENTIALS", "main.account_credentials", "public.account_credentials"];
            if engine == Engine::Sqlite {
                names.extend(["[account_credentials]", "`account_credentials`", "\"main\".\"account_credentials\""]);
            }
            for name in names {
                let sql = format!("SELECT password_hash FROM {name}");
                assert!(refused(&p, &sql).contains("reserved"), "{engine:?}: {sql}");
            }
            // PostgreSQL's Unicode-escaped identifiers name the same table; sqlparser does
            // not read them, so they never pass.
            assert!(p.check(r#"SELECT password_hash FROM U&"acc\0075unt_credentials""#).is_err(), "{engine:?}");
            for sql in ["SELECT * FROM temp.statuses", "SELECT * FROM other.accounts", "SELECT * FROM pg_catalog.pg_authid"] {
                assert!(refused(&p, sql).contains("reserved"), "{engine:?}: {sql}");
            }
        }
    }

    #[test]
    fn the_components_everyday_sql_still_passes_in_both_dialects() {
        for engine in ENGINES {
            let p = SqlPolicy::new(engine, DbGrant::ReadWrite, None);
            for sql in [
                "SELECT s.id FROM statuses s WHERE s.account_id = $1 AND s.id < $2 ORDER BY s.id DESC LIMIT $3",
                "INSERT INTO statuses (id, account_id) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id RETURNING id",
                "UPDATE statuses SET replies_count = replies_count + 1 WHERE id = $1",
                "DELETE FROM favourites WHERE account_id = $1 AND status_id = $2",
                "SELECT parent, id FROM (SELECT s.in_reply_to_id AS parent, s.id, ROW_NUMBER() OVER (PARTITION BY s.in_reply_to_id ORDER BY s.id) AS n FROM statuses s) r WHERE n <= 3",
                "SELECT a.id FROM accounts a WHERE (CAST($3 AS BIGINT) IS NULL OR a.id = $3) AND lower(a.domain) = $2",
                "INSERT INTO notifications (id, account_id) SELECT $1, a.id FROM accounts a WHERE a.id = $2 AND a.domain IS NULL",
            ] {
                assert!(p.check(sql).is_ok(), "{engine:?}: {sql}: {:?}", p.check(sql));
            }
        }
    }
}
