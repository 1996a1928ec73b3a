//! Reducing HTML from other servers to what Mastodon allows in a status.
//!
//! Remote HTML is shown to our users and handed to clients that insert it into
//! pages, so it must carry no script, style, frame, event handler or
//! `javascript:` link. ammonia (html5ever underneath) does the actual cleaning
//! and is the security boundary; a small pre-pass first applies the two
//! Mastodon rules that ammonia cannot express: a link whose scheme is not
//! allowed becomes its plain text (ammonia would keep an empty `<a>`), and
//! headings become bold paragraphs.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use ammonia::{Builder, UrlRelative};

use crate::html::{Event, escape, walk};

/// Link schemes Mastodon keeps in remote HTML.
const LINK_SCHEMES: [&str; 11] = ["http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini"];

/// Elements Mastodon keeps (its `MASTODON_STRICT` set, minus MathML).
const TAGS: [&str; 20] =
    ["p", "br", "span", "a", "del", "s", "pre", "blockquote", "code", "b", "strong", "u", "i", "em", "ul", "ol", "li", "ruby", "rt", "rp"];

/// Elements removed together with their content (as Ruby's Sanitize does).
const DROPPED_WITH_CONTENT: [&str; 13] =
    ["script", "style", "iframe", "math", "noembed", "noframes", "noscript", "plaintext", "svg", "xmp", "template", "object", "title"];

/// Remote HTML reduced to Mastodon's allowed set: `p`, `br`, `span` (only the
/// microformats, mention, hashtag and link-shortening classes), `a` (http(s)
/// and a few other link schemes, `rel` forced to "nofollow noopener" and
/// `target="_blank"`), `del`, `s`, `pre`, `code`, `blockquote`, `b`, `strong`,
/// `i`, `em`, `u`, lists and ruby annotations. Scripts, styles and frames go
/// with their content; every other element is unwrapped; other attributes go.
pub fn sanitize_remote_html(html: &str) -> String {
    builder().clean(&prepare(html)).to_string()
}

fn builder() -> &'static Builder<'static> {
    static BUILDER: OnceLock<Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let attributes: HashMap<&str, HashSet<&str>> = HashMap::from([
            ("a", HashSet::from(["href", "class", "translate"])),
            ("span", HashSet::from(["class", "translate"])),
            ("p", HashSet::from(["class"])),
            ("ol", HashSet::from(["start", "reversed"])),
            ("li", HashSet::from(["value"])),
        ]);
        let mut builder = Builder::empty();
        builder
            .tags(HashSet::from(TAGS))
            .clean_content_tags(HashSet::from(DROPPED_WITH_CONTENT))
            .tag_attributes(attributes)
            .url_schemes(HashSet::from(LINK_SCHEMES))
            .url_relative(UrlRelative::Deny)
            .link_rel(Some("nofollow noopener"))
            .set_tag_attribute_value("a", "target", "_blank")
            .strip_comments(true)
            .attribute_filter(filter_attribute);
        builder
    })
}

/// Keeps only the class names Mastodon's CSS and clients give meaning to, and
/// `translate` only when it says "no".
fn filter_attribute<'u>(_element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    match attribute {
        "class" => {
            let kept: Vec<&str> = value.split_ascii_whitespace().filter(|c| allowed_class(c)).collect();
            if kept.is_empty() { None } else { Some(Cow::Owned(kept.join(" "))) }
        }
        "translate" => (value == "no").then_some(Cow::Borrowed(value)),
        _ => Some(Cow::Borrowed(value)),
    }
}

fn allowed_class(class: &str) -> bool {
    ["h-", "p-", "u-", "dt-", "e-"].iter().any(|prefix| class.starts_with(prefix))
        || matches!(class, "mention" | "hashtag" | "ellipsis" | "invisible" | "quote-inline")
}

/// The scheme of a link, lowercased, if it has one (`relative` links have none).
fn scheme(href: &str) -> Option<String> {
    let href = href.trim_start();
    let colon = href.find(':')?;
    let scheme = &href[..colon];
    let valid = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| scheme.to_ascii_lowercase())
}

fn allowed_link(href: Option<&str>) -> bool {
    href.and_then(scheme).is_some_and(|s| LINK_SCHEMES.contains(&s.as_str()))
}

/// The pre-pass: re-emits the markup with disallowed links unwrapped and
/// headings turned into `<p><strong>`. Its output is only ever fed to ammonia,
/// so it need not be safe itself, only well-formed enough to parse the same.
fn prepare(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    // For each open `<a>`, whether it was kept.
    let mut links: Vec<bool> = Vec::new();
    walk(html, |event| match event {
        Event::Start(tag) => {
            let name: &str = &tag.name;
            if name == "a" {
                let href = tag.attrs.iter().find(|a| &*a.name.local == "href").map(|a| &*a.value);
                let keep = allowed_link(href);
                links.push(keep);
                if !keep {
                    return;
                }
            }
            if is_heading(name) {
                out.push_str("<p><strong>");
                return;
            }
            out.push('<');
            out.push_str(name);
            for attr in &tag.attrs {
                out.push(' ');
                out.push_str(&attr.name.local);
                out.push_str("=\"");
                out.push_str(&escape(&attr.value));
                out.push('"');
            }
            out.push_str(if tag.self_closing { " />" } else { ">" });
        }
        Event::End(tag) => {
            let name: &str = &tag.name;
            if name == "a" && !links.pop().unwrap_or(true) {
                return;
            }
            if is_heading(name) {
                out.push_str("</strong></p>");
                return;
            }
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
        Event::Text(text) => out.push_str(&escape(text)),
    });
    out
}

fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mastodon_html_passes_unchanged() {
        let html = r#"<p><span class="h-card" translate="no"><a href="https://far.example/@bob" class="u-url mention">@<span>bob</span></a></span> hi <a href="https://far.example/tags/x" class="mention hashtag" rel="tag">#<span>x</span></a></p>"#;
        let clean = sanitize_remote_html(html);
        assert!(clean.contains(r#"<span class="h-card" translate="no">"#), "{clean}");
        assert!(clean.contains(r#"class="u-url mention""#), "{clean}");
        assert!(clean.contains(r#"class="mention hashtag""#), "{clean}");
        assert!(clean.contains("<span>bob</span>"), "{clean}");
    }

    #[test]
    fn script_and_style_removed_with_content() {
        let clean = sanitize_remote_html("<p>a<script>alert(1)</script><style>p{}</style>b</p><iframe src=x>c</iframe>");
        assert_eq!(clean, "<p>ab</p>");
    }

    #[test]
    fn javascript_href_becomes_text() {
        assert_eq!(sanitize_remote_html(r#"<p><a href="javascript:alert(1)">click</a></p>"#), "<p>click</p>");
        assert_eq!(sanitize_remote_html(r#"<p><a href=" JavaScript:alert(1)">x</a></p>"#), "<p>x</p>");
        assert_eq!(sanitize_remote_html(r#"<a href="/relative">rel</a><a>none</a>"#), "relnone");
        assert_eq!(sanitize_remote_html(r#"<a href="data:text/html,x">d</a>"#), "d");
    }

    #[test]
    fn links_get_rel_and_target() {
        let clean = sanitize_remote_html(r#"<a href="https://x.example/" rel="me" target="_self" onclick="evil()">x</a>"#);
        assert!(clean.contains(r#"href="https://x.example/""#), "{clean}");
        assert!(clean.contains(r#"rel="nofollow noopener""#), "{clean}");
        assert!(clean.contains(r#"target="_blank""#), "{clean}");
        assert!(!clean.contains("onclick") && !clean.contains("_self") && !clean.contains("me\""), "{clean}");
    }

    #[test]
    fn other_schemes_mastodon_allows() {
        let clean = sanitize_remote_html(r#"<a href="gemini://x.example/">g</a>"#);
        assert!(clean.contains(r#"href="gemini://x.example/""#), "{clean}");
    }

    #[test]
    fn classes_filtered() {
        assert_eq!(sanitize_remote_html(r#"<span class="invisible evil h-card">x</span>"#), r#"<span class="invisible h-card">x</span>"#);
        assert_eq!(sanitize_remote_html(r#"<span class="evil">x</span>"#), "<span>x</span>");
        assert_eq!(sanitize_remote_html(r#"<p class="quote-inline">q</p>"#), r#"<p class="quote-inline">q</p>"#);
    }

    #[test]
    fn translate_only_no() {
        assert_eq!(sanitize_remote_html(r#"<span translate="yes">x</span>"#), "<span>x</span>");
    }

    #[test]
    fn formatting_kept_others_unwrapped() {
        let html = "<div><p><b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><del>d</del><code>c</code></p><img src=x onerror=alert(1)><table><tr><td>t</td></tr></table></div>";
        assert_eq!(sanitize_remote_html(html), "<p><b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><del>d</del><code>c</code></p>t");
    }

    #[test]
    fn lists_and_quotes_kept() {
        let html = r#"<blockquote><p>q</p></blockquote><ol start="3" reversed><li value="5">x</li></ol><ul><li>y</li></ul><pre>p</pre>"#;
        let clean = sanitize_remote_html(html);
        assert!(clean.contains("<blockquote><p>q</p></blockquote>"), "{clean}");
        assert!(clean.contains(r#"<ol start="3" reversed="">"#), "{clean}");
        assert!(clean.contains(r#"<li value="5">x</li>"#), "{clean}");
        assert!(clean.contains("<ul><li>y</li></ul><pre>p</pre>"), "{clean}");
    }

    #[test]
    fn headings_become_bold_paragraphs() {
        assert_eq!(sanitize_remote_html("<h1>Title</h1><p>x</p>"), "<p><strong>Title</strong></p><p>x</p>");
    }

    #[test]
    fn comments_and_entities() {
        assert_eq!(sanitize_remote_html("<p>a<!-- hidden -->&amp;&lt;b&gt;</p>"), "<p>a&amp;&lt;b&gt;</p>");
    }

    #[test]
    fn malformed_markup_is_safe() {
        let clean = sanitize_remote_html(
            r#"<p><a href="https://x.example/"><script>x</script><a href="javascript:y">z</a></p><img src=x onerror=alert(1)//"#,
        );
        assert!(!clean.contains("script") && !clean.contains("javascript") && !clean.contains("onerror"), "{clean}");
    }

    #[test]
    fn attribute_breakout_is_escaped() {
        let clean = sanitize_remote_html(r#"<a href='https://x.example/"onmouseover="alert(1)'>x</a>"#);
        assert!(!clean.contains(r#"" onmouseover"#) && !clean.contains(r#""onmouseover=""#), "{clean}");
    }

    #[test]
    fn scheme_parsing() {
        assert_eq!(scheme("HTTPS://x").as_deref(), Some("https"));
        assert_eq!(scheme("/a:b"), None);
        assert_eq!(scheme("no-colon"), None);
    }
}
