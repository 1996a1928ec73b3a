//! `GET /api/v2/suggestions`: accounts to follow, as Mastodon 4.3 suggests them:
//! first those the accounts the viewer follows follow (`friends_of_friends`), then
//! local accounts that post (`most_interactions`). Never the viewer, anyone it
//! follows, blocks, is blocked by or mutes, nor one it dismissed (`DELETE
//! /api/v1/suggestions/:account_id`, in `routes/api/v1/suggestions.rs`); only
//! accounts that opted in to discovery (`aerie_core::store::suggestions`).

use aerie_core::convert::account_to_api;
use aerie_core::entities::Account;
use aerie_core::store::suggestions;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;
use serde::Serialize;

use crate::ctx::{Answer, Ctx};

/// Mastodon's Suggestion entity.
#[derive(Serialize)]
struct Suggestion {
    /// The deprecated one-word source, as Mastodon 4.3 maps `sources` to it:
    /// `past_interactions` for friends of friends, `global` for active accounts.
    source: &'static str,
    sources: Vec<&'static str>,
    account: Account,
}

/// `GET /api/v2/suggestions?limit=` (default 40, at most 80).
pub fn list(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read")?;
    let limit = ctx.params.i64("limit").filter(|l| *l > 0).unwrap_or(40).min(80);
    let mut out: Vec<Suggestion> = suggestions::friends_of_friends(&Autocommit, viewer, limit)?
        .iter()
        .map(|a| Suggestion { source: "past_interactions", sources: vec!["friends_of_friends"], account: account_to_api(a, &ctx.base) })
        .collect();
    if (out.len() as i64) < limit {
        for a in suggestions::active_local(&Autocommit, viewer, limit)? {
            if out.len() as i64 >= limit {
                break;
            }
            if out.iter().all(|s| s.account.id != a.id.to_string()) {
                out.push(Suggestion { source: "global", sources: vec!["most_interactions"], account: account_to_api(&a, &ctx.base) });
            }
        }
    }
    Ok(Response::to_json(200, &out))
}
