//! `GET /api/v1/timelines/link?url=`: statuses sharing a link. Mastodon answers it
//! from trending preview cards; aerie keeps no preview cards, so it answers with the
//! public statuses (not reblogs) whose content links to exactly that URL, newest
//! first, paged with `Link`, without the accounts a signed-in viewer mutes.

use aerie_core::contract::home::NOT_MUTED;
use aerie_core::filtering::Scope;
use aerie_core::text::escape_html;
use aerie_sdk::db::Value;
use aerie_sdk::http::Response;
use aerie_sdk::settings;

use crate::ctx::{Answer, Ctx};
use crate::load;

/// A `LIKE` pattern matching rendered HTML that holds a link to `url`: the URL as it
/// appears in an `href` attribute, with the pattern's own wildcards escaped.
fn href_pattern(url: &str) -> String {
    let attribute = format!("href=\"{}\"", escape_html(url));
    let escaped = attribute.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

pub fn get(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.optional("read:statuses")?;
    let url = ctx.params.get("url").map(str::trim).filter(|u| u.starts_with("http://") || u.starts_with("https://"));
    let Some(url) = url else { return Err(Response::not_found()) };
    let muted = if viewer.is_some() { NOT_MUTED } else { "$2 = $2" };
    let condition = format!("s.visibility = 'public' AND s.reblog_of_id IS NULL AND s.content_html LIKE $3 ESCAPE '\\' AND {muted}");
    let params = vec![Value::Int64(settings::now_millis()), Value::Text(href_pattern(url))];
    load::status_page_in(ctx, viewer, "", &condition, params, "s.id", Scope::Context("public"))
}

#[cfg(test)]
mod tests {
    use super::href_pattern;

    #[test]
    fn the_pattern_is_the_href_with_wildcards_escaped() {
        assert_eq!(href_pattern("https://a.example/x_y?a=1&b=50%"), "%href=\"https://a.example/x\\_y?a=1&amp;b=50\\%\"%");
    }
}
