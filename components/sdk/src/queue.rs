//! Durable background jobs (`grants.queue = true`), run by the component whose
//! manifest entry lists the job kind (`hook = "job"`).

#[cfg(not(all(feature = "native-harness", not(target_arch = "wasm32"))))]
use crate::bindings::aerie::host::queue as host;
#[cfg(all(feature = "native-harness", not(target_arch = "wasm32")))]
use crate::harness::queue as host;

pub use host::{Error, JobOptions};

/// Enqueues a job; `None` when `options.idempotency_key` was already used.
pub fn enqueue(kind: &str, payload: &[u8], options: &JobOptions) -> Result<Option<i64>, Error> {
    host::enqueue(kind, payload, options)
}

/// Options with nothing set: run now, no idempotency key, the default attempts.
pub fn now() -> JobOptions {
    JobOptions { delay_ms: None, idempotency_key: None, max_attempts: None }
}
