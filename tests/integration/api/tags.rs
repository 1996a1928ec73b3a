//! Hashtags through the client API, on both engines: a Tag with its history and
//! `following`; following a hashtag brings public statuses with it into the home
//! timeline, never a followers-only one from someone the viewer does not follow;
//! followed tags paged with `Link`; featured hashtags (create, refuse, list, an
//! account's, suggestions, delete) and the actor's `featuredTags` collection over
//! ActivityPub; the link timeline.

use serde_json::{Value, json};

use crate::support::http::{delete, get, get_ap, post};
use crate::support::{ENGINES, Instance, client, people};

async fn post_status(instance: &Instance, token: &str, status: &str, visibility: &str) -> String {
    let (code, posted) = post(instance, token, "/api/v1/statuses", json!({ "status": status, "visibility": visibility })).await;
    assert_eq!(code, 200, "{posted}");
    posted["id"].as_str().unwrap().to_string()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array().unwrap_or_else(|| panic!("not an array: {list}")).iter().map(|v| v["id"].as_str().unwrap().to_string()).collect()
}

async fn home(instance: &Instance, token: &str) -> Vec<String> {
    let (status, body) = get(instance, token, "/api/v1/timelines/home?limit=40").await;
    assert_eq!(status, 200, "{body}");
    ids(&body)
}

#[tokio::test]
async fn a_followed_hashtag_brings_public_statuses_home_and_nothing_private() {
    for engine in ENGINES {
        let (instance, tokens, _) = people(engine, &["alice", "bob", "carol"]).await;
        let (alice, bob, carol) = (&tokens[0], &tokens[1], &tokens[2]);

        // An unknown but valid tag answers with an empty history; an invalid one is a 404.
        let (status, tag) = get(&instance, alice, "/api/v1/tags/Rustlang").await;
        assert_eq!(status, 200, "{engine:?}: {tag}");
        assert_eq!((tag["name"].clone(), tag["following"].clone()), (json!("Rustlang"), json!(false)));
        assert_eq!(tag["history"].as_array().unwrap().len(), 7, "{tag}");
        assert!(tag["history"].as_array().unwrap().iter().all(|d| d["uses"] == "0" && d["accounts"] == "0"), "{tag}");
        let (status, _) = get(&instance, alice, "/api/v1/tags/123").await;
        assert_eq!(status, 404);

        let before = post_status(&instance, bob, "old news #rustlang", "public").await;
        let (status, followed) = post(&instance, alice, "/api/v1/tags/rustlang/follow", json!({})).await;
        assert_eq!(status, 200, "{followed}");
        assert_eq!((followed["name"].clone(), followed["following"].clone()), (json!("rustlang"), json!(true)));
        assert!(followed["id"].is_string(), "{followed}");

        let public = post_status(&instance, bob, "hello #RustLang", "public").await;
        let private = post_status(&instance, bob, "followers only #rustlang", "private").await;
        let direct = post_status(&instance, bob, "just me #rustlang", "direct").await;
        let unlisted = post_status(&instance, carol, "quiet #rustlang", "unlisted").await;
        let untagged = post_status(&instance, carol, "nothing to see", "public").await;
        let home_ids = home(&instance, alice).await;
        assert_eq!(home_ids, vec![public.clone(), before.clone()], "{engine:?}");
        for hidden in [&private, &direct, &unlisted, &untagged] {
            assert!(!home_ids.contains(hidden));
        }
        // Nor does a followers-only status reach alice by id.
        let (status, _) = get(&instance, alice, &format!("/api/v1/statuses/{private}")).await;
        assert_eq!(status, 404);

        // History: today's uses (public and unlisted) and accounts.
        let (_, tag) = get(&instance, alice, "/api/v1/tags/rustlang").await;
        let today = &tag["history"][0];
        assert_eq!((today["uses"].clone(), today["accounts"].clone()), (json!("3"), json!("2")), "{tag}");
        assert_eq!(tag["following"], true);
        let midnight = today["day"].as_str().unwrap().parse::<i64>().unwrap();
        assert_eq!(midnight % 86_400, 0);
        assert_eq!(tag["history"][1]["day"], json!((midnight - 86_400).to_string()));
        // Anonymous: no `following`.
        let (status, anonymous) = {
            let response = client().get(instance.url("/api/v1/tags/rustlang")).send().await.unwrap();
            (response.status().as_u16(), response.json::<Value>().await.unwrap())
        };
        assert_eq!(status, 200);
        assert!(anonymous.get("following").is_none(), "{anonymous}");

        // Followed tags, paged with Link.
        for name in ["cats", "dogs"] {
            let (status, _) = post(&instance, alice, &format!("/api/v1/tags/{name}/follow"), json!({})).await;
            assert_eq!(status, 200);
        }
        let response = client().get(instance.url("/api/v1/followed_tags?limit=2")).bearer_auth(alice).send().await.unwrap();
        let link = response.headers().get("link").map(|l| l.to_str().unwrap().to_string()).expect("a Link header");
        let first: Value = response.json().await.unwrap();
        let names: Vec<&str> = first.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names, vec!["dogs", "cats"]);
        let next = link.split(", ").find(|p| p.ends_with("rel=\"next\"")).unwrap();
        let next = crate::support::http::path_of(next.trim_start_matches('<').split('>').next().unwrap());
        let (_, rest) = get(&instance, alice, &next).await;
        assert_eq!(rest.as_array().unwrap().iter().map(|t| t["name"].clone()).collect::<Vec<_>>(), vec![json!("rustlang")]);
        let (status, _) = get(&instance, bob, "/api/v1/followed_tags").await;
        assert_eq!(status, 200);

        // Unfollowing takes the tag's statuses out of home.
        let (status, unfollowed) = post(&instance, alice, "/api/v1/tags/rustlang/unfollow", json!({})).await;
        assert_eq!((status, unfollowed["following"].clone()), (200, json!(false)));
        assert!(home(&instance, alice).await.is_empty());

        // A read-only token cannot follow.
        let reader = instance.token("alice", "alice-password-1", "read").await;
        let (status, _) = post(&instance, &reader, "/api/v1/tags/rustlang/follow", json!({})).await;
        assert_eq!(status, 403);
    }
}

#[tokio::test]
async fn featured_hashtags_through_the_api_and_activitypub() {
    for engine in ENGINES {
        let (instance, tokens, accounts) = people(engine, &["alice", "bob"]).await;
        let (alice, bob) = (&tokens[0], &tokens[1]);
        let alice_id = &accounts[0];
        post_status(&instance, alice, "#Cats are great", "public").await;
        post_status(&instance, alice, "more #cats and #dogs", "public").await;
        post_status(&instance, alice, "secret #cats", "private").await;

        let (status, suggestions) = get(&instance, alice, "/api/v1/featured_tags/suggestions").await;
        assert_eq!(status, 200, "{suggestions}");
        let names: Vec<&str> = suggestions.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names, vec!["Cats", "dogs"], "{engine:?}");

        let (status, featured) = post(&instance, alice, "/api/v1/featured_tags", json!({ "name": "cats" })).await;
        assert_eq!(status, 200, "{featured}");
        assert_eq!((featured["name"].clone(), featured["statuses_count"].clone()), (json!("Cats"), json!("2")));
        assert!(featured["url"].as_str().unwrap().ends_with("/@alice/tagged/cats"), "{featured}");
        assert_eq!(featured["last_status_at"].as_str().unwrap().len(), 10, "{featured}");
        let id = featured["id"].as_str().unwrap().to_string();
        let (status, body) = post(&instance, alice, "/api/v1/featured_tags", json!({ "name": "Cats" })).await;
        assert_eq!(status, 422, "{body}");
        assert!(body["error"].is_string());
        let (status, _) = post(&instance, alice, "/api/v1/featured_tags", json!({ "name": "not a tag" })).await;
        assert_eq!(status, 422);
        let (status, _) = post(&instance, alice, "/api/v1/featured_tags", json!({ "name": "dogs" })).await;
        assert_eq!(status, 200);

        let (_, mine) = get(&instance, alice, "/api/v1/featured_tags").await;
        assert_eq!(mine.as_array().unwrap().len(), 2, "{mine}");
        assert_eq!(mine[0]["id"], json!(id));
        let (status, theirs) = get(&instance, bob, &format!("/api/v1/accounts/{alice_id}/featured_tags")).await;
        assert_eq!(status, 200);
        assert_eq!(theirs, mine);
        let (_, suggestions) = get(&instance, alice, "/api/v1/featured_tags/suggestions").await;
        assert_eq!(suggestions, json!([]));

        // The actor names its featuredTags collection, which lists them as Hashtags.
        let (status, actor) = get_ap(&instance, "/users/alice").await;
        assert_eq!(status, 200);
        let collection_url = actor["featuredTags"].as_str().expect("featuredTags").to_string();
        let (status, collection) = get_ap(&instance, &crate::support::http::path_of(&collection_url)).await;
        assert_eq!(status, 200, "{collection}");
        assert_eq!(collection["id"], json!(collection_url));
        assert_eq!(collection["totalItems"], json!(2));
        let items = collection["items"].as_array().unwrap();
        assert_eq!(items[0]["type"], "Hashtag");
        assert_eq!(items[0]["name"], "#Cats");
        assert!(items[0]["href"].as_str().unwrap().ends_with("/@alice/tagged/cats"), "{collection}");

        // Bob cannot remove alice's; alice can.
        let (status, _) = delete(&instance, bob, &format!("/api/v1/featured_tags/{id}")).await;
        assert_eq!(status, 404);
        let (status, _) = delete(&instance, alice, &format!("/api/v1/featured_tags/{id}")).await;
        assert_eq!(status, 200);
        let (_, mine) = get(&instance, alice, "/api/v1/featured_tags").await;
        assert_eq!(mine.as_array().unwrap().len(), 1);
        let (_, collection) = get_ap(&instance, &crate::support::http::path_of(&collection_url)).await;
        assert_eq!(collection["totalItems"], json!(1));
    }
}

#[tokio::test]
async fn the_link_timeline_lists_public_statuses_linking_to_the_url() {
    for engine in ENGINES {
        let (instance, tokens, _) = people(engine, &["alice", "bob"]).await;
        let (alice, bob) = (&tokens[0], &tokens[1]);
        let url = "https://news.example/story?id=1&x=2";
        let first = post_status(&instance, bob, &format!("read {url}"), "public").await;
        let second = post_status(&instance, alice, &format!("also {url} !"), "public").await;
        post_status(&instance, bob, &format!("private {url}"), "private").await;
        post_status(&instance, bob, "https://news.example/story?id=12 is another", "public").await;
        let query = format!("/api/v1/timelines/link?url={}", aerie_url_encode(url));
        let (status, body) = get(&instance, alice, &query).await;
        assert_eq!(status, 200, "{engine:?}: {body}");
        assert_eq!(ids(&body), vec![second.clone(), first.clone()]);
        let (_, page) = get(&instance, alice, &format!("{query}&limit=1&max_id={second}")).await;
        assert_eq!(ids(&page), vec![first]);
        let (status, _) = get(&instance, alice, "/api/v1/timelines/link").await;
        assert_eq!(status, 404);
    }
}

/// `text` percent-encoded for a query value.
fn aerie_url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
