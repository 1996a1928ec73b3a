//! Hashtags: `GET /api/v1/tags/:name` (the Tag with its last 7 days of use and, for
//! a user, whether they follow it), `POST /api/v1/tags/:name/follow` and `unfollow`,
//! and `GET /api/v1/followed_tags` (paged by the follow, with `Link`). Statuses with
//! a followed hashtag reach the home timeline (`core::store::timelines::home`).

use aerie_core::actions::tags::{self as actions, Refusal};
use aerie_core::contract::paging::Page;
use aerie_core::convert::tag_url;
use aerie_core::entities::{Tag, TagHistory};
use aerie_core::store::followed_tags;
use aerie_core::store::tags::{self, DAY_MS, TagRow};
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;
use aerie_sdk::params::percent_decode;
use aerie_sdk::settings;

use crate::ctx::{Answer, Ctx, invalid};
use crate::links::with_link;

/// Days of history a Tag carries, today first.
const HISTORY_DAYS: i64 = 7;

/// A refused change as Mastodon answers it.
pub fn refused(refusal: Refusal) -> Response {
    match refusal {
        Refusal::NotFound => Response::not_found(),
        Refusal::Invalid(message) => invalid(message),
    }
}

/// The last [`HISTORY_DAYS`] days of `tag`'s use (statuses and distinct accounts per
/// UTC day, today first; every day present, unused ones as zeros), as Mastodon's
/// `history`. A tag the instance does not know has only zeros.
fn history(tag: Option<i64>) -> Result<Vec<TagHistory>, Response> {
    let today = settings::now_millis().div_euclid(DAY_MS);
    let first = today - (HISTORY_DAYS - 1);
    let used = match tag {
        Some(id) => tags::uses_per_day(&Autocommit, id, first)?,
        None => Vec::new(),
    };
    Ok((0..HISTORY_DAYS)
        .map(|back| {
            let day = today - back;
            let (uses, accounts) = used.iter().find(|(d, _, _)| *d == day).map(|(_, u, a)| (*u, *a)).unwrap_or((0, 0));
            TagHistory { day: (day * DAY_MS / 1000).to_string(), uses: uses.to_string(), accounts: accounts.to_string() }
        })
        .collect())
}

/// The Tag entity of hashtag `name` (stored as `tag`, if known) for `viewer`.
pub fn entity(ctx: &Ctx, viewer: Option<i64>, name: &str, tag: Option<&TagRow>) -> Result<Tag, Response> {
    let following = match (viewer, tag) {
        (Some(viewer), Some(tag)) => Some(!followed_tags::followed_among(&Autocommit, viewer, &[tag.id])?.is_empty()),
        (Some(_), None) => Some(false),
        (None, _) => None,
    };
    let name = tag.map(|t| t.display_name.clone()).unwrap_or_else(|| name.to_string());
    Ok(Tag {
        id: tag.map(|t| t.id.to_string()),
        url: tag_url(&ctx.base, &name.to_lowercase()),
        name,
        history: Some(history(tag.map(|t| t.id))?),
        following,
    })
}

/// A hashtag name from the path: percent-decoded, without a leading `#`.
fn name_of(segment: &str) -> String {
    percent_decode(segment).trim().trim_start_matches('#').to_string()
}

/// `GET /api/v1/tags/:name`: any valid name answers (an unknown one with no use
/// yet, as Mastodon answers); an invalid one is a 404. Public, with no scope asked
/// of a token (as Mastodon's); a user's token adds `following`.
pub fn get(ctx: &Ctx, segment: &str) -> Answer {
    let viewer = ctx.viewer.account_id;
    let name = name_of(segment);
    if !tags::valid_name(&name) {
        return Err(Response::not_found());
    }
    let tag = tags::by_name(&Autocommit, &name)?;
    Ok(Response::to_json(200, &entity(ctx, viewer, &name, tag.as_ref())?))
}

/// `POST /api/v1/tags/:name/follow` (the hashtag is created when unknown)
pub fn follow(ctx: &Ctx, segment: &str) -> Answer {
    let viewer = ctx.viewer.user("write:follows")?;
    let name = name_of(segment);
    let tag = actions::follow(viewer, &name)?.map_err(refused)?;
    Ok(Response::to_json(200, &entity(ctx, Some(viewer), &name, Some(&tag))?))
}

/// `POST /api/v1/tags/:name/unfollow`
pub fn unfollow(ctx: &Ctx, segment: &str) -> Answer {
    let viewer = ctx.viewer.user("write:follows")?;
    let name = name_of(segment);
    let tag = actions::unfollow(viewer, &name)?.map_err(refused)?;
    Ok(Response::to_json(200, &entity(ctx, Some(viewer), &name, Some(&tag))?))
}

/// `GET /api/v1/followed_tags`: newest follow first, paged by the follow with `Link`
/// (aerie's usual 20 per page, at most 40).
pub fn followed(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:follows")?;
    let page = Page::from_query(&ctx.request.query);
    let rows = followed_tags::page(&Autocommit, viewer, &page)?;
    let mut all = Vec::with_capacity(rows.len());
    for (_, tag) in &rows {
        let mut entity = entity(ctx, None, &tag.name, Some(tag))?;
        entity.following = Some(true);
        all.push(entity);
    }
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    Ok(with_link(ctx, Response::to_json(200, &all), &ids))
}
