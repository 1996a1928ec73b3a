//! Who runs a statement: a component, under the grant its manifest entry gives it.
//!
//! The host's own statements run unscoped. A component's statements carry a
//! [`ComponentScope`] down to the engine, which enforces it itself (SQLite: an
//! authorizer on the connection; PostgreSQL: a role made for component SQL and a
//! read-only transaction) and stops the statement when the call's time is up. The SQL
//! policy's parse (`capabilities/db/sql_policy.rs`) is only the first filter.

use std::collections::HashSet;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// A component's table allowlist (`grants.tables`, lower case), with an id of its own:
/// what the engines cache per allowlist (SQLite's compiled statements, PostgreSQL's
/// role for it) is keyed by the id, which no other allowlist of this process ever has.
#[derive(Debug)]
pub struct TableAllowlist {
    id: u64,
    tables: HashSet<String>,
}

impl TableAllowlist {
    pub fn new(tables: HashSet<String>) -> TableAllowlist {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        TableAllowlist { id: NEXT.fetch_add(1, Ordering::Relaxed), tables }
    }

    pub fn id(&self) -> u64 {
        self.id
    }
}

impl Deref for TableAllowlist {
    type Target = HashSet<String>;

    fn deref(&self) -> &HashSet<String> {
        &self.tables
    }
}

/// A component's database grant, as the engines enforce it.
#[derive(Debug, Clone)]
pub struct ComponentScope {
    /// The component's id, for logs and errors.
    pub component: Arc<str>,
    /// A read-only grant: the engine refuses every write.
    pub read_only: bool,
    /// Lower-case table names the component may touch; `None` means every table that
    /// is not the host's own.
    pub tables: Option<Arc<TableAllowlist>>,
    /// When the call's time budget runs out: a statement still running then is stopped.
    pub deadline: Instant,
}

impl ComponentScope {
    /// How long a statement may still run.
    pub fn remaining(&self) -> std::time::Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}
