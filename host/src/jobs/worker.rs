//! The job workers of one node: claim due jobs, run each with its component, and
//! record the outcome; also enqueue due recurring jobs.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use super::{ClaimedJob, Failed, Jobs};
use crate::federation::delivery::{self, Outcome};
use crate::federation::inbox::INBOX_KIND;
use crate::federation::service::DELIVER_KIND;
use crate::runtime::Runtime;
use crate::runtime::policy::{Direction, PolicyOutcome};

#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub concurrency: u32,
    pub lease: Duration,
    pub poll: Duration,
    /// How long done and dead jobs are kept (`None`: forever), for [`PRUNE_KIND`].
    pub keep_done: Option<Duration>,
    pub keep_dead: Option<Duration>,
}

/// The host-run recurring job that deletes old finished jobs.
pub const PRUNE_KIND: &str = aerie_contract::jobs::PRUNE;
/// When it runs: hourly, at an odd minute.
pub const PRUNE_SCHEDULE: &str = "17 * * * *";

/// Starts the worker loop for the life of the server.
pub fn spawn(jobs: Jobs, runtime: Arc<Runtime>, options: WorkerOptions) {
    tokio::spawn(async move {
        let permits = Arc::new(Semaphore::new(options.concurrency as usize));
        let mut last_recurring = tokio::time::Instant::now() - Duration::from_secs(60);
        loop {
            if last_recurring.elapsed() >= Duration::from_secs(1) {
                if let Err(e) = jobs.enqueue_due_recurring().await {
                    tracing::warn!(error = %format!("{e:#}"), "enqueueing recurring jobs failed");
                }
                last_recurring = tokio::time::Instant::now();
            }
            let free = permits.available_permits() as u32;
            if free == 0 {
                // Wait for a running job to finish.
                drop(permits.clone().acquire_owned().await);
                continue;
            }
            match jobs.claim(free, options.lease).await {
                Ok(batch) if !batch.is_empty() => {
                    for job in batch {
                        let permit = permits.clone().acquire_owned().await.expect("the semaphore is never closed");
                        let (jobs, runtime, lease) = (jobs.clone(), runtime.clone(), options.lease);
                        let keep = (options.keep_done, options.keep_dead);
                        tokio::spawn(async move {
                            let run =
                                async { if job.kind == PRUNE_KIND { prune(&jobs, keep).await } else { run_one(&runtime, &job).await } };
                            tokio::pin!(run);
                            let mut renew = tokio::time::interval(lease / 3);
                            renew.tick().await;
                            let result = loop {
                                tokio::select! {
                                    result = &mut run => break result,
                                    _ = renew.tick() => {
                                        if let Err(e) = jobs.renew(job.id, lease).await {
                                            tracing::warn!(job = job.id, error = %format!("{e:#}"), "renewing a job lease failed");
                                        }
                                    }
                                }
                            };
                            let recorded = match result {
                                Ok(()) => jobs.complete(job.id).await.map(|_| None),
                                Err(End::Retry(reason)) => jobs.fail(&job, &reason).await.map(|f| Some((f, reason))),
                                Err(End::GiveUp(reason)) => {
                                    let last = ClaimedJob { attempt: job.max_attempts, ..job.clone() };
                                    jobs.fail(&last, &reason).await.map(|f| Some((f, reason)))
                                }
                            };
                            match recorded {
                                Ok(None) => tracing::debug!(job = job.id, kind = %job.kind, "job done"),
                                Ok(Some((Failed::RetryAt(at), reason))) => {
                                    tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempt, retry_at = at, "job failed: {reason}")
                                }
                                Ok(Some((Failed::Dead, reason))) => {
                                    tracing::error!(job = job.id, kind = %job.kind, attempts = job.attempt, "job dead-lettered: {reason}")
                                }
                                Err(e) => tracing::error!(job = job.id, error = %format!("{e:#}"), "recording a job outcome failed"),
                            }
                            drop(permit);
                        });
                    }
                }
                Ok(_) => {
                    tokio::select! {
                        _ = tokio::time::sleep(options.poll) => {}
                        _ = jobs.enqueued() => {}
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "claiming jobs failed; retrying");
                    tokio::time::sleep(options.poll).await;
                }
            }
        }
    });
}

/// Deletes done and dead jobs older than what the operator keeps.
async fn prune(jobs: &Jobs, (keep_done, keep_dead): (Option<Duration>, Option<Duration>)) -> Result<(), End> {
    let now = crate::clock::now_millis();
    let before = |keep: Option<Duration>| keep.map(|k| now - k.as_millis() as i64);
    match jobs.prune(before(keep_done), before(keep_dead)).await {
        Ok(n) => {
            tracing::info!(removed = n, "pruned finished jobs");
            Ok(())
        }
        Err(e) => Err(End::Retry(format!("pruning finished jobs: {e:#}"))),
    }
}

/// How a job that did not succeed ends this time.
enum End {
    Retry(String),
    /// Dead-letter now: more attempts cannot help.
    GiveUp(String),
}

/// Runs one job: deliveries in the host, every other kind in its component; the
/// moderation policies see incoming activities before the `inbox` component and
/// outgoing ones before each delivery.
async fn run_one(runtime: &Runtime, job: &ClaimedJob) -> Result<(), End> {
    if job.kind == INBOX_KIND && runtime.has_policies() {
        return match filter_incoming(runtime, job).await {
            Some(job) => runtime.run_job(&job).await.map_err(End::Retry),
            None => Ok(()),
        };
    }
    if let Some(push) = web_push_kind(&job.kind) {
        let Some(web_push) = runtime.web_push() else {
            return Err(End::Retry("this node does not push (no VAPID key loaded)".into()));
        };
        let done = match push {
            WebPushKind::FanOut => crate::mastodon::push::jobs::fan_out(runtime, web_push, &job.payload).await,
            WebPushKind::Send => crate::mastodon::push::jobs::send(runtime, web_push, &job.payload).await,
        };
        return done.map_err(|failure| match failure {
            crate::mastodon::push::jobs::Failure::Retry(reason) => End::Retry(reason),
            crate::mastodon::push::jobs::Failure::GiveUp(reason) => End::GiveUp(reason),
        });
    }
    if job.kind != DELIVER_KIND {
        return runtime.run_job(job).await.map_err(End::Retry);
    }
    let Some(federation) = runtime.federation() else {
        return Err(End::Retry("this node does not federate (no instance key loaded)".into()));
    };
    let mut delivery = match delivery::parse(&job.payload) {
        Ok(d) => d,
        Err(Outcome::GiveUp(reason) | Outcome::Retry(reason)) => return Err(End::GiveUp(reason)),
        Err(Outcome::Delivered) => return Ok(()),
    };
    if runtime.has_policies() {
        let peer = delivery::destination_host(&delivery);
        match runtime.run_policies(Direction::Outgoing, &peer, std::mem::take(&mut delivery.activity)).await {
            PolicyOutcome::Accept(activity) => delivery.activity = activity,
            PolicyOutcome::Reject { policy, reason } => {
                tracing::info!(job = job.id, %peer, %policy, %reason, "a policy stopped an outgoing activity");
                return Ok(());
            }
        }
    }
    match delivery::send(federation, delivery).await {
        Outcome::Delivered => Ok(()),
        Outcome::Retry(reason) => Err(End::Retry(reason)),
        Outcome::GiveUp(reason) => Err(End::GiveUp(reason)),
    }
}

/// The host-run Web Push kinds.
enum WebPushKind {
    FanOut,
    Send,
}

fn web_push_kind(kind: &str) -> Option<WebPushKind> {
    match kind {
        aerie_contract::jobs::WEB_PUSH => Some(WebPushKind::FanOut),
        aerie_contract::jobs::WEB_PUSH_SEND => Some(WebPushKind::Send),
        _ => None,
    }
}

/// The inbox job with its activity as the policies left it, or `None` when one
/// rejected it (the job is then done: dropped on purpose, not failed).
async fn filter_incoming(runtime: &Runtime, job: &ClaimedJob) -> Option<ClaimedJob> {
    let Ok(mut payload) = serde_json::from_slice::<serde_json::Value>(&job.payload) else {
        return Some(job.clone());
    };
    let activity = payload.get("activity").cloned().unwrap_or_default();
    let actor = match activity.get("actor") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.get("id").and_then(|v| v.as_str()).unwrap_or_default().to_string(),
        None => String::new(),
    };
    let peer = crate::federation::remote_keys::host_of(&actor);
    match runtime.run_policies(Direction::Incoming, &peer, activity.to_string()).await {
        PolicyOutcome::Accept(changed) => {
            payload["activity"] = serde_json::from_str(&changed).unwrap_or(activity);
            Some(ClaimedJob { payload: payload.to_string().into_bytes(), ..job.clone() })
        }
        PolicyOutcome::Reject { policy, reason } => {
            tracing::info!(job = job.id, %peer, %policy, %reason, "a policy rejected an incoming activity");
            None
        }
    }
}
