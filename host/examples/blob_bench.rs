//! Blob store throughput: put and get of large objects, to a local folder and (when
//! `AERIE_BENCH_S3_ENDPOINT` is set) to an S3-compatible server. `benches/blobs`
//! runs it against a moto server it starts.
//!
//! Settings (environment): `AERIE_BENCH_MB` object size (default 64),
//! `AERIE_BENCH_RUNS` runs per figure (default 3, the best is kept),
//! `AERIE_BENCH_DIR` where the local folder goes (default: the temp dir),
//! `AERIE_BENCH_S3_ENDPOINT`, `AERIE_BENCH_S3_BUCKET` (default `aerie-bench`, created).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use aerie::blobs::BlobStore;
use aerie::config::BlobsConfig;
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

/// A stream of `len` bytes cut from one pre-made block, so producing the data
/// costs next to nothing and the figures measure the store.
struct Source {
    block: std::sync::Arc<Vec<u8>>,
    left: u64,
    at: usize,
}

impl AsyncRead for Source {
    fn poll_read(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let n = (self.block.len() - self.at).min(buf.remaining()).min(self.left as usize);
        let at = self.at;
        buf.put_slice(&self.block[at..at + n]);
        self.at = (at + n) % self.block.len();
        self.left -= n as u64;
        Poll::Ready(Ok(()))
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Best put and get rates, in MB/s (10^6 bytes).
async fn measure(store: &BlobStore, bytes: u64, runs: u32) -> (f64, f64) {
    // Incompressible bytes (an LCG), in case a server compresses.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let block: Vec<u8> = (0..1 << 20)
        .map(|_| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect();
    let block = std::sync::Arc::new(block);
    let (mut best_put, mut best_get) = (0f64, 0f64);
    let mut buf = vec![0u8; 1 << 20];
    for run in 0..runs {
        let key = format!("bench/run-{run}.bin");
        let started = Instant::now();
        let stored = store
            .put_stream(&key, Source { block: block.clone(), left: bytes, at: 0 }, Some("application/octet-stream"))
            .await
            .unwrap_or_else(|e| panic!("put: {e}"));
        best_put = best_put.max(stored as f64 / started.elapsed().as_secs_f64() / 1e6);

        let started = Instant::now();
        let mut blob = store.open(&key).await.unwrap_or_else(|e| panic!("get: {e}"));
        let mut read = 0u64;
        loop {
            let n = blob.reader.read(&mut buf).await.expect("read");
            if n == 0 {
                break;
            }
            read += n as u64;
        }
        assert_eq!(read, bytes, "the object came back short");
        best_get = best_get.max(read as f64 / started.elapsed().as_secs_f64() / 1e6);
        store.delete(&key).await.unwrap_or_else(|e| panic!("delete: {e}"));
    }
    (best_put, best_get)
}

#[tokio::main]
async fn main() {
    let mb: u64 = env_or("AERIE_BENCH_MB", 64);
    let runs: u32 = env_or("AERIE_BENCH_RUNS", 3);
    let bytes = mb << 20;
    println!("blob store: {mb} MiB objects, best of {runs} runs, MB/s = 10^6 bytes/s");

    let base = std::env::var_os("AERIE_BENCH_DIR").map(std::path::PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::tempdir_in(&base).expect("a temporary folder for the local store");
    let local = BlobStore::from_config(&BlobsConfig::default(), dir.path()).await.expect("local store");
    local.check().await.expect("local store usable");
    let (put, get) = measure(&local, bytes, runs).await;
    println!("local folder ({}): put {put:.0} MB/s (fsync included), get {get:.0} MB/s", base.display());

    if let Ok(endpoint) = std::env::var("AERIE_BENCH_S3_ENDPOINT") {
        let bucket = std::env::var("AERIE_BENCH_S3_BUCKET").unwrap_or_else(|_| "aerie-bench".into());
        let config = BlobsConfig {
            backend: "s3".into(),
            endpoint: Some(endpoint.clone()),
            bucket: Some(bucket.clone()),
            access_key_id: Some(std::env::var("AWS_ACCESS_KEY_ID").unwrap_or_else(|_| "bench".into())),
            secret_access_key: Some(std::env::var("AWS_SECRET_ACCESS_KEY").unwrap_or_else(|_| "bench-secret".into())),
            ..BlobsConfig::default()
        };
        let store = BlobStore::from_config(&config, dir.path()).await.expect("S3 store");
        if let BlobStore::S3(s3) = &store {
            // Already there is fine; any other problem shows in check() below.
            let _ = s3.client().create_bucket().bucket(&bucket).send().await;
        }
        store.check().await.unwrap_or_else(|e| panic!("{e}"));
        let (put, get) = measure(&store, bytes, runs).await;
        println!("s3 ({endpoint}, bucket {bucket}): put {put:.0} MB/s (8 MiB parts), get {get:.0} MB/s");
    } else {
        println!("s3: skipped (set AERIE_BENCH_S3_ENDPOINT, or run benches/blobs)");
    }
}
