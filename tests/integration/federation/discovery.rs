//! Discovery and documents other servers fetch, on both engines: WebFinger (acct: and
//! actor URLs), host-meta, the actor with its public key, the instance actor, content
//! negotiation (browsers are sent to the HTML page), and a public status as a Note.

use serde_json::Value;

use crate::support::{ENGINES, Instance, client, client_no_redirects};

async fn ap_get(instance: &Instance, path: &str) -> (u16, String, Value) {
    let response = client().get(instance.url(path)).header("accept", "application/activity+json").send().await.unwrap();
    let status = response.status().as_u16();
    let kind = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, kind, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn other_servers_can_discover_accounts_and_read_public_posts() {
    for engine in ENGINES {
        let instance = Instance::start(engine).await;
        instance.create_account("alice", "alice-password-1");

        let finger = client().get(instance.url("/.well-known/webfinger?resource=acct:alice@social.test")).send().await.unwrap();
        assert_eq!(finger.status(), 200);
        assert!(finger.headers()["content-type"].to_str().unwrap().starts_with("application/jrd+json"));
        let finger: Value = finger.json().await.unwrap();
        assert_eq!(finger["subject"], "acct:alice@social.test");
        let self_link = finger["links"].as_array().unwrap().iter().find(|l| l["rel"] == "self").unwrap();
        assert_eq!(self_link["type"], "application/activity+json");
        let actor_url = self_link["href"].as_str().unwrap().to_string();
        assert_eq!(actor_url, "http://social.test/users/alice");
        let by_url = client().get(instance.url("/.well-known/webfinger?resource=http://social.test/users/alice")).send().await.unwrap();
        assert_eq!(by_url.status(), 200, "{engine:?}: an actor URL is a resource too");
        assert_eq!(
            client().get(instance.url("/.well-known/webfinger?resource=acct:nobody@social.test")).send().await.unwrap().status(),
            404
        );
        assert_eq!(client().get(instance.url("/.well-known/webfinger")).send().await.unwrap().status(), 400);

        let (status, kind, actor) = ap_get(&instance, "/users/alice").await;
        assert_eq!(status, 200);
        assert!(kind.starts_with("application/activity+json"), "{kind}");
        assert_eq!((actor["type"].as_str(), actor["preferredUsername"].as_str()), (Some("Person"), Some("alice")));
        assert_eq!(actor["inbox"], "http://social.test/users/alice/inbox");
        assert_eq!(actor["endpoints"]["sharedInbox"], "http://social.test/inbox");
        assert!(actor["publicKey"]["publicKeyPem"].as_str().unwrap().contains("BEGIN PUBLIC KEY"));
        assert_eq!(actor["publicKey"]["id"], "http://social.test/users/alice#main-key");

        // A browser asking for the actor goes to the profile page.
        let browser = client_no_redirects().get(instance.url("/users/alice")).header("accept", "text/html").send().await.unwrap();
        assert_eq!(browser.status(), 302);
        assert!(browser.headers()["location"].to_str().unwrap().ends_with("/@alice"));
        let page = client().get(instance.url("/@alice")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("og:title"));

        // Accounts without pictures point at these.
        let avatar = client().get(instance.url("/avatars/original/missing.png")).send().await.unwrap();
        assert_eq!((avatar.status().as_u16(), avatar.headers()["content-type"].to_str().unwrap()), (200, "image/png"));

        let (status, _, instance_actor) = ap_get(&instance, "/actor").await;
        assert_eq!((status, instance_actor["type"].as_str()), (200, Some("Application")));
        assert!(instance_actor["publicKey"]["publicKeyPem"].as_str().unwrap().contains("BEGIN PUBLIC KEY"));

        let host_meta = client().get(instance.url("/.well-known/host-meta")).send().await.unwrap();
        assert_eq!(host_meta.status(), 200);
        assert!(host_meta.text().await.unwrap().contains("/.well-known/webfinger?resource={uri}"));

        // A public status, posted through the API, read as a Note.
        let token = instance.token("alice", "alice-password-1", "read write").await;
        let status: Value = client()
            .post(instance.url("/api/v1/statuses"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "status": "hello #fediverse", "visibility": "public" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let path = status["uri"].as_str().unwrap().strip_prefix("http://social.test").unwrap().to_string();
        let (code, _, note) = ap_get(&instance, &path).await;
        assert_eq!(code, 200, "{engine:?}: {path}");
        assert_eq!(note["type"], "Note");
        assert_eq!(note["attributedTo"], actor_url);
        assert!(note["to"].as_array().unwrap().iter().any(|t| t == "https://www.w3.org/ns/activitystreams#Public"));
        assert!(note["content"].as_str().unwrap().contains("fediverse"));
        assert!(note["tag"].as_array().unwrap().iter().any(|t| t["type"] == "Hashtag"));
        let (code, _, outbox) = ap_get(&instance, "/users/alice/outbox?page=true").await;
        assert_eq!(code, 200);
        assert_eq!(outbox["orderedItems"][0]["type"], "Create");
    }
}
