//! RsaSignature2017 Linked Data signatures, both ways.
//!
//! - Fedify (an implementation nobody here wrote, tests/peers/fedify/ld-check.mjs)
//!   verifies what aerie signs and signs what aerie must verify.
//! - A public post leaves aerie LD-signed by its author (a followers-only one does
//!   not), and Fedify accepts the signature on the very document aerie delivered.
//! - A relay's POST (HTTP-signed by the relay, not the author) of an activity whose
//!   origin cannot confirm it is accepted when the author's LD signature verifies,
//!   and refused (401, nothing stored) when the document was changed or the LD
//!   signature is someone else's.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::SystemTime;

use aerie::db::{Database, Value as DbValue};
use aerie::federation::ld_signature;
use aerie::federation::signatures::{SigningKey, VerifyingKey};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::{Value, json};

use crate::support::Engine;
use crate::support::federation::{a_and_b, eventually, private_key, send, signed_post};
use crate::support::http::{get, post};

fn fedify_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/peers/fedify")
}

/// Runs `ld-check.mjs MODE` with `input` on stdin; its stdout.
fn fedify(mode: &str, input: &Value) -> String {
    let dir = fedify_dir();
    assert!(
        dir.join("node_modules/@fedify/fedify").exists(),
        "tests/peers/fedify has no node_modules: run `npm ci --prefix tests/peers/fedify` (tests/run does)"
    );
    let mut child = Command::new("node")
        .arg("ld-check.mjs")
        .arg(mode)
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "ld-check.mjs {mode} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn actor_document(id: &str, public_pem: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id, "type": "Person", "preferredUsername": "alice", "inbox": format!("{id}/inbox"),
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": public_pem}
    })
}

fn public_create(actor: &str, n: u32, text: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1",
                     {"sensitive": "as:sensitive", "Hashtag": "as:Hashtag"}],
        "id": format!("{actor}/statuses/{n}/activity"),
        "type": "Create",
        "actor": actor,
        "published": "2026-11-28T10:00:00Z",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [format!("{actor}/followers")],
        "object": {
            "id": format!("{actor}/statuses/{n}"), "type": "Note", "attributedTo": actor,
            "content": format!("<p>{text}</p>"), "sensitive": false, "published": "2026-11-28T10:00:00Z",
            "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [format!("{actor}/followers")]
        }
    })
}

#[test]
fn fedify_and_aerie_check_each_others_ld_signatures() {
    let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
    let private_pem = private.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
    let public_pem = private.to_public_key().to_public_key_pem(LineEnding::LF).unwrap();
    let actor_id = "https://a.example/users/alice";
    let actor = actor_document(actor_id, &public_pem);
    let key_id = format!("{actor_id}#main-key");

    // aerie signs, Fedify verifies; a changed document no longer verifies there.
    let mut create = public_create(actor_id, 1, "Grüße aus dem Garten 🌱 — \"quoted\" &amp; more");
    ld_signature::sign(&mut create, &key_id, &SigningKey::from_pem(&private_pem).unwrap(), SystemTime::now()).unwrap();
    assert_eq!(fedify("verify", &json!({"document": create, "actor": actor})), "verified");
    let mut tampered = create.clone();
    tampered["object"]["content"] = "<p>changed on the way</p>".into();
    assert_eq!(fedify("verify", &json!({"document": tampered, "actor": actor})), "rejected");

    // Fedify signs, aerie verifies (and refuses the changed copy).
    let unsigned = public_create(actor_id, 2, "signed by Fedify ✓");
    let signed: Value =
        serde_json::from_str(&fedify("sign", &json!({"document": unsigned, "private_key_pem": private_pem, "key_id": key_id}))).unwrap();
    let presented = ld_signature::presented(&signed).unwrap();
    assert_eq!(presented.creator, key_id);
    let verifying = VerifyingKey::from_pem(&public_pem).unwrap();
    ld_signature::verify(&signed, &presented, &verifying).unwrap();
    let mut tampered = signed.clone();
    tampered["object"]["content"] = "<p>changed on the way</p>".into();
    assert!(ld_signature::verify(&tampered, &presented, &verifying).is_err());
}

async fn public_key(db: &Database, username: &str) -> String {
    let rows = db
        .query("SELECT public_key_pem FROM accounts WHERE username = $1 AND domain IS NULL", vec![DbValue::Text(username.into())])
        .await
        .unwrap();
    rows.text(0, "public_key_pem").unwrap().to_string()
}

/// The activities `db`'s queue holds for delivery.
async fn delivered_activities(db: &Database) -> Vec<Value> {
    let rows = db.query("SELECT payload FROM jobs WHERE kind = 'deliver' ORDER BY id", vec![]).await.unwrap();
    (0..rows.len())
        .map(|i| {
            let payload: Value = match rows.get(i, "payload") {
                Some(DbValue::Bytes(bytes)) => serde_json::from_slice(bytes).unwrap(),
                Some(DbValue::Text(text)) => serde_json::from_str(text).unwrap(),
                other => panic!("payload {other:?}"),
            };
            serde_json::from_str(payload["activity"].as_str().unwrap()).unwrap()
        })
        .collect()
}

#[tokio::test]
async fn public_posts_leave_ld_signed_and_relayed_activities_are_checked_by_them() {
    for (engine_a, engine_b) in [(Engine::Sqlite, Engine::Postgres), (Engine::Postgres, Engine::Sqlite)] {
        let (a, b) = a_and_b(engine_a, engine_b).await;
        let at = format!("{engine_a:?}→{engine_b:?}");
        a.create_account("alice", "alice-password-1");
        b.create_account("bob", "bob-password-1");
        b.create_account("relay", "relay-password-1");
        let scopes = "read write follow";
        let alice = a.token("alice", "alice-password-1", scopes).await;
        let bob = b.token("bob", "bob-password-1", scopes).await;
        let db_b = b.database().await;

        // Alice follows bob, so b delivers bob's posts to a.
        let (_, found) = get(&a, &alice, "/api/v2/search?q=%40bob%40b.test&resolve=true&type=accounts").await;
        let bob_id = found["accounts"][0]["id"].as_str().unwrap_or_else(|| panic!("{at}: {found}")).to_string();
        post(&a, &alice, &format!("/api/v1/accounts/{bob_id}/follow"), json!({})).await;
        eventually(&format!("{at}: alice follows bob"), || async {
            let (_, r) = get(&a, &alice, &format!("/api/v1/accounts/relationships?id[]={bob_id}")).await;
            (r[0]["following"] == true).then_some(())
        })
        .await;
        post(&b, &bob, "/api/v1/statuses", json!({"status": "public, with #signatures", "visibility": "public"})).await;
        post(&b, &bob, "/api/v1/statuses", json!({"status": "for followers only", "visibility": "private"})).await;

        // What b queued: the public Create carries bob's LD signature, which both
        // aerie and Fedify verify; the followers-only one carries none.
        let creates = eventually(&format!("{at}: both Creates queued on b"), || async {
            let creates: Vec<Value> = delivered_activities(&db_b).await.into_iter().filter(|a| a["type"] == "Create").collect();
            (creates.len() >= 2).then_some(creates)
        })
        .await;
        let public = creates.iter().find(|c| c["object"]["content"].as_str().unwrap_or("").contains("public, with")).unwrap();
        let private = creates.iter().find(|c| c["object"]["content"].as_str().unwrap_or("").contains("followers only")).unwrap();
        assert!(private.get("signature").is_none(), "{at}: a followers-only activity is not LD-signed: {private}");
        let presented = ld_signature::presented(public).unwrap_or_else(|e| panic!("{at}: {e}: {public}"));
        assert_eq!(presented.creator, "http://b.test/users/bob#main-key");
        let bob_public = public_key(&db_b, "bob").await;
        ld_signature::verify(public, &presented, &VerifyingKey::from_pem(&bob_public).unwrap()).unwrap();
        let (_, bob_actor) = crate::support::http::get_ap(&b, "/users/bob").await;
        assert_eq!(
            fedify("verify", &json!({"document": public, "actor": bob_actor})),
            "verified",
            "{at}: Fedify verifies the LD signature on what aerie delivered"
        );

        // A relay (another key on b) passes on an activity of bob's that b itself does
        // not serve, so a cannot confirm it with the origin: only bob's LD signature
        // can vouch for it.
        let bob_key = private_key(&b, "bob").await;
        let relay_key = private_key(&b, "relay").await;
        let relay_key_id = "http://b.test/users/relay#main-key";
        let bob_uri = "http://b.test/users/bob";
        let relayed = |n: u32, text: &str, signer: &SigningKey, signer_id: &str| {
            let mut create = public_create(bob_uri, n, text);
            ld_signature::sign(&mut create, signer_id, signer, SystemTime::now()).unwrap();
            create
        };

        let good = relayed(900_001, "relayed and LD-signed", &bob_key, "http://b.test/users/bob#main-key");
        let body = serde_json::to_vec(&good).unwrap();
        let (status, text) = send(&a, "/inbox", signed_post(relay_key_id, &relay_key, "a.test", "/inbox", &body), body).await;
        assert_eq!(status, 202, "{at}: {text}");

        let mut changed = relayed(900_002, "what bob wrote", &bob_key, "http://b.test/users/bob#main-key");
        changed["object"]["content"] = "<p>what the relay says bob wrote</p>".into();
        let body = serde_json::to_vec(&changed).unwrap();
        let (status, text) = send(&a, "/inbox", signed_post(relay_key_id, &relay_key, "a.test", "/inbox", &body), body).await;
        assert_eq!(status, 401, "{at}: {text}");
        assert!(text.contains("LD signature does not verify"), "{at}: {text}");

        let forged = relayed(900_003, "signed by the relay, claimed as bob's", &relay_key, relay_key_id);
        let body = serde_json::to_vec(&forged).unwrap();
        let (status, text) = send(&a, "/inbox", signed_post(relay_key_id, &relay_key, "a.test", "/inbox", &body), body).await;
        assert_eq!(status, 401, "{at}: {text}");
        assert!(text.contains("not by the actor"), "{at}: {text}");

        // Only the sound one is stored on a.
        let db_a = a.database().await;
        eventually(&format!("{at}: the relayed status is stored on a"), || async {
            let rows = db_a.query("SELECT id FROM statuses WHERE uri = 'http://b.test/users/bob/statuses/900001'", vec![]).await.unwrap();
            (!rows.is_empty()).then_some(())
        })
        .await;
        let rows = db_a
            .query("SELECT COUNT(*) AS n FROM statuses WHERE uri LIKE 'http://b.test/users/bob/statuses/90000%'", vec![])
            .await
            .unwrap();
        assert_eq!(rows.i64(0, "n"), Some(1), "{at}: the changed and the forged ones were not stored");
    }
}
