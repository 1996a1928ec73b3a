//! Mastodon's paging over time-ordered ids.
//!
//! - `max_id`: older than it, newest first;
//! - `since_id`: newer than it, but still the *newest* page (a gap may remain);
//! - `min_id`: newer than it, the page *right after* it (oldest first in SQL, then
//!   returned newest first), which is how clients walk forward without gaps;
//! - `limit`: default 20, at most 40, at least 1.

/// One page request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Page {
    pub max_id: Option<i64>,
    pub since_id: Option<i64>,
    pub min_id: Option<i64>,
    pub limit: Option<u32>,
}

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 40;

impl Page {
    /// Reads `max_id`, `since_id`, `min_id` and `limit` from a query string; ids
    /// arrive as strings, and anything unparseable is ignored like Mastodon does.
    pub fn from_query(query: &str) -> Page {
        let mut page = Page::default();
        for pair in query.split('&') {
            let Some((key, value)) = pair.split_once('=') else { continue };
            match key {
                "max_id" => page.max_id = value.parse().ok(),
                "since_id" => page.since_id = value.parse().ok(),
                "min_id" => page.min_id = value.parse().ok(),
                "limit" => page.limit = value.parse().ok(),
                _ => {}
            }
        }
        page
    }

    /// The limit to use: default 20, clamped to 1..=40.
    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }

    /// Whether the SQL runs oldest-first (a `min_id` page) and the rows must be reversed.
    pub fn ascending(&self) -> bool {
        self.min_id.is_some()
    }

    /// SQL for paging on `column`, with parameters numbered from `first_param`:
    /// `(condition, order and limit, parameters)`. The condition is `TRUE`-like when
    /// no bound is given.
    pub fn sql(&self, column: &str, first_param: usize) -> (String, String, Vec<i64>) {
        let mut conditions = Vec::new();
        let mut params = Vec::new();
        let mut next = first_param;
        let mut bound = |op: &str, value: i64, conditions: &mut Vec<String>| {
            conditions.push(format!("{column} {op} ${next}"));
            params.push(value);
            next += 1;
        };
        if let Some(max) = self.max_id {
            bound("<", max, &mut conditions);
        }
        // min_id wins over since_id when both are given, as in Mastodon.
        if let Some(min) = self.min_id.or(self.since_id) {
            bound(">", min, &mut conditions);
        }
        let condition = if conditions.is_empty() { "1 = 1".to_string() } else { conditions.join(" AND ") };
        let direction = if self.ascending() { "ASC" } else { "DESC" };
        (condition, format!("ORDER BY {column} {direction} LIMIT {}", self.limit()), params)
    }

    /// Puts rows fetched with [`Page::sql`] newest first.
    pub fn finish<T>(&self, mut rows: Vec<T>) -> Vec<T> {
        if self.ascending() {
            rows.reverse();
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_clamped() {
        assert_eq!(Page::default().limit(), 20);
        assert_eq!(Page::from_query("limit=0").limit(), 1);
        assert_eq!(Page::from_query("limit=500").limit(), 40);
        assert_eq!(Page::from_query("limit=abc").limit(), 20);
    }

    #[test]
    fn bounds_become_sql() {
        let (condition, order, params) = Page::from_query("max_id=100&since_id=5&limit=3").sql("s.id", 2);
        assert_eq!(condition, "s.id < $2 AND s.id > $3");
        assert_eq!(order, "ORDER BY s.id DESC LIMIT 3");
        assert_eq!(params, vec![100, 5]);
        let page = Page::from_query("min_id=5&since_id=9");
        let (condition, order, params) = page.sql("id", 1);
        assert_eq!((condition.as_str(), order.as_str(), params), ("id > $1", "ORDER BY id ASC LIMIT 20", vec![5]));
        assert_eq!(page.finish(vec![6, 7, 8]), vec![8, 7, 6]);
    }
}
