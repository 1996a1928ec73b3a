//! `/api/v1/statuses`: post, read, delete, thread context.

pub mod actions;
pub mod by;
pub mod edits;
pub mod idempotency;
pub mod mute;
pub mod translate;

use aerie_core::actions::statuses::{self, Files};
use aerie_core::contract::events;
use aerie_core::contract::visibility::Visibility;
use aerie_core::filtering::Scope;
use aerie_core::rows::StatusRow;
use aerie_core::store;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;

use super::{media, scheduled_statuses};
use crate::compose::{self, NewStatus};
use crate::ctx::{Answer, Ctx, invalid};
use crate::load;
use aerie_core::actions::scheduled;

/// What a user posts with when the client does not say (their preferences, set
/// through `update_credentials`' `source[privacy|sensitive|language]`).
struct PostingDefaults {
    visibility: String,
    sensitive: Option<bool>,
    language: Option<String>,
}

fn posting_defaults(account_id: i64) -> Result<PostingDefaults, Response> {
    let settings = store::accounts::user_settings(&Autocommit, account_id)?;
    Ok(PostingDefaults {
        visibility: settings.get("default_privacy").and_then(|v| v.as_str()).unwrap_or("public").to_string(),
        sensitive: settings.get("default_sensitive").and_then(|v| v.as_bool()),
        language: settings.get("default_language").and_then(|v| v.as_str()).filter(|l| !l.is_empty()).map(str::to_string),
    })
}

/// `POST /api/v1/statuses`. With an `Idempotency-Key`, the key is reserved first
/// (see [`idempotency`]): a repeat answers the status the first request made. With
/// `scheduled_at` in the future, nothing is posted: the status is scheduled
/// (`aerie_core::actions::scheduled`) and the answer is a ScheduledStatus; a time
/// already past posts at once, as in Mastodon.
pub fn create(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("write:statuses")?;
    let now = aerie_sdk::settings::now_millis();
    if let Some(at) = scheduled_statuses::scheduled_at_param(ctx)?.filter(|at| *at > now) {
        let new = prepare(ctx, viewer)?;
        let key = ctx.request.header("idempotency-key").filter(|k| !k.is_empty()).map(str::to_string);
        let row = scheduled::schedule(viewer, at, &new.into_local_post(), key, now).map_err(scheduled_statuses::refused)?;
        return Ok(Response::to_json(200, &scheduled_statuses::one_to_api(ctx, &row)?));
    }
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
    let new = prepare(ctx, viewer)?;
    let author = load::account_or_404(viewer)?;
    compose::create(&author, new, &compose::instance()?)
}

/// Reads and checks the status the request describes.
fn prepare(ctx: &Ctx, viewer: i64) -> Result<NewStatus, Response> {
    let p = &ctx.params;
    let instance = compose::instance()?;
    let mut content = compose::content::from_params(p, &instance)?;
    let defaults = posting_defaults(viewer)?;
    content.sensitive = content.sensitive.or(defaults.sensitive);
    content.language = content.language.or(defaults.language);
    let visibility = match p.get("visibility").filter(|v| !v.is_empty()) {
        Some(v) => Visibility::parse(v).ok_or_else(|| invalid("Visibility is not included in the list"))?.as_str().to_string(),
        None => defaults.visibility,
    };
    let in_reply_to = match p.get("in_reply_to_id").filter(|v| !v.is_empty()) {
        None => None,
        Some(id) => {
            let parent = id.parse::<i64>().ok().map(|id| load::visible_status(Some(viewer), id)).and_then(Result::ok);
            let parent = parent.filter(|p| p.reblog_of_id.is_none());
            Some(parent.ok_or_else(|| Response::error(404, "The post you are trying to reply to does not appear to exist."))?)
        }
    };
    Ok(NewStatus { content, visibility, in_reply_to, application_id: ctx.viewer.app_id })
}

/// `GET /api/v1/statuses/:id`: `filtered` names every matching filter in force, as
/// in Mastodon. With `filter_context` (what the streaming renderer asks for a stream
/// of that context) only that context's filters count, and a `hide` match is a 404.
pub fn get(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.optional("read:statuses")?;
    let row = load::visible_status(viewer, id)?;
    let scope = Scope::from_param(ctx.params.get(events::FILTER_CONTEXT_PARAM));
    let status = load::statuses_in(viewer, &ctx.base, std::slice::from_ref(&row), scope)?.pop().ok_or_else(Response::not_found)?;
    Ok(Response::to_json(200, &status))
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
    // Its files are detached, for delete-and-redraft to post again, unless the
    // client asks for them to go too (`delete_media`), as in Mastodon.
    let remove_media = ctx.params.bool("delete_media").unwrap_or(false);
    let media = aerie_core::media::for_statuses(&[id])?.remove(&id).unwrap_or_default();
    statuses::delete(&row, if remove_media { Files::Remove } else { Files::Detach })?;
    if remove_media {
        media::remove_files(&media);
    }
    crate::federate::status_deleted(&row);
    Ok(Response::to_json(200, &status))
}

/// `GET /api/v1/statuses/:id/context`: ancestors oldest first, descendants in order,
/// each filtered by the visibility rule. For a remote status (and a thread whose root
/// is remote) a `replies` job is queued that fetches the replies its server lists, as
/// Mastodon does: this answer is what is known now, a later one shows them.
pub fn context(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.optional("read:statuses")?;
    let status = load::visible_status(viewer, id)?;
    let (ancestors, descendants) = store::statuses::thread(&Autocommit, viewer, id)?;
    // Best effort and at most once per status per quarter hour (the job's idempotency key).
    aerie_core::remote::queue_replies_fetch(&status);
    if let Some(root) = ancestors.iter().find(|s| s.in_reply_to_id.is_none()) {
        aerie_core::remote::queue_replies_fetch(root);
    }
    // One batch for both lists, split again afterwards.
    let ancestor_ids: Vec<String> = ancestors.iter().map(|s| s.id.to_string()).collect();
    let all: Vec<StatusRow> = ancestors.into_iter().chain(descendants).collect();
    let (ancestors, descendants) =
        load::statuses_in(viewer, &ctx.base, &all, Scope::Context("thread"))?.into_iter().partition(|s| ancestor_ids.contains(&s.id));
    Ok(Response::to_json(200, &aerie_core::entities::Context { ancestors, descendants }))
}
