//! More of two (and three) aerie instances federating over loopback, each engine
//! pair both ways: locked accounts (follow requests authorized over federation and
//! rejected, remote and local), blocks ending a remote follow, profile updates (with
//! a new avatar, and its removal),
//! an account moving to a third instance (Move → followers re-follow the target),
//! a Delete from an actor never seen (202, nothing queued), a QuoteRequest
//! answered with a Reject, first-contact backfill, and a remote thread's public
//! replies fetched when it is opened.

use aerie::db::{Database, Value as DbValue};
use aerie::federation::signatures::SigningKey;
use serde_json::{Value, json};

use crate::avatars;
use crate::fedi::{a_and_b, eventually, get, get_ap, home_has, notification, post, send, signed_post};
use crate::media;
use crate::support::{Engine, Instance, client, free_port};

const PAIRS: [(Engine, Engine); 2] = [(Engine::Sqlite, Engine::Postgres), (Engine::Postgres, Engine::Sqlite)];
const SCOPES: &str = "read write follow";

/// `PATCH /api/v1/accounts/update_credentials` with a form body, as Mastodon's web UI sends it.
async fn update_credentials(instance: &Instance, token: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = client().patch(instance.url("/api/v1/accounts/update_credentials")).bearer_auth(token).form(form).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn relationship(instance: &Instance, token: &str, id: &str) -> Value {
    let (status, r) = get(instance, token, &format!("/api/v1/accounts/relationships?id[]={id}")).await;
    assert_eq!(status, 200, "{r}");
    r[0].clone()
}

/// `acct` found (resolved with WebFinger when unknown) from `instance`, as its local id there.
async fn resolve(instance: &Instance, token: &str, acct: &str) -> String {
    let (status, found) =
        get(instance, token, &format!("/api/v2/search?q=%40{}&resolve=true&type=accounts", acct.replace('@', "%40"))).await;
    assert_eq!(status, 200, "{found}");
    let account = &found["accounts"][0];
    assert_eq!(account["acct"], acct, "{found}");
    account["id"].as_str().unwrap().to_string()
}

/// `follower` follows remote `acct` (not locked) and waits until the Accept arrived.
async fn follow_and_wait(instance: &Instance, token: &str, acct: &str, at: &str) -> String {
    let id = resolve(instance, token, acct).await;
    let (status, r) = post(instance, token, &format!("/api/v1/accounts/{id}/follow"), json!({})).await;
    assert_eq!(status, 200, "{at}: {r}");
    eventually(&format!("{at}: following {acct}"), || async {
        (relationship(instance, token, &id).await["following"] == true).then_some(())
    })
    .await;
    id
}

/// The private key of local account `username`, read from `instance`'s database.
async fn private_key(instance: &Instance, username: &str) -> SigningKey {
    let rows = instance
        .database()
        .await
        .query(
            "SELECT k.private_key_pem FROM account_keys k JOIN accounts a ON a.id = k.account_id WHERE a.username = $1 AND a.domain IS NULL",
            vec![DbValue::Text(username.into())],
        )
        .await
        .unwrap();
    SigningKey::from_pem(rows.text(0, "private_key_pem").unwrap()).unwrap()
}

/// Jobs of `kind` in `instance`'s queue: (payload as text, state, last_error).
async fn jobs(db: &Database, kind: &str) -> Vec<(String, String, Option<String>)> {
    let rows = db
        .query("SELECT payload, state, last_error FROM jobs WHERE kind = $1 ORDER BY id", vec![DbValue::Text(kind.into())])
        .await
        .unwrap();
    (0..rows.len())
        .map(|i| {
            let payload = match rows.get(i, "payload") {
                Some(DbValue::Bytes(bytes)) => String::from_utf8_lossy(bytes).into_owned(),
                Some(DbValue::Text(text)) => text.clone(),
                other => panic!("payload {other:?}"),
            };
            (payload, rows.text(i, "state").unwrap_or_default().to_string(), rows.text(i, "last_error").map(str::to_string))
        })
        .collect()
}

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
        let (status, me) = avatars::update(&b, &bob, &[], &[("avatar", "me.png", "image/png", media::small_png().as_slice())]).await;
        assert_eq!(status, 200, "{at}: {me}");
        let avatar = format!("http://b.test{}", media::path_of(me["avatar"].as_str().unwrap()));
        eventually(&format!("{at}: the avatar on a"), || async {
            let (_, account) = get(&a, &alice, &format!("/api/v1/accounts/{bob_id}")).await;
            (account["avatar"] == avatar.as_str()).then_some(())
        })
        .await;
        assert_eq!(avatars::delete(&b, &bob, "/api/v1/profile/avatar").await.0, 200, "{at}");
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

#[tokio::test]
async fn unknown_deletes_are_dropped_and_quote_requests_are_rejected() {
    for (engine_a, engine_b) in PAIRS {
        let (a, b) = a_and_b(engine_a, engine_b).await;
        a.create_account("alice", "alice-password-1");
        b.create_account("bob", "bob-password-1");
        let alice = a.token("alice", "alice-password-1", SCOPES).await;
        let at = format!("{engine_a:?}→{engine_b:?}");
        let bob_key = private_key(&b, "bob").await;
        let (db_a, db_b) = (a.database().await, b.database().await);

        // A Delete from an actor a never saw, whose key is on a host a cannot reach:
        // 202 (fetching keys of deleted actors starts storms), nothing queued.
        let before = jobs(&db_a, "inbox").await.len();
        let ghost = "http://ghost.test/users/ghost";
        let delete = serde_json::to_vec(&json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{ghost}#delete"),
            "type": "Delete",
            "actor": ghost,
            "object": ghost,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        }))
        .unwrap();
        let (status, text) =
            send(&a, "/inbox", signed_post(&format!("{ghost}#main-key"), &bob_key, "a.test", "/inbox", &delete), delete).await;
        assert_eq!(status, 202, "{at}: {text}");
        assert_eq!(jobs(&db_a, "inbox").await.len(), before, "{at}: nothing queued for an unknown actor's Delete");
        let known = db_a.query("SELECT id FROM accounts WHERE uri = $1", vec![DbValue::Text(ghost.into())]).await.unwrap();
        assert!(known.is_empty(), "{at}: the ghost is not stored");

        // Bob asks to quote one of alice's posts; quotes are not supported, so a answers Reject.
        let (status, status_json) =
            post(&a, &alice, "/api/v1/statuses", json!({"status": "quote me if you can", "visibility": "public"})).await;
        assert_eq!(status, 200, "{at}: {status_json}");
        let status_uri = status_json["uri"].as_str().unwrap().to_string();
        let request_id = "http://b.test/users/bob/quote_requests/1";
        let quote_request = serde_json::to_vec(&json!({
            "@context": ["https://www.w3.org/ns/activitystreams", {"QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest"}],
            "id": request_id,
            "type": "QuoteRequest",
            "actor": "http://b.test/users/bob",
            "object": status_uri,
            "instrument": {
                "id": "http://b.test/users/bob/statuses/900",
                "type": "Note",
                "attributedTo": "http://b.test/users/bob",
                "content": "<p>quoting</p>",
                "quote": status_uri,
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
            },
        }))
        .unwrap();
        let (status, text) = send(
            &a,
            "/users/alice/inbox",
            signed_post("http://b.test/users/bob#main-key", &bob_key, "a.test", "/users/alice/inbox", &quote_request),
            quote_request,
        )
        .await;
        assert_eq!(status, 202, "{at}: {text}");
        let reject = eventually(&format!("{at}: a queues a Reject to bob"), || async {
            jobs(&db_a, "deliver").await.into_iter().find(|(payload, _, _)| payload.contains("Reject") && payload.contains(request_id))
        })
        .await;
        assert!(reject.0.contains("http://b.test/users/bob/inbox") || reject.0.contains("http://b.test/inbox"), "{at}: {}", reject.0);
        // b takes it (202) and its inbox job runs without error.
        eventually(&format!("{at}: the Reject is delivered"), || async {
            let jobs = jobs(&db_a, "deliver").await;
            let (_, state, error) = jobs.into_iter().find(|(payload, _, _)| payload.contains("Reject") && payload.contains(request_id))?;
            assert!(state != "dead", "{at}: the delivery died: {error:?}");
            (state == "done").then_some(())
        })
        .await;
        eventually(&format!("{at}: b handles the Reject"), || async {
            let jobs = jobs(&db_b, "inbox").await;
            let (_, state, error) = jobs.into_iter().find(|(payload, _, _)| payload.contains("Reject") && payload.contains(request_id))?;
            assert!(error.is_none(), "{at}: b's inbox failed on the Reject: {error:?}");
            (state == "done").then_some(())
        })
        .await;
        // The quoted post is unchanged on a.
        let id = status_json["id"].as_str().unwrap();
        let (status, _) = get(&a, &alice, &format!("/api/v1/statuses/{id}")).await;
        assert_eq!(status, 200, "{at}");
    }
}

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
