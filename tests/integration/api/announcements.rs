//! Announcements, on both engines: the operator publishes with `aerie admin
//! announcement add` (an ended one is not shown), users read them through
//! `GET /api/v1/announcements` (rendered content, mentions, tags, dates, `read` per
//! user), dismiss them, react with unicode emoji (counted per emoji, `me` per user; a
//! shortcode the instance does not know is a 422; taking back a reaction not given is
//! a 404); the CLI lists them with their reads and removes them.

use serde_json::{Value, json};

use crate::support::http::{delete, get, post};
use crate::support::{ENGINES, Instance, client};

/// `PUT path` as the holder of `token`.
async fn put(instance: &Instance, token: &str, path: &str) -> (u16, Value) {
    let response = client().put(instance.url(path)).bearer_auth(token).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Runs `aerie admin announcement ARGS`; its stdout, or a panic with stderr.
fn cli(instance: &Instance, args: &[&str]) -> String {
    let mut all = vec!["admin", "announcement"];
    all.extend_from_slice(args);
    let out = instance.launch.run(&all);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

const THUMBS_UP: &str = "%F0%9F%91%8D";

#[tokio::test]
async fn announcements_from_the_cli_to_clients() {
    for engine in ENGINES {
        let instance = Instance::start(engine).await;
        instance.create_account("alice", "alice-password-1");
        instance.create_account("bob", "bob-password-1");
        let alice = instance.token("alice", "alice-password-1", "read write").await;
        let bob = instance.token("bob", "bob-password-1", "read write").await;

        let (status, none) = get(&instance, &alice, "/api/v1/announcements").await;
        assert_eq!((status, none), (200, json!([])), "{engine:?}");
        let (status, _) = get(&instance, "", "/api/v1/announcements").await;
        assert_eq!(status, 401, "{engine:?}: a token is needed");

        let out = cli(
            &instance,
            &["add", "Maintenance tonight, ask @alice #ops", "--starts-at", "2026-01-02", "--ends-at", "2099-01-01T00:00:00Z"],
        );
        let id = out.trim().rsplit(' ').next().unwrap().to_string();
        cli(&instance, &["add", "Long over", "--ends-at", "2001-01-01"]);
        let bad = instance.launch.run(&["admin", "announcement", "add", "x", "--ends-at", "soon"]);
        assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("--ends-at"), "{engine:?}");

        let (_, list) = get(&instance, &alice, "/api/v1/announcements").await;
        assert_eq!(list.as_array().unwrap().len(), 1, "{engine:?}: the ended one is not shown: {list}");
        let shown = &list[0];
        assert_eq!(shown["id"], id.as_str(), "{engine:?}");
        let content = shown["content"].as_str().unwrap();
        assert!(content.starts_with("<p>Maintenance tonight") && content.contains("/tags/ops"), "{engine:?}: {content}");
        assert!(content.contains("/@alice"), "{engine:?}: the mention is linked: {content}");
        assert_eq!(shown["mentions"][0]["username"], "alice", "{engine:?}");
        assert_eq!(shown["tags"][0]["name"], "ops", "{engine:?}");
        assert_eq!(shown["starts_at"], "2026-01-02T00:00:00.000Z", "{engine:?}");
        assert_eq!(shown["ends_at"], "2099-01-01T00:00:00.000Z", "{engine:?}");
        assert_eq!((shown["all_day"].clone(), shown["read"].clone()), (json!(false), json!(false)), "{engine:?}");
        assert!(shown["published_at"].is_string() && shown["updated_at"].is_string(), "{engine:?}");
        assert_eq!((shown["reactions"].clone(), shown["emojis"].clone(), shown["statuses"].clone()), (json!([]), json!([]), json!([])));

        // Reactions: counted per emoji, `me` per user.
        for token in [&alice, &bob] {
            let (status, body) = put(&instance, token, &format!("/api/v1/announcements/{id}/reactions/{THUMBS_UP}")).await;
            assert_eq!((status, body), (200, json!({})), "{engine:?}");
        }
        let (status, _) = put(&instance, &alice, &format!("/api/v1/announcements/{id}/reactions/{THUMBS_UP}")).await;
        assert_eq!(status, 200, "{engine:?}: again is a no-op");
        let (status, body) = put(&instance, &alice, &format!("/api/v1/announcements/{id}/reactions/blobcat")).await;
        assert_eq!(status, 422, "{engine:?}: no custom emoji here: {body}");
        let (status, _) = put(&instance, &alice, &format!("/api/v1/announcements/9999/reactions/{THUMBS_UP}")).await;
        assert_eq!(status, 404, "{engine:?}");
        let (_, list) = get(&instance, &alice, "/api/v1/announcements").await;
        assert_eq!(list[0]["reactions"], json!([{ "name": "👍", "count": 2, "me": true }]), "{engine:?}");
        let (status, _) = delete(&instance, &bob, &format!("/api/v1/announcements/{id}/reactions/{THUMBS_UP}")).await;
        assert_eq!(status, 200, "{engine:?}");
        let (status, _) = delete(&instance, &bob, &format!("/api/v1/announcements/{id}/reactions/{THUMBS_UP}")).await;
        assert_eq!(status, 404, "{engine:?}: nothing to take back");
        let (_, list) = get(&instance, &bob, "/api/v1/announcements").await;
        assert_eq!(list[0]["reactions"], json!([{ "name": "👍", "count": 1, "me": false }]), "{engine:?}");

        // Dismissing is per user.
        let (status, body) = post(&instance, &alice, &format!("/api/v1/announcements/{id}/dismiss"), json!({})).await;
        assert_eq!((status, body), (200, json!({})), "{engine:?}");
        let (status, _) = post(&instance, &alice, "/api/v1/announcements/9999/dismiss", json!({})).await;
        assert_eq!(status, 404, "{engine:?}");
        let (_, list) = get(&instance, &alice, "/api/v1/announcements").await;
        assert_eq!(list[0]["read"], true, "{engine:?}");
        let (_, list) = get(&instance, &bob, "/api/v1/announcements").await;
        assert_eq!(list[0]["read"], false, "{engine:?}");
        let read_only = instance.token("bob", "bob-password-1", "read").await;
        let (status, _) = post(&instance, &read_only, &format!("/api/v1/announcements/{id}/dismiss"), json!({})).await;
        assert_eq!(status, 403, "{engine:?}: dismissing needs write:accounts");

        // The operator's view, and removal.
        let listed = cli(&instance, &["list"]);
        let line = listed.lines().find(|l| l.starts_with(&id)).unwrap_or_else(|| panic!("{listed}"));
        assert!(line.contains("Maintenance tonight") && line.split_whitespace().any(|w| w == "1"), "{engine:?}: {line}");
        assert!(listed.contains("2 announcement(s)"), "{engine:?}: {listed}");
        cli(&instance, &["remove", &id]);
        let (_, list) = get(&instance, &alice, "/api/v1/announcements").await;
        assert_eq!(list, json!([]), "{engine:?}");
        let again = instance.launch.run(&["admin", "announcement", "remove", &id]);
        assert!(!again.status.success(), "{engine:?}: removing twice fails");
    }
}
