//! `POST /api/v1/reports`: a user reports an account, and some of its statuses, to
//! the moderators of this instance (`aerie admin reports list`). With `forward=true`
//! and a remote account, a `Flag` goes to that account's server as well, sent by the
//! instance actor — the reporter stays anonymous there, as with Mastodon.
//!
//! Parameters as Mastodon takes them: `account_id` (404 when unknown), `status_ids[]`
//! (the account's own statuses the reporter can see; any other is a 404), `comment`
//! (at most 1,000 characters), `forward`, `category` (`spam`, `legal`, `violation`,
//! `other`; `violation` when `rule_ids[]` are given, else `other`) and `rule_ids[]`
//! (the instance's rules, for `violation`). Scope `write:reports`.

use aerie_core::convert;
use aerie_core::entities::Report;
use aerie_core::outbound;
use aerie_core::rows::StatusRow;
use aerie_core::store;
use aerie_core::store::reports::NewReport;
use aerie_core::time::iso8601;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;
use aerie_sdk::{federation, log, settings};

use crate::ctx::{Answer, Ctx, invalid};
use crate::{instance_info, load};

/// The longest comment a local report may carry (Mastodon's limit).
const COMMENT_LIMIT: usize = 1_000;
const CATEGORIES: &[&str] = &["spam", "legal", "violation", "other"];

pub fn create(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("write:reports")?;
    let p = &ctx.params;
    let target_id = p.get("account_id").and_then(|id| id.trim().parse::<i64>().ok()).ok_or_else(Response::not_found)?;
    let target = load::account_or_404(target_id)?;

    let comment = p.get("comment").unwrap_or_default().trim().to_string();
    if comment.chars().count() > COMMENT_LIMIT {
        return Err(invalid(&format!("Comment is too long (maximum is {COMMENT_LIMIT} characters)")));
    }
    let rule_ids: Vec<String> = p.all("rule_ids").into_iter().map(str::trim).filter(|r| !r.is_empty()).map(str::to_string).collect();
    let category = match p.get("category").map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) if CATEGORIES.contains(&c) => c.to_string(),
        Some(_) => return Err(invalid("Category is not included in the list")),
        None if !rule_ids.is_empty() => "violation".into(),
        None => "other".into(),
    };
    let rule_ids = if category == "violation" && !rule_ids.is_empty() {
        let rules = instance_info::rules()?;
        let known: Vec<&str> = rules.as_array().into_iter().flatten().filter_map(|r| r["id"].as_str()).collect();
        if !rule_ids.iter().all(|r| known.contains(&r.as_str())) {
            return Err(invalid("Rule ids does not reference valid rules"));
        }
        Some(rule_ids)
    } else {
        None
    };

    // Only the target's own statuses, and only those the reporter can see.
    let mut wanted: Vec<i64> = Vec::new();
    for id in p.all("status_ids") {
        let id = id.trim().parse::<i64>().map_err(|_| Response::not_found())?;
        if !wanted.contains(&id) {
            wanted.push(id);
        }
    }
    let found = load::visible_statuses(Some(viewer), &wanted)?;
    let statuses: Vec<StatusRow> = wanted
        .iter()
        .map(|id| found.get(id).filter(|s| s.account_id == target.id && s.reblog_of_id.is_none()).cloned().ok_or_else(Response::not_found))
        .collect::<Result<_, _>>()?;

    let (base, _) = outbound::instance()?;
    let forward = p.bool("forward").unwrap_or(false) && !target.is_local() && target.uri.is_some();
    let id = settings::next_id();
    let uri = aerie_core::contract::uris::report(&base, id);
    let now = settings::now_millis();
    let status_ids: Vec<String> = statuses.iter().map(|s| s.id.to_string()).collect();
    let report = NewReport {
        id,
        account_id: viewer,
        target_account_id: target.id,
        status_ids,
        comment: comment.clone(),
        uri: Some(uri.clone()),
        forwarded: forward,
        created_at: now,
    };
    store::reports::insert(&Autocommit, &report)?;
    let status_ids = report.status_ids;
    if forward {
        forward_flag(&base, &uri, &target, &statuses, &comment);
    }
    let report = Report {
        id: id.to_string(),
        action_taken: false,
        action_taken_at: None,
        category,
        comment,
        forwarded: forward,
        created_at: iso8601(now),
        status_ids: (!status_ids.is_empty()).then_some(status_ids),
        rule_ids,
        target_account: convert::account_to_api(&target, &ctx.base),
    };
    Ok(Response::to_json(200, &report))
}

/// The `Flag` of a report about remote `target` to its server (its personal inbox),
/// signed by the instance actor. Logged, never failing the report: it is stored here.
fn forward_flag(base: &str, uri: &str, target: &aerie_core::rows::AccountRow, statuses: &[StatusRow], comment: &str) {
    let Some(target_uri) = target.uri.as_deref() else { return };
    let status_uris: Vec<String> = statuses.iter().filter(|s| !s.local).filter_map(|s| s.uri.clone()).collect();
    let flag = outbound::flag(uri, &aerie_core::contract::uris::instance_actor(base), target_uri, &status_uris, comment);
    if let Err(e) = federation::deliver(None, &flag, &outbound::inbox_of(target)) {
        log::warn(&format!("reports: forwarding {uri} to {target_uri} failed: {e}"));
    }
}
