//! The custom emoji of a page of statuses: those each status's content and content
//! warning name, of its author's domain (see [`aerie_core::custom_emoji`]), in one
//! query for the page and none when no status names a `:shortcode:`; likewise those
//! of the authors' display names and notes.

use std::collections::HashMap;

use aerie_core::custom_emoji;
use aerie_core::entities::CustomEmoji;
use aerie_core::rows::{AccountRow, StatusRow};
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;

pub fn of_page(base: &str, content: &[&StatusRow], authors: &HashMap<i64, AccountRow>) -> Result<HashMap<i64, Vec<CustomEmoji>>, Response> {
    let texts: Vec<(i64, Option<&str>, String)> = content
        .iter()
        .filter_map(|s| {
            let author = authors.get(&s.account_id)?;
            Some((s.id, author.domain.as_deref(), format!("{} {}", s.spoiler_text, s.content_html)))
        })
        .collect();
    by_id(base, &texts)
}

/// The custom emoji of the authors of a page: those their display names and notes
/// name, of their own domain (one query, none when no name or note names one).
pub fn of_authors(base: &str, authors: &HashMap<i64, AccountRow>) -> Result<HashMap<i64, Vec<CustomEmoji>>, Response> {
    let texts: Vec<(i64, Option<&str>, String)> =
        authors.values().map(|a| (a.id, a.domain.as_deref(), format!("{} {}", a.display_name, a.note))).collect();
    by_id(base, &texts)
}

/// The emoji each `(id, author's domain, text)` names, by id (ids naming none left
/// out), in one query.
fn by_id(base: &str, texts: &[(i64, Option<&str>, String)]) -> Result<HashMap<i64, Vec<CustomEmoji>>, Response> {
    let asked: Vec<(Option<&str>, &str)> = texts.iter().map(|(_, domain, text)| (*domain, text.as_str())).collect();
    let found = custom_emoji::resolve(&Autocommit, &asked)?;
    Ok(texts
        .iter()
        .zip(found)
        .filter(|(_, rows)| !rows.is_empty())
        .map(|((id, _, _), rows)| (*id, rows.iter().map(|r| custom_emoji::to_api(r, base)).collect()))
        .collect())
}
