//! Changing who an activity reaches, for moderation policies, without trusting the
//! JSON's shape: every helper accepts whatever it finds (string, list, object,
//! nothing) and never panics.

use serde_json::{Map, Value};

/// The ways the public collection is written.
const PUBLIC: [&str; 3] = ["https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"];

fn is_public(value: &Value) -> bool {
    value.as_str().is_some_and(|s| PUBLIC.contains(&s))
}

/// Whether `value` (a string or a list of strings) names one of `types`.
pub fn has_type(object: &Map<String, Value>, types: &[&str]) -> bool {
    match object.get("type") {
        Some(Value::String(t)) => types.contains(&t.as_str()),
        Some(Value::Array(list)) => list.iter().any(|t| t.as_str().is_some_and(|t| types.contains(&t))),
        _ => false,
    }
}

/// Makes a public `object` unlisted: the public collection moves from `to` to `cc`.
/// True if anything changed (nothing does when it is not addressed publicly in `to`).
pub fn unlist(object: &mut Map<String, Value>) -> bool {
    let moved: Vec<Value> = match object.get_mut("to") {
        Some(Value::Array(to)) => {
            let moved: Vec<Value> = to.iter().filter(|v| is_public(v)).cloned().collect();
            to.retain(|v| !is_public(v));
            moved
        }
        Some(single) if is_public(single) => vec![std::mem::replace(single, Value::Array(Vec::new()))],
        _ => Vec::new(),
    };
    if moved.is_empty() {
        return false;
    }
    let cc = match object.remove("cc") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list,
        Some(other) => vec![other],
    };
    let mut cc = cc;
    for public in moved {
        if !cc.contains(&public) {
            cc.push(public);
        }
    }
    object.insert("cc".to_string(), Value::Array(cc));
    true
}

/// Sets `sensitive: true`; true if it was not already.
pub fn mark_sensitive(object: &mut Map<String, Value>) -> bool {
    if object.get("sensitive") == Some(&Value::Bool(true)) {
        return false;
    }
    object.insert("sensitive".to_string(), Value::Bool(true));
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn unlist_moves_every_form_of_public() {
        let mut o = map(json!({"to": ["as:Public", "https://a.example/followers"], "cc": "https://b.example/u"}));
        assert!(unlist(&mut o));
        assert_eq!(Value::Object(o), json!({"to": ["https://a.example/followers"], "cc": ["https://b.example/u", "as:Public"]}));

        let mut o = map(json!({"to": "https://www.w3.org/ns/activitystreams#Public"}));
        assert!(unlist(&mut o));
        assert_eq!(Value::Object(o), json!({"to": [], "cc": ["https://www.w3.org/ns/activitystreams#Public"]}));

        let mut o = map(json!({"to": ["Public"], "cc": ["Public"]}));
        assert!(unlist(&mut o));
        assert_eq!(Value::Object(o), json!({"to": [], "cc": ["Public"]}));
    }

    #[test]
    fn unlist_leaves_other_addressing_alone() {
        for value in [
            json!({}),
            json!({"to": 5, "cc": "as:Public"}),
            json!({"to": ["https://a.example/followers"], "cc": ["as:Public"]}),
            json!({"to": null}),
            json!({"to": [{"id": "x"}, 3]}),
        ] {
            let mut o = map(value.clone());
            assert!(!unlist(&mut o));
            assert_eq!(Value::Object(o), value);
        }
    }

    #[test]
    fn sensitive_is_set_once() {
        let mut o = map(json!({"sensitive": false}));
        assert!(mark_sensitive(&mut o));
        assert!(!mark_sensitive(&mut o));
        assert_eq!(o["sensitive"], json!(true));
    }

    #[test]
    fn types_as_string_or_list() {
        assert!(has_type(&map(json!({"type": "Note"})), &["Note"]));
        assert!(has_type(&map(json!({"type": ["Foo", "Note"]})), &["Note"]));
        assert!(!has_type(&map(json!({"type": 1})), &["Note"]));
        assert!(!has_type(&map(json!({})), &["Note"]));
    }
}
