//! Direct conversations and thread mutes through the client API, on both engines: a
//! direct status makes a conversation for its author (read) and its recipient
//! (unread), streamed to the recipient's `direct` stream as a `conversation` event;
//! replies move it on; read, delete (for that user only; the next message brings it
//! back), deleting the last status falls back to the one before; paging by last
//! status with `Link`; a third user sees none of it (list, one, read, delete, direct
//! stream); scopes are enforced; a muted thread notifies nothing, unmuted it does.

use std::time::Duration;

use futures::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::support::{ENGINES, Instance, client, people};

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

async fn delete(instance: &Instance, token: &str, path: &str) -> (u16, Value) {
    let (status, _, body) = read(client().delete(instance.url(path)).bearer_auth(token).send().await.unwrap()).await;
    (status, body)
}

async fn post_status(instance: &Instance, token: &str, body: Value) -> String {
    let (code, posted) = post(instance, token, "/api/v1/statuses", body).await;
    assert_eq!(code, 200, "{posted}");
    posted["id"].as_str().unwrap().to_string()
}

async fn conversations(instance: &Instance, token: &str) -> Vec<Value> {
    let (status, _, body) = get(instance, token, "/api/v1/conversations").await;
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap_or_else(|| panic!("not an array: {body}")).clone()
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A WebSocket on `token`'s `direct` stream.
async fn direct_stream(instance: &Instance, token: &str) -> Socket {
    let url = format!("ws://{}/api/v1/streaming?access_token={token}", instance.server.addr);
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    socket.send(Message::Text(json!({ "type": "subscribe", "stream": "direct" }).to_string().into())).await.unwrap();
    socket
}

/// The next event on `socket` within `wait`, as `(event, payload)`.
async fn next_event(socket: &mut Socket, wait: Duration) -> Option<(String, Value)> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next()).await.ok()??.ok()?;
        let Message::Text(text) = message else { continue };
        let frame: Value = serde_json::from_str(&text).unwrap();
        let Some(event) = frame["event"].as_str() else { continue };
        let payload = frame["payload"].as_str().map(|p| serde_json::from_str(p).unwrap_or(Value::String(p.to_string())));
        return Some((event.to_string(), payload.unwrap_or(Value::Null)));
    }
}

fn account_ids(conversation: &Value) -> Vec<String> {
    conversation["accounts"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn direct_statuses_make_conversations_for_their_participants_only() {
    for engine in ENGINES {
        let (instance, tokens, accounts) = people(engine, &["alice", "bob", "carol"]).await;
        let (alice, bob, carol) = (&tokens[0], &tokens[1], &tokens[2]);
        let (alice_id, bob_id) = (&accounts[0], &accounts[1]);
        // Bob follows alice: her private mentions reach him (Mastodon filters a
        // stranger's into a request; see notification_requests.rs).
        let (code, _) = post(&instance, bob, &format!("/api/v1/accounts/{alice_id}/follow"), json!({})).await;
        assert_eq!(code, 200);

        let mut bob_socket = direct_stream(&instance, bob).await;
        let mut carol_socket = direct_stream(&instance, carol).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let first = post_status(&instance, alice, json!({ "status": "@bob first secret", "visibility": "direct" })).await;

        // Bob's conversation: unread, with alice, the status as he sees it; streamed.
        let (event, streamed) = next_event(&mut bob_socket, Duration::from_secs(10)).await.expect("a conversation event for bob");
        assert_eq!(event, "conversation", "{engine:?}: {streamed}");
        assert_eq!(streamed["last_status"]["id"], json!(first), "{streamed}");
        assert_eq!(streamed["unread"], json!(true));
        let theirs = conversations(&instance, bob).await;
        assert_eq!(theirs.len(), 1, "{engine:?}: {theirs:?}");
        let bob_conversation = theirs[0]["id"].as_str().unwrap().to_string();
        assert_eq!(streamed["id"], json!(bob_conversation));
        assert_eq!((theirs[0]["unread"].clone(), account_ids(&theirs[0])), (json!(true), vec![alice_id.clone()]));
        assert_eq!(theirs[0]["last_status"]["id"], json!(first));
        // Alice's: read (she wrote it), with bob.
        let mine = conversations(&instance, alice).await;
        assert_eq!(mine.len(), 1, "{mine:?}");
        let alice_conversation = mine[0]["id"].as_str().unwrap().to_string();
        assert_ne!(alice_conversation, bob_conversation, "each participant has a conversation of their own");
        assert_eq!((mine[0]["unread"].clone(), account_ids(&mine[0])), (json!(false), vec![bob_id.clone()]));

        // Carol sees nothing: not in her list, not by id, not on her direct stream.
        assert!(conversations(&instance, carol).await.is_empty(), "{engine:?}");
        for id in [&bob_conversation, &alice_conversation] {
            assert_eq!(get(&instance, carol, &format!("/api/v1/conversations/{id}")).await.0, 404);
            assert_eq!(post(&instance, carol, &format!("/api/v1/conversations/{id}/read"), json!({})).await.0, 404);
            assert_eq!(delete(&instance, carol, &format!("/api/v1/conversations/{id}")).await.0, 404);
        }
        assert!(
            next_event(&mut carol_socket, Duration::from_millis(1500)).await.is_none(),
            "{engine:?}: carol's direct stream stays silent"
        );

        // Bob answers: one conversation each still, moved on; unread now for alice only.
        let answer =
            post_status(&instance, bob, json!({ "status": "@alice answer", "visibility": "direct", "in_reply_to_id": first })).await;
        let theirs = conversations(&instance, bob).await;
        assert_eq!(theirs.len(), 1);
        assert_eq!((theirs[0]["id"].clone(), theirs[0]["unread"].clone()), (json!(bob_conversation), json!(false)));
        assert_eq!(theirs[0]["last_status"]["id"], json!(answer));
        let mine = conversations(&instance, alice).await;
        assert_eq!((mine[0]["id"].clone(), mine[0]["unread"].clone()), (json!(alice_conversation), json!(true)));

        // Read marks it read for her.
        let (code, read) = post(&instance, alice, &format!("/api/v1/conversations/{alice_conversation}/read"), json!({})).await;
        assert_eq!((code, read["unread"].clone()), (200, json!(false)), "{read}");
        assert_eq!(conversations(&instance, alice).await[0]["unread"], json!(false));

        // Deleting the last status hands the conversation back to the one before.
        assert_eq!(delete(&instance, bob, &format!("/api/v1/statuses/{answer}")).await.0, 200);
        let mine = conversations(&instance, alice).await;
        assert_eq!(mine[0]["last_status"]["id"], json!(first), "{engine:?}: {mine:?}");

        // Paging: a second thread, newest first, one per page with Link.
        let second = post_status(&instance, alice, json!({ "status": "@bob another thread", "visibility": "direct" })).await;
        let (code, link, page) = get(&instance, alice, "/api/v1/conversations?limit=1").await;
        assert_eq!((code, page.as_array().unwrap().len()), (200, 1));
        assert_eq!(page[0]["last_status"]["id"], json!(second));
        let link = link.expect("a Link header");
        let next = link.split(", ").find(|p| p.ends_with("rel=\"next\"")).unwrap();
        let next = crate::support::http::path_of(next.trim_start_matches('<').split('>').next().unwrap());
        assert!(next.contains(&format!("max_id={second}")), "{link}");
        let (_, _, older) = get(&instance, alice, &next).await;
        assert_eq!(older.as_array().unwrap().len(), 1, "{older}");
        assert_eq!(older[0]["id"], json!(alice_conversation));

        // Delete: gone for bob only; alice keeps hers; the next message brings his back.
        assert_eq!(delete(&instance, bob, &format!("/api/v1/conversations/{bob_conversation}")).await.0, 200);
        let theirs = conversations(&instance, bob).await;
        assert!(theirs.iter().all(|c| c["id"] != json!(bob_conversation)), "{engine:?}: {theirs:?}");
        assert!(conversations(&instance, alice).await.iter().any(|c| c["id"] == json!(alice_conversation)));
        assert_eq!(delete(&instance, bob, &format!("/api/v1/conversations/{bob_conversation}")).await.0, 404);
        let again =
            post_status(&instance, alice, json!({ "status": "@bob still there?", "visibility": "direct", "in_reply_to_id": first })).await;
        let theirs = conversations(&instance, bob).await;
        let back = theirs.iter().find(|c| c["last_status"]["id"] == json!(again)).expect("the thread is back for bob");
        assert_eq!(back["unread"], json!(true));

        // Scopes: reading needs read:statuses, marking read write:conversations.
        instance.create_account("reader", "reader-password-1");
        let read_only = instance.token("reader", "reader-password-1", "read").await;
        assert_eq!(get(&instance, &read_only, "/api/v1/conversations").await.0, 200);
        assert_eq!(post(&instance, &read_only, &format!("/api/v1/conversations/{alice_conversation}/read"), json!({})).await.0, 403);
        let write_only = instance.token("alice", "alice-password-1", "write").await;
        assert_eq!(get(&instance, &write_only, "/api/v1/conversations").await.0, 403);
    }
}

/// Whether `token`'s account has a `kind` notification about `status`.
async fn notified(instance: &Instance, token: &str, kind: &str, status: &str) -> bool {
    let (_, _, list) = get(instance, token, "/api/v1/notifications?limit=40").await;
    list.as_array().unwrap().iter().any(|n| n["type"] == json!(kind) && n["status"]["id"] == json!(status))
}

#[tokio::test]
async fn a_muted_thread_notifies_nothing() {
    for engine in ENGINES {
        let (instance, tokens, accounts) = people(engine, &["alice", "bob"]).await;
        let (alice, bob) = (&tokens[0], &tokens[1]);
        let bob_id = &accounts[1];
        let (code, _) = post(&instance, alice, &format!("/api/v1/accounts/{bob_id}/follow"), json!({})).await;
        assert_eq!(code, 200);
        let thread = post_status(&instance, alice, json!({ "status": "a thread" })).await;

        let (code, muted) = post(&instance, alice, &format!("/api/v1/statuses/{thread}/mute"), json!({})).await;
        assert_eq!((code, muted["muted"].clone()), (200, json!(true)), "{engine:?}: {muted}");
        let (_, _, seen) = get(&instance, alice, &format!("/api/v1/statuses/{thread}")).await;
        assert_eq!(seen["muted"], json!(true));
        let (_, _, bobs_view) = get(&instance, bob, &format!("/api/v1/statuses/{thread}")).await;
        assert_eq!(bobs_view["muted"], json!(false), "the mute is alice's alone");

        // Replies mentioning her, a favourite, a reblog: nothing from the muted thread.
        let reply = post_status(&instance, bob, json!({ "status": "@alice a reply", "in_reply_to_id": thread })).await;
        let deeper = post_status(&instance, bob, json!({ "status": "@alice deeper", "in_reply_to_id": reply })).await;
        assert_eq!(post(&instance, bob, &format!("/api/v1/statuses/{thread}/favourite"), json!({})).await.0, 200);
        assert_eq!(post(&instance, bob, &format!("/api/v1/statuses/{thread}/reblog"), json!({})).await.0, 200);
        let (_, _, list) = get(&instance, alice, "/api/v1/notifications").await;
        assert!(
            list.as_array().unwrap().iter().all(|n| n["type"] == json!("follow") || n["status"].is_null()),
            "{engine:?}: nothing from the muted thread: {list}"
        );
        assert!(!notified(&instance, alice, "mention", &reply).await && !notified(&instance, alice, "mention", &deeper).await);
        // A status outside the thread still notifies.
        let elsewhere = post_status(&instance, bob, json!({ "status": "@alice elsewhere" })).await;
        assert!(notified(&instance, alice, "mention", &elsewhere).await, "{engine:?}");

        // Unmuted, the thread notifies again.
        let (code, unmuted) = post(&instance, alice, &format!("/api/v1/statuses/{thread}/unmute"), json!({})).await;
        assert_eq!((code, unmuted["muted"].clone()), (200, json!(false)), "{unmuted}");
        let later = post_status(&instance, bob, json!({ "status": "@alice after unmuting", "in_reply_to_id": thread })).await;
        assert!(notified(&instance, alice, "mention", &later).await, "{engine:?}");

        // Scope write:mutes; a status the viewer may not see is a 404.
        let private = post_status(&instance, bob, json!({ "status": "followers only", "visibility": "direct" })).await;
        instance.create_account("carol", "carol-password-1");
        let carol = instance.token("carol", "carol-password-1", "read write").await;
        assert_eq!(post(&instance, &carol, &format!("/api/v1/statuses/{private}/mute"), json!({})).await.0, 404);
        let read_only = instance.token("carol", "carol-password-1", "read").await;
        assert_eq!(post(&instance, &read_only, &format!("/api/v1/statuses/{thread}/mute"), json!({})).await.0, 403);
    }
}
