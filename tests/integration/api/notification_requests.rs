//! Mastodon 4.3's notification policy and requests, and the v2 notification group
//! endpoints, on both engines: the policy's defaults and updates (v2 words, v1
//! booleans, a bad word is a 422); `filter` turns a stranger's mentions into a
//! request (kept out of the list and the unread count, shown with
//! `include_filtered`), accepting it brings them into the list and lets later ones
//! through, dismissing drops them, `drop` stores nothing; a private mention from a
//! stranger is filtered by default and joins the recipient's conversations only on
//! accept; another user's request is a 404; one notification group by its key, its
//! accounts, dismissing it, and the v2 unread count.

use serde_json::{Value, json};

use crate::support::{ENGINES, Instance, client, people};

async fn read(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn get(instance: &Instance, token: &str, path: &str) -> (u16, Value) {
    read(client().get(instance.url(path)).bearer_auth(token).send().await.unwrap()).await
}

async fn send(instance: &Instance, method: reqwest::Method, token: &str, path: &str, body: Value) -> (u16, Value) {
    read(client().request(method, instance.url(path)).bearer_auth(token).json(&body).send().await.unwrap()).await
}

async fn post(instance: &Instance, token: &str, path: &str, body: Value) -> (u16, Value) {
    send(instance, reqwest::Method::POST, token, path, body).await
}

async fn post_status(instance: &Instance, token: &str, body: Value) -> String {
    let (code, posted) = post(instance, token, "/api/v1/statuses", body).await;
    assert_eq!(code, 200, "{posted}");
    posted["id"].as_str().unwrap().to_string()
}

/// The status ids of `token`'s mention notifications (`query` appended).
async fn mentions(instance: &Instance, token: &str, query: &str) -> Vec<String> {
    let (code, list) = get(instance, token, &format!("/api/v1/notifications?types[]=mention&limit=40{query}")).await;
    assert_eq!(code, 200, "{list}");
    list.as_array().unwrap().iter().map(|n| n["status"]["id"].as_str().unwrap().to_string()).collect()
}

async fn requests(instance: &Instance, token: &str) -> Vec<Value> {
    let (code, list) = get(instance, token, "/api/v1/notifications/requests").await;
    assert_eq!(code, 200, "{list}");
    list.as_array().unwrap().clone()
}

#[tokio::test]
async fn the_policy_turns_strangers_into_requests_to_accept_or_dismiss() {
    for engine in ENGINES {
        let (instance, tokens, accounts) = people(engine, &["alice", "bob", "carol", "dave", "erin"]).await;
        let (alice, bob, carol, dave, erin) = (&tokens[0], &tokens[1], &tokens[2], &tokens[3], &tokens[4]);
        let (bob_id, erin_id) = (&accounts[1], &accounts[4]);

        // Mastodon's defaults, in both versions.
        let (code, policy) = get(&instance, alice, "/api/v2/notifications/policy").await;
        assert_eq!(code, 200, "{policy}");
        assert_eq!(
            policy,
            json!({ "for_not_following": "accept", "for_not_followers": "accept", "for_new_accounts": "accept",
                    "for_private_mentions": "filter", "for_limited_accounts": "filter",
                    "summary": { "pending_requests_count": 0, "pending_notifications_count": 0 } }),
            "{engine:?}"
        );
        let (_, v1) = get(&instance, alice, "/api/v1/notifications/policy").await;
        assert_eq!((v1["filter_not_following"].clone(), v1["filter_private_mentions"].clone()), (json!(false), json!(true)), "{v1}");

        // Alice filters accounts she does not follow; she follows erin.
        let (code, policy) =
            send(&instance, reqwest::Method::PATCH, alice, "/api/v2/notifications/policy", json!({ "for_not_following": "filter" })).await;
        assert_eq!((code, policy["for_not_following"].clone()), (200, json!("filter")), "{policy}");
        assert_eq!(policy["for_private_mentions"], json!("filter"), "a rule not given stays");
        let (code, refused) =
            send(&instance, reqwest::Method::PATCH, alice, "/api/v2/notifications/policy", json!({ "for_not_following": "maybe" })).await;
        assert_eq!(code, 422, "{refused}");
        let (_, v1) = get(&instance, alice, "/api/v1/notifications/policy").await;
        assert_eq!(v1["filter_not_following"], json!(true), "{v1}");
        assert_eq!(post(&instance, alice, &format!("/api/v1/accounts/{erin_id}/follow"), json!({})).await.0, 200);

        // A followed account's mention is delivered; a stranger's waits in a request.
        let from_erin = post_status(&instance, erin, json!({ "status": "@alice from a friend" })).await;
        let first = post_status(&instance, bob, json!({ "status": "@alice hello" })).await;
        let second = post_status(&instance, bob, json!({ "status": "@alice hello again" })).await;
        assert_eq!(mentions(&instance, alice, "").await, vec![from_erin.clone()], "{engine:?}");
        let (_, count) = get(&instance, alice, "/api/v1/notifications/unread_count").await;
        assert_eq!(count["count"], json!(1), "filtered ones are not unread: {count}");
        let with_filtered = mentions(&instance, alice, "&include_filtered=true").await;
        assert!(with_filtered.contains(&first) && with_filtered.contains(&second), "{with_filtered:?}");
        let pending = requests(&instance, alice).await;
        assert_eq!(pending.len(), 1, "{engine:?}: one request per sender: {pending:?}");
        let request = &pending[0];
        assert_eq!(request["account"]["id"], json!(bob_id));
        assert_eq!(request["notifications_count"], json!("2"));
        assert_eq!(request["last_status"]["id"], json!(second));
        let request_id = request["id"].as_str().unwrap().to_string();
        let (code, one) = get(&instance, alice, &format!("/api/v1/notifications/requests/{request_id}")).await;
        assert_eq!((code, one["id"].clone()), (200, json!(request_id)));
        let (_, policy) = get(&instance, alice, "/api/v2/notifications/policy").await;
        assert_eq!(policy["summary"], json!({ "pending_requests_count": 1, "pending_notifications_count": 2 }));

        // Someone else's request is a 404 to them.
        for path in [format!("/api/v1/notifications/requests/{request_id}")] {
            assert_eq!(get(&instance, carol, &path).await.0, 404);
        }
        assert_eq!(post(&instance, carol, &format!("/api/v1/notifications/requests/{request_id}/accept"), json!({})).await.0, 404);
        assert_eq!(post(&instance, carol, &format!("/api/v1/notifications/requests/{request_id}/dismiss"), json!({})).await.0, 404);
        assert_eq!(requests(&instance, alice).await.len(), 1, "untouched by carol");

        // Accept: both mentions join the list; bob's next one is delivered directly.
        let (code, _) = post(&instance, alice, &format!("/api/v1/notifications/requests/{request_id}/accept"), json!({})).await;
        assert_eq!(code, 200);
        let listed = mentions(&instance, alice, "").await;
        assert!(listed.contains(&first) && listed.contains(&second), "{engine:?}: {listed:?}");
        assert!(requests(&instance, alice).await.is_empty());
        let (_, merged) = get(&instance, alice, "/api/v1/notifications/requests/merged").await;
        assert_eq!(merged, json!({ "merged": true }));
        let third = post_status(&instance, bob, json!({ "status": "@alice accepted now" })).await;
        assert!(mentions(&instance, alice, "").await.contains(&third));
        assert!(requests(&instance, alice).await.is_empty(), "{engine:?}: an accepted sender makes no request");

        // Dismiss: carol's mention goes for good.
        let from_carol = post_status(&instance, carol, json!({ "status": "@alice buy now" })).await;
        let pending = requests(&instance, alice).await;
        assert_eq!(pending.len(), 1);
        let carol_request = pending[0]["id"].as_str().unwrap().to_string();
        assert_eq!(post(&instance, alice, &format!("/api/v1/notifications/requests/{carol_request}/dismiss"), json!({})).await.0, 200);
        assert!(requests(&instance, alice).await.is_empty());
        assert!(!mentions(&instance, alice, "&include_filtered=true").await.contains(&from_carol), "{engine:?}");
        assert_eq!(get(&instance, alice, &format!("/api/v1/notifications/requests/{carol_request}")).await.0, 404);

        // Batch: two requests dismissed and accepted by id[].
        let spam = post_status(&instance, carol, json!({ "status": "@alice more spam" })).await;
        let hello = post_status(&instance, dave, json!({ "status": "@alice hi, I am dave" })).await;
        let pending = requests(&instance, alice).await;
        assert_eq!(pending.len(), 2, "{pending:?}");
        let id_of = |account: &str| -> String {
            pending.iter().find(|r| r["account"]["username"] == json!(account)).unwrap()["id"].as_str().unwrap().to_string()
        };
        let (carol_request, dave_request) = (id_of("carol"), id_of("dave"));
        let form = [("id[]", carol_request.as_str())];
        let response =
            client().post(instance.url("/api/v1/notifications/requests/dismiss")).bearer_auth(alice).form(&form).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let response = client()
            .post(instance.url(&format!("/api/v1/notifications/requests/accept?id[]={dave_request}")))
            .bearer_auth(alice)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(requests(&instance, alice).await.is_empty());
        let listed = mentions(&instance, alice, "&include_filtered=true").await;
        assert!(listed.contains(&hello) && !listed.contains(&spam), "{engine:?}: {listed:?}");

        // Drop: nothing is stored at all.
        let (code, _) =
            send(&instance, reqwest::Method::PATCH, alice, "/api/v2/notifications/policy", json!({ "for_not_following": "drop" })).await;
        assert_eq!(code, 200);
        let dropped = post_status(&instance, carol, json!({ "status": "@alice into the void" })).await;
        assert!(!mentions(&instance, alice, "&include_filtered=true").await.contains(&dropped));
        assert!(requests(&instance, alice).await.is_empty());

        // v1 update: booleans (true filters, false accepts).
        let (code, v1) =
            send(&instance, reqwest::Method::PUT, alice, "/api/v1/notifications/policy", json!({ "filter_not_following": false })).await;
        assert_eq!((code, v1["filter_not_following"].clone()), (200, json!(false)), "{v1}");
        let (_, v2) = get(&instance, alice, "/api/v2/notifications/policy").await;
        assert_eq!(v2["for_not_following"], json!("accept"));

        // Scopes.
        let read_only = instance.token("alice", "alice-password-1", "read").await;
        assert_eq!(send(&instance, reqwest::Method::PATCH, &read_only, "/api/v2/notifications/policy", json!({})).await.0, 403);
    }
}

#[tokio::test]
async fn a_strangers_private_mention_waits_with_its_conversation() {
    for engine in ENGINES {
        let (instance, tokens, _) = people(engine, &["alice", "bob"]).await;
        let (alice, bob) = (&tokens[0], &tokens[1]);
        // By default a private mention from an account alice does not follow is filtered:
        // no notification, no conversation on her side (bob still has his).
        let secret = post_status(&instance, bob, json!({ "status": "@alice psst", "visibility": "direct" })).await;
        assert!(mentions(&instance, alice, "").await.is_empty(), "{engine:?}");
        let (_, mine) = get(&instance, alice, "/api/v1/conversations").await;
        assert_eq!(mine, json!([]), "{engine:?}");
        let (_, theirs) = get(&instance, bob, "/api/v1/conversations").await;
        assert_eq!(theirs.as_array().unwrap().len(), 1, "{theirs}");
        let pending = requests(&instance, alice).await;
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0]["last_status"]["id"], json!(secret), "{pending:?}");
        // Accepted: the mention and the conversation (unread) are hers.
        let id = pending[0]["id"].as_str().unwrap();
        assert_eq!(post(&instance, alice, &format!("/api/v1/notifications/requests/{id}/accept"), json!({})).await.0, 200);
        assert_eq!(mentions(&instance, alice, "").await, vec![secret.clone()], "{engine:?}");
        let (_, mine) = get(&instance, alice, "/api/v1/conversations").await;
        assert_eq!(mine.as_array().unwrap().len(), 1, "{engine:?}: {mine}");
        assert_eq!((mine[0]["unread"].clone(), mine[0]["last_status"]["id"].clone()), (json!(true), json!(secret)));
        // Her answer in the thread is no stranger's private mention for bob either way,
        // and bob's reply to it reaches her directly (she accepted him).
        let reply =
            post_status(&instance, bob, json!({ "status": "@alice again", "visibility": "direct", "in_reply_to_id": secret })).await;
        assert!(mentions(&instance, alice, "").await.contains(&reply));
    }
}

#[tokio::test]
async fn one_notification_group_by_its_key() {
    for engine in ENGINES {
        let (instance, tokens, accounts) = people(engine, &["alice", "bob", "carol"]).await;
        let (alice, bob, carol) = (&tokens[0], &tokens[1], &tokens[2]);
        let post_id = post_status(&instance, alice, json!({ "status": "like this" })).await;
        for token in [bob, carol] {
            assert_eq!(post(&instance, token, &format!("/api/v1/statuses/{post_id}/favourite"), json!({})).await.0, 200);
        }
        let mentioned = post_status(&instance, bob, json!({ "status": "@alice a mention" })).await;

        let (code, unread) = get(&instance, alice, "/api/v2/notifications/unread_count").await;
        assert_eq!((code, unread["count"].clone()), (200, json!(2)), "{engine:?}: a favourite group and a mention: {unread}");
        let (_, grouped) = get(&instance, alice, "/api/v2/notifications").await;
        let groups = grouped["notification_groups"].as_array().unwrap();
        let favourites = groups.iter().find(|g| g["type"] == json!("favourite")).expect("a favourite group");
        let key = favourites["group_key"].as_str().unwrap().to_string();
        let mention_key = groups.iter().find(|g| g["type"] == json!("mention")).unwrap()["group_key"].as_str().unwrap().to_string();
        assert!(mention_key.starts_with("ungrouped-"), "{mention_key}");

        let (code, one) = get(&instance, alice, &format!("/api/v2/notifications/{key}")).await;
        assert_eq!(code, 200, "{one}");
        let group = &one["notification_groups"][0];
        assert_eq!((group["group_key"].clone(), group["notifications_count"].clone()), (json!(key), json!(2)), "{one}");
        assert_eq!(one["statuses"][0]["id"], json!(post_id));
        let mut samples: Vec<String> =
            group["sample_account_ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
        samples.sort();
        let mut expected = vec![accounts[1].clone(), accounts[2].clone()];
        expected.sort();
        assert_eq!(samples, expected);
        let (code, people_in_it) = get(&instance, alice, &format!("/api/v2/notifications/{key}/accounts")).await;
        assert_eq!(code, 200);
        assert_eq!(people_in_it.as_array().unwrap().len(), 2, "{people_in_it}");
        let (code, single) = get(&instance, alice, &format!("/api/v2/notifications/{mention_key}")).await;
        assert_eq!((code, single["statuses"][0]["id"].clone()), (200, json!(mentioned)));

        // Another user's key is a 404 to them; a key that names nothing is a 404.
        assert_eq!(get(&instance, bob, &format!("/api/v2/notifications/{key}")).await.0, 404);
        assert_eq!(get(&instance, alice, "/api/v2/notifications/ungrouped-1").await.0, 404);

        // Dismissing the group removes both favourites.
        assert_eq!(post(&instance, alice, &format!("/api/v2/notifications/{key}/dismiss"), json!({})).await.0, 200);
        assert_eq!(get(&instance, alice, &format!("/api/v2/notifications/{key}")).await.0, 404);
        let (_, unread) = get(&instance, alice, "/api/v2/notifications/unread_count").await;
        assert_eq!(unread["count"], json!(1), "{engine:?}");
    }
}
