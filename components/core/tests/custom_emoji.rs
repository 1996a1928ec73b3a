//! Native tests of custom emoji against the in-memory harness: a text shows the
//! enabled emoji of its author's domain it names (never another domain's, never a
//! disabled one), local statuses' Notes carry them as `Emoji` tags, and an incoming
//! Note's `Emoji` tags become remote emoji of its author's domain.

mod common;

use aerie_core::activitystreams::Note;
use aerie_core::custom_emoji::{self, resolve};
use aerie_core::store::custom_emojis;
use aerie_sdk::db::{self, Autocommit, Value};
use aerie_sdk::{harness, settings};
use common::*;

const BASE: &str = "https://local.example";

/// A local emoji as `aerie admin emoji add` stores it.
fn local_emoji(shortcode: &str, disabled: bool) -> i64 {
    let id = settings::next_id();
    db::execute(
        "INSERT INTO custom_emojis (id, shortcode, image_key, content_type, category, disabled, created_at, updated_at) \
         VALUES ($1, $2, $3, 'image/png', 'Blobs', $4, 0, 0)",
        &[Value::Int64(id), Value::Text(shortcode.into()), Value::Text(format!("emojis/{id}/abc.png")), Value::Int64(i64::from(disabled))],
    )
    .expect("an emoji");
    id
}

#[test]
fn texts_show_the_enabled_emoji_of_their_domain() {
    harness::reset();
    let blobcat = local_emoji("blobcat", false);
    local_emoji("hidden", true);
    custom_emojis::upsert_remote(
        &Autocommit,
        settings::next_id(),
        "blobcat",
        "remote.example",
        None,
        "https://remote.example/c.png",
        "image/png",
        0,
    )
    .unwrap();

    let found =
        resolve(&Autocommit, &[(None, "hi :blobcat: :hidden: :nope:"), (Some("remote.example"), "<p>:blobcat:</p>"), (None, "none")])
            .unwrap();
    assert_eq!(found[0].iter().map(|e| e.id).collect::<Vec<_>>(), vec![blobcat]);
    assert_eq!(found[1].len(), 1);
    assert_eq!(found[1][0].domain.as_deref(), Some("remote.example"));
    assert!(found[2].is_empty());

    let entity = custom_emoji::to_api(&found[0][0], BASE);
    assert_eq!(entity.url, format!("{BASE}/system/emojis/{blobcat}/abc.png"));
    assert_eq!(entity.static_url, entity.url);
    assert_eq!(entity.category.as_deref(), Some("Blobs"));
    assert_eq!(custom_emoji::to_api(&found[1][0], BASE).url, "https://remote.example/c.png");

    // The picker lists the enabled local ones only.
    let listed: Vec<String> = custom_emojis::enabled_local(&Autocommit).unwrap().into_iter().map(|e| e.shortcode).collect();
    assert_eq!(listed, vec!["blobcat"]);
}

#[test]
fn local_notes_carry_emoji_tags() {
    harness::reset();
    let id = local_emoji("blobcat", false);
    let alice = local_account("alice");
    let row = status(alice, true, "hello :blobcat:", &[]);
    let note = aerie_core::outbound::note(&row, &account(alice), BASE, "local.example").unwrap();
    let json = serde_json::to_value(&note).unwrap();
    let emoji = json["tag"].as_array().unwrap().iter().find(|t| t["type"] == "Emoji").expect("an Emoji tag");
    assert_eq!(emoji["id"], format!("{BASE}/emojis/{id}"));
    assert_eq!(emoji["name"], ":blobcat:");
    assert_eq!(emoji["icon"]["type"], "Image");
    assert_eq!(emoji["icon"]["mediaType"], "image/png");
    assert_eq!(emoji["icon"]["url"], format!("{BASE}/system/emojis/{id}/abc.png"));

    let plain = status(alice, true, "no emoji at 12:30:00", &[]);
    let note = aerie_core::outbound::note(&plain, &account(alice), BASE, "local.example").unwrap();
    assert!(note.tag.iter().all(|t| t.kind != "Emoji"));
}

#[test]
fn incoming_emoji_tags_become_remote_emoji() {
    harness::reset();
    let bob = remote_account("bob", "remote.example");
    let note: Note = serde_json::from_value(serde_json::json!({
        "id": "https://remote.example/notes/1",
        "type": "Note",
        "attributedTo": "https://remote.example/users/bob",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "content": "<p>party :party_parrot:</p>",
        "published": "2026-01-01T00:00:00Z",
        "tag": [
            {"type": "Emoji", "id": "https://remote.example/emojis/7", "name": ":party_parrot:",
             "icon": {"type": "Image", "mediaType": "image/gif", "url": "https://remote.example/pp.gif"}},
            {"type": "Emoji", "name": ":bad-name:", "icon": {"type": "Image", "url": "https://remote.example/x.png"}},
            {"type": "Emoji", "name": ":noicon:"}
        ]
    }))
    .unwrap();
    aerie_core::remote::store_note(&note, &account(bob)).expect("stored");
    let stored = count("SELECT COUNT(*) AS n FROM custom_emojis WHERE domain = $1", &[Value::Text("remote.example".into())]);
    assert_eq!(stored, 1);
    let found = resolve(&Autocommit, &[(Some("remote.example"), "<p>party :party_parrot:</p>")]).unwrap();
    assert_eq!(found[0].len(), 1);
    assert_eq!(found[0][0].uri.as_deref(), Some("https://remote.example/emojis/7"));
    assert_eq!(found[0][0].content_type, "image/gif");
    // Not the instance's own: a local text naming it shows nothing.
    assert!(resolve(&Autocommit, &[(None, ":party_parrot:")]).unwrap()[0].is_empty());

    // Seen again with a new picture: the row is refreshed, not duplicated.
    let mut again = note.clone();
    again.id = "https://remote.example/notes/2".into();
    again.tag[0].icon.as_mut().unwrap().url = Some("https://remote.example/pp2.gif".into());
    aerie_core::remote::store_note(&again, &account(bob)).expect("stored");
    let found = resolve(&Autocommit, &[(Some("remote.example"), ":party_parrot:")]).unwrap();
    assert_eq!(found[0][0].image_remote_url.as_deref(), Some("https://remote.example/pp2.gif"));
    assert_eq!(count("SELECT COUNT(*) AS n FROM custom_emojis", &[]), 1);
}
