//! `Idempotency-Key` on `POST /api/v1/statuses`: a client that retries a post (a
//! timeout, a flaky network) gets the status it already made, never a second one.
//!
//! The key is reserved before any work, by one atomic statement
//! (`store::idempotency_keys::reserve`: an insert that does nothing on a conflict of
//! account + key) that succeeds for exactly one of any number of concurrent requests,
//! on both engines.
//! That request posts and records the status id; the others wait, polling briefly,
//! and answer the same status. A first attempt that fails releases the key, so a retry
//! can post. Keys last an hour, as in Mastodon.

use aerie_core::store::idempotency_keys;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;
use aerie_sdk::settings;

/// How long a key returns the status it made (Mastodon: one hour).
const TTL_MS: i64 = 3_600_000;
/// A reservation still without a status after this long belongs to a request that
/// died (trapped, or stopped at its time limit) and is taken over. Well above the
/// component time limit, so a slow first request is never overtaken.
const ABANDONED_MS: i64 = 60_000;
/// How long a duplicate waits for the first request to finish.
const WAIT_MS: i64 = 5_000;
/// How often a waiting duplicate looks again.
const POLL_MS: u64 = 25;
/// Longest key accepted; clients send UUIDs or hashes.
const MAX_KEY_LEN: usize = 512;

/// What a request with a key is to do.
pub enum Claim {
    /// This request holds the key: post, then [`Reservation::finish`] or
    /// [`Reservation::release`].
    Reserved(Reservation),
    /// A request with this key already posted this status.
    Posted(i64),
}

/// A key held by this request.
pub struct Reservation {
    account: i64,
    key: String,
}

/// Reserves `key` for `account`, or finds (waiting a little if needed) the status an
/// earlier request with it made.
pub fn claim(account: i64, key: &str) -> Result<Claim, Response> {
    if key.len() > MAX_KEY_LEN {
        return Err(Response::error(422, &format!("Idempotency-Key is too long (at most {MAX_KEY_LEN} characters)")));
    }
    let started = settings::now_millis();
    // The sweep of expired keys is one indexed range delete, by whoever posts next.
    idempotency_keys::sweep(&Autocommit, started - TTL_MS)?;
    loop {
        let now = settings::now_millis();
        if idempotency_keys::reserve(&Autocommit, account, key, now)? {
            return Ok(Claim::Reserved(Reservation { account, key: key.to_string() }));
        }
        // No row: the holder released it just now; the next round may reserve it.
        if let Some((status, created)) = idempotency_keys::find(&Autocommit, account, key)? {
            let stale = created < now - TTL_MS || (status.is_none() && created < now - ABANDONED_MS);
            if stale {
                // Only the row that was read goes, so two requests taking over a stale
                // key cannot delete each other's fresh reservation.
                idempotency_keys::take_over(&Autocommit, account, key, created)?;
                continue;
            }
            if let Some(status) = status {
                return Ok(Claim::Posted(status));
            }
        }
        if now - started >= WAIT_MS {
            return Err(Response::error(409, "A request with this Idempotency-Key is still being processed; retry in a few seconds"));
        }
        // A host-side timer: the instance waits without holding a worker thread.
        wasip2::clocks::monotonic_clock::subscribe_duration(POLL_MS * 1_000_000).block();
    }
}

impl Reservation {
    /// Records the status this key made; later requests with the key answer it.
    pub fn finish(self, status_id: i64) {
        let recorded = idempotency_keys::record(&Autocommit, self.account, &self.key, status_id);
        // The status is posted either way, and answering it beats a 500 the client
        // would retry; the unrecorded key is taken over once abandoned.
        if let Err(e) = recorded {
            aerie_sdk::log::warn(&format!("recording the Idempotency-Key of status {status_id} failed: {e:?}"));
        }
    }

    /// Gives the key up after a failed attempt, so a retry can post.
    pub fn release(self) {
        // Best effort: a row left behind is taken over once abandoned.
        let _ = idempotency_keys::release(&Autocommit, self.account, &self.key);
    }
}
