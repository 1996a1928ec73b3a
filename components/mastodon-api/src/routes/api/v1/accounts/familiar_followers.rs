//! `GET /api/v1/accounts/familiar_followers?id[]=`: for each account, the accounts
//! the viewer follows that follow it, in one query.

use std::collections::HashMap;

use aerie_core::convert;
use aerie_core::entities::Account;
use aerie_core::rows::{ACCOUNT_COLUMNS, AccountRow};
use aerie_sdk::db::{self, Value, ids, placeholders};
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
    if !wanted.is_empty() {
        let sql = format!(
            "SELECT theirs.target_account_id AS familiar_of, {ACCOUNT_COLUMNS} FROM follows mine \
             JOIN follows theirs ON theirs.account_id = mine.target_account_id \
             JOIN accounts a ON a.id = mine.target_account_id \
             WHERE mine.account_id = $1 AND theirs.target_account_id IN ({}) AND a.deleted_at IS NULL AND a.suspended_at IS NULL \
             ORDER BY a.id",
            placeholders(2, wanted.len())
        );
        let mut params = vec![Value::Int64(viewer)];
        params.extend(ids(&wanted));
        for row in db::query(&sql, &params)?.iter() {
            let account = convert::account_to_api(&AccountRow::from_row(&row), &ctx.base);
            found.entry(row.i64("familiar_of").unwrap_or_default()).or_default().push(account);
        }
    }
    let answer: Vec<FamiliarFollowers> =
        wanted.iter().map(|id| FamiliarFollowers { id: id.to_string(), accounts: found.remove(id).unwrap_or_default() }).collect();
    Ok(Response::to_json(200, &answer))
}
