//! Polls as the client Poll entity, several at once: the rows, their tallies and the
//! viewer's own votes in two queries. Local polls are counted from `poll_votes`;
//! remote ones from the counts their server sent (kept in `polls.options`).
//! Totals of a poll that hides them show only once it has ended, as in Mastodon;
//! its author counts as having voted. The `poll` notifications of an ended poll come
//! from its `poll-end` job (`aerie_core::poll_end`).

use std::collections::HashMap;

use aerie_core::entities::{Poll, PollOption};
use aerie_core::store::poll_views;
use aerie_core::time::iso8601;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;
use aerie_sdk::{kv, settings};

use crate::compose::poll::hide_totals_key;

/// Poll entities by id, as `viewer` sees them. The caller has checked that the
/// viewer may see the statuses they belong to.
pub fn entities(viewer: Option<i64>, poll_ids: &[i64]) -> Result<HashMap<i64, Poll>, Response> {
    if poll_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = poll_views::rows(&Autocommit, poll_ids)?;
    let votes = poll_views::votes(&Autocommit, viewer, poll_ids)?;
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
