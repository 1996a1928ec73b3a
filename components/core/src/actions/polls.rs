//! Polls: a local status's new poll (what it keeps outside its rows), and voting.

use aerie_sdk::db::{self, Error};
use aerie_sdk::{kv, settings};

use crate::poll_end;
use crate::store::polls::{self, NewPollRow};

/// A local poll to write, already validated.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPoll {
    pub options: Vec<String>,
    pub expires_in_secs: i64,
    pub multiple: bool,
    pub hide_totals: bool,
}

impl NewPoll {
    /// `polls.options` JSON: the titles, no votes yet.
    pub fn options_json(&self) -> String {
        let options: Vec<serde_json::Value> =
            self.options.iter().map(|title| serde_json::json!({ "title": title, "votes_count": 0 })).collect();
        serde_json::Value::Array(options).to_string()
    }

    /// When it ends, if posted at `now`.
    pub fn expires_at(&self, now: i64) -> i64 {
        now + self.expires_in_secs * 1000
    }

    /// Its row, for status `status_id` by `account_id` posted at `now`.
    pub(crate) fn insert(&self, db: &impl db::Handle, status_id: i64, account_id: i64, now: i64) -> Result<i64, Error> {
        let options = self.options_json();
        let row = NewPollRow {
            id: settings::next_id(),
            status_id,
            account_id,
            options: &options,
            multiple: self.multiple,
            votes_count: 0,
            voters_count: 0,
            expires_at: Some(self.expires_at(now)),
        };
        polls::insert(db, &row, now)
    }
}

/// The kv key that marks poll `id` as hiding its totals until it ends.
pub fn hide_totals_key(id: i64) -> String {
    format!("poll-hide-totals:{id}")
}

/// What a new poll keeps outside its rows (whether it hides its totals, in the
/// key-value store; its `poll-end` job), written once the transaction that inserted
/// it committed: these writes queue behind an open write transaction.
pub(crate) fn remember(id: i64, poll: &NewPoll, now: i64) {
    if poll.hide_totals {
        let _ = kv::set(&hide_totals_key(id), b"1", None);
    }
    poll_end::schedule(id, Some(poll.expires_at(now)));
}

/// Drops what removed poll `id` kept in the key-value store, after the commit.
pub(crate) fn forget(id: i64) {
    let _ = kv::delete(&hide_totals_key(id));
}

/// Whether a vote was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voted {
    Counted,
    /// The voter had voted in this poll already: nothing was written.
    AlreadyVoted,
}

/// `voter`'s vote in poll `poll` (ending at `expires_at`): one row per choice, each
/// `(row id, choice, vote URI)`, and the poll's counts, at `now`. Schedules the
/// poll's end notifications (the voter hears of it too).
pub fn vote(voter: i64, poll: i64, expires_at: Option<i64>, choices: &[(i64, i64, Option<String>)], now: i64) -> Result<Voted, Error> {
    let tx = db::begin()?;
    if polls::has_voted(&tx, poll, voter)? {
        return Ok(Voted::AlreadyVoted);
    }
    for (row_id, choice, uri) in choices {
        polls::insert_vote(&tx, *row_id, poll, voter, *choice, uri.clone(), now)?;
    }
    polls::count_voter(&tx, poll, choices.len() as i64, now)?;
    tx.commit()?;
    poll_end::schedule(poll, expires_at);
    Ok(Voted::Counted)
}
