//! Helpers for tests in which servers talk to each other: instances that reach each
//! other, following and resolving remote accounts, waiting for asynchronous
//! deliveries, reading the job queue, and signing inbox POSTs the way a remote server
//! does.

use std::time::{Duration, Instant};

use aerie::db::Database;
use aerie::federation::signatures::{SigningKey, sign};
use base64::Engine as _;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::database::Engine;
use super::http::{client, get, post};
use super::instance::Instance;
use super::server::free_port;

/// Polls `check` until it gives a value (deliveries are asynchronous), or panics with `what`.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn home_has(instance: &Instance, token: &str, needle: &str) -> Option<Value> {
    let (_, home) = get(instance, token, "/api/v1/timelines/home?limit=40").await;
    home.as_array()?.iter().find(|s| s["content"].as_str().is_some_and(|c| c.contains(needle))).cloned()
}

pub async fn notification(instance: &Instance, token: &str, kind: &str, from: &str) -> Option<Value> {
    let (_, list) = get(instance, token, "/api/v1/notifications").await;
    list.as_array()?.iter().find(|n| n["type"] == kind && n["account"]["acct"] == from).cloned()
}

/// The signing key of local account `username`, read from `instance`'s database (a
/// test signs as that server would).
pub async fn private_key(instance: &Instance, username: &str) -> SigningKey {
    let rows = instance
        .database()
        .await
        .query(
            "SELECT k.private_key_pem FROM account_keys k JOIN accounts a ON a.id = k.account_id WHERE a.username = $1 AND a.domain IS NULL",
            vec![aerie::db::Value::Text(username.into())],
        )
        .await
        .unwrap();
    SigningKey::from_pem(rows.text(0, "private_key_pem").unwrap()).unwrap()
}

/// Signs a POST of `body` to `path` on `host` as `key_id`, the way a server does.
pub fn signed_post(key_id: &str, key: &SigningKey, host: &str, path: &str, body: &[u8]) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    headers.insert("host", host.parse().unwrap());
    let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body));
    headers.insert("digest", format!("SHA-256={digest}").parse().unwrap());
    headers.insert("content-type", "application/activity+json".parse().unwrap());
    sign("POST", path, &mut headers, key_id, key).unwrap();
    headers
}

pub async fn send(instance: &Instance, path: &str, headers: http::HeaderMap, body: Vec<u8>) -> (u16, String) {
    let mut request = client().post(instance.url(path)).body(body);
    for (name, value) in &headers {
        if name != "host" {
            request = request.header(name, value);
        }
    }
    request = request.header("host", headers["host"].clone());
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Two instances that reach each other over loopback: `a.test` on `engine_a` and
/// `b.test` on `engine_b`.
pub async fn a_and_b(engine_a: Engine, engine_b: Engine) -> (Instance, Instance) {
    let (port_a, port_b) = (free_port(), free_port());
    let a = Instance::start_federated(engine_a, "a.test", port_a, &[("b.test", port_b)]).await;
    let b = Instance::start_federated(engine_b, "b.test", port_b, &[("a.test", port_a)]).await;
    (a, b)
}

/// Each engine pair, both ways round.
pub const PAIRS: [(Engine, Engine); 2] = [(Engine::Sqlite, Engine::Postgres), (Engine::Postgres, Engine::Sqlite)];

/// The scopes the federating users log in with.
pub const SCOPES: &str = "read write follow";

/// `instance`'s relationship of the holder of `token` to account `id`.
pub async fn relationship(instance: &Instance, token: &str, id: &str) -> Value {
    let (status, r) = get(instance, token, &format!("/api/v1/accounts/relationships?id[]={id}")).await;
    assert_eq!(status, 200, "{r}");
    r[0].clone()
}

/// `acct` found (resolved with WebFinger when unknown) from `instance`, as its local id there.
pub async fn resolve(instance: &Instance, token: &str, acct: &str) -> String {
    let (status, found) =
        get(instance, token, &format!("/api/v2/search?q=%40{}&resolve=true&type=accounts", acct.replace('@', "%40"))).await;
    assert_eq!(status, 200, "{found}");
    let account = &found["accounts"][0];
    assert_eq!(account["acct"], acct, "{found}");
    account["id"].as_str().unwrap().to_string()
}

/// `follower` follows remote `acct` (not locked) and waits until the Accept arrived.
pub async fn follow_and_wait(instance: &Instance, token: &str, acct: &str, at: &str) -> String {
    let id = resolve(instance, token, acct).await;
    let (status, r) = post(instance, token, &format!("/api/v1/accounts/{id}/follow"), json!({})).await;
    assert_eq!(status, 200, "{at}: {r}");
    eventually(&format!("{at}: following {acct}"), || async {
        (relationship(instance, token, &id).await["following"] == true).then_some(())
    })
    .await;
    id
}

/// Jobs of `kind` in `instance`'s queue: (payload as text, state, last_error).
pub async fn jobs(db: &Database, kind: &str) -> Vec<(String, String, Option<String>)> {
    let rows = db
        .query("SELECT payload, state, last_error FROM jobs WHERE kind = $1 ORDER BY id", vec![aerie::db::Value::Text(kind.into())])
        .await
        .unwrap();
    (0..rows.len())
        .map(|i| {
            let payload = match rows.get(i, "payload") {
                Some(aerie::db::Value::Bytes(bytes)) => String::from_utf8_lossy(bytes).into_owned(),
                Some(aerie::db::Value::Text(text)) => text.clone(),
                other => panic!("payload {other:?}"),
            };
            (payload, rows.text(i, "state").unwrap_or_default().to_string(), rows.text(i, "last_error").map(str::to_string))
        })
        .collect()
}
