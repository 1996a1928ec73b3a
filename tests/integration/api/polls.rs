//! Poll notifications: when a poll ends, its author and everyone who voted get a
//! `poll` notification, once, from the poll's `poll-end` job; others get none.

use serde_json::json;

use crate::support::federation::eventually;
use crate::support::http::{get, post};
use crate::support::{ENGINES, Instance};

#[tokio::test]
async fn an_ended_poll_notifies_its_author_and_voters_once() {
    for engine in ENGINES {
        let instance = Instance::start(engine).await;
        for name in ["alice", "bob", "carol"] {
            instance.create_account(name, &format!("{name}-password-1"));
        }
        let scopes = "read write";
        let alice = instance.token("alice", "alice-password-1", scopes).await;
        let bob = instance.token("bob", "bob-password-1", scopes).await;
        let carol = instance.token("carol", "carol-password-1", scopes).await;

        let (status, posted) = post(
            &instance,
            &alice,
            "/api/v1/statuses",
            json!({"status": "tea or coffee?", "poll": {"options": ["tea", "coffee"], "expires_in": 300}}),
        )
        .await;
        assert_eq!(status, 200, "{engine:?}: {posted}");
        let poll_id = posted["poll"]["id"].as_str().unwrap().to_string();
        let (status, voted) = post(&instance, &bob, &format!("/api/v1/polls/{poll_id}/votes"), json!({"choices": ["1"]})).await;
        assert_eq!(status, 200, "{engine:?}: {voted}");
        assert_eq!(voted["own_votes"], json!([1]), "{engine:?}");

        // One job for the poll, due when it ends (the vote did not add a second).
        let db = instance.database().await;
        let jobs = db.query("SELECT run_at FROM jobs WHERE kind = 'poll-end'", vec![]).await.unwrap();
        assert_eq!(jobs.len(), 1, "{engine:?}");
        let due = jobs.i64(0, "run_at").unwrap();
        let ends = aerie::clock::now_millis() + 300_000;
        assert!((ends - 5_000..=ends).contains(&due), "{engine:?}: due at the poll's end ({due} vs {ends})");
        let (_, none_yet) = get(&instance, &alice, "/api/v1/notifications?types[]=poll").await;
        assert_eq!(none_yet, json!([]), "{engine:?}: nothing before the end");

        // Let the poll end now.
        let past = aerie::clock::now_millis() - 1_000;
        db.execute("UPDATE polls SET expires_at = $1", vec![past.into()]).await.unwrap();
        db.execute("UPDATE jobs SET run_at = 0 WHERE kind = 'poll-end'", vec![]).await.unwrap();

        for (who, token) in [("alice", &alice), ("bob", &bob)] {
            let notes = eventually(&format!("{engine:?}: {who} is told the poll ended"), || async {
                let (_, list) = get(&instance, token, "/api/v1/notifications?types[]=poll").await;
                (list.as_array().is_some_and(|l| !l.is_empty())).then_some(list)
            })
            .await;
            assert_eq!(notes.as_array().unwrap().len(), 1, "{engine:?}: {who}: {notes}");
            assert_eq!(notes[0]["status"]["id"], posted["id"], "{engine:?}: {who}");
            assert_eq!(notes[0]["status"]["poll"]["expired"], true, "{engine:?}: {who}");
        }
        let (_, carols) = get(&instance, &carol, "/api/v1/notifications").await;
        assert_eq!(carols, json!([]), "{engine:?}: carol neither wrote nor voted");
    }
}
