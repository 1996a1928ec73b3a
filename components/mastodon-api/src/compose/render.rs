//! Status text to HTML, minimal and private to this component until the shared
//! `aerie-text` crate replaces it: escapes HTML, makes paragraphs (`<p>`) and line
//! breaks (`<br />`), links URLs, and finds `@mentions` of local accounts and
//! `#tags`. Mentions of accounts elsewhere stay plain text for now.

use std::collections::HashMap;

use aerie_guest::convert::escape_html;
use aerie_guest::rows::AccountRow;

/// What rendering found.
#[derive(Debug, Default, PartialEq)]
pub struct Rendered {
    pub html: String,
    /// Mentioned local accounts, in order of appearance, without repeats.
    pub mentions: Vec<i64>,
    /// Tags as written (first spelling), without repeats (case-insensitively).
    pub tags: Vec<String>,
}

fn word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// A `@user` or `@user@domain` at `rest` (which starts after the `@`): the parts and
/// how many bytes they take.
fn mention_at(rest: &str) -> Option<(&str, Option<&str>, usize)> {
    let user_len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')).unwrap_or(rest.len());
    let user = rest[..user_len].trim_end_matches(['.', '-']);
    if user.is_empty() {
        return None;
    }
    let after = &rest[user.len()..];
    if let Some(domain_part) = after.strip_prefix('@') {
        let domain_len = domain_part.find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-')).unwrap_or(domain_part.len());
        let domain = domain_part[..domain_len].trim_end_matches(['.', '-']);
        if !domain.is_empty() {
            return Some((user, Some(domain), user.len() + 1 + domain.len()));
        }
    }
    Some((user, None, user.len()))
}

fn tag_at(rest: &str) -> Option<&str> {
    let len = rest.find(|c: char| !word_char(c)).unwrap_or(rest.len());
    let name = &rest[..len];
    (!name.is_empty() && name.chars().any(|c| !c.is_ascii_digit())).then_some(name)
}

fn url_at(rest: &str) -> Option<&str> {
    if !(rest.starts_with("https://") || rest.starts_with("http://")) {
        return None;
    }
    let len = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let url = rest[..len].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'', '"']);
    (url.len() > "https://".len()).then_some(url)
}

/// Lower-cased usernames that `@mentions` in `text` could mean on this instance,
/// for the caller to look up before [`render`].
pub fn mention_candidates(text: &str, local_domain: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut previous = ' ';
    for (index, c) in text.char_indices() {
        if c == '@'
            && !word_char(previous)
            && previous != '@'
            && let Some((user, domain, _)) = mention_at(&text[index + 1..])
            && domain.is_none_or(|d| d.eq_ignore_ascii_case(local_domain))
        {
            let name = user.to_lowercase();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        previous = c;
    }
    names
}

/// Renders `text`. `local` maps lower-cased usernames to the local accounts found by
/// [`mention_candidates`]; `base` is `scheme://web_domain` for tag links.
pub fn render(text: &str, local: &HashMap<String, AccountRow>, local_domain: &str, base: &str) -> Rendered {
    let mut out = Rendered::default();
    let normalized = text.replace("\r\n", "\n");
    let paragraphs = normalized.trim().split("\n\n").map(|p| p.trim_matches('\n')).filter(|p| !p.trim().is_empty());
    for paragraph in paragraphs {
        out.html.push_str("<p>");
        let mut previous = ' ';
        let mut index = 0;
        while index < paragraph.len() {
            let rest = &paragraph[index..];
            let c = rest.chars().next().unwrap_or(' ');
            let at_word_start = !word_char(previous) && previous != '@' && previous != '/';
            let mut consumed = 0;
            if c == '@' && at_word_start {
                if let Some((user, domain, len)) = mention_at(&rest[1..])
                    && domain.is_none_or(|d| d.eq_ignore_ascii_case(local_domain))
                    && let Some(account) = local.get(&user.to_lowercase())
                {
                    let href = escape_html(account.url.as_deref().or(account.uri.as_deref()).unwrap_or(""));
                    out.html.push_str(&format!(
                        "<span class=\"h-card\" translate=\"no\"><a href=\"{href}\" class=\"u-url mention\">@<span>{}</span></a></span>",
                        escape_html(&account.username)
                    ));
                    if !out.mentions.contains(&account.id) {
                        out.mentions.push(account.id);
                    }
                    consumed = 1 + len;
                }
            } else if c == '#' && at_word_start {
                if let Some(name) = tag_at(&rest[1..]) {
                    let lower = name.to_lowercase();
                    out.html.push_str(&format!(
                        "<a href=\"{base}/tags/{}\" class=\"mention hashtag\" rel=\"tag\">#<span>{}</span></a>",
                        escape_html(&lower),
                        escape_html(name)
                    ));
                    if !out.tags.iter().any(|t| t.to_lowercase() == lower) {
                        out.tags.push(name.to_string());
                    }
                    consumed = 1 + name.len();
                }
            } else if (c == 'h' || c == 'H')
                && at_word_start
                && let Some(url) = url_at(rest)
            {
                let escaped = escape_html(url);
                out.html
                    .push_str(&format!("<a href=\"{escaped}\" target=\"_blank\" rel=\"nofollow noopener\" translate=\"no\">{escaped}</a>"));
                consumed = url.len();
            }
            if consumed == 0 {
                match c {
                    '\n' => out.html.push_str("<br />"),
                    c => out.html.push_str(&escape_html(c.encode_utf8(&mut [0; 4]))),
                }
                consumed = c.len_utf8();
            }
            previous = paragraph[index..index + consumed].chars().last().unwrap_or(' ');
            index += consumed;
        }
        out.html.push_str("</p>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_paragraphs_mentions_tags_and_links() {
        let alice = AccountRow { id: 7, username: "Alice".into(), url: Some("https://x.example/@Alice".into()), ..Default::default() };
        let local = HashMap::from([("alice".to_string(), alice)]);
        let text = "hi @alice and @bob@elsewhere.example <b>\n#Rust #123 #rust\n\nsee https://a.example/x?y=1&z=2.";
        assert_eq!(mention_candidates(text, "x.example"), vec!["alice"]);
        let rendered = render(text, &local, "x.example", "https://x.example");
        assert_eq!(rendered.mentions, vec![7]);
        assert_eq!(rendered.tags, vec!["Rust"]);
        assert!(rendered.html.starts_with("<p>hi <span class=\"h-card\""));
        assert!(rendered.html.contains("@bob@elsewhere.example &lt;b&gt;<br /><a href=\"https://x.example/tags/rust\""));
        assert!(rendered.html.contains("#123"));
        assert!(rendered.html.ends_with("<a href=\"https://a.example/x?y=1&amp;z=2\" target=\"_blank\" rel=\"nofollow noopener\" translate=\"no\">https://a.example/x?y=1&amp;z=2</a>.</p>"));
        assert_eq!(render("a@b c", &local, "x.example", "").html, "<p>a@b c</p>");
    }
}
