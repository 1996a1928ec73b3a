//! `GET /users/NAME/statuses/ID`: a local status as a `Note` (a `Question` with a
//! poll); `.../activity`: the `Create` that published it, or for a reblog its
//! `Announce` (a reblog has no Note); `.../replies`, `.../likes`, `.../shares`: its
//! collections. Only statuses the signer may see under the one visibility rule;
//! everything else is 404. Browsers are sent to the status page `/@NAME/ID`.

use aerie_core::activitystreams::{self as as2, Collection, Object, PageRef};
use aerie_core::contract::uris;
use aerie_core::convert;
use aerie_core::rows::{AccountRow, StatusRow};
use aerie_core::store;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;

use crate::ctx::{Answer, Ctx, activity_json, parse_id, redirect};
use crate::{accounts, notes};

/// Replies listed on one page of a status's `replies` collection.
const REPLIES_PER_PAGE: usize = 20;

/// The local status `id` by `name` that the viewer may see, with its author.
fn visible(ctx: &Ctx, name: &str, id: &str) -> Result<(AccountRow, StatusRow), Response> {
    let id = parse_id(id)?;
    let account = accounts::active(name)?;
    let status = store::statuses::local_visible(&Autocommit, ctx.viewer, id, account.id)?.ok_or_else(Response::not_found)?;
    Ok((account, status))
}

fn page_url(ctx: &Ctx, account: &AccountRow, status: &StatusRow) -> String {
    status.url.clone().unwrap_or_else(|| {
        uris::status_page(&account.url.clone().unwrap_or_else(|| uris::profile(ctx.base(), &account.username)), status.id)
    })
}

pub fn note(ctx: &Ctx, name: &str, id: &str) -> Answer {
    let (account, status) = visible(ctx, name, id)?;
    if status.reblog_of_id.is_some() {
        return Err(Response::not_found());
    }
    if !ctx.wants_activity_json() {
        return Ok(redirect(&page_url(ctx, &account, &status)));
    }
    let mut note = notes::notes(ctx, &account, std::slice::from_ref(&status))?.pop().ok_or_else(Response::not_found)?;
    note.context = Some(as2::note_context());
    Ok(activity_json(&note))
}

pub fn activity(ctx: &Ctx, name: &str, id: &str) -> Answer {
    let (account, status) = visible(ctx, name, id)?;
    let mut activity = if status.reblog_of_id.is_some() {
        if !matches!(status.visibility.as_str(), "public" | "unlisted") {
            return Err(Response::not_found());
        }
        notes::announces(ctx, &account, std::slice::from_ref(&status))?.remove(&status.id).ok_or_else(Response::not_found)?
    } else {
        if !ctx.wants_activity_json() {
            return Ok(redirect(&page_url(ctx, &account, &status)));
        }
        let note = notes::notes(ctx, &account, std::slice::from_ref(&status))?.pop().ok_or_else(Response::not_found)?;
        convert::note_to_create(note)
    };
    activity.context = Some(as2::note_context());
    Ok(activity_json(&activity))
}

/// `.../replies`: the `Collection` with its first page embedded; `?page=true`
/// (`&min_id=ID` for the pages after): a `CollectionPage` of reply URIs, oldest
/// first, [`REPLIES_PER_PAGE`] at a time, Mastodon's shape (what other servers'
/// FetchReplies, and aerie's `replies` job, walk). Only public and unlisted replies
/// are listed, whoever asks: a followers-only or direct reply is never named here,
/// even to a signer who may see it.
pub fn replies(ctx: &Ctx, name: &str, id: &str) -> Answer {
    let (_, status) = visible(ctx, name, id)?;
    if status.reblog_of_id.is_some() {
        return Err(Response::not_found());
    }
    let uri = status.uri.clone().unwrap_or_default();
    let after = ctx.params.i64("min_id").unwrap_or(0);
    let mut rows = store::statuses::public_replies_page(&Autocommit, ctx.viewer, status.id, after, REPLIES_PER_PAGE + 1)?;
    let more = rows.len() > REPLIES_PER_PAGE;
    rows.truncate(REPLIES_PER_PAGE);
    let collection_id = format!("{uri}/replies");
    let page = Collection {
        id: Some(convert::replies_page_url(&uri, (after > 0).then_some(after))),
        kind: "CollectionPage".into(),
        next: rows.last().filter(|_| more).map(|last| convert::replies_page_url(&uri, Some(last.id))),
        part_of: Some(collection_id.clone()),
        items: Some(rows.iter().filter_map(|r| r.uri.clone()).map(Object::Link).collect()),
        ..Default::default()
    };
    let mut document = if ctx.params.has("page") {
        page
    } else {
        Collection { id: Some(collection_id), kind: "Collection".into(), first: Some(PageRef::Page(Box::new(page))), ..Default::default() }
    };
    document.context = Some(as2::plain_context());
    Ok(activity_json(&document))
}

/// `likes` (favourites) or `shares` (reblogs): the total only, as Mastodon serves them.
pub fn counted(ctx: &Ctx, name: &str, id: &str, which: &str) -> Answer {
    let (_, status) = visible(ctx, name, id)?;
    if status.reblog_of_id.is_some() {
        return Err(Response::not_found());
    }
    let total = if which == "likes" { status.favourites_count } else { status.reblogs_count };
    Ok(activity_json(&Collection {
        context: Some(as2::plain_context()),
        id: Some(format!("{}/{which}", status.uri.as_deref().unwrap_or_default())),
        kind: "Collection".into(),
        total_items: Some(total.max(0) as u64),
        items: None::<Vec<Object>>,
        ..Default::default()
    }))
}
