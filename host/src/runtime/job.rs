//! Running one claimed job with the `hook = "job"` component that handles its kind.

use std::time::{Duration, Instant};

use super::http::{Failure, classify};
use super::{Handler, Runtime};
use crate::capabilities::job_world::exports::aerie::app::job_handler::Job;
use crate::jobs::ClaimedJob;

impl Runtime {
    /// Runs `job`; `Err` carries the reason for the retry log (guest error, trap,
    /// timeout, or no component handles the kind).
    pub async fn run_job(&self, job: &ClaimedJob) -> Result<(), String> {
        let Some(component) = self.job_handler(&job.kind) else {
            return Err(format!("no component handles job kind {:?}; add it to a hook = \"job\" component's jobs list", job.kind));
        };
        let Handler::Job(pre) = &component.handler else { unreachable!("job_handler only returns job components") };
        if let Some(rate) = &component.rate {
            // Over its call rate a job waits for a token rather than failing.
            while !rate.allow() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        let started = Instant::now();
        let mut store = self.new_store(&component);
        let call = async {
            let instance = pre.instantiate_async(&mut store).await?;
            let input = Job { id: job.id, kind: job.kind.clone(), payload: job.payload.clone(), attempt: job.attempt };
            let result = instance.aerie_app_job_handler().call_handle(&mut store, &input).await;
            result.map_err(|error| wasmtime::Error::from(Failure { error, timed_out: store.data().timed_out }))
        };
        let (outcome, result) = match call.await {
            Ok(Ok(())) => ("ok", Ok(())),
            Ok(Err(reason)) => ("error", Err(format!("the job handler reported: {reason}"))),
            Err(e) => {
                let (outcome, reason) = classify(&e);
                tracing::warn!(component = %component.id, job = job.id, kind = %job.kind, "job component {reason}: {e:?}");
                (outcome, Err(format!("component {} {reason}", component.id)))
            }
        };
        self.record(&component, outcome, started.elapsed());
        result
    }
}
