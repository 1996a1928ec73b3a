//! Web Push on both engines, against a push service in the test (loopback, reached as
//! `push.test` through `[federation.resolve]`) that holds each subscriber's private
//! key and auth secret, as a browser does: the subscription API (JSON and form
//! bodies, GET, PUT, DELETE, one per token, scope `push`); the VAPID key advertised by
//! the v2 instance and as `server_key`; pushes of a follow, a mention and a
//! favourite decrypted (RFC 8291 `aes128gcm`) and matched to the recipient's
//! notifications; each push's VAPID JWT verified against the advertised key with its
//! `aud` and `exp`; an alert turned off sends nothing; a private status's mention
//! reaches only the mentioned; a push service's 503 is retried and its 410 ends the
//! subscription; a push service on a private address is refused.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use web_push_native::p256;
use web_push_native::p256::ecdsa::signature::Verifier as _;

use crate::support::{ENGINES, Engine, Instance, client, free_port};

/// One POST the push service received.
#[derive(Clone, Debug)]
struct Received {
    /// The subscriber (`/push/NAME`).
    name: String,
    headers: http::HeaderMap,
    body: Vec<u8>,
    /// What the push service answered.
    status: u16,
}

/// The push service: records every push; endpoints named in `gone` answer 410, those
/// in `flaky` answer 503 once.
#[derive(Clone, Default)]
struct PushService {
    received: Arc<Mutex<Vec<Received>>>,
    gone: Arc<Mutex<HashSet<String>>>,
    flaky: Arc<Mutex<HashSet<String>>>,
}

impl PushService {
    async fn start() -> (PushService, u16) {
        let service = PushService::default();
        let app = axum::Router::new()
            .route(
                "/push/{name}",
                axum::routing::post(
                    |axum::extract::State(service): axum::extract::State<PushService>,
                     axum::extract::Path(name): axum::extract::Path<String>,
                     headers: http::HeaderMap,
                     body: axum::body::Bytes| async move {
                        let status = if service.gone.lock().unwrap().contains(&name) {
                            410
                        } else if service.flaky.lock().unwrap().remove(&name) {
                            503
                        } else {
                            201
                        };
                        service.received.lock().unwrap().push(Received { name, headers, body: body.to_vec(), status });
                        http::StatusCode::from_u16(status).unwrap()
                    },
                ),
            )
            .with_state(service.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (service, port)
    }

    fn for_name(&self, name: &str) -> Vec<Received> {
        self.received.lock().unwrap().iter().filter(|r| r.name == name).cloned().collect()
    }

    /// Waits until `name` received at least `count` pushes.
    async fn wait_for(&self, name: &str, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let got = self.for_name(name);
            if got.len() >= count {
                return got;
            }
            assert!(Instant::now() < deadline, "{name} received {} pushes, not {count}", got.len());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A subscriber's keys, as a browser makes them.
struct Subscriber {
    name: String,
    secret: p256::SecretKey,
    auth: [u8; 16],
}

impl Subscriber {
    fn new(name: &str) -> Subscriber {
        let mut auth = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut auth);
        Subscriber { name: name.into(), secret: p256::SecretKey::random(&mut rand::rngs::OsRng), auth }
    }

    fn endpoint(&self) -> String {
        format!("http://push.test/push/{}", self.name)
    }

    fn p256dh(&self) -> String {
        use p256::elliptic_curve::sec1::ToEncodedPoint as _;
        URL_SAFE_NO_PAD.encode(self.secret.public_key().to_encoded_point(false).as_bytes())
    }

    fn auth(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.auth)
    }

    /// Decrypts a push and reads its JSON.
    fn open(&self, push: &Received) -> Value {
        assert_eq!(push.headers["content-encoding"], "aes128gcm");
        let plain = web_push_native::decrypt(push.body.clone(), &self.secret, web_push_native::Auth::from_slice(&self.auth))
            .unwrap_or_else(|e| panic!("{}: the push does not decrypt: {e}", self.name));
        serde_json::from_slice(&plain).unwrap()
    }
}

/// Checks a push's VAPID `Authorization` against the advertised key: the ES256
/// signature, `aud` (the push service's origin), `exp` (within 24 hours), `k`.
fn check_vapid(push: &Received, server_key: &str) {
    let header = push.headers["authorization"].to_str().unwrap();
    let (token, key) = header.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
    assert_eq!(key, server_key);
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    let head: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(head["alg"], "ES256");
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["aud"], "http://push.test");
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let exp = claims["exp"].as_u64().unwrap();
    assert!(exp > now && exp <= now + 24 * 3600, "exp {exp}, now {now}");
    assert!(claims["sub"].as_str().is_some_and(|s| !s.is_empty()));
    let public = p256::PublicKey::from_sec1_bytes(&URL_SAFE_NO_PAD.decode(server_key).unwrap()).unwrap();
    let signature = p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
    p256::ecdsa::VerifyingKey::from(public)
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("the VAPID JWT is signed by the advertised key");
    assert!(push.headers.contains_key("ttl") && push.headers.contains_key("urgency"));
}

async fn call(instance: &Instance, method: reqwest::Method, token: Option<&str>, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = client().request(method, instance.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn post_status(instance: &Instance, token: &str, body: Value) -> String {
    let (status, posted) = call(instance, reqwest::Method::POST, Some(token), "/api/v1/statuses", Some(body)).await;
    assert_eq!(status, 200, "{posted}");
    posted["id"].as_str().unwrap().to_string()
}

/// The id of `token`'s holder's newest notification of `kind`.
async fn newest_notification(instance: &Instance, token: &str, kind: &str) -> Value {
    let (_, list) = call(instance, reqwest::Method::GET, Some(token), &format!("/api/v1/notifications?types[]={kind}"), None).await;
    list.as_array().and_then(|l| l.first()).cloned().unwrap_or_else(|| panic!("no {kind} notification: {list}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn pushes_are_encrypted_signed_filtered_and_end_with_the_subscription() {
    for engine in ENGINES {
        run(engine).await;
    }
}

async fn run(engine: Engine) {
    let (service, push_port) = PushService::start().await;
    let instance = Instance::start_federated(engine, "social.test", free_port(), &[("push.test", push_port)]).await;
    let mut tokens = std::collections::HashMap::new();
    for (name, scopes) in [("alice", "read write follow push"), ("bob", "read write follow push"), ("carol", "read write follow")] {
        let password = format!("{name}-password-1");
        instance.create_account(name, &password);
        tokens.insert(name, instance.token(name, &password, scopes).await);
    }
    let (alice, bob, carol) = (tokens["alice"].as_str(), tokens["bob"].as_str(), tokens["carol"].as_str());
    let path = "/api/v1/push/subscription";

    // The key clients subscribe with.
    let (_, v2) = call(&instance, reqwest::Method::GET, None, "/api/v2/instance", None).await;
    let server_key = v2["configuration"]["vapid"]["public_key"].as_str().unwrap().to_string();
    assert!(p256::PublicKey::from_sec1_bytes(&URL_SAFE_NO_PAD.decode(&server_key).unwrap()).is_ok(), "{engine:?}: {server_key:?}");
    let (_, app) = call(&instance, reqwest::Method::GET, Some(alice), "/api/v1/apps/verify_credentials", None).await;
    assert_eq!(app["vapid_key"], server_key.as_str(), "the application's (deprecated) copy of the key");

    // Scope `push`, and a token at all.
    let a = Subscriber::new("alice");
    let subscribe = |s: &Subscriber, alerts: Value| json!({"subscription": {"endpoint": s.endpoint(), "keys": {"p256dh": s.p256dh(), "auth": s.auth()}}, "data": {"alerts": alerts}});
    let (status, body) = call(&instance, reqwest::Method::POST, Some(carol), path, Some(subscribe(&a, json!({})))).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("This action is outside the authorized scopes")), "{engine:?}");
    assert_eq!(call(&instance, reqwest::Method::GET, None, path, None).await.0, 401);
    assert_eq!(call(&instance, reqwest::Method::GET, Some(alice), path, None).await.0, 404, "no subscription yet");
    let (status, body) = call(
        &instance,
        reqwest::Method::POST,
        Some(alice),
        path,
        Some(json!({"subscription": {"endpoint": a.endpoint(), "keys": {"p256dh": "AAAA", "auth": a.auth()}}})),
    )
    .await;
    assert_eq!(status, 422, "{engine:?}: a bad key: {body}");

    // alice subscribes with JSON: follows, mentions, favourites; not boosts.
    let alerts = json!({"follow": true, "mention": true, "favourite": true, "reblog": false});
    let (status, created) = call(&instance, reqwest::Method::POST, Some(alice), path, Some(subscribe(&a, alerts.clone()))).await;
    assert_eq!(status, 200, "{engine:?}: {created}");
    assert!(created["id"].is_u64(), "{created}");
    assert_eq!(created["endpoint"], a.endpoint());
    assert_eq!(created["alerts"], alerts);
    assert_eq!(created["policy"], "all");
    assert_eq!(created["server_key"], server_key.as_str());
    assert_eq!(created["standard"], true);
    let (status, read) = call(&instance, reqwest::Method::GET, Some(alice), path, None).await;
    assert_eq!((status, &read), (200, &created));

    // bob subscribes with a form, as Mastodon.py does: mentions only.
    let b = Subscriber::new("bob");
    let form = [
        ("subscription[endpoint]", b.endpoint()),
        ("subscription[keys][p256dh]", b.p256dh()),
        ("subscription[keys][auth]", b.auth()),
        ("data[alerts][mention]", "true".to_string()),
        ("data[alerts][favourite]", "false".to_string()),
    ];
    let response = client().post(instance.url(path)).bearer_auth(bob).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let bobs: Value = response.json().await.unwrap();
    assert_eq!(bobs["alerts"], json!({"mention": true, "favourite": false}), "{engine:?}");

    // A follow, a mention and a favourite reach alice, in that order.
    let alice_id = call(&instance, reqwest::Method::GET, Some(alice), "/api/v1/accounts/verify_credentials", None).await.1["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) =
        call(&instance, reqwest::Method::POST, Some(bob), &format!("/api/v1/accounts/{alice_id}/follow"), Some(json!({}))).await;
    assert_eq!(status, 200);
    service.wait_for("alice", 1).await;
    post_status(&instance, bob, json!({"status": "@alice hello there", "visibility": "public"})).await;
    service.wait_for("alice", 2).await;
    let alices_post = post_status(&instance, alice, json!({"status": "a post to like", "visibility": "public"})).await;
    // A boost first: alice turned boosts off, so it sends nothing.
    let boost = format!("/api/v1/statuses/{alices_post}/reblog");
    assert_eq!(call(&instance, reqwest::Method::POST, Some(bob), &boost, Some(json!({}))).await.0, 200);
    let favourite = format!("/api/v1/statuses/{alices_post}/favourite");
    assert_eq!(call(&instance, reqwest::Method::POST, Some(bob), &favourite, Some(json!({}))).await.0, 200);
    service.wait_for("alice", 3).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let pushes = service.for_name("alice");
    assert_eq!(pushes.len(), 3, "{engine:?}: the boost must not be pushed");
    let opened: Vec<Value> = pushes.iter().map(|p| a.open(p)).collect();
    let mut kinds: Vec<&str> = opened.iter().map(|m| m["notification_type"].as_str().unwrap()).collect();
    kinds.sort();
    assert_eq!(kinds, ["favourite", "follow", "mention"], "{engine:?}");
    for (push, message) in pushes.iter().zip(&opened) {
        check_vapid(push, &server_key);
        let kind = message["notification_type"].as_str().unwrap();
        let notification = newest_notification(&instance, alice, kind).await;
        assert_eq!(message["notification_id"].to_string(), notification["id"].as_str().unwrap(), "{engine:?}: {kind}");
        assert_eq!(message["access_token"], alice, "the payload carries the subscribing token");
        let db = instance.database().await;
        let stored = crate::support::scalar(&db, "SELECT access_token FROM web_push_subscriptions", vec![]).await;
        let Some(aerie::db::Value::Text(stored)) = stored else { panic!("{engine:?}: no stored subscription: {stored:?}") };
        assert!(stored.starts_with("sealed-v1:") && !stored.contains(alice), "{engine:?}: the token is kept sealed, not in the clear");
        assert!(message["title"].as_str().unwrap().contains("bob"), "{message}");
        assert!(message["icon"].as_str().unwrap().starts_with("http"), "{message}");
        if kind == "mention" {
            assert_eq!(message["title"], "You were mentioned by bob");
            assert!(message["body"].as_str().unwrap().contains("hello there"), "{message}");
        }
    }

    // A private status mentioning carol does not reach bob, its author's follower;
    // a direct one to bob does.
    let (status, _) = call(
        &instance,
        reqwest::Method::POST,
        Some(alice),
        &format!("/api/v1/accounts/{}/follow", bobs_id(&instance, bob).await),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200);
    post_status(&instance, alice, json!({"status": "@carol a private secret", "visibility": "private"})).await;
    post_status(&instance, alice, json!({"status": "@bob just for you", "visibility": "direct"})).await;
    let bob_pushes = service.wait_for("bob", 1).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let bob_pushes = if bob_pushes.len() == 1 { service.for_name("bob") } else { bob_pushes };
    assert_eq!(bob_pushes.len(), 1, "{engine:?}: only the direct mention (the follow alert is off)");
    let message = b.open(&bob_pushes[0]);
    assert_eq!(message["notification_type"], "mention");
    assert!(message["body"].as_str().unwrap().contains("just for you"), "{message}");
    assert!(!message.to_string().contains("secret"));
    assert_eq!(message["notification_id"].to_string(), newest_notification(&instance, bob, "mention").await["id"].as_str().unwrap());

    // PUT changes alerts and policy; `none` sends nothing.
    let (status, changed) =
        call(&instance, reqwest::Method::PUT, Some(bob), path, Some(json!({"data": {"alerts": {"mention": true}, "policy": "none"}})))
            .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!((changed["policy"].as_str(), &changed["alerts"]), (Some("none"), &json!({"mention": true})));
    assert_eq!(changed["id"], bobs["id"]);
    post_status(&instance, alice, json!({"status": "@bob again", "visibility": "public"})).await;

    // A push service's 503 is retried (the durable job's backoff): the same push arrives.
    service.flaky.lock().unwrap().insert("alice".into());
    post_status(&instance, bob, json!({"status": "@alice knock knock", "visibility": "public"})).await;
    let pushes = service.wait_for("alice", 5).await;
    assert_eq!((pushes[3].status, pushes[4].status), (503, 201), "{engine:?}");
    let (first, retried) = (a.open(&pushes[3]), a.open(&pushes[4]));
    assert_eq!(first["notification_id"], retried["notification_id"]);
    assert!(retried["body"].as_str().unwrap().contains("knock knock"), "{retried}");

    // The push service drops alice's subscription: a 410 ends it.
    service.gone.lock().unwrap().insert("alice".into());
    post_status(&instance, bob, json!({"status": "@alice are you there", "visibility": "public"})).await;
    service.wait_for("alice", 6).await;
    assert_eq!(service.for_name("alice")[5].status, 410);
    let deadline = Instant::now() + Duration::from_secs(20);
    while call(&instance, reqwest::Method::GET, Some(alice), path, None).await.0 != 404 {
        assert!(Instant::now() < deadline, "{engine:?}: the subscription outlived the 410");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(service.for_name("bob").len(), 1, "{engine:?}: policy none sends nothing");

    // DELETE removes bob's; deleting again is fine.
    assert_eq!(call(&instance, reqwest::Method::DELETE, Some(bob), path, None).await, (200, json!({})));
    assert_eq!(call(&instance, reqwest::Method::DELETE, Some(bob), path, None).await.0, 200);
    assert_eq!(call(&instance, reqwest::Method::GET, Some(bob), path, None).await.0, 404);

    // A push service on a private address is refused, as federation's requests are:
    // the push is dead-lettered with the address policy's reason and never arrives.
    let direct = json!({
        "subscription": {"endpoint": format!("http://127.0.0.1:{push_port}/push/direct"), "keys": {"p256dh": b.p256dh(), "auth": b.auth()}},
        "data": {"alerts": {"mention": true}}
    });
    assert_eq!(call(&instance, reqwest::Method::POST, Some(bob), path, Some(direct)).await.0, 200);
    post_status(&instance, alice, json!({"status": "@bob over loopback", "visibility": "public"})).await;
    let db = instance.database().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let refused = crate::support::scalar(
            &db,
            "SELECT last_error FROM jobs WHERE kind = 'web-push-send' AND state = 'dead' AND last_error LIKE '%allow_private_networks%'",
            vec![],
        )
        .await;
        if refused.is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "{engine:?}: the push to a loopback address was not refused");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(service.for_name("direct").is_empty());
}

async fn bobs_id(instance: &Instance, bob: &str) -> String {
    call(instance, reqwest::Method::GET, Some(bob), "/api/v1/accounts/verify_credentials", None).await.1["id"].as_str().unwrap().to_string()
}
