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

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};

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
    if declared.is_some_and(|length| length > limit as u64) {
        return too_large(limit);
    }
    let progress = Arc::new(BodyProgress::new(declared));
    let (mut parts, body) = request.into_parts();
    parts.extensions.insert(progress.clone());
    let body = Body::new(Capped { inner: body, limit: limit as u64, progress: progress.clone() });
    let response = next.run(Request::from_parts(parts, body)).await;
    if progress.exceeded() { too_large(limit) } else { response }
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

/// A body that counts what is read and fails past `limit`.
struct Capped {
    inner: Body,
    limit: u64,
    progress: Arc<BodyProgress>,
}

impl hyper::body::Body for Capped {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.progress.exceeded() {
            return Poll::Ready(Some(Err(BodyTooLarge.into())));
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
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
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
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
        let capped = Capped { inner: Body::from_stream(chunks), limit: 250, progress: progress.clone() };
        assert!(capped.collect().await.is_err());
        assert!(progress.exceeded() && !progress.finished());

        let progress = Arc::new(BodyProgress::default());
        let capped = Capped { inner: Body::from(vec![0u8; 250]), limit: 250, progress: progress.clone() };
        assert_eq!(capped.collect().await.unwrap().to_bytes().len(), 250);
        assert!(!progress.exceeded() && progress.finished() && progress.read() == 250);
    }
}
