//! `/api/v1/accounts`: one account, lookup, its statuses, followers and following.

pub mod batch;
pub mod block;
pub mod credentials;
pub mod familiar_followers;
pub mod follow;
pub mod identity_proofs;
pub mod lists;
pub mod mute;
pub mod note;
pub mod relationships;
pub mod search;

use aerie_core::contract::paging::Page;
use aerie_core::convert;
use aerie_core::rows::AccountRow;
use aerie_core::store;
use aerie_core::store::follows;
use aerie_core::store::timelines::{self, AccountFilter};
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;

use crate::compose;
use crate::ctx::{Answer, Ctx};
use crate::links::with_link;
use crate::load;

/// `GET /api/v1/accounts/:id`
pub fn get(ctx: &Ctx, id: i64) -> Answer {
    ctx.viewer.optional("read:accounts")?;
    let account = load::account_or_404(id)?;
    let mut entity = convert::account_to_api(&account, &ctx.base);
    // `moved`: the account it moved to (set by a received Move or the actor's movedTo).
    if let Some(target) = account.moved_to_account_id.filter(|t| *t != account.id)
        && let Some(moved) = load::account(target)?
    {
        entity.moved = Some(Box::new(convert::account_to_api(&moved, &ctx.base)));
    }
    Ok(Response::to_json(200, &entity))
}

/// `GET /api/v1/accounts/lookup?acct=name` or `name@domain`. An unknown remote
/// `name@domain` is looked up with WebFinger when a user asks (Mastodon 4.x resolves
/// it; anonymous requests only see known accounts).
pub fn lookup(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.optional("read:accounts")?;
    let acct = ctx.params.get("acct").unwrap_or("").trim().trim_start_matches('@');
    let (username, domain) = match acct.split_once('@') {
        Some((user, domain)) => (user, domain.to_lowercase()),
        None => (acct, String::new()),
    };
    let local_domain = compose::instance()?.domain.to_lowercase();
    let domain = if domain == local_domain { String::new() } else { domain };
    let known = store::accounts::by_acct(&Autocommit, username, &domain)?;
    let resolved = match known {
        None if viewer.is_some() && !domain.is_empty() => search::resolve_acct(acct),
        known => known,
    };
    let account = resolved.ok_or_else(Response::not_found)?;
    Ok(Response::to_json(200, &convert::account_to_api(&account, &ctx.base)))
}

/// `GET /api/v1/accounts/:id/statuses` with `only_media`, `exclude_replies`,
/// `exclude_reblogs`, `pinned`, `tagged`.
pub fn statuses(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.optional("read:statuses")?;
    load::account_or_404(id)?;
    let p = &ctx.params;
    let filter = AccountFilter {
        pinned: p.bool("pinned").unwrap_or(false),
        only_media: p.bool("only_media").unwrap_or(false),
        exclude_replies: p.bool("exclude_replies").unwrap_or(false),
        exclude_reblogs: p.bool("exclude_reblogs").unwrap_or(false),
        tagged: p.get("tagged").filter(|t| !t.is_empty()).map(|tag| tag.trim_start_matches('#').to_lowercase()),
    };
    let (condition, params) = timelines::of_account(id, &filter);
    load::status_page_in(ctx, viewer, "", &condition, params, "s.id", aerie_core::filtering::Scope::Context("account"))
}

/// Accounts on one side of `follows`, paged by the follow's id.
fn follow_list(ctx: &Ctx, id: i64, followers: bool) -> Answer {
    ctx.viewer.optional("read:accounts")?;
    load::account_or_404(id)?;
    let page = Page::from_query(&ctx.request.query);
    accounts_answer(ctx, follows::list_page(&Autocommit, id, followers, &page)?)
}

/// Answers a page of `(page id, account)` with `Link`.
pub fn accounts_answer(ctx: &Ctx, rows: Vec<(i64, AccountRow)>) -> Answer {
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let accounts: Vec<AccountRow> = rows.into_iter().map(|(_, a)| a).collect();
    Ok(with_link(ctx, Response::to_json(200, &load::accounts_to_api(&accounts, &ctx.base)), &ids))
}

/// `GET /api/v1/accounts/:id/followers`
pub fn followers(ctx: &Ctx, id: i64) -> Answer {
    follow_list(ctx, id, true)
}

/// `GET /api/v1/accounts/:id/following`
pub fn following(ctx: &Ctx, id: i64) -> Answer {
    follow_list(ctx, id, false)
}
