//! `aerie:host/queue`: components enqueue durable jobs (see [`crate::jobs`]).

use std::time::Duration;

use wasmtime::component::Linker;

use super::StoreData;
use super::aerie::host::queue::{self as wit, Host, JobOptions};
use crate::jobs::{DEFAULT_MAX_ATTEMPTS, NewJob};
use crate::runtime::state::StoreState;

pub fn add_to_linker(linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    wit::add_to_linker::<StoreState, StoreData>(linker, |state| state)
}

/// Longest job payload a component may enqueue.
pub const MAX_PAYLOAD_BYTES: usize = 1 << 20;

impl Host for StoreState {
    async fn enqueue(&mut self, kind: String, payload: Vec<u8>, options: JobOptions) -> wasmtime::Result<Result<Option<i64>, wit::Error>> {
        if !self.queue_granted {
            return Ok(Err(wit::Error::AccessDenied("this component has no queue grant; add grants.queue = true".into())));
        }
        if payload.len() > MAX_PAYLOAD_BYTES || kind.is_empty() || kind.len() > 200 {
            return Ok(Err(wit::Error::AccessDenied(format!("job kinds are 1..200 bytes and payloads at most {MAX_PAYLOAD_BYTES} bytes"))));
        }
        if let Some(why) = self.write_would_wait() {
            return Ok(Err(wit::Error::Unavailable(why)));
        }
        let job = NewJob {
            kind,
            payload,
            delay: Duration::from_millis(options.delay_ms.unwrap_or(0)),
            idempotency_key: options.idempotency_key,
            max_attempts: options.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS),
        };
        Ok(self.shared.jobs.enqueue(job).await.map_err(|e| wit::Error::Unavailable(format!("{e:#}"))))
    }
}
