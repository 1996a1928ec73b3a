//! Two aerie instances federating over loopback, each on a different engine (and the
//! other way round): discovery by WebFinger, follow → Accept, posts reaching the
//! follower's home timeline, followers-only posts reaching only followers, mentions
//! → notifications, replies threading on the origin, likes and boosts → notifications,
//! edits with history, deletes, unfollow. What the inbox refuses is in `inbox.rs`.

use serde_json::json;

use crate::support::federation::{a_and_b, eventually, home_has, notification};
use crate::support::http::{get, post};
use crate::support::{Engine, client};

#[tokio::test]
async fn two_instances_follow_post_reply_like_boost_edit_and_delete() {
    for (engine_a, engine_b) in [(Engine::Sqlite, Engine::Postgres), (Engine::Postgres, Engine::Sqlite)] {
        let (a, b) = a_and_b(engine_a, engine_b).await;
        a.create_account("alice", "alice-password-1");
        a.create_account("carol", "carol-password-1");
        b.create_account("bob", "bob-password-1");
        let scopes = "read write follow";
        let alice = a.token("alice", "alice-password-1", scopes).await;
        let carol = a.token("carol", "carol-password-1", scopes).await;
        let bob = b.token("bob", "bob-password-1", scopes).await;
        let at = format!("{engine_a:?}→{engine_b:?}");

        // Alice finds bob through WebFinger and follows him; b accepts on its own.
        let (status, found) = get(&a, &alice, "/api/v2/search?q=%40bob%40b.test&resolve=true&type=accounts").await;
        assert_eq!(status, 200, "{at}: {found}");
        let bob_on_a = found["accounts"][0].clone();
        assert_eq!(bob_on_a["acct"], "bob@b.test", "{at}: {found}");
        let bob_id = bob_on_a["id"].as_str().unwrap().to_string();
        let (status, relationship) = post(&a, &alice, &format!("/api/v1/accounts/{bob_id}/follow"), json!({})).await;
        assert_eq!(status, 200, "{at}: {relationship}");
        eventually(&format!("{at}: alice follows bob after b's Accept"), || async {
            let (_, r) = get(&a, &alice, &format!("/api/v1/accounts/relationships?id[]={bob_id}")).await;
            (r[0]["following"] == true).then_some(())
        })
        .await;
        let (_, bob_self) = get(&b, &bob, "/api/v1/accounts/verify_credentials").await;
        assert_eq!(bob_self["followers_count"], 1, "{at}: b counts alice as a follower");
        let bob_local_id = bob_self["id"].as_str().unwrap().to_string();
        let (_, followers) = get(&b, &bob, &format!("/api/v1/accounts/{bob_local_id}/followers")).await;
        assert_eq!(followers[0]["acct"], "alice@a.test", "{at}: {followers}");

        // A public post and a followers-only post reach alice's home timeline; carol,
        // on the same instance but not a follower, cannot see the followers-only one.
        let (status, public) = post(&b, &bob, "/api/v1/statuses", json!({"status": "hello from b", "visibility": "public"})).await;
        assert_eq!(status, 200, "{at}: {public}");
        let public_on_a = eventually(&format!("{at}: bob's public post on a"), || home_has(&a, &alice, "hello from b")).await;
        assert_eq!(public_on_a["account"]["acct"], "bob@b.test");
        assert_eq!(public_on_a["uri"], public["uri"], "{at}: the status keeps its origin uri");
        let (_, private) = post(&b, &bob, "/api/v1/statuses", json!({"status": "only for my followers", "visibility": "private"})).await;
        let private_on_a = eventually(&format!("{at}: followers-only post on a"), || home_has(&a, &alice, "only for my followers")).await;
        assert_eq!(private_on_a["visibility"], "private");
        let private_id = private_on_a["id"].as_str().unwrap();
        assert_eq!(get(&a, &carol, &format!("/api/v1/statuses/{private_id}")).await.0, 404, "{at}: carol is not a follower");
        assert!(home_has(&a, &carol, "only for my followers").await.is_none());
        let (_, public_tl) = get(&a, &carol, "/api/v1/timelines/public").await;
        assert!(!public_tl.to_string().contains("only for my followers"), "{at}: the followers-only post is not public");
        let _ = private;

        // A mention notifies alice.
        post(&b, &bob, "/api/v1/statuses", json!({"status": "hey @alice@a.test look"})).await;
        let mention = eventually(&format!("{at}: mention notification"), || notification(&a, &alice, "mention", "bob@b.test")).await;
        assert!(mention["status"]["content"].as_str().unwrap().contains("look"));

        // Alice replies, favourites and boosts; bob sees all three on b.
        let public_id_on_a = public_on_a["id"].as_str().unwrap().to_string();
        let (status, reply) =
            post(&a, &alice, "/api/v1/statuses", json!({"status": "@bob@b.test nice to meet you", "in_reply_to_id": public_id_on_a})).await;
        assert_eq!(status, 200, "{at}: {reply}");
        let public_id_on_b = public["id"].as_str().unwrap().to_string();
        eventually(&format!("{at}: the reply threads under bob's post on b"), || async {
            let (_, context) = get(&b, &bob, &format!("/api/v1/statuses/{public_id_on_b}/context")).await;
            context["descendants"].as_array()?.iter().any(|s| s["account"]["acct"] == "alice@a.test").then_some(())
        })
        .await;
        assert_eq!(post(&a, &alice, &format!("/api/v1/statuses/{public_id_on_a}/favourite"), json!({})).await.0, 200);
        assert_eq!(post(&a, &alice, &format!("/api/v1/statuses/{public_id_on_a}/reblog"), json!({})).await.0, 200);
        eventually(&format!("{at}: favourite notification on b"), || notification(&b, &bob, "favourite", "alice@a.test")).await;
        eventually(&format!("{at}: reblog notification on b"), || notification(&b, &bob, "reblog", "alice@a.test")).await;
        let (_, counted) = get(&b, &bob, &format!("/api/v1/statuses/{public_id_on_b}")).await;
        assert_eq!((counted["favourites_count"].as_i64(), counted["reblogs_count"].as_i64()), (Some(1), Some(1)), "{at}: {counted}");

        // An edit arrives with its history; a delete removes the post.
        let (status, _) = client()
            .put(b.url(&format!("/api/v1/statuses/{public_id_on_b}")))
            .bearer_auth(&bob)
            .json(&json!({"status": "hello from b, edited"}))
            .send()
            .await
            .map(|r| (r.status().as_u16(), ()))
            .unwrap();
        assert_eq!(status, 200);
        eventually(&format!("{at}: the edit reaches a"), || async {
            let (_, s) = get(&a, &alice, &format!("/api/v1/statuses/{public_id_on_a}")).await;
            s["content"].as_str()?.contains("edited").then_some(())
        })
        .await;
        let (_, history) = get(&a, &alice, &format!("/api/v1/statuses/{public_id_on_a}/history")).await;
        assert!(history.as_array().is_some_and(|h| h.len() >= 2), "{at}: {history}");
        let response = client().delete(b.url(&format!("/api/v1/statuses/{public_id_on_b}"))).bearer_auth(&bob).send().await.unwrap();
        assert_eq!(response.status(), 200);
        eventually(&format!("{at}: the delete reaches a"), || async {
            (get(&a, &alice, &format!("/api/v1/statuses/{public_id_on_a}")).await.0 == 404).then_some(())
        })
        .await;

        // Unfollow: b drops alice from bob's followers.
        assert_eq!(post(&a, &alice, &format!("/api/v1/accounts/{bob_id}/unfollow"), json!({})).await.0, 200);
        eventually(&format!("{at}: the unfollow reaches b"), || async {
            let (_, me) = get(&b, &bob, "/api/v1/accounts/verify_credentials").await;
            (me["followers_count"] == 0).then_some(())
        })
        .await;
    }
}
