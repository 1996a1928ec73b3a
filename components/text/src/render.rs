//! Rendering a local status's plain text to the HTML Mastodon would produce.
//!
//! Clients style statuses by Mastodon's exact markup (the `invisible` and
//! `ellipsis` spans shorten long links, `h-card` and `u-url mention` mark
//! mentions, `mention hashtag` marks tags), so the form is copied closely: text
//! between entities HTML-escaped, then Rails' `simple_format` (paragraphs on
//! blank lines, `<br />` on single newlines) with the newlines removed.

use crate::extract::{self, Kind, Mention};
use crate::html::{escape, escape_into};

/// What a resolved mention renders to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MentionLink {
    /// The account's profile URL (`href` of the link).
    pub url: String,
    /// What is shown after the `@`: the bare username, or `user@domain` when
    /// the caller wants to tell same-named accounts apart.
    pub username: String,
}

/// Mastodon-compatible HTML for a local status.
///
/// Mentions that `resolve` returns `None` for stay plain (escaped) text, as in
/// Mastodon. `tag_url` gives the link for a hashtag name as written (it should
/// percent-encode non-ASCII names; the result is only HTML-escaped). The text is
/// trimmed first, as Mastodon stores status text trimmed; blank text gives "".
pub fn render(text: &str, resolve: &dyn Fn(&Mention) -> Option<MentionLink>, tag_url: &dyn Fn(&str) -> String) -> String {
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    let mut html = String::with_capacity(text.len() * 2);
    let mut last = 0;
    for entity in extract::entities(text) {
        escape_into(&mut html, &text[last..entity.start]);
        let written = &text[entity.start..entity.end];
        match &entity.kind {
            Kind::Url => html.push_str(&link_html(written)),
            Kind::Hashtag(name) => {
                html.push_str(&format!(
                    r#"<a href="{}" class="mention hashtag" rel="tag">#<span>{}</span></a>"#,
                    escape(&tag_url(name)),
                    escape(name)
                ));
            }
            Kind::Mention(mention) => match resolve(mention) {
                Some(link) => html.push_str(&format!(
                    r#"<span class="h-card" translate="no"><a href="{}" class="u-url mention">@<span>{}</span></a></span>"#,
                    escape(&link.url),
                    escape(&link.username)
                )),
                None => escape_into(&mut html, written),
            },
        }
        last = entity.end;
    }
    escape_into(&mut html, &text[last..]);
    simple_format(&html)
}

/// A link shortened for display as Mastodon does it: the scheme (and `www.`)
/// hidden, the next 30 characters shown, the rest hidden behind an ellipsis.
fn link_html(url: &str) -> String {
    let prefix_len = prefix_len(url);
    let (prefix, rest) = url.split_at(prefix_len);
    let cut = rest.char_indices().nth(30).map_or(rest.len(), |(i, _)| i);
    let (shown, hidden) = rest.split_at(cut);
    let class = if hidden.is_empty() { "" } else { "ellipsis" };
    format!(
        r#"<a href="{}" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">{}</span><span class="{}">{}</span><span class="invisible">{}</span></a>"#,
        escape(url),
        escape(prefix),
        class,
        escape(shown),
        escape(hidden)
    )
}

/// Length of the `http://` or `https://` and optional `www.` at the start.
/// Case-sensitive, like Mastodon's prefix pattern: `HTTPS://` is shown in full.
fn prefix_len(url: &str) -> usize {
    let scheme = if url.starts_with("https://") {
        8
    } else if url.starts_with("http://") {
        7
    } else {
        return 0;
    };
    if url[scheme..].starts_with("www.") { scheme + 4 } else { scheme }
}

/// Rails' `simple_format` without sanitizing, with newlines then removed:
/// runs of two or more newlines split paragraphs, a single newline between two
/// other characters becomes `<br />`.
fn simple_format(html: &str) -> String {
    let normalized = html.replace("\r\n", "\n").replace('\r', "\n");
    let mut paragraphs: Vec<&str> = split_paragraphs(&normalized);
    // Ruby's split drops trailing empty pieces.
    while paragraphs.last().is_some_and(|p| p.is_empty()) {
        paragraphs.pop();
    }
    if paragraphs.is_empty() {
        return "<p></p>".to_string();
    }
    let mut out = String::with_capacity(html.len() + 16);
    for paragraph in paragraphs {
        out.push_str("<p>");
        let chars: Vec<char> = paragraph.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            if c == '\n' {
                let between = i > 0 && chars[i - 1] != '\n' && chars.get(i + 1).is_some_and(|&n| n != '\n');
                if between {
                    out.push_str("<br />");
                }
            } else {
                out.push(c);
            }
        }
        out.push_str("</p>");
    }
    out
}

/// Splits on runs of two or more newlines.
fn split_paragraphs(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        if bytes[i] == b'\n' && bytes.get(i + 1) == Some(&b'\n') {
            out.push(&text[start..i]);
            while i < bytes.len() && bytes[i] == b'\n' {
                i += 1;
            }
            start = i;
        } else {
            i += 1;
        }
    }
    out.push(&text[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &Mention) -> Option<MentionLink> {
        None
    }

    fn tag(name: &str) -> String {
        format!("https://local.example/tags/{name}")
    }

    fn plain(text: &str) -> String {
        render(text, &none, &tag)
    }

    fn resolve_all(m: &Mention) -> Option<MentionLink> {
        let url = match &m.domain {
            Some(d) => format!("https://{d}/@{}", m.username),
            None => format!("https://local.example/@{}", m.username),
        };
        Some(MentionLink { url, username: m.username.clone() })
    }

    #[test]
    fn plain_paragraph() {
        assert_eq!(plain("Hello world"), "<p>Hello world</p>");
    }

    #[test]
    fn blank_text_is_empty() {
        assert_eq!(plain(""), "");
        assert_eq!(plain("  \n "), "");
    }

    #[test]
    fn paragraphs_and_line_breaks() {
        assert_eq!(plain("one\ntwo\n\nthree\n\n\n\nfour"), "<p>one<br />two</p><p>three</p><p>four</p>");
        assert_eq!(plain("a\r\nb"), "<p>a<br />b</p>");
    }

    #[test]
    fn whitespace_only_line_does_not_split_paragraphs() {
        // As in Rails: only newline runs split; the spaces stay between two breaks.
        assert_eq!(plain("a\n \nb"), "<p>a<br /> <br />b</p>");
    }

    #[test]
    fn html_in_text_is_escaped() {
        assert_eq!(
            plain(r#"<script>alert("x")</script> & 'q'"#),
            "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;</p>"
        );
    }

    #[test]
    fn short_link() {
        assert_eq!(
            plain("see https://example.com/a."),
            r#"<p>see <a href="https://example.com/a" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">https://</span><span class="">example.com/a</span><span class="invisible"></span></a>.</p>"#
        );
    }

    #[test]
    fn long_link_is_cut_after_30_characters() {
        let url = "https://www.example.com/a/very/long/path/that/goes/on?x=1&y=2";
        assert_eq!(
            plain(url),
            r#"<p><a href="https://www.example.com/a/very/long/path/that/goes/on?x=1&amp;y=2" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">https://www.</span><span class="ellipsis">example.com/a/very/long/path/t</span><span class="invisible">hat/goes/on?x=1&amp;y=2</span></a></p>"#
        );
    }

    #[test]
    fn exactly_30_characters_has_no_ellipsis() {
        let url = "http://abcdefghijklmnopqrstuvwxyz.com"; // 30 after the scheme
        assert!(plain(url).contains(r#"<span class="">abcdefghijklmnopqrstuvwxyz.com</span><span class="invisible"></span>"#));
    }

    #[test]
    fn uppercase_scheme_is_shown() {
        assert!(plain("HTTPS://EXAMPLE.COM").contains(r#"<span class="invisible"></span><span class="">HTTPS://EXAMPLE.COM</span>"#));
    }

    #[test]
    fn link_then_tag_then_mention() {
        let html = render("https://x.example/@bob #tag @bob", &resolve_all, &tag);
        assert_eq!(html.matches("<a ").count(), 3, "{html}");
        assert!(html.contains(r#"<span class="">x.example/@bob</span>"#), "{html}");
    }

    #[test]
    fn resolved_and_unresolved_mentions() {
        let resolve = |m: &Mention| {
            (m.username == "alice").then(|| MentionLink { url: "https://local.example/@alice".into(), username: "alice".into() })
        };
        assert_eq!(
            render("hi @alice and @bob@far.example", &resolve, &tag),
            r#"<p>hi <span class="h-card" translate="no"><a href="https://local.example/@alice" class="u-url mention">@<span>alice</span></a></span> and @bob@far.example</p>"#
        );
    }

    #[test]
    fn remote_mention_link() {
        assert_eq!(
            render("@bob@far.example", &resolve_all, &tag),
            r#"<p><span class="h-card" translate="no"><a href="https://far.example/@bob" class="u-url mention">@<span>bob</span></a></span></p>"#
        );
    }

    #[test]
    fn hashtag_link() {
        assert_eq!(
            plain("I like #Café"),
            r#"<p>I like <a href="https://local.example/tags/Café" class="mention hashtag" rel="tag">#<span>Café</span></a></p>"#
        );
    }

    #[test]
    fn hashtag_glued_to_url_scheme() {
        // The tag stops before the scheme; the URL, glued to a letter, is not linked.
        assert_eq!(
            plain("#taghttps://example.com"),
            r#"<p><a href="https://local.example/tags/tag" class="mention hashtag" rel="tag">#<span>tag</span></a>https://example.com</p>"#
        );
    }

    #[test]
    fn email_is_left_alone() {
        assert_eq!(render("mail alice@example.com", &resolve_all, &tag), "<p>mail alice@example.com</p>");
    }

    #[test]
    fn callbacks_output_is_escaped() {
        let evil = |_: &Mention| Some(MentionLink { url: "https://x.example/\"><script>".into(), username: "<b>".into() });
        let html = render("@a", &evil, &|_| "\"".into());
        assert!(!html.contains("<script>") && !html.contains("<b>"), "{html}");
    }

    #[test]
    fn simple_format_edge_cases() {
        assert_eq!(simple_format("a\n"), "<p>a</p>");
        assert_eq!(simple_format("a\nb\nc"), "<p>a<br />b<br />c</p>");
        assert_eq!(simple_format("a\n\n"), "<p>a</p>");
    }
}
