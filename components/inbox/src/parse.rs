//! The pure part of the inbox: the job payload, and what an activity asks for
//! ([`classify`]), read tolerantly from raw JSON (every server writes its own
//! dialect: `type` may be an array, `object` a URI, an embedded object or a list,
//! `actor` a string or an object). Nothing here touches the host, so it is tested
//! natively against every document in `tests/fixtures/activitypub`.

use serde_json::Value;

/// Activity types an `Announce` may wrap (Lemmy communities and group relays
/// announce the activities of their members); the inner one is processed as if
/// received unverified.
pub const WRAPPABLE: &[&str] = &["Create", "Update", "Delete", "Like", "Announce", "Undo", "Dislike", "EmojiReact"];

/// Object types stored as statuses.
pub const CONTENT_TYPES: &[&str] = &["Note", "Question", "Article", "Page", "Video", "Audio", "Image", "Event"];

/// Actor types.
pub const ACTOR_TYPES: &[&str] = &["Person", "Service", "Application", "Group", "Organization"];

/// The job the host enqueues for each accepted inbox POST (the contract's).
pub type Payload = aerie_core::contract::jobs::InboxJob;

/// Reads the job payload: `{"activity", "signer", "verified", "recipient"}`. A bare
/// activity (no wrapper) is read as unverified.
pub fn parse_payload(bytes: &[u8]) -> Result<Payload, String> {
    Payload::parse(bytes)
}

/// The id a reference names: a string, an object's `id` (or a Link's `href`), or
/// the first of a list.
pub fn id_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(map) => {
            map.get("id").or_else(|| map.get("href")).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string)
        }
        Value::Array(items) => items.iter().find_map(id_of),
        _ => None,
    }
}

/// The first `type` of an object (`["Person", "vcard:Individual"]` is a Person).
pub fn kind_of(value: &Value) -> Option<String> {
    match value.get("type")? {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => items.iter().find_map(Value::as_str).map(str::to_string),
        _ => None,
    }
}

/// The actor of an activity: a string, an object's id, or of several the first
/// Person (PeerTube's `[Person, Group]`).
pub fn actor_of(value: &Value) -> Option<String> {
    let actor = value.get("actor")?;
    if let Value::Array(items) = actor
        && let Some(person) = items.iter().find(|i| kind_of(i).as_deref() == Some("Person"))
    {
        return id_of(person);
    }
    id_of(actor)
}

/// An activity's `object` (or `target`): only its id, or embedded.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectRef {
    pub id: Option<String>,
    /// The embedded object's type; `None` for a bare URI.
    pub kind: Option<String>,
    /// The embedded object (`Value::Null` for a bare URI).
    pub value: Value,
}

impl ObjectRef {
    /// Reads an `object` member: a URI, an object, or (of a list) the first entry.
    pub fn read(value: Option<&Value>) -> Option<ObjectRef> {
        match value? {
            Value::String(s) if !s.is_empty() => Some(ObjectRef { id: Some(s.clone()), kind: None, value: Value::Null }),
            v @ Value::Object(_) => Some(ObjectRef { id: id_of(v), kind: kind_of(v), value: v.clone() }),
            Value::Array(items) => items.iter().find_map(|i| ObjectRef::read(Some(i))),
            _ => None,
        }
    }

    pub fn is_embedded(&self) -> bool {
        self.value.is_object()
    }

    /// Whether the embedded object is of `kind`.
    pub fn is(&self, kind: &str) -> bool {
        self.kind.as_deref() == Some(kind)
    }

    /// The embedded object's `actor` (for an embedded activity).
    pub fn actor(&self) -> Option<String> {
        actor_of(&self.value)
    }

    /// The embedded activity's own `object`.
    pub fn object(&self) -> Option<ObjectRef> {
        ObjectRef::read(self.value.get("object"))
    }

    /// The embedded object's `attributedTo` (first Person of several).
    pub fn attributed_to(&self) -> Option<String> {
        let value = self.value.get("attributedTo")?;
        if let Value::Array(items) = value
            && let Some(person) = items.iter().find(|i| kind_of(i).as_deref() == Some("Person"))
        {
            return id_of(person);
        }
        id_of(value)
    }
}

/// What an `Undo` undoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undone {
    Follow,
    /// `Like`, `EmojiReact` (stored as favourites).
    Like,
    Announce,
    Block,
    /// An `Accept` of a Follow: the followed actor removes the follower.
    Accept,
    /// Only a URI: looked up by id among follows, favourites, reblogs and blocks.
    Unknown,
    /// Something not kept (`Dislike`, `Delete` in Lemmy, ...).
    Other,
}

/// What an activity asks the instance to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Follow the local actor `object`.
    Follow {
        object: String,
    },
    /// Accept (of an outgoing Follow, or of something else that is ignored).
    Accept {
        object: ObjectRef,
    },
    Reject {
        object: ObjectRef,
    },
    Undo {
        inner: ObjectRef,
        undone: Undone,
    },
    /// A new status: embedded content object or its URI.
    Create {
        object: ObjectRef,
    },
    /// An edit of a status (`actor: false`) or of the actor itself (`actor: true`).
    Update {
        object: ObjectRef,
        actor: bool,
    },
    /// Delete a status or (when `object` is the actor) the account.
    Delete {
        object: String,
    },
    /// A like; `emoji` for `EmojiReact` (kept as a favourite).
    Like {
        object: String,
        emoji: Option<String>,
    },
    /// A boost of `object`, or (when `wrapped`) a group relaying the embedded activity.
    Announce {
        object: ObjectRef,
        wrapped: bool,
    },
    Block {
        object: String,
    },
    Move {
        object: String,
        target: String,
    },
    /// Add to / remove from a collection (the featured one: pins).
    Add {
        object: ObjectRef,
        target: String,
    },
    Remove {
        object: ObjectRef,
        target: String,
    },
    Flag {
        objects: Vec<String>,
    },
    QuoteRequest {
        object: String,
    },
    /// Nothing to do, and why.
    Ignore(String),
}

impl Action {
    /// A short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Follow { .. } => "Follow",
            Action::Accept { .. } => "Accept",
            Action::Reject { .. } => "Reject",
            Action::Undo { .. } => "Undo",
            Action::Create { .. } => "Create",
            Action::Update { .. } => "Update",
            Action::Delete { .. } => "Delete",
            Action::Like { .. } => "Like",
            Action::Announce { .. } => "Announce",
            Action::Block { .. } => "Block",
            Action::Move { .. } => "Move",
            Action::Add { .. } => "Add",
            Action::Remove { .. } => "Remove",
            Action::Flag { .. } => "Flag",
            Action::QuoteRequest { .. } => "QuoteRequest",
            Action::Ignore(_) => "ignored",
        }
    }
}

/// The embedded activity an `Announce` wraps (Lemmy, group relays), if any.
pub fn wrapped_activity(announce: &Value) -> Option<&Value> {
    let object = match announce.get("object")? {
        Value::Array(items) => items.first()?,
        other => other,
    };
    let kind = kind_of(object)?;
    (WRAPPABLE.contains(&kind.as_str()) && object.get("actor").is_some()).then_some(object)
}

fn ignore(reason: impl Into<String>) -> Action {
    Action::Ignore(reason.into())
}

/// What `activity` asks for; never fails: anything unusable is [`Action::Ignore`].
pub fn classify(activity: &Value) -> Action {
    if !activity.is_object() {
        return ignore("not a JSON object");
    }
    let Some(kind) = kind_of(activity) else { return ignore("no type") };
    if actor_of(activity).is_none() {
        return ignore(format!("{kind} without an actor"));
    }
    let object = ObjectRef::read(activity.get("object"));
    let object_id = object.as_ref().and_then(|o| o.id.clone());
    let target_id = activity.get("target").and_then(id_of);
    let need_object = |what: &str| ignore(format!("{what} without an object"));
    match kind.as_str() {
        "Follow" => match object_id {
            Some(object) => Action::Follow { object },
            None => need_object("Follow"),
        },
        "Accept" | "TentativeAccept" => match object {
            Some(object) => Action::Accept { object },
            None => need_object("Accept"),
        },
        "Reject" | "TentativeReject" => match object {
            Some(object) => Action::Reject { object },
            None => need_object("Reject"),
        },
        "Undo" => match object {
            Some(inner) => {
                let undone = match inner.kind.as_deref() {
                    None => Undone::Unknown,
                    Some("Follow") => Undone::Follow,
                    Some("Like" | "EmojiReact" | "EmojiReaction") => Undone::Like,
                    Some("Announce") => Undone::Announce,
                    Some("Block") => Undone::Block,
                    Some("Accept") => Undone::Accept,
                    Some(_) => Undone::Other,
                };
                Action::Undo { inner, undone }
            }
            None => need_object("Undo"),
        },
        "Create" => match object {
            Some(o) if o.is_embedded() => match o.kind.as_deref() {
                Some(k) if CONTENT_TYPES.contains(&k) => Action::Create { object: o },
                other => ignore(format!("Create of a {}", other.unwrap_or("object without type"))),
            },
            Some(o) if o.id.is_some() => Action::Create { object: o },
            _ => need_object("Create"),
        },
        "Update" => match object {
            Some(o) if o.is_embedded() => match o.kind.as_deref() {
                Some(k) if ACTOR_TYPES.contains(&k) => Action::Update { object: o, actor: true },
                Some(k) if CONTENT_TYPES.contains(&k) => Action::Update { object: o, actor: false },
                other => ignore(format!("Update of a {}", other.unwrap_or("object without type"))),
            },
            Some(o) if o.id.is_some() => {
                let actor = o.id == actor_of(activity);
                Action::Update { object: o, actor }
            }
            _ => need_object("Update"),
        },
        "Delete" => match object_id {
            Some(object) => Action::Delete { object },
            None => need_object("Delete"),
        },
        "Like" | "EmojiReact" | "EmojiReaction" => match object_id {
            Some(object) => Action::Like {
                object,
                emoji: (kind != "Like").then(|| activity.get("content").and_then(Value::as_str).unwrap_or_default().to_string()),
            },
            None => need_object(&kind),
        },
        "Announce" => match object {
            Some(o) => {
                let wrapped = wrapped_activity(activity).is_some();
                if !wrapped && o.is_embedded() && !o.kind.as_deref().is_some_and(|k| CONTENT_TYPES.contains(&k)) {
                    return ignore(format!("Announce of a {}", o.kind.as_deref().unwrap_or("object without type")));
                }
                if o.id.is_none() && !wrapped {
                    return need_object("Announce");
                }
                Action::Announce { object: o, wrapped }
            }
            None => need_object("Announce"),
        },
        "Block" => match object_id {
            Some(object) => Action::Block { object },
            None => need_object("Block"),
        },
        "Move" => match (object_id, target_id) {
            (Some(object), Some(target)) => Action::Move { object, target },
            _ => ignore("Move without an object and a target"),
        },
        "Add" | "Remove" => match (object, target_id) {
            (Some(object), Some(target)) if object.id.is_some() => {
                if kind == "Add" {
                    Action::Add { object, target }
                } else {
                    Action::Remove { object, target }
                }
            }
            _ => ignore(format!("{kind} without an object and a target")),
        },
        "Flag" => {
            let objects = match activity.get("object") {
                Some(Value::Array(items)) => items.iter().filter_map(id_of).collect(),
                Some(other) => id_of(other).into_iter().collect(),
                None => Vec::new(),
            };
            Action::Flag { objects }
        }
        "QuoteRequest" => match object_id {
            Some(object) => Action::QuoteRequest { object },
            None => need_object("QuoteRequest"),
        },
        other => ignore(format!("{other} is not handled")),
    }
}

/// A Flag's comment: its `content` (Mastodon, Pleroma, Misskey, GoToSocial, Mbin), or
/// its `summary` (Lemmy writes the reason there); empty when it has neither. Still
/// HTML: the caller makes it plain text.
pub fn flag_comment(flag: &Value) -> String {
    ["content", "summary"]
        .iter()
        .filter_map(|member| flag.get(*member).and_then(Value::as_str))
        .map(str::trim)
        .find(|text| !text.is_empty())
        .unwrap_or_default()
        .to_string()
}

/// The addressing of an activity or object (`to`, `cc`), as URIs.
pub fn addresses(value: &Value, member: &str) -> Vec<String> {
    match value.get(member) {
        Some(Value::Array(items)) => items.iter().filter_map(id_of).collect(),
        Some(other) => id_of(other).into_iter().collect(),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::{Path, PathBuf};

    #[test]
    fn payloads() {
        let p = parse_payload(br#"{"activity": {"type": "Like", "actor": "https://a/u", "object": "https://b/s"}, "signer": "https://a/u", "verified": true, "recipient": null}"#).unwrap();
        assert!(p.verified);
        assert_eq!(p.recipient, None);
        assert_eq!(p.signer, "https://a/u");
        let p = parse_payload(br#"{"activity": {"type": "Like"}, "signer": "x", "verified": false, "recipient": 42}"#).unwrap();
        assert_eq!((p.verified, p.recipient), (false, Some(42)));
        let bare = parse_payload(br#"{"type": "Like", "actor": "a"}"#).unwrap();
        assert!(!bare.verified);
        assert!(parse_payload(b"[]").is_err());
        assert!(parse_payload(b"nope").is_err());
        assert!(parse_payload(br#"{"activity": "x"}"#).is_err());
    }

    #[test]
    fn object_refs() {
        let link = ObjectRef::read(Some(&json!("https://a/s/1"))).unwrap();
        assert_eq!((link.id.as_deref(), link.kind.as_deref(), link.is_embedded()), (Some("https://a/s/1"), None, false));
        let embedded = ObjectRef::read(Some(
            &json!({"id": "https://a/f/1", "type": ["Follow"], "actor": {"id": "https://a/u"}, "object": "https://b/v"}),
        ))
        .unwrap();
        assert!(embedded.is("Follow"));
        assert_eq!(embedded.actor().as_deref(), Some("https://a/u"));
        assert_eq!(embedded.object().and_then(|o| o.id).as_deref(), Some("https://b/v"));
        let listed = ObjectRef::read(Some(
            &json!([{"id": "https://a/n", "type": "Note", "attributedTo": [{"type": "Group", "id": "g"}, {"type": "Person", "id": "p"}]}]),
        ))
        .unwrap();
        assert_eq!(listed.attributed_to().as_deref(), Some("p"));
        assert!(ObjectRef::read(Some(&json!(null))).is_none());
        assert!(ObjectRef::read(None).is_none());
    }

    #[test]
    fn classifies() {
        let follow = json!({"type": "Follow", "id": "https://r/f", "actor": "https://r/u", "object": "https://l/users/a"});
        assert_eq!(classify(&follow), Action::Follow { object: "https://l/users/a".into() });
        let undo = json!({"type": "Undo", "actor": "https://r/u", "object": follow});
        assert!(matches!(classify(&undo), Action::Undo { undone: Undone::Follow, .. }));
        let undo_uri = json!({"type": "Undo", "actor": "https://r/u", "object": "https://r/f"});
        assert!(matches!(classify(&undo_uri), Action::Undo { undone: Undone::Unknown, .. }));
        let create = json!({"type": "Create", "actor": "https://r/u", "object": {"type": "Note", "id": "https://r/n"}});
        assert!(matches!(classify(&create), Action::Create { .. }));
        let chat = json!({"type": "Create", "actor": "https://r/u", "object": {"type": "ChatMessage", "id": "https://r/c"}});
        assert!(matches!(classify(&chat), Action::Ignore(_)));
        let update_actor = json!({"type": "Update", "actor": "https://r/u", "object": {"type": "Person", "id": "https://r/u"}});
        assert!(matches!(classify(&update_actor), Action::Update { actor: true, .. }));
        let react = json!({"type": "EmojiReact", "actor": "https://r/u", "object": "https://l/s/1", "content": "🔥"});
        assert_eq!(classify(&react), Action::Like { object: "https://l/s/1".into(), emoji: Some("🔥".into()) });
        let quote = json!({"type": "QuoteRequest", "actor": "https://r/u", "object": "https://l/s/1", "instrument": "https://r/n"});
        assert_eq!(classify(&quote), Action::QuoteRequest { object: "https://l/s/1".into() });
        assert!(matches!(classify(&json!({"type": "Like", "object": "x"})), Action::Ignore(_)));
        assert!(matches!(classify(&json!({"type": "View", "actor": "a", "object": "x"})), Action::Ignore(_)));
        assert!(matches!(classify(&json!("Follow")), Action::Ignore(_)));
    }

    #[test]
    fn announces_wrap_activities() {
        let wrapped = json!({"type": "Announce", "actor": "https://g/c/main", "id": "https://g/a/1",
            "object": {"type": "Create", "actor": "https://g/u/x", "id": "https://g/c/1", "object": {"type": "Page", "id": "https://g/post/1"}}});
        assert!(wrapped_activity(&wrapped).is_some());
        assert!(matches!(classify(&wrapped), Action::Announce { wrapped: true, .. }));
        let boost = json!({"type": "Announce", "actor": "https://r/u", "id": "https://r/a", "object": "https://l/s/1"});
        assert!(wrapped_activity(&boost).is_none());
        assert!(matches!(classify(&boost), Action::Announce { wrapped: false, .. }));
        let inline =
            json!({"type": "Announce", "actor": "https://r/u", "id": "https://r/a", "object": {"type": "Note", "id": "https://r/n"}});
        assert!(matches!(classify(&inline), Action::Announce { wrapped: false, .. }));
    }

    fn corpus() -> PathBuf {
        match std::env::var_os("AERIE_AP_FIXTURES") {
            Some(dir) => PathBuf::from(dir),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/activitypub"),
        }
    }

    fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                json_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }

    /// Every real document goes through payload parsing and classification without
    /// a panic, and the activities among them land where their type says.
    #[test]
    fn every_fixture_classifies() {
        let dir = corpus();
        let mut files = Vec::new();
        json_files(&dir, &mut files);
        files.sort();
        assert!(files.len() > 100, "expected the corpus in {}", dir.display());
        let mut handled = 0;
        for path in &files {
            let name = path.strip_prefix(&dir).unwrap().display().to_string();
            let text = std::fs::read_to_string(path).unwrap();
            let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            let payload = serde_json::json!({"activity": value, "signer": "https://x.example/u", "verified": true, "recipient": null});
            let parsed = match parse_payload(payload.to_string().as_bytes()) {
                Ok(parsed) => parsed,
                Err(_) => continue, // not an object (a list, ...)
            };
            let action = classify(&parsed.activity);
            let _ = wrapped_activity(&parsed.activity);
            let kind = kind_of(&value).unwrap_or_default();
            let has_actor = actor_of(&value).is_some();
            let expected = match kind.as_str() {
                "Follow" | "Accept" | "Reject" | "Undo" | "Delete" | "Like" | "Block" | "Move" | "Flag" if has_actor => Some(kind.as_str()),
                _ => None,
            };
            if let Some(expected) = expected
                && value.get("object").is_some_and(|o| !o.is_null())
            {
                assert_eq!(action.name(), expected, "{name}: {action:?}");
            }
            if !matches!(action, Action::Ignore(_)) {
                handled += 1;
                assert!(has_actor, "{name}: handled without an actor");
            }
        }
        assert!(handled > 40, "only {handled} fixtures were classified as something to do");
    }

    fn fixture(name: &str) -> Value {
        let text = std::fs::read_to_string(corpus().join(name)).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn known_fixtures() {
        assert!(matches!(classify(&fixture("mastodon/follow.json")), Action::Follow { .. }));
        assert!(matches!(classify(&fixture("mastodon/accept-follow.json")), Action::Accept { .. }));
        assert!(matches!(classify(&fixture("mastodon/undo-announce.json")), Action::Undo { undone: Undone::Announce, .. }));
        assert!(matches!(classify(&fixture("mastodon/create-question-poll.json")), Action::Create { .. }));
        assert!(matches!(classify(&fixture("mastodon/update-person.json")), Action::Update { actor: true, .. }));
        assert!(matches!(classify(&fixture("lemmy/announce-create-page.json")), Action::Announce { wrapped: true, .. }));
        assert!(matches!(classify(&fixture("lemmy/create-page.json")), Action::Create { .. }));
        assert!(matches!(classify(&fixture("mastodon/announce.json")), Action::Announce { wrapped: false, .. }));
        // Flags as servers send them: the reported actor and statuses, and the comment.
        for (name, objects, comment) in [
            ("mastodon/flag.json", 3, "Please take a look at this user and their posts"),
            ("mastodon/flag-report.json", 2, "test report, it's actually fine to use swagger"),
            ("gotosocial/flag-report.json", 2, "dark souls sucks, please yeet this nerd"),
            ("mbin/flag.json", 2, "dikjhgasdpas dsaü"),
            ("mbin/flag-post.json", 1, ""),
            ("lemmy/report-page.json", 1, "report this post"),
        ] {
            let flag = fixture(name);
            match classify(&flag) {
                Action::Flag { objects: found } => assert_eq!(found.len(), objects, "{name}: {found:?}"),
                other => panic!("{name}: {other:?}"),
            }
            assert_eq!(flag_comment(&flag), comment, "{name}");
        }
        let embedded = json!({"type": "Flag", "actor": "https://p/u", "content": " ",
            "object": [{"type": "Person", "id": "https://l/users/a"}, {"type": "Note", "id": "https://l/s/1", "content": "x"}]});
        assert_eq!(classify(&embedded), Action::Flag { objects: vec!["https://l/users/a".into(), "https://l/s/1".into()] });
        assert_eq!(flag_comment(&embedded), "");
        match classify(&fixture("gotosocial/accept-like-polite.json")) {
            Action::Accept { object } => assert!(!object.is("Follow")),
            other => panic!("{other:?}"),
        }
    }
}
