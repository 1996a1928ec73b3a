//! The viewer's Relationship with other accounts, several at once in one query.

use std::collections::HashMap;

use aerie_core::entities::Relationship;
use aerie_core::store::relationships::{self, Edge};
use aerie_sdk::db::Autocommit;
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
    let mut by_id: HashMap<i64, Relationship> = HashMap::new();
    for (aid, edge) in relationships::edges(&Autocommit, viewer, targets, settings::now_millis())? {
        let r = by_id.entry(aid).or_default();
        match edge {
            Edge::Following { show_reblogs, notify, languages } => {
                r.following = true;
                r.showing_reblogs = show_reblogs;
                r.notifying = notify;
                r.languages = languages.and_then(|l| serde_json::from_str(&l).ok());
            }
            Edge::FollowedBy => r.followed_by = true,
            Edge::Requested { show_reblogs, notify } => {
                r.requested = true;
                r.showing_reblogs = show_reblogs;
                r.notifying = notify;
            }
            Edge::RequestedBy => r.requested_by = true,
            Edge::Blocking => r.blocking = true,
            Edge::BlockedBy => r.blocked_by = true,
            Edge::Muting { notifications } => {
                r.muting = true;
                r.muting_notifications = notifications;
            }
            Edge::DomainBlocking => r.domain_blocking = true,
            Edge::Endorsed => r.endorsed = true,
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
