//! The visibility matrix through the paths users reach, on both engines: 4 visibilities
//! × {author, follower, mentioned, stranger, blocked by the author, anonymous} ×
//! {status GET, context, account statuses, search by URI, home timeline, public
//! timeline, hashtag timeline, notifications, streaming (user and public SSE streams),
//! HTML page}, plus ActivityPub object fetches unsigned, signed by a remote follower and
//! signed by a remote non-follower. Every cell is asserted: allowed viewers see the
//! status, others never do, and the parent's `replies_count` counts only the public
//! and unlisted replies, for every viewer. (Federated delivery of followers-only posts
//! is checked in `federation/interactions.rs`: a non-follower on the receiving
//! instance never sees them.)

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use aerie::federation::signatures::{SigningKey, sign};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};

use crate::support::{ENGINES, Instance, client};

/// A remote account known to the instance, with the private key to sign as it.
struct Remote {
    key_id: String,
    key: SigningKey,
}

async fn remote_account(db: &aerie::db::Database, id: i64, name: &str, follows: Option<&str>) -> Remote {
    let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
    let public_pem = rsa::RsaPublicKey::from(&private).to_public_key_pem(LineEnding::LF).unwrap();
    let uri = format!("https://remote.test/users/{name}");
    let key_id = format!("{uri}#main-key");
    db.execute(
        "INSERT INTO accounts (id, username, domain, created_at, uri, inbox_url, public_key_id, public_key_pem) VALUES ($1, $2, 'remote.test', 0, $3, $4, $5, $6)",
        vec![id.into(), name.into(), uri.clone().into(), format!("{uri}/inbox").into(), key_id.clone().into(), public_pem.into()],
    )
    .await
    .unwrap();
    if let Some(target) = follows {
        db.execute(
            "INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES ($1, $2, (SELECT id FROM accounts WHERE username = $3 AND domain IS NULL), 0)",
            vec![(id + 1).into(), id.into(), target.into()],
        )
        .await
        .unwrap();
    }
    Remote { key_id, key: SigningKey::from_pem(&private.to_pkcs8_pem(LineEnding::LF).unwrap()).unwrap() }
}

/// GETs an ActivityPub document, signed as `signer` when given.
async fn ap_fetch(instance: &Instance, path: &str, signer: Option<&Remote>) -> u16 {
    let mut headers = http::HeaderMap::new();
    headers.insert("host", instance.server.addr.to_string().parse().unwrap());
    headers.insert("accept", "application/activity+json".parse().unwrap());
    if let Some(remote) = signer {
        sign("GET", path, &mut headers, &remote.key_id, &remote.key).unwrap();
    }
    client().get(instance.url(path)).headers(headers).send().await.unwrap().status().as_u16()
}

const VIEWERS: [&str; 5] = ["author", "follower", "mentioned", "stranger", "blocked"];
const VISIBILITIES: [&str; 4] = ["public", "unlisted", "private", "direct"];

struct Api<'a> {
    instance: &'a Instance,
    tokens: std::collections::HashMap<&'static str, String>,
}

impl Api<'_> {
    async fn call(&self, viewer: Option<&str>, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = client().request(method, self.instance.url(path));
        if let Some(viewer) = viewer {
            request = request.bearer_auth(&self.tokens[viewer]);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, viewer: Option<&str>, path: &str) -> (u16, Value) {
        self.call(viewer, reqwest::Method::GET, path, None).await
    }

    async fn post(&self, viewer: &str, path: &str, body: Value) -> Value {
        let (status, value) = self.call(Some(viewer), reqwest::Method::POST, path, Some(body)).await;
        assert_eq!(status, 200, "POST {path}: {value}");
        value
    }
}

/// Collects the ids of `update` events an SSE stream delivers.
fn listen(instance: &Instance, path: &str, token: Option<&str>) -> Arc<Mutex<HashSet<String>>> {
    let seen = Arc::new(Mutex::new(HashSet::new()));
    let sink = seen.clone();
    let mut request = client().get(instance.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    tokio::spawn(async move {
        let Ok(mut response) = request.send().await else { return };
        assert_eq!(response.status(), 200);
        let mut buffer = String::new();
        while let Ok(Some(chunk)) = response.chunk().await {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let frame: String = buffer.drain(..end + 2).collect();
                let event = frame.lines().find_map(|l| l.strip_prefix("event: ")).unwrap_or("");
                let data: String = frame.lines().filter_map(|l| l.strip_prefix("data: ")).collect();
                if event == "update"
                    && let Ok(status) = serde_json::from_str::<Value>(&data)
                {
                    sink.lock().unwrap().insert(status["id"].as_str().unwrap_or("").to_string());
                }
            }
        }
    });
    seen
}

/// Whether `viewer` may see a status of `visibility` by the author mentioning "mentioned".
fn allowed(visibility: &str, viewer: Option<&str>) -> bool {
    match (visibility, viewer) {
        (_, Some("author")) => true,
        (_, Some("blocked")) => false,
        ("public" | "unlisted", _) => true,
        ("private", Some("follower" | "mentioned")) => true,
        ("direct", Some("mentioned")) => true,
        _ => false,
    }
}

fn ids(list: &Value) -> HashSet<String> {
    list.as_array().map(|a| a.iter().filter_map(|s| s["id"].as_str().map(str::to_string)).collect()).unwrap_or_default()
}

#[tokio::test]
async fn every_path_shows_a_status_only_to_its_audience() {
    for engine in ENGINES {
        let instance = Instance::start(engine).await;
        for name in VIEWERS {
            instance.create_account(name, &format!("{name}-password-1"));
        }
        let mut tokens = std::collections::HashMap::new();
        for name in VIEWERS {
            tokens.insert(name, instance.token(name, &format!("{name}-password-1"), "read write follow").await);
        }
        let api = Api { instance: &instance, tokens };
        let id_of = |value: &Value| value["id"].as_str().unwrap().to_string();
        let (_, author) = api.get(Some("author"), "/api/v1/accounts/verify_credentials").await;
        let author_id = id_of(&author);
        let (_, blocked) = api.get(Some("blocked"), "/api/v1/accounts/verify_credentials").await;
        api.post("follower", &format!("/api/v1/accounts/{author_id}/follow"), json!({})).await;
        api.post("blocked", &format!("/api/v1/accounts/{author_id}/follow"), json!({})).await;
        api.post("author", &format!("/api/v1/accounts/{}/block", id_of(&blocked)), json!({})).await;
        // Mastodon 4.3 files a stranger's private mention as a notification request by
        // default; "mentioned" takes them in the list, as the matrix below expects.
        let (status, _) = api
            .call(
                Some("mentioned"),
                reqwest::Method::PATCH,
                "/api/v2/notifications/policy",
                Some(json!({ "for_private_mentions": "accept" })),
            )
            .await;
        assert_eq!(status, 200);

        // Streams open before anything is posted.
        let mut user_streams = std::collections::HashMap::new();
        for name in VIEWERS {
            user_streams.insert(name, listen(&instance, "/api/v1/streaming/user", Some(&api.tokens[name])));
        }
        let public_stream = listen(&instance, "/api/v1/streaming/public", None);
        let tag_stream = listen(&instance, "/api/v1/streaming/hashtag?tag=matrix", None);
        tokio::time::sleep(Duration::from_millis(500)).await;

        let parent = api.post("author", "/api/v1/statuses", json!({ "status": "a public thread", "visibility": "public" })).await;
        let mut posted = Vec::new();
        for visibility in VISIBILITIES {
            let status = api
                .post(
                    "author",
                    "/api/v1/statuses",
                    json!({ "status": format!("@mentioned a {visibility} #matrix reply"), "visibility": visibility, "in_reply_to_id": id_of(&parent) }),
                )
                .await;
            assert_eq!(status["visibility"], visibility);
            posted.push((visibility, id_of(&status)));
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;

        let db = instance.database().await;
        let remote_follower = remote_account(&db, 9_000_001, "fan", Some("author")).await;
        let remote_stranger = remote_account(&db, 9_000_003, "passerby", None).await;
        let forger = remote_account(&db, 9_000_005, "forger", None).await;
        db.close().await;

        let (_, public) = api.get(None, "/api/v1/timelines/public?limit=40").await;
        let public = ids(&public);
        // A signature that does not verify is refused, not served as anonymous.
        let forged = Remote { key_id: remote_follower.key_id.clone(), key: forger.key };
        assert_eq!(ap_fetch(&instance, &format!("/users/author/statuses/{}", posted[0].1), Some(&forged)).await, 401);
        let (_, tagged) = api.get(None, "/api/v1/timelines/tag/matrix?limit=40").await;
        let tagged = ids(&tagged);
        for (visibility, id) in &posted {
            let cell = |path: &str, viewer: Option<&str>| format!("{engine:?} {visibility} status, {path}, viewer {viewer:?}");
            // Public timelines and streams: public statuses only.
            assert_eq!(public.contains(id), *visibility == "public", "{}", cell("public timeline", None));
            assert_eq!(tagged.contains(id), *visibility == "public", "{}", cell("hashtag timeline", None));
            assert_eq!(public_stream.lock().unwrap().contains(id), *visibility == "public", "{}", cell("public stream", None));
            assert_eq!(tag_stream.lock().unwrap().contains(id), *visibility == "public", "{}", cell("hashtag stream", None));
            // ActivityPub object fetches: unsigned and signed by a stranger see what anyone
            // may; a signed fetch by a remote follower also sees followers-only posts.
            let object = format!("/users/author/statuses/{id}");
            let public_ish = matches!(*visibility, "public" | "unlisted");
            assert_eq!(ap_fetch(&instance, &object, None).await == 200, public_ish, "{}", cell("AP fetch, unsigned", None));
            assert_eq!(
                ap_fetch(&instance, &object, Some(&remote_stranger)).await == 200,
                public_ish,
                "{}",
                cell("AP fetch signed by a non-follower", None)
            );
            assert_eq!(
                ap_fetch(&instance, &object, Some(&remote_follower)).await == 200,
                *visibility != "direct",
                "{}",
                cell("AP fetch signed by a follower", None)
            );
            // The HTML page is anonymous.
            let page = client().get(instance.url(&format!("/@author/{id}"))).send().await.unwrap();
            assert_eq!(page.status() == 200, allowed(visibility, None), "{}", cell("HTML page", None));

            for viewer in VIEWERS.iter().map(|v| Some(*v)).chain([None]) {
                let may = allowed(visibility, viewer);
                let (status, _) = api.get(viewer, &format!("/api/v1/statuses/{id}")).await;
                assert_eq!(status == 200, may, "{}", cell("GET status", viewer));
                assert!(status == 200 || status == 404, "{}: {status}", cell("GET status", viewer));

                let (_, context) = api.get(viewer, &format!("/api/v1/statuses/{}/context", id_of(&parent))).await;
                assert_eq!(ids(&context["descendants"]).contains(id), may, "{}", cell("context", viewer));

                let (_, statuses) = api.get(viewer, &format!("/api/v1/accounts/{author_id}/statuses?limit=40")).await;
                assert_eq!(ids(&statuses).contains(id), may, "{}", cell("account statuses", viewer));

                // Search by the status's URI finds it only for its audience.
                let uri = format!("http://social.test/users/author/statuses/{id}").replace(':', "%3A").replace('/', "%2F");
                let (status, found) = api.get(viewer, &format!("/api/v2/search?type=statuses&q={uri}")).await;
                assert_eq!(status, 200, "{}: {found}", cell("search", viewer));
                assert_eq!(ids(&found["statuses"]).contains(id), may, "{}", cell("search by URI", viewer));

                let Some(name) = viewer else { continue };
                let (_, home) = api.get(viewer, "/api/v1/timelines/home?limit=40").await;
                let in_home = ids(&home).contains(id);
                let streamed = user_streams[name].lock().unwrap().contains(id);
                if !may {
                    assert!(!in_home, "{}", cell("home timeline", viewer));
                    assert!(!streamed, "{}", cell("user stream", viewer));
                }
                // The author and followers get what they may see in home and on the stream.
                if name == "author" || (name == "follower" && may) {
                    assert!(in_home, "{}", cell("home timeline", viewer));
                    assert!(streamed, "{}", cell("user stream", viewer));
                }

                let (_, notifications) = api.get(viewer, "/api/v1/notifications?limit=40").await;
                let notified = notifications.as_array().unwrap().iter().any(|n| n["status"]["id"].as_str() == Some(id.as_str()));
                assert_eq!(notified, name == "mentioned", "{}", cell("notifications", viewer));
            }
        }

        // replies_count is one number everyone who sees the parent sees, the audience of
        // the followers-only and direct replies included: only public and unlisted
        // replies count in it (as in Mastodon). Deleting an uncounted reply leaves it;
        // deleting a counted one takes one off.
        let parent_id = id_of(&parent);
        let replies_count = async |expected: i64, after: &str| {
            for viewer in VIEWERS.iter().map(|v| Some(*v)).chain([None]).filter(|v| allowed("public", *v)) {
                let (status, seen) = api.get(viewer, &format!("/api/v1/statuses/{parent_id}")).await;
                assert_eq!(status, 200, "{engine:?} the public parent, viewer {viewer:?}: {seen}");
                assert_eq!(seen["replies_count"], expected, "{engine:?} replies_count {after}, viewer {viewer:?}: {seen}");
            }
        };
        replies_count(2, "with a reply of each visibility").await;
        let delete = async |visibility: &str| {
            let (_, id) = posted.iter().find(|(v, _)| *v == visibility).unwrap();
            let (status, body) = api.call(Some("author"), reqwest::Method::DELETE, &format!("/api/v1/statuses/{id}"), None).await;
            assert_eq!(status, 200, "{engine:?} deleting the {visibility} reply: {body}");
        };
        delete("private").await;
        delete("direct").await;
        replies_count(2, "after deleting the followers-only and direct replies").await;
        delete("unlisted").await;
        replies_count(1, "after deleting the unlisted reply").await;
    }
}
