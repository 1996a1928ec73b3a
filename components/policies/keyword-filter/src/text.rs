//! Rough plain text from status HTML: tags dropped (block-level ones become a line
//! break, so words on either side stay apart), the common entities decoded.
//! Good enough to match keywords against; never panics on broken markup.

/// Tags that separate words: replaced by a newline.
const BREAKING: [&str; 18] =
    ["br", "p", "div", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "hr"];

/// `html` with its tags removed and entities decoded.
pub fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        // `<` starts a tag only before a letter, `/`, `!` or `?` (as in HTML); otherwise it is text.
        let starts_tag = after.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        if !starts_tag {
            out.push('<');
            rest = after;
            continue;
        }
        match after.find('>') {
            Some(end) => {
                let name: String = after
                    .trim_start_matches('/')
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .map(|c| c.to_ascii_lowercase())
                    .collect();
                if BREAKING.contains(&name.as_str()) {
                    out.push('\n');
                }
                rest = &after[end + 1..];
            }
            // An unclosed tag: the rest is markup, not text.
            None => rest = "",
        }
    }
    out.push_str(rest);
    decode_entities(&out)
}

/// Decodes named entities common in status HTML and numeric ones; others stay as written.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let decoded = after.find(';').filter(|&end| end <= 10).and_then(|end| {
            let name = &after[..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => {
                    let number = name.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse::<u32>().ok()?,
                    };
                    char::from_u32(code)
                }
            }?;
            Some((c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::strip_html;

    #[test]
    fn drops_tags_and_keeps_words_apart() {
        assert_eq!(strip_html("<p>Hello <b>wor</b>ld</p><p>again</p>"), "\nHello world\n\nagain\n");
        assert_eq!(strip_html(r#"<a href="https://spam.example/x" class="u-url">@<span>bob</span></a> hi"#), "@bob hi");
    }

    #[test]
    fn decodes_entities() {
        assert_eq!(strip_html("a &amp; b &lt;3 &#233;t&#xE9; &unknown; & ok"), "a & b <3 été &unknown; & ok");
    }

    #[test]
    fn survives_broken_markup() {
        assert_eq!(strip_html("1 < 2 and 3 <4"), "1 < 2 and 3 <4");
        assert_eq!(strip_html("text <a href="), "text ");
        assert_eq!(strip_html("<"), "<");
        assert_eq!(strip_html("&"), "&");
        assert_eq!(strip_html("&#xFFFFFFFF; &#;"), "&#xFFFFFFFF; &#;");
        assert_eq!(strip_html("é<é>é"), "é<é>é");
    }
}
