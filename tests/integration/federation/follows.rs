//! Following across instances, each engine pair both ways: locked accounts (follow
//! requests authorized over federation and rejected, remote and local), and a remote
//! block ending a follow and stopping posts.

use serde_json::json;

use crate::support::federation::{PAIRS, SCOPES, a_and_b, eventually, follow_and_wait, home_has, notification, relationship, resolve};
use crate::support::http::{get, post, update_credentials};

#[tokio::test]
async fn a_locked_account_authorizes_and_rejects_follow_requests() {
    for (engine_a, engine_b) in PAIRS {
        let (a, b) = a_and_b(engine_a, engine_b).await;
        a.create_account("alice", "alice-password-1");
        a.create_account("carol", "carol-password-1");
        b.create_account("bob", "bob-password-1");
        b.create_account("dave", "dave-password-1");
        let alice = a.token("alice", "alice-password-1", SCOPES).await;
        let carol = a.token("carol", "carol-password-1", SCOPES).await;
        let bob = b.token("bob", "bob-password-1", SCOPES).await;
        let dave = b.token("dave", "dave-password-1", SCOPES).await;
        let at = format!("{engine_a:?}→{engine_b:?}");

        let (status, me) = update_credentials(&b, &bob, &[("locked", "true")]).await;
        assert_eq!(status, 200, "{at}: {me}");
        assert_eq!(me["locked"], true, "{at}: {me}");

        // Alice asks; a keeps a request until b answers.
        let bob_id = resolve(&a, &alice, "bob@b.test").await;
        let (status, r) = post(&a, &alice, &format!("/api/v1/accounts/{bob_id}/follow"), json!({})).await;
        assert_eq!(status, 200, "{at}: {r}");
        assert_eq!((r["following"].as_bool(), r["requested"].as_bool()), (Some(false), Some(true)), "{at}: {r}");

        // Bob sees the request and is notified of it; nothing is accepted on its own.
        let alice_on_b = eventually(&format!("{at}: alice's request listed on b"), || async {
            let (_, list) = get(&b, &bob, "/api/v1/follow_requests").await;
            list.as_array()?.iter().find(|a| a["acct"] == "alice@a.test").map(|a| a["id"].as_str().unwrap().to_string())
        })
        .await;
        eventually(&format!("{at}: follow_request notification"), || notification(&b, &bob, "follow_request", "alice@a.test")).await;
        let (_, me) = get(&b, &bob, "/api/v1/accounts/verify_credentials").await;
        assert_eq!(me["followers_count"], 0, "{at}: {me}");
        assert_eq!(me["source"]["follow_requests_count"], 1, "{at}: {me}");
        let r = relationship(&a, &alice, &bob_id).await;
        assert_eq!((r["following"].as_bool(), r["requested"].as_bool()), (Some(false), Some(true)), "{at}: {r}");

        // Authorized: the Accept reaches a and the request becomes a follow.
        let (status, r) = post(&b, &bob, &format!("/api/v1/follow_requests/{alice_on_b}/authorize"), json!({})).await;
        assert_eq!(status, 200, "{at}: {r}");
        assert_eq!(r["followed_by"], true, "{at}: {r}");
        eventually(&format!("{at}: alice follows bob after the authorization"), || async {
            let r = relationship(&a, &alice, &bob_id).await;
            (r["following"] == true && r["requested"] == false).then_some(())
        })
        .await;
        let (_, list) = get(&b, &bob, "/api/v1/follow_requests").await;
        assert_eq!(list, json!([]), "{at}");
        let (_, me) = get(&b, &bob, "/api/v1/accounts/verify_credentials").await;
        assert_eq!(me["followers_count"], 1, "{at}: {me}");
        // A followers-only post now reaches her.
        post(&b, &bob, "/api/v1/statuses", json!({"status": "for approved eyes", "visibility": "private"})).await;
        eventually(&format!("{at}: followers-only post after authorization"), || home_has(&a, &alice, "for approved eyes")).await;

        // Carol (remote) asks and is rejected: the Reject reaches a, nothing is left.
        let (status, r) = post(&a, &carol, &format!("/api/v1/accounts/{bob_id}/follow"), json!({})).await;
        assert_eq!((status, r["requested"].as_bool()), (200, Some(true)), "{at}: {r}");
        let carol_on_b = eventually(&format!("{at}: carol's request listed on b"), || async {
            let (_, list) = get(&b, &bob, "/api/v1/follow_requests").await;
            list.as_array()?.iter().find(|a| a["acct"] == "carol@a.test").map(|a| a["id"].as_str().unwrap().to_string())
        })
        .await;
        let (status, r) = post(&b, &bob, &format!("/api/v1/follow_requests/{carol_on_b}/reject"), json!({})).await;
        assert_eq!(status, 200, "{at}: {r}");
        assert_eq!((r["followed_by"].as_bool(), r["requested_by"].as_bool()), (Some(false), Some(false)), "{at}: {r}");
        eventually(&format!("{at}: carol's request ends on a after the Reject"), || async {
            let r = relationship(&a, &carol, &bob_id).await;
            (r["following"] == false && r["requested"] == false).then_some(())
        })
        .await;
        assert!(notification(&b, &bob, "follow_request", "carol@a.test").await.is_none(), "{at}: the rejected request's notification goes");

        // Dave (local to b) asks and is rejected too.
        let (_, found) = get(&b, &dave, "/api/v1/accounts/lookup?acct=bob").await;
        let bob_local = found["id"].as_str().unwrap().to_string();
        let (status, r) = post(&b, &dave, &format!("/api/v1/accounts/{bob_local}/follow"), json!({})).await;
        assert_eq!((status, r["following"].as_bool(), r["requested"].as_bool()), (200, Some(false), Some(true)), "{at}: {r}");
        let (_, me_dave) = get(&b, &dave, "/api/v1/accounts/verify_credentials").await;
        let dave_id = me_dave["id"].as_str().unwrap().to_string();
        assert!(notification(&b, &bob, "follow_request", "dave").await.is_some(), "{at}: dave's request notifies bob");
        let (status, _) = post(&b, &bob, &format!("/api/v1/follow_requests/{dave_id}/reject"), json!({})).await;
        assert_eq!(status, 200, "{at}");
        let r = relationship(&b, &dave, &bob_local).await;
        assert_eq!((r["following"].as_bool(), r["requested"].as_bool()), (Some(false), Some(false)), "{at}: {r}");
        let (_, me) = get(&b, &bob, "/api/v1/accounts/verify_credentials").await;
        assert_eq!(me["followers_count"], 1, "{at}: only alice follows: {me}");
        assert_eq!(me["source"]["follow_requests_count"], 0, "{at}: {me}");
    }
}

#[tokio::test]
async fn a_remote_block_ends_the_follow_and_stops_posts() {
    for (engine_a, engine_b) in PAIRS {
        let (a, b) = a_and_b(engine_a, engine_b).await;
        a.create_account("alice", "alice-password-1");
        a.create_account("carol", "carol-password-1");
        b.create_account("bob", "bob-password-1");
        let alice = a.token("alice", "alice-password-1", SCOPES).await;
        let carol = a.token("carol", "carol-password-1", SCOPES).await;
        let bob = b.token("bob", "bob-password-1", SCOPES).await;
        let at = format!("{engine_a:?}→{engine_b:?}");

        let bob_id = follow_and_wait(&a, &alice, "bob@b.test", &at).await;
        follow_and_wait(&a, &carol, "bob@b.test", &at).await;
        post(&b, &bob, "/api/v1/statuses", json!({"status": "before the block", "visibility": "public"})).await;
        eventually(&format!("{at}: a post before the block reaches alice"), || home_has(&a, &alice, "before the block")).await;

        // Bob blocks alice: b drops her follow, and a hears of it.
        let alice_on_b = resolve(&b, &bob, "alice@a.test").await;
        let (status, r) = post(&b, &bob, &format!("/api/v1/accounts/{alice_on_b}/block"), json!({})).await;
        assert_eq!(status, 200, "{at}: {r}");
        assert_eq!((r["blocking"].as_bool(), r["followed_by"].as_bool()), (Some(true), Some(false)), "{at}: {r}");
        let (_, me) = get(&b, &bob, "/api/v1/accounts/verify_credentials").await;
        assert_eq!(me["followers_count"], 1, "{at}: only carol follows bob now: {me}");
        eventually(&format!("{at}: alice no longer follows bob on a"), || async {
            let r = relationship(&a, &alice, &bob_id).await;
            (r["following"] == false && r["blocked_by"] == true).then_some(())
        })
        .await;
        let r = relationship(&a, &carol, &bob_id).await;
        assert_eq!(r["following"], true, "{at}: carol still follows: {r}");
        // Following again is refused while blocked.
        let (status, r) = post(&a, &alice, &format!("/api/v1/accounts/{bob_id}/follow"), json!({})).await;
        assert_eq!(status, 403, "{at}: {r}");

        // Bob's next public post reaches a (carol follows) but not alice's home.
        post(&b, &bob, "/api/v1/statuses", json!({"status": "after the block", "visibility": "public"})).await;
        eventually(&format!("{at}: the post after the block reaches carol"), || home_has(&a, &carol, "after the block")).await;
        assert!(home_has(&a, &alice, "after the block").await.is_none(), "{at}: alice's home has no post after the block");
    }
}
