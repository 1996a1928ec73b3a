//! Who is in a viewer's home timeline, and the statements that read one page of it.
//!
//! A status is in the viewer's home timeline when, besides the visibility rule, it is
//! the viewer's own or by an account the viewer follows (a reblog only where that
//! follow shows reblogs), it is not a reply to someone the viewer does not know, and
//! its author is not muted.
//!
//! Read as one statement walking `statuses` newest first and testing each row, a page
//! costs as many rows as the walk passes before it has found a page: nothing when
//! the viewer follows busy accounts, the whole table when they follow nobody or only
//! quiet ones. So a page is read in up to three statements that return, together,
//! exactly what that walk returns:
//!
//! 1. [`window_sql`]: the walk, but only through the [`WINDOW`] statuses nearest the
//!    page bound (newest below `max_id`, or oldest above `min_id`), with the cheap
//!    membership test first. A viewer who follows busy accounts gets the whole page
//!    here, at the cost of the old walk.
//! 2. [`nearest_rest_sql`], only when the window held less than a page: the statuses
//!    beyond the window reached from the other side, through the viewer's follows (and
//!    the viewer): twice as many ids as the page still needs, nearest first, from the
//!    `statuses (account_id, id)` index alone, then the rules on those rows only. The
//!    cost follows the number of followed accounts, never the size of the table.
//! 3. [`rest_sql`], only when that came short (the timeline ends, or more than half the
//!    ids were turned away): the same without the limit on ids.
//!
//! Every status id in the window lies on the near side of every id beyond it, so the
//! first statement's rows followed by the second's (or the third's) are the page in
//! order.
//!
//! The statements bind the viewer to `$1`, now (milliseconds, for mutes that expire)
//! to `$2` and the values of [`bounds`] to `$3...`.
//!
//! A viewer with an exclusive list (Mastodon 4.2+) does not see its members' statuses
//! and reblogs at home: the `_with` statements take `exclusive` and then add
//! [`NOT_IN_EXCLUSIVE_LIST`]; everyone else's statements stay as they were.
//!
//! A viewer who follows hashtags also sees the public statuses carrying them: see
//! [`crate::home_tags`], which reuses these statements' parts.

use crate::paging::Page;
use crate::visibility::visible_sql;

/// How many statuses the first statement looks through at most.
pub const WINDOW: usize = 256;

/// The author of status `s` is not muted by the viewer (`$1`); `$2` is now.
pub const NOT_MUTED: &str = "NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = $1 AND mu.target_account_id = s.account_id \
     AND (mu.expires_at IS NULL OR mu.expires_at > $2))";

/// The author of status `s` is in none of the viewer's (`$1`) exclusive lists.
pub const NOT_IN_EXCLUSIVE_LIST: &str = "NOT EXISTS (SELECT 1 FROM list_accounts xm JOIN lists xl ON xl.id = xm.list_id \
     WHERE xm.account_id = s.account_id AND xl.account_id = $1 AND xl.exclusive = 1)";

/// Replies show only when they answer the author themselves, the viewer, or an
/// account the viewer follows.
const KNOWN_REPLY: &str = "(s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id \
     OR s.in_reply_to_account_id = $1 \
     OR EXISTS (SELECT 1 FROM follows rf WHERE rf.account_id = $1 AND rf.target_account_id = s.in_reply_to_account_id))";

/// Membership as a test on one row (for the walk): own, or followed with reblogs shown.
pub(crate) const MEMBER: &str = "(s.account_id = $1 OR EXISTS (SELECT 1 FROM follows hf WHERE hf.account_id = $1 \
     AND hf.target_account_id = s.account_id AND (s.reblog_of_id IS NULL OR hf.show_reblogs = 1)))";

/// Membership as a set of authors (to drive the `statuses (account_id, id)` index):
/// the accounts the viewer follows, and the viewer.
const AUTHORS: &str = "SELECT hf.target_account_id FROM follows hf WHERE hf.account_id = $1 UNION ALL SELECT CAST($1 AS BIGINT)";

/// The reblog part of [`MEMBER`], for a row whose author is in [`AUTHORS`]: the follow
/// pair is unique, so the two together hold for exactly the rows [`MEMBER`] holds for.
const REBLOG_SHOWN: &str = "(s.account_id = $1 OR s.reblog_of_id IS NULL OR EXISTS (SELECT 1 FROM follows hr WHERE hr.account_id = $1 \
     AND hr.target_account_id = s.account_id AND hr.show_reblogs = 1))";

/// The page's bounds on `s.id` as SQL, with their values (bound from `$3` on).
pub fn bounds(page: &Page) -> (String, Vec<i64>) {
    let (condition, _, values) = page.sql("s.id", 3);
    (condition, values)
}

/// The id where the window ends: the [`WINDOW`]th status from the page bound the walk
/// starts at (any author, any visibility), or NULL when fewer remain.
pub(crate) fn window_edge(page: &Page) -> String {
    // The bound the walk starts from is the first parameter for a page below
    // `max_id`, and the `min_id` parameter (after `max_id`'s, if any) for a page
    // above it, as `Page::sql` numbers them.
    let (start, direction) = match (page.ascending(), page.max_id) {
        (false, Some(_)) => ("w.id < $3".to_string(), "DESC"),
        (false, None) => ("1 = 1".to_string(), "DESC"),
        (true, _) => (format!("w.id > ${}", if page.max_id.is_some() { 4 } else { 3 }), "ASC"),
    };
    format!("(SELECT w.id FROM statuses w WHERE {start} ORDER BY w.id {direction} LIMIT 1 OFFSET {})", WINDOW - 1)
}

pub(crate) fn statement(columns: &str, page: &Page, membership: &str, beyond: &str, limit: u32, exclusive: bool) -> String {
    let (bounds, _) = bounds(page);
    let direction = if page.ascending() { "ASC" } else { "DESC" };
    let membership = if exclusive { format!("{membership} AND {NOT_IN_EXCLUSIVE_LIST}") } else { membership.to_string() };
    // Membership first: a row outside the timeline is turned away after one index
    // probe, before the visibility rule's several.
    format!(
        "SELECT s.id AS page_id, {columns} FROM statuses s WHERE {membership} AND {KNOWN_REPLY} AND {NOT_MUTED} AND {} \
         AND {bounds} AND {beyond} ORDER BY s.id {direction} LIMIT {limit}",
        visible_sql("s", 1)
    )
}

/// Statement 1: the page's rows among the [`WINDOW`] statuses nearest its bound, in
/// paging order (newest first, or oldest first for a `min_id` page). `columns` are
/// read from alias `s`; the page id comes first as `page_id`.
pub fn window_sql(columns: &str, page: &Page) -> String {
    window_sql_with(columns, page, false)
}

/// [`window_sql`], leaving out the members of the viewer's exclusive lists when
/// `exclusive`.
pub fn window_sql_with(columns: &str, page: &Page, exclusive: bool) -> String {
    let edge = window_edge(page);
    // No edge: fewer statuses than the window remain, so the window runs to the end of
    // the table (ids are positive).
    let within =
        if page.ascending() { format!("s.id <= COALESCE({edge}, 9223372036854775807)") } else { format!("s.id >= COALESCE({edge}, -1)") };
    statement(columns, page, MEMBER, &within, page.limit(), exclusive)
}

/// Statement 2: the next `limit` rows beyond the window, in the same order, among the
/// `2 × limit` ids of [`AUTHORS`]' statuses nearest to it. When it returns `limit` rows
/// they are [`rest_sql`]'s: every status it did not look at lies farther than all of
/// them. When it returns fewer, [`rest_sql`] answers.
pub fn nearest_rest_sql(columns: &str, page: &Page, limit: u32) -> String {
    nearest_rest_sql_with(columns, page, limit, false)
}

/// [`nearest_rest_sql`], leaving out the members of the viewer's exclusive lists when
/// `exclusive` (rows turned away make it come short, and [`rest_sql_with`] answers).
pub fn nearest_rest_sql_with(columns: &str, page: &Page, limit: u32, exclusive: bool) -> String {
    let (near, _, _) = page.sql("c.id", 3);
    let (beyond, direction) = if page.ascending() { (">", "ASC") } else { ("<", "DESC") };
    let nearest = format!(
        "s.id IN (SELECT c.id FROM statuses c WHERE c.account_id IN ({AUTHORS}) AND {near} AND c.id {beyond} {} \
         ORDER BY c.id {direction} LIMIT {}) AND {REBLOG_SHOWN}",
        window_edge(page),
        2 * limit
    );
    statement(columns, page, &nearest, "1 = 1", limit, exclusive)
}

/// Statement 3: the next `limit` rows beyond the window, in the same order; none when
/// the window reached the end of the table.
pub fn rest_sql(columns: &str, page: &Page, limit: u32) -> String {
    rest_sql_with(columns, page, limit, false)
}

/// [`rest_sql`], leaving out the members of the viewer's exclusive lists when
/// `exclusive`.
pub fn rest_sql_with(columns: &str, page: &Page, limit: u32, exclusive: bool) -> String {
    let edge = window_edge(page);
    let beyond = if page.ascending() { format!("s.id > {edge}") } else { format!("s.id < {edge}") };
    statement(columns, page, &format!("s.account_id IN ({AUTHORS}) AND {REBLOG_SHOWN}"), &beyond, limit, exclusive)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(sql: &str) -> Vec<usize> {
        let mut found: Vec<usize> = sql
            .split('$')
            .skip(1)
            .filter_map(|rest| rest.chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok())
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    #[test]
    fn every_bound_value_is_used_and_nothing_else() {
        // PostgreSQL refuses a parameter no part of the statement uses, and an unbound
        // one is an error on both engines.
        for query in ["", "max_id=90", "since_id=10", "min_id=10", "max_id=90&since_id=10", "max_id=90&min_id=10"] {
            let page = Page::from_query(query);
            let expected: Vec<usize> = (1..=2 + bounds(&page).1.len()).collect();
            assert_eq!(placeholders(&window_sql("s.id", &page)), expected, "window, {query:?}");
            assert_eq!(placeholders(&nearest_rest_sql("s.id", &page, 5)), expected, "nearest rest, {query:?}");
            assert_eq!(placeholders(&rest_sql("s.id", &page, 5)), expected, "rest, {query:?}");
            assert_eq!(placeholders(&window_sql_with("s.id", &page, true)), expected, "window, exclusive, {query:?}");
            assert_eq!(placeholders(&nearest_rest_sql_with("s.id", &page, 5, true)), expected, "nearest rest, exclusive, {query:?}");
            assert_eq!(placeholders(&rest_sql_with("s.id", &page, 5, true)), expected, "rest, exclusive, {query:?}");
        }
    }

    #[test]
    fn only_a_viewer_with_an_exclusive_list_pays_for_it() {
        let page = Page::default();
        assert!(!window_sql("s.id", &page).contains("list_accounts"));
        assert_eq!(window_sql("s.id", &page), window_sql_with("s.id", &page, false));
        assert!(window_sql_with("s.id", &page, true).contains(NOT_IN_EXCLUSIVE_LIST));
        assert!(rest_sql_with("s.id", &page, 3, true).contains(NOT_IN_EXCLUSIVE_LIST));
    }

    #[test]
    fn the_window_starts_at_the_bound_the_walk_starts_from() {
        let below = window_sql("s.id", &Page::from_query("max_id=90&since_id=10"));
        assert!(below.contains("WHERE w.id < $3 ORDER BY w.id DESC"), "{below}");
        assert!(below.contains("s.id >= COALESCE(") && below.contains("ORDER BY s.id DESC LIMIT 20"), "{below}");
        let above = rest_sql("s.id", &Page::from_query("max_id=90&min_id=10&limit=7"), 3);
        assert!(above.contains("WHERE w.id > $4 ORDER BY w.id ASC"), "{above}");
        assert!(above.contains("s.id > (SELECT") && above.contains("ORDER BY s.id ASC LIMIT 3"), "{above}");
    }
}
