//! Statuses of one local author as Notes (Questions for polls), several at once:
//! mentions, tags, parents, conversations, polls, media and the first replies in one
//! query each, never one per status. The rows come from aerie-core's store reads under the visibility rule, so every status
//! here already passed the one visibility rule for the viewer.

use std::collections::HashMap;

use aerie_core::activitystreams::{self as as2, Note};
use aerie_core::convert::{self, NoteParts, NotePoll};
use aerie_core::rows::{AccountRow, StatusRow};
use aerie_core::store;
use aerie_core::store::polls::Tally;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;
use aerie_sdk::settings;

use crate::ctx::Ctx;

/// What the Notes of a batch of statuses need, by status id.
#[derive(Default)]
struct Around {
    mentioned: HashMap<i64, Vec<AccountRow>>,
    tags: HashMap<i64, Vec<String>>,
    parents: HashMap<i64, String>,
    conversations: HashMap<i64, String>,
    polls: HashMap<i64, NotePoll>,
    attachments: HashMap<i64, Vec<as2::Attachment>>,
    /// The first public or unlisted replies `(id, uri)` the viewer may see, oldest first.
    replies: HashMap<i64, Vec<(i64, String)>>,
    /// The local custom emoji each status's text names, as `Emoji` tags.
    emojis: HashMap<i64, Vec<as2::Tag>>,
}

fn unique(values: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut out: Vec<i64> = values.collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn load(ctx: &Ctx, rows: &[StatusRow]) -> Result<Around, Response> {
    let mut around = Around::default();
    let status_ids = unique(rows.iter().map(|s| s.id));
    if status_ids.is_empty() {
        return Ok(around);
    }
    for (status_id, account) in store::mentions::accounts_of(&Autocommit, &status_ids)? {
        around.mentioned.entry(status_id).or_default().push(account);
    }
    for (status_id, tag) in store::tags::names_of(&Autocommit, &status_ids)? {
        around.tags.entry(status_id).or_default().push(tag);
    }
    // Only the parents' URIs, which Mastodon names whoever may see the parent.
    around.parents = store::statuses::uris_of(&Autocommit, &unique(rows.iter().filter_map(|s| s.in_reply_to_id)))?.into_iter().collect();
    for (id, uri, created_at) in store::conversations::by_ids(&Autocommit, &unique(rows.iter().filter_map(|s| s.conversation_id)))? {
        let uri = uri.unwrap_or_else(|| convert::conversation_uri(&ctx.instance.domain, id, created_at));
        around.conversations.insert(id, uri);
    }
    around.polls = polls(&unique(rows.iter().filter_map(|s| s.poll_id)))?;
    let with_replies = unique(rows.iter().filter(|s| s.replies_count > 0).map(|s| s.id));
    // Only public and unlisted replies, whoever asks, under the visibility rule
    // (blocks, suspensions); the first few of each status.
    for (parent, id, uri) in store::statuses::first_public_replies(&Autocommit, ctx.viewer, &with_replies, convert::EMBEDDED_REPLIES)? {
        around.replies.entry(parent).or_default().push((id, uri));
    }
    for (status_id, media) in aerie_core::media::for_statuses(&status_ids)? {
        around.attachments.insert(status_id, media.iter().map(|m| aerie_core::media::media_to_attachment(m, ctx.base())).collect());
    }
    // The author is local: its emoji are the instance's own (one query for the batch).
    let texts: Vec<String> = rows.iter().map(|s| format!("{} {}", s.spoiler_text, s.content_html)).collect();
    let asked: Vec<(Option<&str>, &str)> = texts.iter().map(|t| (None, t.as_str())).collect();
    for (row, found) in rows.iter().zip(aerie_core::custom_emoji::resolve(&Autocommit, &asked)?) {
        if !found.is_empty() {
            around.emojis.insert(row.id, found.iter().map(|e| aerie_core::custom_emoji::to_tag(e, ctx.base())).collect());
        }
    }
    Ok(around)
}

/// Local polls with their tallies from `poll_votes`, by poll id.
fn polls(poll_ids: &[i64]) -> Result<HashMap<i64, NotePoll>, Response> {
    let mut out = HashMap::new();
    let now = settings::now_millis();
    for (id, row) in store::polls::by_ids(&Autocommit, poll_ids)? {
        let options: Vec<serde_json::Value> = serde_json::from_str(&row.options).unwrap_or_default();
        let poll = NotePoll {
            options: options.iter().map(|o| (o.get("title").and_then(|t| t.as_str()).unwrap_or("").to_string(), 0)).collect(),
            multiple: row.multiple,
            expires_at: row.expires_at,
            voters_count: 0,
            closed: row.expires_at.is_some_and(|at| at <= now),
        };
        out.insert(id, poll);
    }
    for (poll_id, tally) in store::polls::tallies(&Autocommit, poll_ids)? {
        let Some(poll) = out.get_mut(&poll_id) else { continue };
        match tally {
            Tally::Votes { choice, n } => {
                if let Some(option) = usize::try_from(choice).ok().and_then(|c| poll.options.get_mut(c)) {
                    option.1 = n;
                }
            }
            Tally::Voters(n) => poll.voters_count = n,
        }
    }
    Ok(out)
}

/// The Notes of `rows` (statuses by `author`, not reblogs), in order.
pub fn notes(ctx: &Ctx, author: &AccountRow, rows: &[StatusRow]) -> Result<Vec<Note>, Response> {
    let around = load(ctx, rows)?;
    Ok(rows
        .iter()
        .map(|row| {
            let parts = NoteParts {
                mentioned: around.mentioned.get(&row.id).map(Vec::as_slice).unwrap_or(&[]),
                tags: around.tags.get(&row.id).map(Vec::as_slice).unwrap_or(&[]),
                in_reply_to: row.in_reply_to_id.and_then(|id| around.parents.get(&id)).map(String::as_str),
                conversation: row.conversation_id.and_then(|id| around.conversations.get(&id)).map(String::as_str),
                poll: row.poll_id.and_then(|id| around.polls.get(&id)),
                attachments: around.attachments.get(&row.id).map(Vec::as_slice).unwrap_or(&[]),
                replies: Some(around.replies.get(&row.id).map(Vec::as_slice).unwrap_or(&[])),
                ..NoteParts::new(ctx.base(), &ctx.instance.domain, author)
            };
            let mut note = convert::status_to_note(row, &parts);
            note.tag.extend(around.emojis.get(&row.id).cloned().unwrap_or_default());
            note
        })
        .collect())
}

/// The Announces of reblog rows by `booster` whose originals are public and visible
/// to the viewer, keyed by reblog id; the others are left out.
pub fn announces(ctx: &Ctx, booster: &AccountRow, reblogs: &[StatusRow]) -> Result<HashMap<i64, as2::Activity>, Response> {
    let original_ids = unique(reblogs.iter().filter_map(|s| s.reblog_of_id));
    let mut out = HashMap::new();
    if original_ids.is_empty() {
        return Ok(out);
    }
    let originals: HashMap<i64, StatusRow> =
        store::statuses::public_visible(&Autocommit, ctx.viewer, &original_ids)?.into_iter().map(|s| (s.id, s)).collect();
    let author_ids = unique(originals.values().map(|s| s.account_id));
    let authors: HashMap<i64, String> = store::accounts::uris_of(&Autocommit, &author_ids)?.into_iter().collect();
    for reblog in reblogs {
        let Some(original) = reblog.reblog_of_id.and_then(|id| originals.get(&id)) else { continue };
        let (Some(uri), Some(author)) = (original.uri.as_deref(), authors.get(&original.account_id)) else { continue };
        out.insert(reblog.id, convert::reblog_to_announce(reblog, booster, uri, author, ctx.base()));
    }
    Ok(out)
}
