//! Accounts changing, seen from other instances, each engine pair both ways: profile
//! updates (with a new avatar, and its removal) reaching followers, and an account
//! moving to a third instance (Move → followers re-follow the target).

use aerie::db::Value as DbValue;
use serde_json::json;

use crate::support::federation::{PAIRS, SCOPES, a_and_b, eventually, follow_and_wait, private_key, relationship, send, signed_post};
use crate::support::fixtures::small_png;
use crate::support::http::{client, delete, get, path_of, update_credentials, update_credentials_multipart};
use crate::support::{Instance, free_port};

#[tokio::test]
async fn a_profile_update_reaches_followers() {
    for (engine_a, engine_b) in PAIRS {
        let (a, b) = a_and_b(engine_a, engine_b).await;
        a.create_account("alice", "alice-password-1");
        b.create_account("bob", "bob-password-1");
        let alice = a.token("alice", "alice-password-1", SCOPES).await;
        let bob = b.token("bob", "bob-password-1", SCOPES).await;
        let at = format!("{engine_a:?}→{engine_b:?}");

        let bob_id = follow_and_wait(&a, &alice, "bob@b.test", &at).await;
        let (status, me) = update_credentials(&b, &bob, &[("display_name", "Bob Renamed"), ("note", "Birds, mostly herons.")]).await;
        assert_eq!(status, 200, "{at}: {me}");
        assert_eq!(me["display_name"], "Bob Renamed", "{at}: {me}");
        let seen = eventually(&format!("{at}: the new profile on a"), || async {
            let (_, account) = get(&a, &alice, &format!("/api/v1/accounts/{bob_id}")).await;
            (account["display_name"] == "Bob Renamed").then_some(account)
        })
        .await;
        assert!(seen["note"].as_str().is_some_and(|n| n.contains("Birds, mostly herons.")), "{at}: {seen}");
        assert_eq!(seen["acct"], "bob@b.test", "{at}: {seen}");

        // A new avatar (multipart) travels in the Update as the actor's icon, at b's own
        // address; its removal travels too.
        let (status, me) = update_credentials_multipart(&b, &bob, &[], &[("avatar", "me.png", "image/png", small_png().as_slice())]).await;
        assert_eq!(status, 200, "{at}: {me}");
        let avatar = format!("http://b.test{}", path_of(me["avatar"].as_str().unwrap()));
        eventually(&format!("{at}: the avatar on a"), || async {
            let (_, account) = get(&a, &alice, &format!("/api/v1/accounts/{bob_id}")).await;
            (account["avatar"] == avatar.as_str()).then_some(())
        })
        .await;
        assert_eq!(delete(&b, &bob, "/api/v1/profile/avatar").await.0, 200, "{at}");
        eventually(&format!("{at}: the avatar gone on a"), || async {
            let (_, account) = get(&a, &alice, &format!("/api/v1/accounts/{bob_id}")).await;
            account["avatar"].as_str().is_some_and(|url| url.ends_with("/avatars/original/missing.png")).then_some(())
        })
        .await;
    }
}

#[tokio::test]
async fn a_move_to_a_third_instance_moves_the_followers() {
    for (engine_a, engine_b) in PAIRS {
        let (port_a, port_b, port_c) = (free_port(), free_port(), free_port());
        let a = Instance::start_federated(engine_a, "a.test", port_a, &[("b.test", port_b), ("c.test", port_c)]).await;
        let b = Instance::start_federated(engine_b, "b.test", port_b, &[("a.test", port_a), ("c.test", port_c)]).await;
        let c = Instance::start_federated(engine_a, "c.test", port_c, &[("a.test", port_a), ("b.test", port_b)]).await;
        a.create_account("alice", "alice-password-1");
        b.create_account("bob", "bob-password-1");
        c.create_account("bob2", "bob2-password-1");
        let alice = a.token("alice", "alice-password-1", SCOPES).await;
        let bob = b.token("bob", "bob-password-1", SCOPES).await;
        let bob2 = c.token("bob2", "bob2-password-1", SCOPES).await;
        let at = format!("{engine_a:?}→{engine_b:?}");

        let bob_id = follow_and_wait(&a, &alice, "bob@b.test", &at).await;

        // The new account names the old one in alsoKnownAs. There is no API for it
        // (Mastodon sets aliases in its web settings, not the client API; aerie has
        // no aliases endpoint nor CLI), so the test writes the column c serves.
        let bob_uri = "http://b.test/users/bob";
        let bob2_uri = "http://c.test/users/bob2";
        let written = c
            .database()
            .await
            .execute(
                "UPDATE accounts SET also_known_as = $1 WHERE username = 'bob2' AND domain IS NULL",
                vec![DbValue::Text(json!([bob_uri]).to_string())],
            )
            .await
            .unwrap();
        assert_eq!(written, 1, "{at}");
        let actor =
            client().get(c.url("/users/bob2")).header("accept", "application/activity+json").send().await.unwrap().text().await.unwrap();
        assert!(actor.contains(bob_uri), "{at}: c serves the alias: {actor}");

        // Nor is there an API to move: the test delivers bob's signed Move to a, as b would.
        let key = private_key(&b, "bob").await;
        let move_activity = serde_json::to_vec(&json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": "http://b.test/users/bob#moves/1",
            "type": "Move",
            "actor": bob_uri,
            "object": bob_uri,
            "target": bob2_uri,
        }))
        .unwrap();
        let (status, text) =
            send(&a, "/inbox", signed_post("http://b.test/users/bob#main-key", &key, "a.test", "/inbox", &move_activity), move_activity)
                .await;
        assert_eq!(status, 202, "{at}: {text}");

        // On a: bob is marked moved, alice follows bob2 (c accepts on its own) and no longer bob.
        let moved = eventually(&format!("{at}: bob shows as moved on a"), || async {
            let (_, account) = get(&a, &alice, &format!("/api/v1/accounts/{bob_id}")).await;
            account.get("moved").filter(|m| m.is_object()).cloned()
        })
        .await;
        assert_eq!(moved["acct"], "bob2@c.test", "{at}: {moved}");
        let bob2_id = moved["id"].as_str().unwrap().to_string();
        eventually(&format!("{at}: alice follows bob2 after the move"), || async {
            (relationship(&a, &alice, &bob2_id).await["following"] == true).then_some(())
        })
        .await;
        let r = relationship(&a, &alice, &bob_id).await;
        assert_eq!(r["following"], false, "{at}: the old follow ends: {r}");
        let (_, me) = get(&c, &bob2, "/api/v1/accounts/verify_credentials").await;
        assert_eq!(me["followers_count"], 1, "{at}: c counts alice: {me}");
        eventually(&format!("{at}: b hears alice's Undo"), || async {
            let (_, me) = get(&b, &bob, "/api/v1/accounts/verify_credentials").await;
            (me["followers_count"] == 0).then_some(())
        })
        .await;
    }
}
