//! `aerie:host/blobs`: the blob store for components, read in ranges and written as a
//! stream of chunks (a channel feeds [`BlobStore::put_stream`]), so an upload never
//! sits whole in host memory. `grants.blobs` is `read-only` or `read-write`.

use std::io;

use bytes::Bytes;
use serde::Deserialize;
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::io::StreamReader;
use wasmtime::component::{HasData, Linker, Resource, ResourceTable};

use super::aerie::host::blobs::{self as wit, Host, HostWriter};
use super::{Capability, Grant, HTTP_AND_JOB, Setup, States};
use crate::blobs::{BlobError, BlobStore};
use crate::config::{Grants, Hook};
use crate::runtime::state::StoreState;

/// Largest range one `read` call returns.
pub const MAX_READ: u32 = 4 << 20;

/// `grants.blobs` in a manifest entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlobsGrant {
    #[default]
    None,
    ReadOnly,
    ReadWrite,
}

impl BlobsGrant {
    /// As written in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            BlobsGrant::None => "none",
            BlobsGrant::ReadOnly => "read-only",
            BlobsGrant::ReadWrite => "read-write",
        }
    }
}

impl std::fmt::Display for BlobsGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// The capability: `grants.blobs`.
pub struct Blobs;

/// What the `Host` impls work on: the component's view of the store, and the table
/// uploads in progress live in.
pub struct BlobsView<'a> {
    pub ctx: Option<&'a BlobsCtx>,
    pub table: &'a mut ResourceTable,
}

struct Data;

impl HasData for Data {
    type Data<'a> = BlobsView<'a>;
}

impl Capability for Blobs {
    fn name(&self) -> &'static str {
        "blobs"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        &["aerie:host/blobs"]
    }

    fn grant(&self) -> Grant {
        Grant::Access("blobs")
    }

    fn granted(&self, grants: &Grants) -> bool {
        grants.blobs != BlobsGrant::None
    }

    fn hooks(&self) -> &'static [Hook] {
        HTTP_AND_JOB
    }

    fn add_to_linker(&self, linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
        wit::add_to_linker::<StoreState, Data>(linker, |state| BlobsView {
            ctx: state.capabilities.blobs.as_ref(),
            table: &mut state.table,
        })
    }

    fn set_up(&self, setup: &Setup<'_>, states: &mut States) {
        states.blobs = Some(BlobsCtx { store: setup.shared.blobs.clone(), writable: setup.entry.grants.blobs == BlobsGrant::ReadWrite });
    }
}

/// A component's view of the blob store.
#[derive(Clone)]
pub struct BlobsCtx {
    pub store: BlobStore,
    pub writable: bool,
}

/// An upload in progress: chunks go down the channel to the task storing them.
pub struct BlobWriter {
    chunks: Option<mpsc::Sender<io::Result<Bytes>>>,
    upload: Option<JoinHandle<Result<u64, BlobError>>>,
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        // Abandoned without `finish`: fail the stream so nothing is stored.
        if let Some(chunks) = self.chunks.take() {
            let _ = chunks.try_send(Err(io::Error::other("the component dropped the writer without finishing")));
        }
    }
}

fn to_wit(error: BlobError) -> wit::Error {
    match error {
        BlobError::NotFound { .. } => wit::Error::NotFound(error.to_string()),
        BlobError::InvalidKey { .. } => wit::Error::InvalidKey(error.to_string()),
        BlobError::OutOfRange { .. } => wit::Error::OutOfRange(error.to_string()),
        other => {
            tracing::warn!(error = %other, "blob store operation failed");
            wit::Error::Unavailable("the blob store failed; the operation may be retried".into())
        }
    }
}

impl BlobsView<'_> {
    fn blobs(&self, write: bool) -> Result<BlobStore, wit::Error> {
        match self.ctx {
            None => Err(wit::Error::AccessDenied(
                "this component has no blobs grant; add grants.blobs = \"read-only\" or \"read-write\"".into(),
            )),
            Some(ctx) if write && !ctx.writable => Err(wit::Error::AccessDenied("this component's blobs grant is read-only".into())),
            Some(ctx) => Ok(ctx.store.clone()),
        }
    }
}

impl Host for BlobsView<'_> {
    async fn create(&mut self, key: String, content_type: Option<String>) -> wasmtime::Result<Result<Resource<BlobWriter>, wit::Error>> {
        let store = match self.blobs(true) {
            Ok(store) => store,
            Err(e) => return Ok(Err(e)),
        };
        if let Err(e) = crate::blobs::check_key(&key) {
            return Ok(Err(to_wit(e)));
        }
        let (chunks, receiver) = mpsc::channel::<io::Result<Bytes>>(4);
        let upload = tokio::spawn(async move {
            let reader = StreamReader::new(tokio_stream_from(receiver));
            store.put_stream(&key, reader, content_type.as_deref()).await
        });
        Ok(Ok(self.table.push(BlobWriter { chunks: Some(chunks), upload: Some(upload) })?))
    }

    async fn read(&mut self, key: String, offset: u64, len: u32) -> wasmtime::Result<Result<(Vec<u8>, u64), wit::Error>> {
        let store = match self.blobs(false) {
            Ok(store) => store,
            Err(e) => return Ok(Err(e)),
        };
        let len = len.min(MAX_READ);
        let blob = match store.get_range(&key, offset, Some(len as u64)).await {
            Ok(Some(blob)) => blob,
            Ok(None) => return Ok(Err(wit::Error::NotFound(format!("blob {key:?} does not exist")))),
            Err(e) => return Ok(Err(to_wit(e))),
        };
        let size = blob.size;
        let mut bytes = Vec::with_capacity(blob.len as usize);
        let mut reader = blob.reader.take(len as u64);
        if let Err(e) = reader.read_to_end(&mut bytes).await {
            tracing::warn!(key, error = %e, "reading a blob failed");
            return Ok(Err(wit::Error::Unavailable("reading the blob failed; it may be retried".into())));
        }
        Ok(Ok((bytes, size)))
    }

    async fn size(&mut self, key: String) -> wasmtime::Result<Result<Option<u64>, wit::Error>> {
        let store = match self.blobs(false) {
            Ok(store) => store,
            Err(e) => return Ok(Err(e)),
        };
        Ok(store.head(&key).await.map_err(to_wit))
    }

    async fn delete(&mut self, key: String) -> wasmtime::Result<Result<(), wit::Error>> {
        let store = match self.blobs(true) {
            Ok(store) => store,
            Err(e) => return Ok(Err(e)),
        };
        Ok(store.delete(&key).await.map_err(to_wit))
    }
}

impl HostWriter for BlobsView<'_> {
    async fn write(&mut self, writer: Resource<BlobWriter>, chunk: Vec<u8>) -> wasmtime::Result<Result<(), wit::Error>> {
        let Some(chunks) = self.table.get(&writer)?.chunks.clone() else {
            return Ok(Err(wit::Error::Unavailable("the upload already ended".into())));
        };
        if chunks.send(Ok(Bytes::from(chunk))).await.is_err() {
            // The upload task stopped early; `finish` reports why.
            return Ok(Err(wit::Error::Unavailable("the upload failed; call finish to see why".into())));
        }
        Ok(Ok(()))
    }

    async fn finish(&mut self, writer: Resource<BlobWriter>) -> wasmtime::Result<Result<u64, wit::Error>> {
        let mut writer = self.table.delete(writer)?;
        drop(writer.chunks.take()); // end of stream
        let Some(upload) = writer.upload.take() else {
            return Ok(Err(wit::Error::Unavailable("the upload already ended".into())));
        };
        match upload.await {
            Ok(result) => Ok(result.map_err(to_wit)),
            Err(e) => Ok(Err(wit::Error::Unavailable(format!("the upload task failed: {e}")))),
        }
    }

    async fn drop(&mut self, writer: Resource<BlobWriter>) -> wasmtime::Result<()> {
        self.table.delete(writer)?;
        Ok(())
    }
}

/// The receiver as a `Stream`, for `StreamReader`.
fn tokio_stream_from(mut receiver: mpsc::Receiver<io::Result<Bytes>>) -> impl futures::Stream<Item = io::Result<Bytes>> + Send {
    futures::stream::poll_fn(move |cx| receiver.poll_recv(cx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn read_only_reads_read_write_writes_and_ungranted_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let config = crate::config::BlobsConfig { dir: Some(dir.path().join("blobs")), ..Default::default() };
        let store = BlobStore::from_config(&config, dir.path()).await.unwrap();
        let mut table = ResourceTable::new();

        let writable = BlobsCtx { store: store.clone(), writable: true };
        let mut view = BlobsView { ctx: Some(&writable), table: &mut table };
        let writer = view.create("media/a.txt".into(), Some("text/plain".into())).await.unwrap().unwrap();
        view.write(Resource::new_borrow(writer.rep()), b"hello".to_vec()).await.unwrap().unwrap();
        assert_eq!(view.finish(writer).await.unwrap().unwrap(), 5);

        let read_only = BlobsCtx { store, writable: false };
        let mut view = BlobsView { ctx: Some(&read_only), table: &mut table };
        assert_eq!(view.read("media/a.txt".into(), 0, 100).await.unwrap().unwrap(), (b"hello".to_vec(), 5));
        assert!(matches!(view.delete("media/a.txt".into()).await.unwrap(), Err(wit::Error::AccessDenied(m)) if m.contains("read-only")));

        let mut view = BlobsView { ctx: None, table: &mut table };
        assert!(matches!(view.size("media/a.txt".into()).await.unwrap(), Err(wit::Error::AccessDenied(m)) if m.contains("grants.blobs")));
    }
}
