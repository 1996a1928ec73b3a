//! `/api/v1/statuses/:id/{reblog,unreblog,favourite,unfavourite,bookmark,unbookmark,pin,unpin}`.
//! Each answers the status as the viewer now sees it.

use aerie_core::actions::favourites::{self, Favourited};
use aerie_core::actions::{Origin, boosts, saved};
use aerie_core::rows::StatusRow;
use aerie_core::store::reblogs;
use aerie_sdk::db::{Autocommit, Value};
use aerie_sdk::http::Response;
use aerie_sdk::settings;

use crate::compose;
use crate::ctx::{Answer, Ctx, forbidden, invalid};
use crate::federate;
use crate::load;

/// Most pinned statuses per account, as Mastodon.
const MAX_PINS: i64 = 5;

/// The status an action applies to: visible to the viewer, and the original when
/// the id names a reblog.
fn target(viewer: i64, id: i64) -> Result<StatusRow, Response> {
    let row = load::visible_status(Some(viewer), id)?;
    match row.reblog_of_id {
        Some(original) => load::visible_status(Some(viewer), original),
        None => Ok(row),
    }
}

fn answer(ctx: &Ctx, viewer: i64, id: i64) -> Answer {
    let row = load::visible_status(Some(viewer), id)?;
    Ok(Response::to_json(200, &load::status_to_api(Some(viewer), &ctx.base, &row)?))
}

/// `POST /api/v1/statuses/:id/reblog`: answers the reblog, with the original inside.
pub fn reblog(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:statuses")?;
    let original = target(viewer, id)?;
    // Mastodon's policy: direct posts never, followers-only posts only by their author.
    if original.visibility == "direct" || (original.visibility == "private" && original.account_id != viewer) {
        return Err(forbidden());
    }
    if let Some(existing) = reblogs::existing(&Autocommit, viewer, original.id)? {
        return answer(ctx, viewer, existing);
    }
    let visibility = match original.visibility.as_str() {
        "private" => "private",
        _ => ctx.params.get("visibility").filter(|v| matches!(*v, "public" | "unlisted" | "private")).unwrap_or("public"),
    };
    let author = load::account_or_404(viewer)?;
    let instance = compose::instance()?;
    let now = settings::now_millis();
    let reblog_id = settings::next_id();
    let (uri, _) = compose::local_status_urls(&author, &instance, reblog_id);
    let reblog = StatusRow {
        id: reblog_id,
        account_id: viewer,
        local: true,
        uri: Some(format!("{uri}/activity")),
        visibility: visibility.into(),
        reblog_of_id: Some(original.id),
        application_id: ctx.viewer.app_id,
        created_at: now,
        updated_at: now,
        ..StatusRow::default()
    };
    boosts::boost(&reblog, &original)?;
    if let Ok(row) = load::visible_status(Some(viewer), reblog_id) {
        federate::reblogged(&row, &original);
    }
    answer(ctx, viewer, reblog_id)
}

/// `POST /api/v1/statuses/:id/unreblog`: answers the original.
pub fn unreblog(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:statuses")?;
    let original = target(viewer, id)?;
    let now = settings::now_millis();
    let rows =
        load::status_rows(Some(viewer), "", reblogs::OF_ACCOUNT_CONDITION, "", vec![Value::Int64(viewer), Value::Int64(original.id)])?;
    if boosts::unboost(viewer, original.id, &rows, now)? {
        federate::unreblogged(&rows, &original);
    }
    answer(ctx, viewer, original.id)
}

/// `POST /api/v1/statuses/:id/favourite`
pub fn favourite(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:favourites")?;
    let status = target(viewer, id)?;
    if let Favourited::Added(favourite) = favourites::favourite(viewer, &status, &Origin::Local)? {
        federate::liked(viewer, &status, favourite.uri.as_deref(), favourite.id, false);
    }
    answer(ctx, viewer, status.id)
}

/// `POST /api/v1/statuses/:id/unfavourite`
pub fn unfavourite(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:favourites")?;
    let status = target(viewer, id)?;
    if let Some(favourite) = favourites::unfavourite(viewer, status.id)? {
        federate::liked(viewer, &status, favourite.uri.as_deref(), favourite.id, true);
    }
    answer(ctx, viewer, status.id)
}

/// `POST /api/v1/statuses/:id/bookmark`
pub fn bookmark(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:bookmarks")?;
    let status = target(viewer, id)?;
    saved::bookmark(viewer, status.id)?;
    answer(ctx, viewer, status.id)
}

/// `POST /api/v1/statuses/:id/unbookmark`
pub fn unbookmark(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:bookmarks")?;
    let status = target(viewer, id)?;
    saved::unbookmark(viewer, status.id)?;
    answer(ctx, viewer, status.id)
}

/// `POST /api/v1/statuses/:id/pin`: own public, unlisted or followers-only statuses.
pub fn pin(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:accounts")?;
    let status = load::visible_status(Some(viewer), id)?;
    if status.account_id != viewer || status.reblog_of_id.is_some() {
        return Err(invalid("Status must be one of your own posts"));
    }
    if status.visibility == "direct" {
        return Err(invalid("Status cannot pin private mentions"));
    }
    if saved::pinned(viewer)? >= MAX_PINS {
        return Err(invalid("Status maximum number of pinned posts reached"));
    }
    saved::pin(viewer, status.id)?;
    answer(ctx, viewer, status.id)
}

/// `POST /api/v1/statuses/:id/unpin`
pub fn unpin(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:accounts")?;
    let status = load::visible_status(Some(viewer), id)?;
    saved::unpin(viewer, status.id)?;
    answer(ctx, viewer, status.id)
}
