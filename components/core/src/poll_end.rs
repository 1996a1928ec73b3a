//! `poll` notifications when a poll ends: its local author and every local voter
//! are told once, at the end, also over streaming.
//!
//! Whoever makes a poll matter to a local account (posting one, voting in one, local
//! or remote) calls [`schedule`]: one durable `poll-end` job per poll, delayed to its
//! end (the job's idempotency key makes later calls no-ops). The job, run by the
//! `inbox` component ([`run`]), writes the notifications in one transaction, so a
//! retried job never half-notifies.

use crate::actions::notify;
use crate::store::{notifications, polls};
use aerie_sdk::db;
use aerie_sdk::queue::{self, JobOptions};
use aerie_sdk::{log, settings};

/// The job kind (listed by the `inbox` component's manifest entry).
pub const KIND: &str = crate::contract::jobs::POLL_END;

/// Queues the notifications of `poll`, ending at `expires_at` (ms). Best effort: a
/// failure is logged (the poll still works; only the notice would be missing).
pub fn schedule(poll: i64, expires_at: Option<i64>) {
    let Some(expires_at) = expires_at else { return };
    let delay = (expires_at - settings::now_millis()).max(0) as u64;
    let options = JobOptions { delay_ms: Some(delay), idempotency_key: Some(format!("{KIND} {poll}")), max_attempts: Some(10) };
    if let Err(error) = queue::enqueue(KIND, poll.to_string().as_bytes(), &options) {
        log::warn(&format!("scheduling the end of poll {poll}: {error:?}"));
    }
}

/// The job: notifies the ended poll's local author and local voters.
pub fn run(payload: &[u8]) -> Result<(), String> {
    let poll: i64 = std::str::from_utf8(payload).ok().and_then(|p| p.trim().parse().ok()).ok_or("the payload is not a poll id")?;
    // Deleted with its status, or replaced by an edit: nobody to tell.
    let Some(live) = polls::live(&db::Autocommit, poll).map_err(|e| e.to_string())? else { return Ok(()) };
    let (author, status) = (live.account_id, live.status_id);
    if live.expires_at.is_some_and(|at| at > settings::now_millis()) {
        return Err(format!("poll {poll} has not ended yet"));
    }
    let mut recipients = polls::voters(&db::Autocommit, poll).map_err(|e| e.to_string())?;
    // The author too (notify keeps local accounts only).
    recipients.push(author);
    let tx = db::begin().map_err(|e| e.to_string())?;
    let notices = notifications::create_many(&tx, &recipients, author, notifications::POLL, Some(status)).map_err(|e| e.to_string())?;
    tx.commit().map_err(|e| e.to_string())?;
    notify::publish(notices);
    Ok(())
}
