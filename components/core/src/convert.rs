//! Converters between the three vocabularies, named for their direction:
//! rows ([`crate::rows`]) to client entities ([`crate::entities`]) and to and from
//! ActivityStreams objects ([`crate::activitystreams`]).

use crate::activitystreams::{self as as2, Note};
use crate::contract::uris;
use crate::entities::{Account, Application, Field, Mention, Poll, Status, Tag};
use crate::rows::{AccountRow, ApplicationRow, StatusRow};
use crate::time::{date, iso8601, iso8601_seconds, parse_iso8601};

/// Escapes text for HTML element content and attribute values.
pub use aerie_text::escape_html;

/// The URL of hashtag `name` on the instance at `base`, the name percent-encoded.
pub fn tag_url(base: &str, name: &str) -> String {
    uris::tag(base, &aerie_sdk::params::percent_encode(name))
}

/// A local profile note as Mastodon shows it: the status text rules (paragraphs,
/// links, hashtags); mentions stay text, as resolving them needs the database.
fn note_to_html(text: &str, base: &str) -> String {
    aerie_text::render(text, &|_| None, &|name| tag_url(base, name))
}

/// A local profile field value: links and hashtags as in a note, without paragraphs.
fn field_value_to_html(value: &str, base: &str) -> String {
    let html = note_to_html(value, base);
    let inner = html.strip_prefix("<p>").and_then(|h| h.strip_suffix("</p>")).unwrap_or(&html);
    inner.replace("</p><p>", "<br />")
}

/// The picture Mastodon clients show for an account without an avatar.
pub fn missing_avatar(base: &str) -> String {
    uris::missing_avatar(base)
}

/// The banner clients show for an account without a header.
pub fn missing_header(base: &str) -> String {
    uris::missing_header(base)
}

/// An account's avatar: the file it uploaded here (a URL on `base`, like a media
/// attachment's), else where its server has it; `None` when it has none.
pub fn avatar_url(row: &AccountRow, base: &str) -> Option<String> {
    row.avatar_key.as_deref().map(|key| crate::media::blob_url(base, key)).or_else(|| row.avatar_url.clone())
}

/// An account's header picture, as [`avatar_url`].
pub fn header_url(row: &AccountRow, base: &str) -> Option<String> {
    row.header_key.as_deref().map(|key| crate::media::blob_url(base, key)).or_else(|| row.header_url.clone())
}

/// An account row as the client Account entity (without `source`). `base` is
/// `scheme://web_domain`, for default pictures.
pub fn account_to_api(row: &AccountRow, base: &str) -> Account {
    let local = row.is_local();
    let fields = row
        .field_list()
        .into_iter()
        .map(|f| Field {
            name: f.name,
            value: if local { field_value_to_html(&f.value, base) } else { f.value },
            verified_at: f.verified_at.map(iso8601),
        })
        .collect();
    // Pictures are never converted, so the static versions are the files themselves
    // (an animated GIF stays animated in `avatar_static`).
    let avatar = avatar_url(row, base).unwrap_or_else(|| missing_avatar(base));
    let header = header_url(row, base).unwrap_or_else(|| missing_header(base));
    let uri = row.uri.clone().unwrap_or_default();
    Account {
        id: row.id.to_string(),
        username: row.username.clone(),
        acct: row.acct(),
        url: row.url.clone().unwrap_or_else(|| uri.clone()),
        uri,
        display_name: row.display_name.clone(),
        note: if local { note_to_html(&row.note, base) } else { row.note.clone() },
        avatar_static: avatar.clone(),
        avatar,
        header_static: header.clone(),
        header,
        locked: row.locked,
        fields,
        emojis: Vec::new(),
        bot: row.bot || matches!(row.actor_type.as_str(), "Service" | "Application"),
        group: row.actor_type == "Group",
        discoverable: Some(row.discoverable),
        indexable: row.indexable,
        hide_collections: Some(false),
        noindex: Some(!row.indexable),
        created_at: iso8601(row.created_at - row.created_at.rem_euclid(86_400_000)),
        last_status_at: row.last_status_at.map(date),
        statuses_count: row.statuses_count,
        followers_count: row.followers_count,
        following_count: row.following_count,
        roles: Vec::new(),
        moved: None,
        suspended: row.suspended_at.map(|_| true),
        limited: None,
        source: None,
        role: None,
    }
}

/// A mentioned account as the Mention entity.
pub fn account_to_mention(row: &AccountRow) -> Mention {
    Mention {
        id: row.id.to_string(),
        username: row.username.clone(),
        url: row.url.clone().or_else(|| row.uri.clone()).unwrap_or_default(),
        acct: row.acct(),
    }
}

/// A tag name as the Tag entity on a status.
pub fn tag_to_api(name: &str, base: &str) -> Tag {
    Tag { id: None, name: name.to_string(), url: tag_url(base, name), history: None, following: None }
}

/// A list row as the client's `List`.
pub fn list_to_api(row: &crate::store::lists::List) -> crate::entities::List {
    crate::entities::List {
        id: row.id.to_string(),
        title: row.title.clone(),
        replies_policy: row.replies_policy.clone(),
        exclusive: row.exclusive,
    }
}

pub fn application_to_api(row: &ApplicationRow) -> Application {
    Application { name: row.name.clone(), website: row.website.clone() }
}

/// What surrounds a status row in the client entity: loaded in batches by the caller.
#[derive(Debug, Clone, Default)]
pub struct StatusParts {
    pub account: Account,
    pub reblog: Option<Status>,
    pub mentions: Vec<Mention>,
    pub tags: Vec<Tag>,
    pub application: Option<Application>,
    pub poll: Option<Poll>,
    /// The attached files, in the author's order (see [`crate::media::media_to_api`]).
    pub media_attachments: Vec<crate::entities::MediaAttachment>,
    /// The viewer's state; all `None` for anonymous requests.
    pub favourited: Option<bool>,
    pub reblogged: Option<bool>,
    pub bookmarked: Option<bool>,
    pub pinned: Option<bool>,
    pub muted: Option<bool>,
}

/// A status row as the client Status entity.
pub fn status_to_api(row: &StatusRow, parts: StatusParts) -> Status {
    let uri = row.uri.clone().unwrap_or_default();
    let is_reblog = parts.reblog.is_some();
    Status {
        id: row.id.to_string(),
        url: if is_reblog { None } else { row.url.clone().or_else(|| Some(uri.clone())) },
        uri,
        created_at: iso8601(row.created_at),
        account: parts.account,
        content: if is_reblog { String::new() } else { row.content_html.clone() },
        visibility: row.visibility.clone(),
        sensitive: row.sensitive,
        spoiler_text: row.spoiler_text.clone(),
        media_attachments: if is_reblog { Vec::new() } else { parts.media_attachments },
        application: parts.application,
        mentions: parts.mentions,
        tags: parts.tags,
        emojis: Vec::new(),
        reblogs_count: row.reblogs_count,
        favourites_count: row.favourites_count,
        replies_count: row.replies_count,
        in_reply_to_id: row.in_reply_to_id.map(|id| id.to_string()),
        in_reply_to_account_id: row.in_reply_to_account_id.map(|id| id.to_string()),
        reblog: parts.reblog.map(Box::new),
        poll: parts.poll,
        card: None,
        language: row.language.clone(),
        edited_at: row.edited_at.map(iso8601),
        favourited: parts.favourited,
        reblogged: parts.reblogged,
        muted: parts.muted,
        bookmarked: parts.bookmarked,
        pinned: parts.pinned,
        text: None,
        filtered: None,
    }
}

/// The actor URI of a local account (`BASE/users/NAME` when the row has none).
pub fn actor_uri(row: &AccountRow, base: &str) -> String {
    row.uri.clone().unwrap_or_else(|| uris::actor(base, &row.username))
}

/// A local account's followers collection.
pub fn followers_uri(row: &AccountRow, base: &str) -> String {
    row.followers_url.clone().unwrap_or_else(|| uris::followers(&actor_uri(row, base)))
}

/// What surrounds an account row in its actor document.
#[derive(Debug, Clone, Default)]
pub struct ActorParts<'a> {
    /// `scheme://web_domain`.
    pub base: &'a str,
    /// `accounts.also_known_as`: the actor URIs this account says it also is.
    pub also_known_as: Vec<String>,
    /// The actor URI of the account it moved to.
    pub moved_to: Option<String>,
}

/// The media type of a picture, from its file name.
pub fn image_media_type(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let extension = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
    let media_type = match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "svg" => "image/svg+xml",
        _ => return None,
    };
    Some(media_type.to_string())
}

fn image(url: Option<String>) -> Option<Box<as2::Attachment>> {
    let url = url?;
    Some(Box::new(as2::Attachment { kind: "Image".into(), media_type: image_media_type(&url), url: Some(url), ..Default::default() }))
}

/// A local account row as its ActivityPub actor, as Mastodon writes it: `Service`
/// for bots, the note and field values rendered to HTML, the key from
/// `public_key_pem`. A suspended account shows only what identifies it and
/// `suspended: true`, as Mastodon does.
pub fn account_to_actor(row: &AccountRow, parts: &ActorParts) -> as2::Actor {
    let base = parts.base;
    let id = actor_uri(row, base);
    let kind = match row.actor_type.as_str() {
        "Person" | "" if row.bot => "Service".to_string(),
        "" => "Person".to_string(),
        other => other.to_string(),
    };
    let suspended = row.suspended_at.is_some();
    let attachment = if suspended {
        Vec::new()
    } else {
        row.field_list()
            .into_iter()
            .map(|f| as2::Attachment {
                kind: "PropertyValue".into(),
                name: Some(f.name),
                value: Some(field_value_to_html(&f.value, base)),
                ..Default::default()
            })
            .collect()
    };
    as2::Actor {
        context: Some(as2::actor_context()),
        following: Some(uris::following(&id)),
        followers: Some(followers_uri(row, base)),
        inbox: row.inbox_url.clone().unwrap_or_else(|| uris::inbox(&id)),
        outbox: Some(row.outbox_url.clone().unwrap_or_else(|| uris::outbox(&id))),
        featured: Some(row.featured_url.clone().unwrap_or_else(|| uris::featured(&id))),
        featured_tags: Some(uris::featured_tags(&id)),
        preferred_username: row.username.clone(),
        name: Some(if suspended { String::new() } else { row.display_name.clone() }),
        summary: Some(if suspended { String::new() } else { note_to_html(&row.note, base) }),
        url: Some(row.url.clone().unwrap_or_else(|| uris::profile(base, &row.username))),
        manually_approves_followers: row.locked && !suspended,
        discoverable: Some(row.discoverable && !suspended),
        indexable: Some(row.indexable && !suspended),
        published: Some(iso8601_seconds(row.created_at - row.created_at.rem_euclid(86_400_000))),
        memorial: Some(false),
        suspended: suspended.then_some(true),
        also_known_as: if suspended { Vec::new() } else { parts.also_known_as.clone() },
        moved_to: parts.moved_to.clone().filter(|_| !suspended),
        public_key: row.public_key_pem.clone().map(|pem| as2::PublicKey {
            id: row.public_key_id.clone().unwrap_or_else(|| uris::key_id(&id)),
            owner: id.clone(),
            public_key_pem: pem,
        }),
        tag: Vec::new(),
        attachment,
        endpoints: Some(as2::Endpoints { shared_inbox: Some(row.shared_inbox_url.clone().unwrap_or_else(|| uris::shared_inbox(base))) }),
        icon: if suspended { None } else { image(avatar_url(row, base)) },
        image: if suspended { None } else { image(header_url(row, base)) },
        id,
        kind,
    }
}

/// A poll as its Question needs it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NotePoll {
    /// Each option's title and votes.
    pub options: Vec<(String, i64)>,
    pub multiple: bool,
    pub expires_at: Option<i64>,
    pub voters_count: i64,
    /// Whether it has ended (the caller knows the time).
    pub closed: bool,
}

/// What surrounds a status row in its Note, loaded in batches by the caller.
#[derive(Debug, Clone)]
pub struct NoteParts<'a> {
    /// `scheme://web_domain`, for hashtag links.
    pub base: &'a str,
    /// The local domain, for the names of local mentions (`@name@domain`).
    pub domain: &'a str,
    pub author: &'a AccountRow,
    /// The mentioned accounts (not the silent mentions).
    pub mentioned: &'a [AccountRow],
    /// Hashtag names as written.
    pub tags: &'a [String],
    /// The parent's URI, for a reply.
    pub in_reply_to: Option<&'a str>,
    /// The conversation's URI (`tag:` URI for local conversations).
    pub conversation: Option<&'a str>,
    pub poll: Option<&'a NotePoll>,
    /// The attached files (see [`crate::media::media_to_attachment`]).
    pub attachments: &'a [as2::Attachment],
    /// The first public or unlisted replies `(id, uri)`, oldest first, at most
    /// [`EMBEDDED_REPLIES`], for the first page of the `replies` collection; `None`
    /// when they were not looked up (activities sent as a status is written).
    pub replies: Option<&'a [(i64, String)]>,
}

impl<'a> NoteParts<'a> {
    /// The parts of a status with no mentions, tags, parent, conversation, poll or media.
    pub fn new(base: &'a str, domain: &'a str, author: &'a AccountRow) -> NoteParts<'a> {
        NoteParts {
            base,
            domain,
            author,
            mentioned: &[],
            tags: &[],
            in_reply_to: None,
            conversation: None,
            poll: None,
            attachments: &[],
            replies: None,
        }
    }
}

/// `@name@domain` for a mentioned account (local ones with the local domain).
fn mention_name(account: &AccountRow, domain: &str) -> String {
    match &account.domain {
        None => format!("@{}@{domain}", account.username),
        Some(theirs) => format!("@{}@{theirs}", account.username),
    }
}

/// The `to` and `cc` of a status, as Mastodon addresses each visibility.
pub fn addressing(visibility: &str, followers: &str, mentions: &[String]) -> (Vec<String>, Vec<String>) {
    let (public, followers) = (as2::PUBLIC.to_string(), followers.to_string());
    match visibility {
        "public" => (vec![public], [vec![followers], mentions.to_vec()].concat()),
        "unlisted" => (vec![followers], [vec![public], mentions.to_vec()].concat()),
        "private" => (vec![followers], mentions.to_vec()),
        _ => (mentions.to_vec(), Vec::new()),
    }
}

/// The `tag:` URI Mastodon gives a conversation started on this instance.
pub fn conversation_uri(domain: &str, id: i64, created_at: i64) -> String {
    format!("tag:{domain},{}:objectId={id}:objectType=Conversation", date(created_at))
}

fn counted(id: String, total: i64) -> as2::Collection {
    as2::Collection { id: Some(id), kind: "Collection".into(), total_items: Some(total.max(0) as u64), ..Default::default() }
}

/// Public or unlisted replies a Note embeds in the first page of its `replies`
/// (Mastodon embeds 5).
pub const EMBEDDED_REPLIES: usize = 5;

/// A status's `replies` collection as its Note embeds it, in Mastodon's shape: a
/// `Collection` whose embedded first page lists `first_replies` (`(id, uri)`, the
/// oldest public or unlisted replies) and links (`next`) to the page after them
/// (`{uri}/replies?…page=true`, served by the activitypub component: public and
/// unlisted replies only) when there may be more: the first page is full, or the
/// replies were not looked up (`None`) and the status has some (`replies_count`). An
/// embedded page never hints at replies it may not name.
pub fn replies_collection(uri: &str, first_replies: Option<&[(i64, String)]>, replies_count: i64) -> as2::Collection {
    let id = uris::replies(uri);
    let more = match first_replies {
        Some(listed) => listed.len() >= EMBEDDED_REPLIES,
        None => replies_count > 0,
    };
    let first_replies = first_replies.unwrap_or_default();
    as2::Collection {
        id: Some(id.clone()),
        kind: "Collection".into(),
        first: Some(as2::PageRef::Page(Box::new(as2::Collection {
            kind: "CollectionPage".into(),
            next: more.then(|| replies_page_url(uri, first_replies.last().map(|(id, _)| *id))),
            part_of: Some(id),
            items: Some(first_replies.iter().map(|(_, uri)| as2::Object::Link(uri.clone())).collect()),
            ..Default::default()
        }))),
        ..Default::default()
    }
}

/// The URL of a page of status `uri`'s replies: the first, or those after reply `after`.
pub fn replies_page_url(uri: &str, after: Option<i64>) -> String {
    match after {
        Some(id) => format!("{}?min_id={id}&page=true", uris::replies(uri)),
        None => format!("{}?page=true", uris::replies(uri)),
    }
}

/// A status row as an ActivityStreams `Note` (a `Question` when it has a poll),
/// addressed by its visibility, without `@context` (the caller adds it at the top).
pub fn status_to_note(row: &StatusRow, parts: &NoteParts) -> Note {
    let author = parts.author;
    let followers = followers_uri(author, parts.base);
    let mentions: Vec<String> = parts.mentioned.iter().filter_map(|a| a.uri.clone()).collect();
    let (to, cc) = addressing(&row.visibility, &followers, &mentions);
    let mut tag: Vec<as2::Tag> = parts
        .mentioned
        .iter()
        .filter_map(|a| {
            Some(as2::Tag {
                kind: "Mention".into(),
                href: Some(a.uri.clone()?),
                name: Some(mention_name(a, parts.domain)),
                ..Default::default()
            })
        })
        .collect();
    tag.extend(parts.tags.iter().map(|t| as2::Tag {
        kind: "Hashtag".into(),
        href: Some(tag_url(parts.base, &t.to_lowercase())),
        name: Some(format!("#{t}")),
        ..Default::default()
    }));
    let uri = row.uri.clone().unwrap_or_default();
    let content_map = row.language.iter().map(|language| (language.clone(), row.content_html.clone())).collect();
    let mut note = Note {
        context: None,
        id: uri.clone(),
        kind: "Note".into(),
        summary: (!row.spoiler_text.is_empty()).then(|| row.spoiler_text.clone()),
        in_reply_to: parts.in_reply_to.map(str::to_string),
        published: Some(iso8601_seconds(row.created_at)),
        updated: row.edited_at.map(iso8601_seconds),
        url: row.url.clone(),
        attributed_to: actor_uri(author, parts.base),
        to,
        cc,
        sensitive: row.sensitive,
        atom_uri: Some(uri.clone()),
        in_reply_to_atom_uri: parts.in_reply_to.map(str::to_string),
        conversation: parts.conversation.map(str::to_string),
        content: row.content_html.clone(),
        content_map,
        attachment: parts.attachments.to_vec(),
        tag,
        replies: Some(replies_collection(&uri, parts.replies, row.replies_count)),
        likes: Some(counted(uris::likes(&uri), row.favourites_count)),
        shares: Some(counted(uris::shares(&uri), row.reblogs_count)),
        ..Note::default()
    };
    if let Some(poll) = parts.poll {
        note.kind = "Question".into();
        let options = poll
            .options
            .iter()
            .map(|(title, votes)| as2::PollOption {
                kind: "Note".into(),
                name: title.clone(),
                replies: Some(as2::Collection {
                    kind: "Collection".into(),
                    total_items: Some((*votes).max(0) as u64),
                    ..Default::default()
                }),
            })
            .collect();
        if poll.multiple {
            note.any_of = options;
        } else {
            note.one_of = options;
        }
        note.end_time = poll.expires_at.map(iso8601_seconds);
        note.closed = poll.expires_at.filter(|_| poll.closed).map(iso8601_seconds);
        note.voters_count = Some(poll.voters_count.max(0) as u64);
    }
    note
}

/// The `Create` that publishes `note` (at `STATUS_URI/activity`, as Mastodon names it).
pub fn note_to_create(note: Note) -> as2::Activity {
    as2::Activity {
        context: None,
        id: uris::status_activity(&note.id),
        kind: "Create".into(),
        actor: note.attributed_to.clone(),
        published: note.published.clone(),
        to: note.to.clone(),
        cc: note.cc.clone(),
        object: Some(as2::Object::Note(Box::new(note))),
        target: None,
        content: None,
    }
}

/// A reblog row as its `Announce` of `original` (by `original_author`): addressed
/// by the reblog's visibility, with the original's author in `cc`, as Mastodon does.
pub fn reblog_to_announce(
    reblog: &StatusRow,
    booster: &AccountRow,
    original_uri: &str,
    original_author: &str,
    base: &str,
) -> as2::Activity {
    let (to, mut cc) = addressing(&reblog.visibility, &followers_uri(booster, base), &[]);
    cc.insert(0, original_author.to_string());
    as2::Activity {
        context: None,
        id: reblog.uri.clone().unwrap_or_default(),
        kind: "Announce".into(),
        actor: actor_uri(booster, base),
        published: Some(iso8601_seconds(reblog.created_at)),
        to,
        cc,
        object: Some(as2::Object::Link(original_uri.to_string())),
        target: None,
        content: None,
    }
}

/// The visibility a Note's addressing means, given the author's followers collection.
pub fn note_visibility(note: &Note, followers_url: Option<&str>) -> &'static str {
    let public = |list: &[String]| list.iter().any(|a| as2::is_public(a));
    if public(&note.to) {
        "public"
    } else if public(&note.cc) {
        "unlisted"
    } else if followers_url.is_some_and(|f| note.to.iter().chain(&note.cc).any(|a| a == f)) {
        "private"
    } else {
        "direct"
    }
}

/// A remote Note as a status row by `author`. The id comes from
/// [`aerie_sdk::settings::id_at`] so the same Note always gets the same id and sorts by
/// when it was written; `in_reply_to` is the parent `(id, account_id)` when known.
pub fn note_to_status(note: &Note, author: &AccountRow, in_reply_to: Option<(i64, i64)>) -> StatusRow {
    let now = aerie_sdk::settings::now_millis();
    let published = note.published.as_deref().and_then(parse_iso8601).unwrap_or(now).min(now);
    let mut row = note_to_status_at(note, author, in_reply_to, now);
    row.id = aerie_sdk::settings::id_at(published, &note.id);
    row
}

/// [`note_to_status`] at time `now`, without the id (0): the pure part.
pub fn note_to_status_at(note: &Note, author: &AccountRow, in_reply_to: Option<(i64, i64)>, now: i64) -> StatusRow {
    let published = note.published.as_deref().and_then(parse_iso8601).unwrap_or(now).min(now);
    StatusRow {
        id: 0,
        account_id: author.id,
        local: false,
        text: String::new(),
        content_html: note.html().to_string(),
        uri: Some(note.id.clone()),
        url: note.url.clone().or_else(|| Some(note.id.clone())),
        visibility: note_visibility(note, author.followers_url.as_deref()).to_string(),
        in_reply_to_id: in_reply_to.map(|(id, _)| id),
        in_reply_to_account_id: in_reply_to.map(|(_, account)| account),
        language: note.language().map(str::to_string),
        sensitive: note.sensitive,
        spoiler_text: note.summary.clone().unwrap_or_default(),
        edited_at: note.updated.as_deref().and_then(parse_iso8601),
        created_at: published,
        updated_at: now,
        ..StatusRow::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> AccountRow {
        AccountRow {
            id: 1,
            username: "alice".into(),
            uri: Some("https://a.example/users/alice".into()),
            url: Some("https://a.example/@alice".into()),
            followers_url: Some("https://a.example/users/alice/followers".into()),
            created_at: 1_700_000_000_000,
            ..Default::default()
        }
    }

    #[test]
    fn notes_carry_visibility_both_ways() {
        let author = alice();
        for visibility in ["public", "unlisted", "private", "direct"] {
            let row = StatusRow { id: 9, visibility: visibility.into(), uri: Some("https://a.example/s/9".into()), ..Default::default() };
            let note = status_to_note(&row, &NoteParts::new("https://a.example", "a.example", &author));
            assert_eq!(note_visibility(&note, author.followers_url.as_deref()), visibility);
        }
    }

    #[test]
    fn notes_round_trip_through_json() {
        let author = alice();
        let bob = AccountRow {
            id: 2,
            username: "bob".into(),
            domain: Some("b.example".into()),
            uri: Some("https://b.example/u/bob".into()),
            ..Default::default()
        };
        let carol = AccountRow { id: 3, username: "carol".into(), uri: Some("https://a.example/users/carol".into()), ..Default::default() };
        let mentioned = [bob, carol];
        let tags = ["Rust".to_string()];
        for visibility in ["public", "unlisted", "private", "direct"] {
            let row = StatusRow {
                id: 7,
                account_id: 1,
                local: true,
                content_html: "<p>hi <span class=\"h-card\">@bob</span> #Rust</p>".into(),
                uri: Some("https://a.example/users/alice/statuses/7".into()),
                url: Some("https://a.example/@alice/7".into()),
                visibility: visibility.into(),
                language: Some("en".into()),
                sensitive: true,
                spoiler_text: "cw".into(),
                edited_at: Some(1_700_000_100_000),
                created_at: 1_700_000_000_000,
                ..Default::default()
            };
            let attachments = vec![as2::Attachment {
                kind: "Document".into(),
                media_type: Some("image/png".into()),
                url: Some("https://a.example/system/media/9/original/x.png".into()),
                name: Some("A cat".into()),
                blurhash: Some("LEHV6nWB2yk8pyo0adR*.7kCMdnj".into()),
                focal_point: Some(vec![0.0, 0.5]),
                width: Some(4),
                height: Some(3),
                ..Default::default()
            }];
            let parts = NoteParts {
                base: "https://a.example",
                domain: "a.example",
                author: &author,
                mentioned: &mentioned,
                tags: &tags,
                in_reply_to: Some("https://b.example/notes/1"),
                conversation: Some("tag:a.example,2023-11-14:objectId=5:objectType=Conversation"),
                poll: None,
                attachments: &attachments,
                replies: None,
            };
            let note = status_to_note(&row, &parts);
            assert_eq!(note.attachment, attachments);
            assert_eq!(note.tag[0].name.as_deref(), Some("@bob@b.example"));
            assert_eq!(note.tag[1].name.as_deref(), Some("@carol@a.example"));
            assert_eq!(note.tag[2].href.as_deref(), Some("https://a.example/tags/rust"));
            let json = serde_json::to_value(note_to_create(note.clone())).unwrap();
            assert_eq!(json["object"]["summary"], "cw");
            assert_eq!(json["object"]["inReplyTo"], "https://b.example/notes/1");
            let parsed: as2::Activity = serde_json::from_value(json).unwrap();
            let Some(as2::Object::Note(back)) = parsed.object else { panic!("the Create lost its Note") };
            assert_eq!(*back, note);
            let status = note_to_status_at(&back, &author, Some((5, 2)), 1_800_000_000_000);
            assert_eq!(status.visibility, visibility);
            assert_eq!(status.content_html, row.content_html);
            assert_eq!((status.uri, status.url), (row.uri.clone(), row.url.clone()));
            assert_eq!((status.spoiler_text.as_str(), status.sensitive, status.language.as_deref()), ("cw", true, Some("en")));
            assert_eq!((status.created_at, status.edited_at), (row.created_at, row.edited_at));
            assert_eq!((status.in_reply_to_id, status.in_reply_to_account_id), (Some(5), Some(2)));
        }
    }

    #[test]
    fn polls_become_questions() {
        let author = alice();
        let poll = NotePoll {
            options: vec![("a".into(), 2), ("b".into(), 0)],
            multiple: true,
            expires_at: Some(0),
            voters_count: 2,
            closed: true,
        };
        let row =
            StatusRow { uri: Some("https://a.example/users/alice/statuses/8".into()), visibility: "public".into(), ..Default::default() };
        let note = status_to_note(&row, &NoteParts { poll: Some(&poll), ..NoteParts::new("https://a.example", "a.example", &author) });
        let json = serde_json::to_value(&note).unwrap();
        assert_eq!(json["type"], "Question");
        assert_eq!(json["anyOf"][0]["replies"]["totalItems"], 2);
        assert_eq!(json["votersCount"], 2);
        assert_eq!(json["closed"], "1970-01-01T00:00:00Z");
        assert!(json.get("oneOf").is_none());
    }

    #[test]
    fn replies_follow_mastodon() {
        let author = alice();
        let mut row =
            StatusRow { uri: Some("https://a.example/users/alice/statuses/8".into()), visibility: "public".into(), ..Default::default() };
        let json = serde_json::to_value(status_to_note(&row, &NoteParts::new("https://a.example", "a.example", &author))).unwrap();
        let replies = &json["replies"];
        assert_eq!(
            (replies["type"].as_str(), replies["id"].as_str()),
            (Some("Collection"), Some("https://a.example/users/alice/statuses/8/replies"))
        );
        assert_eq!(replies["first"]["type"], "CollectionPage");
        assert_eq!(replies["first"]["partOf"], "https://a.example/users/alice/statuses/8/replies");
        assert_eq!(replies["first"]["items"], serde_json::json!([]));
        assert!(replies["first"].get("next").is_none(), "no replies, nothing to follow: {replies}");
        row.replies_count = 2;
        let json = serde_json::to_value(status_to_note(&row, &NoteParts::new("https://a.example", "a.example", &author))).unwrap();
        assert_eq!(json["replies"]["first"]["next"], "https://a.example/users/alice/statuses/8/replies?page=true");
        // The first replies are embedded; the page after them is linked when it is full
        // (not because of replies it does not name: followers-only ones count too).
        let first: Vec<(i64, String)> = (41..41 + EMBEDDED_REPLIES as i64).map(|i| (i, format!("https://b.example/notes/{i}"))).collect();
        row.replies_count = 9;
        let parts = NoteParts { replies: Some(&first[..1]), ..NoteParts::new("https://a.example", "a.example", &author) };
        let json = serde_json::to_value(status_to_note(&row, &parts)).unwrap();
        assert_eq!(json["replies"]["first"]["items"], serde_json::json!(["https://b.example/notes/41"]));
        assert!(json["replies"]["first"].get("next").is_none(), "{json}");
        let parts = NoteParts { replies: Some(&first), ..NoteParts::new("https://a.example", "a.example", &author) };
        let json = serde_json::to_value(status_to_note(&row, &parts)).unwrap();
        assert_eq!(json["replies"]["first"]["items"].as_array().map(Vec::len), Some(EMBEDDED_REPLIES));
        assert_eq!(json["replies"]["first"]["next"], "https://a.example/users/alice/statuses/8/replies?min_id=45&page=true");
        assert_eq!(replies_page_url("https://a.example/s/1", Some(7)), "https://a.example/s/1/replies?min_id=7&page=true");
    }

    #[test]
    fn actors_follow_mastodon() {
        let mut row = alice();
        row.bot = true;
        row.public_key_pem = Some("PEM".into());
        row.fields = r#"[{"name":"site","value":"https://x.example"}]"#.into();
        row.avatar_url = Some("https://a.example/a.png".into());
        let actor = account_to_actor(&row, &ActorParts { base: "https://a.example", ..Default::default() });
        let json = serde_json::to_value(&actor).unwrap();
        assert_eq!(json["type"], "Service");
        assert_eq!(json["publicKey"]["id"], "https://a.example/users/alice#main-key");
        assert_eq!(json["endpoints"]["sharedInbox"], "https://a.example/inbox");
        assert_eq!(json["icon"]["mediaType"], "image/png");
        assert_eq!(json["attachment"][0]["type"], "PropertyValue");
        assert_eq!(json["published"], "2023-11-14T00:00:00Z");
        let back: as2::Actor = serde_json::from_value(json).unwrap();
        assert_eq!(back, actor);
    }

    #[test]
    fn uploaded_pictures_are_served_from_the_base_that_renders_them() {
        let mut row = alice();
        row.avatar_key = Some("accounts/avatars/1/00ff.jpg".into());
        row.header_key = Some("accounts/headers/1/11ee.webp".into());
        row.avatar_url = Some("https://elsewhere.example/old.png".into());
        let entity = account_to_api(&row, "http://127.0.0.1:8080");
        assert_eq!(entity.avatar, "http://127.0.0.1:8080/system/accounts/avatars/1/00ff.jpg");
        assert_eq!(entity.avatar_static, entity.avatar);
        assert_eq!(entity.header, "http://127.0.0.1:8080/system/accounts/headers/1/11ee.webp");
        let json = serde_json::to_value(account_to_actor(&row, &ActorParts { base: "https://a.example", ..Default::default() })).unwrap();
        assert_eq!(
            json["icon"],
            serde_json::json!({"type": "Image", "mediaType": "image/jpeg", "url": "https://a.example/system/accounts/avatars/1/00ff.jpg"})
        );
        assert_eq!(json["image"]["mediaType"], "image/webp");
        // Without uploads: the defaults in the API, nothing in the actor.
        let bare = alice();
        assert_eq!(account_to_api(&bare, "https://a.example").avatar, "https://a.example/avatars/original/missing.png");
        let json = serde_json::to_value(account_to_actor(&bare, &ActorParts { base: "https://a.example", ..Default::default() })).unwrap();
        assert!(json.get("icon").is_none() && json.get("image").is_none(), "{json}");
    }

    #[test]
    fn local_notes_become_html() {
        assert_eq!(note_to_html("a <b>\nc\n\nd", ""), "<p>a &lt;b&gt;<br />c</p><p>d</p>");
        assert_eq!(
            field_value_to_html("#Café", "https://x.example"),
            "<a href=\"https://x.example/tags/Caf%C3%A9\" class=\"mention hashtag\" rel=\"tag\">#<span>Café</span></a>"
        );
    }
}
