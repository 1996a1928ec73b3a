//! Durable jobs: a `jobs` table with leased claims, retries with exponential
//! backoff, dead letters, idempotency keys and recurring (cron) schedules.
//!
//! At-least-once: a claimed job holds a lease; a worker that dies (kill -9) simply
//! stops renewing it, and once the lease runs out any node claims the job again.
//! PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, so nodes never wait on each other;
//! SQLite claims through its single writer. Handlers must therefore be idempotent.
//! A node that restarts does not wait for the leases its earlier process left: it
//! knows that process is gone and takes its jobs back at start (see [`incarnation`]).

pub mod incarnation;
pub mod worker;

use std::time::Duration;

use anyhow::Context as _;

use crate::clock::now_millis;
use crate::db::{Database, Engine, Value};
use crate::ids::IdGenerator;

pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;
/// First retry after this long; doubled each attempt, capped at [`MAX_BACKOFF`].
const BASE_BACKOFF_MS: i64 = 1_000;
const MAX_BACKOFF_MS: i64 = 6 * 3600 * 1000;

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: Vec<u8>,
    pub delay: Duration,
    pub idempotency_key: Option<String>,
    pub max_attempts: u32,
}

impl NewJob {
    pub fn new(kind: impl Into<String>, payload: impl Into<Vec<u8>>) -> NewJob {
        NewJob {
            kind: kind.into(),
            payload: payload.into(),
            delay: Duration::ZERO,
            idempotency_key: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }
}

/// A job claimed by this node.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: i64,
    pub kind: String,
    pub payload: Vec<u8>,
    /// 1 on the first run.
    pub attempt: u32,
    pub max_attempts: u32,
}

/// What [`Jobs::reclaim`] did with the jobs a gone process held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reclaimed {
    /// Back in the queue, due now.
    pub pending: u64,
    /// Out of attempts: a job whose every run ended with its process (one that
    /// crashes the node, say) must not restart it forever.
    pub dead: u64,
}

/// What happened to a failed job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failed {
    RetryAt(i64),
    Dead,
}

#[derive(Clone)]
pub struct Jobs {
    db: Database,
    node: String,
    ids: std::sync::Arc<IdGenerator>,
    wake: std::sync::Arc<tokio::sync::Notify>,
}

/// Delay before retry number `attempt` (1-based): 1 s, 2 s, 4 s, ... capped at 6 h,
/// with up to 25% jitter so retries of many jobs do not arrive together.
pub fn backoff_ms(attempt: u32) -> i64 {
    let base = BASE_BACKOFF_MS.saturating_mul(1i64 << attempt.saturating_sub(1).min(30)).min(MAX_BACKOFF_MS);
    base + (rand::random::<u32>() as i64 % (base / 4 + 1))
}

impl Jobs {
    pub fn new(db: Database, node: impl Into<String>, ids: std::sync::Arc<IdGenerator>) -> Jobs {
        Jobs { db, node: node.into(), ids, wake: Default::default() }
    }

    pub fn node(&self) -> &str {
        &self.node
    }

    /// Resolves when a job was enqueued on this node (workers sleep on it).
    pub async fn enqueued(&self) {
        self.wake.notified().await
    }

    /// Enqueues `job`; `None` when its idempotency key is already taken.
    pub async fn enqueue(&self, job: NewJob) -> anyhow::Result<Option<i64>> {
        let now = now_millis();
        let id = self.ids.next();
        let rows = self
            .db
            .query(
                "INSERT INTO jobs (id, kind, payload, state, idempotency_key, attempts, max_attempts, run_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'pending', $4, 0, $5, $6, $7, $7) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
                vec![
                    id.into(),
                    job.kind.into(),
                    Value::Bytes(job.payload),
                    job.idempotency_key.map(Value::Text).unwrap_or(Value::Null),
                    (job.max_attempts.max(1) as i64).into(),
                    (now + job.delay.as_millis() as i64).into(),
                    now.into(),
                ],
            )
            .await
            .context("enqueueing a job")?;
        if rows.rows.is_empty() {
            return Ok(None);
        }
        self.wake.notify_waiters();
        Ok(Some(id))
    }

    /// Claims up to `limit` due jobs (or jobs whose lease ran out) for `lease`.
    pub async fn claim(&self, limit: u32, lease: Duration) -> anyhow::Result<Vec<ClaimedJob>> {
        let now = now_millis();
        let lock = match self.db.engine() {
            Engine::Postgres => " FOR UPDATE SKIP LOCKED",
            Engine::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = $1, leased_by = $2, updated_at = $3 \
             WHERE id IN (SELECT id FROM jobs WHERE (state = 'pending' AND run_at <= $3) OR (state = 'running' AND lease_until < $3) \
             ORDER BY run_at LIMIT $4{lock}) \
             RETURNING id, kind, payload, attempts, max_attempts"
        );
        let rows = self
            .db
            .query(&sql, vec![(now + lease.as_millis() as i64).into(), self.node.clone().into(), now.into(), (limit as i64).into()])
            .await
            .context("claiming jobs")?;
        let mut claimed = Vec::with_capacity(rows.rows.len());
        for i in 0..rows.rows.len() {
            claimed.push(ClaimedJob {
                id: rows.get(i, "id").and_then(Value::as_i64).unwrap_or_default(),
                kind: rows.get(i, "kind").and_then(Value::as_str).unwrap_or_default().to_string(),
                payload: match rows.get(i, "payload") {
                    Some(Value::Bytes(b)) => b.clone(),
                    _ => Vec::new(),
                },
                attempt: rows.get(i, "attempts").and_then(Value::as_i64).unwrap_or(1) as u32,
                max_attempts: rows.get(i, "max_attempts").and_then(Value::as_i64).unwrap_or(1) as u32,
            });
        }
        claimed.sort_by_key(|job| job.id);
        Ok(claimed)
    }

    /// Extends the lease of a job this node is running, so a long job is not taken
    /// over while it still makes progress. A dead node stops renewing; that is how
    /// its jobs become claimable again.
    pub async fn renew(&self, id: i64, lease: Duration) -> anyhow::Result<()> {
        self.db
            .execute(
                "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND leased_by = $3 AND state = 'running'",
                vec![(now_millis() + lease.as_millis() as i64).into(), id.into(), self.node.clone().into()],
            )
            .await?;
        Ok(())
    }

    /// Puts back the jobs that `node`, a process known to be gone, was running: due
    /// now, or dead-lettered when that run was their last attempt. Only rows still
    /// leased by `node` change, so a job another node took over meanwhile is untouched.
    pub async fn reclaim(&self, node: &str) -> anyhow::Result<Reclaimed> {
        let now = now_millis();
        let rows = self
            .db
            .query(
                "UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'pending' END, \
                 run_at = $1, lease_until = NULL, last_error = $2, updated_at = $1 \
                 WHERE state = 'running' AND leased_by = $3 RETURNING state",
                vec![now.into(), format!("{node} stopped while running this job").into(), node.into()],
            )
            .await
            .context("reclaiming the jobs of a gone process")?;
        let dead = (0..rows.len()).filter(|&i| rows.text(i, "state") == Some("dead")).count() as u64;
        Ok(Reclaimed { pending: rows.len() as u64 - dead, dead })
    }

    /// Marks a job done (only if this node still holds it).
    pub async fn complete(&self, id: i64) -> anyhow::Result<()> {
        self.db
            .execute(
                "UPDATE jobs SET state = 'done', lease_until = NULL, updated_at = $1 WHERE id = $2 AND leased_by = $3",
                vec![now_millis().into(), id.into(), self.node.clone().into()],
            )
            .await?;
        Ok(())
    }

    /// Records a failure: retry later with backoff, or dead-letter after the last attempt.
    pub async fn fail(&self, job: &ClaimedJob, error: &str) -> anyhow::Result<Failed> {
        let now = now_millis();
        let error: String = error.chars().take(2000).collect();
        if job.attempt >= job.max_attempts {
            self.db
                .execute(
                    "UPDATE jobs SET state = 'dead', lease_until = NULL, last_error = $1, updated_at = $2 WHERE id = $3",
                    vec![error.into(), now.into(), job.id.into()],
                )
                .await?;
            return Ok(Failed::Dead);
        }
        let at = now + backoff_ms(job.attempt);
        self.db
            .execute(
                "UPDATE jobs SET state = 'pending', run_at = $1, lease_until = NULL, last_error = $2, updated_at = $3 WHERE id = $4",
                vec![at.into(), error.into(), now.into(), job.id.into()],
            )
            .await?;
        Ok(Failed::RetryAt(at))
    }

    /// Deletes finished jobs: done ones last touched before `done_before` and dead
    /// ones before `dead_before` (ms; `None` keeps them), in batches so the
    /// SQLite writer is never held long. Returns how many rows went.
    ///
    /// A done job's idempotency key is what makes a redelivered activity a no-op,
    /// so done rows are kept for days, not minutes; past that the components'
    /// own checks (a status's unique URI, an existing follow) keep repeats harmless.
    pub async fn prune(&self, done_before: Option<i64>, dead_before: Option<i64>) -> anyhow::Result<u64> {
        let mut removed = 0;
        for (state, before) in [("done", done_before), ("dead", dead_before)] {
            let Some(before) = before else { continue };
            loop {
                let n = self
                    .db
                    .execute(
                        "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state = $1 AND updated_at < $2 LIMIT 2000)",
                        vec![state.into(), before.into()],
                    )
                    .await?;
                removed += n;
                if n < 2000 {
                    break;
                }
            }
        }
        Ok(removed)
    }

    /// Creates or updates a recurring job on a cron schedule (5 fields, UTC).
    pub async fn schedule_recurring(&self, name: &str, schedule: &str, kind: &str, payload: Vec<u8>) -> anyhow::Result<()> {
        let next = next_run(schedule, now_millis())?;
        self.db
            .execute(
                "INSERT INTO recurring_jobs (name, schedule, kind, payload, next_run_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (name) DO UPDATE SET schedule = excluded.schedule, kind = excluded.kind, payload = excluded.payload, \
                 next_run_at = excluded.next_run_at",
                vec![name.into(), schedule.into(), kind.into(), Value::Bytes(payload), next.into()],
            )
            .await?;
        Ok(())
    }

    /// Enqueues a job for every recurring schedule that is due. Each run's job has
    /// the idempotency key `recurring:NAME:TIME`, so nodes racing here enqueue it once.
    pub async fn enqueue_due_recurring(&self) -> anyhow::Result<usize> {
        let now = now_millis();
        let due = self
            .db
            .query("SELECT name, schedule, kind, payload, next_run_at FROM recurring_jobs WHERE next_run_at <= $1", vec![now.into()])
            .await?;
        let mut enqueued = 0;
        for i in 0..due.rows.len() {
            let name = due.get(i, "name").and_then(Value::as_str).unwrap_or_default().to_string();
            let schedule = due.get(i, "schedule").and_then(Value::as_str).unwrap_or_default().to_string();
            let at = due.get(i, "next_run_at").and_then(Value::as_i64).unwrap_or(now);
            let payload = match due.get(i, "payload") {
                Some(Value::Bytes(b)) => b.clone(),
                _ => Vec::new(),
            };
            let mut job = NewJob::new(due.get(i, "kind").and_then(Value::as_str).unwrap_or_default(), payload);
            job.idempotency_key = Some(format!("recurring:{name}:{at}"));
            if self.enqueue(job).await?.is_some() {
                enqueued += 1;
            }
            let next = next_run(&schedule, now)?;
            self.db
                .execute(
                    "UPDATE recurring_jobs SET next_run_at = $1 WHERE name = $2 AND next_run_at = $3",
                    vec![next.into(), name.into(), at.into()],
                )
                .await?;
        }
        Ok(enqueued)
    }

    /// Job counts by state.
    pub async fn counts(&self) -> anyhow::Result<Vec<(String, i64)>> {
        let rows = self.db.query("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state ORDER BY state", vec![]).await?;
        Ok((0..rows.rows.len())
            .map(|i| {
                (
                    rows.get(i, "state").and_then(Value::as_str).unwrap_or_default().to_string(),
                    rows.get(i, "n").and_then(Value::as_i64).unwrap_or(0),
                )
            })
            .collect())
    }
}

/// The next time after `after_ms` that `schedule` (cron, UTC) fires.
pub fn next_run(schedule: &str, after_ms: i64) -> anyhow::Result<i64> {
    let cron = croner::Cron::new(schedule)
        .parse()
        .map_err(|e| anyhow::anyhow!("{schedule:?} is not a cron schedule (minute hour day month weekday): {e}"))?;
    let after = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(after_ms).context("time out of range")?;
    let next = cron.find_next_occurrence(&after, false).map_err(|e| anyhow::anyhow!("{schedule:?} never fires: {e}"))?;
    Ok(next.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        for attempt in 1..6 {
            let delay = backoff_ms(attempt);
            let base = BASE_BACKOFF_MS << (attempt - 1);
            assert!(delay >= base && delay <= base + base / 4, "attempt {attempt}: {delay}");
        }
        assert!(backoff_ms(60) <= MAX_BACKOFF_MS + MAX_BACKOFF_MS / 4);
    }

    #[test]
    fn cron_schedules_find_their_next_run() {
        let midnight = 1_700_000_000_000 - 1_700_000_000_000 % 86_400_000;
        assert_eq!(next_run("0 * * * *", midnight).unwrap(), midnight + 3_600_000);
        assert!(next_run("not a schedule", midnight).is_err());
    }
}
