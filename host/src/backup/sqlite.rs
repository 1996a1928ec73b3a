//! The SQLite side: a consistent copy of a live database, and its row counts.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use rusqlite::{Connection, OpenFlags};

/// Copies the database at `source` into the new file `dest` with `VACUUM INTO`: it
/// reads inside one transaction, so the copy is the state of one moment while the
/// server keeps writing (WAL readers never block the writer).
pub fn snapshot(source: &Path, dest: &Path) -> anyhow::Result<()> {
    let conn = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .with_context(|| format!("cannot open the database {}", source.display()))?;
    conn.busy_timeout(Duration::from_secs(30))?;
    let dest = dest.to_str().context("the snapshot path is not UTF-8")?;
    conn.execute("VACUUM INTO ?1", [dest]).context("VACUUM INTO failed")?;
    Ok(())
}

/// Rows per table (SQLite's own tables aside), after checking the file's integrity.
pub fn table_counts(path: &Path) -> anyhow::Result<BTreeMap<String, i64>> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
    if integrity != "ok" {
        bail!("the database fails its integrity check: {integrity}");
    }
    let mut statement = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")?;
    let tables = statement.query_map([], |row| row.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    let mut counts = BTreeMap::new();
    for table in tables {
        let quoted = format!("\"{}\"", table.replace('"', "\"\""));
        let n: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM {quoted}"), [], |row| row.get(0))?;
        counts.insert(table, n);
    }
    Ok(counts)
}
