//! `GET /api/v2/notifications`: notifications grouped by `group_key` (favourites and
//! reblogs of one status, and follows, close in time; see `notify`), with the
//! accounts and statuses they refer to listed once. Paged by notification id like
//! v1 (`max_id`, `since_id`, `min_id`); `limit` counts groups (default 40, at most 80).

use std::collections::HashMap;

use aerie_core::contract::paging::Page;
use aerie_core::convert;
use aerie_core::entities::{GroupedNotificationsResults, NotificationGroup};
use aerie_core::rows::{NotificationRow, StatusRow};
use aerie_core::time::iso8601;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;

use crate::ctx::{Answer, Ctx};
use crate::links::with_link;
use crate::load;
use crate::routes::api::v1::notifications::filter;
use aerie_core::store::notifications::{self, GROUPABLE};

const DEFAULT_GROUPS: usize = 40;
const MAX_GROUPS: usize = 80;
/// Notifications read per page, per group asked for.
const ROWS_PER_GROUP: usize = 4;
/// Most accounts shown for one group.
const MAX_SAMPLES: usize = 8;

/// One group as it is being built from the page's notifications (newest first).
struct Building {
    row: NotificationRow,
    key: String,
    min_id: i64,
    count_in_page: i64,
    samples: Vec<i64>,
}

pub fn list(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:notifications")?;
    let limit = ctx.params.i64("limit").map(|l| l.clamp(1, MAX_GROUPS as i64) as usize).unwrap_or(DEFAULT_GROUPS);
    // Only Mastodon's groupable kinds group; `status`, `poll`, `update` and the rest never do.
    let grouped_types: Vec<&str> = match ctx.params.all("grouped_types") {
        types if types.is_empty() => GROUPABLE.to_vec(),
        types => types.into_iter().filter(|t| GROUPABLE.contains(t)).collect(),
    };
    let page = Page::from_query(&ctx.request.query);
    let rows = notifications::rows_for_groups(&Autocommit, viewer, &filter(ctx), &page, limit * ROWS_PER_GROUP)?;

    let mut groups: Vec<Building> = Vec::new();
    for row in rows {
        let key = match &row.group_key {
            Some(key) if grouped_types.contains(&row.kind.as_str()) => key.clone(),
            _ => format!("ungrouped-{}", row.id),
        };
        if let Some(group) = groups.iter_mut().find(|g| g.key == key) {
            group.min_id = row.id;
            group.count_in_page += 1;
            if group.samples.len() < MAX_SAMPLES && !group.samples.contains(&row.from_account_id) {
                group.samples.push(row.from_account_id);
            }
        } else if groups.len() < limit {
            groups.push(Building { key, min_id: row.id, count_in_page: 1, samples: vec![row.from_account_id], row });
        } else {
            break;
        }
    }
    let totals = group_totals(viewer, &groups)?;

    let account_ids: Vec<i64> = groups.iter().flat_map(|g| g.samples.iter().copied()).collect();
    let accounts = load::accounts(&account_ids)?;
    let status_ids: Vec<i64> = groups.iter().filter_map(|g| g.row.status_id).collect();
    let status_rows: Vec<StatusRow> = load::visible_statuses(Some(viewer), &status_ids)?.into_values().collect();
    let statuses = load::statuses_in(Some(viewer), &ctx.base, &status_rows, aerie_core::filtering::Scope::Context("notifications"))?;
    let mut page_ids = Vec::new();
    let notification_groups: Vec<NotificationGroup> = groups
        .into_iter()
        .filter(|g| g.row.status_id.is_none_or(|id| statuses.iter().any(|s| s.id == id.to_string())))
        .map(|g| {
            page_ids.push(g.row.id);
            page_ids.push(g.min_id);
            NotificationGroup {
                notifications_count: totals.get(&g.key).copied().unwrap_or(g.count_in_page).max(g.count_in_page),
                kind: g.row.kind.clone(),
                most_recent_notification_id: g.row.id.to_string(),
                page_min_id: g.min_id.to_string(),
                page_max_id: g.row.id.to_string(),
                latest_page_notification_at: iso8601(g.row.created_at),
                sample_account_ids: g.samples.iter().filter(|id| accounts.contains_key(id)).map(i64::to_string).collect(),
                status_id: g.row.status_id.map(|id| id.to_string()),
                group_key: g.key,
            }
        })
        .collect();
    let mut listed: Vec<i64> = account_ids.clone();
    listed.sort_unstable();
    listed.dedup();
    let results = GroupedNotificationsResults {
        accounts: listed.iter().filter_map(|id| accounts.get(id)).map(|a| convert::account_to_api(a, &ctx.base)).collect(),
        statuses,
        notification_groups,
    };
    page_ids.sort_unstable_by(|a, b| b.cmp(a));
    let bounds = [page_ids.first().copied(), page_ids.last().copied()];
    Ok(with_link(ctx, Response::to_json(200, &results), &bounds.into_iter().flatten().collect::<Vec<_>>()))
}

/// How many notifications each real group holds in all (not just on this page).
fn group_totals(viewer: i64, groups: &[Building]) -> Result<HashMap<String, i64>, Response> {
    let keys: Vec<&str> = groups.iter().map(|g| g.key.as_str()).filter(|k| !k.starts_with("ungrouped-")).collect();
    Ok(notifications::group_totals(&Autocommit, viewer, &keys)?)
}
