//! Converters between the three vocabularies, named for their direction:
//! rows ([`crate::rows`]) to client entities ([`crate::entities`]) and to and from
//! ActivityStreams objects ([`crate::activitystreams`]).

use crate::activitystreams::{self as as2, Note};
use crate::entities::{Account, Application, Field, Mention, Poll, Status, Tag};
use crate::rows::{AccountRow, ApplicationRow, StatusRow};
use crate::time::{date, iso8601, iso8601_seconds, parse_iso8601};

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The URL of hashtag `name` on the instance at `base`, the name percent-encoded.
pub fn tag_url(base: &str, name: &str) -> String {
    format!("{base}/tags/{}", crate::params::percent_encode(name))
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
    format!("{base}/avatars/original/missing.png")
}

/// The banner clients show for an account without a header.
pub fn missing_header(base: &str) -> String {
    format!("{base}/headers/original/missing.png")
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
    let avatar = row.avatar_url.clone().unwrap_or_else(|| missing_avatar(base));
    let header = row.header_url.clone().unwrap_or_else(|| missing_header(base));
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
    Tag { name: name.to_string(), url: tag_url(base, name), history: None, following: None }
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
        media_attachments: Vec::new(),
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
    }
}

/// A status row as an ActivityStreams Note, addressed by its visibility.
/// `mentioned` are the mentioned accounts; `in_reply_to_uri` the parent's URI.
pub fn status_to_note(
    row: &StatusRow,
    author: &AccountRow,
    mentioned: &[AccountRow],
    tags: &[String],
    base: &str,
    in_reply_to_uri: Option<&str>,
) -> Note {
    let followers = author.followers_url.clone().unwrap_or_else(|| format!("{}/followers", author.uri.clone().unwrap_or_default()));
    let mentions: Vec<String> = mentioned.iter().filter_map(|a| a.uri.clone()).collect();
    let (to, cc) = match row.visibility.as_str() {
        "public" => (vec![as2::PUBLIC.to_string()], [vec![followers], mentions].concat()),
        "unlisted" => (vec![followers], [vec![as2::PUBLIC.to_string()], mentions].concat()),
        "private" => ([vec![followers], mentions].concat(), Vec::new()),
        _ => (mentions, Vec::new()),
    };
    let mut tag: Vec<as2::Link> = mentioned
        .iter()
        .filter_map(|a| Some(as2::Link { kind: "Mention".into(), href: a.uri.clone()?, name: format!("@{}", a.acct()) }))
        .collect();
    tag.extend(tags.iter().map(|t| as2::Link { kind: "Hashtag".into(), href: tag_url(base, t), name: format!("#{t}") }));
    Note {
        id: row.uri.clone().unwrap_or_default(),
        kind: "Note".into(),
        attributed_to: author.uri.clone().unwrap_or_default(),
        content: row.content_html.clone(),
        summary: (!row.spoiler_text.is_empty()).then(|| row.spoiler_text.clone()),
        sensitive: row.sensitive,
        published: Some(iso8601_seconds(row.created_at)),
        updated: row.edited_at.map(iso8601_seconds),
        url: row.url.clone(),
        in_reply_to: in_reply_to_uri.map(str::to_string),
        to,
        cc,
        tag,
    }
}

/// The visibility a Note's addressing means, given the author's followers collection.
pub fn note_visibility(note: &Note, followers_url: Option<&str>) -> &'static str {
    let public = |list: &[String]| list.iter().any(|a| a == as2::PUBLIC || a == "as:Public" || a == "Public");
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
/// [`crate::settings::id_at`] so the same Note always gets the same id and sorts by
/// when it was written; `in_reply_to` is the parent `(id, account_id)` when known.
pub fn note_to_status(note: &Note, author: &AccountRow, in_reply_to: Option<(i64, i64)>) -> StatusRow {
    let now = crate::settings::now_millis();
    let published = note.published.as_deref().and_then(parse_iso8601).unwrap_or(now).min(now);
    StatusRow {
        id: crate::settings::id_at(published, &note.id),
        account_id: author.id,
        local: false,
        text: String::new(),
        content_html: note.content.clone(),
        uri: Some(note.id.clone()),
        url: note.url.clone().or_else(|| Some(note.id.clone())),
        visibility: note_visibility(note, author.followers_url.as_deref()).to_string(),
        in_reply_to_id: in_reply_to.map(|(id, _)| id),
        in_reply_to_account_id: in_reply_to.map(|(_, account)| account),
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

    #[test]
    fn notes_carry_visibility_both_ways() {
        let author = AccountRow {
            id: 1,
            username: "alice".into(),
            uri: Some("https://a.example/users/alice".into()),
            followers_url: Some("https://a.example/users/alice/followers".into()),
            ..Default::default()
        };
        for visibility in ["public", "unlisted", "private", "direct"] {
            let row = StatusRow { id: 9, visibility: visibility.into(), uri: Some("https://a.example/s/9".into()), ..Default::default() };
            let note = status_to_note(&row, &author, &[], &[], "https://a.example", None);
            assert_eq!(note_visibility(&note, author.followers_url.as_deref()), visibility);
        }
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
