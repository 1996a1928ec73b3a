//! Custom emoji in text, as Mastodon resolves them: a text names an emoji with
//! `:shortcode:`, and the emoji it shows are the enabled ones of its author's domain
//! (the instance's own for local authors) with those shortcodes. Nothing links an
//! emoji to a status: they are found from the text each time it is shown or sent.
//!
//! Also the two vocabularies: the client's `CustomEmoji` entity and ActivityPub's
//! `Emoji` tag, both ways (incoming posts' tags become remote rows).

use aerie_sdk::db::{Error, Handle};

use crate::activitystreams as as2;
use crate::contract::uris;
use crate::entities::CustomEmoji;
use crate::store::custom_emojis::{self, CustomEmojiRow};

/// Whether `shortcode` is one a local emoji may have: two or more of `[a-zA-Z0-9_]`
/// (Mastodon's rule).
pub fn is_valid_shortcode(shortcode: &str) -> bool {
    shortcode.len() >= 2 && shortcode.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The shortcodes `text` names as `:shortcode:`, each once, in the order first named.
/// As Mastodon's pattern, the colons may not touch a letter, digit or another colon
/// outside (`a:bc:` and `::bc::` name nothing), so times and URLs are not read as
/// emoji.
pub fn shortcodes_in(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut found: Vec<String> = Vec::new();
    let boundary = |b: Option<&u8>| b.is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b':'));
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b':' || (i > 0 && !boundary(bytes.get(i - 1))) {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
            end += 1;
        }
        if end < bytes.len() && bytes[end] == b':' && end - start >= 2 && boundary(bytes.get(end + 1)) {
            let code = &text[start..end];
            if !found.iter().any(|f| f == code) {
                found.push(code.to_string());
            }
            i = end + 1;
        } else {
            i = end.max(i + 1);
        }
    }
    found
}

/// For each `(domain, text)` (domain `None` for local authors), the enabled emoji of
/// that domain the text names, in the order named: one query for them all, none
/// when no text names a shortcode.
pub fn resolve(db: &impl Handle, texts: &[(Option<&str>, &str)]) -> Result<Vec<Vec<CustomEmojiRow>>, Error> {
    let named: Vec<Vec<String>> = texts.iter().map(|(_, text)| shortcodes_in(text)).collect();
    let mut all: Vec<String> = named.iter().flatten().cloned().collect();
    all.sort_unstable();
    all.dedup();
    let rows = custom_emojis::named(db, &all)?;
    Ok(texts
        .iter()
        .zip(&named)
        .map(|((domain, _), codes)| {
            codes.iter().filter_map(|code| rows.iter().find(|r| &r.shortcode == code && r.domain.as_deref() == *domain).cloned()).collect()
        })
        .collect())
}

/// The picture's URL: the blob store's for a local emoji, the remote server's for
/// a remote one.
pub fn image_url(row: &CustomEmojiRow, base: &str) -> String {
    match &row.image_key {
        Some(key) => crate::media::blob_url(base, key),
        None => row.image_remote_url.clone().unwrap_or_default(),
    }
}

/// The client entity (`static_url` is the picture itself: aerie keeps no still
/// frame of animated ones).
pub fn to_api(row: &CustomEmojiRow, base: &str) -> CustomEmoji {
    let url = image_url(row, base);
    CustomEmoji {
        shortcode: row.shortcode.clone(),
        static_url: url.clone(),
        url,
        visible_in_picker: row.visible_in_picker,
        category: row.category.clone(),
    }
}

/// The ActivityPub id of an emoji: `BASE/emojis/ID` for local ones.
pub fn uri(row: &CustomEmojiRow, base: &str) -> String {
    match (&row.domain, &row.uri) {
        (Some(_), Some(uri)) => uri.clone(),
        _ => uris::emoji(base, row.id),
    }
}

/// The emoji as an ActivityPub `Emoji` (a Note's `tag` entry, or the object served
/// at its id).
pub fn to_tag(row: &CustomEmojiRow, base: &str) -> as2::Tag {
    as2::Tag {
        kind: "Emoji".into(),
        id: Some(uri(row, base)),
        name: Some(format!(":{}:", row.shortcode)),
        icon: Some(Box::new(as2::Attachment {
            kind: "Image".into(),
            media_type: Some(row.content_type.clone()),
            url: Some(image_url(row, base)),
            ..Default::default()
        })),
        ..Default::default()
    }
}

/// A remote emoji an incoming object's `tag` carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteEmoji {
    pub shortcode: String,
    pub uri: Option<String>,
    pub url: String,
    pub content_type: String,
}

/// The usable `Emoji` tags of an incoming object: a `:name:` with a valid
/// shortcode and an `http(s)` picture.
pub fn from_tags(tags: &[as2::Tag]) -> Vec<RemoteEmoji> {
    tags.iter()
        .filter(|t| t.kind == "Emoji")
        .filter_map(|t| {
            let name = t.name.as_deref()?.trim();
            let shortcode = name.strip_prefix(':').and_then(|n| n.strip_suffix(':')).unwrap_or(name);
            if !is_valid_shortcode(shortcode) {
                return None;
            }
            let icon = t.icon.as_deref()?;
            let url = icon.url.clone().filter(|u| u.starts_with("https://") || u.starts_with("http://"))?;
            let content_type = icon
                .media_type
                .clone()
                .filter(|m| m.starts_with("image/"))
                .or_else(|| crate::convert::image_media_type(&url))
                .unwrap_or_else(|| "image/png".into());
            Some(RemoteEmoji { shortcode: shortcode.to_string(), uri: t.id.clone(), url, content_type })
        })
        .collect()
}

/// Records the emoji of an incoming object by an author of `domain` (new ones take
/// ids from `next_id`), so its status shows them.
pub fn store_remote(
    db: &impl Handle,
    domain: &str,
    emojis: &[RemoteEmoji],
    now: i64,
    mut next_id: impl FnMut() -> i64,
) -> Result<(), Error> {
    for emoji in emojis {
        custom_emojis::upsert_remote(db, next_id(), &emoji.shortcode, domain, emoji.uri.as_deref(), &emoji.url, &emoji.content_type, now)?;
    }
    Ok(())
}

/// The `Emoji` tags of a local status's text (its content and content warning).
pub fn local_tags(db: &impl Handle, texts: &[&str], base: &str) -> Result<Vec<as2::Tag>, Error> {
    let joined = texts.join(" ");
    let rows = resolve(db, &[(None, &joined)])?.pop().unwrap_or_default();
    Ok(rows.iter().map(|r| to_tag(r, base)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcodes_follow_mastodon() {
        assert_eq!(shortcodes_in("hi :blobcat: and :blob_fox:!"), vec!["blobcat", "blob_fox"]);
        assert_eq!(shortcodes_in(":ab::cd:"), Vec::<String>::new());
        assert_eq!(shortcodes_in("at 12:30:45 x"), Vec::<String>::new());
        assert_eq!(shortcodes_in("https://a.example/:x: :a: <p>:ok:</p> :ok:"), vec!["ok"]);
        assert!(is_valid_shortcode("blob_cat2"));
        assert!(!is_valid_shortcode("a"));
        assert!(!is_valid_shortcode("blob-cat"));
    }
}
