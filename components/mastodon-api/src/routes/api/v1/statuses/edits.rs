//! `PUT /api/v1/statuses/:id` (edit), `GET /api/v1/statuses/:id/history` (every
//! version, oldest first) and `GET /api/v1/statuses/:id/source` (the text to edit).

use aerie_guest::convert;
use aerie_guest::db::{self, Value};
use aerie_guest::entities::{StatusEdit, StatusEditPoll, StatusEditPollOption, StatusSource};
use aerie_guest::http::Response;
use aerie_guest::time::iso8601;

use crate::compose;
use crate::ctx::{Answer, Ctx, forbidden};
use crate::load;

/// `PUT /api/v1/statuses/:id`: only the author may edit; answers the new version.
pub fn update(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:statuses")?;
    let status = load::visible_status(Some(viewer), id)?;
    if status.reblog_of_id.is_some() {
        return Err(Response::not_found());
    }
    if status.account_id != viewer {
        return Err(forbidden());
    }
    let instance = compose::instance()?;
    let content = compose::content::from_params(&ctx.params, &instance)?;
    let author = load::account_or_404(viewer)?;
    compose::edit(&author, &status, content, &instance)?;
    let row = load::visible_status(Some(viewer), id)?;
    Ok(Response::to_json(200, &load::status_to_api(Some(viewer), &ctx.base, &row)?))
}

/// A stored version's poll: the option titles it had.
fn edit_poll(options: Option<&str>) -> Option<StatusEditPoll> {
    let titles: Vec<String> = serde_json::from_str(options?).ok()?;
    Some(StatusEditPoll { options: titles.into_iter().map(|title| StatusEditPollOption { title }).collect() })
}

/// `GET /api/v1/statuses/:id/history`: the versions in `status_edits`; a status never
/// edited has one, itself.
pub fn history(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.optional("read:statuses")?;
    let status = load::visible_status(viewer, id)?;
    let author = convert::account_to_api(&load::account_or_404(status.account_id)?, &ctx.base);
    let rows = db::query(
        "SELECT content_html, spoiler_text, sensitive, poll_options, created_at FROM status_edits WHERE status_id = $1 ORDER BY created_at, id",
        &[Value::Int64(status.id)],
    )?;
    let mut versions: Vec<StatusEdit> = rows
        .iter()
        .map(|r| StatusEdit {
            content: r.string("content_html").unwrap_or_default(),
            spoiler_text: r.string("spoiler_text").unwrap_or_default(),
            sensitive: r.bool("sensitive"),
            created_at: iso8601(r.i64("created_at").unwrap_or_default()),
            account: author.clone(),
            poll: edit_poll(r.text("poll_options")),
            media_attachments: Vec::new(),
            emojis: Vec::new(),
        })
        .collect();
    if versions.is_empty() {
        let current = load::status_to_api(viewer, &ctx.base, &status)?;
        versions.push(StatusEdit {
            content: current.content,
            spoiler_text: current.spoiler_text,
            sensitive: current.sensitive,
            created_at: current.edited_at.unwrap_or(current.created_at),
            account: current.account,
            poll: current
                .poll
                .map(|p| StatusEditPoll { options: p.options.into_iter().map(|o| StatusEditPollOption { title: o.title }).collect() }),
            media_attachments: current.media_attachments,
            emojis: Vec::new(),
        });
    }
    Ok(Response::to_json(200, &versions))
}

/// `GET /api/v1/statuses/:id/source`
pub fn source(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.optional("read:statuses")?;
    let status = load::visible_status(viewer, id)?;
    Ok(Response::to_json(200, &StatusSource { id: status.id.to_string(), text: status.text, spoiler_text: status.spoiler_text }))
}
