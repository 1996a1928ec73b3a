//! Featured hashtags: the viewer's (`GET`, `POST /api/v1/featured_tags` with
//! `name`, `DELETE /api/v1/featured_tags/:id`), suggestions among the hashtags they
//! use most (`GET /api/v1/featured_tags/suggestions`) and any account's (`GET
//! /api/v1/accounts/:id/featured_tags`). The rules are core's
//! ([`aerie_core::actions::tags`]); the ActivityPub collection is the activitypub
//! component's `collections/tags`.

use aerie_core::actions::tags as actions;
use aerie_core::contract::uris;
use aerie_core::entities::{FeaturedTag, Tag};
use aerie_core::rows::AccountRow;
use aerie_core::store::featured_tags::{self, FeaturedTag as Row};
use aerie_core::store::tags;
use aerie_core::time::date;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;
use aerie_sdk::params::percent_encode;

use super::tags::refused;
use crate::ctx::{Answer, Ctx};
use crate::load;

/// How many suggestions Mastodon offers.
const SUGGESTIONS: i64 = 10;

/// The FeaturedTag entity of `row`, featured by `account`; its URL is the account's
/// statuses with the tag.
fn entity(ctx: &Ctx, account: &AccountRow, row: &Row) -> FeaturedTag {
    let profile = account.url.clone().unwrap_or_else(|| uris::profile(&ctx.base, &account.username));
    FeaturedTag {
        id: row.id.to_string(),
        name: row.display_name.clone(),
        url: uris::tagged(&profile, &percent_encode(&row.name)),
        statuses_count: row.statuses_count.to_string(),
        last_status_at: row.last_status_at.map(date),
    }
}

fn list_of(ctx: &Ctx, account: &AccountRow) -> Answer {
    let rows = featured_tags::of_account(&Autocommit, account.id)?;
    let all: Vec<FeaturedTag> = rows.iter().map(|row| entity(ctx, account, row)).collect();
    Ok(Response::to_json(200, &all))
}

/// `GET /api/v1/featured_tags`
pub fn list(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:accounts")?;
    list_of(ctx, &load::account_or_404(viewer)?)
}

/// `POST /api/v1/featured_tags` with `name`: 422 for an invalid name, one featured
/// already, or past Mastodon's limit of 10.
pub fn create(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("write:accounts")?;
    let name = ctx.params.get("name").unwrap_or("");
    let row = actions::feature(viewer, name)?.map_err(refused)?;
    Ok(Response::to_json(200, &entity(ctx, &load::account_or_404(viewer)?, &row)))
}

/// `DELETE /api/v1/featured_tags/:id`: another account's (or no) featured hashtag is
/// a 404.
pub fn delete(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:accounts")?;
    actions::unfeature(viewer, id)?.map_err(refused)?;
    Ok(Response::json(200, &serde_json::json!({})))
}

/// `GET /api/v1/featured_tags/suggestions`: the hashtags the viewer used most in
/// their own statuses that they do not feature yet, as Tags.
pub fn suggestions(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:accounts")?;
    let used = tags::most_used_by(&Autocommit, viewer, SUGGESTIONS)?;
    let mut all: Vec<Tag> = Vec::with_capacity(used.len());
    for tag in &used {
        all.push(super::tags::entity(ctx, Some(viewer), &tag.name, Some(tag))?);
    }
    Ok(Response::to_json(200, &all))
}

/// `GET /api/v1/accounts/:id/featured_tags`: public; a remote account's featured
/// hashtags are not fetched, so it has none here.
pub fn of_account(ctx: &Ctx, id: i64) -> Answer {
    ctx.viewer.optional("read:accounts")?;
    list_of(ctx, &load::account_or_404(id)?)
}
