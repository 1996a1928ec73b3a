//! What clients call as they start, on both engines: follow suggestions (friends of
//! friends, then active local accounts; never yourself, someone you follow or block,
//! an account that did not opt in to discovery, or one you dismissed), the profile
//! directory (discoverable only, ordered, paged, without accounts the viewer
//! blocked), preferences set through `update_credentials` and applied as posting
//! defaults, translation (503 for what you may see, 404 for what you may not),
//! identity proofs, the instance's texts from the config (404 when unset) and
//! languages, `/oauth/userinfo`, and a local trial's URLs carrying its port (and
//! following it to another port).

use serde_json::{Value, json};

use crate::support::http::{get, post, update_credentials};
use crate::support::{ENGINES, Engine, Instance, Launch, client, database_section, password_token, pg_for, write_config};

/// Starts an instance whose config begins with `instance_section`.
async fn start_with(engine: Engine, instance_section: &str) -> Instance {
    let dir = tempfile::tempdir().unwrap();
    let pg = pg_for(engine).await;
    let config =
        write_config(dir.path(), &format!("{instance_section}\n\n[server]\nscheme = \"http\"\n\n{}", database_section(pg.as_ref())));
    let launch = Launch::with_config(dir.path(), &config);
    let server = launch.serve().unwrap_or_else(|(code, err)| panic!("{engine:?}: exit {code:?}: {err}"));
    Instance { server, launch, engine, dir, pg }
}

fn usernames(accounts: &Value) -> Vec<&str> {
    accounts.as_array().unwrap_or_else(|| panic!("not an array: {accounts}")).iter().map(|a| a["username"].as_str().unwrap()).collect()
}

fn suggested(suggestions: &Value) -> Vec<&str> {
    let all = suggestions.as_array().unwrap_or_else(|| panic!("not an array: {suggestions}"));
    all.iter().map(|s| s["account"]["username"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn suggestions_directory_preferences_and_translation() {
    for engine in ENGINES {
        let instance = Instance::start(engine).await;
        let names = ["alice", "bob", "carol", "dave", "eve"];
        let (mut tokens, mut ids) = (Vec::new(), Vec::new());
        for name in names {
            let password = format!("{name}-password-1");
            instance.create_account(name, &password);
            let token = instance.token(name, &password, "read write follow").await;
            // Everyone but eve opts in to discovery.
            let discoverable = if name == "eve" { "false" } else { "true" };
            let (code, me) = update_credentials(&instance, &token, &[("discoverable", discoverable)]).await;
            assert_eq!(code, 200, "{engine:?}: {me}");
            ids.push(me["id"].as_str().unwrap().to_string());
            tokens.push(token);
        }
        let (alice, bob, carol) = (&tokens[0], &tokens[1], &tokens[2]);
        let follow = |token: &String, id: &String| {
            let (instance, token, id) = (&instance, token.clone(), id.clone());
            async move {
                let (code, body) = post(instance, &token, &format!("/api/v1/accounts/{id}/follow"), json!({})).await;
                assert_eq!(code, 200, "{body}");
            }
        };
        follow(alice, &ids[1]).await;
        follow(bob, &ids[2]).await;
        follow(bob, &ids[4]).await;

        // Suggestions: carol through bob, then dave; never alice, bob (followed) or eve.
        let (code, list) = get(&instance, alice, "/api/v2/suggestions").await;
        assert_eq!(code, 200, "{engine:?}: {list}");
        assert_eq!(suggested(&list), ["carol", "dave"], "{engine:?}: {list}");
        assert_eq!(list[0]["sources"], json!(["friends_of_friends"]), "{engine:?}");
        assert_eq!((list[0]["source"].as_str(), list[1]["source"].as_str()), (Some("past_interactions"), Some("global")), "{engine:?}");
        assert_eq!(list[1]["sources"], json!(["most_interactions"]), "{engine:?}");
        assert_eq!(list[0]["account"]["id"], ids[2].as_str(), "{engine:?}");
        post(&instance, alice, &format!("/api/v1/accounts/{}/block", ids[3]), json!({})).await;
        let (_, list) = get(&instance, alice, "/api/v2/suggestions").await;
        assert_eq!(suggested(&list), ["carol"], "{engine:?}: a blocked account is never suggested");
        let (_, for_dave) = get(&instance, &tokens[3], "/api/v2/suggestions").await;
        assert!(!suggested(&for_dave).contains(&"alice"), "{engine:?}: nor to the blocked account: {for_dave}");
        let (code, _) = crate::support::http::delete(&instance, alice, &format!("/api/v1/suggestions/{}", ids[2])).await;
        assert_eq!(code, 200, "{engine:?}");
        let (_, list) = get(&instance, alice, "/api/v2/suggestions").await;
        assert_eq!(list, json!([]), "{engine:?}: a dismissed suggestion stays away");
        let (code, _) = crate::support::http::delete(&instance, alice, "/api/v1/suggestions/424242").await;
        assert_eq!(code, 404, "{engine:?}");
        let (code, _) = get(&instance, "", "/api/v2/suggestions").await;
        assert_eq!(code, 401, "{engine:?}");

        // The directory: discoverable accounts only.
        post(&instance, carol, "/api/v1/statuses", json!({ "status": "carol was here" })).await;
        let (code, active) = get(&instance, "", "/api/v1/directory?local=true").await;
        assert_eq!(code, 200, "{engine:?}");
        assert_eq!(usernames(&active), ["carol", "dave", "bob", "alice"], "{engine:?}: the latest poster first, eve not listed");
        let (_, newest) = get(&instance, "", "/api/v1/directory?order=new").await;
        assert_eq!(usernames(&newest), ["dave", "carol", "bob", "alice"], "{engine:?}");
        let (_, page) = get(&instance, "", "/api/v1/directory?order=new&offset=1&limit=2").await;
        assert_eq!(usernames(&page), ["carol", "bob"], "{engine:?}");
        let (_, as_alice) = get(&instance, alice, "/api/v1/directory?order=new").await;
        assert_eq!(usernames(&as_alice), ["carol", "bob", "alice"], "{engine:?}: not the account alice blocked");

        // Preferences: set through update_credentials, used when posting.
        let (code, me) = update_credentials(
            &instance,
            alice,
            &[("source[privacy]", "unlisted"), ("source[sensitive]", "true"), ("source[language]", "de")],
        )
        .await;
        assert_eq!((code, me["source"]["privacy"].as_str()), (200, Some("unlisted")), "{engine:?}: {me}");
        let (_, prefs) = get(&instance, alice, "/api/v1/preferences").await;
        assert_eq!(prefs["posting:default:visibility"], "unlisted", "{engine:?}: {prefs}");
        assert_eq!(prefs["posting:default:sensitive"], true, "{engine:?}");
        assert_eq!(prefs["posting:default:language"], "de", "{engine:?}");
        let (_, posted) = post(&instance, alice, "/api/v1/statuses", json!({ "status": "defaults apply" })).await;
        assert_eq!(posted["visibility"], "unlisted", "{engine:?}: {posted}");
        assert_eq!((posted["sensitive"].clone(), posted["language"].clone()), (json!(true), json!("de")), "{engine:?}");
        let (_, explicit) = post(
            &instance,
            alice,
            "/api/v1/statuses",
            json!({ "status": "said so", "visibility": "public", "sensitive": false, "language": "fr" }),
        )
        .await;
        assert_eq!(explicit["visibility"], "public", "{engine:?}");
        assert_eq!((explicit["sensitive"].clone(), explicit["language"].clone()), (json!(false), json!("fr")), "{engine:?}");

        // Translation: none configured; a status the viewer may not see stays a 404.
        let public_id = explicit["id"].as_str().unwrap();
        let (code, body) = post(&instance, bob, &format!("/api/v1/statuses/{public_id}/translate"), json!({})).await;
        assert_eq!((code, body), (503, json!({ "error": "no translation service is configured on this instance" })), "{engine:?}");
        let (_, direct) = post(&instance, carol, "/api/v1/statuses", json!({ "status": "@alice just us", "visibility": "direct" })).await;
        let direct_id = direct["id"].as_str().unwrap();
        let (code, _) = post(&instance, bob, &format!("/api/v1/statuses/{direct_id}/translate"), json!({})).await;
        assert_eq!(code, 404, "{engine:?}: bob may not see carol's direct message");
        let (code, _) = post(&instance, alice, &format!("/api/v1/statuses/{direct_id}/translate"), json!({})).await;
        assert_eq!(code, 503, "{engine:?}: alice may");

        // Identity proofs: gone from Mastodon, `[]` for an account that exists.
        let (code, proofs) = get(&instance, alice, &format!("/api/v1/accounts/{}/identity_proofs", ids[1])).await;
        assert_eq!((code, proofs), (200, json!([])), "{engine:?}");
        let (code, _) = get(&instance, alice, "/api/v1/accounts/424242/identity_proofs").await;
        assert_eq!(code, 404, "{engine:?}");
    }
}

#[tokio::test]
async fn instance_texts_languages_and_userinfo() {
    for engine in ENGINES {
        let instance = start_with(
            engine,
            "[instance]\ndomain = \"social.test\"\nextended_description = \"About us.\\n\\nSee https://example.com/more\"\n\
             privacy_policy = \"We keep little.\"",
        )
        .await;
        let (code, about) = get(&instance, "", "/api/v1/instance/extended_description").await;
        assert_eq!(code, 200, "{engine:?}");
        let content = about["content"].as_str().unwrap();
        assert!(content.starts_with("<p>About us.</p><p>See <a href=\"https://example.com/more\""), "{engine:?}: {content}");
        assert!(about["updated_at"].as_str().unwrap().ends_with('Z'), "{engine:?}");
        let (code, policy) = get(&instance, "", "/api/v1/instance/privacy_policy").await;
        assert_eq!((code, policy["content"].as_str()), (200, Some("<p>We keep little.</p>")), "{engine:?}: {policy}");
        let (code, _) = get(&instance, "", "/api/v1/instance/terms_of_service").await;
        assert_eq!(code, 404, "{engine:?}: no terms were set");

        let (code, languages) = get(&instance, "", "/api/v1/instance/languages").await;
        assert_eq!(code, 200, "{engine:?}");
        let languages = languages.as_array().unwrap();
        assert!(languages.contains(&json!({ "code": "en", "name": "English" })), "{engine:?}");
        assert!(languages.contains(&json!({ "code": "de", "name": "German" })), "{engine:?}");
        assert!(languages.len() > 180, "{engine:?}");
        let (code, translation) = get(&instance, "", "/api/v1/instance/translation_languages").await;
        assert_eq!((code, translation), (200, json!({})), "{engine:?}");

        // /oauth/userinfo: the profile scope (or read) is enough; nothing else is.
        instance.create_account("alice", "alice-password-1");
        let profile = instance.token("alice", "alice-password-1", "profile").await;
        let (code, info) = get(&instance, &profile, "/oauth/userinfo").await;
        assert_eq!(code, 200, "{engine:?}: {info}");
        assert_eq!(info["preferred_username"], "alice", "{engine:?}");
        assert_eq!(info["name"], "alice", "{engine:?}: no display name: the username");
        assert_eq!(info["sub"], "http://social.test/users/alice", "{engine:?}");
        assert_eq!(info["profile"], "http://social.test/@alice", "{engine:?}");
        let (_, metadata) = get(&instance, "", "/.well-known/oauth-authorization-server").await;
        assert_eq!(info["iss"], metadata["issuer"], "{engine:?}: the issuer of the OAuth metadata");
        assert_eq!(metadata["userinfo_endpoint"], format!("{}oauth/userinfo", metadata["issuer"].as_str().unwrap()), "{engine:?}");
        assert!(info["picture"].as_str().unwrap().ends_with("/avatars/original/missing.png"), "{engine:?}: {info}");
        let read = instance.token("alice", "alice-password-1", "read").await;
        let (code, _) = get(&instance, &read, "/oauth/userinfo").await;
        assert_eq!(code, 200, "{engine:?}");
        let write = instance.token("alice", "alice-password-1", "write:statuses").await;
        let (code, _) = get(&instance, &write, "/oauth/userinfo").await;
        assert_eq!(code, 403, "{engine:?}");
        let response = client().get(instance.url("/oauth/userinfo")).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 401, "{engine:?}");
    }
}

/// `METHOD base+path` as the holder of `token`: the status and the JSON body.
async fn call(method: reqwest::Method, base: &str, token: &str, path: &str, body: Value) -> (u16, Value) {
    let mut request = client().request(method, format!("{base}{path}")).bearer_auth(token);
    if !body.is_null() {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_local_trial_links_to_its_port() {
    use reqwest::Method;
    for engine in ENGINES {
        // No domain: a local trial.
        let dir = tempfile::tempdir().unwrap();
        let pg = pg_for(engine).await;
        let config = write_config(dir.path(), &database_section(pg.as_ref()));
        let launch = Launch::with_config(dir.path(), &config);
        let server = launch.serve().unwrap_or_else(|(code, err)| panic!("{engine:?}: exit {code:?}: {err}"));
        let (port, base) = (server.addr.port(), server.url(""));
        let out = launch.run(&[
            "admin",
            "accounts",
            "create",
            "alice",
            "--email",
            "alice@trial.test",
            "--password",
            "alice-password-1",
            "--confirmed",
        ]);
        assert!(out.status.success(), "{engine:?}: {}", String::from_utf8_lossy(&out.stderr));
        let token = password_token(&base, "alice", "alice-password-1", "read write").await;
        let (_, me) = call(Method::GET, &base, &token, "/api/v1/accounts/verify_credentials", Value::Null).await;
        assert_eq!(me["url"], format!("http://localhost:{port}/@alice"), "{engine:?}: {me}");
        let (_, posted) = call(Method::POST, &base, &token, "/api/v1/statuses", json!({ "status": "hello" })).await;
        let id = posted["id"].as_str().unwrap().to_string();
        assert_eq!(posted["url"], format!("http://localhost:{port}/@alice/{id}"), "{engine:?}: {posted}");
        assert_eq!(posted["uri"], format!("http://localhost:{port}/users/alice/statuses/{id}"), "{engine:?}");
        let page = client().get(format!("http://localhost:{port}/@alice")).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 200, "{engine:?}: the profile link leads to the trial");

        // Started again on another port, the trial's links follow it.
        server.stop();
        let server = launch.serve().unwrap_or_else(|(code, err)| panic!("{engine:?}: exit {code:?}: {err}"));
        let (moved, base) = (server.addr.port(), server.url(""));
        let token = password_token(&base, "alice", "alice-password-1", "read write").await;
        let (_, me) = call(Method::GET, &base, &token, "/api/v1/accounts/verify_credentials", Value::Null).await;
        assert_eq!(me["url"], format!("http://localhost:{moved}/@alice"), "{engine:?}: {me}");
        let (_, status) = call(Method::GET, &base, &token, &format!("/api/v1/statuses/{id}"), Value::Null).await;
        assert_eq!(status["url"], format!("http://localhost:{moved}/@alice/{id}"), "{engine:?}: {status}");
        server.stop();
    }
}
