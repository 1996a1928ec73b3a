//! Mastodon lists through the client API, on both engines: creating, reading,
//! updating and deleting lists; members (only followed accounts, given as form, JSON
//! or query; paged with `Link`, `limit=0` for all); the lists holding an account;
//! another user's list is a 404 everywhere; a read-only token cannot write; members
//! leave with the follow (unfollow, block); the list timeline (members only, what
//! the owner may see, each replies policy, paging both ways); an exclusive list
//! takes its members out of the home timeline; the `list` stream reaches the owner
//! and refuses everyone else.

use std::time::Duration;

use futures::StreamExt as _;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::support::{ENGINES, Instance, client, people};

/// The answer's status, `Link` header and JSON body.
async fn read(response: reqwest::Response) -> (u16, Option<String>, Value) {
    let status = response.status().as_u16();
    let link = response.headers().get("link").map(|l| l.to_str().unwrap().to_string());
    let text = response.text().await.unwrap();
    (status, link, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn get(instance: &Instance, token: &str, path: &str) -> (u16, Option<String>, Value) {
    read(client().get(instance.url(path)).bearer_auth(token).send().await.unwrap()).await
}

async fn post(instance: &Instance, token: &str, path: &str, body: Value) -> (u16, Value) {
    let (status, _, body) = read(client().post(instance.url(path)).bearer_auth(token).json(&body).send().await.unwrap()).await;
    (status, body)
}

async fn put(instance: &Instance, token: &str, path: &str, body: Value) -> (u16, Value) {
    let (status, _, body) = read(client().put(instance.url(path)).bearer_auth(token).json(&body).send().await.unwrap()).await;
    (status, body)
}

async fn delete(instance: &Instance, token: &str, path: &str) -> (u16, Value) {
    let (status, _, body) = read(client().delete(instance.url(path)).bearer_auth(token).send().await.unwrap()).await;
    (status, body)
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array().unwrap_or_else(|| panic!("not an array: {list}")).iter().map(|v| v["id"].as_str().unwrap().to_string()).collect()
}

/// The `rel="next"` URL of a `Link` header, as a path.
fn next_path(link: &str) -> String {
    let next = link.split(", ").find(|part| part.ends_with("rel=\"next\"")).unwrap();
    let url = next.trim_start_matches('<').split('>').next().unwrap();
    crate::support::http::path_of(url)
}

async fn follow(instance: &Instance, token: &str, account: &str) {
    let (status, body) = post(instance, token, &format!("/api/v1/accounts/{account}/follow"), json!({})).await;
    assert!(status == 200 && body["following"] == true, "{status} {body}");
}

async fn post_status(instance: &Instance, token: &str, body: Value) -> String {
    let (code, posted) = post(instance, token, "/api/v1/statuses", body).await;
    assert_eq!(code, 200, "{posted}");
    posted["id"].as_str().unwrap().to_string()
}

async fn members(instance: &Instance, token: &str, list: &str) -> Vec<String> {
    let (status, _, body) = get(instance, token, &format!("/api/v1/lists/{list}/accounts?limit=0")).await;
    assert_eq!(status, 200, "{body}");
    let mut found = ids(&body);
    found.sort();
    found
}

#[tokio::test]
async fn lists_and_members_as_mastodon_keeps_them() {
    for engine in ENGINES {
        let (instance, tokens, accounts) = people(engine, &["alice", "bob", "carol", "dave"]).await;
        let (alice, bob) = (&tokens[0], &tokens[1]);
        let (bob_id, carol_id, dave_id) = (&accounts[1], &accounts[2], &accounts[3]);
        follow(&instance, alice, bob_id).await;
        follow(&instance, alice, carol_id).await;

        // Create: a title is required; the defaults are Mastodon's.
        let (status, body) = post(&instance, alice, "/api/v1/lists", json!({})).await;
        assert_eq!(status, 422, "{engine:?}: {body}");
        assert!(body["error"].as_str().unwrap().contains("Title"), "{body}");
        let (status, list) = post(&instance, alice, "/api/v1/lists", json!({ "title": "Friends" })).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(
            (list["title"].clone(), list["replies_policy"].clone(), list["exclusive"].clone()),
            (json!("Friends"), json!("list"), json!(false))
        );
        let id = list["id"].as_str().unwrap().to_string();
        let (status, _, all) = get(&instance, alice, "/api/v1/lists").await;
        assert_eq!((status, ids(&all)), (200, vec![id.clone()]));
        let (_, _, one) = get(&instance, alice, &format!("/api/v1/lists/{id}")).await;
        assert_eq!(one, list);

        // Update: by form, as clients send it; a bad replies policy is refused.
        let response = client()
            .put(instance.url(&format!("/api/v1/lists/{id}")))
            .bearer_auth(alice)
            .form(&[("title", "Pals"), ("replies_policy", "followed"), ("exclusive", "true")])
            .send()
            .await
            .unwrap();
        let (status, _, updated) = read(response).await;
        assert_eq!(status, 200, "{updated}");
        assert_eq!(
            (updated["title"].clone(), updated["replies_policy"].clone(), updated["exclusive"].clone()),
            (json!("Pals"), json!("followed"), json!(true))
        );
        let (status, body) = put(&instance, alice, &format!("/api/v1/lists/{id}"), json!({ "replies_policy": "everyone" })).await;
        assert_eq!(status, 422, "{body}");
        let (status, body) = put(&instance, alice, &format!("/api/v1/lists/{id}"), json!({ "title": "  " })).await;
        assert_eq!(status, 422, "{body}");

        // Another user's list does not exist for them.
        for path in [format!("/api/v1/lists/{id}"), format!("/api/v1/lists/{id}/accounts"), format!("/api/v1/timelines/list/{id}")] {
            let (status, _, body) = get(&instance, bob, &path).await;
            assert_eq!(status, 404, "{engine:?} bob GET {path}: {body}");
            assert!(body["error"].is_string(), "{body}");
        }
        let (status, _) = put(&instance, bob, &format!("/api/v1/lists/{id}"), json!({ "title": "mine" })).await;
        assert_eq!(status, 404);
        let (status, _) = post(&instance, bob, &format!("/api/v1/lists/{id}/accounts"), json!({ "account_ids": [bob_id] })).await;
        assert_eq!(status, 404);
        let (status, _) = delete(&instance, bob, &format!("/api/v1/lists/{id}")).await;
        assert_eq!(status, 404);
        let (_, _, bobs) = get(&instance, bob, "/api/v1/lists").await;
        assert_eq!(bobs, json!([]));
        let (status, _, _) = get(&instance, alice, "/api/v1/lists/12345").await;
        assert_eq!(status, 404);

        // Members: only followed accounts (all or none), by form, JSON or query.
        let (status, body) =
            post(&instance, alice, &format!("/api/v1/lists/{id}/accounts"), json!({ "account_ids": [bob_id, dave_id] })).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"], "Validation failed: Account must be a followed account");
        assert!(members(&instance, alice, &id).await.is_empty(), "nothing was added");
        let response = client()
            .post(instance.url(&format!("/api/v1/lists/{id}/accounts")))
            .bearer_auth(alice)
            .form(&[("account_ids[]", bob_id.as_str()), ("account_ids[]", carol_id.as_str())])
            .send()
            .await
            .unwrap();
        let (status, _, body) = read(response).await;
        assert_eq!((status, body), (200, json!({})));
        let mut both = vec![bob_id.clone(), carol_id.clone()];
        both.sort();
        assert_eq!(members(&instance, alice, &id).await, both);
        let (status, body) = post(&instance, alice, &format!("/api/v1/lists/{id}/accounts"), json!({ "account_ids": [bob_id] })).await;
        assert_eq!(status, 422, "a member added twice: {body}");
        let (status, body) = post(&instance, alice, &format!("/api/v1/lists/{id}/accounts"), json!({ "account_ids": ["999999999"] })).await;
        assert_eq!(status, 404, "an unknown account: {body}");

        // Paged by account id, newest first, with Link; limit=0 is everything, no Link.
        let (status, link, first) = get(&instance, alice, &format!("/api/v1/lists/{id}/accounts?limit=1")).await;
        assert_eq!((status, ids(&first).len()), (200, 1));
        let link = link.expect("a Link header");
        assert!(link.starts_with('<') && link.contains("rel=\"next\""), "{link}");
        let (_, _, second) = get(&instance, alice, &next_path(&link)).await;
        let mut walked = [ids(&first), ids(&second)].concat();
        assert!(walked[0] > walked[1], "newest account first: {walked:?}");
        walked.sort();
        assert_eq!(walked, both);
        let (_, link, _) = get(&instance, alice, &format!("/api/v1/lists/{id}/accounts?limit=0")).await;
        assert_eq!(link, None);

        // The lists holding an account (only the viewer's).
        let (status, _, holding) = get(&instance, alice, &format!("/api/v1/accounts/{bob_id}/lists")).await;
        assert_eq!((status, ids(&holding)), (200, vec![id.clone()]));
        let (_, _, holding) = get(&instance, alice, &format!("/api/v1/accounts/{dave_id}/lists")).await;
        assert_eq!(holding, json!([]));
        let (_, _, holding) = get(&instance, bob, &format!("/api/v1/accounts/{carol_id}/lists")).await;
        assert_eq!(holding, json!([]), "bob sees none of alice's lists");
        let (status, _, _) = get(&instance, alice, "/api/v1/accounts/999999999/lists").await;
        assert_eq!(status, 404);

        // Removal by query string, then back by JSON.
        let (status, _) = delete(&instance, alice, &format!("/api/v1/lists/{id}/accounts?account_ids[]={carol_id}")).await;
        assert_eq!(status, 200);
        assert_eq!(members(&instance, alice, &id).await, vec![bob_id.clone()]);
        let (status, _) = post(&instance, alice, &format!("/api/v1/lists/{id}/accounts"), json!({ "account_ids": [carol_id] })).await;
        assert_eq!(status, 200);

        // Scopes: read-only tokens read lists but cannot write them.
        let reader = instance.token("alice", "alice-password-1", "read").await;
        let (status, _, _) = get(&instance, &reader, "/api/v1/lists").await;
        assert_eq!(status, 200);
        let (status, body) = post(&instance, &reader, "/api/v1/lists", json!({ "title": "nope" })).await;
        assert_eq!(status, 403, "{body}");
        let (status, _) = post(&instance, &reader, &format!("/api/v1/lists/{id}/accounts"), json!({ "account_ids": [dave_id] })).await;
        assert_eq!(status, 403);
        let (status, _) = delete(&instance, &reader, &format!("/api/v1/lists/{id}")).await;
        assert_eq!(status, 403);
        let lists_only = instance.token("alice", "alice-password-1", "read:lists").await;
        let (status, _, _) = get(&instance, &lists_only, &format!("/api/v1/timelines/list/{id}")).await;
        assert_eq!(status, 200, "read:lists reads the list timeline");
        let statuses_only = instance.token("alice", "alice-password-1", "read:statuses").await;
        let (status, _, _) = get(&instance, &statuses_only, "/api/v1/lists").await;
        assert_eq!(status, 403, "lists need read:lists");

        // A member leaves with the follow: unfollow, and a block.
        let (status, _) = post(&instance, alice, &format!("/api/v1/accounts/{carol_id}/unfollow"), json!({})).await;
        assert_eq!(status, 200);
        assert_eq!(members(&instance, alice, &id).await, vec![bob_id.clone()], "{engine:?}: carol left with the follow");
        let (status, _) = post(&instance, bob, &format!("/api/v1/accounts/{}/block", accounts[0]), json!({})).await;
        assert_eq!(status, 200);
        assert!(members(&instance, alice, &id).await.is_empty(), "{engine:?}: bob's block ended alice's follow and membership");
        let (_, _, holding) = get(&instance, alice, &format!("/api/v1/accounts/{bob_id}/lists")).await;
        assert_eq!(holding, json!([]));

        // Delete.
        let (status, body) = delete(&instance, alice, &format!("/api/v1/lists/{id}")).await;
        assert_eq!((status, body), (200, json!({})));
        let (status, _, _) = get(&instance, alice, &format!("/api/v1/lists/{id}")).await;
        assert_eq!(status, 404);
        let (_, _, all) = get(&instance, alice, "/api/v1/lists").await;
        assert_eq!(all, json!([]));
    }
}

/// The list timeline's ids (all of it, at most 40).
async fn timeline(instance: &Instance, token: &str, list: &str) -> Vec<String> {
    let (status, _, body) = get(instance, token, &format!("/api/v1/timelines/list/{list}?limit=40")).await;
    assert_eq!(status, 200, "{body}");
    ids(&body)
}

async fn home(instance: &Instance, token: &str) -> Vec<String> {
    let (status, _, body) = get(instance, token, "/api/v1/timelines/home?limit=40").await;
    assert_eq!(status, 200, "{body}");
    ids(&body)
}

async fn set_policy(instance: &Instance, token: &str, list: &str, body: Value) {
    let (status, answer) = put(instance, token, &format!("/api/v1/lists/{list}"), body).await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn the_list_timeline_shows_members_by_the_replies_policy_and_exclusive_lists_leave_home() {
    for engine in ENGINES {
        let (instance, tokens, accounts) = people(engine, &["alice", "bob", "carol", "dave", "erin"]).await;
        let (alice, bob, carol, dave, erin) = (&tokens[0], &tokens[1], &tokens[2], &tokens[3], &tokens[4]);
        let (bob_id, carol_id, dave_id) = (&accounts[1], &accounts[2], &accounts[3]);
        for account in [bob_id, carol_id, dave_id] {
            follow(&instance, alice, account).await;
        }
        // Bob follows erin, so he can see (and answer) her followers-only posts.
        follow(&instance, bob, &accounts[4]).await;
        let (_, list) = post(&instance, alice, "/api/v1/lists", json!({ "title": "Team" })).await;
        let list = list["id"].as_str().unwrap().to_string();
        let (status, _) =
            post(&instance, alice, &format!("/api/v1/lists/{list}/accounts"), json!({ "account_ids": [bob_id, carol_id] })).await;
        assert_eq!(status, 200);

        let alice_post = post_status(&instance, alice, json!({ "status": "alice speaks" })).await;
        let carol_post = post_status(&instance, carol, json!({ "status": "carol speaks" })).await;
        let dave_post = post_status(&instance, dave, json!({ "status": "dave speaks" })).await;
        let erin_post = post_status(&instance, erin, json!({ "status": "erin speaks" })).await;
        let bob_public = post_status(&instance, bob, json!({ "status": "bob in public" })).await;
        let carol_private = post_status(&instance, carol, json!({ "status": "carol for followers", "visibility": "private" })).await;
        let to_self = post_status(&instance, bob, json!({ "status": "more from me", "in_reply_to_id": bob_public })).await;
        let to_owner = post_status(&instance, bob, json!({ "status": "@alice hi", "in_reply_to_id": alice_post })).await;
        let to_member = post_status(&instance, bob, json!({ "status": "@carol hi", "in_reply_to_id": carol_post })).await;
        let to_followed = post_status(&instance, bob, json!({ "status": "@dave hi", "in_reply_to_id": dave_post })).await;
        let to_stranger = post_status(&instance, bob, json!({ "status": "@erin hi", "in_reply_to_id": erin_post })).await;
        let direct = post_status(&instance, bob, json!({ "status": "@erin secret", "visibility": "direct" })).await;
        let bob_private = post_status(&instance, bob, json!({ "status": "bob for followers", "visibility": "private" })).await;
        let reblog = {
            let (code, body) = post(&instance, carol, &format!("/api/v1/statuses/{dave_post}/reblog"), json!({})).await;
            assert_eq!(code, 200, "{body}");
            body["id"].as_str().unwrap().to_string()
        };
        // Newest first, as the timeline answers.
        let rev = |v: Vec<&String>| v.into_iter().rev().cloned().collect::<Vec<String>>();
        let base = [&carol_post, &bob_public, &carol_private, &to_self, &to_owner];

        // Default policy `list`: replies to members, the owner and oneself; no
        // direct message to someone else, no one outside the list.
        let expected = rev([base.to_vec(), vec![&to_member, &bob_private, &reblog]].concat());
        let found = timeline(&instance, alice, &list).await;
        assert_eq!(found, expected, "{engine:?}: replies policy list");
        assert!(!found.contains(&direct) && !found.contains(&dave_post) && !found.contains(&to_stranger));

        set_policy(&instance, alice, &list, json!({ "replies_policy": "followed" })).await;
        let expected = rev([base.to_vec(), vec![&to_member, &to_followed, &bob_private, &reblog]].concat());
        assert_eq!(timeline(&instance, alice, &list).await, expected, "{engine:?}: replies policy followed");

        set_policy(&instance, alice, &list, json!({ "replies_policy": "none" })).await;
        let expected = rev([base.to_vec(), vec![&bob_private, &reblog]].concat());
        assert_eq!(timeline(&instance, alice, &list).await, expected, "{engine:?}: replies policy none");

        // Paging: walk with Link (max_id) two at a time, then back with min_id.
        let mut walked = Vec::new();
        let mut path = format!("/api/v1/timelines/list/{list}?limit=2");
        loop {
            let (status, link, page) = get(&instance, alice, &path).await;
            assert_eq!(status, 200);
            let page = ids(&page);
            if page.is_empty() {
                break;
            }
            assert!(page.len() <= 2);
            walked.extend(page);
            path = next_path(&link.expect("a page with statuses has a Link"));
        }
        assert_eq!(walked, expected, "{engine:?}: walking max_id");
        let oldest = expected.last().unwrap();
        let (_, _, newer) = get(&instance, alice, &format!("/api/v1/timelines/list/{list}?limit=2&min_id={oldest}")).await;
        assert_eq!(ids(&newer), expected[expected.len() - 3..expected.len() - 1].to_vec(), "{engine:?}: min_id");
        let (_, _, since) = get(&instance, alice, &format!("/api/v1/timelines/list/{list}?limit=2&since_id={oldest}")).await;
        assert_eq!(ids(&since), expected[..2].to_vec(), "{engine:?}: since_id");

        // A muted member's statuses leave the list timeline.
        let (status, _) = post(&instance, alice, &format!("/api/v1/accounts/{carol_id}/mute"), json!({})).await;
        assert_eq!(status, 200);
        assert!(!timeline(&instance, alice, &list).await.contains(&carol_post), "{engine:?}: muted carol");
        let (status, _) = post(&instance, alice, &format!("/api/v1/accounts/{carol_id}/unmute"), json!({})).await;
        assert_eq!(status, 200);

        // Exclusive: members' posts leave the home timeline; others stay; the list
        // timeline keeps them.
        let before = home(&instance, alice).await;
        assert!(before.contains(&bob_public) && before.contains(&carol_post) && before.contains(&dave_post), "{engine:?}: {before:?}");
        set_policy(&instance, alice, &list, json!({ "exclusive": true })).await;
        let after = home(&instance, alice).await;
        for member_post in [&bob_public, &carol_post, &carol_private, &reblog, &to_owner] {
            assert!(!after.contains(member_post), "{engine:?}: a member's post {member_post} stayed home: {after:?}");
        }
        assert!(after.contains(&dave_post) && after.contains(&alice_post), "{engine:?}: others stay home: {after:?}");
        assert!(timeline(&instance, alice, &list).await.contains(&bob_public));
        // Bob's home is his own business.
        assert!(home(&instance, bob).await.contains(&bob_public));
        set_policy(&instance, alice, &list, json!({ "exclusive": false })).await;
        assert_eq!(home(&instance, alice).await, before, "{engine:?}: back home once not exclusive");
    }
}

/// Reads Server-Sent Events from `stream` until `id` arrives in an `update` (true),
/// or 5 s pass (false); everything read is left in `buffer`.
async fn sse_until(stream: &mut reqwest::Response, id: &str, buffer: &mut String) -> bool {
    tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(chunk)) = stream.chunk().await {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            if buffer.contains("event: update") && buffer.contains(&format!("\"id\":\"{id}\"")) {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false)
}

/// The next text message of a WebSocket as JSON (pings skipped), within 10 s.
async fn next_json(socket: &mut (impl futures::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin)) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next()).await.expect("a message within 10 s");
        match message.expect("the socket is open").unwrap() {
            Message::Text(text) => return serde_json::from_str(&text).unwrap(),
            Message::Close(frame) => panic!("the server closed the socket: {frame:?}"),
            _ => continue,
        }
    }
}

#[tokio::test]
async fn the_list_stream_reaches_its_owner_only() {
    use futures::SinkExt as _;
    for engine in ENGINES {
        let (instance, tokens, accounts) = people(engine, &["alice", "bob", "carol"]).await;
        let (alice, bob, carol) = (&tokens[0], &tokens[1], &tokens[2]);
        follow(&instance, alice, &accounts[1]).await;
        follow(&instance, alice, &accounts[2]).await;
        let (_, list) = post(&instance, alice, "/api/v1/lists", json!({ "title": "Bob only" })).await;
        let list = list["id"].as_str().unwrap().to_string();
        let (status, _) = post(&instance, alice, &format!("/api/v1/lists/{list}/accounts"), json!({ "account_ids": [accounts[1]] })).await;
        assert_eq!(status, 200);

        // Others may not open it, over SSE or WebSocket; nor without a list id.
        let refused = client().get(instance.url(&format!("/api/v1/streaming/list?list={list}"))).bearer_auth(bob).send().await.unwrap();
        assert_eq!(refused.status(), 401, "{engine:?}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["error"], "List not found");
        let missing = client().get(instance.url("/api/v1/streaming/list")).bearer_auth(alice).send().await.unwrap();
        assert_eq!(missing.status(), 400);
        let url = format!("ws://{}/api/v1/streaming?access_token={bob}", instance.server.addr);
        let (mut intruder, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        intruder.send(Message::Text(json!({ "type": "subscribe", "stream": "list", "list": list }).to_string().into())).await.unwrap();
        let answer = next_json(&mut intruder).await;
        assert_eq!(answer["error"], "List not found", "{engine:?}: {answer}");
        let url = format!("ws://{}/api/v1/streaming?access_token={bob}&stream=list&list={list}", instance.server.addr);
        assert!(tokio_tungstenite::connect_async(url).await.is_err(), "{engine:?}: bob's upgrade to alice's list is refused");

        // The owner hears members, over SSE and WebSocket, and nobody else.
        let mut sse = client().get(instance.url(&format!("/api/v1/streaming/list?list={list}"))).bearer_auth(alice).send().await.unwrap();
        assert_eq!(sse.status(), 200);
        let url = format!("ws://{}/api/v1/streaming?access_token={alice}&stream=list&list={list}", instance.server.addr);
        let (mut socket, response) = tokio_tungstenite::connect_async(url).await.unwrap();
        assert_eq!(response.status(), 101);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let carol_post = post_status(&instance, carol, json!({ "status": "carol is not on the list" })).await;
        let bob_post = post_status(&instance, bob, json!({ "status": "bob is", "visibility": "private" })).await;
        let mut buffer = String::new();
        assert!(sse_until(&mut sse, &bob_post, &mut buffer).await, "{engine:?}: bob's post on alice's list stream: {buffer}");
        assert!(!buffer.contains(&carol_post), "{engine:?}: carol is not a member: {buffer}");
        let event = next_json(&mut socket).await;
        assert_eq!(event["stream"], json!(["list", list]), "{event}");
        assert_eq!(event["event"], "update");
        let payload: Value = serde_json::from_str(event["payload"].as_str().unwrap()).unwrap();
        assert_eq!(payload["id"], json!(bob_post), "{engine:?}: the first list event is bob's post");
    }
}
