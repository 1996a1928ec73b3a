//! Editing a status: the new content rendered as a local post is, written by
//! `aerie_core::actions::statuses::edit` (which keeps the versions and notifies),
//! then federated.

use aerie_core::actions::Origin;
use aerie_core::actions::statuses::{self, Attachments, Edit, Edited, Poll};
use aerie_core::rows::StatusRow;
use aerie_sdk::http::Response;
use aerie_sdk::settings;

use super::{Content, Instance, refused, render};

/// Replaces the content of `status` with `content` (its author's edit), publishes
/// the edit and returns the updated row.
pub fn edit(status: &StatusRow, content: Content, instance: &Instance) -> Result<StatusRow, Response> {
    let accounts = render::mentionable_accounts(&content.text, &instance.domain)?;
    let rendered = render::render(&content.text, &accounts, &instance.domain, &instance.base);
    let now = settings::now_millis();
    let mut row = status.clone();
    row.text = content.text.clone();
    row.content_html = rendered.html;
    row.spoiler_text = content.spoiler_text.clone();
    row.sensitive = content.sensitive.unwrap_or(status.sensitive) || !row.spoiler_text.is_empty();
    row.language = content.language.clone().or_else(|| status.language.clone());
    let edit = Edit {
        row,
        edited_at: now,
        mentioned: rendered.mentions,
        silent: Vec::new(),
        tags: rendered.tags,
        media: Attachments::Uploads(content.media_ids),
        poll: content.poll.map(Poll::Local),
        now,
    };
    let (Edited::Edited(row) | Edited::Unchanged(row)) = statuses::edit(&Origin::Local, status, edit).map_err(refused)?;
    crate::federate::status_edited(&row);
    Ok(row)
}
