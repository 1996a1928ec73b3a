//! Fetching what a remote server has, on first contact and on demand, each engine
//! pair both ways: a newly met account brings its pinned and recent public posts
//! (first-contact backfill), and opening a remote thread fetches its public replies.

use aerie::db::Value as DbValue;
use serde_json::json;

use crate::support::federation::{PAIRS, SCOPES, a_and_b, eventually, jobs, resolve};
use crate::support::http::{get, get_ap, post};

#[tokio::test]
async fn a_newly_met_account_brings_its_pinned_and_recent_public_posts() {
    for (engine_a, engine_b) in PAIRS {
        let (a, b) = a_and_b(engine_a, engine_b).await;
        a.create_account("alice", "alice-password-1");
        b.create_account("bob", "bob-password-1");
        let alice = a.token("alice", "alice-password-1", SCOPES).await;
        let bob = b.token("bob", "bob-password-1", SCOPES).await;
        let at = format!("{engine_a:?}→{engine_b:?}");

        // Bob wrote before a ever heard of him: a pinned post, a public one and a
        // followers-only one.
        let (_, pinned) = post(&b, &bob, "/api/v1/statuses", json!({"status": "my pinned introduction"})).await;
        let pinned_id = pinned["id"].as_str().unwrap();
        assert_eq!(post(&b, &bob, &format!("/api/v1/statuses/{pinned_id}/pin"), json!({})).await.0, 200);
        post(&b, &bob, "/api/v1/statuses", json!({"status": "written before we met"})).await;
        post(&b, &bob, "/api/v1/statuses", json!({"status": "only for followers, before", "visibility": "private"})).await;

        // Alice looks him up: his profile on a fills with his public posts.
        let bob_id = resolve(&a, &alice, "bob@b.test").await;
        let statuses = eventually(&format!("{at}: bob's earlier posts on a"), || async {
            let (_, list) = get(&a, &alice, &format!("/api/v1/accounts/{bob_id}/statuses")).await;
            let text = list.to_string();
            (text.contains("written before we met") && text.contains("my pinned introduction")).then_some(list)
        })
        .await;
        assert!(!statuses.to_string().contains("only for followers"), "{at}: only public posts are backfilled: {statuses}");
        let (_, pins) = get(&a, &alice, &format!("/api/v1/accounts/{bob_id}/statuses?pinned=true")).await;
        assert!(pins.to_string().contains("my pinned introduction"), "{at}: the pin is known on a: {pins}");
    }
}

/// A thread opened on another server brings its public replies (Mastodon's
/// FetchReplies): bob on b finds alice's post by its URL, knows none of the people
/// who answered it, and opening the thread makes b fetch the replies a lists — the
/// public one, never the followers-only one, which a's `replies` collection does not
/// name to anyone. Opening it again does not fetch again within the window.

#[tokio::test]
async fn opening_a_remote_thread_fetches_its_public_replies() {
    for (engine_a, engine_b) in PAIRS {
        let (a, b) = a_and_b(engine_a, engine_b).await;
        let at = format!("{engine_a:?}→{engine_b:?}");
        for name in ["alice", "carol", "dave"] {
            a.create_account(name, &format!("{name}-password-1"));
        }
        b.create_account("bob", "bob-password-1");
        let alice = a.token("alice", "alice-password-1", SCOPES).await;
        let carol = a.token("carol", "carol-password-1", SCOPES).await;
        let dave = a.token("dave", "dave-password-1", SCOPES).await;
        let bob = b.token("bob", "bob-password-1", SCOPES).await;

        let (_, root) = post(&a, &alice, "/api/v1/statuses", json!({"status": "what do you all think?", "visibility": "public"})).await;
        let root_id = root["id"].as_str().unwrap_or_else(|| panic!("{at}: {root}")).to_string();
        let root_uri = root["uri"].as_str().unwrap().to_string();
        let (_, carols) = post(
            &a,
            &carol,
            "/api/v1/statuses",
            json!({"status": "carol thinks it is fine", "visibility": "public", "in_reply_to_id": root_id}),
        )
        .await;
        let (_, daves) = post(
            &a,
            &dave,
            "/api/v1/statuses",
            json!({"status": "dave whispers to his followers", "visibility": "private", "in_reply_to_id": root_id}),
        )
        .await;
        let (carol_uri, dave_uri) = (carols["uri"].as_str().unwrap().to_string(), daves["uri"].as_str().unwrap().to_string());

        // a's replies collection, in Mastodon's shape, names the public reply only.
        let path = format!("/users/alice/statuses/{root_id}");
        let (_, note) = get_ap(&a, &path).await;
        assert_eq!(note["replies"]["type"], "Collection", "{at}: {note}");
        assert_eq!(note["replies"]["first"]["items"], json!([carol_uri]), "{at}: the first replies embedded: {note}");
        assert!(note["replies"]["first"].get("next").is_none(), "{at}: no hint of the reply it does not name: {note}");
        let (status, collection) = get_ap(&a, &format!("{path}/replies")).await;
        assert_eq!(status, 200, "{at}");
        assert_eq!(collection["first"]["type"], "CollectionPage", "{at}: {collection}");
        assert_eq!(collection["first"]["partOf"], format!("{root_uri}/replies"), "{at}");
        assert_eq!(collection["first"]["items"], json!([carol_uri]), "{at}: only the public reply: {collection}");
        let (_, page) = get_ap(&a, &format!("{path}/replies?page=true")).await;
        assert_eq!(page["items"], json!([carol_uri]), "{at}: {page}");
        let (_, after) = get_ap(&a, &format!("{path}/replies?min_id={}&page=true", carols["id"].as_str().unwrap())).await;
        assert_eq!((after["type"].as_str(), after["items"].clone()), (Some("CollectionPage"), json!([])), "{at}: {after}");
        assert!(!page.to_string().contains(&dave_uri) && !collection.to_string().contains(&dave_uri), "{at}: {page}");

        // Bob finds alice's post by its URL; nobody on b follows carol or dave.
        let (status, found) = get(&b, &bob, &format!("/api/v2/search?type=statuses&resolve=true&q={root_uri}")).await;
        assert_eq!(status, 200, "{at}: {found}");
        let on_b = found["statuses"][0]["id"].as_str().unwrap_or_else(|| panic!("{at}: not found on b: {found}")).to_string();
        let context = format!("/api/v1/statuses/{on_b}/context");
        let (status, first) = get(&b, &bob, &context).await;
        assert_eq!(status, 200, "{at}: the context answers at once: {first}");

        let seen = eventually(&format!("{at}: carol's reply in the thread on b"), || async {
            let (_, thread) = get(&b, &bob, &context).await;
            thread["descendants"]
                .as_array()?
                .iter()
                .any(|s| s["content"].as_str().is_some_and(|c| c.contains("carol thinks")))
                .then_some(thread)
        })
        .await;
        let reply = seen["descendants"].as_array().unwrap().iter().find(|s| s["uri"] == carol_uri.as_str()).unwrap().clone();
        assert_eq!(reply["account"]["acct"], "carol@a.test", "{at}: {reply}");
        assert_eq!(reply["in_reply_to_id"], on_b.as_str(), "{at}: {reply}");
        assert!(!seen.to_string().contains("dave whispers"), "{at}: the followers-only reply: {seen}");

        // One fetch per window, however often the thread is opened; it ran cleanly.
        for _ in 0..3 {
            assert_eq!(get(&b, &bob, &context).await.0, 200);
        }
        let db_b = b.database().await;
        let fetches = eventually(&format!("{at}: the replies job is done"), || async {
            let fetches = jobs(&db_b, "replies").await;
            fetches.iter().all(|(_, state, _)| state == "done").then_some(fetches)
        })
        .await;
        assert_eq!(fetches.len(), 1, "{at}: {fetches:?}");
        assert_eq!(fetches[0].2, None, "{at}: {fetches:?}");
        let rows = db_b
            .query(
                "SELECT COUNT(*) AS n FROM statuses WHERE uri = $1 OR content_html LIKE '%dave whispers%'",
                vec![DbValue::Text(dave_uri.clone())],
            )
            .await
            .unwrap();
        assert_eq!(rows.i64(0, "n"), Some(0), "{at}: dave's reply never reached b");
        let rows = db_b.query("SELECT COUNT(*) AS n FROM accounts WHERE username = 'dave'", vec![]).await.unwrap();
        assert_eq!(rows.i64(0, "n"), Some(0), "{at}: nor did dave");
    }
}
