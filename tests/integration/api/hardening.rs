//! Edge hardening of the client API, against the real server:
//! - `Idempotency-Key` is reserved atomically: concurrent POSTs with one key make one
//!   status and all answer it (both engines); a failed attempt frees the key, keys
//!   expire after an hour, a dead request's reservation is taken over, and a duplicate
//!   of a request still at work waits, then answers 409.
//! - WebSocket subscriptions are a capped set per connection: past the cap the client
//!   gets an `{"error": ...}` event, repeats change nothing, and the server keeps serving.
//! - With a configured domain, absolute URLs (streaming URL, `Link` pages, entity URLs,
//!   OAuth metadata) name that domain, whatever `Host` or `X-Forwarded-Host` claim.

use std::time::Duration;

use futures::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

use crate::support::{ENGINES, Engine, Instance, client};

/// `POST /api/v1/statuses` with `key`; the status code and the body.
async fn post(instance: &Instance, token: &str, key: &str, body: Value) -> (u16, Value) {
    let response =
        client().post(instance.url("/api/v1/statuses")).bearer_auth(token).header("idempotency-key", key).json(&body).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// The ids of alice's statuses, newest first.
async fn statuses_of(instance: &Instance, token: &str, account: &str) -> Vec<String> {
    let list = instance.get_as(&format!("/api/v1/accounts/{account}/statuses?limit=40"), token).await;
    list.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn concurrent_posts_with_one_idempotency_key_make_one_status() {
    for engine in ENGINES {
        let instance = Instance::start(engine).await;
        instance.create_account("alice", "alice-password-1");
        let token = instance.token("alice", "alice-password-1", "read write").await;
        let me = instance.get_as("/api/v1/accounts/verify_credentials", &token).await;
        let account = me["id"].as_str().unwrap().to_string();

        let attempts: Vec<_> = (0..8)
            .map(|n| {
                let (url, token) = (instance.url("/api/v1/statuses"), token.clone());
                tokio::spawn(async move {
                    let response = client()
                        .post(url)
                        .bearer_auth(token)
                        .header("idempotency-key", "retry-1")
                        .json(&json!({ "status": format!("posted once (attempt {n})") }))
                        .send()
                        .await
                        .unwrap();
                    (response.status().as_u16(), response.json::<Value>().await.unwrap())
                })
            })
            .collect();
        let mut ids = Vec::new();
        for attempt in attempts {
            let (status, body) = attempt.await.unwrap();
            assert_eq!(status, 200, "{engine:?}: {body}");
            ids.push(body["id"].as_str().unwrap().to_string());
        }
        assert!(ids.iter().all(|id| *id == ids[0]), "{engine:?}: every answer is the one status: {ids:?}");
        assert_eq!(statuses_of(&instance, &token, &account).await, vec![ids[0].clone()], "{engine:?}: exactly one status");

        // A later repeat still answers it; another key posts another.
        let (_, again) = post(&instance, &token, "retry-1", json!({ "status": "again" })).await;
        assert_eq!(again["id"].as_str(), Some(ids[0].as_str()), "{engine:?}");
        let (status, other) = post(&instance, &token, "retry-2", json!({ "status": "a second post" })).await;
        assert_eq!(status, 200, "{engine:?}: {other}");
        assert_ne!(other["id"], again["id"], "{engine:?}");

        // A refused first attempt frees its key: the corrected retry posts.
        let (status, refused) = post(&instance, &token, "retry-3", json!({ "status": "x", "visibility": "nonsense" })).await;
        assert_eq!(status, 422, "{engine:?}: {refused}");
        assert!(refused["error"].is_string(), "{engine:?}: {refused}");
        let (status, third) = post(&instance, &token, "retry-3", json!({ "status": "a third post" })).await;
        assert_eq!((status, third["content"].as_str().is_some_and(|c| c.contains("a third post"))), (200, true), "{engine:?}: {third}");

        let all = statuses_of(&instance, &token, &account).await;
        assert_eq!(all.len(), 3, "{engine:?}: {all:?}");

        // Keys last an hour: one reserved longer ago posts again.
        let db = instance.database().await;
        db.execute("UPDATE idempotency_keys SET created_at = created_at - $1 WHERE idempotency_key = 'retry-1'", vec![3_700_000i64.into()])
            .await
            .unwrap();
        let (status, later) = post(&instance, &token, "retry-1", json!({ "status": "an hour later" })).await;
        assert_eq!(status, 200, "{engine:?}: {later}");
        assert_ne!(later["id"].as_str(), Some(ids[0].as_str()), "{engine:?}");
        // A reservation left without a status for minutes (its request died) is taken
        // over; one still at work makes a duplicate wait, then answer 409.
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
        let reserve = "INSERT INTO idempotency_keys (account_id, idempotency_key, status_id, created_at) VALUES ($1, $2, NULL, $3)";
        let account_id: i64 = account.parse().unwrap();
        db.execute(reserve, vec![account_id.into(), "stuck".into(), (now - 120_000).into()]).await.unwrap();
        db.execute(reserve, vec![account_id.into(), "busy".into(), now.into()]).await.unwrap();
        let (status, taken_over) = post(&instance, &token, "stuck", json!({ "status": "taken over" })).await;
        assert_eq!(status, 200, "{engine:?}: {taken_over}");
        let (status, busy) = post(&instance, &token, "busy", json!({ "status": "waits" })).await;
        assert_eq!(status, 409, "{engine:?}: {busy}");
        assert!(busy["error"].as_str().is_some_and(|e| e.contains("still being processed")), "{engine:?}: {busy}");
        assert_eq!(statuses_of(&instance, &token, &account).await.len(), 5, "{engine:?}");
        db.close().await;
    }
}

/// A WebSocket on `instance` as `token`, claiming `Host: host`.
async fn websocket(
    instance: &Instance,
    token: &str,
    host: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = format!("ws://{}/api/v1/streaming?access_token={token}", instance.server.addr);
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("host", host.parse().unwrap());
    let (socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.status(), 101);
    socket
}

/// The next text message as JSON (pings and pongs skipped), within a generous bound.
async fn next_json(socket: &mut (impl futures::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin)) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(20), socket.next()).await.expect("a message within 20 s");
        match message.expect("the socket is open").unwrap() {
            Message::Text(text) => return serde_json::from_str(&text).unwrap(),
            Message::Close(frame) => panic!("the server closed the socket: {frame:?}"),
            _ => continue,
        }
    }
}

fn command(kind: &str, tag: &str) -> Message {
    Message::Text(json!({ "type": kind, "stream": "hashtag", "tag": tag }).to_string().into())
}

#[tokio::test]
async fn websocket_subscriptions_are_a_capped_set() {
    const CAP: usize = 100;
    let instance = Instance::start(Engine::Sqlite).await;
    instance.create_account("alice", "alice-password-1");
    let token = instance.token("alice", "alice-password-1", "read write").await;
    // The Host is forged too: rendered events must still name the configured domain.
    let mut socket = websocket(&instance, &token, "evil.example").await;

    for n in 0..CAP {
        socket.send(command("subscribe", &format!("tag{n}"))).await.unwrap();
    }
    // Subscribing twice, and at the cap, is accepted and changes nothing.
    socket.send(command("subscribe", "tag0")).await.unwrap();
    socket.send(command("subscribe", "tag0")).await.unwrap();
    // A sentinel: its error must be the first message, so nothing above was refused.
    socket.send(Message::Text(json!({ "type": "sentinel", "stream": "public" }).to_string().into())).await.unwrap();
    let first = next_json(&mut socket).await;
    assert!(first["error"].as_str().is_some_and(|e| e.contains("sentinel")), "{first}");

    socket.send(command("subscribe", "one-too-many")).await.unwrap();
    let refused = next_json(&mut socket).await;
    assert!(refused["error"].as_str().is_some_and(|e| e.contains("Too many subscriptions")), "{refused}");
    assert_eq!(refused["status"], 400, "{refused}");

    // Unsubscribing twice frees one place, not two.
    socket.send(command("unsubscribe", "tag0")).await.unwrap();
    socket.send(command("unsubscribe", "tag0")).await.unwrap();
    socket.send(command("subscribe", "fresh")).await.unwrap();
    socket.send(command("subscribe", "one-too-many")).await.unwrap();
    let refused = next_json(&mut socket).await;
    assert!(refused["error"].as_str().is_some_and(|e| e.contains("Too many subscriptions")), "{refused}");

    // A flood past the cap is answered message by message, and the API keeps serving.
    for n in 0..500 {
        socket.send(command("subscribe", &format!("flood{n}"))).await.unwrap();
    }
    for _ in 0..500 {
        let answer = next_json(&mut socket).await;
        assert!(answer["error"].as_str().is_some_and(|e| e.contains("Too many subscriptions")), "{answer}");
    }
    let started = std::time::Instant::now();
    let (status, _) = instance.server.get_json("/api/v1/instance").await;
    assert_eq!(status, 200);
    assert!(started.elapsed() < Duration::from_secs(10), "the API took {:?}", started.elapsed());

    // Events follow the index: #tag0 was dropped, #fresh and #tag5 are held.
    for text in ["about #tag0", "about #fresh and #tag5"] {
        let (status, body) = post(&instance, &token, text, json!({ "status": text })).await;
        assert_eq!(status, 200, "{body}");
    }
    let mut labels = Vec::new();
    for _ in 0..2 {
        let event = next_json(&mut socket).await;
        assert_eq!(event["event"], "update", "{event}");
        let status: Value = serde_json::from_str(event["payload"].as_str().unwrap()).unwrap();
        let content = status["content"].as_str().unwrap();
        assert!(content.contains("tag5") && !content.contains("tag0"), "no #tag0 event came first: {status}");
        let url = status["url"].as_str().unwrap();
        assert!(url.starts_with("http://social.test/") && !event.to_string().contains("evil.example"), "{event}");
        labels.push(event["stream"][1].as_str().unwrap().to_string());
    }
    labels.sort();
    assert_eq!(labels, ["fresh", "tag5"]);
    socket.close(None).await.unwrap();
}

#[tokio::test]
async fn a_forged_host_never_reaches_absolute_urls() {
    let instance = Instance::start(Engine::Sqlite).await;
    instance.create_account("alice", "alice-password-1");
    let token = instance.token("alice", "alice-password-1", "read write").await;
    let get = |path: &str, headers: &[(&str, &str)]| {
        let mut request = client().get(instance.url(path)).bearer_auth(&token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send()
    };
    let forged = [("host", "evil.example")];
    let forwarded = [("host", "evil.example"), ("x-forwarded-host", "evil.example"), ("x-forwarded-proto", "https")];

    let v1: Value = get("/api/v1/instance", &forged).await.unwrap().json().await.unwrap();
    assert_eq!(v1["urls"]["streaming_api"], "ws://social.test", "{v1}");
    let v2: Value = get("/api/v2/instance", &forged).await.unwrap().json().await.unwrap();
    assert_eq!(v2["configuration"]["urls"]["streaming"], "ws://social.test", "{v2}");
    // Behind the (trusted, loopback) proxy the scheme still follows X-Forwarded-Proto;
    // the host does not follow X-Forwarded-Host.
    let v1: Value = get("/api/v1/instance", &forwarded).await.unwrap().json().await.unwrap();
    assert_eq!(v1["urls"]["streaming_api"], "wss://social.test", "{v1}");
    // A loopback host is the operator reaching the instance directly; it is kept.
    let v1: Value = get("/api/v1/instance", &[]).await.unwrap().json().await.unwrap();
    assert_eq!(v1["urls"]["streaming_api"], format!("ws://{}", instance.server.addr), "{v1}");

    let me: Value = get("/api/v1/accounts/verify_credentials", &forged).await.unwrap().json().await.unwrap();
    assert!(me["url"].as_str().unwrap().starts_with("http://social.test/"), "{me}");
    for text in ["first", "second"] {
        let (status, body) = post(&instance, &token, text, json!({ "status": text })).await;
        assert_eq!(status, 200, "{body}");
    }
    let path = format!("/api/v1/accounts/{}/statuses?limit=1", me["id"].as_str().unwrap());
    for headers in [&forged[..], &forwarded[..]] {
        let page = get(&path, headers).await.unwrap();
        let link = page.headers().get("link").expect("a Link header").to_str().unwrap().to_string();
        let body = page.text().await.unwrap();
        assert!(link.starts_with("<http") && link.contains("://social.test/api/v1/accounts/"), "{link}");
        assert!(!link.contains("evil") && !body.contains("evil.example"), "{link}\n{body}");
    }

    let meta: Value = get("/.well-known/oauth-authorization-server", &forged).await.unwrap().json().await.unwrap();
    assert_eq!(meta["issuer"], "http://social.test/", "{meta}");
    assert_eq!(meta["token_endpoint"], "http://social.test/oauth/token", "{meta}");
}
