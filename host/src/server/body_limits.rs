//! Request body limits per route, answered as Mastodon does: 413 with a JSON error.
//!
//! Routes that take files (media uploads, avatar and header updates) accept up to
//! `server.body_limit_bytes`; every other route `server.api_body_limit_bytes` (1 MiB, as
//! Mastodon). A component reads its body into its own memory, so a large body sent to a
//! route that never needs one would only exhaust the component's memory limit and end
//! as a 500.
//!
//! A declared `Content-Length` over the limit is refused before anything is read. A
//! chunked body is counted as it streams: past the limit the reader gets an error, and
//! whatever the handler then answers is replaced by the 413. The bytes read so far are
//! kept in a [`BodyProgress`] request extension, which lets the runtime tell a guest
//! stopped for memory *while reading its body* (a 413 too) from one that leaked.
//!
//! An error answered before the body was read whole (a guest stopped while reading it,
//! a refusal before reading) would reach many clients as a broken pipe instead: they
//! are still sending when the connection closes. So before such an answer goes out the
//! rest of the body is read and dropped, as far as the route's limit allows and for a
//! few seconds at most ([`drain_leftover`]).

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use http::Method;
use hyper::body::{Frame, SizeHint};

use super::error::json_error;

/// The two limits.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// Routes that take files.
    pub uploads: usize,
    /// Everything else.
    pub other: usize,
}

impl BodyLimits {
    /// The limit for a request to `path` with `method`.
    pub fn for_route(&self, method: &Method, path: &str) -> usize {
        if takes_files(method, path) { self.uploads } else { self.other }
    }
}

/// Routes where a Mastodon client sends files: media uploads (v1 and v2), a media
/// attachment's `thumbnail` (`PUT /api/v1/media/:id`), and `avatar` and `header` on
/// `update_credentials`.
fn takes_files(method: &Method, path: &str) -> bool {
    let path = path.strip_suffix('/').unwrap_or(path);
    match *method {
        Method::POST => matches!(path, "/api/v1/media" | "/api/v2/media"),
        Method::PUT | Method::PATCH => {
            path == "/api/v1/accounts/update_credentials"
                || (*method == Method::PUT && path.strip_prefix("/api/v1/media/").is_some_and(|id| !id.is_empty() && !id.contains('/')))
        }
        _ => false,
    }
}

/// How much of a request body its handler has read, and whether it read all of it.
#[derive(Debug, Default)]
pub struct BodyProgress {
    /// The body's `Content-Length`, if it declared one.
    declared: Option<u64>,
    read: AtomicU64,
    finished: AtomicBool,
    exceeded: AtomicBool,
    /// The unread rest of the body, handed back when its reader dropped it early.
    leftover: Mutex<Option<tokio::sync::oneshot::Sender<Body>>>,
}

impl BodyProgress {
    pub fn new(declared: Option<u64>) -> BodyProgress {
        BodyProgress { declared, ..BodyProgress::default() }
    }

    /// The body's size as far as it is known: declared, or read so far. A reader may
    /// size its buffer from the declaration before it reads a byte.
    pub fn size(&self) -> u64 {
        self.declared.unwrap_or(0).max(self.read())
    }

    /// Bytes handed to the reader so far.
    pub fn read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }

    /// Whether the reader reached the end of the body.
    pub fn finished(&self) -> bool {
        self.finished.load(Ordering::Relaxed)
    }

    /// Whether the body went past its limit.
    pub fn exceeded(&self) -> bool {
        self.exceeded.load(Ordering::Relaxed)
    }
}

/// The middleware: refuses or caps the body, and turns an overflow into the 413.
pub async fn enforce(State(limits): State<BodyLimits>, request: Request, next: Next) -> Response {
    let limit = limits.for_route(request.method(), request.uri().path());
    let declared = request.headers().get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if let Some(length) = declared
        && length > limit as u64
    {
        // A body a little over the limit is read and dropped first, so the client
        // reads the 413 rather than a reset; a huge one is refused outright.
        if length <= limit as u64 + LINGER_OVER_LIMIT {
            drain(request.into_body(), length).await;
        }
        return too_large(limit);
    }
    let progress = Arc::new(BodyProgress::new(declared));
    let (mut parts, body) = request.into_parts();
    // A request without a body (most GETs) has nothing to drain, nor to wait for.
    let (handed_back, leftover) = tokio::sync::oneshot::channel();
    if hyper::body::Body::is_end_stream(&body) {
        drop(handed_back);
    } else {
        *progress.leftover.lock().unwrap() = Some(handed_back);
    }
    parts.extensions.insert(progress.clone());
    let body = Body::new(Capped { inner: Some(body), limit: limit as u64, progress: progress.clone() });
    let response = next.run(Request::from_parts(parts, body)).await;
    if progress.exceeded() {
        return too_large(limit);
    }
    if response.status().is_client_error() || response.status().is_server_error() {
        drain_leftover(&progress, leftover, limit as u64).await;
    }
    response
}

/// How far past the limit a declared body is still read before its 413.
const LINGER_OVER_LIMIT: u64 = 8 << 20;
/// How long an error answer waits for its reader to hand the body back.
const HAND_BACK_WAIT: Duration = Duration::from_secs(1);
/// How long reading the rest of a body may take before the answer goes out anyway.
const DRAIN_TIME: Duration = Duration::from_secs(5);

/// Reads and drops what the handler left of its body, within the route's limit. The
/// reader drops the body when it is done with it (a stopped guest's body goes with its
/// store, which may take a moment); a body still held by a running reader is left to it.
async fn drain_leftover(progress: &BodyProgress, leftover: tokio::sync::oneshot::Receiver<Body>, limit: u64) {
    if progress.finished() {
        return;
    }
    if let Ok(Ok(body)) = tokio::time::timeout(HAND_BACK_WAIT, leftover).await {
        drain(body, limit.saturating_sub(progress.read())).await;
    }
}

/// Reads up to `at_most` bytes of `body` and drops them, for [`DRAIN_TIME`] at most.
async fn drain(body: Body, at_most: u64) {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut seen = 0u64;
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        while seen <= at_most {
            match body.frame().await {
                Some(Ok(frame)) => seen += frame.data_ref().map_or(0, |data| data.len() as u64),
                _ => break,
            }
        }
    })
    .await;
}

/// The 413, saying what the limit is and what to do.
pub fn too_large(limit: usize) -> Response {
    json_error(
        413,
        &format!(
            "The request body is too large: this endpoint accepts at most {limit} bytes (files go to /api/v2/media, up to the upload limit)"
        ),
    )
}

/// The reading side's error once the body passed its limit.
#[derive(Debug)]
pub struct BodyTooLarge;

impl std::fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body is larger than this route accepts")
    }
}

impl std::error::Error for BodyTooLarge {}

/// A body that counts what is read and fails past `limit`. Dropped before its end, it
/// hands the rest back through its progress (see [`drain_leftover`]).
struct Capped {
    inner: Option<Body>,
    limit: u64,
    progress: Arc<BodyProgress>,
}

impl Drop for Capped {
    fn drop(&mut self) {
        if self.progress.finished() || self.progress.exceeded() {
            return;
        }
        let handed_back = self.progress.leftover.lock().unwrap().take();
        if let (Some(handed_back), Some(inner)) = (handed_back, self.inner.take()) {
            let _ = handed_back.send(inner);
        }
    }
}

impl hyper::body::Body for Capped {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.progress.exceeded() {
            return Poll::Ready(Some(Err(BodyTooLarge.into())));
        }
        let Some(inner) = self.inner.as_mut() else {
            return Poll::Ready(None);
        };
        match Pin::new(inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    let read = self.progress.read.fetch_add(data.len() as u64, Ordering::Relaxed) + data.len() as u64;
                    if read > self.limit {
                        self.progress.exceeded.store(true, Ordering::Relaxed);
                        return Poll::Ready(Some(Err(BodyTooLarge.into())));
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(None) => {
                self.progress.finished.store(true, Ordering::Relaxed);
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(|inner| inner.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.as_ref().map(|inner| inner.size_hint()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[test]
    fn only_routes_that_take_files_get_the_upload_limit() {
        let limits = BodyLimits { uploads: 40 << 20, other: 1 << 20 };
        for (method, path) in [
            (Method::POST, "/api/v1/media"),
            (Method::POST, "/api/v2/media"),
            (Method::POST, "/api/v2/media/"),
            (Method::PATCH, "/api/v1/accounts/update_credentials"),
            (Method::PUT, "/api/v1/accounts/update_credentials"),
            (Method::PUT, "/api/v1/media/1234"),
        ] {
            assert_eq!(limits.for_route(&method, path), 40 << 20, "{method} {path}");
        }
        for (method, path) in [
            (Method::POST, "/api/v1/statuses"),
            (Method::GET, "/api/v1/media/1234"),
            (Method::POST, "/api/v1/media/1234"),
            (Method::PUT, "/api/v1/media/1234/extra"),
            (Method::POST, "/inbox"),
            (Method::POST, "/oauth/token"),
        ] {
            assert_eq!(limits.for_route(&method, path), 1 << 20, "{method} {path}");
        }
    }

    #[tokio::test]
    async fn a_streamed_body_past_its_limit_fails_and_is_marked() {
        let progress = Arc::new(BodyProgress::default());
        let chunks = futures::stream::iter((0..4).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![0u8; 100]))));
        let capped = Capped { inner: Some(Body::from_stream(chunks)), limit: 250, progress: progress.clone() };
        assert!(capped.collect().await.is_err());
        assert!(progress.exceeded() && !progress.finished());

        let progress = Arc::new(BodyProgress::default());
        let capped = Capped { inner: Some(Body::from(vec![0u8; 250])), limit: 250, progress: progress.clone() };
        assert_eq!(capped.collect().await.unwrap().to_bytes().len(), 250);
        assert!(!progress.exceeded() && progress.finished() && progress.read() == 250);
    }

    #[tokio::test]
    async fn a_body_dropped_halfway_hands_its_rest_back_for_draining() {
        let progress = Arc::new(BodyProgress::default());
        let (handed_back, leftover) = tokio::sync::oneshot::channel();
        *progress.leftover.lock().unwrap() = Some(handed_back);
        let chunks = futures::stream::iter((0..3).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![0u8; 100]))));
        let mut capped = Capped { inner: Some(Body::from_stream(chunks)), limit: 1000, progress: progress.clone() };
        assert!(capped.frame().await.unwrap().is_ok());
        drop(capped);
        let rest = leftover.await.expect("the unread rest comes back");
        assert_eq!(rest.collect().await.unwrap().to_bytes().len(), 200);

        // A body read to its end keeps nothing back: there is nothing to drain.
        let progress = Arc::new(BodyProgress::default());
        let (handed_back, mut leftover) = tokio::sync::oneshot::channel();
        *progress.leftover.lock().unwrap() = Some(handed_back);
        let capped = Capped { inner: Some(Body::from(vec![0u8; 10])), limit: 1000, progress: progress.clone() };
        assert_eq!(capped.collect().await.unwrap().to_bytes().len(), 10);
        assert!(progress.finished());
        assert!(leftover.try_recv().is_err());
    }
}
