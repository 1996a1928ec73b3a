use serde_json::{Value, json};

use super::*;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

fn policy(pairs: &[(&str, &str)]) -> Policy {
    Policy::from_config(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>())
}

fn note(author: &str) -> Value {
    json!({
        "id": format!("https://{author}/notes/1"),
        "type": "Note",
        "attributedTo": format!("https://{author}/users/a"),
        "content": "<p>hi</p>",
        "to": [PUBLIC],
        "cc": [format!("https://{author}/users/a/followers")],
        "attachment": [{"type": "Document", "mediaType": "image/png", "url": format!("https://{author}/m.png")}],
    })
}

fn create(host: &str) -> String {
    json!({
        "id": format!("https://{host}/notes/1/activity"),
        "type": "Create",
        "actor": format!("https://{host}/users/a"),
        "to": [PUBLIC],
        "cc": [format!("https://{host}/users/a/followers")],
        "object": note(host),
    })
    .to_string()
}

fn changed(outcome: Outcome) -> Value {
    match outcome {
        Outcome::Changed(json) => serde_json::from_str(&json).unwrap(),
        other => panic!("expected a change, got {other:?}"),
    }
}

fn rejected(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Reject(_))
}

#[test]
fn domain_lists_are_normalized() {
    assert_eq!(
        domain_list(" Bad.Example ,*.evil.example\nhttps://URL.example:8443/about\n\n.dot.example.,"),
        ["bad.example", "evil.example", "url.example", "dot.example"]
    );
    assert_eq!(host_of("https://u:p@Host.Example:443/x?y#z").as_deref(), Some("host.example"));
    assert_eq!(host_of("https://[::1]:8080/x").as_deref(), Some("[::1]"));
    assert_eq!(host_of("acct:a@b.example"), None);
    assert_eq!(host_of("https://"), None);
}

#[test]
fn subdomains_match_but_lookalikes_do_not() {
    let list = domain_list("evil.example");
    assert_eq!(listed("evil.example", &list), Some("evil.example"));
    assert_eq!(listed("a.b.evil.example", &list), Some("evil.example"));
    assert_eq!(listed("notevil.example", &list), None);
    assert_eq!(listed("example", &list), None);
}

#[test]
fn reject_drops_by_peer_or_actor_either_way() {
    let p = policy(&[("reject", "evil.example")]);
    // From the peer (whatever the activity says), from the actor, from a subdomain.
    assert!(rejected(&apply(&create("fine.example"), true, "evil.example", &p)));
    assert!(rejected(&apply(&create("evil.example"), true, "relay.example", &p)));
    assert!(rejected(&apply(&create("social.evil.example"), true, "social.evil.example:8443", &p)));
    // To it.
    assert!(rejected(&apply(&create("local.example"), false, "EVIL.example", &p)));
    // Any activity type, even one that is not JSON.
    let follow = json!({"type": "Follow", "actor": {"id": "https://evil.example/u"}, "object": "https://local.example/u"}).to_string();
    assert!(rejected(&apply(&follow, true, "evil.example", &p)));
    assert!(rejected(&apply("garbage", true, "evil.example", &p)));
    // Others pass unchanged.
    assert_eq!(apply(&create("fine.example"), true, "fine.example", &p), Outcome::Unchanged);
    assert_eq!(apply(&create("local.example"), false, "fine.example", &p), Outcome::Unchanged);
    let Outcome::Reject(reason) = apply(&create("fine.example"), true, "a.evil.example", &p) else { panic!() };
    assert!(reason.contains("a.evil.example") && reason.contains("evil.example"), "{reason}");
}

#[test]
fn reject_sees_the_author_of_a_boosted_post() {
    let p = policy(&[("reject", "evil.example")]);
    let boost = json!({"type": "Announce", "actor": "https://fine.example/u", "object": note("evil.example")}).to_string();
    assert!(rejected(&apply(&boost, true, "fine.example", &p)));
    let by_uri = json!({"type": "Announce", "actor": "https://fine.example/u", "object": "https://evil.example/notes/1"}).to_string();
    assert_eq!(apply(&by_uri, true, "fine.example", &p), Outcome::Unchanged);
}

#[test]
fn accept_is_an_allowlist() {
    let p = policy(&[("accept", "friend.example, local.example")]);
    assert_eq!(apply(&create("friend.example"), true, "friend.example", &p), Outcome::Unchanged);
    assert_eq!(apply(&create("m.friend.example"), true, "m.friend.example", &p), Outcome::Unchanged);
    assert!(rejected(&apply(&create("other.example"), true, "other.example", &p)));
    // A forwarded activity whose actor is elsewhere.
    assert!(rejected(&apply(&create("other.example"), true, "friend.example", &p)));
    // Outgoing: only the receiver counts.
    assert_eq!(apply(&create("local.example"), false, "friend.example", &p), Outcome::Unchanged);
    assert!(rejected(&apply(&create("local.example"), false, "other.example", &p)));
    // A boost of anyone's post by an allowed server passes.
    let boost = json!({"type": "Announce", "actor": "https://friend.example/u", "object": note("mine.example")}).to_string();
    assert_eq!(apply(&boost, true, "friend.example", &p), Outcome::Unchanged);
    // An empty list is no allowlist.
    assert!(policy(&[("accept", " , ")]).accept.is_none());
}

#[test]
fn media_removal_strips_attachments_of_incoming_posts() {
    let p = policy(&[("media_removal", "pics.example")]);
    let activity = changed(apply(&create("pics.example"), true, "pics.example", &p));
    assert!(activity["object"].get("attachment").is_none());
    assert_eq!(activity["object"]["content"], json!("<p>hi</p>"));
    assert_eq!(activity["to"], json!([PUBLIC]));
    // Outgoing, or from elsewhere: untouched.
    assert_eq!(apply(&create("pics.example"), false, "pics.example", &p), Outcome::Unchanged);
    assert_eq!(apply(&create("fine.example"), true, "fine.example", &p), Outcome::Unchanged);
    // Nothing to strip: the text comes back unchanged.
    let mut bare = note("pics.example");
    bare["attachment"] = json!([]);
    let activity = json!({"type": "Create", "actor": "https://pics.example/u", "object": bare}).to_string();
    assert_eq!(apply(&activity, true, "pics.example", &p), Outcome::Unchanged);
}

#[test]
fn force_sensitive_marks_incoming_posts() {
    let p = policy(&[("force_sensitive", "nsfw.example")]);
    let activity = changed(apply(&create("nsfw.example"), true, "nsfw.example", &p));
    assert_eq!(activity["object"]["sensitive"], json!(true));
    assert!(activity["object"]["attachment"].is_array());
}

#[test]
fn federated_timeline_removal_unlists() {
    let p = policy(&[("federated_timeline_removal", "loud.example")]);
    let activity = changed(apply(&create("loud.example"), true, "loud.example", &p));
    for value in [&activity, &activity["object"]] {
        assert_eq!(value["to"], json!([]));
        assert_eq!(value["cc"], json!(["https://loud.example/users/a/followers", PUBLIC]));
    }
}

#[test]
fn announce_applies_to_the_embedded_object() {
    let p = policy(&[("media_removal", "pics.example"), ("federated_timeline_removal", "pics.example")]);
    // A boost by a server on the list.
    let boost = json!({"type": "Announce", "actor": "https://pics.example/u", "to": [PUBLIC], "object": note("other.example")}).to_string();
    let activity = changed(apply(&boost, true, "pics.example", &p));
    assert!(activity["object"].get("attachment").is_none());
    assert_eq!(activity["to"], json!([]));
    assert_eq!(activity["object"]["cc"], json!(["https://other.example/users/a/followers", PUBLIC]));
    // A boost of a post from a server on the list.
    let boost = json!({"type": "Announce", "actor": "https://fine.example/u", "object": note("pics.example")}).to_string();
    let activity = changed(apply(&boost, true, "fine.example", &p));
    assert!(activity["object"].get("attachment").is_none());
    // A boost by URI: only the activity's own addressing can change.
    let boost = json!({"type": "Announce", "actor": "https://pics.example/u", "to": [PUBLIC], "object": "https://x.example/n"}).to_string();
    let activity = changed(apply(&boost, true, "pics.example", &p));
    assert_eq!(activity["cc"], json!([PUBLIC]));
    assert_eq!(activity["object"], json!("https://x.example/n"));
}

#[test]
fn actors_keep_their_fields() {
    let p = policy(&[("media_removal", "pics.example"), ("force_sensitive", "pics.example")]);
    let update = json!({
        "type": "Update",
        "actor": "https://pics.example/u",
        "object": {"type": "Person", "id": "https://pics.example/u", "attachment": [{"type": "PropertyValue", "name": "a", "value": "b"}]},
    })
    .to_string();
    assert_eq!(apply(&update, true, "pics.example", &p), Outcome::Unchanged);
}

#[test]
fn other_activities_are_not_changed() {
    let p = policy(&[("force_sensitive", "x.example"), ("federated_timeline_removal", "x.example")]);
    let like = json!({"type": "Like", "actor": "https://x.example/u", "to": [PUBLIC], "object": note("x.example")}).to_string();
    assert_eq!(apply(&like, true, "x.example", &p), Outcome::Unchanged);
}

#[test]
fn odd_json_never_panics() {
    let p = policy(&[
        ("reject", "evil.example"),
        ("media_removal", "x.example"),
        ("force_sensitive", "x.example"),
        ("federated_timeline_removal", "x.example"),
        ("accept", "x.example"),
    ]);
    let cases = [
        "".to_string(),
        "null".to_string(),
        "[{}]".to_string(),
        json!({"type": "Create"}).to_string(),
        json!({"type": "Create", "actor": 5, "object": null}).to_string(),
        json!({"type": "Create", "actor": [["https://evil.example/u"]], "object": [1, "x", {"attributedTo": {"id": 3}}]}).to_string(),
        json!({"type": ["Create"], "actor": [{"id": "https://x.example/u"}], "object": [{"type": "Note", "to": "as:Public", "attachment": {"url": "u"}}]}).to_string(),
        json!({"type": "Announce", "actor": "https://x.example/u", "object": {"attributedTo": ["https://x.example/u", null]}, "to": {"a": 1}}).to_string(),
    ];
    for case in cases {
        let _ = apply(&case, true, "x.example", &p);
        let _ = apply(&case, false, "", &p);
    }
    // A list of objects gets each one changed.
    let activity = json!({"type": ["Create"], "actor": [{"id": "https://x.example/u"}], "object": [{"type": "Note", "to": "as:Public", "attachment": {"url": "u"}}]}).to_string();
    let activity = changed(apply(&activity, true, "x.example", &p));
    assert_eq!(activity["object"], json!([{"type": "Note", "to": [], "cc": ["as:Public"], "sensitive": true}]));
}

#[test]
fn unknown_keys_are_reported_and_empty_config_does_nothing() {
    let p = policy(&[("rejects", "evil.example")]);
    assert_eq!(p.errors.len(), 1);
    assert_eq!(apply(&create("evil.example"), true, "evil.example", &p), Outcome::Unchanged);
    let odd = r#"{ "type":"Create","actor":"https://fine.example/u", "zz":1, "aa":2 }"#;
    let p = policy(&[("reject", "evil.example"), ("media_removal", "pics.example")]);
    assert_eq!(apply(odd, true, "fine.example", &p), Outcome::Unchanged);
}
