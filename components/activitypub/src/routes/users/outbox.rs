//! `GET /users/NAME/outbox`: the total, or with `?page=true` a page of twenty
//! activities, newest first, paged by `max_id` (older) and `min_id` (newer): a
//! `Create` for each public or unlisted status, an `Announce` for each reblog of a
//! public status. Statuses pass the one visibility rule for the signer.

use aerie_core::activitystreams::{self as as2, Collection, Object};
use aerie_core::contract::paging::Page;
use aerie_core::convert;
use aerie_core::rows::StatusRow;
use aerie_core::store;
use aerie_sdk::db::Autocommit;

use crate::ctx::{Answer, Ctx, activity_json};
use crate::{accounts, notes};

const PER_PAGE: u32 = 20;

pub fn get(ctx: &Ctx, name: &str) -> Answer {
    let account = accounts::active(name)?;
    let id = account.outbox_url.clone().unwrap_or_else(|| aerie_core::contract::uris::outbox(&convert::actor_uri(&account, ctx.base())));
    if !ctx.params.has("page") {
        return Ok(activity_json(&Collection {
            context: Some(as2::plain_context()),
            id: Some(id.clone()),
            kind: "OrderedCollection".into(),
            total_items: Some(account.statuses_count.max(0) as u64),
            first: Some(as2::PageRef::Link(format!("{id}?page=true"))),
            last: Some(as2::PageRef::Link(format!("{id}?min_id=0&page=true"))),
            ..Default::default()
        }));
    }
    let page = Page { limit: Some(PER_PAGE), ..Page::from_query(&ctx.request.query) };
    let rows = store::statuses::outbox_page(&Autocommit, ctx.viewer, account.id, &page)?;
    let (reblogs, originals): (Vec<StatusRow>, Vec<StatusRow>) = rows.iter().cloned().partition(|s| s.reblog_of_id.is_some());
    let mut creates = notes::notes(ctx, &account, &originals)?.into_iter().map(convert::note_to_create);
    let mut announces = notes::announces(ctx, &account, &reblogs)?;
    // `creates` follows the order of `originals`, which follows `rows`.
    let items: Vec<Object> = rows
        .iter()
        .filter_map(|row| match row.reblog_of_id {
            None => creates.next(),
            Some(_) => announces.remove(&row.id),
        })
        .map(|activity| Object::Activity(Box::new(activity)))
        .collect();
    let bound = |key: &str, value: Option<i64>| value.map(|v| format!("{key}={v}&")).unwrap_or_default();
    let this = format!("{id}?{}{}page=true", bound("max_id", page.max_id), bound("min_id", page.min_id));
    let full = rows.len() as u32 >= PER_PAGE;
    Ok(activity_json(&Collection {
        context: Some(as2::note_context()),
        id: Some(this),
        kind: "OrderedCollectionPage".into(),
        next: rows.last().filter(|_| full || page.min_id.is_some_and(|m| m > 0)).map(|last| format!("{id}?max_id={}&page=true", last.id)),
        prev: rows.first().map(|first| format!("{id}?min_id={}&page=true", first.id)),
        part_of: Some(id),
        ordered_items: Some(items),
        ..Default::default()
    }))
}
