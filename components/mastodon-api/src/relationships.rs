//! The viewer's Relationship with other accounts, several at once in one query.

use std::collections::HashMap;

use aerie_core::entities::Relationship;
use aerie_sdk::db::{self, Value, ids, placeholders};
use aerie_sdk::http::Response;
use aerie_sdk::{kv, settings};

/// The kv key of `viewer`'s private note on `target` (there is no table for notes).
pub fn note_key(viewer: i64, target: i64) -> String {
    format!("account-note:{viewer}:{target}")
}

/// `viewer`'s note on `target`, empty when there is none.
fn note(viewer: i64, target: i64) -> String {
    kv::get(&note_key(viewer, target)).ok().flatten().and_then(|v| String::from_utf8(v).ok()).unwrap_or_default()
}

/// Relationships of `viewer` with each of `targets` (in that order).
pub fn load(viewer: i64, targets: &[i64]) -> Result<Vec<Relationship>, Response> {
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let list = placeholders(3, targets.len());
    let sql = format!(
        "SELECT 'following' AS k, target_account_id AS aid, show_reblogs AS x, notify AS y, languages AS langs FROM follows WHERE account_id = $1 AND target_account_id IN ({list}) \
         UNION ALL SELECT 'followed_by' AS k, account_id AS aid, 0 AS x, 0 AS y, NULL AS langs FROM follows WHERE target_account_id = $1 AND account_id IN ({list}) \
         UNION ALL SELECT 'requested' AS k, target_account_id AS aid, show_reblogs AS x, notify AS y, NULL AS langs FROM follow_requests WHERE account_id = $1 AND target_account_id IN ({list}) \
         UNION ALL SELECT 'requested_by' AS k, account_id AS aid, 0 AS x, 0 AS y, NULL AS langs FROM follow_requests WHERE target_account_id = $1 AND account_id IN ({list}) \
         UNION ALL SELECT 'blocking' AS k, target_account_id AS aid, 0 AS x, 0 AS y, NULL AS langs FROM blocks WHERE account_id = $1 AND target_account_id IN ({list}) \
         UNION ALL SELECT 'blocked_by' AS k, account_id AS aid, 0 AS x, 0 AS y, NULL AS langs FROM blocks WHERE target_account_id = $1 AND account_id IN ({list}) \
         UNION ALL SELECT 'muting' AS k, target_account_id AS aid, hide_notifications AS x, 0 AS y, NULL AS langs FROM mutes WHERE account_id = $1 AND target_account_id IN ({list}) \
           AND (expires_at IS NULL OR expires_at > $2) \
         UNION ALL SELECT 'domain_blocking' AS k, da.id AS aid, 0 AS x, 0 AS y, NULL AS langs FROM accounts da JOIN account_domain_blocks adb ON adb.domain = da.domain \
           WHERE adb.account_id = $1 AND da.id IN ({list})"
    );
    let mut params = vec![Value::Int64(viewer), Value::Int64(settings::now_millis())];
    params.extend(ids(targets));
    let mut by_id: HashMap<i64, Relationship> = HashMap::new();
    for row in db::query(&sql, &params)?.iter() {
        let Some(aid) = row.i64("aid") else { continue };
        let r = by_id.entry(aid).or_default();
        let (x, y) = (row.bool("x"), row.bool("y"));
        match row.text("k").unwrap_or_default() {
            "following" => {
                r.following = true;
                r.showing_reblogs = x;
                r.notifying = y;
                r.languages = row.text("langs").and_then(|l| serde_json::from_str(l).ok());
            }
            "followed_by" => r.followed_by = true,
            "requested" => {
                r.requested = true;
                r.showing_reblogs = x;
                r.notifying = y;
            }
            "requested_by" => r.requested_by = true,
            "blocking" => r.blocking = true,
            "blocked_by" => r.blocked_by = true,
            "muting" => {
                r.muting = true;
                r.muting_notifications = x;
            }
            _ => r.domain_blocking = true,
        }
    }
    Ok(targets
        .iter()
        .map(|id| {
            let mut r = by_id.remove(id).unwrap_or_default();
            r.id = id.to_string();
            r.note = note(viewer, *id);
            r
        })
        .collect())
}

/// One relationship, as the follow/block/mute endpoints answer.
pub fn one(viewer: i64, target: i64) -> Result<Response, Response> {
    let relationship = load(viewer, &[target])?.pop().unwrap_or_default();
    Ok(Response::to_json(200, &relationship))
}
