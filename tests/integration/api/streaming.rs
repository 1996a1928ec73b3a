//! Streaming across nodes and its refusals: on PostgreSQL, an event published on one
//! node reaches a client streaming from another (LISTEN/NOTIFY carries ids, each node
//! renders); bad or missing tokens are refused before a stream opens.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{Engine, Instance, Launch, client, password_token};

#[tokio::test]
async fn an_event_published_on_one_node_streams_from_another() {
    let a = Instance::start(Engine::Postgres).await;
    a.create_account("alice", "alice-password-1");
    a.create_account("bob", "bob-password-1");
    // A second node: same config (same PostgreSQL), its own data directory.
    let node_b_dir = a.dir.path().join("node-b");
    let b = Launch::new(&node_b_dir)
        .arg("--config")
        .arg(a.dir.path().join("aerie.toml").display().to_string())
        .arg("--data-dir")
        .arg(node_b_dir.join("data").display().to_string());
    std::fs::create_dir_all(&node_b_dir).unwrap();
    let b = b.serve().unwrap_or_else(|(code, err)| panic!("node b: exit {code:?}: {err}"));

    // Both nodes sign as the same instance actor: node B found A's key in the database.
    let actor_key = |url: String| async move {
        let actor: Value = client().get(url).header("accept", "application/activity+json").send().await.unwrap().json().await.unwrap();
        actor["publicKey"]["publicKeyPem"].as_str().unwrap().to_string()
    };
    assert_eq!(actor_key(a.url("/actor")).await, actor_key(b.url("/actor")).await, "one instance key for every node");

    let bob = a.token("bob", "bob-password-1", "read write").await;
    let alice = password_token(&b.url(""), "alice", "alice-password-1", "read write").await;
    let bob_id = client().get(a.url("/api/v1/accounts/lookup?acct=alice")).bearer_auth(&bob).send().await.unwrap();
    let alice_account: Value = bob_id.json().await.unwrap();
    let follow = client()
        .post(a.url(&format!("/api/v1/accounts/{}/follow", alice_account["id"].as_str().unwrap())))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(follow.status(), 200);

    // Bob streams from node A.
    let mut stream = client().get(a.url("/api/v1/streaming/user")).bearer_auth(&bob).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Alice posts through node B.
    let posted: Value = client()
        .post(b.url("/api/v1/statuses"))
        .bearer_auth(&alice)
        .json(&serde_json::json!({ "status": "from node b", "visibility": "private" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = posted["id"].as_str().unwrap().to_string();
    let started = Instant::now();
    let mut buffer = String::new();
    let received = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(chunk)) = stream.chunk().await {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            if buffer.contains("event: update") && buffer.contains(&id) {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    assert!(received, "the followers-only post reached bob's stream on the other node; got {buffer}");
    assert!(started.elapsed() < Duration::from_secs(1), "it took {:?}", started.elapsed());
    assert!(buffer.contains("from node b") && buffer.contains("\"favourited\":false"), "rendered for bob: {buffer}");
    b.stop();
}

#[tokio::test]
async fn streams_refuse_bad_tokens_and_anonymous_user_streams() {
    let instance = Instance::start(Engine::Sqlite).await;
    let (status, body) = instance.server.get_text("/api/v1/streaming/health").await;
    assert_eq!((status, body.as_str()), (200, "OK"));
    let response = client().get(instance.url("/api/v1/streaming/user")).send().await.unwrap();
    assert_eq!(response.status(), 401, "the user stream needs a token");
    let response = client().get(instance.url("/api/v1/streaming/public")).bearer_auth("wrong").send().await.unwrap();
    assert_eq!(response.status(), 401, "a bad token is refused even for public streams");
    let response = client().get(instance.url("/api/v1/streaming/hashtag")).send().await.unwrap();
    assert_eq!(response.status(), 400, "a hashtag stream needs a tag");
    let response = client().get(instance.url("/api/v1/streaming/public")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
}
