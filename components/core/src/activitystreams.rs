//! The federation vocabulary: ActivityStreams 2.0 documents as ActivityPub servers
//! exchange them, as serde structs, plus WebFinger's JRD.
//!
//! Reading is tolerant, because every server writes its own dialect: unknown members
//! are ignored; an address list (`to`, `cc`, `alsoKnownAs`) may be one string, an
//! array, embedded objects or `null`; a reference (`attributedTo`, `actor`,
//! `inReplyTo`, `url`) may be a string, an object or an array; `type` may be an
//! array; `tag` and `attachment` may be one object; missing text is empty. Nothing
//! here fails on a well-formed JSON object of the wrong shape: members that cannot be
//! read are left at their defaults. Writing follows Mastodon's shapes (member names,
//! `summary: null`, the JSON-LD contexts below).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};

/// The address meaning "everyone".
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
/// The ActivityStreams JSON-LD context.
pub const AS_CONTEXT: &str = "https://www.w3.org/ns/activitystreams";
/// The context that defines `publicKey`.
pub const SECURITY_CONTEXT: &str = "https://w3id.org/security/v1";
/// The media type of ActivityPub documents.
pub const ACTIVITY_JSON: &str = "application/activity+json";

/// Whether `address` is the public collection (in any of the spellings servers use).
pub fn is_public(address: &str) -> bool {
    matches!(address, PUBLIC | "as:Public" | "Public")
}

/// The `@context` Mastodon sends with actors.
pub fn actor_context() -> Value {
    json!([
        AS_CONTEXT,
        SECURITY_CONTEXT,
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "toot": "http://joinmastodon.org/ns#",
            "featured": { "@id": "toot:featured", "@type": "@id" },
            "featuredTags": { "@id": "toot:featuredTags", "@type": "@id" },
            "alsoKnownAs": { "@id": "as:alsoKnownAs", "@type": "@id" },
            "movedTo": { "@id": "as:movedTo", "@type": "@id" },
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "discoverable": "toot:discoverable",
            "suspended": "toot:suspended",
            "memorial": "toot:memorial",
            "indexable": "toot:indexable",
            "Emoji": "toot:Emoji",
            "focalPoint": { "@container": "@list", "@id": "toot:focalPoint" }
        }
    ])
}

/// The `@context` Mastodon sends with statuses (Notes, Questions and the activities
/// and collections that embed them).
pub fn note_context() -> Value {
    json!([
        AS_CONTEXT,
        {
            "ostatus": "http://ostatus.org#",
            "atomUri": "ostatus:atomUri",
            "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
            "conversation": "ostatus:conversation",
            "sensitive": "as:sensitive",
            "toot": "http://joinmastodon.org/ns#",
            "votersCount": "toot:votersCount",
            "blurhash": "toot:blurhash",
            "focalPoint": { "@container": "@list", "@id": "toot:focalPoint" },
            "Hashtag": "as:Hashtag"
        }
    ])
}

/// The plain ActivityStreams context, for collections of links.
pub fn plain_context() -> Value {
    json!(AS_CONTEXT)
}

/// Types read as actors.
pub const ACTOR_TYPES: &[&str] = &["Person", "Service", "Application", "Group", "Organization"];
/// Types read as collections.
pub const COLLECTION_TYPES: &[&str] = &["Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage"];
/// Types read as activities (an object with an `actor` is one too).
pub const ACTIVITY_TYPES: &[&str] = &[
    "Create",
    "Update",
    "Delete",
    "Follow",
    "Accept",
    "Reject",
    "TentativeAccept",
    "TentativeReject",
    "Undo",
    "Announce",
    "Like",
    "Dislike",
    "EmojiReact",
    "EmojiReaction",
    "Block",
    "Flag",
    "Add",
    "Remove",
    "Move",
    "Lock",
    "Resolve",
    "Warn",
    "Join",
    "Leave",
    "Invite",
    "Offer",
    "Ignore",
    "Read",
    "View",
    "Listen",
    "Arrive",
    "Travel",
];

/// The tolerant readers behind the `deserialize_with` of every member.
mod tolerant {
    use super::*;
    use serde::de::DeserializeOwned;

    /// The id a reference names: a string, or an object's `id` (or `href`).
    pub fn id_of(value: &Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Object(map) => map.get("id").or_else(|| map.get("href")).and_then(Value::as_str).map(str::to_string),
            Value::Array(items) => items.iter().find_map(id_of),
            _ => None,
        }
    }

    /// The first `type` of a value (`["Person", "vcard:Individual"]` is a Person).
    pub fn kind_of(value: &Value) -> Option<&str> {
        match value.get("type")? {
            Value::String(s) => Some(s),
            Value::Array(items) => items.iter().find_map(Value::as_str),
            _ => None,
        }
    }

    pub fn kind<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        let value = Value::deserialize(d)?;
        Ok(kind_of(&json!({ "type": value })).unwrap_or_default().to_string())
    }

    pub fn ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Array(items) => items.iter().filter_map(id_of).collect(),
            other => id_of(&other).into_iter().collect(),
        })
    }

    pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(id_of(&Value::deserialize(d)?))
    }

    pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(id_of(&Value::deserialize(d)?).unwrap_or_default())
    }

    /// An actor reference; of several (PeerTube's `[Person, Group]`), the first Person.
    pub fn actor<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        let value = Value::deserialize(d)?;
        if let Value::Array(items) = &value
            && let Some(person) = items.iter().find(|i| kind_of(i) == Some("Person"))
        {
            return Ok(id_of(person).unwrap_or_default());
        }
        Ok(id_of(&value).unwrap_or_default())
    }

    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => s,
            _ => String::new(),
        })
    }

    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => Some(s),
            _ => None,
        })
    }

    pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Bool(b) => b,
            Value::String(s) => s == "true",
            _ => false,
        })
    }

    pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Bool(b) => Some(b),
            Value::String(s) if s == "true" || s == "false" => Some(s == "true"),
            _ => None,
        })
    }

    pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Number(n) => n.as_u64().or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
    }

    pub fn floats<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<f64>>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Array(items) => Some(items.iter().filter_map(Value::as_f64).collect()),
            _ => None,
        })
    }

    /// A URL: a string, a Link object's `href`, or of several the `text/html` one.
    pub fn url_of(value: &Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Object(map) => {
                map.get("href").and_then(Value::as_str).or_else(|| map.get("url").and_then(Value::as_str)).map(str::to_string)
            }
            Value::Array(items) => items
                .iter()
                .find(|i| i.get("mediaType").and_then(Value::as_str) == Some("text/html"))
                .and_then(url_of)
                .or_else(|| items.iter().find_map(url_of)),
            _ => None,
        }
    }

    pub fn url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(url_of(&Value::deserialize(d)?))
    }

    /// A map of language to text (`contentMap`); non-text entries are dropped.
    pub fn language_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Object(map) => map.into_iter().filter_map(|(k, v)| Some((k, v.as_str()?.to_string()))).collect(),
            _ => BTreeMap::new(),
        })
    }

    /// One object or several; entries that cannot be read are dropped.
    pub fn list<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Array(items) => items.into_iter().filter_map(|i| serde_json::from_value(i).ok()).collect(),
            Value::Null => Vec::new(),
            other => serde_json::from_value(other).ok().into_iter().collect(),
        })
    }

    /// One object (of several, the first that reads).
    pub fn one<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Array(items) => items.into_iter().find_map(|i| serde_json::from_value(i).ok()),
            Value::Null => None,
            other => serde_json::from_value(other).ok(),
        })
    }

    /// An image: an object, a bare URL, or of several the first.
    pub fn media<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Box<Attachment>>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(url) => Some(Box::new(Attachment { kind: "Image".into(), url: Some(url), ..Default::default() })),
            Value::Array(items) => items.into_iter().find_map(|i| serde_json::from_value(i).ok()),
            Value::Null => None,
            other => serde_json::from_value(other).ok(),
        })
    }

    /// A collection: embedded, or only its id.
    pub fn collection<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Collection>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(id) => Some(Collection { id: Some(id), ..Default::default() }),
            value @ Value::Object(_) => serde_json::from_value(value).ok(),
            _ => None,
        })
    }

    pub fn page<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PageRef>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(id) => Some(PageRef::Link(id)),
            value @ Value::Object(_) => serde_json::from_value(value).ok().map(|c| PageRef::Page(Box::new(c))),
            _ => None,
        })
    }

    pub fn objects<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Object>>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Array(items) => Some(items.into_iter().map(Object::from_value).collect()),
            Value::Null => None,
            other => Some(vec![Object::from_value(other)]),
        })
    }
}

/// A `Mention`, `Hashtag` or `Emoji` in an object's `tag` list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tag {
    #[serde(rename = "type", default, deserialize_with = "tolerant::kind")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::url")]
    pub href: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_id")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub updated: Option<String>,
    /// An Emoji's picture.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::media")]
    pub icon: Option<Box<Attachment>>,
}

/// An attached file (`Document`, `Image`, ...), a profile field (`PropertyValue`),
/// an actor's `icon` or `image`, or a `Link`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    #[serde(rename = "type", default, deserialize_with = "tolerant::kind")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::url")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub name: Option<String>,
    /// A `PropertyValue`'s value (HTML).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub blurhash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::floats")]
    pub focal_point: Option<Vec<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_u64")]
    pub width: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_u64")]
    pub height: Option<u64>,
}

/// One answer of a `Question`, with its vote count as `replies.totalItems`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PollOption {
    #[serde(rename = "type", default, deserialize_with = "tolerant::kind")]
    pub kind: String,
    #[serde(default, deserialize_with = "tolerant::string")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::collection")]
    pub replies: Option<Collection>,
}

impl PollOption {
    /// The votes this option has, as its server counted them.
    pub fn votes(&self) -> u64 {
        self.replies.as_ref().and_then(|r| r.total_items).unwrap_or(0)
    }
}

/// A status: `Note`, `Question` and the other content objects (`Article`, `Page`,
/// `Video`, `Tombstone`, ...), read the same way.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    #[serde(default, deserialize_with = "tolerant::id")]
    pub id: String,
    #[serde(rename = "type", default, deserialize_with = "tolerant::kind")]
    pub kind: String,
    /// The content warning; Mastodon writes `null` when there is none.
    #[serde(default, deserialize_with = "tolerant::opt_string")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "tolerant::opt_id")]
    pub in_reply_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub updated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::url")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "tolerant::actor")]
    pub attributed_to: String,
    #[serde(default, deserialize_with = "tolerant::ids")]
    pub to: Vec<String>,
    #[serde(default, deserialize_with = "tolerant::ids")]
    pub cc: Vec<String>,
    #[serde(default, deserialize_with = "tolerant::boolean")]
    pub sensitive: bool,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub atom_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub in_reply_to_atom_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_id")]
    pub conversation: Option<String>,
    /// A title (`Article`, `Page`).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub name: Option<String>,
    /// HTML; empty when the object has none.
    #[serde(default, deserialize_with = "tolerant::string")]
    pub content: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "tolerant::language_map")]
    pub content_map: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub media_type: Option<String>,
    /// A Question's end (`endTime`) and, once over, when it closed.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub closed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_u64")]
    pub voters_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "tolerant::list")]
    pub one_of: Vec<PollOption>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "tolerant::list")]
    pub any_of: Vec<PollOption>,
    #[serde(default, deserialize_with = "tolerant::list")]
    pub attachment: Vec<Attachment>,
    #[serde(default, deserialize_with = "tolerant::list")]
    pub tag: Vec<Tag>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::collection")]
    pub replies: Option<Collection>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::collection")]
    pub likes: Option<Collection>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::collection")]
    pub shares: Option<Collection>,
}

impl Note {
    /// The HTML to show: `content`, or else the first `contentMap` entry.
    pub fn html(&self) -> &str {
        if self.content.is_empty() { self.content_map.values().next().map(String::as_str).unwrap_or("") } else { &self.content }
    }

    /// The language of the content, when `contentMap` names exactly one.
    pub fn language(&self) -> Option<&str> {
        let mut keys = self.content_map.keys();
        match (keys.next(), keys.next()) {
            (Some(language), None) => Some(language),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    #[serde(default, deserialize_with = "tolerant::id")]
    pub id: String,
    #[serde(default, deserialize_with = "tolerant::id")]
    pub owner: String,
    #[serde(default, deserialize_with = "tolerant::string")]
    pub public_key_pem: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_id")]
    pub shared_inbox: Option<String>,
}

/// An actor: `Person`, `Service` (a bot), `Application`, `Group`, `Organization`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    #[serde(default, deserialize_with = "tolerant::id")]
    pub id: String,
    #[serde(rename = "type", default, deserialize_with = "tolerant::kind")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_id")]
    pub following: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_id")]
    pub followers: Option<String>,
    /// Empty when the actor has none (some servers send `null`).
    #[serde(default, deserialize_with = "tolerant::id")]
    pub inbox: String,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_id")]
    pub outbox: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_id")]
    pub featured: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_id")]
    pub featured_tags: Option<String>,
    #[serde(default, deserialize_with = "tolerant::string")]
    pub preferred_username: String,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::url")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "tolerant::boolean")]
    pub manually_approves_followers: bool,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_bool")]
    pub discoverable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_bool")]
    pub indexable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_bool")]
    pub memorial: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_bool")]
    pub suspended: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "tolerant::ids")]
    pub also_known_as: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_id")]
    pub moved_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::one")]
    pub public_key: Option<PublicKey>,
    #[serde(default, deserialize_with = "tolerant::list")]
    pub tag: Vec<Tag>,
    #[serde(default, deserialize_with = "tolerant::list")]
    pub attachment: Vec<Attachment>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::one")]
    pub endpoints: Option<Endpoints>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::media")]
    pub icon: Option<Box<Attachment>>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::media")]
    pub image: Option<Box<Attachment>>,
}

impl Actor {
    /// Where to deliver to this actor: its shared inbox when it has one.
    pub fn delivery_inbox(&self) -> &str {
        self.endpoints.as_ref().and_then(|e| e.shared_inbox.as_deref()).filter(|s| !s.is_empty()).unwrap_or(&self.inbox)
    }

    /// The profile fields (`PropertyValue` attachments) as `(name, value)`.
    pub fn fields(&self) -> Vec<(&str, &str)> {
        self.attachment
            .iter()
            .filter(|a| a.kind == "PropertyValue")
            .filter_map(|a| Some((a.name.as_deref()?, a.value.as_deref()?)))
            .collect()
    }
}

/// A page of a collection: only its id, or embedded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PageRef {
    Link(String),
    Page(Box<Collection>),
}

/// `Collection`, `OrderedCollection` and their pages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Collection {
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_id")]
    pub id: Option<String>,
    #[serde(rename = "type", default, deserialize_with = "tolerant::kind")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_u64")]
    pub total_items: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::page")]
    pub first: Option<PageRef>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::page")]
    pub last: Option<PageRef>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_id")]
    pub next: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_id")]
    pub prev: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_id")]
    pub part_of: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::objects")]
    pub items: Option<Vec<Object>>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::objects")]
    pub ordered_items: Option<Vec<Object>>,
}

impl Collection {
    /// The items, ordered or not.
    pub fn entries(&self) -> &[Object] {
        self.ordered_items.as_deref().or(self.items.as_deref()).unwrap_or(&[])
    }
}

/// An activity: `Create`, `Announce`, `Follow`, `Undo`, ...
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    #[serde(default, deserialize_with = "tolerant::id")]
    pub id: String,
    #[serde(rename = "type", default, deserialize_with = "tolerant::kind")]
    pub kind: String,
    #[serde(default, deserialize_with = "tolerant::actor")]
    pub actor: String,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "tolerant::ids")]
    pub to: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "tolerant::ids")]
    pub cc: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<Object>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Object>,
    /// A `Flag`'s comment, an `EmojiReact`'s emoji.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub content: Option<String>,
}

/// Anything an activity or a collection may hold: a bare id, or an embedded document.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Object {
    Link(String),
    Actor(Box<Actor>),
    Activity(Box<Activity>),
    Collection(Box<Collection>),
    Note(Box<Note>),
    /// Something else (a list, a `NodeInfo`, an object without `type`).
    Other(Value),
}

impl Object {
    /// Reads any JSON value by its `type`.
    pub fn from_value(value: Value) -> Object {
        let kind = tolerant::kind_of(&value).map(str::to_string);
        let read = |value: Value| -> Result<Object, Value> {
            let Some(kind) = kind.as_deref() else { return Err(value) };
            let result = if ACTOR_TYPES.contains(&kind) {
                serde_json::from_value(value.clone()).map(|a| Object::Actor(Box::new(a)))
            } else if COLLECTION_TYPES.contains(&kind) {
                serde_json::from_value(value.clone()).map(|c| Object::Collection(Box::new(c)))
            } else if ACTIVITY_TYPES.contains(&kind) || value.get("actor").is_some() {
                serde_json::from_value(value.clone()).map(|a| Object::Activity(Box::new(a)))
            } else {
                serde_json::from_value(value.clone()).map(|n| Object::Note(Box::new(n)))
            };
            result.map_err(|_| value)
        };
        match value {
            Value::String(id) => Object::Link(id),
            value @ Value::Object(_) => read(value).unwrap_or_else(Object::Other),
            other => Object::Other(other),
        }
    }

    /// The id of the object, embedded or not.
    pub fn id(&self) -> Option<&str> {
        match self {
            Object::Link(id) => Some(id),
            Object::Actor(a) => Some(&a.id),
            Object::Activity(a) => Some(&a.id),
            Object::Collection(c) => c.id.as_deref(),
            Object::Note(n) => Some(&n.id),
            Object::Other(v) => v.get("id").and_then(Value::as_str),
        }
    }
}

impl<'de> Deserialize<'de> for Object {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Object, D::Error> {
        Ok(Object::from_value(Value::deserialize(d)?))
    }
}

/// One link of a WebFinger answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JrdLink {
    #[serde(default, deserialize_with = "tolerant::string")]
    pub rel: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub href: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "tolerant::opt_string")]
    pub template: Option<String>,
}

/// A WebFinger answer (JRD, RFC 7033).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WebFinger {
    #[serde(default, deserialize_with = "tolerant::string")]
    pub subject: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "tolerant::ids")]
    pub aliases: Vec<String>,
    #[serde(default, deserialize_with = "tolerant::list")]
    pub links: Vec<JrdLink>,
}

impl WebFinger {
    /// The actor URL: the `self` link of an ActivityPub media type.
    pub fn actor_url(&self) -> Option<&str> {
        self.links
            .iter()
            .find(|l| l.rel == "self" && l.kind.as_deref().is_some_and(|t| t.contains("activity+json") || t.contains("ld+json")))
            .and_then(|l| l.href.as_deref())
    }
}

/// A document fetched from another server.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    WebFinger(WebFinger),
    Object(Object),
}

impl Document {
    /// Reads a JSON document: a JRD when it has a `subject` or `links` but no `type`,
    /// otherwise an ActivityStreams object. Fails only on text that is not JSON.
    pub fn parse(text: &str) -> Result<Document, serde_json::Error> {
        let value: Value = serde_json::from_str(text)?;
        let jrd = value.get("type").is_none() && (value.get("subject").is_some() || value.get("links").is_some());
        if jrd && let Ok(webfinger) = serde_json::from_value(value.clone()) {
            return Ok(Document::WebFinger(webfinger));
        }
        Ok(Document::Object(Object::from_value(value)))
    }
}
