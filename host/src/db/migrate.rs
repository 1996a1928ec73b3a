//! Schema migrations, embedded in the binary: `migrations/sqlite` and
//! `migrations/postgres` hold the same versions (a test keeps them in step).
//!
//! Every process that opens the database for writing migrates first (`aerie serve`,
//! each `aerie admin ...`), so on a first start several may try at once. They take
//! turns under an exclusive lock and whoever comes second finds the schema current:
//! - PostgreSQL: a session advisory lock (`pg_try_advisory_lock`), per database.
//!   (sqlx's migrator takes one too, but waits on it silently and forever.)
//! - SQLite: an `flock` on `DB-migrate.lock` beside the database file. sqlx takes
//!   no lock on SQLite, and two migrators both read "nothing applied" and both run
//!   the first migration; the second fails with "table ... already exists".
//!
//! A process that waits says so in the log; one that gives up names the lock and
//! who holds it, as an [`OperatorError`].

use std::fs::{File, TryLockError};
use std::io::{Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sqlx::migrate::Migrator;
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqliteConnection;

use crate::operator_error::OperatorError;

pub static SQLITE: SqliteMigrations = SqliteMigrations(sqlx::migrate!("../migrations/sqlite"));
pub static POSTGRES: PostgresMigrations = PostgresMigrations(sqlx::migrate!("../migrations/postgres"));

/// How long a process waits for another one's migrations before giving up. Long:
/// a migration of a large instance (an index on a big table) can take minutes.
const WAIT_AT_MOST: Duration = Duration::from_secs(15 * 60);
/// A wait shorter than this is not worth a log line (a fresh schema takes ~0.1 s).
const QUIET_WAIT: Duration = Duration::from_secs(1);
/// While waiting, how often to say so again.
const REMIND_EVERY: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_millis(100);
/// The PostgreSQL advisory lock key: "aerie" and "migr" in ASCII.
pub const PG_LOCK_KEY: i64 = 0x6165_7269_656d_6967;

/// The SQLite migrations, run under a lock file.
pub struct SqliteMigrations(pub Migrator);

/// The PostgreSQL migrations, run under an advisory lock.
pub struct PostgresMigrations(pub Migrator);

impl SqliteMigrations {
    /// Brings the schema of `conn`'s database up to date, one process at a time.
    pub async fn run(&self, conn: &mut SqliteConnection) -> anyhow::Result<()> {
        let file: String = sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'").fetch_one(&mut *conn).await?;
        if file.is_empty() {
            // In memory: no other process can see this database.
            self.0.run(conn).await?;
            return Ok(());
        }
        let database = PathBuf::from(&file);
        let _lock = lock_file(&database).await?;
        self.0.run(conn).await?;
        Ok(())
    }
}

/// Where the migration lock of the SQLite file `database` is.
pub fn sqlite_lock_path(database: &Path) -> PathBuf {
    let mut name = database.file_name().unwrap_or_default().to_os_string();
    name.push("-migrate.lock");
    database.with_file_name(name)
}

/// The lock file beside `database`, locked by this process (released on drop).
async fn lock_file(database: &Path) -> anyhow::Result<File> {
    let path = sqlite_lock_path(database);
    let file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| anyhow::anyhow!("cannot create the migration lock {}: {e}", path.display()))?;
    let mut wait = Wait::new(database.display().to_string(), path.display().to_string());
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                wait.tick(holder.trim()).await?;
            }
            Err(TryLockError::Error(e)) => anyhow::bail!("cannot lock the migration lock {}: {e}", path.display()),
        }
    }
    wait.done();
    // Who holds it, for the message of a process that gives up waiting.
    let mut file = file;
    let holder = format!("aerie pid {} on {}", std::process::id(), hostname());
    if file.set_len(0).is_ok() && file.rewind().is_ok() {
        let _ = file.write_all(holder.as_bytes());
    }
    Ok(file)
}

impl PostgresMigrations {
    /// Brings the schema of `pool`'s database up to date, one process at a time.
    pub async fn run(&self, pool: &PgPool) -> anyhow::Result<()> {
        let mut conn = pool.acquire().await?;
        let url_name: String = sqlx::query_scalar("SELECT current_database()").fetch_one(&mut *conn).await?;
        let mut wait = Wait::new(format!("PostgreSQL database {url_name}"), format!("advisory lock {PG_LOCK_KEY}"));
        loop {
            let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(PG_LOCK_KEY).fetch_one(&mut *conn).await?;
            if locked {
                break;
            }
            let holder = pg_lock_holder(&mut conn).await.unwrap_or_default();
            wait.tick(&holder).await?;
        }
        wait.done();
        let migrated = self.0.run(&mut *conn).await;
        match migrated {
            Ok(()) => {
                sqlx::query("SELECT pg_advisory_unlock($1)").bind(PG_LOCK_KEY).execute(&mut *conn).await?;
                Ok(())
            }
            Err(e) => {
                // sqlx leaves its own lock held on error: end the session, and both go.
                conn.close_on_drop();
                Err(e.into())
            }
        }
    }
}

/// Who holds the migration lock, from PostgreSQL's lock table (a bigint key is
/// split into classid, the high half, and objid, the low half).
async fn pg_lock_holder(conn: &mut sqlx::PgConnection) -> Result<String, sqlx::Error> {
    let row: Option<(i32, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT a.pid, a.application_name, host(a.client_addr) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND l.classid::bigint = $1 AND l.objid::bigint = $2 AND l.objsubid = 1 LIMIT 1",
    )
    .bind(PG_LOCK_KEY >> 32)
    .bind(PG_LOCK_KEY & 0xffff_ffff)
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        Some((pid, app, addr)) => format!(
            "PostgreSQL backend pid {pid} ({} from {})",
            app.filter(|a| !a.is_empty()).unwrap_or_else(|| "a client".into()),
            addr.unwrap_or_else(|| "a local socket".into())
        ),
        None => String::new(),
    })
}

/// Waiting for another process's migrations: when to say so, and when to give up.
struct Wait {
    database: String,
    lock: String,
    started: Instant,
    said: Option<Instant>,
}

impl Wait {
    fn new(database: String, lock: String) -> Wait {
        Wait { database, lock, started: Instant::now(), said: None }
    }

    /// One more round of waiting; an error once waiting is pointless.
    async fn tick(&mut self, holder: &str) -> anyhow::Result<()> {
        let waited = self.started.elapsed();
        let holder = if holder.is_empty() { "another aerie process".to_string() } else { holder.to_string() };
        if waited >= WAIT_AT_MOST {
            return Err(OperatorError::new(
                format!(
                    "gave up after {} s: {holder} holds the migration lock ({}) of {} and is still migrating it",
                    waited.as_secs(),
                    self.lock,
                    self.database
                ),
                "let that process finish (its log says how far it is), or stop it if it hangs, then start again",
            )
            .into());
        }
        if waited >= QUIET_WAIT && self.said.is_none_or(|at| at.elapsed() >= REMIND_EVERY) {
            tracing::info!(
                database = %self.database,
                lock = %self.lock,
                holder = %holder,
                waited_secs = waited.as_secs(),
                "another aerie process is migrating the database; waiting for it"
            );
            self.said = Some(Instant::now());
        }
        tokio::time::sleep(POLL).await;
        Ok(())
    }

    /// The lock is ours; says so if waiting was worth a line.
    fn done(self) {
        if self.said.is_some() {
            tracing::info!(database = %self.database, waited_ms = self.started.elapsed().as_millis() as u64, "the other process finished; migrating");
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "this host".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_process_waits_for_the_sqlite_lock() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("aerie.db");
        let held = lock_file(&database).await.unwrap();
        assert!(std::fs::read_to_string(dir.path().join("aerie.db-migrate.lock")).unwrap().contains(&std::process::id().to_string()));
        let waiting = tokio::spawn({
            let database = database.clone();
            async move { lock_file(&database).await.map(|_| Instant::now()) }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "the lock is held: the second one waits");
        let released = Instant::now();
        drop(held);
        let acquired = waiting.await.unwrap().unwrap();
        assert!(acquired >= released);
    }
}
