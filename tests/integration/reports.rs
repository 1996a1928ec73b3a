//! Moderation reports from other servers: a Flag about a local account and its
//! statuses becomes a report the operator reads with `aerie admin reports list`;
//! the same Flag twice is one report, and a Flag about nobody here is dropped.

use serde_json::json;

use crate::fedi::{a_and_b, eventually, post, private_key, send, signed_post};
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
