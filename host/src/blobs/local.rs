//! The local-folder backend: one file per key under a 0700 folder.
//!
//! A put writes a temporary file beside its destination (same filesystem, so the
//! rename is atomic), fsyncs it, renames it into place and fsyncs the folder: a
//! reader sees the old file or the whole new one, and a stored file survives a crash.
//! An interrupted put leaves nothing behind (the temporary file is removed on drop).

use std::io::{ErrorKind, SeekFrom};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader};

use super::key::TEMP_PREFIX;
use super::{Blob, BlobError, read_full};

/// Bytes per disk write; large, because each tokio file write is a blocking-pool trip.
const WRITE_CHUNK: usize = 1 << 20;
const READ_BUFFER: usize = 256 << 10;

/// A folder of blobs. Cloning shares the path.
#[derive(Clone, Debug)]
pub struct LocalStore {
    root: Arc<PathBuf>,
}

impl LocalStore {
    pub fn new(root: PathBuf) -> LocalStore {
        LocalStore { root: Arc::new(root) }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file for a key already checked by [`super::check_key`].
    fn path(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }

    /// Creates the folder (0700) if needed and proves a file can be written in it.
    pub async fn check(&self) -> Result<(), BlobError> {
        let root = self.root.clone();
        let shown = root.display().to_string();
        blocking(move || -> Result<(), BlobError> {
            if root.exists() && !root.is_dir() {
                return Err(BlobError::unavailable(
                    format!("blobs.dir {shown} exists but is not a folder"),
                    "move that file away, or point blobs.dir at a folder",
                ));
            }
            if !root.exists() {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(&*root)
                    .map_err(|e| io_error(format!("cannot create the blob folder {shown}"), &root, e))?;
                // `mode` applies to the folders it creates, minus the umask; make the
                // last one private whatever the umask.
                std::fs::set_permissions(&*root, std::fs::Permissions::from_mode(0o700))
                    .map_err(|e| io_error(format!("cannot set the mode of {shown}"), &root, e))?;
            }
            let probe = tempfile::Builder::new().prefix(&format!("{TEMP_PREFIX}check-")).tempfile_in(&*root);
            probe.map(drop).map_err(|e| io_error(format!("cannot write in the blob folder {shown}"), &root, e))
        })
        .await
    }

    pub async fn put_stream(&self, key: &str, mut reader: impl AsyncRead + Unpin + Send) -> Result<u64, BlobError> {
        let path = self.path(key);
        let dir = path.parent().expect("a checked key has a parent under the root").to_path_buf();
        let root = self.root.clone();
        let temp = {
            let dir = dir.clone();
            blocking(move || {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(&dir)
                    .map_err(|e| io_error(format!("cannot create the folder {}", dir.display()), &root, e))?;
                tempfile::Builder::new()
                    .prefix(&format!("{TEMP_PREFIX}put-"))
                    .tempfile_in(&dir)
                    .map_err(|e| io_error(format!("cannot create a file in {}", dir.display()), &root, e))
            })
            .await?
        };
        // From here on the TempPath removes the file if anything fails or the
        // caller gives up (drops this future).
        let (file, temp_path) = temp.into_parts();
        let mut file = tokio::fs::File::from_std(file);
        let write_failed = |e| io_error(format!("writing blob {key:?} to {} failed", dir.display()), &self.root, e);

        let mut buf = vec![0u8; WRITE_CHUNK];
        let mut total = 0u64;
        loop {
            let n = read_full(&mut reader, &mut buf).await.map_err(|e| BlobError::source(key, e))?;
            if n == 0 {
                break;
            }
            file.write_all(&buf[..n]).await.map_err(write_failed)?;
            total += n as u64;
        }
        file.flush().await.map_err(write_failed)?;
        file.sync_all().await.map_err(write_failed)?;
        drop(file);

        let root = self.root.clone();
        let key_shown = key.to_string();
        blocking(move || {
            temp_path
                .persist(&path)
                .map_err(|e| io_error(format!("cannot move blob {key_shown:?} into place at {}", path.display()), &root, e.error))?;
            // The rename is durable only once the folder itself is on disk.
            std::fs::File::open(&dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| io_error(format!("cannot sync the folder {}", dir.display()), &root, e))
        })
        .await?;
        Ok(total)
    }

    pub async fn get_range(&self, key: &str, offset: u64, len: Option<u64>) -> Result<Option<Blob>, BlobError> {
        let path = self.path(key);
        let read_failed = |e| io_error(format!("reading blob {key:?} at {} failed", path.display()), &self.root, e);
        let mut file = match tokio::fs::File::open(&path).await {
            Ok(file) => file,
            Err(e) if is_missing(&e) => return Ok(None),
            Err(e) => return Err(read_failed(e)),
        };
        let meta = file.metadata().await.map_err(read_failed)?;
        // A folder is where other keys live (`a` when `a/b` exists), not an object.
        if !meta.is_file() {
            return Ok(None);
        }
        let size = meta.len();
        if offset > size {
            return Err(BlobError::OutOfRange { key: key.to_string(), offset, size });
        }
        if offset > 0 {
            file.seek(SeekFrom::Start(offset)).await.map_err(read_failed)?;
        }
        let len = len.map_or(size - offset, |len| len.min(size - offset));
        let reader = BufReader::with_capacity(READ_BUFFER, file).take(len);
        Ok(Some(Blob { size, len, reader: Box::pin(reader) }))
    }

    pub async fn head(&self, key: &str) -> Result<Option<u64>, BlobError> {
        let path = self.path(key);
        match tokio::fs::metadata(&path).await {
            Ok(meta) if meta.is_file() => Ok(Some(meta.len())),
            Ok(_) => Ok(None),
            Err(e) if is_missing(&e) => Ok(None),
            Err(e) => Err(io_error(format!("looking up blob {key:?} at {} failed", path.display()), &self.root, e)),
        }
    }

    /// Removes the file. Emptied folders stay: removing them would race with a put
    /// that has just created one for its own file.
    pub async fn delete(&self, key: &str) -> Result<(), BlobError> {
        let path = self.path(key);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if is_missing(&e) => Ok(()),
            Err(e) if e.kind() == ErrorKind::IsADirectory => Ok(()),
            Err(e) => Err(io_error(format!("deleting blob {key:?} at {} failed", path.display()), &self.root, e)),
        }
    }
}

/// Not there: no such file, or a prefix of the key is a file (`a/b` when `a` is one).
fn is_missing(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory)
}

/// Turns an I/O error into one that says what to do about it.
fn io_error(what: String, root: &Path, e: std::io::Error) -> BlobError {
    let root = root.display();
    let message = format!("{what}: {e}");
    match e.kind() {
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => BlobError::denied(
            message,
            format!("let the user running aerie write there: sudo chown -R $(id -un) {root} && chmod 700 {root} (or set blobs.dir)"),
        ),
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => {
            crate::disk_full::noticed(crate::disk_full::Store::Blobs, &message);
            BlobError::io(message, format!("free space on the disk holding {root}, or move blobs.dir to a larger one"))
        }
        ErrorKind::NotADirectory | ErrorKind::IsADirectory | ErrorKind::DirectoryNotEmpty => BlobError::io(
            message,
            "a key collides with another key's folder (`a` and `a/b`): use keys that are never a prefix of one another".to_string(),
        ),
        _ => BlobError::io(message, format!("check the disk and the mount holding {root}")),
    }
}

/// Runs filesystem work that has no async form on the blocking pool.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T, BlobError> + Send + 'static) -> Result<T, BlobError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Err(BlobError::io(format!("a blob store task stopped: {e}"), "see the log above; this is a bug in aerie")))
}
