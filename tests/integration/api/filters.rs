//! Filters, v2 and v1, on both engines: CRUD with `keywords_attributes` (JSON and
//! form, `_destroy`), the keywords and statuses sub-resources, v1 mapped onto v2,
//! ownership (another user's filter is a 404) and scopes; then what filters do to
//! what a user reads: `filtered` on warn matches in the filter's contexts (home,
//! public, account, thread, notifications), hide matches left out, whole words vs
//! substrings, expired filters ignored, and a warned status on the streaming API.
//! Last, Mastodon.py drives tests/clients/filters_flow.py.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::http::{delete, get, post};
use crate::support::{ENGINES, Engine, Instance, client};

async fn put(instance: &Instance, token: &str, path: &str, body: Value) -> (u16, Value) {
    let response = client().put(instance.url(path)).bearer_auth(token).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn post_form(instance: &Instance, token: &str, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = client().post(instance.url(path)).bearer_auth(token).form(form).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn put_form(instance: &Instance, token: &str, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = client().put(instance.url(path)).bearer_auth(token).form(form).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap_or_else(|| panic!("an id in {value}")).to_string()
}

fn keywords(filter: &Value) -> Vec<(String, bool)> {
    filter["keywords"]
        .as_array()
        .unwrap_or_else(|| panic!("keywords in {filter}"))
        .iter()
        .map(|k| (k["keyword"].as_str().unwrap().to_string(), k["whole_word"].as_bool().unwrap()))
        .collect()
}

async fn users(engine: Engine) -> (Instance, String, String) {
    let instance = Instance::start(engine).await;
    instance.create_account("alice", "alice-password-1");
    instance.create_account("bob", "bob-password-1");
    let alice = instance.token("alice", "alice-password-1", "read write follow").await;
    let bob = instance.token("bob", "bob-password-1", "read write follow").await;
    (instance, alice, bob)
}

#[tokio::test]
async fn v2_filters_keywords_and_statuses_are_managed_by_their_owner_only() {
    for engine in ENGINES {
        let (instance, alice, bob) = users(engine).await;
        let e = format!("{engine:?}");

        // Created from JSON, as Mastodon.py and most apps send it.
        let (status, spoilers) = post(
            &instance,
            &alice,
            "/api/v2/filters",
            json!({"title": "Spoilers", "context": ["home", "public"], "filter_action": "warn",
                   "keywords_attributes": [{"keyword": "dune", "whole_word": true}, {"keyword": "arrakis", "whole_word": false}]}),
        )
        .await;
        assert_eq!(status, 200, "{e}: {spoilers}");
        assert_eq!(spoilers["title"], "Spoilers", "{e}");
        assert_eq!(spoilers["context"], json!(["home", "public"]), "{e}");
        assert_eq!(spoilers["filter_action"], "warn", "{e}");
        assert_eq!(spoilers["expires_at"], Value::Null, "{e}");
        assert_eq!(spoilers["statuses"], json!([]), "{e}");
        assert_eq!(keywords(&spoilers), [("dune".to_string(), true), ("arrakis".to_string(), false)], "{e}");
        let filter_id = id(&spoilers);

        // From a form, with Rails' `keywords_attributes[][field]`, an expiry and a default action.
        let (status, form) = post_form(
            &instance,
            &alice,
            "/api/v2/filters",
            &[
                ("title", "Form"),
                ("context[]", "thread"),
                ("context[]", "account"),
                ("expires_in", "3600"),
                ("keywords_attributes[][keyword]", "one"),
                ("keywords_attributes[][whole_word]", "false"),
                ("keywords_attributes[][keyword]", "two"),
            ],
        )
        .await;
        assert_eq!(status, 200, "{e}: {form}");
        assert_eq!(form["filter_action"], "warn", "{e}");
        assert!(form["expires_at"].is_string(), "{e}: {form}");
        assert_eq!(keywords(&form), [("one".to_string(), false), ("two".to_string(), true)], "{e}");

        // Refusals.
        for (body, why) in [
            (json!({"context": ["home"]}), "no title"),
            (json!({"title": "x"}), "no context"),
            (json!({"title": "x", "context": ["nowhere"]}), "an unknown context"),
            (json!({"title": "x", "context": ["home"], "filter_action": "explode"}), "an unknown action"),
            (json!({"title": "x", "context": ["home"], "keywords_attributes": [{"keyword": ""}]}), "a blank keyword"),
        ] {
            let (status, body) = post(&instance, &alice, "/api/v2/filters", body).await;
            assert_eq!(status, 422, "{e}: {why}: {body}");
            assert!(body["error"].is_string(), "{e}: {body}");
        }

        let (_, list) = get(&instance, &alice, "/api/v2/filters").await;
        assert_eq!(list.as_array().unwrap().len(), 2, "{e}: {list}");

        // PUT changes what is given; keywords_attributes updates, destroys and adds.
        let dune = id(&spoilers["keywords"][0]);
        let arrakis = id(&spoilers["keywords"][1]);
        let (status, updated) = put(
            &instance,
            &alice,
            &format!("/api/v2/filters/{filter_id}"),
            json!({"title": "Spoilers!", "filter_action": "hide",
                   "keywords_attributes": [{"id": dune, "keyword": "Dune", "whole_word": false}, {"id": arrakis, "_destroy": true}, {"keyword": "spice"}]}),
        )
        .await;
        assert_eq!(status, 200, "{e}: {updated}");
        assert_eq!((updated["title"].as_str(), updated["filter_action"].as_str()), (Some("Spoilers!"), Some("hide")), "{e}");
        assert_eq!(updated["context"], json!(["home", "public"]), "{e}: unchanged");
        assert_eq!(keywords(&updated), [("Dune".to_string(), false), ("spice".to_string(), true)], "{e}");
        // The same with a form body.
        let spice = id(&updated["keywords"][1]);
        let (status, updated) = put_form(
            &instance,
            &alice,
            &format!("/api/v2/filters/{filter_id}"),
            &[("context[]", "home"), ("keywords_attributes[][id]", &spice), ("keywords_attributes[][_destroy]", "1")],
        )
        .await;
        assert_eq!(status, 200, "{e}: {updated}");
        assert_eq!(updated["context"], json!(["home"]), "{e}");
        assert_eq!(keywords(&updated), [("Dune".to_string(), false)], "{e}");
        let (status, _) = put(
            &instance,
            &alice,
            &format!("/api/v2/filters/{filter_id}"),
            json!({"keywords_attributes": [{"id": id(&form["keywords"][0]), "_destroy": true}]}),
        )
        .await;
        assert_eq!(status, 404, "{e}: a keyword of another filter");

        // The keywords sub-resource.
        let (status, added) =
            post(&instance, &alice, &format!("/api/v2/filters/{filter_id}/keywords"), json!({"keyword": "melange", "whole_word": false}))
                .await;
        assert_eq!(status, 200, "{e}: {added}");
        assert_eq!((added["keyword"].as_str(), added["whole_word"].as_bool()), (Some("melange"), Some(false)), "{e}");
        let keyword_id = id(&added);
        let (_, listed) = get(&instance, &alice, &format!("/api/v2/filters/{filter_id}/keywords")).await;
        assert_eq!(listed.as_array().unwrap().len(), 2, "{e}: {listed}");
        let (status, one) = get(&instance, &alice, &format!("/api/v2/filters/keywords/{keyword_id}")).await;
        assert_eq!((status, one["keyword"].as_str()), (200, Some("melange")), "{e}");
        let (status, changed) =
            put(&instance, &alice, &format!("/api/v2/filters/keywords/{keyword_id}"), json!({"whole_word": true})).await;
        assert_eq!((status, changed["whole_word"].as_bool(), changed["keyword"].as_str()), (200, Some(true), Some("melange")), "{e}");
        let (status, _) = post(&instance, &alice, &format!("/api/v2/filters/{filter_id}/keywords"), json!({"keyword": " "})).await;
        assert_eq!(status, 422, "{e}: a blank keyword");

        // The statuses sub-resource.
        let (_, bobs) = post(&instance, &bob, "/api/v1/statuses", json!({"status": "a status to filter"})).await;
        let (status, named) =
            post(&instance, &alice, &format!("/api/v2/filters/{filter_id}/statuses"), json!({"status_id": id(&bobs)})).await;
        assert_eq!(status, 200, "{e}: {named}");
        assert_eq!(named["status_id"], bobs["id"], "{e}");
        let (status, _) = post(&instance, &alice, &format!("/api/v2/filters/{filter_id}/statuses"), json!({"status_id": id(&bobs)})).await;
        assert_eq!(status, 422, "{e}: the same status twice");
        let (status, _) = post(&instance, &alice, &format!("/api/v2/filters/{filter_id}/statuses"), json!({"status_id": "1"})).await;
        assert_eq!(status, 404, "{e}: a status that is not there");
        let (_, listed) = get(&instance, &alice, &format!("/api/v2/filters/{filter_id}/statuses")).await;
        assert_eq!(listed, json!([named.clone()]), "{e}");
        let (_, whole) = get(&instance, &alice, &format!("/api/v2/filters/{filter_id}")).await;
        assert_eq!(whole["statuses"], json!([named.clone()]), "{e}");
        let (status, one) = get(&instance, &alice, &format!("/api/v2/filters/statuses/{}", id(&named))).await;
        assert_eq!((status, &one), (200, &named), "{e}");

        // Bob cannot see or touch any of it.
        let (_, his) = get(&instance, &bob, "/api/v2/filters").await;
        assert_eq!(his, json!([]), "{e}");
        for path in [
            format!("/api/v2/filters/{filter_id}"),
            format!("/api/v2/filters/{filter_id}/keywords"),
            format!("/api/v2/filters/{filter_id}/statuses"),
            format!("/api/v2/filters/keywords/{keyword_id}"),
            format!("/api/v2/filters/statuses/{}", id(&named)),
        ] {
            let (status, body) = get(&instance, &bob, &path).await;
            assert_eq!(status, 404, "{e}: GET {path}: {body}");
            assert!(body["error"].is_string(), "{e}: {body}");
            let (status, _) = delete(&instance, &bob, &path).await;
            assert!(status == 404 || status == 405, "{e}: DELETE {path}: {status}");
        }
        let (status, _) = put(&instance, &bob, &format!("/api/v2/filters/{filter_id}"), json!({"title": "mine"})).await;
        assert_eq!(status, 404, "{e}");
        let (status, _) = post(&instance, &bob, &format!("/api/v2/filters/{filter_id}/keywords"), json!({"keyword": "x"})).await;
        assert_eq!(status, 404, "{e}");
        let (_, still) = get(&instance, &alice, &format!("/api/v2/filters/{filter_id}")).await;
        assert_eq!(still["title"], "Spoilers!", "{e}: {still}");
        assert_eq!(still["statuses"].as_array().unwrap().len(), 1, "{e}: {still}");

        // Deletes.
        let (status, body) = delete(&instance, &alice, &format!("/api/v2/filters/keywords/{keyword_id}")).await;
        assert_eq!((status, body), (200, json!({})), "{e}");
        let (status, _) = get(&instance, &alice, &format!("/api/v2/filters/keywords/{keyword_id}")).await;
        assert_eq!(status, 404, "{e}");
        let (status, body) = delete(&instance, &alice, &format!("/api/v2/filters/statuses/{}", id(&named))).await;
        assert_eq!((status, body), (200, json!({})), "{e}");
        let (status, body) = delete(&instance, &alice, &format!("/api/v2/filters/{filter_id}")).await;
        assert_eq!((status, body), (200, json!({})), "{e}");
        let (status, _) = get(&instance, &alice, &format!("/api/v2/filters/{filter_id}")).await;
        assert_eq!(status, 404, "{e}");
        let (_, list) = get(&instance, &alice, "/api/v2/filters").await;
        assert_eq!(list.as_array().unwrap().len(), 1, "{e}: {list}");
    }
}

#[tokio::test]
async fn filters_need_the_filters_scopes() {
    let instance = Instance::start(Engine::Sqlite).await;
    instance.create_account("alice", "alice-password-1");
    let read_only = instance.token("alice", "alice-password-1", "read").await;
    let statuses_only = instance.token("alice", "alice-password-1", "read:statuses write:statuses").await;
    let filters_only = instance.token("alice", "alice-password-1", "read:filters write:filters").await;
    let create = json!({"title": "t", "context": ["home"], "keywords_attributes": [{"keyword": "k"}]});
    let (status, _) = post(&instance, &read_only, "/api/v2/filters", create.clone()).await;
    assert_eq!(status, 403, "writing needs write:filters");
    let (status, _) = post(&instance, &read_only, "/api/v1/filters", json!({"phrase": "k", "context": ["home"]})).await;
    assert_eq!(status, 403);
    let (status, _) = get(&instance, &statuses_only, "/api/v2/filters").await;
    assert_eq!(status, 403, "reading needs read:filters");
    let (status, _) = get(&instance, &statuses_only, "/api/v1/filters").await;
    assert_eq!(status, 403);
    let (status, created) = post(&instance, &filters_only, "/api/v2/filters", create).await;
    assert_eq!(status, 200, "{created}");
    let (status, _) = get(&instance, &read_only, "/api/v2/filters").await;
    assert_eq!(status, 200, "read covers read:filters");
    let (status, _) = get(&instance, &instance.token("alice", "alice-password-1", "read").await, "/api/v2/filters").await;
    assert_eq!(status, 200);
    let response = client().get(instance.url("/api/v2/filters")).send().await.unwrap();
    assert_eq!(response.status(), 401, "no token");
}

#[tokio::test]
async fn v1_filters_are_single_keywords_of_v2_filters() {
    for engine in ENGINES {
        let (instance, alice, bob) = users(engine).await;
        let e = format!("{engine:?}");
        let (status, v1) = post_form(
            &instance,
            &alice,
            "/api/v1/filters",
            &[
                ("phrase", "Dune"),
                ("context[]", "home"),
                ("context[]", "notifications"),
                ("irreversible", "true"),
                ("whole_word", "false"),
                ("expires_in", "3600"),
            ],
        )
        .await;
        assert_eq!(status, 200, "{e}: {v1}");
        assert_eq!(v1["phrase"], "Dune", "{e}");
        assert_eq!(v1["context"], json!(["home", "notifications"]), "{e}");
        assert_eq!((v1["irreversible"].as_bool(), v1["whole_word"].as_bool()), (Some(true), Some(false)), "{e}");
        assert!(v1["expires_at"].is_string(), "{e}: {v1}");
        let v1_id = id(&v1);

        let (_, listed) = get(&instance, &alice, "/api/v1/filters").await;
        assert_eq!(listed, json!([v1.clone()]), "{e}");
        let (_, one) = get(&instance, &alice, &format!("/api/v1/filters/{v1_id}")).await;
        assert_eq!(one, v1, "{e}");
        // Seen through v2: a filter titled with the phrase, hide, with that one keyword.
        let (_, v2) = get(&instance, &alice, "/api/v2/filters").await;
        assert_eq!(v2.as_array().unwrap().len(), 1, "{e}: {v2}");
        assert_eq!((v2[0]["title"].as_str(), v2[0]["filter_action"].as_str()), (Some("Dune"), Some("hide")), "{e}");
        assert_eq!(keywords(&v2[0]), [("Dune".to_string(), false)], "{e}");
        assert_eq!(v2[0]["keywords"][0]["id"], v1["id"], "{e}: the v1 id is the keyword's");

        // Defaults: whole word, not irreversible, never expires. JSON works too.
        let (status, plain) = post(&instance, &alice, "/api/v1/filters", json!({"phrase": "spice", "context": ["public"]})).await;
        assert_eq!(status, 200, "{e}: {plain}");
        assert_eq!((plain["whole_word"].as_bool(), plain["irreversible"].as_bool()), (Some(true), Some(false)), "{e}");
        assert_eq!(plain["expires_at"], Value::Null, "{e}");
        let (status, _) = post(&instance, &alice, "/api/v1/filters", json!({"phrase": "x", "context": ["elsewhere"]})).await;
        assert_eq!(status, 422, "{e}");
        let (status, _) = post(&instance, &alice, "/api/v1/filters", json!({"context": ["home"]})).await;
        assert_eq!(status, 422, "{e}");

        let (status, changed) = put(
            &instance,
            &alice,
            &format!("/api/v1/filters/{v1_id}"),
            json!({"phrase": "Arrakis", "irreversible": false, "context": ["thread"]}),
        )
        .await;
        assert_eq!(status, 200, "{e}: {changed}");
        assert_eq!((changed["phrase"].as_str(), changed["irreversible"].as_bool()), (Some("Arrakis"), Some(false)), "{e}");
        assert_eq!(changed["context"], json!(["thread"]), "{e}");
        assert_eq!(changed["whole_word"], false, "{e}: unchanged");
        let (_, v2) = get(&instance, &alice, "/api/v2/filters").await;
        assert_eq!((v2[0]["title"].as_str(), v2[0]["filter_action"].as_str()), (Some("Arrakis"), Some("warn")), "{e}: {v2}");

        for path in [format!("/api/v1/filters/{v1_id}")] {
            let (status, _) = get(&instance, &bob, &path).await;
            assert_eq!(status, 404, "{e}: another user's");
            let (status, _) = put(&instance, &bob, &path, json!({"phrase": "mine"})).await;
            assert_eq!(status, 404, "{e}");
            let (status, _) = delete(&instance, &bob, &path).await;
            assert_eq!(status, 404, "{e}");
        }

        let (status, body) = delete(&instance, &alice, &format!("/api/v1/filters/{v1_id}")).await;
        assert_eq!((status, body), (200, json!({})), "{e}");
        let (_, v2) = get(&instance, &alice, "/api/v2/filters").await;
        assert_eq!(v2.as_array().unwrap().len(), 1, "{e}: the v1 filter's filter went with it: {v2}");
        assert_eq!(v2[0]["title"], "spice", "{e}");
    }
}

fn find<'a>(list: &'a Value, text: &str) -> Option<&'a Value> {
    list.as_array()?.iter().find(|s| {
        s["content"].as_str().is_some_and(|c| c.contains(text)) || s["status"]["content"].as_str().is_some_and(|c| c.contains(text))
    })
}

fn filter_titles(status: &Value) -> Vec<String> {
    status["filtered"]
        .as_array()
        .unwrap_or_else(|| panic!("filtered in {status}"))
        .iter()
        .map(|r| r["filter"]["title"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn warn_filters_mark_and_hide_filters_drop_statuses_in_their_contexts() {
    for engine in ENGINES {
        let (instance, alice, bob) = users(engine).await;
        let e = format!("{engine:?}");
        let (_, bob_account) = get(&instance, &alice, "/api/v1/accounts/lookup?acct=bob").await;
        let bob_id = id(&bob_account);
        let (status, _) = post(&instance, &alice, &format!("/api/v1/accounts/{bob_id}/follow"), json!({})).await;
        assert_eq!(status, 200, "{e}");

        let (_, warn) = post(
            &instance,
            &alice,
            "/api/v2/filters",
            json!({"title": "Crabs", "context": ["home", "account"], "filter_action": "warn", "keywords_attributes": [{"keyword": "Rust", "whole_word": true}]}),
        )
        .await;
        let (_, hide) = post(
            &instance,
            &alice,
            "/api/v2/filters",
            json!({"title": "No politics", "context": ["home", "notifications"], "filter_action": "hide",
                   "keywords_attributes": [{"keyword": "politics", "whole_word": false}]}),
        )
        .await;
        assert_eq!(hide["filter_action"], "hide", "{e}: {hide}");

        let mut posted = std::collections::HashMap::new();
        for text in ["I love rust.", "trusty tools", "geopolitics today", "@alice talk politics", "@alice hello there", "plain words"] {
            let (status, body) = post(&instance, &bob, "/api/v1/statuses", json!({"status": text, "visibility": "public"})).await;
            assert_eq!(status, 200, "{e}: {body}");
            posted.insert(text, id(&body));
        }
        let (_, cw) = post(
            &instance,
            &bob,
            "/api/v1/statuses",
            json!({"status": "nothing here", "spoiler_text": "RUST inside", "visibility": "public"}),
        )
        .await;

        // Home: whole-word match warned with the keyword, substring-only text not, hide left out.
        let (status, home) = get(&instance, &alice, "/api/v1/timelines/home").await;
        assert_eq!(status, 200, "{e}: {home}");
        let loved = find(&home, "I love rust").unwrap_or_else(|| panic!("{e}: {home}"));
        assert_eq!(filter_titles(loved), ["Crabs"], "{e}");
        let result = &loved["filtered"][0];
        assert_eq!(result["keyword_matches"], json!(["Rust"]), "{e}: {result}");
        assert_eq!(result["status_matches"], Value::Null, "{e}");
        assert_eq!(result["filter"]["id"], warn["id"], "{e}");
        assert_eq!(result["filter"]["filter_action"], "warn", "{e}");
        assert_eq!(result["filter"]["context"], json!(["home", "account"]), "{e}");
        assert_eq!(filter_titles(find(&home, "trusty tools").unwrap()), Vec::<String>::new(), "{e}: not on a word boundary");
        assert_eq!(filter_titles(find(&home, "plain words").unwrap()), Vec::<String>::new(), "{e}");
        let spoiler = home.as_array().unwrap().iter().find(|s| s["id"] == cw["id"]).unwrap_or_else(|| panic!("{e}: {home}"));
        assert_eq!(filter_titles(spoiler), ["Crabs"], "{e}: spoiler text is searched");
        assert!(find(&home, "geopolitics").is_none(), "{e}: hidden on home: {home}");
        assert!(find(&home, "talk politics").is_none(), "{e}: hidden on home");
        assert_eq!(home.as_array().unwrap().len(), 5, "{e}: {home}");

        // Public: neither filter has that context.
        let (_, public) = get(&instance, &alice, "/api/v1/timelines/public").await;
        assert_eq!(filter_titles(find(&public, "I love rust").unwrap()), Vec::<String>::new(), "{e}");
        assert!(find(&public, "geopolitics").is_some(), "{e}: hide is not for public: {public}");
        // Anonymous readers get no `filtered` at all.
        let anonymous: Value = client().get(instance.url("/api/v1/timelines/public")).send().await.unwrap().json().await.unwrap();
        assert!(find(&anonymous, "I love rust").unwrap().get("filtered").is_none(), "{e}");

        // Account statuses: context account.
        let (_, theirs) = get(&instance, &alice, &format!("/api/v1/accounts/{bob_id}/statuses")).await;
        assert_eq!(filter_titles(find(&theirs, "I love rust").unwrap()), ["Crabs"], "{e}");
        assert!(find(&theirs, "geopolitics").is_some(), "{e}: hide is not for account");

        // Notifications: the mention with a hidden keyword is left out (v1 and grouped v2).
        let (_, notes) = get(&instance, &alice, "/api/v1/notifications").await;
        assert!(find(&notes, "hello there").is_some(), "{e}: {notes}");
        assert!(find(&notes, "talk politics").is_none(), "{e}: hidden in notifications: {notes}");
        let (_, grouped) = get(&instance, &alice, "/api/v2/notifications").await;
        assert!(find(&grouped["statuses"], "hello there").is_some(), "{e}: {grouped}");
        assert!(find(&grouped["statuses"], "talk politics").is_none(), "{e}: {grouped}");
        assert_eq!(grouped["notification_groups"].as_array().unwrap().len(), 1, "{e}: {grouped}");

        // A status on its own reports every filter in force, and is not hidden.
        let (status, alone) = get(&instance, &alice, &format!("/api/v1/statuses/{}", posted["geopolitics today"])).await;
        assert_eq!(status, 200, "{e}");
        assert_eq!(filter_titles(&alone), ["No politics"], "{e}");
        assert_eq!(alone["filtered"][0]["filter"]["filter_action"], "hide", "{e}");

        // Thread: a filter naming a status marks it in its thread's context.
        let (_, reply) = post(
            &instance,
            &bob,
            "/api/v1/statuses",
            json!({"status": "a reply", "in_reply_to_id": posted["plain words"], "visibility": "public"}),
        )
        .await;
        let (_, thread_filter) = post(&instance, &alice, "/api/v2/filters", json!({"title": "That reply", "context": ["thread"]})).await;
        let (status, _) =
            post(&instance, &alice, &format!("/api/v2/filters/{}/statuses", id(&thread_filter)), json!({"status_id": id(&reply)})).await;
        assert_eq!(status, 200, "{e}");
        let (_, context) = get(&instance, &alice, &format!("/api/v1/statuses/{}/context", posted["plain words"])).await;
        let descendant = &context["descendants"][0];
        assert_eq!(filter_titles(descendant), ["That reply"], "{e}: {context}");
        assert_eq!(descendant["filtered"][0]["status_matches"], json!([id(&reply)]), "{e}");
        assert_eq!(descendant["filtered"][0]["keyword_matches"], Value::Null, "{e}");
        let (_, home) = get(&instance, &alice, "/api/v1/timelines/home").await;
        assert_eq!(filter_titles(find(&home, "a reply").unwrap()), Vec::<String>::new(), "{e}: thread only");

        // An expired filter no longer applies.
        let (_, soon) = post(
            &instance,
            &alice,
            "/api/v2/filters",
            json!({"title": "Soon over", "context": ["home"], "expires_in": 3600, "keywords_attributes": [{"keyword": "plain"}]}),
        )
        .await;
        let (_, home) = get(&instance, &alice, "/api/v1/timelines/home").await;
        assert_eq!(filter_titles(find(&home, "plain words").unwrap()), ["Soon over"], "{e}");
        let db = instance.database().await;
        let past = aerie::clock::now_millis() - 1_000;
        let soon_id: i64 = id(&soon).parse().unwrap();
        db.execute("UPDATE filters SET expires_at = $1 WHERE id = $2", vec![past.into(), soon_id.into()]).await.unwrap();
        let (_, home) = get(&instance, &alice, "/api/v1/timelines/home").await;
        assert_eq!(filter_titles(find(&home, "plain words").unwrap()), Vec::<String>::new(), "{e}: expired");
        let (_, listed) = get(&instance, &alice, "/api/v2/filters").await;
        assert!(listed.as_array().unwrap().iter().any(|f| f["id"] == soon["id"]), "{e}: still listed");

        // Bob's view is untouched by alice's filters.
        let (_, bobs) = get(&instance, &bob, &format!("/api/v1/accounts/{bob_id}/statuses")).await;
        assert_eq!(filter_titles(find(&bobs, "I love rust").unwrap()), Vec::<String>::new(), "{e}");
    }
}

#[tokio::test]
async fn streamed_updates_carry_filtered_and_hidden_ones_are_not_sent() {
    for engine in ENGINES {
        let (instance, alice, bob) = users(engine).await;
        let e = format!("{engine:?}");
        let (_, bob_account) = get(&instance, &alice, "/api/v1/accounts/lookup?acct=bob").await;
        post(&instance, &alice, &format!("/api/v1/accounts/{}/follow", id(&bob_account)), json!({})).await;
        post(
            &instance,
            &alice,
            "/api/v2/filters",
            json!({"title": "Crabs", "context": ["home"], "keywords_attributes": [{"keyword": "rust"}]}),
        )
        .await;
        post(
            &instance,
            &alice,
            "/api/v2/filters",
            json!({"title": "Hidden", "context": ["home"], "filter_action": "hide", "keywords_attributes": [{"keyword": "secretword"}]}),
        )
        .await;

        let mut stream = client().get(instance.url("/api/v1/streaming/user")).bearer_auth(&alice).send().await.unwrap();
        assert_eq!(stream.status(), 200, "{e}");
        let mut public = client().get(instance.url("/api/v1/streaming/public")).bearer_auth(&alice).send().await.unwrap();
        assert_eq!(public.status(), 200, "{e}");
        tokio::time::sleep(Duration::from_millis(300)).await;

        post(&instance, &bob, "/api/v1/statuses", json!({"status": "the secretword post", "visibility": "public"})).await;
        let (_, warned) = post(&instance, &bob, "/api/v1/statuses", json!({"status": "rust is here", "visibility": "public"})).await;
        let warned_id = id(&warned);

        let mut buffer = String::new();
        let received = tokio::time::timeout(Duration::from_secs(10), async {
            while let Ok(Some(chunk)) = stream.chunk().await {
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                if buffer.contains("event: update") && buffer.contains(&warned_id) {
                    return true;
                }
            }
            false
        })
        .await
        .unwrap_or(false);
        assert!(received, "{e}: the warned status reached the user stream; got {buffer}");
        let data = buffer
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .filter_map(|d| serde_json::from_str::<Value>(d).ok())
            .find(|s| s["id"] == warned["id"])
            .unwrap_or_else(|| panic!("{e}: {buffer}"));
        assert_eq!(filter_titles(&data), ["Crabs"], "{e}: {data}");
        assert_eq!(data["filtered"][0]["keyword_matches"], json!(["rust"]), "{e}");
        assert!(!buffer.contains("secretword"), "{e}: the hidden status was not streamed: {buffer}");

        // The public stream is another context: the hidden one arrives there, unfiltered.
        let mut public_buffer = String::new();
        let received = tokio::time::timeout(Duration::from_secs(10), async {
            while let Ok(Some(chunk)) = public.chunk().await {
                public_buffer.push_str(&String::from_utf8_lossy(&chunk));
                if public_buffer.contains("secretword") && public_buffer.contains(&warned_id) {
                    return true;
                }
            }
            false
        })
        .await
        .unwrap_or(false);
        assert!(received, "{e}: both on the public stream; got {public_buffer}");
        let data = public_buffer
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .filter_map(|d| serde_json::from_str::<Value>(d).ok())
            .find(|s| s["id"] == warned["id"])
            .unwrap_or_else(|| panic!("{e}: {public_buffer}"));
        assert_eq!(data["filtered"], json!([]), "{e}: no public-context filter");
    }
}

#[tokio::test]
async fn mastodon_py_manages_filters_and_sees_them_applied() {
    super::clients::run_client_script("python3", "filters_flow.py", "filters flow: ok").await;
}
