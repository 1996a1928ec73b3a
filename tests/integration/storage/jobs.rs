//! Durable jobs on both engines: claims, retries with backoff, dead letters,
//! idempotency, leases, recurring schedules, and survival of kill -9.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aerie::config::DatabaseConfig;
use aerie::db::{Database, Value};
use aerie::ids::IdGenerator;
use aerie::jobs::{Failed, Jobs, NewJob};

use crate::support::{ENGINES, Launch, client, scalar};

fn jobs_on(db: &Database, node: &str) -> Jobs {
    Jobs::new(db.clone(), node, Arc::new(IdGenerator::new(node.len() as u32)))
}

#[tokio::test]
async fn retries_back_off_then_dead_letter_and_keys_deduplicate() {
    for engine in ENGINES {
        let t = crate::support::test_db(engine, &DatabaseConfig::default()).await;
        let jobs = jobs_on(&t.db, "n1");
        let mut job = NewJob::new("work", b"p".to_vec());
        job.max_attempts = 2;
        job.idempotency_key = Some("once".into());
        let id = jobs.enqueue(job.clone()).await.unwrap().expect("first enqueue");
        assert_eq!(jobs.enqueue(job).await.unwrap(), None, "{engine:?}: the same key is a no-op");

        let claimed = jobs.claim(10, Duration::from_secs(60)).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!((claimed[0].id, claimed[0].attempt, claimed[0].payload.as_slice()), (id, 1, b"p".as_slice()));
        assert!(jobs.claim(10, Duration::from_secs(60)).await.unwrap().is_empty(), "{engine:?}: a leased job is not claimed twice");

        let Failed::RetryAt(at) = jobs.fail(&claimed[0], "boom").await.unwrap() else { panic!("first failure retries") };
        assert!(at > aerie::clock::now_millis() + 500, "{engine:?}: backed off");
        assert!(jobs.claim(10, Duration::from_secs(60)).await.unwrap().is_empty(), "{engine:?}: not before its time");
        t.db.execute("UPDATE jobs SET run_at = 0 WHERE id = $1", vec![id.into()]).await.unwrap();
        let again = jobs.claim(10, Duration::from_secs(60)).await.unwrap();
        assert_eq!(again[0].attempt, 2);
        assert_eq!(jobs.fail(&again[0], "boom again").await.unwrap(), Failed::Dead);
        let rows = t.db.query("SELECT state, last_error FROM jobs WHERE id = $1", vec![id.into()]).await.unwrap();
        assert_eq!(rows.get(0, "state"), Some(&Value::Text("dead".into())), "{engine:?}");
        assert_eq!(rows.get(0, "last_error"), Some(&Value::Text("boom again".into())));
        t.db.close().await;
    }
}

#[tokio::test]
async fn an_expired_lease_is_claimed_again_and_concurrent_claimers_never_share_a_job() {
    for engine in ENGINES {
        let t = crate::support::test_db(engine, &DatabaseConfig::default()).await;
        let (a, b) = (jobs_on(&t.db, "node-a"), jobs_on(&t.db, "node-bb"));
        a.enqueue(NewJob::new("k", vec![])).await.unwrap();
        let first = a.claim(1, Duration::from_millis(50)).await.unwrap();
        assert_eq!(first.len(), 1);
        tokio::time::sleep(Duration::from_millis(120)).await;
        let taken_over = b.claim(1, Duration::from_secs(60)).await.unwrap();
        assert_eq!(taken_over[0].id, first[0].id, "{engine:?}: the crashed holder's job is reclaimed");
        b.complete(taken_over[0].id).await.unwrap();

        for i in 0..60 {
            a.enqueue(NewJob::new("k", vec![i as u8])).await.unwrap();
        }
        let mut claimers = Vec::new();
        for node in [a.clone(), b.clone(), a.clone(), b.clone()] {
            claimers.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let batch = node.claim(5, Duration::from_secs(60)).await.unwrap();
                    if batch.is_empty() {
                        break mine;
                    }
                    mine.extend(batch.into_iter().map(|j| j.id));
                }
            }));
        }
        let mut all = Vec::new();
        for claimer in claimers {
            all.extend(claimer.await.unwrap());
        }
        let unique: HashSet<i64> = all.iter().copied().collect();
        assert_eq!((all.len(), unique.len()), (60, 60), "{engine:?}: every job claimed exactly once");
        t.db.close().await;
    }
}

#[tokio::test]
async fn recurring_jobs_enqueue_once_per_run() {
    for engine in ENGINES {
        let t = crate::support::test_db(engine, &DatabaseConfig::default()).await;
        let (a, b) = (jobs_on(&t.db, "a"), jobs_on(&t.db, "bb"));
        a.schedule_recurring("cleanup", "*/5 * * * *", "cleanup", b"go".to_vec()).await.unwrap();
        assert_eq!(a.enqueue_due_recurring().await.unwrap(), 0, "{engine:?}: not due yet");
        t.db.execute("UPDATE recurring_jobs SET next_run_at = $1", vec![(aerie::clock::now_millis() - 1000).into()]).await.unwrap();
        let (x, y) = tokio::join!(a.enqueue_due_recurring(), b.enqueue_due_recurring());
        assert_eq!(x.unwrap() + y.unwrap(), 1, "{engine:?}: two nodes, one job");
        let rows = t.db.query("SELECT next_run_at FROM recurring_jobs", vec![]).await.unwrap();
        assert!(rows.get(0, "next_run_at").and_then(Value::as_i64).unwrap() > aerie::clock::now_millis(), "{engine:?}: rescheduled");
        assert!(a.schedule_recurring("bad", "every tuesday", "x", vec![]).await.is_err());
        t.db.close().await;
    }
}

#[tokio::test]
async fn jobs_survive_kill_9_and_complete_once() {
    for engine in ENGINES {
        let setup = crate::support::RecorderSetup::new(engine, 2).await;
        let (dir, data, db, config) = (setup.dir.path(), &setup.data, &setup.db, &setup.config);
        let launch = Launch::new(dir).arg("--config").arg(config.display().to_string()).arg("--data-dir").arg(data.display().to_string());
        let server = launch.serve().unwrap_or_else(|(code, err)| panic!("{engine:?}: exit {code:?}: {err}"));

        // A quick job runs through.
        let response: serde_json::Value =
            client().post(server.url("/probe/enqueue/record")).body("quick").send().await.unwrap().json().await.unwrap();
        assert!(response["id"].is_string(), "{response}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while scalar(db, "SELECT COUNT(*) FROM job_log WHERE tag = 'quick'", vec![]).await != Some(Value::Int(1)) {
            assert!(Instant::now() < deadline, "{engine:?}: the quick job never ran");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        // A slow job is running when the server is killed.
        client().post(server.url("/probe/enqueue/record")).body("slow:3000:alpha").send().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while setup.runs("alpha").await < 1 {
            assert!(Instant::now() < deadline, "{engine:?}: the slow job never started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        drop(server); // SIGKILL: no shutdown, the lease is left behind
        assert_eq!(scalar(db, "SELECT COUNT(*) FROM job_log WHERE tag = 'alpha'", vec![]).await, Some(Value::Int(0)));
        assert_eq!(
            scalar(db, "SELECT state FROM jobs WHERE payload = $1", vec![Value::Bytes(b"slow:3000:alpha".to_vec())]).await,
            Some(Value::Text("running".into()))
        );

        let server = launch.serve().unwrap_or_else(|(code, err)| panic!("{engine:?}: restart: exit {code:?}: {err}"));
        let deadline = Instant::now() + Duration::from_secs(30);
        while scalar(db, "SELECT COUNT(*) FROM job_log WHERE tag = 'alpha'", vec![]).await != Some(Value::Int(1)) {
            assert!(Instant::now() < deadline, "{engine:?}: the job did not resume after kill -9");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let rows =
            db.query("SELECT state, attempts FROM jobs WHERE payload = $1", vec![Value::Bytes(b"slow:3000:alpha".to_vec())]).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut rows = rows;
        while rows.get(0, "state") != Some(&Value::Text("done".into())) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
            rows = db
                .query("SELECT state, attempts FROM jobs WHERE payload = $1", vec![Value::Bytes(b"slow:3000:alpha".to_vec())])
                .await
                .unwrap();
        }
        assert_eq!(rows.get(0, "state"), Some(&Value::Text("done".into())), "{engine:?}");
        assert_eq!(rows.get(0, "attempts").and_then(Value::as_i64), Some(2), "{engine:?}: claimed again after the lease ran out");
        assert_eq!(setup.runs("alpha").await, 2, "{engine:?}: at least once: the handler ran twice, and being idempotent, recorded once");
        server.stop();
        db.close().await;
    }
}

#[tokio::test]
async fn old_finished_jobs_are_pruned_and_the_rest_kept() {
    for engine in ENGINES {
        let t = crate::support::test_db(engine, &DatabaseConfig::default()).await;
        let jobs = jobs_on(&t.db, "n1");
        let now = aerie::clock::now_millis();
        let day = 24 * 3_600_000_i64;
        // (state, age in days) → expected to survive a prune keeping done 7 days, dead 30.
        let cases =
            [("done", 8, false), ("done", 1, true), ("dead", 31, false), ("dead", 8, true), ("pending", 60, true), ("running", 60, true)];
        let mut ids = Vec::new();
        for (i, (state, age, _)) in cases.iter().enumerate() {
            let mut job = NewJob::new("work", b"p".to_vec());
            job.idempotency_key = Some(format!("key-{i}"));
            let id = jobs.enqueue(job).await.unwrap().unwrap();
            t.db.execute(
                "UPDATE jobs SET state = $1, updated_at = $2 WHERE id = $3",
                vec![(*state).into(), (now - age * day).into(), id.into()],
            )
            .await
            .unwrap();
            ids.push(id);
        }
        let removed = jobs.prune(Some(now - 7 * day), Some(now - 30 * day)).await.unwrap();
        assert_eq!(removed, 2, "{engine:?}");
        for ((state, age, survives), id) in cases.iter().zip(&ids) {
            let rows = t.db.query("SELECT id FROM jobs WHERE id = $1", vec![(*id).into()]).await.unwrap();
            assert_eq!(!rows.rows.is_empty(), *survives, "{engine:?}: a {state} job {age} days old");
        }
        // The pruned job's idempotency key is free again.
        let mut again = NewJob::new("work", b"p".to_vec());
        again.idempotency_key = Some("key-0".into());
        assert!(jobs.enqueue(again).await.unwrap().is_some(), "{engine:?}");
        // Keeping forever removes nothing.
        assert_eq!(jobs.prune(None, None).await.unwrap(), 0);
    }
}
