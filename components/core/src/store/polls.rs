//! `polls` and `poll_votes`: a status's poll, its votes and their counts.

use aerie_sdk::db::{Error, Handle, Value, ids, placeholders};

/// What a voter needs of a poll: its options (`polls.options` JSON), whether it
/// allows several choices, and when it ends.
pub struct PollRow {
    pub options: String,
    pub multiple: bool,
    pub expires_at: Option<i64>,
}

/// The status poll `id` belongs to.
pub fn status_of(db: &impl Handle, id: i64) -> Result<Option<i64>, Error> {
    Ok(db.query("SELECT status_id FROM polls WHERE id = $1", &[Value::Int64(id)])?.first().and_then(|r| r.i64("status_id")))
}

/// Poll `id`, as a voter reads it.
pub fn by_id(db: &impl Handle, id: i64) -> Result<Option<PollRow>, Error> {
    let rows = db.query("SELECT options, multiple, expires_at FROM polls WHERE id = $1", &[Value::Int64(id)])?;
    Ok(rows.first().map(|r| PollRow {
        options: r.string("options").unwrap_or_else(|| "[]".into()),
        multiple: r.bool("multiple"),
        expires_at: r.i64("expires_at"),
    }))
}

/// Polls `poll_ids` as voters read them, as `(id, poll)`.
pub fn by_ids(db: &impl Handle, poll_ids: &[i64]) -> Result<Vec<(i64, PollRow)>, Error> {
    if poll_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT id, options, multiple, expires_at FROM polls WHERE id IN ({})", placeholders(1, poll_ids.len()));
    Ok(db
        .query(&sql, &ids(poll_ids))?
        .iter()
        .map(|r| {
            let poll = PollRow {
                options: r.string("options").unwrap_or_else(|| "[]".into()),
                multiple: r.bool("multiple"),
                expires_at: r.i64("expires_at"),
            };
            (r.i64("id").unwrap_or_default(), poll)
        })
        .collect())
}

/// What `poll_votes` count of a poll.
pub enum Tally {
    /// The votes for option `choice` (its index).
    Votes { choice: i64, n: i64 },
    /// The accounts that voted.
    Voters(i64),
}

/// The tallies of polls `poll_ids` from `poll_votes`, as `(poll id, tally)`.
pub fn tallies(db: &impl Handle, poll_ids: &[i64]) -> Result<Vec<(i64, Tally)>, Error> {
    if poll_ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = placeholders(1, poll_ids.len());
    let sql = format!(
        "SELECT 't' AS k, poll_id, choice, COUNT(*) AS n FROM poll_votes WHERE poll_id IN ({list}) GROUP BY poll_id, choice \
         UNION ALL SELECT 'v' AS k, poll_id, 0 AS choice, COUNT(DISTINCT account_id) AS n FROM poll_votes WHERE poll_id IN ({list}) GROUP BY poll_id"
    );
    Ok(db
        .query(&sql, &ids(poll_ids))?
        .iter()
        .map(|r| {
            let n = r.i64("n").unwrap_or(0);
            let tally = match r.text("k") {
                Some("t") => Tally::Votes { choice: r.i64("choice").unwrap_or(-1), n },
                _ => Tally::Voters(n),
            };
            (r.i64("poll_id").unwrap_or_default(), tally)
        })
        .collect())
}

/// The tallies of poll `poll_id` from `poll_votes`.
pub fn tally(db: &impl Handle, poll_id: i64) -> Result<Vec<Tally>, Error> {
    Ok(db
        .query(
            "SELECT 't' AS k, choice, COUNT(*) AS n FROM poll_votes WHERE poll_id = $1 GROUP BY choice \
             UNION ALL SELECT 'v' AS k, 0 AS choice, COUNT(DISTINCT account_id) AS n FROM poll_votes WHERE poll_id = $1",
            &[Value::Int64(poll_id)],
        )?
        .iter()
        .map(|r| {
            let n = r.i64("n").unwrap_or(0);
            match r.text("k") {
                Some("t") => Tally::Votes { choice: r.i64("choice").unwrap_or(-1), n },
                _ => Tally::Voters(n),
            }
        })
        .collect())
}

/// The option titles of `polls.options` JSON, in order.
pub fn titles(options: &str) -> Vec<String> {
    let parsed: Vec<serde_json::Value> = serde_json::from_str(options).unwrap_or_default();
    parsed.iter().filter_map(|o| o.get("title").and_then(|t| t.as_str()).map(str::to_string)).collect()
}

/// The option titles of poll `id` and whether it allows several choices.
pub fn shape(db: &impl Handle, id: i64) -> Result<Option<(Vec<String>, bool)>, Error> {
    let rows = db.query("SELECT options, multiple FROM polls WHERE id = $1", &[Value::Int64(id)])?;
    Ok(rows.first().map(|r| (titles(r.text("options").unwrap_or("[]")), r.bool("multiple"))))
}

/// The `polls.options` JSON of poll `id`.
pub fn options(db: &impl Handle, id: i64) -> Result<Option<String>, Error> {
    Ok(db.query("SELECT options FROM polls WHERE id = $1", &[Value::Int64(id)])?.first().and_then(|r| r.string("options")))
}

/// A poll row to write.
pub struct NewPollRow<'a> {
    /// The id to write (a remote poll already stored keeps its own).
    pub id: i64,
    pub status_id: i64,
    pub account_id: i64,
    /// `polls.options` JSON.
    pub options: &'a str,
    pub multiple: bool,
    pub votes_count: i64,
    pub voters_count: i64,
    pub expires_at: Option<i64>,
}

/// Writes a local status's new poll (no votes yet) and links it to its status;
/// returns its id.
pub fn insert(db: &impl Handle, poll: &NewPollRow, now: i64) -> Result<i64, Error> {
    let id = poll.id;
    db.execute(
        "INSERT INTO polls (id, status_id, account_id, options, multiple, votes_count, voters_count, expires_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 0, 0, $6, $7, $7)",
        &[
            Value::Int64(id),
            Value::Int64(poll.status_id),
            Value::Int64(poll.account_id),
            Value::Text(poll.options.to_string()),
            Value::Int64(poll.multiple as i64),
            poll.expires_at.map(Value::Int64).unwrap_or(Value::Null),
            Value::Int64(now),
        ],
    )?;
    super::statuses::set_poll(db, poll.status_id, Some(id))?;
    Ok(id)
}

/// Writes a remote status's poll with its counts (once per status: an existing one
/// is kept) and links it to its status; returns its id.
pub fn insert_remote(db: &impl Handle, poll: &NewPollRow, now: i64) -> Result<i64, Error> {
    let id = poll.id;
    db.execute(
        "INSERT INTO polls (id, status_id, account_id, options, multiple, votes_count, voters_count, expires_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (status_id) DO NOTHING",
        &[
            Value::Int64(id),
            Value::Int64(poll.status_id),
            Value::Int64(poll.account_id),
            Value::Text(poll.options.to_string()),
            Value::Int64(poll.multiple as i64),
            Value::Int64(poll.votes_count),
            Value::Int64(poll.voters_count),
            poll.expires_at.map(Value::Int64).unwrap_or(Value::Null),
            Value::Int64(now),
        ],
    )?;
    let id = db
        .query("SELECT id FROM polls WHERE status_id = $1", &[Value::Int64(poll.status_id)])?
        .first()
        .and_then(|r| r.i64("id"))
        .unwrap_or(id);
    super::statuses::set_poll(db, poll.status_id, Some(id))?;
    Ok(id)
}

/// Writes the counts a remote poll's server reports.
pub fn update_counts(db: &impl Handle, id: i64, poll: &NewPollRow, now: i64) -> Result<(), Error> {
    db.execute(
        "UPDATE polls SET options = $2, votes_count = $3, voters_count = $4, expires_at = $5, updated_at = $6 WHERE id = $1",
        &[
            Value::Int64(id),
            Value::Text(poll.options.to_string()),
            Value::Int64(poll.votes_count),
            Value::Int64(poll.voters_count),
            poll.expires_at.map(Value::Int64).unwrap_or(Value::Null),
            Value::Int64(now),
        ],
    )?;
    Ok(())
}

/// Removes poll `id` of status `status_id` with its votes.
pub fn remove(db: &impl Handle, status_id: i64, id: i64) -> Result<(), Error> {
    db.execute("DELETE FROM poll_votes WHERE poll_id = $1", &[Value::Int64(id)])?;
    db.execute("DELETE FROM polls WHERE id = $1", &[Value::Int64(id)])?;
    super::statuses::set_poll(db, status_id, None)
}

/// Whether `account` voted in poll `id`.
pub fn has_voted(db: &impl Handle, id: i64, account: i64) -> Result<bool, Error> {
    Ok(!db
        .query("SELECT 1 AS x FROM poll_votes WHERE poll_id = $1 AND account_id = $2", &[Value::Int64(id), Value::Int64(account)])?
        .is_empty())
}

/// One vote row: `account` chose option `choice` of poll `poll`.
pub fn insert_vote(
    db: &impl Handle,
    row_id: i64,
    poll: i64,
    account: i64,
    choice: i64,
    uri: Option<String>,
    now: i64,
) -> Result<(), Error> {
    db.execute(
        "INSERT INTO poll_votes (id, poll_id, account_id, choice, uri, created_at) VALUES ($1, $2, $3, $4, $6, $5)",
        &[
            Value::Int64(row_id),
            Value::Int64(poll),
            Value::Int64(account),
            Value::Int64(choice),
            Value::Int64(now),
            uri.map(Value::Text).unwrap_or(Value::Null),
        ],
    )?;
    Ok(())
}

/// One more voter in poll `id`, with `votes` more votes.
pub fn count_voter(db: &impl Handle, id: i64, votes: i64, now: i64) -> Result<(), Error> {
    db.execute(
        "UPDATE polls SET votes_count = votes_count + $2, voters_count = voters_count + 1, updated_at = $3 WHERE id = $1",
        &[Value::Int64(id), Value::Int64(votes), Value::Int64(now)],
    )?;
    Ok(())
}

/// A poll still on its status (not deleted with it, not replaced by an edit).
pub struct LivePoll {
    pub account_id: i64,
    pub status_id: i64,
    pub expires_at: Option<i64>,
}

/// Poll `id`, when its status is live and still has it.
pub fn live(db: &impl Handle, id: i64) -> Result<Option<LivePoll>, Error> {
    let rows = db.query(
        "SELECT p.account_id, p.status_id, p.expires_at FROM polls p \
           JOIN statuses s ON s.id = p.status_id AND s.deleted_at IS NULL AND s.poll_id = p.id \
         WHERE p.id = $1",
        &[Value::Int64(id)],
    )?;
    Ok(rows.first().and_then(|row| {
        Some(LivePoll { account_id: row.i64("account_id")?, status_id: row.i64("status_id")?, expires_at: row.i64("expires_at") })
    }))
}

/// The accounts that voted in poll `id`.
pub fn voters(db: &impl Handle, id: i64) -> Result<Vec<i64>, Error> {
    Ok(db
        .query("SELECT DISTINCT account_id FROM poll_votes WHERE poll_id = $1", &[Value::Int64(id)])?
        .iter()
        .filter_map(|r| r.i64("account_id"))
        .collect())
}
