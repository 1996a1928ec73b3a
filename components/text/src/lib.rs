//! Status text the way Mastodon treats it.
//!
//! Clients and other servers expect statuses to look exactly like Mastodon's:
//! the same HTML for links, mentions and hashtags, the same rules for what counts
//! as a hashtag, the same character count against the limit, the same reduced set
//! of tags in remote HTML. This crate is those rules and nothing else: pure Rust,
//! no I/O, so every component (and the host) can share it and the tests run natively.
//!
//! - [`extract`] finds mentions, hashtags and links in plain status text.
//! - [`render`] turns a local status's plain text into Mastodon's HTML.
//! - [`character_count`] counts text against the status length limit.
//! - [`sanitize_remote_html`] reduces HTML from other servers to the allowed set.
//! - [`html_to_text`] reads status HTML back as plain text.

mod count;
mod extract;
mod html;
mod plain;
mod render;
mod sanitize;

pub use count::{character_count, raw_character_count};
pub use extract::{Extracted, Mention, extract};
pub use html::escape as escape_html;
pub use plain::html_to_text;
pub use render::{MentionLink, render};
pub use sanitize::sanitize_remote_html;
