//! `/api/v1/scheduled_statuses`: the viewer's statuses waiting for their time
//! (made by `POST /api/v1/statuses` with `scheduled_at`): list (paged by id through
//! `Link`), one, move (`scheduled_at`), cancel. Another account's are a 404.

use aerie_core::actions::scheduled::{self, ScheduleRefused, ScheduledParams};
use aerie_core::contract::paging::Page;
use aerie_core::entities::ScheduledStatus;
use aerie_core::store::scheduled_statuses::{self as store, ScheduledRow};
use aerie_core::time;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;
use aerie_sdk::settings;

use crate::ctx::{Answer, Ctx, invalid};
use crate::links::with_link;

/// The entities of `rows`, with their reserved uploads (one query).
pub fn to_api(ctx: &Ctx, rows: &[ScheduledRow]) -> Result<Vec<ScheduledStatus>, Response> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut media = aerie_core::store::media::for_scheduled(&Autocommit, &ids)?;
    rows.iter()
        .map(|row| {
            let params = ScheduledParams::parse(&row.params).map_err(|e| Response::error(500, &e))?;
            let media_attachments =
                media.remove(&row.id).unwrap_or_default().iter().map(|m| aerie_core::media::media_to_api(m, &ctx.base)).collect();
            Ok(ScheduledStatus { id: row.id.to_string(), scheduled_at: time::iso8601(row.scheduled_at), params, media_attachments })
        })
        .collect()
}

/// One entity.
pub fn one_to_api(ctx: &Ctx, row: &ScheduledRow) -> Result<ScheduledStatus, Response> {
    Ok(to_api(ctx, std::slice::from_ref(row))?.remove(0))
}

/// A refusal as the client hears it: 422 with Mastodon's message, 404, or the database's error.
pub fn refused(refused: ScheduleRefused) -> Response {
    match refused {
        ScheduleRefused::NotFound => Response::not_found(),
        ScheduleRefused::Db(e) => e.into(),
        other => invalid(&other.message().unwrap_or_default()),
    }
}

/// `scheduled_at` from the request (ISO 8601), or 422 when unreadable.
pub fn scheduled_at_param(ctx: &Ctx) -> Result<Option<i64>, Response> {
    match ctx.params.get("scheduled_at").map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(raw) => time::parse_iso8601(raw).map(Some).ok_or_else(|| invalid("Scheduled at is invalid")),
    }
}

/// `GET /api/v1/scheduled_statuses`
pub fn list(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:statuses")?;
    let page = Page::from_query(&ctx.request.query);
    let rows = store::page(&Autocommit, viewer, &page)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    Ok(with_link(ctx, Response::to_json(200, &to_api(ctx, &rows)?), &ids))
}

/// `GET /api/v1/scheduled_statuses/:id`
pub fn get(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("read:statuses")?;
    let row = store::own(&Autocommit, viewer, id)?.ok_or_else(Response::not_found)?;
    Ok(Response::to_json(200, &one_to_api(ctx, &row)?))
}

/// `PUT /api/v1/scheduled_statuses/:id` with `scheduled_at`
pub fn update(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:statuses")?;
    store::own(&Autocommit, viewer, id)?.ok_or_else(Response::not_found)?;
    let at = scheduled_at_param(ctx)?.ok_or_else(|| invalid("Scheduled at The scheduled date must be in the future"))?;
    let row = scheduled::reschedule(viewer, id, at, settings::now_millis()).map_err(refused)?;
    Ok(Response::to_json(200, &one_to_api(ctx, &row)?))
}

/// `DELETE /api/v1/scheduled_statuses/:id`
pub fn delete(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:statuses")?;
    if !scheduled::cancel(viewer, id)? {
        return Err(Response::not_found());
    }
    Ok(Response::json(200, &serde_json::json!({})))
}
