//! The listening socket and the connections on it, served with hyper directly so the
//! edge can hold out against slow and greedy clients:
//!
//! - **Global cap** (`server.max_connections`, sized from the open-file limit): past
//!   it the accept loop stops accepting, so new connections wait in the kernel's listen
//!   backlog and are served as soon as a slot frees, instead of being refused (a
//!   refused connection is a failed request; a queued one is only a slower one).
//! - **Per-address cap** ([`super::conn_limits`]): a direct client past it is answered
//!   429 and closed at once. A trusted proxy is never capped by its own address; the
//!   clients behind it are counted by their forwarded address, per request, and get a
//!   JSON 429.
//! - **Header timeout**: a request whose headers have not all arrived this long after
//!   its first byte closes the connection (slowloris), so held sockets come back.
//! - **Idle timeout**: a keep-alive connection without a request for this long is
//!   closed cleanly (a FIN between requests, never in the middle of one), and every
//!   response says when in `Keep-Alive: timeout=N`, so clients such as Node's agent
//!   (axios, megalodon) retire the socket before the server does instead of sending
//!   on a closing one.
//!
//! hyper's own `header_read_timeout` also runs while a keep-alive connection waits for
//! its next request, which would make the two timeouts one; so both are kept here, by a
//! watchdog per connection fed by what the socket reads and what the service answers.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tower::ServiceExt as _;

use super::client_info::ProxyTrust;
use super::conn_limits::{AddressCounts, AddressSlot};
use super::error::json_error;

/// How the edge treats connections.
#[derive(Debug, Clone)]
pub struct EdgeOptions {
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    /// 0: no per-address cap.
    pub max_per_address: usize,
    /// How long shutdown waits for in-flight requests (streams never finish on their own).
    pub shutdown_grace: Duration,
}

const TOO_MANY: &str = "Too many connections from your address; close some and try again";

/// What every connection shares.
struct Shared {
    router: Router,
    trust: ProxyTrust,
    per_address: Arc<AddressCounts>,
    options: EdgeOptions,
    /// `Keep-Alive: timeout=N`, the idle timeout announced on every response.
    keep_alive: HeaderValue,
}

/// Accepts and serves connections until `shutdown` resolves, then lets in-flight
/// requests finish (for at most the grace period).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    trust: ProxyTrust,
    options: EdgeOptions,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(options.max_connections));
    let keep_alive = HeaderValue::from_str(&format!("timeout={}", options.idle_timeout.as_secs())).expect("digits are a valid header");
    let per_address = AddressCounts::new(options.max_per_address);
    let shared = Arc::new(Shared { router, trust, per_address, options, keep_alive });
    tracing::info!(
        max_connections = shared.options.max_connections,
        max_per_address = shared.options.max_per_address,
        header_timeout_s = shared.options.header_timeout.as_secs(),
        idle_timeout_s = shared.options.idle_timeout.as_secs(),
        "connection limits"
    );
    // Connections watch `stop` to begin their graceful shutdown; each holds a `done`
    // receiver, so `done_tx.closed()` resolves when the last one has ended.
    let (stop_tx, stop_rx) = watch::channel(());
    let (done_tx, done_rx) = watch::channel(());
    let mut full_warned: Option<Instant> = None;
    let mut refused_warned: Option<Instant> = None;
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            biased;
            _ = &mut shutdown => break,
            permit = slots.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
        };
        if slots.available_permits() == 0 && now_due(&mut full_warned) {
            tracing::warn!(
                max_connections = shared.options.max_connections,
                "every connection slot is taken; new connections wait in the listen backlog (server.max_connections)"
            );
        }
        let (stream, peer) = tokio::select! {
            biased;
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let proxy = shared.trust.is_trusted(peer.ip());
        let slot = if proxy {
            None
        } else {
            match shared.per_address.try_acquire(peer.ip()) {
                Some(slot) => Some(slot),
                None => {
                    if now_due(&mut refused_warned) {
                        tracing::warn!(
                            client = %peer.ip(),
                            max_per_address = shared.options.max_per_address,
                            "refusing connections from an address over its cap (server.max_connections_per_address)"
                        );
                    }
                    refuse(stream);
                    continue;
                }
            }
        };
        let connection = Connection { shared: shared.clone(), peer, proxy, activity: Arc::new(Activity::new()) };
        let io = Tracked { stream, activity: connection.activity.clone(), _permit: permit, _slot: slot };
        tokio::spawn(connection.run(io, stop_rx.clone(), done_rx.clone()));
    }
    drop(listener);
    let _ = stop_tx.send(());
    drop(done_rx);
    if tokio::time::timeout(shared.options.shutdown_grace, done_tx.closed()).await.is_err() {
        tracing::warn!(
            open = done_tx.receiver_count(),
            grace_s = shared.options.shutdown_grace.as_secs(),
            "connections still open after the grace period; stopping anyway"
        );
    }
    Ok(())
}

/// Whether a warning last given at `last` may be given again (once per 10 s, so a
/// flood does not flood the log too).
fn now_due(last: &mut Option<Instant>) -> bool {
    let due = last.is_none_or(|at| at.elapsed() > Duration::from_secs(10));
    if due {
        *last = Some(Instant::now());
    }
    due
}

/// An accept that failed: a client that went away is nothing; anything else (out of
/// descriptors) is logged and retried after a pause, leaving the client in the backlog.
async fn accept_failed(error: std::io::Error) {
    use std::io::ErrorKind::*;
    if matches!(error.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset) {
        return;
    }
    tracing::error!(%error, "accepting a connection failed; retrying shortly");
    tokio::time::sleep(Duration::from_millis(250)).await;
}

/// Answers 429 without waiting on the client, and closes.
fn refuse(stream: TcpStream) {
    let body = serde_json::json!({ "error": TOO_MANY }).to_string();
    let response = format!(
        "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    // A fresh socket's send buffer is empty, so this writes all of it or the client is gone.
    let _ = stream.try_write(response.as_bytes());
}

/// One accepted connection.
struct Connection {
    shared: Arc<Shared>,
    peer: SocketAddr,
    /// The peer is a trusted proxy: its clients are capped per request, not it.
    proxy: bool,
    activity: Arc<Activity>,
}

impl Connection {
    async fn run(self, io: Tracked, mut stop: watch::Receiver<()>, _done: watch::Receiver<()>) {
        let this = Arc::new(self);
        let service = {
            let this = this.clone();
            hyper::service::service_fn(move |request| {
                let this = this.clone();
                async move { Ok::<_, Infallible>(this.handle(request).await) }
            })
        };
        let mut builder = hyper::server::conn::http1::Builder::new();
        // The watchdog below keeps the header timeout (see the module notes).
        builder.keep_alive(true).header_read_timeout(None);
        let conn = builder.serve_connection(TokioIo::new(io), service).with_upgrades();
        tokio::pin!(conn);
        let options = &this.shared.options;
        let (mut closing_idle, mut stopping) = (false, false);
        loop {
            let wake = match this.activity.check(options.header_timeout, options.idle_timeout) {
                Ok(at) => at,
                Err(Expiry::Header) => {
                    tracing::debug!(peer = %this.peer, "closing a connection whose request headers did not arrive in time");
                    return;
                }
                // A connection asked to close while idle closes at once; one that did
                // not (a request half-sent after the last one) is dropped.
                Err(Expiry::Idle) if closing_idle => return,
                Err(Expiry::Idle) => {
                    closing_idle = true;
                    conn.as_mut().graceful_shutdown();
                    Instant::now() + options.header_timeout
                }
            };
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(error) = result {
                        tracing::debug!(peer = %this.peer, %error, "connection ended with an error");
                    }
                    return;
                }
                _ = tokio::time::sleep_until(wake.into()) => {}
                _ = stop.changed(), if !stopping => {
                    stopping = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }

    /// One request: the forwarded client's cap, then the router; the response carries
    /// what must live as long as it is being sent.
    async fn handle(&self, mut request: Request<Incoming>) -> Response<Body> {
        let in_flight = InFlight::start(self.activity.clone());
        let shared = &self.shared;
        let mut forwarded = None;
        if self.proxy && shared.per_address.enabled() {
            let client = shared.trust.client(self.peer, request.headers());
            if client.ip != self.peer.ip() {
                match shared.per_address.try_acquire(client.ip) {
                    Some(slot) => forwarded = Some(slot),
                    None => return json_error(429, TOO_MANY),
                }
            }
        }
        let keep_alive = request.version() == http::Version::HTTP_11 && !asks_to_close(request.headers());
        request.extensions_mut().insert(ConnectInfo(self.peer));
        let mut response = shared.router.clone().oneshot(request.map(Body::new)).await.unwrap_or_else(|never| match never {});
        if response.status() == StatusCode::SWITCHING_PROTOCOLS {
            // The socket now belongs to the upgraded protocol (a WebSocket), and so does
            // the forwarded client's slot: it is held as long as the socket is open.
            *self.activity.upgraded.lock().unwrap() = forwarded;
            return response;
        }
        if keep_alive && !asks_to_close(response.headers()) {
            response.headers_mut().insert(http::header::HeaderName::from_static("keep-alive"), shared.keep_alive.clone());
        }
        response.map(|body| Body::new(Guarded { inner: body, _in_flight: in_flight, _slot: forwarded }))
    }
}

fn asks_to_close(headers: &http::HeaderMap) -> bool {
    headers
        .get_all(http::header::CONNECTION)
        .iter()
        .any(|v| v.to_str().is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close"))))
}

/// Which timeout ran out.
#[derive(Debug, PartialEq, Eq)]
enum Expiry {
    Header,
    Idle,
}

const NONE: u64 = u64::MAX;

/// What a connection is doing, in milliseconds since it was accepted: written by the
/// socket (bytes arrived) and the service (a request began or its response ended),
/// read by the watchdog.
struct Activity {
    accepted: Instant,
    in_flight: AtomicU32,
    /// When the connection last became idle (accepted, or a response ended).
    idle_since: AtomicU64,
    /// When the first byte of the next request arrived (accepting counts as the first
    /// request's); [`NONE`] while none has.
    head_since: AtomicU64,
    /// A forwarded client's slot after its request upgraded the connection.
    upgraded: Mutex<Option<AddressSlot>>,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            accepted: Instant::now(),
            in_flight: AtomicU32::new(0),
            idle_since: AtomicU64::new(0),
            // A new connection owes its first request's headers within the header
            // timeout, as if its first byte came with the connection: a client that
            // connects and sends nothing is as slow as one that sends half.
            head_since: AtomicU64::new(0),
            upgraded: Mutex::new(None),
        }
    }

    fn now(&self) -> u64 {
        self.accepted.elapsed().as_millis() as u64
    }

    fn bytes_arrived(&self) {
        if self.in_flight.load(Ordering::Relaxed) == 0 && self.head_since.load(Ordering::Relaxed) == NONE {
            self.head_since.store(self.now(), Ordering::Relaxed);
        }
    }

    /// The moment to look again, or the timeout that has run out. Requests in flight
    /// are the request timeout's business; the watchdog looks again a header timeout
    /// later (it also wakes that often while idle, so a request that starts during a
    /// long idle wait is held to the shorter header deadline).
    fn check(&self, header: Duration, idle: Duration) -> Result<Instant, Expiry> {
        let now = self.now();
        let later = Instant::now() + header;
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return Ok(later);
        }
        let head = self.head_since.load(Ordering::Relaxed);
        let (deadline, expiry) = if head != NONE {
            (head + header.as_millis() as u64, Expiry::Header)
        } else {
            (self.idle_since.load(Ordering::Relaxed) + idle.as_millis() as u64, Expiry::Idle)
        };
        if now >= deadline {
            return Err(expiry);
        }
        Ok((self.accepted + Duration::from_millis(deadline)).min(later))
    }
}

/// A request being served: the connection is not idle until its response has been sent.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn start(activity: Arc<Activity>) -> InFlight {
        activity.in_flight.fetch_add(1, Ordering::Relaxed);
        activity.head_since.store(NONE, Ordering::Relaxed);
        InFlight(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let activity = &self.0;
        activity.idle_since.store(activity.now(), Ordering::Relaxed);
        activity.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A response body that holds the request's guards until hyper has sent it (or the
/// client went away): a stream (SSE) counts as in flight for as long as it is open.
struct Guarded {
    inner: Body,
    _in_flight: InFlight,
    _slot: Option<AddressSlot>,
}

impl hyper::body::Body for Guarded {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The socket, with what its connection holds: a global slot and (for a direct client)
/// its address's slot. Both are released when the socket closes, also after an upgrade,
/// where the socket lives on in the WebSocket.
struct Tracked {
    stream: TcpStream,
    activity: Arc<Activity>,
    _permit: OwnedSemaphorePermit,
    _slot: Option<AddressSlot>,
}

impl AsyncRead for Tracked {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.bytes_arrived();
        }
        result
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[std::io::IoSlice<'_>]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_idle_connection_expires_after_the_idle_timeout_and_a_started_request_after_the_header_timeout() {
        let (header, idle) = (Duration::from_secs(10), Duration::from_secs(60));
        let activity = Activity::new();
        assert!(activity.check(header, idle).is_ok(), "just accepted");

        // Accepted 11 s ago and nothing came: as slow as half a request.
        let activity = Activity { accepted: Instant::now() - Duration::from_secs(11), ..Activity::new() };
        assert_eq!(activity.check(header, idle).unwrap_err(), Expiry::Header);

        // A response ended 61 s ago and nothing came since.
        let activity = Activity { accepted: Instant::now() - Duration::from_secs(70), ..Activity::new() };
        activity.head_since.store(NONE, Ordering::Relaxed);
        activity.idle_since.store(9_000, Ordering::Relaxed);
        assert_eq!(activity.check(header, idle).unwrap_err(), Expiry::Idle);

        // Its first byte came 11 s ago: the header deadline, not the idle one.
        let activity = Activity { accepted: Instant::now() - Duration::from_secs(20), ..Activity::new() };
        activity.head_since.store(9_000, Ordering::Relaxed);
        assert_eq!(activity.check(header, idle).unwrap_err(), Expiry::Header);

        // A request in flight is never timed out here.
        let activity = Arc::new(Activity { accepted: Instant::now() - Duration::from_secs(120), ..Activity::new() });
        let request = InFlight::start(activity.clone());
        assert!(activity.check(header, idle).is_ok());
        drop(request);
        assert!(activity.check(header, idle).is_ok(), "idle again from the end of the response");
    }
}
