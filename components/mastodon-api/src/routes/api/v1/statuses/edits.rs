//! `PUT /api/v1/statuses/:id` (edit), `GET /api/v1/statuses/:id/history` (every
//! version, oldest first) and `GET /api/v1/statuses/:id/source` (the text to edit).

use aerie_core::convert;
use aerie_core::entities::{StatusEdit, StatusEditPoll, StatusEditPollOption, StatusSource};
use aerie_core::store;
use aerie_core::store::media::Owned;
use aerie_core::time::iso8601;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;

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
    load::account_or_404(viewer)?;
    describe_media(ctx, viewer, status.id, &content.media_ids)?;
    compose::edit(&status, content, &instance)?;
    let row = load::visible_status(Some(viewer), id)?;
    Ok(Response::to_json(200, &load::status_to_api(Some(viewer), &ctx.base, &row)?))
}

/// `media_attributes[][id|description|focus]` of an edit: new descriptions and focal
/// points for the viewer's files the edit attaches (on this status or not yet posted).
fn describe_media(ctx: &Ctx, viewer: i64, status_id: i64, media_ids: &[i64]) -> Result<(), Response> {
    // Form bodies repeat `media_attributes[][id]`; JSON bodies number them (`[0][id]`).
    let mut items: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for (name, value) in ctx.params.pairs() {
        let Some(rest) = name.strip_prefix("media_attributes[") else { continue };
        let Some((index, field)) = rest.split_once("][") else { continue };
        let field = field.trim_end_matches(']').to_string();
        // As Rails reads `[]` arrays of hashes: a repeated key starts the next one.
        let starts_new = match items.last() {
            None => true,
            Some((last, fields)) if index.is_empty() => !last.is_empty() || fields.iter().any(|(k, _)| *k == field),
            Some((last, _)) => last != index,
        };
        if starts_new {
            items.push((index.to_string(), Vec::new()));
        }
        if let Some((_, fields)) = items.last_mut() {
            fields.push((field, value.clone()));
        }
    }
    for (_, fields) in items {
        let get = |key: &str| fields.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        let Some(id) = get("id").and_then(|id| id.parse::<i64>().ok()).filter(|id| media_ids.contains(id)) else { continue };
        let owned = || Owned::By { account: viewer, status: status_id };
        if let Some(description) = get("description") {
            let description = description.trim();
            if description.chars().count() > aerie_core::media::DESCRIPTION_LIMIT {
                return Err(crate::ctx::invalid("Description is too long (maximum is 1500 characters)"));
            }
            let text = (!description.is_empty()).then(|| description.to_string());
            store::media::describe(&Autocommit, id, owned(), text)?;
        }
        if let Some(focus) = crate::routes::api::v1::media::focus(get("focus")) {
            store::media::set_focus(&Autocommit, id, owned(), focus)?;
        }
    }
    Ok(())
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
    let rows = store::status_edits::of_status(&Autocommit, status.id)?;
    // Each version's files, as they are now (descriptions are not versioned).
    let version_media: Vec<Vec<i64>> = rows.iter().map(|r| serde_json::from_str(&r.media_ids).unwrap_or_default()).collect();
    let mut all_media: Vec<i64> = version_media.iter().flatten().copied().collect();
    all_media.sort_unstable();
    all_media.dedup();
    let media = aerie_core::media::by_ids(&all_media)?;
    let mut versions: Vec<StatusEdit> = rows
        .iter()
        .zip(&version_media)
        .map(|(r, media_ids)| StatusEdit {
            content: r.content_html.clone(),
            spoiler_text: r.spoiler_text.clone(),
            sensitive: r.sensitive,
            created_at: iso8601(r.created_at),
            account: author.clone(),
            poll: edit_poll(r.poll_options.as_deref()),
            media_attachments: media_ids
                .iter()
                .filter_map(|id| media.get(id))
                .map(|m| aerie_core::media::media_to_api(m, &ctx.base))
                .collect(),
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
