//! Helpers for tests in which servers talk to each other: API calls as a user,
//! waiting for asynchronous deliveries, and signing inbox POSTs the way a remote
//! server does.

use std::time::{Duration, Instant};

use aerie::federation::signatures::{SigningKey, sign};
use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::support::{Engine, Instance, client, free_port};

pub async fn get(instance: &Instance, token: &str, path: &str) -> (u16, Value) {
    let response = client().get(instance.url(path)).bearer_auth(token).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub async fn post(instance: &Instance, token: &str, path: &str, body: Value) -> (u16, Value) {
    let response = client().post(instance.url(path)).bearer_auth(token).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// An ActivityPub document as another server fetches it (unsigned).
pub async fn get_ap(instance: &Instance, path: &str) -> (u16, Value) {
    let response = client().get(instance.url(path)).header("accept", "application/activity+json").send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

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
