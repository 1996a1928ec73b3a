//! What the inbox takes and what it refuses, on both engines.
//!
//! Between two aerie instances (each engine pair, both ways): a correctly signed
//! Create is accepted; no signature, a wrong digest, a stale date, and a key that is
//! not the actor's are 401 with nothing stored. A Delete from an actor never seen is
//! 202 with nothing queued, and a QuoteRequest is answered with a Reject.
//!
//! The inbox spends no key fetch on a request that cannot verify, and bounds the
//! fetches a signed request can cause. A peer on loopback (`b.test`, and `c.test` on
//! the same server) serves actors and their keys GoToSocial-style, on a path of
//! their own (`/users/NAME/main-key`), and counts every request, so that a key fetch
//! is told apart from the inbox worker fetching the actor afterwards.
//!
//! - A stale `Date` (or RFC 9421 `created`), an unknown algorithm, or a signature
//!   that leaves out a required header: 401 with the reason, and the peer sees no
//!   request at all.
//! - Twenty bad signatures for a stored key: at most one refetch.
//! - A peer that rotated its key: one refetch, then 202, and no more fetches.
//! - Unknown keys on one host beyond its bucket: 429 with `Retry-After`, no fetch;
//!   another host is not held back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aerie::db::Value as DbValue;
use aerie::federation::rfc9421;
use aerie::federation::signatures::{SignedParts, SigningKey, httpdate, sign, signing_string};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use base64::Engine as _;
use rsa::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _, LineEnding};
use serde_json::json;
use sha2::{Digest as _, Sha256};

use crate::support::federation::{PAIRS, SCOPES, a_and_b, eventually, jobs, private_key, send, signed_post};
use crate::support::http::{get, post};
use crate::support::{ENGINES, Engine, Instance, Launch, database_section, free_port, pg_for, write_config};

/// An RSA key pair: the signer and the PEM the peer publishes.
struct KeyPair {
    signing: SigningKey,
    public_pem: String,
}

fn key_pair() -> KeyPair {
    let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
    let public_pem = private.to_public_key().to_public_key_pem(LineEnding::LF).unwrap();
    KeyPair { signing: SigningKey::from_pem(&private.to_pkcs8_pem(LineEnding::LF).unwrap()).unwrap(), public_pem }
}

/// The remote server: every actor publishes `pem`; every request is counted by
/// `host path`.
struct Peer {
    pem: Mutex<String>,
    hits: Mutex<HashMap<String, usize>>,
}

impl Peer {
    fn count(&self, host: &str, path: &str) {
        *self.hits.lock().unwrap().entry(format!("{host} {path}")).or_default() += 1;
    }

    /// Requests for `path` on `host`.
    fn hits(&self, host: &str, path: &str) -> usize {
        self.hits.lock().unwrap().get(&format!("{host} {path}")).copied().unwrap_or(0)
    }

    /// Key fetches (GETs of a `/main-key` path) on any host.
    fn key_fetches(&self) -> usize {
        self.hits.lock().unwrap().iter().filter(|(k, _)| k.ends_with("/main-key")).map(|(_, n)| n).sum()
    }

    fn all_requests(&self) -> usize {
        self.hits.lock().unwrap().values().sum()
    }
}

fn host_of(headers: &HeaderMap) -> String {
    headers.get("host").and_then(|v| v.to_str().ok()).unwrap_or_default().split(':').next().unwrap_or_default().to_string()
}

async fn actor(State(peer): State<Arc<Peer>>, Path(name): Path<String>, headers: HeaderMap) -> axum::Json<serde_json::Value> {
    let host = host_of(&headers);
    peer.count(&host, &format!("/users/{name}"));
    let id = format!("http://{host}/users/{name}");
    let pem = peer.pem.lock().unwrap().clone();
    axum::Json(json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id, "type": "Person", "preferredUsername": name,
        "inbox": format!("{id}/inbox"), "outbox": format!("{id}/outbox"),
        "publicKey": {"id": format!("{id}/main-key"), "owner": id, "publicKeyPem": pem}
    }))
}

async fn key(State(peer): State<Arc<Peer>>, Path(name): Path<String>, headers: HeaderMap) -> axum::Json<serde_json::Value> {
    let host = host_of(&headers);
    peer.count(&host, &format!("/users/{name}/main-key"));
    let owner = format!("http://{host}/users/{name}");
    let pem = peer.pem.lock().unwrap().clone();
    axum::Json(json!({"id": format!("{owner}/main-key"), "owner": owner, "publicKeyPem": pem}))
}

async fn anything_else(State(peer): State<Arc<Peer>>, headers: HeaderMap, uri: axum::http::Uri) -> axum::http::StatusCode {
    peer.count(&host_of(&headers), uri.path());
    axum::http::StatusCode::NOT_FOUND
}

/// Starts the peer on a free loopback port.
async fn start_peer(pem: &str) -> (Arc<Peer>, u16) {
    let peer = Arc::new(Peer { pem: Mutex::new(pem.to_string()), hits: Mutex::new(HashMap::new()) });
    let app = axum::Router::new()
        .route("/users/{name}", axum::routing::get(actor))
        .route("/users/{name}/main-key", axum::routing::get(key))
        .fallback(anything_else)
        .with_state(peer.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (peer, port)
}

/// `a.test` on `engine`, reaching `b.test` and `c.test` at the peer; `federation`
/// adds keys to its `[federation]` table.
async fn start_instance(engine: Engine, peer_port: u16, federation: &str) -> Instance {
    let dir = tempfile::tempdir().unwrap();
    let pg = pg_for(engine).await;
    let config = write_config(
        dir.path(),
        &format!(
            "[instance]\ndomain = \"a.test\"\n\n[server]\nscheme = \"http\"\n\n[jobs]\npoll_ms = 100\n\n\
             [federation]\nscheme = \"http\"\nrequest_timeout_secs = 5\n{federation}\n\n\
             [federation.resolve]\n\"b.test\" = \"127.0.0.1:{peer_port}\"\n\"c.test\" = \"127.0.0.1:{peer_port}\"\n\n{}",
            database_section(pg.as_ref())
        ),
    );
    let launch = Launch::with_config(dir.path(), &config);
    let server =
        launch.serve_on(&format!("127.0.0.1:{}", free_port())).unwrap_or_else(|(code, err)| panic!("{engine:?}: exit {code:?}: {err}"));
    Instance { server, launch, engine, dir, pg }
}

/// A public Create by `actor` (the inbox worker will fetch the actor, not its key).
fn create(actor: &str, n: u32) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{actor}/statuses/{n}/activity"),
        "type": "Create",
        "actor": actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "id": format!("{actor}/statuses/{n}"), "type": "Note", "attributedTo": actor,
            "content": format!("<p>note {n}</p>"), "published": "2026-11-28T10:00:00Z",
            "to": ["https://www.w3.org/ns/activitystreams#Public"]
        }
    }))
    .unwrap()
}

/// A draft-cavage signature with the given algorithm, coverage and Date, for a POST
/// of `body` to `a.test/inbox` (what `support::federation::signed_post` cannot vary).
fn cavage(key_id: &str, key: &SigningKey, body: &[u8], algorithm: &str, covered: &str, date: SystemTime) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("host", "a.test".parse().unwrap());
    headers.insert("date", httpdate(date).parse().unwrap());
    let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body));
    headers.insert("digest", format!("SHA-256={digest}").parse().unwrap());
    headers.insert("content-type", "application/activity+json".parse().unwrap());
    // A covered header the request lacks cannot be signed: the signature is made
    // over the rest (the inbox must refuse before it looks at the signature).
    let names: Vec<String> =
        covered.split_whitespace().filter(|n| n.starts_with('(') || headers.contains_key(*n)).map(str::to_string).collect();
    let text = signing_string(&SignedParts { method: "POST", path_and_query: "/inbox", headers: &headers }, &names, None).unwrap();
    let signature = base64::engine::general_purpose::STANDARD.encode(key.sign(text.as_bytes()));
    let value = format!("keyId=\"{key_id}\",algorithm=\"{algorithm}\",headers=\"{covered}\",signature=\"{signature}\"");
    headers.insert("signature", value.parse().unwrap());
    headers
}

const FULL: &str = "(request-target) host date digest";

#[tokio::test]
async fn the_inbox_refuses_what_it_cannot_verify_and_stores_nothing() {
    for (engine_a, engine_b) in [(Engine::Sqlite, Engine::Postgres), (Engine::Postgres, Engine::Sqlite)] {
        let (a, b) = a_and_b(engine_a, engine_b).await;
        a.create_account("alice", "alice-password-1");
        b.create_account("bob", "bob-password-1");
        let at = format!("{engine_a:?}→{engine_b:?}");
        // Bob's real key, read from b's database: the test signs as b would.
        let bob_key = private_key(&b, "bob").await;
        let key_id = "http://b.test/users/bob#main-key";
        let create = |id: &str, actor: &str, text: &str| {
            serde_json::to_vec(&json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("http://b.test/users/bob/statuses/{id}/activity"),
                "type": "Create",
                "actor": actor,
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "object": {
                    "id": format!("http://b.test/users/bob/statuses/{id}"),
                    "type": "Note",
                    "attributedTo": actor,
                    "content": format!("<p>{text}</p>"),
                    "published": "2026-11-28T10:00:00Z",
                    "to": ["https://www.w3.org/ns/activitystreams#Public"]
                }
            }))
            .unwrap()
        };

        // A correctly signed Create is accepted (and the key fetched from b, signed).
        let good = create("1", "http://b.test/users/bob", "signed and sound");
        let (status, text) = send(&a, "/inbox", signed_post(key_id, &bob_key, "a.test", "/inbox", &good), good.clone()).await;
        assert_eq!(status, 202, "{at}: {text}");

        // Unsigned.
        let unsigned = create("2", "http://b.test/users/bob", "unsigned");
        let mut headers = signed_post(key_id, &bob_key, "a.test", "/inbox", &unsigned);
        headers.remove("signature");
        let (status, text) = send(&a, "/inbox", headers, unsigned).await;
        assert_eq!(status, 401, "{at}: {text}");
        assert!(text.contains("not signed"), "{text}");

        // The body changed after signing: the digest does not match.
        let original = create("3", "http://b.test/users/bob", "original");
        let tampered = create("3", "http://b.test/users/bob", "tampered");
        let (status, text) = send(&a, "/inbox", signed_post(key_id, &bob_key, "a.test", "/inbox", &original), tampered).await;
        assert_eq!(status, 401, "{at}: {text}");
        assert!(text.contains("Digest"), "{text}");

        // A date from yesterday.
        let stale = create("4", "http://b.test/users/bob", "stale");
        let mut headers = http::HeaderMap::new();
        headers.insert("host", "a.test".parse().unwrap());
        let yesterday = std::time::SystemTime::now() - Duration::from_secs(24 * 3600);
        headers.insert("date", aerie::federation::signatures::httpdate(yesterday).parse().unwrap());
        let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&stale));
        headers.insert("digest", format!("SHA-256={digest}").parse().unwrap());
        sign("POST", "/inbox", &mut headers, key_id, &bob_key).unwrap();
        let (status, text) = send(&a, "/inbox", headers, stale).await;
        assert_eq!(status, 401, "{at}: {text}");

        // Signed by bob, claiming to be someone else whose origin does not confirm it.
        let mismatch = create("5", "http://b.test/users/mallory", "not mine");
        let (status, text) = send(&a, "/inbox", signed_post(key_id, &bob_key, "a.test", "/inbox", &mismatch), mismatch).await;
        assert_eq!(status, 401, "{at}: {text}");
        assert!(text.contains("mallory"), "{text}");

        // Only the sound one was stored and processed.
        let db = a.database().await;
        let stored = eventually(&format!("{at}: the signed status is stored"), || async {
            let rows = db.query("SELECT text FROM statuses WHERE uri LIKE 'http://b.test/%'", vec![]).await.unwrap();
            (!rows.is_empty()).then_some(rows)
        })
        .await;
        assert_eq!(stored.len(), 1, "{at}: only the signed, sound activity is stored");
        let jobs = db.query("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'inbox'", vec![]).await.unwrap();
        assert_eq!(jobs.i64(0, "n"), Some(1), "{at}: nothing else was queued");
    }
}

#[tokio::test]
async fn requests_that_cannot_verify_cost_no_key_fetch() {
    let keys = key_pair();
    let (peer, peer_port) = start_peer(&keys.public_pem).await;
    let a = start_instance(Engine::Sqlite, peer_port, "").await;
    let actor = "http://b.test/users/early";
    let key_id = format!("{actor}/main-key");
    let now = SystemTime::now();
    let hour = Duration::from_secs(3600);

    let refusals: Vec<(&str, HeaderMap, &str)> = vec![
        ("a Date from 14 hours ago", cavage(&key_id, &keys.signing, &create(actor, 1), "rsa-sha256", FULL, now - 14 * hour), "window"),
        ("a Date 2 hours ahead", cavage(&key_id, &keys.signing, &create(actor, 1), "hs2019", FULL, now + 2 * hour), "window"),
        ("an unknown algorithm", cavage(&key_id, &keys.signing, &create(actor, 1), "rsa-sha512", FULL, now), "not supported"),
        (
            "no digest covered",
            cavage(&key_id, &keys.signing, &create(actor, 1), "rsa-sha256", "(request-target) host date", now),
            "must cover digest",
        ),
        (
            "no host covered",
            cavage(&key_id, &keys.signing, &create(actor, 1), "rsa-sha256", "(request-target) date digest", now),
            "must cover host",
        ),
        (
            "a covered header the request lacks",
            cavage(&key_id, &keys.signing, &create(actor, 1), "rsa-sha256", "(request-target) host date digest x-missing", now),
            "x-missing",
        ),
        (
            "an RFC 9421 signature created 14 hours ago",
            {
                let mut headers = HeaderMap::new();
                headers.insert("host", "a.test".parse().unwrap());
                let created = now.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64 - 14 * 3600;
                let body = create(actor, 1);
                rfc9421::sign_at("POST", "http://a.test/inbox", &mut headers, Some(&body), &key_id, &keys.signing, created).unwrap();
                headers
            },
            "window",
        ),
    ];
    for (what, headers, reason) in refusals {
        let (status, text) = send(&a, "/inbox", headers, create(actor, 1)).await;
        assert_eq!(status, 401, "{what}: {text}");
        assert!(text.contains(reason), "{what}: the reason says {reason:?}: {text}");
        assert_eq!(peer.all_requests(), 0, "{what}: the peer was asked nothing");
    }

    // The same key in a sound request is fetched (once): the peer does count fetches.
    let body = create(actor, 2);
    let (status, text) = send(&a, "/inbox", signed_post(&key_id, &keys.signing, "a.test", "/inbox", &body), body).await;
    assert_eq!(status, 202, "{text}");
    assert_eq!(peer.hits("b.test", "/users/early/main-key"), 1);
}

#[tokio::test]
async fn bad_signatures_for_a_stored_key_cause_at_most_one_refetch() {
    for engine in ENGINES {
        let keys = key_pair();
        let forger = key_pair();
        let (peer, peer_port) = start_peer(&keys.public_pem).await;
        let a = start_instance(engine, peer_port, "").await;
        let actor = "http://b.test/users/bob";
        let key_id = format!("{actor}/main-key");

        // A sound request stores the key.
        let body = create(actor, 1);
        let (status, text) = send(&a, "/inbox", signed_post(&key_id, &keys.signing, "a.test", "/inbox", &body), body).await;
        assert_eq!(status, 202, "{engine:?}: {text}");
        assert_eq!(peer.key_fetches(), 1, "{engine:?}");

        // Twenty at once, signed with another key under bob's key id.
        let attempts = (0..20).map(|n| {
            let body = create(actor, 100 + n);
            let headers = signed_post(&key_id, &forger.signing, "a.test", "/inbox", &body);
            send(&a, "/inbox", headers, body)
        });
        let answers = futures::future::join_all(attempts).await;
        for (status, text) in &answers {
            assert_eq!(*status, 401, "{engine:?}: {text}");
        }
        assert!(peer.key_fetches() <= 2, "{engine:?}: {} key fetches for 20 bad signatures", peer.key_fetches());
        let held_back = answers.iter().filter(|(_, text)| text.contains("refetched")).count();
        assert!(held_back >= 19, "{engine:?}: the refusals say the key was refetched recently: {answers:?}");

        // And still the real key verifies, without another fetch.
        let body = create(actor, 2);
        let (status, text) = send(&a, "/inbox", signed_post(&key_id, &keys.signing, "a.test", "/inbox", &body), body).await;
        assert_eq!(status, 202, "{engine:?}: {text}");
        assert!(peer.key_fetches() <= 2, "{engine:?}");
    }
}

#[tokio::test]
async fn a_rotated_key_is_refetched_once_and_then_verifies() {
    for engine in ENGINES {
        let old = key_pair();
        let new = key_pair();
        let (peer, peer_port) = start_peer(&old.public_pem).await;
        let a = start_instance(engine, peer_port, "").await;
        let actor = "http://b.test/users/rotor";
        let key_id = format!("{actor}/main-key");
        let path = "/users/rotor/main-key";

        let body = create(actor, 1);
        let (status, text) = send(&a, "/inbox", signed_post(&key_id, &old.signing, "a.test", "/inbox", &body), body).await;
        assert_eq!(status, 202, "{engine:?}: {text}");
        assert_eq!(peer.hits("b.test", path), 1, "{engine:?}");
        // The worker fetches the actor (with its key) to store the post; rotating
        // before that would hand the new key over through the actor instead.
        let db = a.database().await;
        eventually(&format!("{engine:?}: the first post is stored"), || async {
            let rows = db.query("SELECT id FROM statuses WHERE uri = $1", vec![format!("{actor}/statuses/1").into()]).await.unwrap();
            (!rows.is_empty()).then_some(())
        })
        .await;

        // The peer rotates its key; its next request is signed with the new one.
        *peer.pem.lock().unwrap() = new.public_pem.clone();
        let body = create(actor, 2);
        let (status, text) = send(&a, "/inbox", signed_post(&key_id, &new.signing, "a.test", "/inbox", &body), body).await;
        assert_eq!(status, 202, "{engine:?}: the rotated key verifies after one refetch: {text}");
        assert_eq!(peer.hits("b.test", path), 2, "{engine:?}");

        // The new key is the stored one now: no more fetches.
        for n in 3..6 {
            let body = create(actor, n);
            let (status, text) = send(&a, "/inbox", signed_post(&key_id, &new.signing, "a.test", "/inbox", &body), body).await;
            assert_eq!(status, 202, "{engine:?}: {text}");
        }
        assert_eq!(peer.hits("b.test", path), 2, "{engine:?}");
        let stored = db.query("SELECT public_key_pem FROM remote_keys WHERE key_id = $1", vec![key_id.clone().into()]).await.unwrap();
        assert_eq!(stored.text(0, "public_key_pem"), Some(new.public_pem.as_str()), "{engine:?}: the new key is stored");

        // The old key no longer verifies, and is not worth another fetch so soon.
        let body = create(actor, 9);
        let (status, text) = send(&a, "/inbox", signed_post(&key_id, &old.signing, "a.test", "/inbox", &body), body).await;
        assert_eq!(status, 401, "{engine:?}: {text}");
        assert!(text.contains("refetched"), "{engine:?}: {text}");
        assert_eq!(peer.hits("b.test", path), 2, "{engine:?}");
    }
}

#[tokio::test]
async fn unknown_key_fetches_to_one_host_are_rate_limited() {
    let keys = key_pair();
    let (peer, peer_port) = start_peer(&keys.public_pem).await;
    // Three at once per host, then one a minute: nothing refills during the test.
    let a = start_instance(Engine::Sqlite, peer_port, "key_fetch_burst = 3\nkey_fetches_per_minute = 1").await;

    let mut answers = Vec::new();
    for n in 1..=6 {
        let actor = format!("http://b.test/users/u{n}");
        let body = create(&actor, n);
        let headers = signed_post(&format!("{actor}/main-key"), &keys.signing, "a.test", "/inbox", &body);
        let mut request = crate::support::client().post(a.url("/inbox")).body(body);
        for (name, value) in &headers {
            request = request.header(name, value);
        }
        let response = request.send().await.unwrap();
        let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
        answers.push((response.status().as_u16(), retry_after, response.text().await.unwrap()));
    }
    for (n, (status, _, text)) in answers.iter().enumerate().take(3) {
        assert_eq!(*status, 202, "u{}: {text}", n + 1);
    }
    for (n, (status, retry_after, text)) in answers.iter().enumerate().skip(3) {
        assert_eq!(*status, 429, "u{}: {text}", n + 1);
        assert!(text.contains("b.test") && text.contains("retry after"), "{text}");
        let seconds: u64 = retry_after.as_deref().unwrap_or_else(|| panic!("u{}: no Retry-After", n + 1)).parse().unwrap();
        assert!((1..=60).contains(&seconds), "Retry-After {seconds}");
    }
    assert_eq!(peer.key_fetches(), 3, "keys beyond the bucket are not fetched");
    for n in 4..=6 {
        assert_eq!(peer.hits("b.test", &format!("/users/u{n}/main-key")), 0);
    }

    // Another host has its own bucket.
    let actor = "http://c.test/users/u1";
    let body = create(actor, 1);
    let (status, text) =
        send(&a, "/inbox", signed_post(&format!("{actor}/main-key"), &keys.signing, "a.test", "/inbox", &body), body).await;
    assert_eq!(status, 202, "{text}");
    assert_eq!(peer.hits("c.test", "/users/u1/main-key"), 1);
}

#[tokio::test]
async fn unknown_deletes_are_dropped_and_quote_requests_are_rejected() {
    for (engine_a, engine_b) in PAIRS {
        let (a, b) = a_and_b(engine_a, engine_b).await;
        a.create_account("alice", "alice-password-1");
        b.create_account("bob", "bob-password-1");
        let alice = a.token("alice", "alice-password-1", SCOPES).await;
        let at = format!("{engine_a:?}→{engine_b:?}");
        let bob_key = private_key(&b, "bob").await;
        let (db_a, db_b) = (a.database().await, b.database().await);

        // A Delete from an actor a never saw, whose key is on a host a cannot reach:
        // 202 (fetching keys of deleted actors starts storms), nothing queued.
        let before = jobs(&db_a, "inbox").await.len();
        let ghost = "http://ghost.test/users/ghost";
        let delete = serde_json::to_vec(&json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{ghost}#delete"),
            "type": "Delete",
            "actor": ghost,
            "object": ghost,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        }))
        .unwrap();
        let (status, text) =
            send(&a, "/inbox", signed_post(&format!("{ghost}#main-key"), &bob_key, "a.test", "/inbox", &delete), delete).await;
        assert_eq!(status, 202, "{at}: {text}");
        assert_eq!(jobs(&db_a, "inbox").await.len(), before, "{at}: nothing queued for an unknown actor's Delete");
        let known = db_a.query("SELECT id FROM accounts WHERE uri = $1", vec![DbValue::Text(ghost.into())]).await.unwrap();
        assert!(known.is_empty(), "{at}: the ghost is not stored");

        // Bob asks to quote one of alice's posts; quotes are not supported, so a answers Reject.
        let (status, status_json) =
            post(&a, &alice, "/api/v1/statuses", json!({"status": "quote me if you can", "visibility": "public"})).await;
        assert_eq!(status, 200, "{at}: {status_json}");
        let status_uri = status_json["uri"].as_str().unwrap().to_string();
        let request_id = "http://b.test/users/bob/quote_requests/1";
        let quote_request = serde_json::to_vec(&json!({
            "@context": ["https://www.w3.org/ns/activitystreams", {"QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest"}],
            "id": request_id,
            "type": "QuoteRequest",
            "actor": "http://b.test/users/bob",
            "object": status_uri,
            "instrument": {
                "id": "http://b.test/users/bob/statuses/900",
                "type": "Note",
                "attributedTo": "http://b.test/users/bob",
                "content": "<p>quoting</p>",
                "quote": status_uri,
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
            },
        }))
        .unwrap();
        let (status, text) = send(
            &a,
            "/users/alice/inbox",
            signed_post("http://b.test/users/bob#main-key", &bob_key, "a.test", "/users/alice/inbox", &quote_request),
            quote_request,
        )
        .await;
        assert_eq!(status, 202, "{at}: {text}");
        let reject = eventually(&format!("{at}: a queues a Reject to bob"), || async {
            jobs(&db_a, "deliver").await.into_iter().find(|(payload, _, _)| payload.contains("Reject") && payload.contains(request_id))
        })
        .await;
        assert!(reject.0.contains("http://b.test/users/bob/inbox") || reject.0.contains("http://b.test/inbox"), "{at}: {}", reject.0);
        // b takes it (202) and its inbox job runs without error.
        eventually(&format!("{at}: the Reject is delivered"), || async {
            let jobs = jobs(&db_a, "deliver").await;
            let (_, state, error) = jobs.into_iter().find(|(payload, _, _)| payload.contains("Reject") && payload.contains(request_id))?;
            assert!(state != "dead", "{at}: the delivery died: {error:?}");
            (state == "done").then_some(())
        })
        .await;
        eventually(&format!("{at}: b handles the Reject"), || async {
            let jobs = jobs(&db_b, "inbox").await;
            let (_, state, error) = jobs.into_iter().find(|(payload, _, _)| payload.contains("Reject") && payload.contains(request_id))?;
            assert!(error.is_none(), "{at}: b's inbox failed on the Reject: {error:?}");
            (state == "done").then_some(())
        })
        .await;
        // The quoted post is unchanged on a.
        let id = status_json["id"].as_str().unwrap();
        let (status, _) = get(&a, &alice, &format!("/api/v1/statuses/{id}")).await;
        assert_eq!(status, 200, "{at}");
    }
}
