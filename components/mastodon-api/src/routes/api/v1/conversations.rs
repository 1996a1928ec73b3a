//! `/api/v1/conversations`: the viewer's direct conversations (Mastodon's
//! Conversation entity: id, unread, the other participants and the last status as
//! the viewer sees it), paged by last status with `Link`; `POST :id/read`,
//! `DELETE :id` (for the viewer only). `GET :id` is what the streaming server
//! renders a `conversation` event with (`aerie_contract::events::conversation_path`).
//! Another account's conversation is a 404. The rules are core's
//! ([`aerie_core::actions::conversations`]).

use std::collections::HashMap;

use aerie_core::actions::conversations as actions;
use aerie_core::contract::paging::Page;
use aerie_core::convert;
use aerie_core::entities::{Account, Status};
use aerie_core::rows::StatusRow;
use aerie_core::store::account_conversations::{self as store, ConversationRow};
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;
use serde::Serialize;

use crate::ctx::{Answer, Ctx};
use crate::links::with_link;
use crate::load;

/// Mastodon's Conversation entity.
#[derive(Debug, Clone, Serialize)]
pub struct Conversation {
    pub id: String,
    pub unread: bool,
    /// The other participants; the viewer alone for a note to themself.
    pub accounts: Vec<Account>,
    pub last_status: Option<Status>,
}

/// Conversation rows as entities: participants and last statuses loaded in batches,
/// each status only as the viewer may see it.
fn to_api(ctx: &Ctx, viewer: i64, rows: &[ConversationRow]) -> Result<Vec<Conversation>, Response> {
    let mut account_ids: Vec<i64> = rows.iter().flat_map(|c| c.participants.iter().copied()).collect();
    account_ids.push(viewer);
    let accounts = load::accounts(&account_ids)?;
    let status_ids: Vec<i64> = rows.iter().map(|c| c.last_status_id).collect();
    let status_rows: Vec<StatusRow> = load::visible_statuses(Some(viewer), &status_ids)?.into_values().collect();
    let statuses: HashMap<String, Status> =
        load::statuses_to_api(Some(viewer), &ctx.base, &status_rows)?.into_iter().map(|s| (s.id.clone(), s)).collect();
    Ok(rows
        .iter()
        .map(|c| {
            let mut participants: Vec<Account> =
                c.participants.iter().filter_map(|id| accounts.get(id)).map(|a| convert::account_to_api(a, &ctx.base)).collect();
            if participants.is_empty() {
                participants.extend(accounts.get(&viewer).map(|a| convert::account_to_api(a, &ctx.base)));
            }
            Conversation {
                id: c.id.to_string(),
                unread: c.unread,
                accounts: participants,
                last_status: statuses.get(&c.last_status_id.to_string()).cloned(),
            }
        })
        .collect())
}

/// `GET /api/v1/conversations` with `max_id`, `since_id`, `min_id` (last status
/// ids, as Mastodon pages them) and `limit` (default 20, at most 40).
pub fn list(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:statuses")?;
    let page = Page::from_query(&ctx.request.query);
    let rows = store::page(&Autocommit, viewer, &page)?;
    let page_ids: Vec<i64> = rows.iter().map(|c| c.last_status_id).collect();
    Ok(with_link(ctx, Response::to_json(200, &to_api(ctx, viewer, &rows)?), &page_ids))
}

fn one_answer(ctx: &Ctx, viewer: i64, row: Option<ConversationRow>) -> Answer {
    let row = row.ok_or_else(Response::not_found)?;
    let conversation = to_api(ctx, viewer, &[row])?.pop().ok_or_else(Response::not_found)?;
    Ok(Response::to_json(200, &conversation))
}

/// `GET /api/v1/conversations/:id`: one of the viewer's conversations.
pub fn get(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("read:statuses")?;
    one_answer(ctx, viewer, store::one(&Autocommit, viewer, id)?)
}

/// `POST /api/v1/conversations/:id/read`: answers the conversation, now read.
pub fn read(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:conversations")?;
    one_answer(ctx, viewer, actions::mark_read(viewer, id)?)
}

/// `DELETE /api/v1/conversations/:id`: removes it for the viewer only.
pub fn delete(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:conversations")?;
    if !actions::remove(viewer, id)? {
        return Err(Response::not_found());
    }
    Ok(Response::json(200, &serde_json::json!({})))
}
