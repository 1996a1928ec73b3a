//! Running out of space, told truthfully to everyone who asks.
//!
//! A write that fails for lack of space (SQLITE_FULL, PostgreSQL's `disk_full`,
//! ENOSPC from the local blob folder) is [`noticed`] where the error is first
//! recognized (`db::DbError`'s conversion, the local blob store). From then on:
//! - the operator reads an ERROR naming the data directory and the fix (once, then
//!   at most every minute while it lasts);
//! - a client whose API request failed because of it gets 507 Insufficient Storage
//!   with a JSON error, instead of the component's generic 503 (see
//!   `runtime::http`; components see an `unavailable` db error and need no change);
//! - `/health/ready` answers 503 with the reason until a probe write of the data
//!   directory and the database succeeds again ([`still_full`]), and then clears
//!   the state by itself.
//!
//! The state is the process's: the disk is full for every request alike.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::db::{Database, DbError, Value};

/// What the client reads in a 507.
pub const CLIENT_MESSAGE: &str = "The server is out of storage space and cannot save this right now; try again later";
/// While writes keep failing, the ERROR is repeated this often, not per failure.
const REPEAT_LOG: Duration = Duration::from_secs(60);
/// Bytes a probe writes: enough to need fresh blocks, small enough to be cheap.
const PROBE_BYTES: usize = 64 * 1024;
/// The `kv_entries` namespace of the database probe, which no component is named
/// (its row exists only for the moment of the probe).
const PROBE_NAMESPACE: &str = ":host:";

/// Where a write failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Database,
    Blobs,
}

struct State {
    data_dir: Option<PathBuf>,
    full: Option<Full>,
}

struct Full {
    reason: String,
    since: Instant,
    logged: Instant,
}

static STATE: Mutex<State> = Mutex::new(State { data_dir: None, full: None });
/// Failures noticed so far: a request that sees it move failed for lack of space.
static NOTICED: AtomicU64 = AtomicU64::new(0);

/// Names the data directory for the messages and the probe (at `serve` start).
pub fn watch(data_dir: &Path) {
    STATE.lock().unwrap().data_dir = Some(data_dir.to_path_buf());
}

/// How many out-of-space failures were noticed so far (compare two readings).
pub fn noticed_count() -> u64 {
    NOTICED.load(Ordering::SeqCst)
}

/// Whether `error` or one of its causes is a write that failed for lack of space:
/// the host's own routes (OAuth, the inbox) then answer 507 as the API does.
pub fn caused(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        matches!(cause.downcast_ref::<DbError>(), Some(DbError::StorageFull(_)))
            || cause.downcast_ref::<std::io::Error>().is_some_and(is_full)
    })
}

/// Whether an I/O error means the disk (or the user's quota) is full.
pub fn is_full(error: &std::io::Error) -> bool {
    matches!(error.kind(), std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded)
}

/// A write to `store` failed for lack of space: `detail` is the engine's words.
pub fn noticed(store: Store, detail: &str) {
    NOTICED.fetch_add(1, Ordering::SeqCst);
    let mut state = STATE.lock().unwrap();
    let what = match store {
        Store::Database => "the database",
        Store::Blobs => "the media store",
    };
    let reason = format!("writes to {what} fail for lack of space ({detail})");
    let now = Instant::now();
    let log = match &mut state.full {
        Some(full) if now.duration_since(full.logged) < REPEAT_LOG => false,
        Some(full) => {
            full.logged = now;
            full.reason = reason.clone();
            true
        }
        None => {
            state.full = Some(Full { reason: reason.clone(), since: now, logged: now });
            true
        }
    };
    if log {
        let dir = state.data_dir.as_ref().map(|d| d.display().to_string()).unwrap_or_else(|| "the data directory".into());
        let since = state.full.as_ref().map(|f| f.since.elapsed().as_secs()).unwrap_or(0);
        tracing::error!(
            data_dir = %dir,
            failing_for_secs = since,
            "OUT OF STORAGE SPACE: {reason}. The data directory is {dir}. Fix: free space on the disk holding {dir} \
             (`df -h {dir}`), or move media to S3 ([blobs] backend = \"s3\"); \
             with PostgreSQL, free space on the database server's disk. Clients get 507 and /health/ready fails \
             until writes succeed again; nothing else needs restarting"
        );
    }
}

/// Why writes fail, or `None` when they work (again). While a failure is on record,
/// each call probes: a small file in the data directory and a row in the database,
/// both written, synced and removed. A probe that passes clears the record.
pub async fn still_full(database: &Database) -> Option<String> {
    let (reason, data_dir) = {
        let state = STATE.lock().unwrap();
        (state.full.as_ref()?.reason.clone(), state.data_dir.clone())
    };
    if let Some(dir) = data_dir {
        let probe_dir = dir.clone();
        let written = tokio::task::spawn_blocking(move || probe_file(&probe_dir)).await.unwrap_or_else(|e| Err(std::io::Error::other(e)));
        if let Err(e) = written {
            return Some(format!("{reason}; the data directory {} is still not writable: {e}", dir.display()));
        }
    }
    if let Err(e) = probe_database(database).await {
        return Some(format!("{reason}; a probe write to the database still fails: {e}"));
    }
    let mut state = STATE.lock().unwrap();
    if let Some(full) = state.full.take() {
        tracing::info!(after_secs = full.since.elapsed().as_secs(), "storage: writes succeed again");
    }
    None
}

fn probe_file(dir: &Path) -> std::io::Result<()> {
    let path = dir.join(format!(".aerie-space-probe-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&path)?;
        file.write_all(&random_bytes())?;
        file.sync_all()
    })();
    let _ = std::fs::remove_file(&path);
    result
}

async fn probe_database(database: &Database) -> Result<(), DbError> {
    let key = format!("space-probe-{}", std::process::id());
    let written = database
        .execute(
            "INSERT INTO kv_entries (component, key, value, expires_at) VALUES ($1, $2, $3, NULL) \
             ON CONFLICT (component, key) DO UPDATE SET value = excluded.value",
            vec![PROBE_NAMESPACE.into(), key.clone().into(), Value::Bytes(random_bytes())],
        )
        .await;
    let removed =
        database.execute("DELETE FROM kv_entries WHERE component = $1 AND key = $2", vec![PROBE_NAMESPACE.into(), key.into()]).await;
    written.and(removed).map(drop)
}

/// Incompressible bytes (PostgreSQL compresses large values).
fn random_bytes() -> Vec<u8> {
    let mut bytes = vec![0u8; PROBE_BYTES];
    rand::Rng::fill(&mut rand::thread_rng(), &mut bytes[..]);
    bytes
}
