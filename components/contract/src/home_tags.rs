//! The home timeline of a viewer who follows hashtags (Mastodon's followed tags):
//! besides [`home`](crate::home)'s members, public statuses (not reblogs) carrying a
//! hashtag the viewer follows, local or remote, read at query time and never copied.
//!
//! The window statement tests both memberships on each row. Beyond the window the
//! two memberships are read apart, each exactly as [`home`](crate::home) reads its
//! own (nearest `2 × limit` candidates, or all beyond the window when that comes
//! short): the authors' through the `statuses (account_id, id)` index, the tags'
//! through `tag_follows` and the `status_tags (tag_id, status_id)` index. Each answer
//! is the exact first rows of its membership beyond the window, so the caller merges
//! the two in paging order, dropping a status both hold, and keeps a page of them.
//!
//! Parameters are [`home`](crate::home)'s: the viewer `$1`, now `$2`, the bounds from
//! `$3`.

use crate::home::{MEMBER, statement, window_edge};
use crate::paging::Page;

/// Status `s` is public, not a reblog, and carries a hashtag the viewer (`$1`)
/// follows. Only public ones: a followed tag never opens a private or direct status,
/// and the visibility rule still applies on top.
pub const FOLLOWED_TAG: &str = "(s.visibility = 'public' AND s.reblog_of_id IS NULL AND EXISTS (SELECT 1 FROM status_tags ft \
     JOIN tag_follows tf ON tf.tag_id = ft.tag_id WHERE ft.status_id = s.id AND tf.account_id = $1))";

/// The ids of statuses carrying a hashtag the viewer follows, as `ct.status_id`.
const TAGGED_IDS: &str = "SELECT ct.status_id FROM status_tags ct JOIN tag_follows tf ON tf.tag_id = ct.tag_id WHERE tf.account_id = $1";

/// Statement 1 with followed tags: the page's rows among the window's statuses that
/// are home members or carry a followed tag.
pub fn window_sql(columns: &str, page: &Page, exclusive: bool) -> String {
    let edge = window_edge(page);
    let within =
        if page.ascending() { format!("s.id <= COALESCE({edge}, 9223372036854775807)") } else { format!("s.id >= COALESCE({edge}, -1)") };
    statement(columns, page, &format!("({MEMBER} OR {FOLLOWED_TAG})"), &within, page.limit(), exclusive)
}

/// Statement 2 for the tags: the next `limit` rows beyond the window carrying a
/// followed tag, among the `2 × limit` tagged ids nearest to it. Exact when it returns
/// `limit` rows; otherwise [`rest_sql`] answers.
pub fn nearest_rest_sql(columns: &str, page: &Page, limit: u32, exclusive: bool) -> String {
    let (near, _, _) = page.sql("ct.status_id", 3);
    let (beyond, direction) = if page.ascending() { (">", "ASC") } else { ("<", "DESC") };
    let nearest = format!(
        "s.id IN ({TAGGED_IDS} AND {near} AND ct.status_id {beyond} {} ORDER BY ct.status_id {direction} LIMIT {}) AND {FOLLOWED_TAG}",
        window_edge(page),
        2 * limit
    );
    statement(columns, page, &nearest, "1 = 1", limit, exclusive)
}

/// Statement 3 for the tags: the next `limit` rows beyond the window carrying a
/// followed tag; none when the window reached the end of the table.
pub fn rest_sql(columns: &str, page: &Page, limit: u32, exclusive: bool) -> String {
    let edge = window_edge(page);
    let beyond = if page.ascending() { format!("s.id > {edge}") } else { format!("s.id < {edge}") };
    statement(columns, page, &format!("s.id IN ({TAGGED_IDS}) AND {FOLLOWED_TAG}"), &beyond, limit, exclusive)
}

/// Merges two answers in paging order (`ascending` for a `min_id` page), each
/// already in that order, keeping a status both hold once, up to `limit` rows.
pub fn merge<T>(a: Vec<(i64, T)>, b: Vec<(i64, T)>, ascending: bool, limit: usize) -> Vec<(i64, T)> {
    let mut merged: Vec<(i64, T)> = Vec::with_capacity(limit);
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    while merged.len() < limit {
        let take_a = match (a.peek(), b.peek()) {
            (Some((x, _)), Some((y, _))) => {
                if x == y {
                    b.next();
                    true
                } else {
                    (x > y) != ascending
                }
            }
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if take_a { a.next() } else { b.next() };
        merged.extend(next);
    }
    merged
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
        for query in ["", "max_id=90", "since_id=10", "min_id=10", "max_id=90&since_id=10", "max_id=90&min_id=10"] {
            let page = Page::from_query(query);
            let expected: Vec<usize> = (1..=2 + crate::home::bounds(&page).1.len()).collect();
            for exclusive in [false, true] {
                assert_eq!(placeholders(&window_sql("s.id", &page, exclusive)), expected, "window, {query:?}");
                assert_eq!(placeholders(&nearest_rest_sql("s.id", &page, 5, exclusive)), expected, "nearest, {query:?}");
                assert_eq!(placeholders(&rest_sql("s.id", &page, 5, exclusive)), expected, "rest, {query:?}");
            }
        }
    }

    #[test]
    fn only_public_statuses_join_through_a_tag() {
        assert!(FOLLOWED_TAG.contains("s.visibility = 'public'"));
        assert!(window_sql("s.id", &Page::default(), false).contains(FOLLOWED_TAG));
        assert!(nearest_rest_sql("s.id", &Page::default(), 3, false).contains(FOLLOWED_TAG));
        assert!(rest_sql("s.id", &Page::default(), 3, false).contains(FOLLOWED_TAG));
    }

    #[test]
    fn merging_keeps_paging_order_and_one_of_each() {
        let newest_first = merge(vec![(9, 'a'), (5, 'a'), (2, 'a')], vec![(8, 'b'), (5, 'b'), (1, 'b')], false, 4);
        assert_eq!(newest_first.iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![9, 8, 5, 2]);
        let oldest_first = merge(vec![(2, 'a'), (5, 'a')], vec![(1, 'b'), (5, 'b'), (8, 'b')], true, 10);
        assert_eq!(oldest_first.iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![1, 2, 5, 8]);
    }
}
