//! Every real ActivityPub, WebFinger and NodeInfo document in the shared fixture
//! corpus (captured from Mastodon, GoToSocial, Pleroma, Lemmy, Misskey, ...) reads
//! into aerie-core's ActivityStreams types without a panic or an error, lands in the
//! variant its `type` says, and keeps the members federation relies on.
//!
//! The corpus is `tests/fixtures/activitypub` (its README names every source and
//! licence); `AERIE_AP_FIXTURES` points elsewhere, e.g. at a held-out set.

use std::path::{Path, PathBuf};

use aerie_core::activitystreams::{ACTIVITY_TYPES, ACTOR_TYPES, COLLECTION_TYPES, Document, Object};

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

fn first_type(value: &serde_json::Value) -> Option<String> {
    match value.get("type")? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(items) => items.iter().find_map(|i| i.as_str().map(str::to_string)),
        _ => None,
    }
}

/// What an id must look like, unless the test authors put a placeholder there.
fn plausible_id(id: &str) -> bool {
    id.starts_with("http") || id.contains("SCRUBBED") || id.contains("{{")
}

#[test]
fn every_fixture_reads() {
    let dir = corpus();
    assert!(dir.is_dir(), "the fixture corpus {} is missing", dir.display());
    let mut files = Vec::new();
    json_files(&dir, &mut files);
    files.sort();
    assert!(files.len() > 100, "expected the whole corpus in {}, found {} files", dir.display(), files.len());
    let (mut actors, mut notes, mut activities, mut collections, mut webfingers) = (0, 0, 0, 0, 0);
    for path in &files {
        let name = path.strip_prefix(&dir).unwrap().display().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let raw: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: not JSON: {e}"));
        let document = Document::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let kind = first_type(&raw);
        match (&document, kind.as_deref()) {
            (Document::WebFinger(jrd), None) => {
                webfingers += 1;
                assert!(jrd.subject.starts_with("acct:") || !jrd.links.is_empty(), "{name}: an empty JRD");
                if jrd.subject.starts_with("acct:") && raw["links"].to_string().contains("activity+json") {
                    assert!(jrd.actor_url().is_some(), "{name}: the actor link was lost");
                }
            }
            (Document::Object(Object::Actor(actor)), Some(kind)) => {
                actors += 1;
                assert!(ACTOR_TYPES.contains(&kind), "{name}: {kind} read as an actor");
                assert!(plausible_id(&actor.id), "{name}: actor id {:?}", actor.id);
                assert!(!actor.preferred_username.is_empty() || raw.get("preferredUsername").is_none(), "{name}: lost preferredUsername");
                if raw["publicKey"]["publicKeyPem"].is_string() {
                    assert!(actor.public_key.as_ref().is_some_and(|k| k.public_key_pem.contains("PUBLIC KEY")), "{name}: lost the key");
                }
                if raw["inbox"].is_string() {
                    assert_eq!(actor.inbox, raw["inbox"].as_str().unwrap(), "{name}");
                }
            }
            (Document::Object(Object::Activity(activity)), Some(kind)) => {
                activities += 1;
                assert!(ACTIVITY_TYPES.contains(&kind) || raw.get("actor").is_some(), "{name}: {kind} read as an activity");
                assert!(!activity.actor.is_empty() || raw.get("actor").is_none(), "{name}: lost the actor");
                if let Some(object) = raw.get("object").filter(|o| o.is_object()) {
                    // An embedded object keeps its id and, for statuses, its addressing.
                    let read = activity.object.as_ref().unwrap_or_else(|| panic!("{name}: lost the object"));
                    assert_eq!(read.id(), object.get("id").and_then(|i| i.as_str()), "{name}: object id");
                    if let (Object::Note(note), Some(to)) = (read, object.get("to")) {
                        let expected = if to.is_array() { to.as_array().unwrap().len() } else { usize::from(to.is_string()) };
                        assert_eq!(note.to.len(), expected, "{name}: object.to");
                    }
                }
            }
            (Document::Object(Object::Collection(collection)), Some(kind)) => {
                collections += 1;
                assert!(COLLECTION_TYPES.contains(&kind), "{name}: {kind} read as a collection");
                let listed = raw.get("orderedItems").or(raw.get("items")).and_then(|i| i.as_array()).map_or(0, Vec::len);
                assert_eq!(collection.entries().len(), listed, "{name}: items");
            }
            (Document::Object(Object::Note(note)), Some(kind)) => {
                notes += 1;
                assert!(!ACTOR_TYPES.contains(&kind) && !COLLECTION_TYPES.contains(&kind), "{name}: {kind} read as a status");
                assert_eq!(note.kind, kind, "{name}");
                if let Some(content) = raw.get("content").and_then(|c| c.as_str()) {
                    assert_eq!(note.content, content, "{name}: content");
                }
                if raw["attributedTo"].is_string() {
                    assert_eq!(note.attributed_to, raw["attributedTo"].as_str().unwrap(), "{name}: attributedTo");
                }
            }
            (Document::Object(Object::Other(_)), _) => {
                // NodeInfo and the like: not ActivityStreams, read as plain JSON.
                assert!(raw.get("type").is_none() || kind.is_none(), "{name}: a typed document was not read: {kind:?}");
            }
            (other, kind) => panic!("{name}: type {kind:?} read as {other:?}"),
        }
    }
    eprintln!(
        "{} documents: {actors} actors, {notes} statuses, {activities} activities, {collections} collections, {webfingers} JRDs",
        files.len()
    );
    assert!(actors > 50 && notes > 40 && activities > 100 && collections > 5 && webfingers > 5);
}

/// Every status in the corpus keeps its files as attachments to store (Mastodon's,
/// Pleroma's, Misskey's, Owncast's single object, Lemmy's and WordPress's images),
/// and nothing that is not a file: links, profile fields, PeerTube's properties.
#[test]
fn attachments_of_every_status() {
    let dir = corpus();
    let mut files = Vec::new();
    json_files(&dir, &mut files);
    files.sort();
    let mut with_media = 0;
    for path in &files {
        let name = path.strip_prefix(&dir).unwrap().display().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let note = match Document::parse(&text) {
            Ok(Document::Object(Object::Note(note))) => *note,
            Ok(Document::Object(Object::Activity(activity))) => match activity.object {
                Some(Object::Note(note)) => *note,
                _ => continue,
            },
            _ => continue,
        };
        let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
        let raw_note = if raw.get("object").is_some_and(|o| o.is_object()) { &raw["object"] } else { &raw };
        let listed = match &raw_note["attachment"] {
            serde_json::Value::Array(items) => items.clone(),
            serde_json::Value::Null => Vec::new(),
            other => vec![other.clone()],
        };
        let files_listed = listed
            .iter()
            .filter(|a| matches!(a["type"].as_str(), Some("Document" | "Image" | "Video" | "Audio")))
            .filter(|a| a["url"].as_str().is_some_and(|u| u.starts_with("http")) || a["url"].is_array())
            .count();
        let media = aerie_core::media::note_attachments(&note);
        assert_eq!(media.len(), files_listed, "{name}: {media:?}");
        for item in &media {
            assert!(item.url.starts_with("http"), "{name}: {}", item.url);
            assert!(["image", "video", "audio", "unknown"].contains(&item.kind), "{name}");
        }
        with_media += usize::from(!media.is_empty());
    }
    assert!(with_media >= 8, "only {with_media} statuses with files");
}
