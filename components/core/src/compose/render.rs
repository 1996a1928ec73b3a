//! Status text to Mastodon's HTML with the shared `aerie-text` rules: mentions
//! link to accounts this instance knows (local ones by `@name` or `@name@domain`
//! of this instance, remote ones only when the account exists here), hashtags link
//! to `BASE/tags/NAME`, and the length counts as Mastodon counts it.

use aerie_sdk::db::{Autocommit, Error};

use crate::convert::tag_url;
use crate::rows::AccountRow;
use crate::store;
use crate::text::{self, Mention, MentionLink};

/// What rendering found.
#[derive(Debug, Default, PartialEq)]
pub struct Rendered {
    pub html: String,
    /// Mentioned accounts that exist here, in order of appearance, without repeats.
    pub mentions: Vec<i64>,
    /// Tags as written (first spelling), without repeats (case-insensitively).
    pub tags: Vec<String>,
}

/// The length of a status as checked against the limit: the text with Mastodon's
/// URL and mention concessions, plus the content warning counted plainly.
pub fn length(text: &str, spoiler_text: &str) -> usize {
    text::character_count(text) + text::raw_character_count(spoiler_text)
}

/// Whether `mention` names `account`, given this instance's domain.
fn names(mention: &Mention, account: &AccountRow, local_domain: &str) -> bool {
    if !mention.username.eq_ignore_ascii_case(&account.username) {
        return false;
    }
    match (&mention.domain, &account.domain) {
        (None, None) => true,
        (Some(domain), None) => domain.eq_ignore_ascii_case(local_domain),
        (Some(domain), Some(theirs)) => domain.eq_ignore_ascii_case(theirs),
        (None, Some(_)) => false,
    }
}

/// The accounts the mentions in `text` can name, in one query.
pub fn mentionable_accounts(text: &str, local_domain: &str) -> Result<Vec<AccountRow>, Error> {
    let mentions = text::extract(text).mentions;
    if mentions.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<(&str, Option<&str>)> = mentions
        .iter()
        .map(|mention| (mention.username.as_str(), mention.domain.as_deref().filter(|d| !d.eq_ignore_ascii_case(local_domain))))
        .collect();
    store::accounts::named(&Autocommit, &names)
}

/// Renders `text`; `accounts` are those [`mentionable_accounts`] found, `base` is
/// `scheme://web_domain` for tag links.
pub fn render(text: &str, accounts: &[AccountRow], local_domain: &str, base: &str) -> Rendered {
    let find = |mention: &Mention| accounts.iter().find(|a| names(mention, a, local_domain));
    let resolve = |mention: &Mention| {
        find(mention).map(|account| MentionLink {
            url: account.url.clone().or_else(|| account.uri.clone()).unwrap_or_default(),
            username: account.username.clone(),
        })
    };
    let html = text::render(text, &resolve, &|name| tag_url(base, name));
    let extracted = text::extract(text);
    let mut mentions = Vec::new();
    for account in extracted.mentions.iter().filter_map(find) {
        if !mentions.contains(&account.id) {
            mentions.push(account.id);
        }
    }
    Rendered { html, mentions, tags: extracted.tags }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_known_mentions_and_tags() {
        let alice = AccountRow { id: 7, username: "Alice".into(), url: Some("https://x.example/@Alice".into()), ..Default::default() };
        let bob = AccountRow {
            id: 8,
            username: "bob".into(),
            domain: Some("far.example".into()),
            url: Some("https://far.example/@bob".into()),
            ..Default::default()
        };
        let text = "hi @alice @alice@X.example @bob@far.example @carol@far.example #Café #café";
        let rendered = render(text, &[alice, bob], "x.example", "https://x.example");
        assert_eq!(rendered.mentions, vec![7, 8]);
        assert_eq!(rendered.tags, vec!["Café"]);
        assert!(rendered.html.contains("href=\"https://far.example/@bob\""), "{}", rendered.html);
        assert!(rendered.html.contains("@carol@far.example"), "{}", rendered.html);
        assert!(rendered.html.contains("https://x.example/tags/Caf%C3%A9"), "{}", rendered.html);
        assert_eq!(length("https://example.com/very/long/url", "cw"), 25);
    }
}
