//! A status's poll: read from `poll[options][]`, `poll[expires_in]`, `poll[multiple]`,
//! `poll[hide_totals]` (form or JSON), checked against the advertised limits, written
//! as a `polls` row. Whether totals are hidden lives in the component's key-value
//! store under [`hide_totals_key`] (the `polls` table has no column for it),
//! written by [`remember`] after the commit.

use aerie_sdk::db::{Error, Transaction, Value};
use aerie_sdk::http::Response;
use aerie_sdk::params::Params;
use aerie_sdk::{kv, settings};

use crate::ctx::invalid;

pub const MAX_OPTIONS: usize = 4;
pub const MAX_OPTION_CHARACTERS: usize = 50;
pub const MIN_EXPIRATION_SECS: i64 = 300;
pub const MAX_EXPIRATION_SECS: i64 = 2_629_746;

/// A poll to write, already validated.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPoll {
    pub options: Vec<String>,
    pub expires_in_secs: i64,
    pub multiple: bool,
    pub hide_totals: bool,
}

/// The kv key that marks poll `id` as hiding its totals until it ends.
pub fn hide_totals_key(id: i64) -> String {
    format!("poll-hide-totals:{id}")
}

/// The poll in the request, if any, or the Mastodon validation error.
pub fn from_params(params: &Params) -> Result<Option<NewPoll>, Response> {
    let options: Vec<String> = params.all("poll[options]").iter().map(|o| o.trim().to_string()).collect();
    if options.is_empty() {
        return Ok(None);
    }
    if options.len() < 2 {
        return Err(invalid("Poll must have at least 2 options"));
    }
    if options.len() > MAX_OPTIONS {
        return Err(invalid(&format!("Poll can't contain more than {MAX_OPTIONS} options")));
    }
    if options.iter().any(|o| o.is_empty()) {
        return Err(invalid("Poll options can't be blank"));
    }
    if options.iter().any(|o| o.chars().count() > MAX_OPTION_CHARACTERS) {
        return Err(invalid(&format!("Poll options can't be longer than {MAX_OPTION_CHARACTERS} characters")));
    }
    let lowered: Vec<String> = options.iter().map(|o| o.to_lowercase()).collect();
    if lowered.iter().enumerate().any(|(i, o)| lowered[..i].contains(o)) {
        return Err(invalid("Poll options must be unique"));
    }
    let expires_in_secs = params.i64("poll[expires_in]").ok_or_else(|| invalid("Poll expires in can't be blank"))?;
    if expires_in_secs < MIN_EXPIRATION_SECS {
        return Err(invalid("Poll duration too short"));
    }
    if expires_in_secs > MAX_EXPIRATION_SECS {
        return Err(invalid("Poll duration too long"));
    }
    Ok(Some(NewPoll {
        options,
        expires_in_secs,
        multiple: params.bool("poll[multiple]").unwrap_or(false),
        hide_totals: params.bool("poll[hide_totals]").unwrap_or(false),
    }))
}

/// Writes `poll` for status `status_id` by `account_id` and returns its id.
pub fn insert(tx: &Transaction, status_id: i64, account_id: i64, poll: &NewPoll, now: i64) -> Result<i64, Error> {
    let id = settings::next_id();
    let options: Vec<serde_json::Value> =
        poll.options.iter().map(|title| serde_json::json!({ "title": title, "votes_count": 0 })).collect();
    tx.execute(
        "INSERT INTO polls (id, status_id, account_id, options, multiple, votes_count, voters_count, expires_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 0, 0, $6, $7, $7)",
        &[
            Value::Int64(id),
            Value::Int64(status_id),
            Value::Int64(account_id),
            Value::Text(serde_json::Value::Array(options).to_string()),
            Value::Int64(poll.multiple as i64),
            Value::Int64(now + poll.expires_in_secs * 1000),
            Value::Int64(now),
        ],
    )?;
    tx.execute("UPDATE statuses SET poll_id = $2 WHERE id = $1", &[Value::Int64(status_id), Value::Int64(id)])?;
    Ok(id)
}

/// What a new poll keeps outside its rows (whether it hides its totals, in the
/// key-value store; its `poll-end` job), written once the transaction that inserted
/// it committed: these writes queue behind an open write transaction.
pub fn remember(id: i64, poll: &NewPoll, now: i64) {
    if poll.hide_totals {
        let _ = kv::set(&hide_totals_key(id), b"1", None);
    }
    aerie_core::poll_end::schedule(id, Some(now + poll.expires_in_secs * 1000));
}

/// Removes poll `id` of status `status_id` with its votes.
pub fn remove(tx: &Transaction, status_id: i64, id: i64) -> Result<(), Error> {
    tx.execute("DELETE FROM poll_votes WHERE poll_id = $1", &[Value::Int64(id)])?;
    tx.execute("DELETE FROM polls WHERE id = $1", &[Value::Int64(id)])?;
    tx.execute("UPDATE statuses SET poll_id = NULL WHERE id = $1", &[Value::Int64(status_id)])?;
    Ok(())
}

/// Drops what removed poll `id` kept in the key-value store, after the commit.
pub fn forget(id: i64) {
    let _ = kv::delete(&hide_totals_key(id));
}
