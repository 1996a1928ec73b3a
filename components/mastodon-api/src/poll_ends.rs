//! `poll` notifications: when a poll ends, its (local) author and every local voter
//! is told once. This component runs no jobs, so the work is done lazily by whoever
//! reads first: [`settle`] runs for the reading account on the notification lists
//! and whenever a poll it voted in or wrote is shown ended.
//!
//! What a reader has to check is kept in the component's key-value store, so no
//! poll table is scanned:
//! - `poll-watch:<account>`: the polls the account wrote or voted in, with when they
//!   end (JSON `[[poll, expires_at], ...]`), added by [`watch`] and pruned a while
//!   after they end;
//! - `poll-checked:<account>`: when the account last settled polls (ms), so each
//!   ended poll is looked at once per reader;
//! - `poll-ended:<poll>`: the claim on a poll's notifications, taken with the
//!   store's atomic `increment`: only the caller that sees `1` writes them, whatever
//!   the database engine and however many readers race. If writing fails, the claim
//!   is dropped so the next reader retries.
//!
//! A poll that ended more than [`LATE_MS`] ago is not notified any more.

use std::collections::HashMap;

use aerie_guest::db::{self, Value, ids, placeholders};
use aerie_guest::{kv, log, settings};

use crate::notify;

/// How long after its end a poll is still notified (and watched).
const LATE_MS: i64 = 30 * 24 * 3_600_000;
/// How long a claim is kept: past [`LATE_MS`], so no late reader claims again.
const CLAIM_TTL_MS: u64 = 2 * LATE_MS as u64;

fn watch_key(account: i64) -> String {
    format!("poll-watch:{account}")
}

fn checked_key(account: i64) -> String {
    format!("poll-checked:{account}")
}

fn claim_key(poll: i64) -> String {
    format!("poll-ended:{poll}")
}

fn read_watch(account: i64) -> Vec<(i64, i64)> {
    kv::get(&watch_key(account)).ok().flatten().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_default()
}

/// Remembers that `account` wrote or voted in `poll`, ending at `expires_at`
/// (best effort: a failure is logged, and the poll is still settled when shown).
pub fn watch(account: i64, poll: i64, expires_at: Option<i64>) {
    let Some(expires_at) = expires_at else { return };
    let floor = settings::now_millis() - LATE_MS;
    let mut entries = read_watch(account);
    entries.retain(|&(id, at)| at > floor && id != poll);
    entries.push((poll, expires_at));
    let value = serde_json::to_vec(&entries).unwrap_or_default();
    if let Err(error) = kv::set(&watch_key(account), &value, None) {
        log::warn(&format!("remembering poll {poll} for account {account}: {error:?}"));
    }
}

/// Writes the `poll` notifications of the ended polls among `candidates` (poll id
/// and end) that concern `reader` and that it has not settled yet: the ones it
/// watches and `shown` (ended polls it wrote or voted in that it is being shown).
/// Never fails the request: problems are logged.
pub fn settle(reader: i64, shown: &[(i64, i64)]) {
    if let Err(error) = try_settle(reader, shown) {
        log::warn(&format!("settling ended polls for account {reader}: {error}"));
    }
}

fn try_settle(reader: i64, shown: &[(i64, i64)]) -> Result<(), String> {
    let now = settings::now_millis();
    let floor = now - LATE_MS;
    let mut due: Vec<(i64, i64)> = read_watch(reader).into_iter().chain(shown.iter().copied()).collect();
    due.retain(|&(_, at)| at > floor && at <= now);
    if due.is_empty() {
        return Ok(());
    }
    let checked = kv::get(&checked_key(reader))
        .map_err(|e| format!("{e:?}"))?
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0);
    let mut polls: Vec<i64> = due.into_iter().filter(|&(_, at)| at > checked).map(|(id, _)| id).collect();
    polls.sort_unstable();
    polls.dedup();
    if polls.is_empty() {
        return Ok(());
    }
    notify_ended(&polls, now)?;
    kv::set(&checked_key(reader), now.to_string().as_bytes(), None).map_err(|e| format!("{e:?}"))
}

/// An ended poll and who to tell.
struct Ended {
    author: i64,
    status: i64,
    voters: Vec<i64>,
}

/// The ended polls among `poll_ids` (of statuses not deleted), with their voters, in one query.
fn ended(poll_ids: &[i64], now: i64) -> Result<HashMap<i64, Ended>, db::Error> {
    let sql = format!(
        "SELECT DISTINCT p.id, p.account_id, p.status_id, v.account_id AS voter FROM polls p \
           JOIN statuses s ON s.id = p.status_id AND s.deleted_at IS NULL AND s.poll_id = p.id \
           LEFT JOIN poll_votes v ON v.poll_id = p.id \
         WHERE p.id IN ({}) AND p.expires_at <= $1",
        placeholders(2, poll_ids.len())
    );
    let mut params = vec![Value::Int64(now)];
    params.extend(ids(poll_ids));
    let mut out: HashMap<i64, Ended> = HashMap::new();
    for row in db::query(&sql, &params)?.iter() {
        let (Some(id), Some(author), Some(status)) = (row.i64("id"), row.i64("account_id"), row.i64("status_id")) else { continue };
        let entry = out.entry(id).or_insert_with(|| Ended { author, status, voters: Vec::new() });
        entry.voters.extend(row.i64("voter"));
    }
    Ok(out)
}

/// Claims each ended poll of `poll_ids` and notifies the ones this call claimed,
/// in one transaction.
fn notify_ended(poll_ids: &[i64], now: i64) -> Result<(), String> {
    let polls = ended(poll_ids, now).map_err(|e| e.to_string())?;
    let mut claimed: Vec<(i64, &Ended)> = Vec::new();
    for (&id, poll) in &polls {
        let key = claim_key(id);
        if kv::increment(&key, 1).map_err(|e| format!("{e:?}"))? == 1 {
            let _ = kv::set(&key, b"1", Some(CLAIM_TTL_MS));
            claimed.push((id, poll));
        }
    }
    if claimed.is_empty() {
        return Ok(());
    }
    let write = || -> Result<Vec<notify::Notice>, db::Error> {
        let tx = db::begin()?;
        let mut notices = Vec::new();
        for (_, poll) in &claimed {
            let mut recipients = poll.voters.clone();
            recipients.push(poll.author);
            notices.extend(notify::create_many(&tx, &recipients, poll.author, notify::POLL, Some(poll.status))?);
        }
        tx.commit()?;
        Ok(notices)
    };
    match write() {
        Ok(notices) => {
            notify::publish(notices);
            Ok(())
        }
        Err(error) => {
            for (id, _) in &claimed {
                let _ = kv::delete(&claim_key(*id));
            }
            Err(error.to_string())
        }
    }
}
