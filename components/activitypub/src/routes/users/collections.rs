//! A local account's collections: `followers` and `following` (totals, and pages of
//! actor URIs at `?page=N`), `collections/featured` (pinned statuses as Notes) and
//! `collections/tags` (featured hashtags as `Hashtag` objects).

use aerie_core::activitystreams::{self as as2, Collection, Object};
use aerie_core::contract::uris;
use aerie_core::convert;
use aerie_core::rows::AccountRow;
use aerie_core::store;
use aerie_sdk::db::Autocommit;

use crate::ctx::{Answer, Ctx, activity_json};
use crate::{accounts, notes};

/// Actors per page of `followers` and `following`, as in Mastodon.
const PER_PAGE: i64 = 12;
/// Pinned statuses listed at most.
const MAX_FEATURED: i64 = 40;

pub fn followers(ctx: &Ctx, name: &str) -> Answer {
    let account = accounts::active(name)?;
    let id = convert::followers_uri(&account, ctx.base());
    relations(ctx, &account, id, account.followers_count, true)
}

pub fn following(ctx: &Ctx, name: &str) -> Answer {
    let account = accounts::active(name)?;
    let id = uris::following(&convert::actor_uri(&account, ctx.base()));
    relations(ctx, &account, id, account.following_count, false)
}

/// A follow collection: the total, or with `?page=N` that page of actor URIs,
/// newest follow first; accounts that are gone or suspended are left out.
fn relations(ctx: &Ctx, account: &AccountRow, id: String, total: i64, followers: bool) -> Answer {
    let total = Some(total.max(0) as u64);
    let Some(page) = ctx.params.get("page") else {
        return Ok(activity_json(&Collection {
            context: Some(as2::plain_context()),
            id: Some(id.clone()),
            kind: "OrderedCollection".into(),
            total_items: total,
            first: Some(as2::PageRef::Link(format!("{id}?page=1"))),
            ..Default::default()
        }));
    };
    let page = page.parse::<i64>().unwrap_or(1).clamp(1, 1_000_000);
    let mut uris = store::follows::actor_uris_page(&Autocommit, account.id, followers, PER_PAGE + 1, (page - 1) * PER_PAGE)?;
    let more = uris.len() as i64 > PER_PAGE;
    uris.truncate(PER_PAGE as usize);
    Ok(activity_json(&Collection {
        context: Some(as2::plain_context()),
        id: Some(format!("{id}?page={page}")),
        kind: "OrderedCollectionPage".into(),
        total_items: total,
        next: more.then(|| format!("{id}?page={}", page + 1)),
        prev: (page > 1).then(|| format!("{id}?page={}", page - 1)),
        part_of: Some(id),
        ordered_items: Some(uris.into_iter().map(Object::Link).collect()),
        ..Default::default()
    }))
}

pub fn featured(ctx: &Ctx, name: &str) -> Answer {
    let account = accounts::active(name)?;
    let id = account.featured_url.clone().unwrap_or_else(|| uris::featured(&convert::actor_uri(&account, ctx.base())));
    let rows = store::pins::featured(&Autocommit, ctx.viewer, account.id, MAX_FEATURED)?;
    let items: Vec<Object> = notes::notes(ctx, &account, &rows)?.into_iter().map(|n| Object::Note(Box::new(n))).collect();
    Ok(activity_json(&Collection {
        context: Some(as2::note_context()),
        id: Some(id),
        kind: "OrderedCollection".into(),
        total_items: Some(items.len() as u64),
        ordered_items: Some(items),
        ..Default::default()
    }))
}

/// The actor's `featuredTags`: the hashtags the account features on its profile,
/// as `Hashtag` objects linking to its statuses with the tag (as Mastodon serves
/// them).
pub fn tags(ctx: &Ctx, name: &str) -> Answer {
    let account = accounts::active(name)?;
    let profile = account.url.clone().unwrap_or_else(|| uris::profile(ctx.base(), &account.username));
    let items: Vec<Object> = store::featured_tags::of_account(&Autocommit, account.id)?
        .iter()
        .map(|featured| {
            let tag = as2::Tag {
                kind: "Hashtag".into(),
                href: Some(uris::tagged(&profile, &aerie_sdk::params::percent_encode(&featured.name))),
                name: Some(format!("#{}", featured.display_name)),
                ..Default::default()
            };
            Object::Other(serde_json::to_value(tag).unwrap_or_default())
        })
        .collect();
    Ok(activity_json(&Collection {
        context: Some(serde_json::json!([as2::AS_CONTEXT, { "Hashtag": "as:Hashtag" }])),
        id: Some(uris::featured_tags(&convert::actor_uri(&account, ctx.base()))),
        kind: "Collection".into(),
        total_items: Some(items.len() as u64),
        items: Some(items),
        ..Default::default()
    }))
}
