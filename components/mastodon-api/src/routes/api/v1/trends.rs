//! `/api/v1/trends/*`: what is trending here, computed from the statuses the
//! instance holds (`aerie_core::store::trends`), public ones only. `tags` (also
//! `/api/v1/trends`): hashtags at least [`TAG_MIN_ACCOUNTS`] accounts used in the last
//! [`TAG_WINDOW_DAYS`] days, by accounts, each with its daily history; `statuses`:
//! the most favourited and boosted of the last [`STATUS_WINDOW_DAYS`] days, as the
//! viewer may see them; `links`: none, as the instance fetches no link previews.
//! Anyone may read them; `offset` and `limit` page them as in Mastodon.

use aerie_core::entities::TagHistory;
use aerie_core::store::trends;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;

use crate::ctx::{Answer, Ctx};
use crate::load;

/// A hashtag trends when this many accounts used it within the window.
pub const TAG_MIN_ACCOUNTS: i64 = 2;
/// The window hashtags trend in (and the length of their history).
pub const TAG_WINDOW_DAYS: i64 = 7;
/// The window statuses trend in.
pub const STATUS_WINDOW_DAYS: i64 = 2;

const DAY_MS: i64 = 86_400_000;

/// `offset` and `limit` (default `default`, at most `max`).
fn page(ctx: &Ctx, default: i64, max: i64) -> (i64, i64) {
    let limit = ctx.params.i64("limit").filter(|l| *l > 0).unwrap_or(default).min(max);
    (ctx.params.i64("offset").unwrap_or(0).max(0), limit)
}

/// `GET /api/v1/trends/tags`: Tag entities with a week of history, newest day first.
pub fn tags(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.optional("read")?;
    let (offset, limit) = page(ctx, 10, 20);
    let now = aerie_sdk::settings::now_millis();
    // Days start at midnight UTC, as Mastodon counts them; today is the last of the window.
    let first = (now.div_euclid(DAY_MS) - (TAG_WINDOW_DAYS - 1)) * DAY_MS;
    let trending = trends::tags(&Autocommit, first, TAG_MIN_ACCOUNTS, limit, offset)?;
    let ids: Vec<i64> = trending.iter().map(|t| t.id).collect();
    let days = trends::history(&Autocommit, &ids, first, DAY_MS)?;
    let out: Vec<_> = trending
        .iter()
        .map(|tag| {
            let mut entity = aerie_core::convert::tag_to_api(&tag.name.to_lowercase(), &ctx.base);
            entity.history = Some(
                (0..TAG_WINDOW_DAYS)
                    .rev()
                    .map(|d| {
                        let day = days.get(&(tag.id, d)).copied().unwrap_or_default();
                        TagHistory {
                            day: ((first + d * DAY_MS) / 1000).to_string(),
                            uses: day.uses.to_string(),
                            accounts: day.accounts.to_string(),
                        }
                    })
                    .collect(),
            );
            entity.following = viewer.map(|_| false);
            entity
        })
        .collect();
    Ok(Response::to_json(200, &out))
}

/// `GET /api/v1/trends/statuses`
pub fn statuses(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.optional("read:statuses")?;
    let (offset, limit) = page(ctx, 20, 40);
    let since = aerie_sdk::settings::now_millis() - STATUS_WINDOW_DAYS * DAY_MS;
    let ids = trends::statuses(&Autocommit, since, limit, offset)?;
    // The one visibility rule decides what this viewer sees (blocks, mutes, …).
    let visible = load::visible_statuses(viewer, &ids)?;
    let rows: Vec<_> = ids.iter().filter_map(|id| visible.get(id).cloned()).collect();
    Ok(Response::to_json(200, &load::statuses_to_api(viewer, &ctx.base, &rows)?))
}

/// `GET /api/v1/trends/links`: no link previews are fetched here, so none trend.
pub fn links(ctx: &Ctx) -> Answer {
    ctx.viewer.optional("read")?;
    Ok(Response::json(200, &serde_json::json!([])))
}
