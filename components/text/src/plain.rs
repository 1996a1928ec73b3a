//! Reading status HTML back as plain text, for search, notifications and
//! redrafting remote statuses.
//!
//! Line structure is kept: `<br>` becomes a newline and each paragraph boundary
//! a blank line, so the text of [`crate::render`]'s output is the text it was
//! rendered from. (Mastodon's own plain-text formatter puts a single newline
//! between paragraphs; a blank line is what its composer produced them from.)
//! Content of scripts, styles and the like is dropped, not shown as text.

use crate::html::{Event, walk};

/// Elements whose text is not part of the status.
const HIDDEN: [&str; 12] =
    ["script", "style", "iframe", "math", "noembed", "noframes", "noscript", "svg", "xmp", "template", "title", "textarea"];

/// Elements that end a paragraph-like block.
const BLOCKS: [&str; 13] = ["p", "div", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr"];

/// Plain text from status HTML: `<br>` and `</p><p>` become newlines (a blank
/// line between paragraphs), list items go on their own lines, tags are
/// dropped and entities decoded.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    // Newlines owed before the next text: the larger request wins, and none
    // are written at the very start.
    let mut pending = 0usize;
    let mut hidden: Vec<String> = Vec::new();
    walk(html, |event| match event {
        Event::Start(tag) => {
            let name: &str = &tag.name;
            if !hidden.is_empty() || HIDDEN.contains(&name) {
                if !tag.self_closing && !is_void(name) {
                    hidden.push(name.to_string());
                }
                return;
            }
            if name == "br" {
                out.push_str(&"\n".repeat(pending));
                pending = 0;
                out.push('\n');
            } else if BLOCKS.contains(&name) {
                pending = pending.max(2);
            } else if name == "li" {
                pending = pending.max(1);
            }
        }
        Event::End(tag) => {
            let name: &str = &tag.name;
            if let Some(open) = hidden.last() {
                if open == name {
                    hidden.pop();
                }
                return;
            }
            if BLOCKS.contains(&name) {
                pending = pending.max(2);
            } else if name == "li" {
                pending = pending.max(1);
            }
        }
        Event::Text(text) => {
            if !hidden.is_empty() || text.is_empty() {
                return;
            }
            if !out.is_empty() && pending > 0 {
                let have = out.len() - out.trim_end_matches('\n').len();
                out.push_str(&"\n".repeat(pending.saturating_sub(have)));
            }
            pending = 0;
            out.push_str(text);
        }
    });
    out.trim_matches('\n').to_string()
}

fn is_void(name: &str) -> bool {
    matches!(name, "br" | "hr" | "img" | "input" | "meta" | "link" | "area" | "base" | "col" | "embed" | "source" | "track" | "wbr")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Mention, MentionLink, render};

    #[test]
    fn paragraphs_and_breaks() {
        assert_eq!(html_to_text("<p>one<br>two<br />three</p><p>four</p>"), "one\ntwo\nthree\n\nfour");
    }

    #[test]
    fn entities_decoded_and_tags_dropped() {
        assert_eq!(html_to_text("<p>a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#39; &eacute;</p>"), "a & b <c> \"d\" 'e' é");
        assert_eq!(html_to_text("<p><b>bold</b> <span class=\"x\">s</span></p>"), "bold s");
    }

    #[test]
    fn mastodon_links_read_as_full_url() {
        let html = r#"<p><a href="https://www.example.com/long" rel="nofollow noopener" target="_blank"><span class="invisible">https://www.</span><span class="">example.com/long</span><span class="invisible"></span></a></p>"#;
        assert_eq!(html_to_text(html), "https://www.example.com/long");
    }

    #[test]
    fn scripts_and_styles_dropped() {
        assert_eq!(html_to_text("<p>a<script>if (x < y) alert(1)</script>b<style>p{}</style></p>"), "ab");
    }

    #[test]
    fn lists_one_item_per_line() {
        assert_eq!(html_to_text("<p>x</p><ul><li>a</li><li>b</li></ul><p>y</p>"), "x\n\na\nb\n\ny");
    }

    #[test]
    fn consecutive_breaks_kept() {
        assert_eq!(html_to_text("<p>a<br><br>b</p>"), "a\n\nb");
    }

    #[test]
    fn plain_text_without_markup() {
        assert_eq!(html_to_text("just text"), "just text");
        assert_eq!(html_to_text(""), "");
    }

    #[test]
    fn round_trips_render() {
        let resolve = |m: &Mention| Some(MentionLink { url: format!("https://x.example/@{}", m.username), username: m.username.clone() });
        let tag = |t: &str| format!("https://x.example/tags/{t}");
        let text = "Hello @alice & <friends>!\nsee https://example.com/a/very/long/path/indeed?x=1\n\nnew #paragraph";
        assert_eq!(html_to_text(&render(text, &resolve, &tag)), text);
    }
}
