//! Mastodon's `Link` header for paged lists: `rel="next"` (older, `max_id`) first,
//! then `rel="prev"` (newer, `min_id`), absolute URLs that keep every other parameter.

use aerie_sdk::http::Response;

use crate::ctx::Ctx;

fn url(ctx: &Ctx, key: &str, id: i64) -> String {
    let mut query: Vec<&str> = ctx
        .request
        .query
        .split('&')
        .filter(|pair| !pair.is_empty() && !matches!(pair.split('=').next(), Some("max_id" | "min_id" | "since_id")))
        .collect();
    let bound = format!("{key}={id}");
    query.push(&bound);
    format!("{}{}?{}", ctx.base, ctx.request.path, query.join("&"))
}

/// Adds the `Link` header for a page whose items carry paging ids `first` (newest)
/// and `last` (oldest); an empty page gets none.
pub fn with_link(ctx: &Ctx, response: Response, page_ids: &[i64]) -> Response {
    let (Some(first), Some(last)) = (page_ids.first(), page_ids.last()) else { return response };
    let link = format!("<{}>; rel=\"next\", <{}>; rel=\"prev\"", url(ctx, "max_id", *last), url(ctx, "min_id", *first));
    response.with_header("link", link)
}
