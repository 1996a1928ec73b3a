//! A minimal job component: each job of the kinds its manifest entry lists is logged
//! and counted per kind in the component's key-value namespace. Returning `Err` has
//! the host retry the job with backoff (here: a payload that is not UTF-8 text).
//!
//! ```toml
//! [[components]]
//! id = "job-counter"
//! source = "/srv/aerie/job.wasm"
//! hook = "job"
//! jobs = ["count"]
//! grants = { kv = true }
//! ```

use aerie_sdk::job::Job;
use aerie_sdk::{kv, log};

#[aerie_sdk::job]
fn handle(job: Job) -> Result<(), String> {
    let payload = std::str::from_utf8(&job.payload).map_err(|_| format!("job {}: the payload is not text", job.id))?;
    let runs = kv::increment(&format!("runs:{}", job.kind), 1).map_err(|e| format!("kv: {e}"))?;
    log::info(&format!("job {} ({}, attempt {}): {payload:?}; run {runs} of its kind", job.id, job.kind, job.attempt));
    Ok(())
}
