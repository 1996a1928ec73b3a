//! `/api/v1/domain_blocks`: the viewer's own domain blocks (hide everything from a
//! domain): list (bare domain strings, paged by the block's id through `Link`),
//! block (also removes the viewer's followers from that domain), unblock.

use aerie_core::contract::paging::Page;
use aerie_core::store::blocks;
use aerie_sdk::db::{self, Autocommit};
use aerie_sdk::http::Response;
use aerie_sdk::settings;

use crate::ctx::{Answer, Ctx, invalid};
use crate::links::with_link;
use aerie_core::store::follows;

/// The `domain` parameter, normalized (lower case, no scheme or path), or 422.
fn domain_param(ctx: &Ctx) -> Result<String, Response> {
    let raw = ctx.params.get("domain").unwrap_or("").trim().to_lowercase();
    let raw = raw.split("://").last().unwrap_or("");
    let domain = raw.split(['/', '?', '#']).next().unwrap_or("").trim_start_matches('@').to_string();
    if domain.is_empty() || domain.contains(char::is_whitespace) {
        return Err(invalid("Domain can't be blank"));
    }
    Ok(domain)
}

/// `GET /api/v1/domain_blocks`
pub fn list(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:blocks")?;
    let page = Page::from_query(&ctx.request.query);
    let rows = blocks::domains_page(&Autocommit, viewer, &page)?;
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let domains: Vec<String> = rows.into_iter().map(|(_, d)| d).collect();
    Ok(with_link(ctx, Response::to_json(200, &domains), &ids))
}

/// `POST /api/v1/domain_blocks` with `domain`
pub fn block(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("write:blocks")?;
    let domain = domain_param(ctx)?;
    let tx = db::begin()?;
    blocks::block_domain(&tx, settings::next_id(), viewer, &domain, settings::now_millis())?;
    for follower in follows::followers_on_domain(&tx, viewer, &domain)? {
        follows::remove(&tx, follower, viewer)?;
    }
    tx.commit()?;
    Ok(Response::json(200, &serde_json::json!({})))
}

/// `DELETE /api/v1/domain_blocks` with `domain`
pub fn unblock(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("write:blocks")?;
    let domain = domain_param(ctx)?;
    blocks::unblock_domain(&Autocommit, viewer, &domain)?;
    Ok(Response::json(200, &serde_json::json!({})))
}
