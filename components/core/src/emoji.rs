//! Whether a reaction name is a unicode emoji (the instance has no custom emoji, so
//! these are the only reactions it accepts).

/// Code points that make up emoji sequences without being one on their own: the
/// variation selectors, the zero-width joiner, the keycap mark and tag characters.
fn is_joiner(c: char) -> bool {
    matches!(c, '\u{FE0E}' | '\u{FE0F}' | '\u{200D}' | '\u{20E3}' | '\u{E0020}'..='\u{E007F}')
}

/// Code points that are emoji (pictographs, symbols, flags' regional indicators,
/// skin tones) in the ranges Unicode assigns them.
fn is_pictograph(c: char) -> bool {
    matches!(c,
        '\u{1F000}'..='\u{1FAFF}'
        | '\u{2600}'..='\u{27BF}'
        | '\u{2300}'..='\u{23FF}'
        | '\u{2B00}'..='\u{2BFF}'
        | '\u{2190}'..='\u{21FF}'
        | '\u{25A0}'..='\u{25FF}'
        | '\u{2934}' | '\u{2935}' | '\u{3030}' | '\u{303D}' | '\u{3297}' | '\u{3299}'
        | '\u{00A9}' | '\u{00AE}' | '\u{203C}' | '\u{2049}' | '\u{2122}' | '\u{2139}' | '\u{24C2}')
}

/// Whether `name` is one unicode emoji (or an emoji sequence: skin tones, ZWJ
/// families, flags, keycaps): made only of emoji code points and their joiners, with
/// at least one pictograph, at most 16 characters.
pub fn is_unicode_emoji(name: &str) -> bool {
    let chars: Vec<char> = name.chars().collect();
    if chars.is_empty() || chars.len() > 16 {
        return false;
    }
    let keycap = chars.len() >= 2 && matches!(chars[0], '0'..='9' | '#' | '*') && chars.contains(&'\u{20E3}');
    let start = usize::from(keycap);
    (keycap || chars.iter().any(|c| is_pictograph(*c))) && chars[start..].iter().all(|c| is_pictograph(*c) || is_joiner(*c))
}

#[cfg(test)]
mod tests {
    use super::is_unicode_emoji;

    #[test]
    fn emoji_and_not() {
        for yes in ["🤔", "👍", "👍🏽", "❤️", "👨‍👩‍👧", "🇫🇷", "1️⃣", "☕"] {
            assert!(is_unicode_emoji(yes), "{yes}");
        }
        for no in ["", "blobcat", ":blobcat:", "a", "👍x", "1", "\u{FE0F}", "<p>"] {
            assert!(!is_unicode_emoji(no), "{no}");
        }
    }
}
