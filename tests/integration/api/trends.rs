//! Trends computed from real posts, on both engines: a hashtag trends once two
//! accounts used it publicly this week (with a week of daily history, today's counts
//! first), one account's tag does not, and a tag used only in private posts never
//! does, however many use it; statuses trend by favourites and boosts, public ones
//! only, hidden from a viewer who blocked their author; no link previews, no links.

use serde_json::{Value, json};

use crate::support::http::{get, post};
use crate::support::{ENGINES, Instance};

async fn status(instance: &Instance, token: &str, text: &str, visibility: &str) -> String {
    let (code, posted) = post(instance, token, "/api/v1/statuses", json!({ "status": text, "visibility": visibility })).await;
    assert_eq!(code, 200, "{posted}");
    posted["id"].as_str().unwrap().to_string()
}

fn names(tags: &Value) -> Vec<&str> {
    tags.as_array().unwrap_or_else(|| panic!("not an array: {tags}")).iter().map(|t| t["name"].as_str().unwrap()).collect()
}

fn ids(statuses: &Value) -> Vec<&str> {
    statuses.as_array().unwrap_or_else(|| panic!("not an array: {statuses}")).iter().map(|s| s["id"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn trends_come_from_public_activity_only() {
    for engine in ENGINES {
        let instance = Instance::start(engine).await;
        let mut tokens = Vec::new();
        for name in ["alice", "bob", "carol"] {
            let password = format!("{name}-password-1");
            instance.create_account(name, &password);
            tokens.push(instance.token(name, &password, "read write follow").await);
        }
        let (alice, bob, carol) = (&tokens[0], &tokens[1], &tokens[2]);

        let (code, empty) = get(&instance, "", "/api/v1/trends/tags").await;
        assert_eq!((code, empty), (200, json!([])), "{engine:?}: nothing yet");
        let (_, empty) = get(&instance, "", "/api/v1/trends/statuses").await;
        assert_eq!(empty, json!([]), "{engine:?}");

        let liked = status(&instance, alice, "Learning #Rust today", "public").await;
        status(&instance, bob, "More #rust today", "public").await;
        status(&instance, bob, "#rust again from bob", "unlisted").await;
        let hidden = status(&instance, carol, "Between us #secret", "private").await;
        status(&instance, bob, "Also #secret", "private").await;
        status(&instance, alice, "Just me #solo", "public").await;

        let (code, tags) = get(&instance, "", "/api/v1/trends/tags").await;
        assert_eq!(code, 200, "{engine:?}");
        assert_eq!(names(&tags), ["rust"], "{engine:?}: #solo has one account, #secret is private only: {tags}");
        let history = tags[0]["history"].as_array().unwrap();
        assert_eq!(history.len(), 7, "{engine:?}");
        assert_eq!((history[0]["uses"].as_str(), history[0]["accounts"].as_str()), (Some("2"), Some("2")), "{engine:?}: {tags}");
        assert!(history[1..].iter().all(|d| d["uses"] == "0"), "{engine:?}: {tags}");
        let today = history[0]["day"].as_str().unwrap().parse::<i64>().unwrap();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        assert_eq!(today, now - now % 86_400, "{engine:?}: days start at midnight UTC");
        assert_eq!(history[1]["day"].as_str().unwrap().parse::<i64>().unwrap(), today - 86_400, "{engine:?}");
        assert!(tags[0]["url"].as_str().unwrap().ends_with("/tags/rust"), "{engine:?}");
        let (_, alias) = get(&instance, alice, "/api/v1/trends").await;
        assert_eq!(names(&alias), ["rust"], "{engine:?}");
        assert_eq!(alias[0]["following"], false, "{engine:?}");
        let (_, limited) = get(&instance, "", "/api/v1/trends/tags?offset=1").await;
        assert_eq!(limited, json!([]), "{engine:?}");

        // Statuses: favourites and boosts, public only.
        post(&instance, bob, &format!("/api/v1/statuses/{liked}/favourite"), json!({})).await;
        post(&instance, carol, &format!("/api/v1/statuses/{liked}/reblog"), json!({})).await;
        let (code, _) = post(&instance, carol, &format!("/api/v1/statuses/{hidden}/favourite"), json!({})).await;
        assert_eq!(code, 200, "{engine:?}");
        let (_, trending) = get(&instance, "", "/api/v1/trends/statuses").await;
        assert_eq!(ids(&trending), [liked.as_str()], "{engine:?}: the private post never trends: {trending}");
        assert_eq!(trending[0]["favourites_count"], 1, "{engine:?}");
        let (_, as_bob) = get(&instance, bob, "/api/v1/trends/statuses").await;
        assert_eq!(ids(&as_bob), [liked.as_str()], "{engine:?}");
        let (_, me) = get(&instance, alice, "/api/v1/accounts/verify_credentials").await;
        let alice_id = me["id"].as_str().unwrap();
        post(&instance, bob, &format!("/api/v1/accounts/{alice_id}/block"), json!({})).await;
        let (_, as_bob) = get(&instance, bob, "/api/v1/trends/statuses").await;
        assert_eq!(as_bob, json!([]), "{engine:?}: a blocked author's status is not shown to the blocker");

        let (code, links) = get(&instance, "", "/api/v1/trends/links").await;
        assert_eq!((code, links), (200, json!([])), "{engine:?}");
    }
}
