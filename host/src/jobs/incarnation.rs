//! Which earlier processes of this node are gone, so a restarted node takes back the
//! jobs they held at once instead of waiting out their leases.
//!
//! A job's `leased_by` is the claiming process's node name (`host:pid:tag`, see
//! `startup::node_name`), which changes with every process, and id tags are leased
//! per process too: nothing in the database says that an earlier process of this
//! machine is dead. Its data directory can: every serving process holds an exclusive
//! `flock` on `DATA/nodes/NAME.lock` for as long as it runs, and the kernel drops
//! that lock when the process ends, however it ends (kill -9, OOM, crash). At start
//! a node tries each lock file it finds; one it can lock belongs to a process that
//! is gone, and that process's running jobs go back to the queue (see
//! [`super::Jobs::reclaim`]). A file still locked belongs to a live process sharing
//! the data directory, whose jobs are left alone.

use std::fs::{self, File, TryLockError};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::Jobs;

/// Where the lock files live, inside the data directory.
const DIR: &str = "nodes";
const SUFFIX: &str = ".lock";
/// A lock file being set up; renamed to `NAME.lock` once locked, so a scanning
/// process never sees an unlocked file of a live process.
const TMP_SUFFIX: &str = ".lock.tmp";

/// This process's lock: held until dropped (the end of `serve`) or the process ends.
/// The file stays behind even after a clean stop: jobs still running when the
/// server stopped are leased to this process, and the next start reclaims them.
#[derive(Debug)]
pub struct NodeLock {
    _file: File,
    pub path: PathBuf,
}

/// Registers this process as `node` in `data_dir` and reclaims the jobs of earlier
/// processes there that are gone. Call before the workers start.
pub async fn start(data_dir: &Path, jobs: &Jobs) -> anyhow::Result<NodeLock> {
    let dir = data_dir.join(DIR);
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let gone = gone_processes(&dir)?;
    let mut reclaimed = 0;
    for process in &gone {
        let counts = jobs.reclaim(&process.node).await.with_context(|| format!("reclaiming the jobs of {}", process.node))?;
        if counts.pending + counts.dead > 0 {
            tracing::info!(
                node = %process.node,
                requeued = counts.pending,
                dead_lettered = counts.dead,
                "took back the jobs an earlier process of this node left running (it stopped without finishing them)"
            );
        }
        reclaimed += counts.pending + counts.dead;
        // Removed only now: were this process to die above, the next start would retry.
        let _ = fs::remove_file(&process.path);
    }
    tracing::info!(reclaimed, earlier_processes = gone.len(), "job leases of earlier processes of this node reclaimed at start");
    let lock = hold(&dir, jobs.node())?;
    // The lock files of the gone processes were opened and locked by the scan; they
    // are closed (unlocked) only here, after this process's own lock is in place.
    drop(gone);
    Ok(lock)
}

/// A lock file whose process is gone, held locked while its jobs are reclaimed.
struct Gone {
    node: String,
    path: PathBuf,
    _file: File,
}

/// The lock files in `dir` that no process holds (their processes are gone).
fn gone_processes(dir: &Path) -> anyhow::Result<Vec<Gone>> {
    let mut gone = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
        let tmp = name.ends_with(TMP_SUFFIX);
        if !tmp && !name.ends_with(SUFFIX) {
            continue;
        }
        let Ok(file) = File::options().read(true).write(true).open(&path) else { continue };
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => continue, // a live process
            Err(TryLockError::Error(e)) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot test a node lock file; its jobs wait for their leases");
                continue;
            }
        }
        if tmp {
            // A process that died while setting up its lock held no jobs yet.
            let _ = fs::remove_file(&path);
            continue;
        }
        let node = fs::read_to_string(&path).unwrap_or_default().trim().to_string();
        if node.is_empty() {
            let _ = fs::remove_file(&path);
            continue;
        }
        gone.push(Gone { node, path, _file: file });
    }
    Ok(gone)
}

/// Creates and locks `dir/NAME.lock` for `node`, holding the node name inside.
fn hold(dir: &Path, node: &str) -> anyhow::Result<NodeLock> {
    let base: String = node.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect();
    let path = dir.join(format!("{base}{SUFFIX}"));
    let tmp = dir.join(format!("{base}{TMP_SUFFIX}"));
    let mut file = File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    file.try_lock().map_err(|e| anyhow::anyhow!("locking {}: {e}", tmp.display()))?;
    file.write_all(node.as_bytes()).with_context(|| format!("writing {}", tmp.display()))?;
    // The rename keeps the inode, so the lock moves with the file.
    fs::rename(&tmp, &path).with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
    Ok(NodeLock { _file: file, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_alive_and_a_released_one_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let live = hold(dir.path(), "host:1").unwrap();
        assert!(gone_processes(dir.path()).unwrap().is_empty(), "a held lock belongs to a live process");

        // A process that ended without removing its file (kill -9) left it unlocked.
        fs::write(dir.path().join("host_2.lock"), "host:2").unwrap();
        let gone = gone_processes(dir.path()).unwrap();
        assert_eq!(gone.iter().map(|g| g.node.as_str()).collect::<Vec<_>>(), ["host:2"], "only the unlocked file is gone");
        assert_eq!(fs::read_to_string(&live.path).unwrap(), "host:1");
    }
}
