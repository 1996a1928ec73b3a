//! `/api/v1/lists`: the viewer's lists (`GET`, `POST`), one list (`GET`, `PUT`,
//! `DELETE /api/v1/lists/:id`) and its members (`GET`, `POST`, `DELETE
//! /api/v1/lists/:id/accounts` with `account_ids[]`). Another account's list is a 404.
//! The rules are core's ([`aerie_core::actions::lists`]); the list's timeline is
//! `timelines.rs`, the lists holding an account `accounts/lists.rs`.

use aerie_core::actions::lists::{self as actions, Changes, Refusal};
use aerie_core::contract::paging::Page;
use aerie_core::convert::list_to_api;
use aerie_core::store::lists;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;

use super::accounts::accounts_answer;
use crate::ctx::{Answer, Ctx, invalid};
use crate::load;

/// A refused change as Mastodon answers it.
fn refused(refusal: Refusal) -> Response {
    match refusal {
        Refusal::NotFound => Response::not_found(),
        Refusal::Invalid(message) => invalid(message),
    }
}

/// The list's settings as the client sent them (form, JSON or query).
fn changes(ctx: &Ctx) -> Changes {
    Changes {
        title: ctx.params.get("title").map(str::to_string),
        replies_policy: ctx.params.get("replies_policy").map(str::to_string),
        exclusive: ctx.params.bool("exclusive"),
    }
}

/// The viewer's list `id`, or Mastodon's 404.
pub fn owned(viewer: i64, id: i64) -> Result<lists::List, Response> {
    lists::by_id(&Autocommit, viewer, id)?.ok_or_else(Response::not_found)
}

/// `GET /api/v1/lists`
pub fn index(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:lists")?;
    let all: Vec<_> = lists::of_owner(&Autocommit, viewer)?.iter().map(list_to_api).collect();
    Ok(Response::to_json(200, &all))
}

/// `POST /api/v1/lists` with `title`, `replies_policy`, `exclusive`
pub fn create(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("write:lists")?;
    let list = actions::create(viewer, changes(ctx))?.map_err(refused)?;
    Ok(Response::to_json(200, &list_to_api(&list)))
}

/// `GET /api/v1/lists/:id`
pub fn get(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("read:lists")?;
    Ok(Response::to_json(200, &list_to_api(&owned(viewer, id)?)))
}

/// `PUT /api/v1/lists/:id` with `title`, `replies_policy`, `exclusive`
pub fn update(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:lists")?;
    let list = actions::update(viewer, id, changes(ctx))?.map_err(refused)?;
    Ok(Response::to_json(200, &list_to_api(&list)))
}

/// `DELETE /api/v1/lists/:id`
pub fn delete(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:lists")?;
    actions::delete(viewer, id)?.map_err(refused)?;
    Ok(Response::json(200, &serde_json::json!({})))
}

/// `GET /api/v1/lists/:id/accounts`: the members, paged by account id with `Link`;
/// `limit=0` returns them all, without `Link`, as Mastodon does.
pub fn accounts(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("read:lists")?;
    owned(viewer, id)?;
    let page = Page::from_query(&ctx.request.query);
    let all = ctx.params.get("limit").is_some_and(|l| l.trim() == "0");
    let rows = lists::members_page(&Autocommit, id, &page, all)?;
    if all {
        let accounts: Vec<_> = rows.into_iter().map(|(_, a)| a).collect();
        return Ok(Response::to_json(200, &load::accounts_to_api(&accounts, &ctx.base)));
    }
    accounts_answer(ctx, rows)
}

/// The accounts named by `account_ids[]`; an unknown one is Mastodon's 404.
fn account_ids(ctx: &Ctx) -> Result<Vec<i64>, Response> {
    let mut ids = Vec::new();
    for value in ctx.params.all("account_ids") {
        let id = value.trim().parse::<i64>().map_err(|_| Response::not_found())?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let found = load::accounts(&ids)?;
    if ids.iter().any(|id| !found.contains_key(id)) {
        return Err(Response::not_found());
    }
    Ok(ids)
}

/// `POST /api/v1/lists/:id/accounts` with `account_ids[]`: only accounts the viewer
/// follows (422 otherwise), all or none.
pub fn add_accounts(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:lists")?;
    owned(viewer, id)?;
    let ids = account_ids(ctx)?;
    actions::add_accounts(viewer, id, &ids)?.map_err(refused)?;
    Ok(Response::json(200, &serde_json::json!({})))
}

/// `DELETE /api/v1/lists/:id/accounts` with `account_ids[]`
pub fn remove_accounts(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:lists")?;
    owned(viewer, id)?;
    let ids: Vec<i64> = ctx.params.all("account_ids").iter().filter_map(|v| v.trim().parse().ok()).collect();
    actions::remove_accounts(viewer, id, &ids)?.map_err(refused)?;
    Ok(Response::json(200, &serde_json::json!({})))
}
