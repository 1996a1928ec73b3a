//! Pages of statuses as the timelines read them: the home timeline's statements
//! (see [`crate::contract::home`]) and the conditions of the public, hashtag and
//! account timelines, which the API's page reader puts under the visibility rule.

use aerie_sdk::db::{Error, Handle, Rows, Value, placeholders};

use crate::contract::home::{self, NOT_MUTED};
use crate::contract::home_tags;
use crate::contract::paging::Page;
use crate::rows::{STATUS_COLUMNS, StatusRow};

/// Rows read with a `page_id` column and the status columns, as (page id, status).
pub fn paged_rows(rows: &Rows) -> Vec<(i64, StatusRow)> {
    rows.iter().map(|r| (r.i64("page_id").unwrap_or_default(), StatusRow::from_row(&r))).collect()
}

/// One page of `viewer`'s home timeline at `now`, before [`Page::finish`]: read in
/// up to three statements, so that a page never walks the whole table. Members of
/// the viewer's exclusive lists are left out, tested only for a viewer who has one;
/// public statuses with a hashtag the viewer follows are in, read only for a viewer
/// who follows one (see [`crate::contract::home_tags`]).
pub fn home(db: &impl Handle, viewer: i64, now: i64, page: &Page) -> Result<Vec<(i64, StatusRow)>, Error> {
    let exclusive = crate::store::lists::has_exclusive(db, viewer)?;
    let tags = crate::store::followed_tags::follows_any(db, viewer)?;
    let mut params = vec![Value::Int64(viewer), Value::Int64(now)];
    params.extend(home::bounds(page).1.into_iter().map(Value::Int64));
    let window =
        if tags { home_tags::window_sql(STATUS_COLUMNS, page, exclusive) } else { home::window_sql_with(STATUS_COLUMNS, page, exclusive) };
    let mut rows = paged_rows(&db.query(&window, &params)?);
    let missing = page.limit() as usize - rows.len().min(page.limit() as usize);
    if missing > 0 {
        let nearest = paged_rows(&db.query(&home::nearest_rest_sql_with(STATUS_COLUMNS, page, missing as u32, exclusive), &params)?);
        let mut rest = if nearest.len() == missing {
            nearest
        } else {
            paged_rows(&db.query(&home::rest_sql_with(STATUS_COLUMNS, page, missing as u32, exclusive), &params)?)
        };
        if tags {
            let nearest = paged_rows(&db.query(&home_tags::nearest_rest_sql(STATUS_COLUMNS, page, missing as u32, exclusive), &params)?);
            let tagged = if nearest.len() == missing {
                nearest
            } else {
                paged_rows(&db.query(&home_tags::rest_sql(STATUS_COLUMNS, page, missing as u32, exclusive), &params)?)
            };
            rest = home_tags::merge(rest, tagged, page.ascending(), missing);
        }
        rows.extend(rest);
    }
    Ok(rows)
}

/// What the public and hashtag timelines show.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicFilter {
    /// Only this instance's statuses.
    pub local: bool,
    /// Only other servers' (when not `local`).
    pub remote: bool,
    /// Only statuses with files.
    pub only_media: bool,
    /// A signed-in viewer (`$1`) does not see the accounts they mute (now is `$2`).
    pub signed_in: bool,
}

/// The condition the public and hashtag timelines share (on `s`; the viewer is
/// `$1`, now `$2`).
fn public_condition(filter: PublicFilter) -> String {
    let mut condition = String::from("s.visibility = 'public' AND s.reblog_of_id IS NULL");
    if filter.local {
        condition.push_str(" AND s.local = 1");
    } else if filter.remote {
        condition.push_str(" AND s.local = 0");
    }
    if filter.only_media {
        condition.push_str(" AND EXISTS (SELECT 1 FROM media_attachments ma WHERE ma.status_id = s.id)");
    }
    if filter.signed_in {
        condition.push_str(" AND ");
        condition.push_str(NOT_MUTED);
    } else {
        condition.push_str(" AND $2 = $2");
    }
    condition
}

/// The public timeline: public statuses that are not replies to others.
pub fn public(filter: PublicFilter) -> String {
    format!("{} AND (s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id)", public_condition(filter))
}

/// A hashtag timeline: public statuses with one of `any` tags (lower-cased names)
/// and none of `none`; `params` holds now (`$2`) and gets the names.
pub fn tagged(filter: PublicFilter, any: &[String], none: &[String], params: &mut Vec<Value>) -> String {
    let list = |values: &[String], params: &mut Vec<Value>| -> String {
        let start = params.len() + 2;
        params.extend(values.iter().map(|v| Value::Text(v.clone())));
        placeholders(start, values.len())
    };
    let any = list(any, params);
    let mut condition = format!(
        "{} AND EXISTS (SELECT 1 FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = s.id AND t.name IN ({any}))",
        public_condition(filter)
    );
    if !none.is_empty() {
        let excluded = list(none, params);
        condition.push_str(&format!(
            " AND NOT EXISTS (SELECT 1 FROM status_tags xt JOIN tags x ON x.id = xt.tag_id WHERE xt.status_id = s.id AND x.name IN ({excluded}))"
        ));
    }
    condition
}

/// What an account's timeline shows.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    pub pinned: bool,
    pub only_media: bool,
    pub exclude_replies: bool,
    pub exclude_reblogs: bool,
    /// Only statuses with this tag (a lower-cased name).
    pub tagged: Option<String>,
}

/// An account's timeline: the statuses of account `account` under `filter`, as a
/// condition on `s` and its parameters (from `$2`).
pub fn of_account(account: i64, filter: &AccountFilter) -> (String, Vec<Value>) {
    let mut condition = String::from("s.account_id = $2");
    let mut params = vec![Value::Int64(account)];
    if filter.pinned {
        condition.push_str(" AND EXISTS (SELECT 1 FROM pins pp WHERE pp.account_id = $2 AND pp.status_id = s.id)");
    }
    if filter.only_media {
        condition.push_str(" AND EXISTS (SELECT 1 FROM media_attachments ma WHERE ma.status_id = s.id)");
    }
    if filter.exclude_replies {
        condition.push_str(" AND (s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id)");
    }
    if filter.exclude_reblogs {
        condition.push_str(" AND s.reblog_of_id IS NULL");
    }
    if let Some(tag) = &filter.tagged {
        params.push(Value::Text(tag.clone()));
        condition.push_str(
            " AND EXISTS (SELECT 1 FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = s.id AND t.name = $3)",
        );
    }
    (condition, params)
}

/// The statuses of account `$2` shown on its public profile page (the 20 newest
/// public ones, not reblogs): the condition and the tail.
pub const PROFILE_PAGE: (&str, &str) =
    ("s.account_id = $2 AND s.reblog_of_id IS NULL AND s.visibility = 'public'", "ORDER BY s.id DESC LIMIT 20");
