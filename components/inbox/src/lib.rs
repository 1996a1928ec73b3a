//! The inbox: what activities other servers send to this instance do, as a job
//! component (`hook = "job"`, job kinds `"inbox"`, `"backfill"` — the first posts
//! of a newly met account, see [`backfill`] —, `"replies"` — a remote thread's
//! replies, fetched when a client opens it, see [`replies`] — and `"poll-end"`, the
//! notifications of an ended poll, `aerie_core::poll_end` — and `"scheduled-status"`,
//! a scheduled status whose time came, `aerie_core::actions::scheduled`).
//!
//! The host verifies each POST to `/inbox`, `/users/NAME/inbox` or `/actor/inbox`
//! (digest, HTTP signature, key owner), enqueues a job and answers 202. The job's
//! payload is JSON:
//!
//! ```json
//! {"activity": {...as received...}, "signer": "https://remote/users/a",
//!  "verified": true, "recipient": 123}
//! ```
//!
//! `verified: false` means the signer is not the activity's actor (a relay, a
//! forward): embedded objects are then refetched from their origin before use.
//! `recipient` is the local account whose inbox was posted to (null: shared inbox).
//!
//! [`parse`] reads and classifies activities (pure, tested natively); [`apply`]
//! does what they ask in the database. Handling is idempotent (a retried job or a
//! duplicate delivery changes nothing twice). A job fails (and is retried by the
//! host) only for temporary trouble: network, a busy database; documents that are
//! wrong or name unknown things are logged and dropped.

mod apply;
mod backfill;
pub mod parse;
pub mod replies;

use aerie_sdk::job::Job;
use aerie_sdk::log;

#[aerie_sdk::job]
fn handle(job: Job) -> Result<(), String> {
    if job.kind == aerie_core::poll_end::KIND {
        return aerie_core::poll_end::run(&job.payload).map_err(|reason| format!("poll-end job {}: {reason}", job.id));
    }
    if job.kind == aerie_core::actions::scheduled::KIND {
        return aerie_core::actions::scheduled::run(&job.payload)
            .map_err(|reason| format!("scheduled-status job {} (attempt {}): {reason}", job.id, job.attempt));
    }
    if job.kind == backfill::KIND {
        return backfill::run(&job.payload).map_err(|reason| format!("backfill job {} (attempt {}): {reason}", job.id, job.attempt));
    }
    if job.kind == replies::KIND {
        return replies::run(&job.payload).map_err(|reason| format!("replies job {} (attempt {}): {reason}", job.id, job.attempt));
    }
    let payload = match parse::parse_payload(&job.payload) {
        Ok(payload) => payload,
        Err(reason) => {
            log::warn(&format!("inbox job {}: dropped: {reason}", job.id));
            return Ok(());
        }
    };
    apply::handle(&payload).map_err(|reason| format!("inbox job {} (attempt {}): {reason}", job.id, job.attempt))
}
