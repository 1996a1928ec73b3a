//! Endorsements and small account endpoints through the client API, on both
//! engines: pinning (endorsing) only followed accounts, `endorsed` in the
//! Relationship, `GET /api/v1/endorsements`, the endorsement gone with the follow;
//! several accounts at once (`GET /api/v1/accounts?id[]=`); a timed mute listed
//! with `mute_expires_at` that stops applying when it expires.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::http::{get, post};
use crate::support::{ENGINES, people};

fn ids(list: &Value) -> Vec<String> {
    list.as_array().unwrap_or_else(|| panic!("not an array: {list}")).iter().map(|v| v["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn endorsing_followed_accounts() {
    for engine in ENGINES {
        let (instance, tokens, accounts) = people(engine, &["alice", "bob", "carol"]).await;
        let alice = &tokens[0];
        let (bob_id, carol_id) = (&accounts[1], &accounts[2]);

        // Only followed accounts.
        let (status, body) = post(&instance, alice, &format!("/api/v1/accounts/{bob_id}/pin"), json!({})).await;
        assert_eq!(status, 422, "{engine:?}: {body}");
        assert!(body["error"].is_string());
        let (status, _) = post(&instance, alice, "/api/v1/accounts/999999/pin", json!({})).await;
        assert_eq!(status, 404);
        for id in [bob_id, carol_id] {
            let (status, _) = post(&instance, alice, &format!("/api/v1/accounts/{id}/follow"), json!({})).await;
            assert_eq!(status, 200);
        }
        for id in [bob_id, carol_id] {
            let (status, relationship) = post(&instance, alice, &format!("/api/v1/accounts/{id}/pin"), json!({})).await;
            assert_eq!(status, 200, "{relationship}");
            assert_eq!((relationship["endorsed"].clone(), relationship["following"].clone()), (json!(true), json!(true)));
        }
        let (_, relationships) = get(&instance, alice, &format!("/api/v1/accounts/relationships?id[]={bob_id}&id[]={carol_id}")).await;
        assert!(relationships.as_array().unwrap().iter().all(|r| r["endorsed"] == true), "{relationships}");
        let (status, endorsed) = get(&instance, alice, "/api/v1/endorsements").await;
        assert_eq!(status, 200);
        assert_eq!(ids(&endorsed), vec![carol_id.clone(), bob_id.clone()]);
        // Bob endorses nobody; alice's endorsements are hers.
        let (_, none) = get(&instance, &tokens[1], "/api/v1/endorsements").await;
        assert_eq!(none, json!([]));

        let (status, relationship) = post(&instance, alice, &format!("/api/v1/accounts/{carol_id}/unpin"), json!({})).await;
        assert_eq!((status, relationship["endorsed"].clone()), (200, json!(false)));
        // Unfollowing ends the endorsement.
        let (status, _) = post(&instance, alice, &format!("/api/v1/accounts/{bob_id}/unfollow"), json!({})).await;
        assert_eq!(status, 200);
        let (_, endorsed) = get(&instance, alice, "/api/v1/endorsements").await;
        assert_eq!(endorsed, json!([]));

        // A read-only token cannot endorse.
        let reader = instance.token("alice", "alice-password-1", "read").await;
        let (status, _) = post(&instance, &reader, &format!("/api/v1/accounts/{carol_id}/pin"), json!({})).await;
        assert_eq!(status, 403);
    }
}

#[tokio::test]
async fn several_accounts_at_once() {
    for engine in ENGINES {
        let (instance, tokens, accounts) = people(engine, &["alice", "bob", "carol"]).await;
        let path = format!("/api/v1/accounts?id[]={}&id[]=424242&id[]={}&id[]={}", accounts[2], accounts[0], accounts[2]);
        let (status, body) = get(&instance, &tokens[1], &path).await;
        assert_eq!(status, 200, "{engine:?}: {body}");
        assert_eq!(ids(&body), vec![accounts[2].clone(), accounts[0].clone()]);
        assert_eq!(body[0]["username"], "carol");
        let (_, none) = get(&instance, &tokens[1], "/api/v1/accounts").await;
        assert_eq!(none, json!([]));
        let too_many: Vec<String> = (1..=41).map(|i| format!("id[]={i}")).collect();
        let (status, _) = get(&instance, &tokens[1], &format!("/api/v1/accounts?{}", too_many.join("&"))).await;
        assert_eq!(status, 422);
    }
}

#[tokio::test]
async fn a_timed_mute_expires() {
    for engine in ENGINES {
        let (instance, tokens, accounts) = people(engine, &["alice", "bob", "carol"]).await;
        let alice = &tokens[0];
        let (bob_id, carol_id) = (&accounts[1], &accounts[2]);
        let (status, _) = post(&instance, alice, &format!("/api/v1/accounts/{bob_id}/follow"), json!({})).await;
        assert_eq!(status, 200);
        let posted = {
            let (status, posted) = post(&instance, &tokens[1], "/api/v1/statuses", json!({ "status": "hi" })).await;
            assert_eq!(status, 200);
            posted["id"].as_str().unwrap().to_string()
        };

        let (status, relationship) = post(&instance, alice, &format!("/api/v1/accounts/{bob_id}/mute"), json!({ "duration": 1 })).await;
        assert_eq!((status, relationship["muting"].clone()), (200, json!(true)), "{engine:?}: {relationship}");
        let (status, _) = post(&instance, alice, &format!("/api/v1/accounts/{carol_id}/mute"), json!({})).await;
        assert_eq!(status, 200);
        let (_, mutes) = get(&instance, alice, "/api/v1/mutes").await;
        assert_eq!(ids(&mutes), vec![carol_id.clone(), bob_id.clone()]);
        assert!(mutes[0]["mute_expires_at"].is_null(), "{mutes}");
        assert!(mutes[1]["mute_expires_at"].is_string(), "{mutes}");
        let (_, home) = get(&instance, alice, "/api/v1/timelines/home").await;
        assert!(!ids(&home).contains(&posted), "muted: {home}");

        tokio::time::sleep(Duration::from_millis(1_300)).await;
        let (_, mutes) = get(&instance, alice, "/api/v1/mutes").await;
        assert_eq!(ids(&mutes), vec![carol_id.clone()]);
        let (_, relationships) = get(&instance, alice, &format!("/api/v1/accounts/relationships?id[]={bob_id}")).await;
        assert_eq!(relationships[0]["muting"], false);
        let (_, home) = get(&instance, alice, "/api/v1/timelines/home").await;
        assert!(ids(&home).contains(&posted), "expired: {home}");
    }
}
