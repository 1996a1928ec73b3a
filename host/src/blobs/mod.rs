//! The host's blob store: where media files and other large objects live, in a local
//! folder (the default) or an S3-compatible bucket (several nodes, or a cloud edge).
//!
//! Everything streams: an upload is never held whole in memory (the local backend
//! writes a temporary file and renames it into place; S3 uses multipart uploads), and
//! a download is a reader. Keys are relative paths checked by [`check_key`] the same
//! way for both backends. [`BlobStore::check`] is meant for start-up: it proves the
//! store is usable and, if not, names the `[blobs]` key to fix.
//!
//! ```no_run
//! # async fn demo(config: &aerie::config::BlobsConfig) -> Result<(), aerie::blobs::BlobError> {
//! let store = aerie::blobs::BlobStore::from_config(config, std::path::Path::new("aerie-data")).await?;
//! store.check().await?;
//! let size = store.put_stream("media/ab/cd/cat.png", &b"png bytes"[..], Some("image/png")).await?;
//! if let Some(blob) = store.get_stream("media/ab/cd/cat.png").await? {
//!     assert_eq!(blob.size, size);
//! }
//! # Ok(()) }
//! ```

mod error;
mod key;
mod local;
mod s3;

use std::path::Path;
use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncReadExt};

use crate::config::BlobsConfig;

pub use error::BlobError;
pub use key::check_key;
pub use local::LocalStore;
pub use s3::S3Store;

/// A download in progress.
pub type BlobReader = Pin<Box<dyn AsyncRead + Send>>;

/// An object being read: its reader and sizes (for `Content-Length`/`Content-Range`).
pub struct Blob {
    /// The whole object's size in bytes.
    pub size: u64,
    /// How many bytes `reader` yields: `size`, or less for a range.
    pub len: u64,
    pub reader: BlobReader,
}

impl std::fmt::Debug for Blob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blob").field("size", &self.size).field("len", &self.len).finish_non_exhaustive()
    }
}

/// The blob store; cloning is cheap (both backends share their state).
#[derive(Clone, Debug)]
pub enum BlobStore {
    Local(LocalStore),
    S3(S3Store),
}

impl BlobStore {
    /// Builds the store `[blobs]` describes. Nothing is touched yet: call [`check`](Self::check).
    pub async fn from_config(config: &BlobsConfig, data_dir: &Path) -> Result<BlobStore, BlobError> {
        match config.backend.as_str() {
            "local" => Ok(BlobStore::Local(LocalStore::new(config.dir.clone().unwrap_or_else(|| data_dir.join("blobs"))))),
            "s3" => Ok(BlobStore::S3(S3Store::from_config(config).await?)),
            other => Err(BlobError::unavailable(
                format!("blobs.backend {other:?} is not a blob backend"),
                "set blobs.backend = \"local\" or \"s3\"",
            )),
        }
    }

    /// Proves the store is usable (local: the folder is writable; S3: the bucket
    /// exists and takes the credentials), within a few seconds.
    pub async fn check(&self) -> Result<(), BlobError> {
        match self {
            BlobStore::Local(store) => store.check().await,
            BlobStore::S3(store) => store.check().await,
        }
    }

    /// Stores everything `reader` yields under `key`, replacing any object there, and
    /// returns the byte count. Readers see the old object or the new one, never a part.
    /// The content type is kept by S3; the local backend does not keep it (the
    /// database knows each media file's type).
    pub async fn put_stream(&self, key: &str, reader: impl AsyncRead + Unpin + Send, content_type: Option<&str>) -> Result<u64, BlobError> {
        check_key(key)?;
        match self {
            BlobStore::Local(store) => store.put_stream(key, reader).await,
            BlobStore::S3(store) => store.put_stream(key, reader, content_type).await,
        }
    }

    /// The object under `key`, as a stream; `None` if there is none.
    pub async fn get_stream(&self, key: &str) -> Result<Option<Blob>, BlobError> {
        self.get_range(key, 0, None).await
    }

    /// `len` bytes (or the rest, for `None`) from `offset` on. An offset equal to
    /// the size yields nothing; past it is [`BlobError::OutOfRange`].
    pub async fn get_range(&self, key: &str, offset: u64, len: Option<u64>) -> Result<Option<Blob>, BlobError> {
        check_key(key)?;
        match self {
            BlobStore::Local(store) => store.get_range(key, offset, len).await,
            BlobStore::S3(store) => store.get_range(key, offset, len).await,
        }
    }

    /// Like [`get_stream`](Self::get_stream), for callers to whom a missing object is an error.
    pub async fn open(&self, key: &str) -> Result<Blob, BlobError> {
        self.get_stream(key).await?.ok_or_else(|| BlobError::NotFound { key: key.to_string() })
    }

    /// The object's size, or `None` if there is none.
    pub async fn head(&self, key: &str) -> Result<Option<u64>, BlobError> {
        check_key(key)?;
        match self {
            BlobStore::Local(store) => store.head(key).await,
            BlobStore::S3(store) => store.head(key).await,
        }
    }

    pub async fn exists(&self, key: &str) -> Result<bool, BlobError> {
        Ok(self.head(key).await?.is_some())
    }

    /// Removes the object; removing one that is not there is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), BlobError> {
        check_key(key)?;
        match self {
            BlobStore::Local(store) => store.delete(key).await,
            BlobStore::S3(store) => store.delete(key).await,
        }
    }
}

/// Reads until `buf` is full or the stream ends; returns how much was read. Both
/// backends write in large pieces (a disk write, an S3 part), whatever sizes the
/// source hands out.
pub(crate) async fn read_full(reader: &mut (impl AsyncRead + Unpin), buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]).await? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}
