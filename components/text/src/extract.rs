//! Finding links, hashtags and mentions in plain status text.
//!
//! The rules follow Mastodon (its `Extractor`, `Account::MENTION_RE`, the
//! hashtag pattern of `Tag` and its URL tweaks to twitter-text), because what
//! counts as an entity decides both the rendered HTML and the character count:
//! a server that links a string Mastodon would not, or the other way round,
//! shows statuses differently from every client's own preview.
//!
//! Entities are found separately, then merged by position with overlapping ones
//! dropped (the earlier one wins), as twitter-text does: so `#tag` inside a URL
//! or `@user` in a link path never becomes a second entity.

use std::sync::OnceLock;

use regex::Regex;

/// A mention as written: `@alice` (domain None) or `@alice@remote.example`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mention {
    pub username: String,
    pub domain: Option<String>,
}

impl Mention {
    /// The mention as written, without the leading `@`: `alice` or `alice@remote.example`.
    pub fn acct(&self) -> String {
        match &self.domain {
            Some(domain) => format!("{}@{}", self.username, domain),
            None => self.username.clone(),
        }
    }
}

/// Everything [`extract`] found, each list in order of first appearance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    pub mentions: Vec<Mention>,
    pub tags: Vec<String>,
    pub links: Vec<String>,
}

/// Mentions (deduplicated, case-insensitive), hashtags (as written, deduplicated
/// case-insensitively) and http(s) links in plain status text.
///
/// Hashtags follow current Mastodon: the `#` (or full-width `＃`) must start the
/// text or follow whitespace, and the name is word characters with at least one
/// letter (or one of the separators `_`, `·`, `・`, ZWNJ between word characters),
/// so `#123` is not a tag but `#café` and `#1_2` are.
pub fn extract(text: &str) -> Extracted {
    let mut out = Extracted::default();
    for entity in entities(text) {
        match entity.kind {
            Kind::Url => {
                let url = &text[entity.start..entity.end];
                if !out.links.iter().any(|l| l == url) {
                    out.links.push(url.to_string());
                }
            }
            Kind::Hashtag(tag) => {
                let key = tag.to_lowercase();
                if !out.tags.iter().any(|t| t.to_lowercase() == key) {
                    out.tags.push(tag);
                }
            }
            Kind::Mention(mention) => {
                if !out.mentions.iter().any(|m| same_mention(m, &mention)) {
                    out.mentions.push(mention);
                }
            }
        }
    }
    out
}

fn same_mention(a: &Mention, b: &Mention) -> bool {
    let same_domain = match (&a.domain, &b.domain) {
        (None, None) => true,
        (Some(x), Some(y)) => x.to_lowercase() == y.to_lowercase(),
        _ => false,
    };
    same_domain && a.username.eq_ignore_ascii_case(&b.username)
}

/// One entity found in the text, by byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entity {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Url,
    Hashtag(String),
    Mention(Mention),
}

/// Which kinds of entity to look for: the length count ignores hashtags.
#[derive(Clone, Copy)]
pub(crate) struct Wanted {
    pub hashtags: bool,
}

/// All entities, sorted by position, without overlaps.
pub(crate) fn entities(text: &str) -> Vec<Entity> {
    entities_of(text, Wanted { hashtags: true })
}

pub(crate) fn entities_of(text: &str, wanted: Wanted) -> Vec<Entity> {
    let mut found = urls(text);
    if wanted.hashtags {
        found.extend(hashtags(text));
    }
    found.extend(mentions(text));
    found.sort_by_key(|e| e.start);
    let mut kept: Vec<Entity> = Vec::with_capacity(found.len());
    for entity in found {
        if kept.last().is_none_or(|prev| prev.end <= entity.start) {
            kept.push(entity);
        }
    }
    kept
}

/// Mastodon's `[[:word:]]` for Unicode text: letters, marks, decimal digits and
/// connector punctuation (the underscore among them).
const WORD: &str = r"\p{L}\p{M}\p{Nd}\p{Pc}";
/// Mastodon's `[[:alpha:]]` for Unicode text: letters and marks.
const ALPHA: &str = r"\p{L}\p{M}";
/// Characters that may join the parts of a hashtag (`_`, middle dot, katakana
/// middle dot, zero-width non-joiner).
const SEPARATORS: &str = r"_\x{00B7}\x{30FB}\x{200C}";

fn regex(cell: &'static OnceLock<Regex>, pattern: impl FnOnce() -> String) -> &'static Regex {
    cell.get_or_init(|| Regex::new(&pattern()).expect("built-in pattern compiles"))
}

fn word_char_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    regex(&RE, || format!(r"\A[{WORD}]\z"))
}

fn is_word_char(c: char) -> bool {
    let mut buf = [0u8; 4];
    word_char_re().is_match(c.encode_utf8(&mut buf))
}

/// A hashtag at the start of the haystack: either word characters with a letter
/// or separator strictly inside, or word characters with at least one letter.
fn hashtag_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    regex(&RE, || {
        let first = format!("[{WORD}_][{WORD}{SEPARATORS}]*[{ALPHA}{SEPARATORS}][{WORD}{SEPARATORS}]*[{WORD}_]");
        let last = format!("[{WORD}_]*[{ALPHA}][{WORD}_]*");
        format!(r"\A[#＃]((?:{first})|(?:{last}))")
    })
}

/// A mention at the start of the haystack: an ASCII username (dots and dashes
/// only between other characters), then optionally `@domain`.
fn mention_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    regex(&RE, || format!(r"\A@([A-Za-z0-9_]+(?:[.-]+[A-Za-z0-9_]+)*)(?:@([{WORD}]+(?:[.-]+[{WORD}]+)*))?"))
}

/// Characters RFC 3987 allows unescaped in an IRI (ucschar and iprivate),
/// which Mastodon accepts in query strings.
const UCHARS: &str = r"\x{A0}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFEF}\x{10000}-\x{1FFFD}\x{20000}-\x{2FFFD}\x{30000}-\x{3FFFD}\x{40000}-\x{4FFFD}\x{50000}-\x{5FFFD}\x{60000}-\x{6FFFD}\x{70000}-\x{7FFFD}\x{80000}-\x{8FFFD}\x{90000}-\x{9FFFD}\x{A0000}-\x{AFFFD}\x{B0000}-\x{BFFFD}\x{C0000}-\x{CFFFD}\x{D0000}-\x{DFFFD}\x{E1000}-\x{EFFFD}\x{E000}-\x{F8FF}\x{F0000}-\x{FFFFD}\x{100000}-\x{10FFFD}";

/// An http(s) URL at the start of the haystack. The path may hold anything but
/// whitespace, angle brackets and unbalanced parentheses, and must not end in
/// punctuation that usually closes the sentence around a link (`.`, `,`, `!`,
/// quotes…); the query string has its own allowed and ending characters.
fn url_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    regex(&RE, || {
        let label = r"[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}_-]*[\p{L}\p{M}\p{N}])?";
        let host = format!(r"{label}(?:\.{label})*");
        let general = r"[^\s<>()?]";
        let balanced = format!(r"\((?:{general}+|{general}*\({general}+\){general}*)\)");
        let ending = format!(r#"(?:[^\s()?!*"'「」<>;:=,.$%\[\]~&|@]|{balanced})"#);
        let path = format!(r"(?:{general}*(?:{balanced}{general}*)*{ending}|{general}+/)");
        let query = format!(r"[a-zA-Z0-9!?*'();:&=+$/%#\[\]\-_.,~|@^{UCHARS}]");
        let query_end = format!(r"[a-zA-Z0-9_&=#/\-{UCHARS}]");
        format!(r"\A(?i:https?)://{host}(?::[0-9]+)?(?:/{path}*)?(?:\?{query}*{query_end})?")
    })
}

fn char_before(text: &str, at: usize) -> Option<char> {
    text[..at].chars().next_back()
}

fn urls(text: &str) -> Vec<Entity> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(offset) = find_ascii_ci(&text[from..], "http") {
        let start = from + offset;
        // Like twitter-text: a URL glued to a letter, digit, `@`, `$`, `#` or a
        // directional mark is part of a longer word, not a link.
        let glued = char_before(text, start)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '@' | '＠' | '$' | '#' | '＃' | '\u{202A}'..='\u{202E}'));
        match url_re().find(&text[start..]) {
            Some(m) if !glued => {
                out.push(Entity { start, end: start + m.end(), kind: Kind::Url });
                from = start + m.end();
            }
            _ => from = start + 4,
        }
    }
    out
}

/// Byte offset of the first ASCII-case-insensitive occurrence of `needle` (ASCII).
fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    h.windows(n.len()).position(|w| w.eq_ignore_ascii_case(n))
}

fn hashtags(text: &str) -> Vec<Entity> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find(['#', '＃']) {
        let start = from + offset;
        let sign_len = text[start..].chars().next().map_or(1, char::len_utf8);
        if char_before(text, start).is_some_and(|c| !c.is_whitespace()) {
            from = start + sign_len;
            continue;
        }
        let Some(caps) = hashtag_re().captures(&text[start..]) else {
            from = start + sign_len;
            continue;
        };
        let mut name = caps.get(1).map_or("", |m| m.as_str());
        let mut end = start + caps.get(0).map_or(0, |m| m.end());
        // `#taghttps://…`: the scheme belongs to the URL that follows, not the tag.
        if text[end..].starts_with("://") {
            for scheme in ["https", "http"] {
                if name.len() > scheme.len() && name.ends_with(scheme) {
                    name = &name[..name.len() - scheme.len()];
                    end -= scheme.len();
                    break;
                }
            }
        }
        out.push(Entity { start, end, kind: Kind::Hashtag(name.to_string()) });
        from = end;
    }
    out
}

/// twitter-text's rule for the character after a mention: another `@`, a
/// Latin letter with an accent (the username would have been cut short) or
/// `://` (it was a URL) mean this was not a mention after all.
fn ends_badly(rest: &str) -> bool {
    if rest.starts_with("://") {
        return true;
    }
    rest.chars().next().is_some_and(|c| {
        matches!(c,
            '@' | '＠'
            | '\u{00C0}'..='\u{00D6}' | '\u{00D8}'..='\u{00F6}' | '\u{00F8}'..='\u{00FF}'
            | '\u{0100}'..='\u{024F}' | '\u{0253}' | '\u{0254}' | '\u{0256}' | '\u{0257}'
            | '\u{0259}' | '\u{025B}' | '\u{0263}' | '\u{0268}' | '\u{026F}' | '\u{0272}'
            | '\u{0289}' | '\u{028B}' | '\u{02BB}' | '\u{0300}'..='\u{036F}' | '\u{1E00}'..='\u{1EFF}')
    })
}

fn mentions(text: &str) -> Vec<Entity> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find('@') {
        let start = from + offset;
        // `alice@example.com` and `https://host/@alice` are not mentions.
        if char_before(text, start).is_some_and(|c| c == '=' || c == '/' || is_word_char(c)) {
            from = start + 1;
            continue;
        }
        let Some(caps) = mention_re().captures(&text[start..]) else {
            from = start + 1;
            continue;
        };
        let end = start + caps.get(0).map_or(1, |m| m.end());
        if !ends_badly(&text[end..]) {
            let username = caps.get(1).map_or("", |m| m.as_str()).to_string();
            let domain = caps.get(2).map(|m| m.as_str().to_string());
            out.push(Entity { start, end, kind: Kind::Mention(Mention { username, domain }) });
        }
        from = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(username: &str, domain: Option<&str>) -> Mention {
        Mention { username: username.into(), domain: domain.map(Into::into) }
    }

    #[test]
    fn finds_local_and_remote_mentions() {
        let e = extract("hi @alice and @bob@remote.example!");
        assert_eq!(e.mentions, vec![m("alice", None), m("bob", Some("remote.example"))]);
    }

    #[test]
    fn mentions_are_deduplicated_case_insensitively() {
        let e = extract("@Alice @alice @ALICE@Host.example @alice@host.example");
        assert_eq!(e.mentions, vec![m("Alice", None), m("ALICE", Some("Host.example"))]);
    }

    #[test]
    fn email_address_is_not_a_mention() {
        let e = extract("write to alice@example.com please");
        assert!(e.mentions.is_empty());
    }

    #[test]
    fn mention_in_url_path_is_not_a_mention() {
        let e = extract("see https://mastodon.social/@Gargron and x=@y");
        assert!(e.mentions.is_empty());
        assert_eq!(e.links, vec!["https://mastodon.social/@Gargron"]);
    }

    #[test]
    fn mention_trailing_punctuation_is_not_part_of_it() {
        let e = extract("thanks @alice. and (@bob@x.example), @carol-");
        assert_eq!(e.mentions, vec![m("alice", None), m("bob", Some("x.example")), m("carol", None)]);
    }

    #[test]
    fn mention_with_dots_and_dashes_inside() {
        let e = extract("@first.last @a-b@sub.host-name.example");
        assert_eq!(e.mentions, vec![m("first.last", None), m("a-b", Some("sub.host-name.example"))]);
    }

    #[test]
    fn mention_cut_by_accented_letter_is_dropped() {
        assert!(extract("@josé").mentions.is_empty());
    }

    #[test]
    fn mention_at_start_of_line_and_after_newline() {
        let e = extract("@a\n@b");
        assert_eq!(e.mentions, vec![m("a", None), m("b", None)]);
    }

    #[test]
    fn hashtags_as_written_deduplicated() {
        let e = extract("#Rust is #fun, #rust and #FUN");
        assert_eq!(e.tags, vec!["Rust", "fun"]);
    }

    #[test]
    fn all_digit_hashtag_is_not_a_tag() {
        assert!(extract("issue #123 and #2024").tags.is_empty());
        assert_eq!(extract("#1_2 #a1 #1a").tags, vec!["1_2", "a1", "1a"]);
    }

    #[test]
    fn unicode_hashtags() {
        let e = extract("#café #日本語 #Straße ＃全角");
        assert_eq!(e.tags, vec!["café", "日本語", "Straße", "全角"]);
    }

    #[test]
    fn hashtag_separators_inside_only() {
        assert_eq!(extract("#foo·bar #foo_ #_foo").tags, vec!["foo·bar", "foo_", "_foo"]);
        // A trailing middle dot is not part of the tag.
        assert_eq!(extract("#foo·").tags, vec!["foo"]);
    }

    #[test]
    fn hashtag_must_follow_whitespace() {
        assert!(extract("a#tag foo/#bar (#baz) https://x.example/#frag").tags.is_empty());
        assert_eq!(extract("#start\n#line\t#tab").tags, vec!["start", "line", "tab"]);
    }

    #[test]
    fn hashtag_ends_at_punctuation() {
        assert_eq!(extract("#tag, #other! #third.").tags, vec!["tag", "other", "third"]);
    }

    #[test]
    fn hashtag_glued_to_url_scheme() {
        let e = extract("#taghttps://example.com/x");
        assert_eq!(e.tags, vec!["tag"]);
    }

    #[test]
    fn links_with_trailing_punctuation() {
        let e = extract("look: https://example.com/a. Or (https://example.org/b), \"https://example.net/c\"!");
        assert_eq!(e.links, vec!["https://example.com/a", "https://example.org/b", "https://example.net/c"]);
    }

    #[test]
    fn link_keeps_balanced_parentheses_and_query() {
        let e = extract("https://en.wikipedia.org/wiki/Rust_(programming_language) and https://x.example/?q=1&r=2.");
        assert_eq!(e.links, vec!["https://en.wikipedia.org/wiki/Rust_(programming_language)", "https://x.example/?q=1&r=2"]);
    }

    #[test]
    fn link_with_port_fragment_and_unicode() {
        let e = extract("http://localhost:3000/path#frag https://例え.jp/ページ");
        assert_eq!(e.links, vec!["http://localhost:3000/path#frag", "https://例え.jp/ページ"]);
    }

    #[test]
    fn link_needs_scheme_and_host() {
        let e = extract("example.com ftp://example.com https:// foohttps://example.com HTTPS://EXAMPLE.COM");
        assert_eq!(e.links, vec!["HTTPS://EXAMPLE.COM"]);
    }

    #[test]
    fn links_are_deduplicated() {
        assert_eq!(extract("https://a.example https://a.example").links.len(), 1);
    }

    #[test]
    fn entities_do_not_overlap() {
        let all = entities("https://x.example/@bob #tag @bob");
        let kinds: Vec<_> = all.iter().map(|e| std::mem::discriminant(&e.kind)).collect();
        assert_eq!(kinds.len(), 3);
        assert!(matches!(all[0].kind, Kind::Url));
        assert!(matches!(all[1].kind, Kind::Hashtag(_)));
        assert!(matches!(all[2].kind, Kind::Mention(_)));
    }

    #[test]
    fn empty_text() {
        assert_eq!(extract(""), Extracted::default());
    }

    #[test]
    fn acct_joins_domain() {
        assert_eq!(m("a", Some("b.example")).acct(), "a@b.example");
        assert_eq!(m("a", None).acct(), "a");
    }
}
