//! A thin layer over html5ever's tokenizer, shared by the sanitizer's
//! pre-pass and the plain-text reader, plus HTML escaping.
//!
//! A tokenizer (not a full tree builder) is enough there: both walk the markup
//! once in order, and html5ever already gets the hard parts right (entities,
//! attribute quoting, comments, raw-text elements).

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{BufferQueue, Tag, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts};

/// What the walker sees, in document order.
pub(crate) enum Event<'a> {
    Start(&'a Tag),
    End(&'a Tag),
    Text(&'a str),
}

/// Elements whose content is raw text: the tokenizer must be told, or a `<`
/// inside a script would be read as markup.
fn raw_kind(name: &str) -> Option<RawKind> {
    match name {
        "script" => Some(RawKind::ScriptData),
        "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => Some(RawKind::Rawtext),
        "title" | "textarea" => Some(RawKind::Rcdata),
        _ => None,
    }
}

struct Sink<F> {
    visit: RefCell<F>,
}

impl<F: FnMut(Event<'_>)> TokenSink for Sink<F> {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut visit = self.visit.borrow_mut();
        match token {
            Token::TagToken(tag) => match tag.kind {
                html5ever::tokenizer::StartTag => {
                    visit(Event::Start(&tag));
                    if !tag.self_closing
                        && let Some(kind) = raw_kind(&tag.name)
                    {
                        return TokenSinkResult::RawData(kind);
                    }
                }
                html5ever::tokenizer::EndTag => visit(Event::End(&tag)),
            },
            Token::CharacterTokens(text) => visit(Event::Text(&text)),
            // Comments, doctypes, NULs and parse errors carry no content.
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// Walks `html` as a sequence of start tags, end tags and (entity-decoded) text.
pub(crate) fn walk(html: &str, visit: impl FnMut(Event<'_>)) {
    let tokenizer = Tokenizer::new(Sink { visit: RefCell::new(visit) }, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
}

/// Escapes text for HTML the way Rails' `h` does (`&`, `<`, `>`, `"`, `'`).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

pub(crate) fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}
