//! `GET /api/v1/accounts/familiar_followers?id[]=`: for each account, the accounts
//! the viewer follows that follow it, in one query.

use std::collections::HashMap;

use aerie_core::convert;
use aerie_core::entities::Account;
use aerie_core::store;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;

use crate::ctx::{Answer, Ctx};

#[derive(serde::Serialize)]
struct FamiliarFollowers {
    id: String,
    accounts: Vec<Account>,
}

pub fn get(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:follows")?;
    let mut wanted: Vec<i64> = Vec::new();
    for id in ctx.params.all("id").iter().filter_map(|v| v.parse::<i64>().ok()) {
        if !wanted.contains(&id) && wanted.len() < 40 {
            wanted.push(id);
        }
    }
    let mut found: HashMap<i64, Vec<Account>> = HashMap::new();
    for (familiar_of, account) in store::accounts::familiar_followers(&Autocommit, viewer, &wanted)? {
        found.entry(familiar_of).or_default().push(convert::account_to_api(&account, &ctx.base));
    }
    let answer: Vec<FamiliarFollowers> =
        wanted.iter().map(|id| FamiliarFollowers { id: id.to_string(), accounts: found.remove(id).unwrap_or_default() }).collect();
    Ok(Response::to_json(200, &answer))
}
