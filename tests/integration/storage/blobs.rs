//! The blob store on both backends: a local folder, and a real S3-compatible server
//! (moto, started by each test on a free loopback port and killed when it ends).
//! The same checks run against both, so the backends cannot drift apart.
//!
//! moto comes from tests/run, pinned to 5.1.22 (`support/moto.rs`): on moto
//! 5.2.0-5.2.5 the large-object test fails with "expected
//! CompleteMultipartUploadResult".

use std::io;
use std::os::unix::fs::PermissionsExt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use aerie::blobs::{BlobError, BlobStore};
use aerie::config::BlobsConfig;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

use crate::support::free_port;
use crate::support::moto::Moto;

/// Larger than two S3 parts (8 MiB), and not a multiple of one.
const LARGE: u64 = 20 * 1024 * 1024 + 123;

/// The test data's byte at position `i`: addressable, so any range can be checked,
/// and generated as it is read, so a large object is never one Vec.
fn pattern_byte(i: u64) -> u8 {
    let mut z = (i / 8).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)).to_le_bytes()[(i % 8) as usize]
}

/// `len` bytes of the pattern, handed out in odd-sized pieces like a network
/// stream; fails with an error at `fail_at`, if given.
struct Pattern {
    pos: u64,
    len: u64,
    fail_at: Option<u64>,
}

impl Pattern {
    fn new(len: u64) -> Pattern {
        Pattern { pos: 0, len, fail_at: None }
    }
}

impl AsyncRead for Pattern {
    fn poll_read(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.fail_at.is_some_and(|at| self.pos >= at) {
            return Poll::Ready(Err(io::Error::other("the client went away")));
        }
        let end = self.fail_at.unwrap_or(u64::MAX).min(self.len);
        let n = (end - self.pos).min(buf.remaining() as u64).min(60_001) as usize;
        for i in 0..n as u64 {
            buf.put_slice(&[pattern_byte(self.pos + i)]);
        }
        self.pos += n as u64;
        Poll::Ready(Ok(()))
    }
}

fn pattern_hash(offset: u64, len: u64) -> Vec<u8> {
    let mut hash = Sha256::new();
    let mut chunk = Vec::with_capacity(1 << 16);
    for i in offset..offset + len {
        chunk.push(pattern_byte(i));
        if chunk.len() == chunk.capacity() {
            hash.update(&chunk);
            chunk.clear();
        }
    }
    hash.update(&chunk);
    hash.finalize().to_vec()
}

/// Reads a stream to its end in pieces, hashing as it goes.
async fn stream_hash(mut reader: impl AsyncRead + Unpin) -> (u64, Vec<u8>) {
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0;
    loop {
        let n = reader.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
        total += n as u64;
    }
    (total, hash.finalize().to_vec())
}

async fn read_all(store: &BlobStore, key: &str) -> Vec<u8> {
    let mut blob = store.open(key).await.unwrap();
    let mut out = Vec::new();
    blob.reader.read_to_end(&mut out).await.unwrap();
    assert_eq!(out.len() as u64, blob.len);
    out
}

/// Everything a caller relies on, the same for every backend.
async fn exercise(store: &BlobStore) {
    // Small: stored in one piece.
    let key = "media/ab/cd/hello.txt";
    assert_eq!(store.put_stream(key, &b"hello, blobs"[..], Some("text/plain")).await.unwrap(), 12);
    assert_eq!(store.head(key).await.unwrap(), Some(12));
    assert!(store.exists(key).await.unwrap());
    assert_eq!(read_all(store, key).await, b"hello, blobs");

    // Ranges: inside, the rest, at the end (nothing), past the end (an error).
    let mut part = store.get_range(key, 7, Some(5)).await.unwrap().unwrap();
    assert_eq!((part.size, part.len), (12, 5));
    let mut text = String::new();
    part.reader.read_to_string(&mut text).await.unwrap();
    assert_eq!(text, "blobs");
    let rest = store.get_range(key, 5, None).await.unwrap().unwrap();
    assert_eq!((rest.size, rest.len), (12, 7));
    let at_end = store.get_range(key, 12, None).await.unwrap().unwrap();
    assert_eq!(stream_hash(at_end.reader).await.0, 0);
    let past = store.get_range(key, 13, Some(1)).await.unwrap_err();
    assert!(matches!(past, BlobError::OutOfRange { offset: 13, size: 12, .. }), "{past}");

    // Replacing an object.
    store.put_stream(key, &b"second version"[..], None).await.unwrap();
    assert_eq!(read_all(store, key).await, b"second version");

    // Empty objects are objects.
    assert_eq!(store.put_stream("empty", tokio::io::empty(), None).await.unwrap(), 0);
    assert_eq!(store.head("empty").await.unwrap(), Some(0));
    assert_eq!(read_all(store, "empty").await, b"");

    // Large: streamed in and out, compared by hash, and a range across a part boundary.
    let big = "media/big/video.bin";
    assert_eq!(store.put_stream(big, Pattern::new(LARGE), Some("application/octet-stream")).await.unwrap(), LARGE);
    assert_eq!(store.head(big).await.unwrap(), Some(LARGE));
    let blob = store.get_stream(big).await.unwrap().unwrap();
    assert_eq!((blob.size, blob.len), (LARGE, LARGE));
    assert_eq!(stream_hash(blob.reader).await, (LARGE, pattern_hash(0, LARGE)), "the large object came back different");
    let boundary = 8 * 1024 * 1024 - 1000;
    let slice = store.get_range(big, boundary, Some(3000)).await.unwrap().unwrap();
    assert_eq!((slice.size, slice.len), (LARGE, 3000));
    assert_eq!(stream_hash(slice.reader).await, (3000, pattern_hash(boundary, 3000)));

    // Missing keys.
    assert!(store.get_stream("media/none").await.unwrap().is_none());
    assert!(store.get_range("media/none", 5, Some(5)).await.unwrap().is_none());
    assert_eq!(store.head("media/none").await.unwrap(), None);
    assert!(!store.exists("media/none").await.unwrap());
    let missing = store.open("media/none").await.unwrap_err();
    assert!(matches!(missing, BlobError::NotFound { .. }), "{missing}");
    // A prefix of stored keys is not an object either.
    assert!(store.get_stream("media/ab").await.unwrap().is_none());

    // Delete, twice: the second is not an error.
    store.delete(key).await.unwrap();
    assert!(!store.exists(key).await.unwrap());
    assert!(store.get_stream(key).await.unwrap().is_none());
    store.delete(key).await.unwrap();
    store.delete(big).await.unwrap();
    assert!(!store.exists(big).await.unwrap());

    // Keys that are not plain relative paths are refused by every operation.
    for bad in ["/etc/passwd", "../outside", "media/../../outside", "media\\x", "media//x", "media/", ""] {
        let put = store.put_stream(bad, &b"x"[..], None).await.unwrap_err();
        assert!(matches!(put, BlobError::InvalidKey { .. }), "{bad:?}: {put}");
        assert!(put.to_string().contains("relative paths"), "{put}");
        assert!(matches!(store.get_stream(bad).await, Err(BlobError::InvalidKey { .. })), "{bad:?}");
        assert!(matches!(store.head(bad).await, Err(BlobError::InvalidKey { .. })), "{bad:?}");
        assert!(matches!(store.delete(bad).await, Err(BlobError::InvalidKey { .. })), "{bad:?}");
    }

    // An upload whose source breaks stores nothing (S3: the multipart upload is
    // aborted; local: the temporary file is removed).
    let broken = Pattern { pos: 0, len: LARGE, fail_at: Some(10 * 1024 * 1024) };
    let error = store.put_stream("media/broken.bin", broken, None).await.unwrap_err();
    assert!(error.to_string().contains("the client went away") && error.to_string().contains("fix:"), "{error}");
    assert!(!store.exists("media/broken.bin").await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_folder_stores_streams_ranges_and_refuses_bad_keys() {
    let data = tempfile::tempdir().unwrap();
    let store = BlobStore::from_config(&BlobsConfig::default(), data.path()).await.unwrap();
    let root = data.path().join("blobs");
    assert!(!root.exists(), "nothing is touched before check()");
    store.check().await.unwrap();
    assert_eq!(std::fs::metadata(&root).unwrap().permissions().mode() & 0o777, 0o700);

    exercise(&store).await;

    // Nothing escaped the folder, and no temporary file was left behind.
    let outside: Vec<_> = std::fs::read_dir(data.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(outside, ["blobs"]);
    let leftovers: Vec<_> = walk(&root).into_iter().filter(|p| p.contains(".aerie-")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        found.push(path.display().to_string());
        if path.is_dir() {
            found.extend(walk(&path));
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_check_says_what_is_wrong_with_the_folder() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("not-a-folder");
    std::fs::write(&file, b"").unwrap();
    let config = BlobsConfig { dir: Some(file.clone()), ..BlobsConfig::default() };
    let error = BlobStore::from_config(&config, data.path()).await.unwrap().check().await.unwrap_err();
    assert!(matches!(error, BlobError::Unavailable { .. }), "{error}");
    assert!(error.to_string().contains("blobs.dir") && error.to_string().contains("not a folder"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_bucket_stores_streams_in_parts_ranges_and_refuses_bad_keys() {
    let moto = Moto::start(false).await;
    let store = moto.store("aerie-media").await;
    exercise(&store).await;

    // The broken upload above left no multipart upload behind.
    let BlobStore::S3(s3) = &store else { unreachable!() };
    let uploads = s3.client().list_multipart_uploads().bucket("aerie-media").send().await.unwrap();
    assert!(uploads.uploads().is_empty(), "an aborted upload is still open: {:?}", uploads.uploads());
    // The content type travels with the object.
    store.put_stream("typed.png", &b"png"[..], Some("image/png")).await.unwrap();
    let head = s3.client().head_object().bucket("aerie-media").key("typed.png").send().await.unwrap();
    assert_eq!(head.content_type(), Some("image/png"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_check_names_the_key_to_fix() {
    // Nothing listens on the endpoint.
    let port = free_port();
    let config = BlobsConfig {
        backend: "s3".into(),
        endpoint: Some(format!("http://127.0.0.1:{port}")),
        bucket: Some("aerie-media".into()),
        access_key_id: Some("aerie-test".into()),
        secret_access_key: Some("aerie-test-secret".into()),
        ..BlobsConfig::default()
    };
    let started = Instant::now();
    let error = BlobStore::from_config(&config, "unused".as_ref()).await.unwrap().check().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(8), "check took {:?}", started.elapsed());
    assert!(matches!(error, BlobError::Unavailable { .. }), "{error}");
    let text = error.to_string();
    assert!(
        text.contains(&format!("blobs.endpoint http://127.0.0.1:{port} unreachable"))
            && text.contains("fix: start the S3 server or correct blobs.endpoint"),
        "{text}"
    );

    // The server is there but the bucket is not. (moto takes any key pair by default,
    // so the refused-credentials case below runs against a second, strict moto.)
    let moto = Moto::start(false).await;
    let error = BlobStore::from_config(&moto.config("no-such-bucket"), "unused".as_ref()).await.unwrap().check().await.unwrap_err();
    assert!(matches!(error, BlobError::Unavailable { .. }), "{error}");
    let text = error.to_string();
    assert!(text.contains("bucket \"no-such-bucket\" does not exist") && text.contains("blobs.bucket"), "{text}");

    // A server that checks keys refuses ours.
    let strict = Moto::start(true).await;
    let error = BlobStore::from_config(&strict.config("aerie-media"), "unused".as_ref()).await.unwrap().check().await.unwrap_err();
    assert!(matches!(error, BlobError::Denied { .. }), "{error}");
    let text = error.to_string();
    assert!(
        text.contains("the bucket refused the credentials") && text.contains("blobs.access_key_id") && text.contains("AWS_ACCESS_KEY_ID"),
        "{text}"
    );
}
