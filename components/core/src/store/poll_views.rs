//! Polls as clients see them, several at once: the `polls` rows with their status's
//! locality, and the tallies and a viewer's own votes from `poll_votes`.

use std::collections::HashMap;

use aerie_sdk::db::{Error, Handle, Value, ids, placeholders};

/// One `polls` row with what its entity needs.
pub struct ShownPoll {
    pub id: i64,
    pub account_id: i64,
    pub local: bool,
    pub titles: Vec<String>,
    pub sent_counts: Vec<i64>,
    pub multiple: bool,
    pub votes_count: i64,
    pub voters_count: i64,
    pub expires_at: Option<i64>,
}

/// The tallies and the viewer's votes, from `poll_votes`.
#[derive(Default)]
pub struct Votes {
    /// (poll, choice) to votes.
    pub tallies: HashMap<(i64, i64), i64>,
    pub votes: HashMap<i64, i64>,
    pub voters: HashMap<i64, i64>,
    pub own: HashMap<i64, Vec<i64>>,
}

/// The [`Votes`] on `poll_ids` (not empty), with `viewer`'s own, in one statement.
pub fn votes(db: &impl Handle, viewer: Option<i64>, poll_ids: &[i64]) -> Result<Votes, Error> {
    let list = placeholders(2, poll_ids.len());
    let sql = format!(
        "SELECT 't' AS k, poll_id, choice, COUNT(*) AS n FROM poll_votes WHERE poll_id IN ({list}) GROUP BY poll_id, choice \
         UNION ALL SELECT 'v' AS k, poll_id, 0 AS choice, COUNT(DISTINCT account_id) AS n FROM poll_votes WHERE poll_id IN ({list}) GROUP BY poll_id \
         UNION ALL SELECT 'o' AS k, poll_id, choice, 1 AS n FROM poll_votes WHERE account_id = $1 AND poll_id IN ({list})"
    );
    let mut params = vec![viewer.map(Value::Int64).unwrap_or(Value::Null)];
    params.extend(ids(poll_ids));
    let mut out = Votes::default();
    for row in db.query(&sql, &params)?.iter() {
        let (poll, choice, n) = (row.i64("poll_id").unwrap_or_default(), row.i64("choice").unwrap_or_default(), row.i64("n").unwrap_or(0));
        match row.text("k") {
            Some("t") => {
                out.tallies.insert((poll, choice), n);
                *out.votes.entry(poll).or_default() += n;
            }
            Some("v") => {
                out.voters.insert(poll, n);
            }
            _ => out.own.entry(poll).or_default().push(choice),
        }
    }
    Ok(out)
}

/// The polls `poll_ids` (not empty), in one statement.
pub fn rows(db: &impl Handle, poll_ids: &[i64]) -> Result<Vec<ShownPoll>, Error> {
    let sql = format!(
        "SELECT p.id, p.account_id, p.options, p.multiple, p.votes_count, p.voters_count, p.expires_at, s.local \
         FROM polls p JOIN statuses s ON s.id = p.status_id WHERE p.id IN ({})",
        placeholders(1, poll_ids.len())
    );
    Ok(db
        .query(&sql, &ids(poll_ids))?
        .iter()
        .map(|row| {
            let options: Vec<serde_json::Value> = serde_json::from_str(row.text("options").unwrap_or("[]")).unwrap_or_default();
            ShownPoll {
                id: row.i64("id").unwrap_or_default(),
                account_id: row.i64("account_id").unwrap_or_default(),
                local: row.bool("local"),
                titles: options.iter().map(|o| o.get("title").and_then(|t| t.as_str()).unwrap_or("").to_string()).collect(),
                sent_counts: options.iter().map(|o| o.get("votes_count").and_then(|n| n.as_i64()).unwrap_or(0)).collect(),
                multiple: row.bool("multiple"),
                votes_count: row.i64("votes_count").unwrap_or(0),
                voters_count: row.i64("voters_count").unwrap_or(0),
                expires_at: row.i64("expires_at"),
            }
        })
        .collect())
}
