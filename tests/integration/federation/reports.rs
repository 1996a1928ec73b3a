//! Moderation reports: a Flag from another server about a local account and its
//! statuses becomes a report the operator reads with `aerie admin reports list`;
//! the same Flag twice is one report, and a Flag about nobody here is dropped. A
//! user's report (`POST /api/v1/reports`) is kept locally and, with `forward`, sent
//! to the reported account's server as a Flag from the instance actor.

use aerie::db::Value as DbValue;
use serde_json::{Value, json};

use crate::support::federation::{a_and_b, eventually, private_key, send, signed_post};
use crate::support::http::{get, post};
use crate::support::{Engine, Instance};

fn reports_list(instance: &Instance) -> String {
    let out = instance.launch.run(&["admin", "reports", "list"]);
    assert!(out.status.success(), "reports list: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn a_flag_from_another_server_becomes_a_report() {
    for (engine_a, engine_b) in [(Engine::Sqlite, Engine::Postgres), (Engine::Postgres, Engine::Sqlite)] {
        let (a, b) = a_and_b(engine_a, engine_b).await;
        let at = format!("{engine_a:?}→{engine_b:?}");
        a.create_account("alice", "alice-password-1");
        a.create_account("carol", "carol-password-1");
        b.create_account("bob", "bob-password-1");
        let alice = a.token("alice", "alice-password-1", "read write").await;
        let carol = a.token("carol", "carol-password-1", "read write").await;
        let (_, reported) = post(&a, &alice, "/api/v1/statuses", json!({"status": "something reportable", "visibility": "public"})).await;
        let (_, other) = post(&a, &carol, "/api/v1/statuses", json!({"status": "carol's own post", "visibility": "public"})).await;
        let reported_uri = reported["uri"].as_str().unwrap_or_else(|| panic!("{at}: {reported}")).to_string();

        let bob_key = private_key(&b, "bob").await;
        let key_id = "http://b.test/users/bob#main-key";
        let flag = |id: &str, objects: serde_json::Value| {
            serde_json::to_vec(&json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("http://b.test/flags/{id}"),
                "type": "Flag",
                "actor": "http://b.test/users/bob",
                "content": "<p>spam &amp; abuse</p>",
                "object": objects,
                "to": "http://a.test/users/alice"
            }))
            .unwrap()
        };

        // Alice and her status, plus carol's status (not alice's: not part of this report).
        let body = flag("1", json!(["http://a.test/users/alice", reported_uri, other["uri"]]));
        for _ in 0..2 {
            let (status, text) = send(&a, "/inbox", signed_post(key_id, &bob_key, "a.test", "/inbox", &body), body.clone()).await;
            assert_eq!(status, 202, "{at}: {text}");
        }
        // About nobody on a.
        let body = flag("2", json!(["http://b.test/users/somebody"]));
        let (status, text) = send(&a, "/inbox", signed_post(key_id, &bob_key, "a.test", "/inbox", &body), body.clone()).await;
        assert_eq!(status, 202, "{at}: {text}");

        let listed = eventually(&format!("{at}: the report is listed"), || async {
            let listed = reports_list(&a);
            listed.contains("bob@b.test").then_some(listed)
        })
        .await;
        let line = listed.lines().find(|l| l.contains("bob@b.test")).unwrap();
        assert!(line.contains("alice") && line.contains("spam & abuse") && line.contains("open"), "{at}: {listed}");
        assert!(line.split_whitespace().any(|w| w == "1"), "{at}: one status of alice's: {line}");

        // Wait until the inbox jobs ran (the duplicate and the one about nobody), then count.
        let db = a.database().await;
        eventually(&format!("{at}: all Flags processed"), || async {
            let rows = db.query("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'inbox' AND state <> 'done'", vec![]).await.unwrap();
            (rows.i64(0, "n") == Some(0)).then_some(())
        })
        .await;
        let rows = db.query("SELECT uri, status_ids, comment FROM reports", vec![]).await.unwrap();
        assert_eq!(rows.len(), 1, "{at}: one report (a duplicate Flag and a Flag about nobody add none)");
        assert_eq!(rows.text(0, "comment"), Some("spam & abuse"), "{at}: stored as plain text");
        let ids: Vec<String> = serde_json::from_str(rows.text(0, "status_ids").unwrap()).unwrap();
        assert_eq!(ids, vec![reported["id"].as_str().unwrap().to_string()], "{at}");
        assert!(reports_list(&a).contains("1 report(s)"), "{at}");
    }
}

/// The status at `uri`, found from `instance` by its URL (fetched when unknown).
async fn status_by_url(instance: &Instance, token: &str, uri: &str) -> Value {
    let (status, found) = get(instance, token, &format!("/api/v2/search?type=statuses&resolve=true&q={uri}")).await;
    assert_eq!(status, 200, "{found}");
    found["statuses"][0].clone()
}

/// A user on b reports alice (on a) with one of her posts and asks for it to be
/// forwarded: b keeps the report, and a Flag signed by b's instance actor reaches a,
/// where it becomes a report the operator lists. Without `forward`, nothing leaves b.
#[tokio::test]
async fn a_report_filed_on_another_server_is_forwarded() {
    for (engine_a, engine_b) in [(Engine::Sqlite, Engine::Postgres), (Engine::Postgres, Engine::Sqlite)] {
        let (a, b) = a_and_b(engine_a, engine_b).await;
        let at = format!("{engine_a:?}→{engine_b:?}");
        a.create_account("alice", "alice-password-1");
        b.create_account("bob", "bob-password-1");
        b.create_account("erin", "erin-password-1");
        let alice = a.token("alice", "alice-password-1", "read write").await;
        let bob = b.token("bob", "bob-password-1", "read write").await;
        let (_, reported) = post(&a, &alice, "/api/v1/statuses", json!({"status": "buy my crypto now", "visibility": "public"})).await;
        let (_, other) = post(&a, &alice, "/api/v1/statuses", json!({"status": "an innocent post", "visibility": "public"})).await;
        let reported_uri = reported["uri"].as_str().unwrap_or_else(|| panic!("{at}: {reported}"));

        let on_b = status_by_url(&b, &bob, reported_uri).await;
        let status_on_b = on_b["id"].as_str().unwrap_or_else(|| panic!("{at}: alice's post is not found on b: {on_b}")).to_string();
        let alice_on_b = on_b["account"]["id"].as_str().unwrap().to_string();
        assert_eq!(on_b["account"]["acct"], "alice@a.test", "{at}");

        // What Mastodon refuses, aerie refuses.
        let (status, _) = post(&b, &bob, "/api/v1/reports", json!({"account_id": "999999", "comment": "x"})).await;
        assert_eq!(status, 404, "{at}: an unknown account");
        let too_long = "x".repeat(1001);
        let (status, _) = post(&b, &bob, "/api/v1/reports", json!({"account_id": alice_on_b, "comment": too_long})).await;
        assert_eq!(status, 422, "{at}: a comment over 1,000 characters");
        let erin = b.token("erin", "erin-password-1", "read write").await;
        let (_, erins) = post(&b, &erin, "/api/v1/statuses", json!({"status": "erin's post", "visibility": "public"})).await;
        let (status, _) =
            post(&b, &bob, "/api/v1/reports", json!({"account_id": alice_on_b, "status_ids": [erins["id"]], "comment": "x"})).await;
        assert_eq!(status, 404, "{at}: a status that is not the reported account's");
        let (status, _) = post(&b, &bob, "/api/v1/reports", json!({"account_id": alice_on_b, "category": "boring"})).await;
        assert_eq!(status, 422, "{at}: an unknown category");
        let read_only = b.token("bob", "bob-password-1", "read").await;
        let (status, _) = post(&b, &read_only, "/api/v1/reports", json!({"account_id": alice_on_b})).await;
        assert_eq!(status, 403, "{at}: write:reports is needed");

        // Kept on b only.
        let (status, report) = post(&b, &erin, "/api/v1/reports", json!({"account_id": alice_on_b, "comment": "just for b"})).await;
        assert_eq!(status, 200, "{at}: {report}");
        assert_eq!((report["forwarded"].as_bool(), report["category"].as_str()), (Some(false), Some("other")), "{at}: {report}");
        assert!(report["status_ids"].is_null(), "{at}: {report}");

        // Forwarded.
        let (status, report) = post(
            &b,
            &bob,
            "/api/v1/reports",
            json!({"account_id": alice_on_b, "status_ids": [status_on_b], "comment": "spam from over there", "forward": true, "category": "spam"}),
        )
        .await;
        assert_eq!(status, 200, "{at}: {report}");
        assert_eq!(report["target_account"]["acct"], "alice@a.test", "{at}: {report}");
        assert_eq!(report["status_ids"], json!([status_on_b]), "{at}");
        assert_eq!((report["forwarded"].as_bool(), report["action_taken"].as_bool()), (Some(true), Some(false)), "{at}");
        assert_eq!((report["category"].as_str(), report["comment"].as_str()), (Some("spam"), Some("spam from over there")), "{at}");
        assert!(report["id"].is_string() && report["created_at"].is_string(), "{at}: {report}");

        // b lists both; one Flag left b, signed by its instance actor.
        let listed = reports_list(&b);
        assert!(listed.contains("2 report(s)"), "{at}: {listed}");
        assert!(
            listed.lines().any(|l| l.contains("bob ") && l.contains("alice@a.test") && l.contains("spam from over there")),
            "{at}: {listed}"
        );
        let db_b = b.database().await;
        let rows = db_b.query("SELECT payload FROM jobs WHERE kind = 'deliver'", vec![]).await.unwrap();
        let flags: Vec<String> = (0..rows.len())
            .filter_map(|i| match rows.get(i, "payload") {
                Some(DbValue::Bytes(bytes)) => Some(String::from_utf8_lossy(bytes).into_owned()),
                Some(DbValue::Text(text)) => Some(text.clone()),
                _ => None,
            })
            .filter(|p| p.contains("Flag"))
            .collect();
        assert_eq!(flags.len(), 1, "{at}: one forwarded Flag: {flags:?}");
        assert!(flags[0].contains(r#""sender":null"#), "{at}: sent as the instance actor: {}", flags[0]);
        assert!(flags[0].contains("http://b.test/actor") && !flags[0].contains("/users/bob"), "{at}: bob stays anonymous: {}", flags[0]);

        // a lists it: from b's instance actor, about alice and her one reported post.
        let listed = eventually(&format!("{at}: the forwarded report is listed on a"), || async {
            let listed = reports_list(&a);
            listed.contains("spam from over there").then_some(listed)
        })
        .await;
        let line = listed.lines().find(|l| l.contains("spam from over there")).unwrap();
        assert!(line.contains("b.test@b.test") && line.contains("alice") && line.contains("open"), "{at}: {listed}");
        assert!(!listed.contains("just for b"), "{at}: an unforwarded report stays on b: {listed}");
        let db_a = a.database().await;
        let rows = db_a.query("SELECT status_ids, uri, comment FROM reports", vec![]).await.unwrap();
        assert_eq!(rows.len(), 1, "{at}");
        let ids: Vec<String> = serde_json::from_str(rows.text(0, "status_ids").unwrap()).unwrap();
        assert_eq!(ids, vec![reported["id"].as_str().unwrap().to_string()], "{at}: alice's reported post only");
        assert_ne!(ids[0], other["id"].as_str().unwrap(), "{at}");
        assert!(rows.text(0, "uri").unwrap().starts_with("http://b.test/reports/"), "{at}: {:?}", rows.text(0, "uri"));
    }
}
