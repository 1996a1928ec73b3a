//! `/api/v1/domain_blocks`: the viewer's own domain blocks (hide everything from a
//! domain): list (bare domain strings, paged by the block's id through `Link`),
//! block (also removes the viewer's followers from that domain), unblock.

use aerie_core::model::paging::Page;
use aerie_sdk::db::{self, Value};
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
    let (bounds, order, values) = page.sql("d.id", 2);
    let sql = format!("SELECT d.id, d.domain FROM account_domain_blocks d WHERE d.account_id = $1 AND {bounds} {order}");
    let mut params = vec![Value::Int64(viewer)];
    params.extend(values.into_iter().map(Value::Int64));
    let rows = db::query(&sql, &params)?;
    let rows: Vec<(i64, String)> =
        page.finish(rows.iter().map(|r| (r.i64("id").unwrap_or_default(), r.string("domain").unwrap_or_default())).collect());
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let domains: Vec<String> = rows.into_iter().map(|(_, d)| d).collect();
    Ok(with_link(ctx, Response::to_json(200, &domains), &ids))
}

/// `POST /api/v1/domain_blocks` with `domain`
pub fn block(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("write:blocks")?;
    let domain = domain_param(ctx)?;
    let tx = db::begin()?;
    tx.execute(
        "INSERT INTO account_domain_blocks (id, account_id, domain, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, domain) DO NOTHING",
        &[Value::Int64(settings::next_id()), Value::Int64(viewer), Value::Text(domain.clone()), Value::Int64(settings::now_millis())],
    )?;
    let followers = tx.query(
        "SELECT f.account_id FROM follows f JOIN accounts a ON a.id = f.account_id WHERE f.target_account_id = $1 AND lower(a.domain) = $2",
        &[Value::Int64(viewer), Value::Text(domain)],
    )?;
    for follower in followers.iter().filter_map(|r| r.i64("account_id")) {
        follows::remove(&tx, follower, viewer)?;
    }
    tx.commit()?;
    Ok(Response::json(200, &serde_json::json!({})))
}

/// `DELETE /api/v1/domain_blocks` with `domain`
pub fn unblock(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("write:blocks")?;
    let domain = domain_param(ctx)?;
    db::execute("DELETE FROM account_domain_blocks WHERE account_id = $1 AND domain = $2", &[Value::Int64(viewer), Value::Text(domain)])?;
    Ok(Response::json(200, &serde_json::json!({})))
}
