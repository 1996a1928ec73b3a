//! Moderation policies (`hook = "policy"`) between two instances, on both engines:
//! the shipped keyword filter rejects and marks sensitive, the shipped domain policy
//! unlists a whole server, and a policy that cannot even start is skipped without
//! stopping federation.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{Engine, Instance, client, free_port};

const POLICIES: &str = r#"
[[components]]
id = "broken-policy"
source = "builtin:keyword-filter"
hook = "policy"
# Far too little memory to start: the policy fails on every call and is skipped.
limits = { memory_mb = 1 }

[[components]]
id = "keywords"
source = "builtin:keyword-filter"
hook = "policy"
config = { reject = "casino", sensitive = "spoiler" }

[[components]]
id = "domains"
source = "builtin:domain-policy"
hook = "policy"
config = { federated_timeline_removal = "b.test" }
"#;

async fn get(instance: &Instance, token: &str, path: &str) -> Value {
    client().get(instance.url(path)).bearer_auth(token).send().await.unwrap().json().await.unwrap_or(Value::Null)
}

async fn post(instance: &Instance, token: &str, path: &str, body: Value) -> Value {
    let response = client().post(instance.url(path)).bearer_auth(token).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 200, "POST {path}");
    response.json().await.unwrap()
}

async fn home_status(a: &Instance, token: &str, needle: &str) -> Option<Value> {
    let home = get(a, token, "/api/v1/timelines/home?limit=40").await;
    home.as_array()?.iter().find(|s| s["content"].as_str().is_some_and(|c| c.contains(needle))).cloned()
}

async fn wait_for(a: &Instance, token: &str, needle: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = home_status(a, token, needle).await {
            return status;
        }
        assert!(Instant::now() < deadline, "{needle:?} never reached a");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn policies_reject_mark_and_unlist_incoming_posts() {
    for (engine_a, engine_b) in [(Engine::Sqlite, Engine::Postgres), (Engine::Postgres, Engine::Sqlite)] {
        let (port_a, port_b) = (free_port(), free_port());
        let a = Instance::start_federated_with(engine_a, "a.test", port_a, &[("b.test", port_b)], POLICIES).await;
        let b = Instance::start_federated(engine_b, "b.test", port_b, &[("a.test", port_a)]).await;
        a.create_account("alice", "alice-password-1");
        b.create_account("bob", "bob-password-1");
        let alice = a.token("alice", "alice-password-1", "read write follow").await;
        let bob = b.token("bob", "bob-password-1", "read write follow").await;
        let at = format!("{engine_a:?}→{engine_b:?}");

        let found = get(&a, &alice, "/api/v2/search?q=bob%40b.test&resolve=true&type=accounts").await;
        let bob_id = found["accounts"][0]["id"].as_str().unwrap_or_else(|| panic!("{at}: {found}")).to_string();
        post(&a, &alice, &format!("/api/v1/accounts/{bob_id}/follow"), json!({})).await;
        let deadline = Instant::now() + Duration::from_secs(20);
        while get(&a, &alice, &format!("/api/v1/accounts/relationships?id[]={bob_id}")).await[0]["following"] != true {
            assert!(Instant::now() < deadline, "{at}: the follow was never accepted");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        post(&b, &bob, "/api/v1/statuses", json!({"status": "come to the casino tonight"})).await;
        post(&b, &bob, "/api/v1/statuses", json!({"status": "a spoiler about the film"})).await;
        post(&b, &bob, "/api/v1/statuses", json!({"status": "an ordinary public post", "visibility": "public"})).await;

        // Deliveries run in order of arrival per inbox, but wait for the last one anyway.
        let ordinary = wait_for(&a, &alice, "an ordinary public post").await;
        let spoiler = wait_for(&a, &alice, "a spoiler about the film").await;
        assert_eq!(spoiler["sensitive"], true, "{at}: the keyword filter marks it sensitive");
        assert_eq!(ordinary["visibility"], "unlisted", "{at}: the domain policy unlists b.test's public posts");
        let public = get(&a, &alice, "/api/v1/timelines/public").await;
        assert!(!public.to_string().contains("an ordinary public post"), "{at}: unlisted posts stay off the federated timeline");
        // Give the rejected one every chance to arrive, then check it did not.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(home_status(&a, &alice, "casino").await.is_none(), "{at}: the keyword filter rejected it");
        assert!(a.server.stderr_shows("policy"), "{at}: the broken policy is logged");
        assert!(a.server.stderr_shows("skipped"), "{at}: the broken policy is skipped, not fatal:\n{}", a.server.stderr.lock().unwrap());
    }
}
