//! `/api/v1/statuses/:id/{reblog,unreblog,favourite,unfavourite,bookmark,unbookmark,pin,unpin}`.
//! Each answers the status as the viewer now sees it.

use aerie_core::rows::StatusRow;
use aerie_sdk::db::{self, Value};
use aerie_sdk::http::Response;
use aerie_sdk::settings;

use crate::compose;
use crate::ctx::{Answer, Ctx, forbidden, invalid};
use crate::federate;
use crate::load;
use aerie_core::actions::favourites::{self, Favourited};
use aerie_core::actions::{Origin, notify};
use aerie_core::store::notifications;
use aerie_core::stream_audience;

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
    let existing = db::query(
        "SELECT id FROM statuses WHERE account_id = $1 AND reblog_of_id = $2 AND deleted_at IS NULL",
        &[Value::Int64(viewer), Value::Int64(original.id)],
    )?;
    if let Some(existing) = existing.first().and_then(|r| r.i64("id")) {
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
    let tx = db::begin()?;
    tx.execute(
        "INSERT INTO statuses (id, account_id, local, text, content_html, uri, url, visibility, reblog_of_id, conversation_id, sensitive, \
           spoiler_text, application_id, created_at, updated_at) \
         VALUES ($1, $2, 1, '', '', $3, NULL, $4, $5, NULL, 0, '', $6, $7, $7)",
        &[
            Value::Int64(reblog_id),
            Value::Int64(viewer),
            Value::Text(format!("{uri}/activity")),
            Value::Text(visibility.into()),
            Value::Int64(original.id),
            ctx.viewer.app_id.map(Value::Int64).unwrap_or(Value::Null),
            Value::Int64(now),
        ],
    )?;
    tx.execute("UPDATE statuses SET reblogs_count = reblogs_count + 1 WHERE id = $1", &[Value::Int64(original.id)])?;
    tx.execute(
        "UPDATE accounts SET statuses_count = statuses_count + 1, last_status_at = $2 WHERE id = $1",
        &[Value::Int64(viewer), Value::Int64(now)],
    )?;
    let notice = notifications::create(&tx, original.account_id, viewer, notifications::REBLOG, Some(original.id))?;
    tx.commit()?;
    notify::publish(notice);
    if let Ok(row) = load::visible_status(Some(viewer), reblog_id) {
        stream_audience::publish_created(&row);
        federate::reblogged(&row, &original);
    }
    answer(ctx, viewer, reblog_id)
}

/// `POST /api/v1/statuses/:id/unreblog`: answers the original.
pub fn unreblog(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:statuses")?;
    let original = target(viewer, id)?;
    let now = Value::Int64(settings::now_millis());
    let reblogs = load::status_rows(
        Some(viewer),
        "",
        "s.account_id = $2 AND s.reblog_of_id = $3",
        "",
        vec![Value::Int64(viewer), Value::Int64(original.id)],
    )?;
    let tx = db::begin()?;
    let removed = tx.execute(
        "UPDATE statuses SET deleted_at = $3, updated_at = $3 WHERE account_id = $1 AND reblog_of_id = $2 AND deleted_at IS NULL",
        &[Value::Int64(viewer), Value::Int64(original.id), now],
    )?;
    if removed > 0 {
        tx.execute(
            "UPDATE statuses SET reblogs_count = reblogs_count - 1 WHERE id = $1 AND reblogs_count > 0",
            &[Value::Int64(original.id)],
        )?;
        tx.execute(
            "UPDATE accounts SET statuses_count = statuses_count - 1 WHERE id = $1 AND statuses_count > 0",
            &[Value::Int64(viewer)],
        )?;
        tx.execute(
            "DELETE FROM notifications WHERE type = 'reblog' AND from_account_id = $1 AND status_id = $2",
            &[Value::Int64(viewer), Value::Int64(original.id)],
        )?;
    }
    tx.commit()?;
    reblogs.iter().for_each(stream_audience::publish_deleted);
    if removed > 0 {
        federate::unreblogged(&reblogs, &original);
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
    db::execute(
        "INSERT INTO bookmarks (id, account_id, status_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, status_id) DO NOTHING",
        &[Value::Int64(settings::next_id()), Value::Int64(viewer), Value::Int64(status.id), Value::Int64(settings::now_millis())],
    )?;
    answer(ctx, viewer, status.id)
}

/// `POST /api/v1/statuses/:id/unbookmark`
pub fn unbookmark(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:bookmarks")?;
    let status = target(viewer, id)?;
    db::execute("DELETE FROM bookmarks WHERE account_id = $1 AND status_id = $2", &[Value::Int64(viewer), Value::Int64(status.id)])?;
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
    let pinned = db::query("SELECT COUNT(*) AS n FROM pins WHERE account_id = $1", &[Value::Int64(viewer)])?;
    if pinned.first().and_then(|r| r.i64("n")).unwrap_or(0) >= MAX_PINS {
        return Err(invalid("Status maximum number of pinned posts reached"));
    }
    db::execute(
        "INSERT INTO pins (id, account_id, status_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, status_id) DO NOTHING",
        &[Value::Int64(settings::next_id()), Value::Int64(viewer), Value::Int64(status.id), Value::Int64(settings::now_millis())],
    )?;
    answer(ctx, viewer, status.id)
}

/// `POST /api/v1/statuses/:id/unpin`
pub fn unpin(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:accounts")?;
    let status = load::visible_status(Some(viewer), id)?;
    db::execute("DELETE FROM pins WHERE account_id = $1 AND status_id = $2", &[Value::Int64(viewer), Value::Int64(status.id)])?;
    answer(ctx, viewer, status.id)
}
