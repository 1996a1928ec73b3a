//! Editing a status (Mastodon's `UpdateStatusService`): the content is replaced as
//! a whole (media or a poll left out are removed), every version is kept in
//! `status_edits` (the first edit also stores the original, so the history shows
//! it), `edited_at` is set, mentions and tags follow the new text, and accounts that
//! reblogged the status get an `update` notification.

use aerie_core::rows::{AccountRow, StatusRow};
use aerie_sdk::db::{self, Transaction, Value};
use aerie_sdk::http::Response;
use aerie_sdk::settings;

use super::poll::{self, NewPoll};
use super::{Content, Instance, references, render};
use aerie_core::actions::notify;
use aerie_core::store::notifications;
use aerie_core::stream_audience;

/// The poll options and media of the version being replaced, as `status_edits` keeps them.
fn snapshot_extras(tx: &Transaction, status: &StatusRow) -> Result<(String, Option<String>), db::Error> {
    let media: Vec<i64> = tx
        .query("SELECT id FROM media_attachments WHERE status_id = $1 ORDER BY sort_order, id", &[Value::Int64(status.id)])?
        .iter()
        .filter_map(|r| r.i64("id"))
        .collect();
    let poll = match status.poll_id {
        None => None,
        Some(id) => tx.query("SELECT options FROM polls WHERE id = $1", &[Value::Int64(id)])?.first().and_then(|r| r.string("options")),
    };
    let titles = poll.map(|options| {
        let parsed: Vec<serde_json::Value> = serde_json::from_str(&options).unwrap_or_default();
        let titles: Vec<&str> = parsed.iter().filter_map(|o| o.get("title").and_then(|t| t.as_str())).collect();
        serde_json::to_string(&titles).unwrap_or_else(|_| "[]".into())
    });
    Ok((serde_json::to_string(&media).unwrap_or_else(|_| "[]".into()), titles))
}

/// Stores the version of `status` as it is now, dated `at`.
fn store_version(tx: &Transaction, status: &StatusRow, at: i64) -> Result<(), db::Error> {
    let (media_ids, poll_options) = snapshot_extras(tx, status)?;
    tx.execute(
        "INSERT INTO status_edits (id, status_id, account_id, text, content_html, spoiler_text, sensitive, media_ids, poll_options, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &[
            Value::Int64(settings::next_id()),
            Value::Int64(status.id),
            Value::Int64(status.account_id),
            Value::Text(status.text.clone()),
            Value::Text(status.content_html.clone()),
            Value::Text(status.spoiler_text.clone()),
            Value::Int64(status.sensitive as i64),
            Value::Text(media_ids),
            poll_options.map(Value::Text).unwrap_or(Value::Null),
            Value::Int64(at),
        ],
    )?;
    Ok(())
}

/// Keeps the status's poll when the new one asks the same question the same way,
/// replaces it (votes reset) otherwise, removes it when the edit has none.
fn replace_poll(tx: &Transaction, status: &StatusRow, wanted: Option<&NewPoll>, now: i64) -> Result<Option<i64>, db::Error> {
    if let Some(existing) = status.poll_id {
        let rows = tx.query("SELECT options, multiple FROM polls WHERE id = $1", &[Value::Int64(existing)])?;
        let same = rows.first().is_some_and(|r| {
            let parsed: Vec<serde_json::Value> = serde_json::from_str(r.text("options").unwrap_or("[]")).unwrap_or_default();
            let titles: Vec<&str> = parsed.iter().filter_map(|o| o.get("title").and_then(|t| t.as_str())).collect();
            wanted.is_some_and(|w| w.options == titles && w.multiple == r.bool("multiple"))
        });
        if same {
            return Ok(Some(existing));
        }
        poll::remove(tx, status.id, existing)?;
    }
    wanted.map(|w| poll::insert(tx, status.id, status.account_id, w, now)).transpose()
}

/// Replaces the content of `status` (by `author`) with `content`, publishes the
/// edit and returns the updated row.
pub fn edit(author: &AccountRow, status: &StatusRow, content: Content, instance: &Instance) -> Result<StatusRow, Response> {
    let accounts = render::mentionable_accounts(&content.text, &instance.domain)?;
    let rendered = render::render(&content.text, &accounts, &instance.domain, &instance.base);
    let now = settings::now_millis();
    let mut row = status.clone();
    row.text = content.text.clone();
    row.content_html = rendered.html;
    row.spoiler_text = content.spoiler_text.clone();
    row.sensitive = content.sensitive.unwrap_or(status.sensitive) || !row.spoiler_text.is_empty();
    row.language = content.language.clone().or_else(|| status.language.clone());
    row.edited_at = Some(now);
    row.updated_at = now;

    let tx = db::begin()?;
    let versions = tx.query("SELECT COUNT(*) AS n FROM status_edits WHERE status_id = $1", &[Value::Int64(status.id)])?;
    if versions.first().and_then(|r| r.i64("n")).unwrap_or(0) == 0 {
        store_version(&tx, status, status.created_at)?;
    }
    tx.execute(
        "UPDATE statuses SET text = $2, content_html = $3, spoiler_text = $4, sensitive = $5, language = $6, edited_at = $7, updated_at = $7 \
         WHERE id = $1",
        &[
            Value::Int64(row.id),
            Value::Text(row.text.clone()),
            Value::Text(row.content_html.clone()),
            Value::Text(row.spoiler_text.clone()),
            Value::Int64(row.sensitive as i64),
            row.language.clone().map(Value::Text).unwrap_or(Value::Null),
            Value::Int64(now),
        ],
    )?;
    let mut notices = references::set_mentions(&tx, row.id, author.id, &rendered.mentions, now)?;
    references::set_tags(&tx, row.id, &rendered.tags, now)?;
    references::set_media(&tx, row.id, author.id, &content.media_ids)?;
    row.poll_id = replace_poll(&tx, status, content.poll.as_ref(), now)?;
    store_version(&tx, &row, now)?;
    let rebloggers = tx.query(
        "SELECT DISTINCT r.account_id FROM statuses r WHERE r.reblog_of_id = $1 AND r.deleted_at IS NULL",
        &[Value::Int64(row.id)],
    )?;
    for reblogger in rebloggers.iter().filter_map(|r| r.i64("account_id")) {
        notices.extend(notifications::create(&tx, reblogger, author.id, notifications::UPDATE, Some(row.id))?);
    }
    tx.commit()?;
    if row.poll_id != status.poll_id {
        status.poll_id.into_iter().for_each(poll::forget);
        if let (Some(id), Some(new_poll)) = (row.poll_id, &content.poll) {
            poll::remember(id, new_poll, now);
        }
    }
    notify::publish(notices);
    stream_audience::publish_edited(&row);
    crate::federate::status_edited(&row);
    Ok(row)
}
