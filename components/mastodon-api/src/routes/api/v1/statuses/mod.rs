//! `/api/v1/statuses`: post, read, delete, thread context.

pub mod actions;
pub mod by;
pub mod edits;
pub mod idempotency;

use aerie_core::model::visibility::{Visibility, visible_sql};
use aerie_core::rows::{STATUS_COLUMNS, StatusRow};
use aerie_sdk::db::{self, Value};
use aerie_sdk::http::Response;
use aerie_sdk::settings;

use super::media;
use crate::compose::{self, NewStatus};
use crate::ctx::{Answer, Ctx, invalid};
use crate::load;
use aerie_core::stream_audience;

/// The visibility a user posts with when the client does not say.
fn default_visibility(account_id: i64) -> Result<String, Response> {
    let rows = db::query("SELECT settings FROM users WHERE account_id = $1", &[Value::Int64(account_id)])?;
    let settings: serde_json::Value =
        rows.first().and_then(|r| r.text("settings").and_then(|s| serde_json::from_str(s).ok())).unwrap_or_default();
    Ok(settings.get("default_privacy").and_then(|v| v.as_str()).unwrap_or("public").to_string())
}

/// `POST /api/v1/statuses`. With an `Idempotency-Key`, the key is reserved first
/// (see [`idempotency`]): a repeat answers the status the first request made.
pub fn create(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("write:statuses")?;
    let row = match ctx.request.header("idempotency-key").filter(|k| !k.is_empty()) {
        None => post(ctx, viewer)?,
        Some(key) => match idempotency::claim(viewer, key)? {
            idempotency::Claim::Posted(id) => load::visible_status(Some(viewer), id)?,
            idempotency::Claim::Reserved(reservation) => match post(ctx, viewer) {
                Ok(row) => {
                    reservation.finish(row.id);
                    row
                }
                Err(refused) => {
                    reservation.release();
                    return Err(refused);
                }
            },
        },
    };
    Ok(Response::to_json(200, &load::status_to_api(Some(viewer), &ctx.base, &row)?))
}

/// Posts the status the request describes.
fn post(ctx: &Ctx, viewer: i64) -> Result<StatusRow, Response> {
    let p = &ctx.params;
    let instance = compose::instance()?;
    let content = compose::content::from_params(p, &instance)?;
    let visibility = match p.get("visibility").filter(|v| !v.is_empty()) {
        Some(v) => Visibility::parse(v).ok_or_else(|| invalid("Visibility is not included in the list"))?.as_str().to_string(),
        None => default_visibility(viewer)?,
    };
    let in_reply_to = match p.get("in_reply_to_id").filter(|v| !v.is_empty()) {
        None => None,
        Some(id) => {
            let parent = id.parse::<i64>().ok().map(|id| load::visible_status(Some(viewer), id)).and_then(Result::ok);
            let parent = parent.filter(|p| p.reblog_of_id.is_none());
            Some(parent.ok_or_else(|| Response::error(404, "The post you are trying to reply to does not appear to exist."))?)
        }
    };
    let author = load::account_or_404(viewer)?;
    let new = NewStatus { content, visibility, in_reply_to, application_id: ctx.viewer.app_id };
    compose::create(&author, new, &instance)
}

/// `GET /api/v1/statuses/:id`
pub fn get(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.optional("read:statuses")?;
    let row = load::visible_status(viewer, id)?;
    Ok(Response::to_json(200, &load::status_to_api(viewer, &ctx.base, &row)?))
}

/// `GET /api/v1/statuses?id[]=`: several at once, the visible ones.
pub fn get_many(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.optional("read:statuses")?;
    let wanted: Vec<i64> = ctx.params.all("id").iter().filter_map(|v| v.parse().ok()).take(40).collect();
    let found = load::visible_statuses(viewer, &wanted)?;
    let rows: Vec<StatusRow> = wanted.iter().filter_map(|id| found.get(id).cloned()).collect();
    Ok(Response::to_json(200, &load::statuses_to_api(viewer, &ctx.base, &rows)?))
}

/// `DELETE /api/v1/statuses/:id`: soft delete (the row stays as a tombstone for
/// federation); answers the status with its source `text` for delete-and-redraft.
/// Its files are detached (kept for a redraft), or removed with `delete_media=true`.
pub fn delete(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:statuses")?;
    let row = load::visible_status(Some(viewer), id)?;
    if row.account_id != viewer || row.reblog_of_id.is_some() {
        return Err(Response::not_found());
    }
    let mut status = load::status_to_api(Some(viewer), &ctx.base, &row)?;
    status.text = Some(row.text.clone());
    let reblogs = load::status_rows(Some(viewer), "", "s.reblog_of_id = $2", "", vec![Value::Int64(id)])?;
    let now = Value::Int64(settings::now_millis());
    let tx = db::begin()?;
    tx.execute(
        "UPDATE statuses SET deleted_at = $2, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL",
        &[Value::Int64(id), now.clone()],
    )?;
    tx.execute("UPDATE accounts SET statuses_count = statuses_count - 1 WHERE id = $1 AND statuses_count > 0", &[Value::Int64(viewer)])?;
    // Only a reply that was counted (public or unlisted) comes off the count.
    if let Some(parent) = row.in_reply_to_id
        && row.counts_in_replies()
    {
        tx.execute("UPDATE statuses SET replies_count = replies_count - 1 WHERE id = $1 AND replies_count > 0", &[Value::Int64(parent)])?;
    }
    // Reblogs of a deleted status go with it.
    tx.execute(
        "UPDATE accounts SET statuses_count = statuses_count - 1 \
         WHERE statuses_count > 0 AND id IN (SELECT account_id FROM statuses WHERE reblog_of_id = $1 AND deleted_at IS NULL)",
        &[Value::Int64(id)],
    )?;
    tx.execute(
        "UPDATE statuses SET deleted_at = $2, updated_at = $2 WHERE reblog_of_id = $1 AND deleted_at IS NULL",
        &[Value::Int64(id), now],
    )?;
    tx.execute("DELETE FROM pins WHERE status_id = $1", &[Value::Int64(id)])?;
    tx.execute("DELETE FROM notifications WHERE status_id = $1", &[Value::Int64(id)])?;
    // Its files are detached, for delete-and-redraft to post again, unless the
    // client asks for them to go too (`delete_media`), as in Mastodon.
    let media = aerie_core::media::for_statuses(&[id])?.remove(&id).unwrap_or_default();
    if ctx.params.bool("delete_media").unwrap_or(false) {
        tx.execute("DELETE FROM media_attachments WHERE status_id = $1", &[Value::Int64(id)])?;
    } else {
        tx.execute("UPDATE media_attachments SET status_id = NULL WHERE status_id = $1", &[Value::Int64(id)])?;
    }
    tx.commit()?;
    if ctx.params.bool("delete_media").unwrap_or(false) {
        media::remove_files(&media);
    }
    stream_audience::publish_deleted(&row);
    reblogs.iter().for_each(stream_audience::publish_deleted);
    crate::federate::status_deleted(&row);
    Ok(Response::to_json(200, &status))
}

/// Most statuses above or below one status that a thread shows.
const THREAD_LIMIT: i64 = 60;

/// `GET /api/v1/statuses/:id/context`: ancestors oldest first, descendants in order,
/// each filtered by the visibility rule. For a remote status (and a thread whose root
/// is remote) a `replies` job is queued that fetches the replies its server lists, as
/// Mastodon does: this answer is what is known now, a later one shows them.
pub fn context(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.optional("read:statuses")?;
    let status = load::visible_status(viewer, id)?;
    let visible = visible_sql("s", 1);
    let ancestors_sql = format!(
        "WITH RECURSIVE up (id, parent, depth) AS ( \
           SELECT t.id, t.in_reply_to_id, 0 FROM statuses t WHERE t.id = $2 \
           UNION ALL SELECT t.id, t.in_reply_to_id, up.depth + 1 FROM statuses t JOIN up ON t.id = up.parent WHERE up.depth < {THREAD_LIMIT}) \
         SELECT {STATUS_COLUMNS} FROM statuses s JOIN up ON up.id = s.id WHERE s.id <> $2 AND {visible} ORDER BY s.id"
    );
    let descendants_sql = format!(
        "WITH RECURSIVE down (id, depth) AS ( \
           SELECT t.id, 1 FROM statuses t WHERE t.in_reply_to_id = $2 \
           UNION ALL SELECT t.id, down.depth + 1 FROM statuses t JOIN down ON t.in_reply_to_id = down.id WHERE down.depth < {THREAD_LIMIT}) \
         SELECT {STATUS_COLUMNS} FROM statuses s JOIN down ON down.id = s.id WHERE {visible} ORDER BY s.id LIMIT {THREAD_LIMIT}"
    );
    let params = [load::viewer_value(viewer), Value::Int64(id)];
    let read =
        |sql: &str| -> Result<Vec<StatusRow>, Response> { Ok(db::query(sql, &params)?.iter().map(|r| StatusRow::from_row(&r)).collect()) };
    let (ancestors, descendants) = (read(&ancestors_sql)?, read(&descendants_sql)?);
    // Best effort and at most once per status per quarter hour (the job's idempotency key).
    aerie_core::remote::queue_replies_fetch(&status);
    if let Some(root) = ancestors.iter().find(|s| s.in_reply_to_id.is_none()) {
        aerie_core::remote::queue_replies_fetch(root);
    }
    // One batch for both lists, split again afterwards.
    let ancestor_ids: Vec<String> = ancestors.iter().map(|s| s.id.to_string()).collect();
    let all: Vec<StatusRow> = ancestors.into_iter().chain(descendants).collect();
    let (ancestors, descendants) = load::statuses_to_api(viewer, &ctx.base, &all)?.into_iter().partition(|s| ancestor_ids.contains(&s.id));
    Ok(Response::to_json(200, &aerie_core::entities::Context { ancestors, descendants }))
}
