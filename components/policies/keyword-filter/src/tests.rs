use serde_json::{Value, json};

use super::*;

fn config(pairs: &[(&str, &str)]) -> Rules {
    Rules::from_config(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>())
}

fn create(object: Value) -> String {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "https://remote.example/users/a/statuses/1/activity",
        "type": "Create",
        "actor": "https://remote.example/users/a",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": ["https://remote.example/users/a/followers"],
        "object": object,
    })
    .to_string()
}

fn note(content: &str) -> Value {
    json!({
        "id": "https://remote.example/users/a/statuses/1",
        "type": "Note",
        "content": content,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": ["https://remote.example/users/a/followers"],
    })
}

fn changed(outcome: Outcome) -> Value {
    match outcome {
        Outcome::Changed(json) => serde_json::from_str(&json).unwrap(),
        other => panic!("expected a change, got {other:?}"),
    }
}

#[test]
fn rejects_on_a_match_naming_the_pattern() {
    let rules = config(&[("reject", r"buy\s+cheap, casino")]);
    assert!(rules.errors.is_empty());
    let outcome = apply(&create(note("<p>BUY   cheap watches</p>")), true, &rules);
    assert_eq!(outcome, Outcome::Reject(r"keyword-filter: matches reject pattern `buy\s+cheap`".to_string()));
    assert_eq!(
        apply(&create(note("Casino!")), true, &rules),
        Outcome::Reject("keyword-filter: matches reject pattern `casino`".to_string())
    );
    assert_eq!(apply(&create(note("a nice day")), true, &rules), Outcome::Unchanged);
}

#[test]
fn matches_text_not_markup() {
    let rules = config(&[("reject", "hidden")]);
    let html = r#"<p><a href="https://hidden.example/" class="hidden">link</a></p>"#;
    assert_eq!(apply(&create(note(html)), true, &rules), Outcome::Unchanged);
    // Tags split no words: `<b>sp</b>am` reads `spam`; entities are decoded.
    let rules = config(&[("reject", "spam, tom & jerry")]);
    assert!(matches!(apply(&create(note("<b>sp</b>am")), true, &rules), Outcome::Reject(_)));
    assert!(matches!(apply(&create(note("Tom &amp; Jerry")), true, &rules), Outcome::Reject(_)));
}

#[test]
fn looks_at_summary_name_maps_and_poll_options() {
    let rules = config(&[("reject", "forbidden")]);
    let cases = [
        json!({"type": "Note", "content": "ok", "summary": "Forbidden CW"}),
        json!({"type": "Article", "name": "Forbidden title", "content": "ok"}),
        json!({"type": "Page", "contentMap": {"en": "ok", "de": "<p>FORBIDDEN</p>"}}),
        json!({"type": "Note", "summaryMap": {"en": "forbidden"}}),
        json!({"type": "Question", "content": "poll", "oneOf": [{"type": "Note", "name": "yes"}, {"name": "forbidden"}]}),
        json!({"type": ["Note", "Extra"], "content": "forbidden"}),
    ];
    for object in cases {
        assert!(matches!(apply(&create(object.clone()), true, &rules), Outcome::Reject(_)), "{object}");
    }
}

#[test]
fn update_is_filtered_too() {
    let rules = config(&[("reject", "spam")]);
    let update = json!({"type": "Update", "actor": "https://r.example/u", "object": note("spam")}).to_string();
    assert!(matches!(apply(&update, true, &rules), Outcome::Reject(_)));
}

#[test]
fn unlist_moves_public_to_cc_on_object_and_activity() {
    let rules = config(&[("unlist", "politics")]);
    let activity = changed(apply(&create(note("Talking politics")), true, &rules));
    let public = "https://www.w3.org/ns/activitystreams#Public";
    assert_eq!(activity["to"], json!([]));
    assert_eq!(activity["cc"], json!(["https://remote.example/users/a/followers", public]));
    assert_eq!(activity["object"]["to"], json!([]));
    assert_eq!(activity["object"]["cc"], json!(["https://remote.example/users/a/followers", public]));
    assert_eq!(activity["object"]["content"], json!("Talking politics"));
    // Already unlisted: nothing to change, the text comes back as it was.
    let unlisted = json!({"type": "Create", "object": {"type": "Note", "content": "politics", "cc": ["as:Public"]}}).to_string();
    assert_eq!(apply(&unlisted, true, &rules), Outcome::Unchanged);
}

#[test]
fn sensitive_marks_the_object() {
    let rules = config(&[("sensitive", "nsfw")]);
    let activity = changed(apply(&create(note("#NSFW pic")), true, &rules));
    assert_eq!(activity["object"]["sensitive"], json!(true));
    assert_eq!(activity["to"], json!(["https://www.w3.org/ns/activitystreams#Public"]));
    let mut already = note("nsfw");
    already["sensitive"] = json!(true);
    assert_eq!(apply(&create(already), true, &rules), Outcome::Unchanged);
}

#[test]
fn reject_wins_over_other_actions() {
    let rules = config(&[("sensitive", "x"), ("unlist", "x"), ("reject", "x")]);
    assert!(matches!(apply(&create(note("x")), true, &rules), Outcome::Reject(_)));
}

#[test]
fn incoming_only_unless_widened() {
    let rules = config(&[("reject", "spam")]);
    assert!(matches!(apply(&create(note("spam")), true, &rules), Outcome::Reject(_)));
    assert_eq!(apply(&create(note("spam")), false, &rules), Outcome::Unchanged);

    let both = config(&[("reject", "spam"), ("directions", "incoming, outgoing")]);
    assert!(matches!(apply(&create(note("spam")), false, &both), Outcome::Reject(_)));
    assert!(matches!(apply(&create(note("spam")), true, &both), Outcome::Reject(_)));

    let outgoing = config(&[("reject", "spam"), ("directions", "Outgoing")]);
    assert!(matches!(apply(&create(note("spam")), false, &outgoing), Outcome::Reject(_)));
    assert_eq!(apply(&create(note("spam")), true, &outgoing), Outcome::Unchanged);

    let bad = config(&[("reject", "spam"), ("directions", "sideways")]);
    assert_eq!(bad.errors.len(), 2);
    assert!(bad.incoming && !bad.outgoing);
}

#[test]
fn lines_keep_commas_in_patterns() {
    let rules = config(&[("reject", "a{2,3}b\n\n  c,d  \n")]);
    assert!(rules.errors.is_empty());
    let sources: Vec<&str> = rules.reject.iter().map(|p| p.source.as_str()).collect();
    assert_eq!(sources, ["a{2,3}b", "c,d"]);
    assert!(matches!(apply(&create(note("xaaab")), true, &rules), Outcome::Reject(_)));
    assert_eq!(split_list(" a, ,b ,"), ["a", "b"]);
}

#[test]
fn invalid_patterns_reject_nothing_and_are_reported() {
    let rules = config(&[("reject", "(unclosed, spam"), ("sensitive", "[z-a]")]);
    assert_eq!(rules.errors.len(), 2, "{:?}", rules.errors);
    assert!(rules.errors[0].contains("(unclosed"));
    assert_eq!(rules.reject.len(), 1);
    assert_eq!(apply(&create(note("(unclosed")), true, &rules), Outcome::Unchanged);
    assert!(matches!(apply(&create(note("spam")), true, &rules), Outcome::Reject(_)));
    let only_bad = config(&[("reject", "(")]);
    assert_eq!(apply(&create(note("(")), true, &only_bad), Outcome::Unchanged);
}

#[test]
fn unknown_keys_are_reported() {
    let rules = config(&[("rejects", "spam")]);
    assert_eq!(rules.errors.len(), 1);
    assert!(rules.reject.is_empty());
}

#[test]
fn odd_json_passes_unchanged() {
    let rules = config(&[("reject", "spam"), ("unlist", "spam"), ("sensitive", "spam")]);
    let cases = [
        "not json".to_string(),
        "[1,2]".to_string(),
        "\"spam\"".to_string(),
        json!({"type": "Create"}).to_string(),
        json!({"type": "Create", "object": "https://r.example/notes/spam"}).to_string(),
        json!({"type": "Create", "object": null}).to_string(),
        json!({"type": "Create", "object": [1, "spam", null]}).to_string(),
        json!({"type": "Create", "object": {"type": "Person", "name": "spam"}}).to_string(),
        json!({"type": "Create", "object": {"content": "spam"}}).to_string(),
        json!({"type": "Create", "object": {"type": "Note", "content": 5, "contentMap": ["spam"], "oneOf": "spam"}}).to_string(),
        json!({"type": "Like", "object": {"type": "Note", "content": "spam"}}).to_string(),
        json!({"type": 7, "object": {"type": "Note", "content": "spam"}}).to_string(),
        json!({"type": "Announce", "object": {"type": "Note", "content": "spam"}}).to_string(),
    ];
    for case in cases {
        assert_eq!(apply(&case, true, &rules), Outcome::Unchanged, "{case}");
    }
}

#[test]
fn object_lists_are_filtered_item_by_item() {
    let rules = config(&[("reject", "spam")]);
    let activity = json!({"type": "Create", "object": ["https://r.example/1", {"type": "Note", "content": "spam"}]}).to_string();
    assert!(matches!(apply(&activity, true, &rules), Outcome::Reject(_)));
}

#[test]
fn unchanged_means_the_same_text() {
    // Odd spacing and key order survive when nothing matched.
    let activity = r#"{ "type":"Create",  "object":{"type":"Note","content":"hello","zzz":1,"aaa":2} }"#;
    let rules = config(&[("unlist", "bye"), ("sensitive", "bye")]);
    assert_eq!(apply(activity, true, &rules), Outcome::Unchanged);
    assert_eq!(apply(activity, true, &config(&[])), Outcome::Unchanged);
}
