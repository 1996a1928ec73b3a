//! The edge against slow and greedy clients, over real loopback sockets: a thousand
//! half-sent requests under a 1,024-descriptor limit, the per-address cap (direct and
//! behind a trusted proxy), keep-alive and its idle close, and body limits per route
//! (413 with a JSON error, uploads still accepted, a guest out of memory on its body).
//!
//! 127.0.0.2 is loopback too: a second client address without any setup.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::support::fixtures::png;
use crate::support::http::upload;
use crate::support::{Engine, Instance, Launch, Server, client, test_program, write_config};

const OTHER_ADDRESS: [u8; 4] = [127, 0, 0, 2];
/// A request line and the start of its headers, never finished.
const HALF_SENT: &[u8] = b"GET /api/v1/instance HTTP/1.1\r\nHost: social.test\r\nX-Slow: ";

/// A connection from `local` (an address on loopback) to `server`.
async fn connect_from(local: [u8; 4], server: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((local, 0))).unwrap();
    socket.connect(server).await.unwrap()
}

/// A client whose connections come from 127.0.0.2.
fn other_client() -> reqwest::Client {
    reqwest::Client::builder().local_address(IpAddr::from(OTHER_ADDRESS)).timeout(Duration::from_secs(60)).build().unwrap()
}

/// How a read on a socket ended.
#[derive(Debug, PartialEq)]
enum Read {
    /// Bytes (up to the end of a response head, or what came before the close).
    Data(String),
    /// A clean close (FIN) with nothing before it.
    Closed,
    /// A reset.
    Reset,
    /// Nothing within the time given.
    Silent,
}

/// Reads a response head (to the blank line), or until the socket closes.
async fn read_head(stream: &mut TcpStream, within: Duration) -> Read {
    let deadline = tokio::time::Instant::now() + within;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) if got.is_empty() => return Read::Silent,
            Err(_) => return Read::Data(String::from_utf8_lossy(&got).into_owned()),
            Ok(Ok(0)) if got.is_empty() => return Read::Closed,
            Ok(Ok(0)) => return Read::Data(String::from_utf8_lossy(&got).into_owned()),
            Ok(Ok(n)) => {
                got.extend_from_slice(&buf[..n]);
                if got.windows(4).any(|w| w == b"\r\n\r\n") {
                    return Read::Data(String::from_utf8_lossy(&got).into_owned());
                }
            }
            Ok(Err(_)) if got.is_empty() => return Read::Reset,
            Ok(Err(_)) => return Read::Data(String::from_utf8_lossy(&got).into_owned()),
        }
    }
}

/// Starts aerie with `config` under a 1,024-file limit: the soft limit only
/// (`hard_too` false: systemd's default, the hard limit above it) or both.
fn serve_with_1024_files(dir: &Path, config: &str, hard_too: bool) -> Server {
    let config = write_config(dir, config);
    let wrapper = dir.join("aerie-1024-files.sh");
    let ulimit = if hard_too { "ulimit -n 1024" } else { "ulimit -Sn 1024" };
    std::fs::write(&wrapper, format!("#!/bin/sh\n{ulimit} || exit 97\nexec \"{}\" \"$@\"\n", crate::support::aerie_bin().display()))
        .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut launch = Launch::with_config(dir, &config);
    launch.binary = wrapper;
    launch.serve().unwrap_or_else(|(code, err)| panic!("exit {code:?}: {err}"))
}

fn serve(dir: &Path, config: &str) -> Server {
    let config = write_config(dir, config);
    Launch::with_config(dir, &config).serve().unwrap_or_else(|(code, err)| panic!("exit {code:?}: {err}"))
}

/// This test process holds over a thousand sockets; its own soft limit goes up to its hard one.
fn raise_own_file_limit() {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: plain libc calls on a struct we own.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        limit.rlim_cur = limit.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
    }
}

#[tokio::test]
async fn a_thousand_half_sent_requests_under_1024_files_lock_nobody_out_for_long() {
    raise_own_file_limit();
    let dir = tempfile::tempdir().unwrap();
    // 127.0.0.1 is a trusted proxy by default, so no per-address cap applies to it:
    // this is the global cap, the descriptor limit and the header timeout alone.
    let server = serve_with_1024_files(dir.path(), "[server]\nheader_timeout_secs = 3\n", true);
    assert!(server.stderr_shows("open_files=1024"), "the limit is logged:\n{}", server.stderr.lock().unwrap());
    assert!(server.stderr_shows("max_connections=768"), "the cap leaves a quarter of 1024:\n{}", server.stderr.lock().unwrap());

    // Opened all at once, so they are all held together within the header timeout.
    let opening = Instant::now();
    let addr = server.addr;
    let openers: Vec<_> = (0..1100)
        .map(|_| {
            tokio::spawn(async move {
                let mut stream = connect_from([127, 0, 0, 1], addr).await;
                stream.write_all(HALF_SENT).await.unwrap();
                stream
            })
        })
        .collect();
    let mut held = Vec::new();
    for opener in openers {
        held.push(opener.await.unwrap());
    }
    println!("1,100 half-sent requests opened in {:?}", opening.elapsed());
    let asked = Instant::now();
    let response = other_client().get(server.url("/api/v1/instance")).send().await.expect("another client is served");
    let waited = asked.elapsed();
    assert_eq!(response.status(), 200);
    println!("another client was served after {waited:?} with 1,100 half-sent requests held");
    // The held requests time out after 3 s and the queued client is accepted then; the
    // bound is generous for a loaded machine, and far below "until the attacker lets go".
    assert!(waited < Duration::from_secs(30), "another client waited {waited:?}");

    // Every held connection was closed by the server (none is left hanging), while
    // this side still holds them all open.
    let deadline = Instant::now() + Duration::from_secs(30);
    for (i, stream) in held.iter_mut().enumerate() {
        let left = deadline.saturating_duration_since(Instant::now());
        let ended = read_head(stream, left).await;
        assert!(matches!(ended, Read::Closed | Read::Reset), "held connection {i}: {ended:?}");
    }
    // The server still accepts and answers, and never ran out of descriptors.
    let (status, _) = server.get_json("/api/v1/instance").await;
    assert_eq!(status, 200);
    let log = server.stderr.lock().unwrap().clone();
    assert!(!log.contains("accepting a connection failed") && !log.contains("Too many open files"), "{log}");
    assert!(log.contains("every connection slot is taken"), "reaching the cap is logged:\n{log}");
}

#[tokio::test]
async fn one_address_over_its_cap_is_refused_while_another_is_served() {
    let dir = tempfile::tempdir().unwrap();
    // Started as systemd starts services: a soft limit of 1,024 under a higher hard one,
    // which aerie raises.
    let server = serve_with_1024_files(dir.path(), "[server]\ntrusted_proxies = []\nmax_connections_per_address = 20\n", false);
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes into the struct we pass.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    if limit.rlim_max > 1024 {
        assert!(server.stderr_shows("raised_from=1024"), "the soft limit is raised:\n{}", server.stderr.lock().unwrap());
    }

    let mut held = Vec::new();
    for _ in 0..20 {
        let mut stream = connect_from([127, 0, 0, 1], server.addr).await;
        stream.write_all(HALF_SENT).await.unwrap();
        held.push(stream);
    }
    let mut over = connect_from([127, 0, 0, 1], server.addr).await;
    match read_head(&mut over, Duration::from_secs(20)).await {
        Read::Data(head) => {
            assert!(head.starts_with("HTTP/1.1 429"), "{head}");
            assert!(head.contains("application/json"), "{head}");
        }
        Read::Closed | Read::Reset => {}
        Read::Silent => panic!("a connection over the cap was neither refused nor closed"),
    }

    let (status, body) = {
        let response = other_client().get(server.url("/api/v1/instance")).send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    };
    assert_eq!(status, 200, "another address is served while one is at its cap: {body}");

    // The held connections were only slow, not refused: finishing one gets its answer.
    held[0].write_all(b"1\r\nConnection: close\r\n\r\n").await.unwrap();
    match read_head(&mut held[0], Duration::from_secs(20)).await {
        Read::Data(head) => assert!(head.starts_with("HTTP/1.1 200"), "{head}"),
        other => panic!("a held connection was not served: {other:?}"),
    }

    // Once they go, the address is served again.
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match client().get(server.url("/api/v1/instance")).send().await {
            Ok(response) if response.status() == 200 => break,
            other => assert!(Instant::now() < deadline, "the address stayed refused after closing its connections: {other:?}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Opens a Server-Sent Events stream as a proxy would forward it for `client`.
async fn stream_through_proxy(server: SocketAddr, client: &str) -> (TcpStream, String) {
    let mut stream = connect_from([127, 0, 0, 1], server).await;
    let request = format!("GET /api/v1/streaming/public HTTP/1.1\r\nHost: social.test\r\nX-Forwarded-For: {client}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    match read_head(&mut stream, Duration::from_secs(20)).await {
        Read::Data(head) => (stream, head),
        other => panic!("streaming for {client}: {other:?}"),
    }
}

#[tokio::test]
async fn a_trusted_proxy_is_not_capped_but_the_clients_it_forwards_are() {
    let dir = tempfile::tempdir().unwrap();
    let server =
        serve(dir.path(), "[instance]\ndomain = \"social.test\"\n\n[server]\nscheme = \"http\"\nmax_connections_per_address = 3\n");

    let mut open = Vec::new();
    for client in ["198.51.100.7", "198.51.100.8"] {
        for _ in 0..3 {
            let (stream, head) = stream_through_proxy(server.addr, client).await;
            assert!(head.starts_with("HTTP/1.1 200"), "{client}: {head}");
            open.push(stream);
        }
    }
    // Six streams through one proxy address: the proxy is not capped by its own address.
    let (_, head) = stream_through_proxy(server.addr, "198.51.100.7").await;
    assert!(head.starts_with("HTTP/1.1 429"), "a fourth stream for one forwarded client: {head}");
    assert!(head.contains("application/json"), "{head}");
    let (status, _) = server.get_json("/api/v1/instance").await;
    assert_eq!(status, 200, "the proxy's own requests are served");

    // A stream that ends gives its slot back.
    drop(open.remove(0));
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let (stream, head) = stream_through_proxy(server.addr, "198.51.100.7").await;
        if head.starts_with("HTTP/1.1 200") {
            open.push(stream);
            break;
        }
        assert!(Instant::now() < deadline, "the closed stream's slot never came back: {head}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn keep_alive_serves_several_requests_and_an_idle_connection_is_closed_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), "[server]\nidle_timeout_secs = 4\nheader_timeout_secs = 2\n");

    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    for i in 0..3 {
        stream.write_all(b"GET /health HTTP/1.1\r\nHost: social.test\r\n\r\n").await.unwrap();
        let Read::Data(head) = read_head(&mut stream, Duration::from_secs(20)).await else { panic!("request {i} on one connection") };
        assert!(head.starts_with("HTTP/1.1 200"), "request {i}: {head}");
        assert!(head.to_ascii_lowercase().contains("keep-alive: timeout=4"), "the idle timeout is announced: {head}");
        // The body ("OK", content-length 2) may have come with the head or may follow.
        if !head.ends_with("OK") {
            let mut body = [0u8; 2];
            stream.read_exact(&mut body).await.unwrap();
        }
    }
    // Idle: still open a second later (the timeout is 4 s)...
    assert_eq!(read_head(&mut stream, Duration::from_secs(1)).await, Read::Silent, "closed before the idle timeout");
    // ...then closed with a FIN, not a reset and not a response.
    assert_eq!(read_head(&mut stream, Duration::from_secs(20)).await, Read::Closed);

    // A request whose headers never finish is closed after the header timeout.
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(HALF_SENT).await.unwrap();
    let ended = read_head(&mut slow, Duration::from_secs(20)).await;
    assert!(matches!(ended, Read::Closed | Read::Reset), "{ended:?}");

    // A WebSocket (streaming) outlives both timeouts: once upgraded, the socket is the
    // stream's, and it still answers a ping after the idle timeout has passed.
    let mut socket = TcpStream::connect(server.addr).await.unwrap();
    socket
        .write_all(
            b"GET /api/v1/streaming?stream=public HTTP/1.1\r\nHost: social.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
              Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        )
        .await
        .unwrap();
    let Read::Data(head) = read_head(&mut socket, Duration::from_secs(20)).await else { panic!("no answer to the upgrade") };
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    tokio::time::sleep(Duration::from_secs(5)).await;
    // A masked, empty ping from the client; the answer is a pong (opcode 0xA).
    socket.write_all(&[0x89, 0x80, 1, 2, 3, 4]).await.unwrap();
    let mut frame = [0u8; 2];
    tokio::time::timeout(Duration::from_secs(20), socket.read_exact(&mut frame)).await.expect("a pong").unwrap();
    assert_eq!(frame[0], 0x8A, "a pong frame, got {frame:?}");
}

#[tokio::test]
async fn bodies_are_limited_per_route_with_a_json_413_and_uploads_keep_the_large_limit() {
    let instance = Instance::start(Engine::Sqlite).await;
    let big = vec![b' '; 2 << 20];
    let mut json_body = b"{\"status\":\"".to_vec();
    json_body.extend_from_slice(&vec![b'a'; 2 << 20]);
    json_body.extend_from_slice(b"\"}");

    let response = client()
        .post(instance.url("/api/v1/statuses"))
        .header("content-type", "application/json")
        .body(json_body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let error: Value = response.json().await.unwrap();
    assert!(error["error"].as_str().unwrap().contains("1048576"), "{error}");

    // The same without a Content-Length (chunked): counted as it streams.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = json_body.chunks(64 << 10).map(|c| Ok(c.to_vec())).collect();
    let response = client()
        .post(instance.url("/api/v1/statuses"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let error: Value = response.json().await.unwrap();
    assert!(error["error"].is_string(), "{error}");

    // A small body on the same route reaches it (and is refused for what it is).
    let response = client().post(instance.url("/api/v1/statuses")).json(&serde_json::json!({"status": "hi"})).send().await.unwrap();
    assert_eq!(response.status(), 401);

    // Inboxes too.
    let response =
        client().post(instance.url("/inbox")).header("content-type", "application/activity+json").body(big).send().await.unwrap();
    assert_eq!(response.status(), 413);
    let error: Value = response.json().await.unwrap();
    assert!(error["error"].is_string(), "{error}");

    // An upload over the API limit is still accepted where files go.
    instance.create_account("alice", "correct horse battery staple");
    let token = instance.token("alice", "correct horse battery staple", "read write").await;
    let picture = png(800, 600, |x, y| [(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8]);
    assert!(picture.len() > 1 << 20, "the picture is larger than the API limit");
    let (status, media) = upload(&instance, &token, "/api/v2/media", &picture, "image/png", &[]).await;
    assert_eq!(status, 200, "{media}");
    assert!(media["id"].is_string(), "{media}");
}

#[tokio::test]
async fn a_guest_out_of_memory_on_its_body_answers_413_and_other_memory_stops_stay_500() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(
        dir.path(),
        &format!(
            r#"
[server]
api_body_limit_bytes = 41943040

[[components]]
id = "misbehave"
source = "{}"
routes = ["/misbehave/*"]
grants = {{ db = "none", log = true }}
limits = {{ memory_mb = 16 }}
"#,
            test_program("misbehave").display()
        ),
    );

    // The guest reads the whole body before it answers; 24 MB does not fit in 16.
    let response = client().post(server.url("/misbehave/echo")).body(vec![7u8; 24 << 20]).send().await.unwrap();
    let status = response.status();
    let error: Value = response.json().await.unwrap();
    assert_eq!(status, 413, "{error}");
    assert!(error["error"].as_str().unwrap().contains("too large"), "{error}");

    // A guest that runs out of memory on its own, with a small body, is the instance's failure.
    let response = client().post(server.url("/misbehave/alloc")).body("small").send().await.unwrap();
    assert_eq!(response.status(), 500);
    let error: Value = response.json().await.unwrap();
    assert!(error["error"].as_str().unwrap().contains("memory limit"), "{error}");

    let (status, fine) = server.get_json("/misbehave/fine").await;
    assert_eq!((status, fine["status"].as_str()), (200, Some("fine")));
}
