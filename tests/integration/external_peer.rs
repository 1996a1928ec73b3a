//! Federation with an ActivityPub implementation nobody here wrote: a small server built
//! on Fedify 1.5.9 (npm, tests/peers/fedify, installed by tests/run) runs actor
//! `bob@peer.test` next to an aerie instance (`social.test`), both on loopback over plain
//! http, each resolving the other's name to its port (aerie: `[federation.resolve]`; the
//! peer: its own connector, which refuses every other host). Fedify verifies aerie's
//! HTTP signatures on everything it receives and signs what it sends (RSA draft-cavage
//! signatures, plus Ed25519 object integrity proofs and RSA Linked Data signatures in
//! the activities, which aerie must ignore or accept).
//!
//! Alice finds bob by WebFinger on the peer; bob follows alice (WebFinger and actor
//! fetch by Fedify, Follow, aerie's Accept), receives her public and followers-only
//! posts with the right addressing, and replies with a mention (it threads under her
//! post and notifies her); alice follows him (Fedify's Accept) and sees his post in her
//! home timeline; bob's Undo(Follow) removes him from her followers and her later
//! posts stop reaching him. The peer restarts with new keys in between, so aerie must refetch bob's key.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fedi::{get, post};
use crate::support::{Engine, Instance, client, free_port};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

fn peer_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/peers/fedify")
}

/// The Fedify peer process, killed on drop.
struct Peer {
    child: Child,
    port: u16,
    log: Arc<Mutex<String>>,
}

impl Peer {
    /// Starts `node peer.mjs` for `peer.test` on `port`, resolving `social.test` to
    /// aerie's port, and waits until it listens.
    fn start(port: u16, aerie_port: u16) -> Peer {
        assert!(
            peer_dir().join("node_modules/@fedify/fedify").exists(),
            "tests/peers/fedify has no node_modules: run `npm ci --prefix tests/peers/fedify` (tests/run does)"
        );
        let mut child = Command::new("node")
            .arg("peer.mjs")
            .current_dir(peer_dir())
            .env("PEER_DOMAIN", "peer.test")
            .env("PEER_PORT", port.to_string())
            .env("PEER_RESOLVE", format!("social.test=127.0.0.1:{aerie_port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("running node (tests/run installs the peer): {e}"));
        let log = Arc::new(Mutex::new(String::new()));
        let sink = log.clone();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.starts_with("peer listening on") {
                    let _ = tx.send(());
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if rx.recv_timeout(Duration::from_millis(50)).is_ok() {
                return Peer { child, port, log };
            }
            if let Ok(Some(status)) = child.try_wait() {
                std::thread::sleep(Duration::from_millis(100));
                panic!("the Fedify peer exited ({status}):\n{}", log.lock().unwrap());
            }
            assert!(Instant::now() < deadline, "the Fedify peer did not start within 60 s:\n{}", log.lock().unwrap());
        }
    }

    async fn control(&self, action: &str, body: Value) -> Value {
        let response = client().post(format!("http://127.0.0.1:{}/_test/{action}", self.port)).json(&body).send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_eq!(status, 200, "peer {action} {body}: {text}\npeer log:\n{}", self.log());
        serde_json::from_str(&text).unwrap()
    }

    async fn state(&self) -> Value {
        client().get(format!("http://127.0.0.1:{}/_test/state", self.port)).send().await.unwrap().json().await.unwrap()
    }

    /// The Note the peer received whose content contains `needle`.
    async fn note(&self, needle: &str) -> Option<Value> {
        let state = self.state().await;
        state["notes"].as_array()?.iter().find(|n| n["content"].as_str().is_some_and(|c| c.contains(needle))).cloned()
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `check` until it gives a value, or panics with `what` and both logs.
async fn eventually<T, F, Fut>(what: &str, instance: &Instance, peer: &Peer, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for: {what}\npeer state: {}\npeer log:\n{}\naerie log:\n{}",
            peer.state().await,
            peer.log(),
            instance.server.stderr.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn fedify_peer_follows_receives_replies_and_is_followed() {
    let (aerie_port, peer_port) = (free_port(), free_port());
    let aerie = Instance::start_federated(Engine::Sqlite, "social.test", aerie_port, &[("peer.test", peer_port)]).await;
    let mut peer = Peer::start(peer_port, aerie_port);
    aerie.create_account("alice", "alice-password-1");
    let alice = aerie.token("alice", "alice-password-1", "read write follow").await;
    let (_, me) = get(&aerie, &alice, "/api/v1/accounts/verify_credentials").await;
    let alice_id = me["id"].as_str().unwrap().to_string();

    // Alice finds bob through WebFinger on the Fedify peer (Fedify's own WebFinger and
    // actor routes).
    let (status, found) = get(&aerie, &alice, "/api/v2/search?q=%40bob%40peer.test&resolve=true&type=accounts").await;
    assert_eq!(status, 200, "{found}\npeer log:\n{}", peer.log());
    assert_eq!(found["accounts"][0]["acct"], "bob@peer.test", "{found}");
    assert_eq!(found["accounts"][0]["display_name"], "Bob on Fedify", "{found}");
    let bob_id = found["accounts"][0]["id"].as_str().unwrap().to_string();
    assert!(peer.log().contains("GET /.well-known/webfinger?resource=acct"), "aerie asked Fedify's WebFinger:\n{}", peer.log());

    // Bob (Fedify) finds alice by WebFinger, fetches her actor and follows her; aerie
    // accepts, and Fedify takes the Accept only with a valid signature from alice's key.
    let follow = peer.control("follow", json!({"acct": "alice@social.test"})).await;
    assert_eq!(follow["actor"], "http://social.test/users/alice", "{follow}");
    assert_eq!(follow["preferredUsername"], "alice", "{follow}");
    let follow_id = follow["follow"].as_str().unwrap().to_string();
    eventually("Fedify receives aerie's Accept", &aerie, &peer, || async {
        peer.state().await["accepted"].as_array()?.iter().any(|id| id == &follow_id).then_some(())
    })
    .await;
    let followers = eventually("bob among alice's followers", &aerie, &peer, || async {
        let (_, list) = get(&aerie, &alice, &format!("/api/v1/accounts/{alice_id}/followers")).await;
        list.as_array()?.iter().find(|a| a["acct"] == "bob@peer.test").cloned()
    })
    .await;
    assert_eq!(followers["display_name"], "Bob on Fedify", "aerie read Fedify's actor: {followers}");
    assert_eq!(followers["url"], "http://peer.test/users/bob", "{followers}");

    // Her public and followers-only posts reach bob, addressed as they should be.
    let (status, public) =
        post(&aerie, &alice, "/api/v1/statuses", json!({"status": "hello Fedify, in public", "visibility": "public"})).await;
    assert_eq!(status, 200, "{public}");
    let (status, private) =
        post(&aerie, &alice, "/api/v1/statuses", json!({"status": "only for my followers", "visibility": "private"})).await;
    assert_eq!(status, 200, "{private}");
    let public_note = eventually("the public post reaches Fedify", &aerie, &peer, || peer.note("hello Fedify, in public")).await;
    assert_eq!(public_note["id"], public["uri"], "{public_note}");
    assert_eq!(public_note["attributedTo"], "http://social.test/users/alice", "{public_note}");
    assert_eq!(public_note["to"], json!([PUBLIC]), "{public_note}");
    assert_eq!(public_note["cc"], json!(["http://social.test/users/alice/followers"]), "{public_note}");
    let private_note = eventually("the followers-only post reaches Fedify", &aerie, &peer, || peer.note("only for my followers")).await;
    assert_eq!(private_note["id"], private["uri"], "{private_note}");
    assert_eq!(private_note["to"], json!(["http://social.test/users/alice/followers"]), "{private_note}");
    assert!(!private_note.to_string().contains(PUBLIC), "a followers-only post is not public: {private_note}");

    // The peer restarts with new keys (aerie must refetch bob's key), then bob replies
    // to the public post, mentioning alice: it threads under her post and notifies her.
    drop(peer);
    peer = Peer::start(peer_port, aerie_port);
    let public_id = public["id"].as_str().unwrap().to_string();
    let reply = peer
        .control(
            "reply",
            json!({
                "inReplyTo": public["uri"],
                "to": "http://social.test/users/alice",
                "content": "<p><span class=\"h-card\"><a href=\"http://social.test/@alice\" class=\"u-url mention\">@<span>alice</span></a></span> hello from Fedify</p>",
            }),
        )
        .await;
    let reply_uri = reply["note"].as_str().unwrap().to_string();
    let threaded = eventually("bob's reply threads under alice's post", &aerie, &peer, || async {
        let (_, context) = get(&aerie, &alice, &format!("/api/v1/statuses/{public_id}/context")).await;
        context["descendants"].as_array()?.iter().find(|s| s["uri"] == reply_uri.as_str()).cloned()
    })
    .await;
    assert_eq!(threaded["account"]["acct"], "bob@peer.test", "{threaded}");
    assert_eq!(threaded["in_reply_to_id"], public_id.as_str(), "{threaded}");
    assert_eq!(threaded["visibility"], "public", "{threaded}");
    assert!(threaded["content"].as_str().unwrap().contains("hello from Fedify"), "{threaded}");
    let mention = eventually("a mention notification from bob", &aerie, &peer, || async {
        let (_, list) = get(&aerie, &alice, "/api/v1/notifications").await;
        list.as_array()?.iter().find(|n| n["type"] == "mention" && n["account"]["acct"] == "bob@peer.test").cloned()
    })
    .await;
    assert_eq!(mention["status"]["uri"], reply_uri.as_str(), "{mention}");

    // Alice follows bob; Fedify accepts.
    let (status, relationship) = post(&aerie, &alice, &format!("/api/v1/accounts/{bob_id}/follow"), json!({})).await;
    assert_eq!(status, 200, "{relationship}");
    eventually("alice follows bob after Fedify's Accept", &aerie, &peer, || async {
        let (_, r) = get(&aerie, &alice, &format!("/api/v1/accounts/relationships?id[]={bob_id}")).await;
        (r[0]["following"] == true).then_some(())
    })
    .await;
    assert_eq!(peer.state().await["followers"], json!(["http://social.test/users/alice"]));

    // Bob's public post reaches alice's home timeline.
    peer.control("post", json!({"content": "<p>a post from Fedify</p>"})).await;
    let on_home = eventually("bob's post in alice's home timeline", &aerie, &peer, || async {
        let (_, home) = get(&aerie, &alice, "/api/v1/timelines/home?limit=40").await;
        home.as_array()?.iter().find(|s| s["content"].as_str().is_some_and(|c| c.contains("a post from Fedify"))).cloned()
    })
    .await;
    assert_eq!(on_home["account"]["acct"], "bob@peer.test", "{on_home}");
    assert_eq!(on_home["visibility"], "public", "{on_home}");

    // Bob unfollows alice: he leaves her followers, and her next posts stay home.
    peer.control("unfollow", json!({"acct": "alice@social.test", "follow": follow_id})).await;
    eventually("bob leaves alice's followers", &aerie, &peer, || async {
        let (_, list) = get(&aerie, &alice, &format!("/api/v1/accounts/{alice_id}/followers")).await;
        (!list.as_array()?.iter().any(|a| a["acct"] == "bob@peer.test")).then_some(())
    })
    .await;
    post(&aerie, &alice, "/api/v1/statuses", json!({"status": "after the unfollow", "visibility": "private"})).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(peer.note("after the unfollow").await.is_none(), "a followers-only post reached a former follower");

    // Fedify needed nothing beyond aerie (no remote JSON-LD context, no other host) and
    // took every activity aerie sent.
    let log = peer.log();
    assert!(!log.contains("refusing to connect"), "the peer tried to leave loopback:\n{log}");
    assert!(!log.contains("inbox error"), "Fedify's inbox failed on an activity from aerie:\n{log}");
    assert!(!log.contains("→ 401") && !log.contains("→ 500"), "Fedify refused a request from aerie:\n{log}");
}
