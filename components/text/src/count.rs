//! Counting status text against the character limit, as Mastodon does.
//!
//! Clients show a counter computed by these rules and servers reject by them,
//! so they must agree: every URL counts as 23 characters however long it is, a
//! remote mention counts only its `@username` part, and the rest counts in
//! extended grapheme clusters (Ruby's `each_grapheme_cluster.size`), so a
//! family emoji or a letter with combining accents is one character.

use unicode_segmentation::UnicodeSegmentation;

use crate::extract::{self, Kind, Wanted};

/// What a URL counts as, whatever its length.
const URL_LENGTH: usize = 23;

/// Characters of a status text as Mastodon counts them against the limit.
///
/// Mastodon adds the content warning to this, counted without the URL and
/// mention concessions: see [`raw_character_count`].
///
/// The text is trimmed first, as Mastodon stores and counts it.
pub fn character_count(text: &str) -> usize {
    let text = text.trim();
    if text.is_empty() {
        return 0;
    }
    let mut countable = String::with_capacity(text.len());
    let mut last = 0;
    let mut urls = 0;
    for entity in extract::entities_of(text, Wanted { hashtags: false }) {
        countable.push_str(&text[last..entity.start]);
        match entity.kind {
            Kind::Url => urls += 1,
            Kind::Mention(mention) => {
                countable.push('@');
                countable.push_str(&mention.username);
            }
            Kind::Hashtag(_) => countable.push_str(&text[entity.start..entity.end]),
        }
        last = entity.end;
    }
    countable.push_str(&text[last..]);
    // A URL's placeholder is plain ASCII, so it adds exactly its length; counting
    // it apart keeps it from merging into a grapheme with a neighbouring mark.
    raw_character_count(&countable) + urls * URL_LENGTH
}

/// Characters as Mastodon counts text that gets no concessions (the content
/// warning): extended grapheme clusters.
pub fn raw_character_count(text: &str) -> usize {
    text.graphemes(true).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_counts_graphemes() {
        assert_eq!(character_count("hello"), 5);
        assert_eq!(character_count("café"), 4);
        assert_eq!(character_count("cafe\u{301}"), 4);
        assert_eq!(character_count("👨‍👩‍👧‍👦"), 1);
        assert_eq!(character_count("日本語"), 3);
    }

    #[test]
    fn every_url_counts_23() {
        let long = format!("https://example.com/{}", "a".repeat(200));
        assert_eq!(character_count(&long), 23);
        assert_eq!(character_count("https://a.io"), 23);
        assert_eq!(character_count("see https://a.io and https://b.io."), 4 + 23 + 5 + 23 + 1);
    }

    #[test]
    fn remote_mention_counts_only_username() {
        assert_eq!(character_count("@alice@a-very-long-domain-name.example"), 6);
        assert_eq!(character_count("@alice hi"), 9);
    }

    #[test]
    fn hashtags_and_emails_count_in_full() {
        assert_eq!(character_count("#hashtag"), 8);
        assert_eq!(character_count("alice@example.com"), 17);
    }

    #[test]
    fn mention_inside_url_counts_as_url() {
        assert_eq!(character_count("https://x.example/@alice@far.example"), 23);
    }

    #[test]
    fn surrounding_whitespace_not_counted() {
        assert_eq!(character_count("  hi\n"), 2);
    }

    #[test]
    fn blank_counts_zero() {
        assert_eq!(character_count(""), 0);
        assert_eq!(character_count("   "), 0);
    }

    #[test]
    fn raw_count_does_not_shorten() {
        assert_eq!(raw_character_count("https://example.com/long"), 24);
        assert_eq!(raw_character_count("@a@b.example"), 12);
    }
}
