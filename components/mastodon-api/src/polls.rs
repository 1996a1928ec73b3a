//! Polls as the client Poll entity, several at once: the rows, their tallies and the
//! viewer's own votes in two queries. Local polls are counted from `poll_votes`;
//! remote ones from the counts their server sent (kept in `polls.options`).
//! Totals of a poll that hides them show only once it has ended, as in Mastodon;
//! its author counts as having voted. The `poll` notifications of an ended poll come
//! from its `poll-end` job (`aerie_core::poll_end`).

use std::collections::HashMap;

use aerie_core::entities::{Poll, PollOption};
use aerie_core::time::iso8601;
use aerie_sdk::db::{self, Value, ids, placeholders};
use aerie_sdk::http::Response;
use aerie_sdk::{kv, settings};

use crate::compose::poll::hide_totals_key;

/// One `polls` row with what its entity needs.
struct PollRow {
    id: i64,
    account_id: i64,
    local: bool,
    titles: Vec<String>,
    sent_counts: Vec<i64>,
    multiple: bool,
    votes_count: i64,
    voters_count: i64,
    expires_at: Option<i64>,
}

/// The tallies and the viewer's votes, from `poll_votes`.
#[derive(Default)]
struct Votes {
    /// (poll, choice) to votes.
    tallies: HashMap<(i64, i64), i64>,
    votes: HashMap<i64, i64>,
    voters: HashMap<i64, i64>,
    own: HashMap<i64, Vec<i64>>,
}

fn votes(viewer: Option<i64>, poll_ids: &[i64]) -> Result<Votes, Response> {
    let list = placeholders(2, poll_ids.len());
    let sql = format!(
        "SELECT 't' AS k, poll_id, choice, COUNT(*) AS n FROM poll_votes WHERE poll_id IN ({list}) GROUP BY poll_id, choice \
         UNION ALL SELECT 'v' AS k, poll_id, 0 AS choice, COUNT(DISTINCT account_id) AS n FROM poll_votes WHERE poll_id IN ({list}) GROUP BY poll_id \
         UNION ALL SELECT 'o' AS k, poll_id, choice, 1 AS n FROM poll_votes WHERE account_id = $1 AND poll_id IN ({list})"
    );
    let mut params = vec![viewer.map(Value::Int64).unwrap_or(Value::Null)];
    params.extend(ids(poll_ids));
    let mut out = Votes::default();
    for row in db::query(&sql, &params)?.iter() {
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

fn poll_rows(poll_ids: &[i64]) -> Result<Vec<PollRow>, Response> {
    let sql = format!(
        "SELECT p.id, p.account_id, p.options, p.multiple, p.votes_count, p.voters_count, p.expires_at, s.local \
         FROM polls p JOIN statuses s ON s.id = p.status_id WHERE p.id IN ({})",
        placeholders(1, poll_ids.len())
    );
    Ok(db::query(&sql, &ids(poll_ids))?
        .iter()
        .map(|row| {
            let options: Vec<serde_json::Value> = serde_json::from_str(row.text("options").unwrap_or("[]")).unwrap_or_default();
            PollRow {
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

/// Poll entities by id, as `viewer` sees them. The caller has checked that the
/// viewer may see the statuses they belong to.
pub fn entities(viewer: Option<i64>, poll_ids: &[i64]) -> Result<HashMap<i64, Poll>, Response> {
    if poll_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = poll_rows(poll_ids)?;
    let votes = votes(viewer, poll_ids)?;
    let now = settings::now_millis();
    let mut out = HashMap::new();
    for poll in rows {
        let expired = poll.expires_at.is_some_and(|at| at <= now);
        let hidden = !expired && kv::get(&hide_totals_key(poll.id)).ok().flatten().is_some();
        let count = |choice: usize| match poll.local {
            true => votes.tallies.get(&(poll.id, choice as i64)).copied().unwrap_or(0),
            false => poll.sent_counts.get(choice).copied().unwrap_or(0),
        };
        let options = poll
            .titles
            .iter()
            .enumerate()
            .map(|(i, title)| PollOption { title: title.clone(), votes_count: (!hidden).then(|| count(i)) })
            .collect();
        let own = votes.own.get(&poll.id).cloned().unwrap_or_default();
        let entity = Poll {
            id: poll.id.to_string(),
            expires_at: poll.expires_at.map(iso8601),
            expired,
            multiple: poll.multiple,
            votes_count: if poll.local { votes.votes.get(&poll.id).copied().unwrap_or(0) } else { poll.votes_count },
            voters_count: Some(if poll.local { votes.voters.get(&poll.id).copied().unwrap_or(0) } else { poll.voters_count }),
            options,
            emojis: Vec::new(),
            voted: viewer.map(|v| v == poll.account_id || !own.is_empty()),
            own_votes: viewer.map(|_| own),
        };
        out.insert(poll.id, entity);
    }
    Ok(out)
}
