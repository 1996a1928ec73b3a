//! Statuses of one local author as Notes (Questions for polls), several at once:
//! mentions, tags, parents, conversations, polls, media and the first replies in one
//! query each, never one per status. The rows come from [`aerie_core::visible::status_rows`], so every status
//! here already passed the one visibility rule for the viewer.

use std::collections::HashMap;

use aerie_core::activitystreams::{self as as2, Note};
use aerie_core::convert::{self, NoteParts, NotePoll};
use aerie_core::rows::{ACCOUNT_COLUMNS, AccountRow, StatusRow};
use aerie_sdk::db::{self, ids, placeholders};
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
    let list = placeholders(1, status_ids.len());
    let sql = format!(
        "SELECT m.status_id, {ACCOUNT_COLUMNS} FROM mentions m JOIN accounts a ON a.id = m.account_id \
         WHERE m.status_id IN ({list}) AND m.silent = 0 ORDER BY m.id"
    );
    for row in db::query(&sql, &ids(&status_ids))?.iter() {
        around.mentioned.entry(row.i64("status_id").unwrap_or_default()).or_default().push(AccountRow::from_row(&row));
    }
    let sql = format!(
        "SELECT st.status_id, t.display_name FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id IN ({list}) ORDER BY t.name"
    );
    for row in db::query(&sql, &ids(&status_ids))?.iter() {
        around.tags.entry(row.i64("status_id").unwrap_or_default()).or_default().push(row.string("display_name").unwrap_or_default());
    }
    // Only the parents' URIs, which Mastodon names whoever may see the parent.
    let parent_ids = unique(rows.iter().filter_map(|s| s.in_reply_to_id));
    if !parent_ids.is_empty() {
        let sql = format!("SELECT id, uri FROM statuses WHERE id IN ({}) AND uri IS NOT NULL", placeholders(1, parent_ids.len()));
        for row in db::query(&sql, &ids(&parent_ids))?.iter() {
            around.parents.insert(row.i64("id").unwrap_or_default(), row.string("uri").unwrap_or_default());
        }
    }
    let conversation_ids = unique(rows.iter().filter_map(|s| s.conversation_id));
    if !conversation_ids.is_empty() {
        let sql = format!("SELECT id, uri, created_at FROM conversations WHERE id IN ({})", placeholders(1, conversation_ids.len()));
        for row in db::query(&sql, &ids(&conversation_ids))?.iter() {
            let id = row.i64("id").unwrap_or_default();
            let uri = row
                .string("uri")
                .unwrap_or_else(|| convert::conversation_uri(&ctx.instance.domain, id, row.i64("created_at").unwrap_or_default()));
            around.conversations.insert(id, uri);
        }
    }
    around.polls = polls(&unique(rows.iter().filter_map(|s| s.poll_id)))?;
    let with_replies = unique(rows.iter().filter(|s| s.replies_count > 0).map(|s| s.id));
    if !with_replies.is_empty() {
        // Only public and unlisted replies, whoever asks, under the visibility rule
        // (blocks, suspensions); the first few of each status.
        let sql = format!(
            "SELECT parent, id, uri FROM (SELECT s.in_reply_to_id AS parent, s.id, s.uri,                ROW_NUMBER() OVER (PARTITION BY s.in_reply_to_id ORDER BY s.id) AS n FROM statuses s                WHERE s.in_reply_to_id IN ({}) AND s.visibility IN ('public', 'unlisted') AND s.reblog_of_id IS NULL                AND s.uri IS NOT NULL AND {}) r WHERE n <= {} ORDER BY parent, id",
            placeholders(2, with_replies.len()),
            aerie_core::contract::visibility::visible_sql("s", 1),
            convert::EMBEDDED_REPLIES
        );
        let mut params = vec![aerie_core::visible::viewer_value(ctx.viewer)];
        params.extend(ids(&with_replies));
        for row in db::query(&sql, &params)?.iter() {
            if let (Some(parent), Some(id), Some(uri)) = (row.i64("parent"), row.i64("id"), row.string("uri")) {
                around.replies.entry(parent).or_default().push((id, uri));
            }
        }
    }
    for (status_id, media) in aerie_core::media::for_statuses(&status_ids)? {
        around.attachments.insert(status_id, media.iter().map(|m| aerie_core::media::media_to_attachment(m, ctx.base())).collect());
    }
    Ok(around)
}

/// Local polls with their tallies from `poll_votes`, by poll id.
fn polls(poll_ids: &[i64]) -> Result<HashMap<i64, NotePoll>, Response> {
    let mut out = HashMap::new();
    if poll_ids.is_empty() {
        return Ok(out);
    }
    let list = placeholders(1, poll_ids.len());
    let sql = format!("SELECT id, options, multiple, expires_at FROM polls WHERE id IN ({list})");
    let now = settings::now_millis();
    for row in db::query(&sql, &ids(poll_ids))?.iter() {
        let options: Vec<serde_json::Value> = serde_json::from_str(row.text("options").unwrap_or("[]")).unwrap_or_default();
        let expires_at = row.i64("expires_at");
        let poll = NotePoll {
            options: options.iter().map(|o| (o.get("title").and_then(|t| t.as_str()).unwrap_or("").to_string(), 0)).collect(),
            multiple: row.bool("multiple"),
            expires_at,
            voters_count: 0,
            closed: expires_at.is_some_and(|at| at <= now),
        };
        out.insert(row.i64("id").unwrap_or_default(), poll);
    }
    let sql = format!(
        "SELECT 't' AS k, poll_id, choice, COUNT(*) AS n FROM poll_votes WHERE poll_id IN ({list}) GROUP BY poll_id, choice \
         UNION ALL SELECT 'v' AS k, poll_id, 0 AS choice, COUNT(DISTINCT account_id) AS n FROM poll_votes WHERE poll_id IN ({list}) GROUP BY poll_id"
    );
    for row in db::query(&sql, &ids(poll_ids))?.iter() {
        let Some(poll) = out.get_mut(&row.i64("poll_id").unwrap_or_default()) else { continue };
        let n = row.i64("n").unwrap_or(0);
        match row.text("k") {
            Some("t") => {
                if let Some(option) = usize::try_from(row.i64("choice").unwrap_or(-1)).ok().and_then(|c| poll.options.get_mut(c)) {
                    option.1 = n;
                }
            }
            _ => poll.voters_count = n,
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
            convert::status_to_note(row, &parts)
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
    let condition = format!("s.id IN ({}) AND s.visibility = 'public'", placeholders(2, original_ids.len()));
    let originals: HashMap<i64, StatusRow> =
        aerie_core::visible::status_rows(ctx.viewer, "", &condition, "", ids(&original_ids))?.into_iter().map(|s| (s.id, s)).collect();
    let author_ids = unique(originals.values().map(|s| s.account_id));
    let mut authors = HashMap::new();
    if !author_ids.is_empty() {
        let sql = format!("SELECT id, uri FROM accounts WHERE id IN ({})", placeholders(1, author_ids.len()));
        for row in db::query(&sql, &ids(&author_ids))?.iter() {
            authors.insert(row.i64("id").unwrap_or_default(), row.string("uri").unwrap_or_default());
        }
    }
    for reblog in reblogs {
        let Some(original) = reblog.reblog_of_id.and_then(|id| originals.get(&id)) else { continue };
        let (Some(uri), Some(author)) = (original.uri.as_deref(), authors.get(&original.account_id)) else { continue };
        out.insert(reblog.id, convert::reblog_to_announce(reblog, booster, uri, author, ctx.base()));
    }
    Ok(out)
}
