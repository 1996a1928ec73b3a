//! Jobs/s through the durable queue on SQLite and PostgreSQL: enqueue N jobs, then
//! claim and complete them with W concurrent workers (the queue itself, without
//! component calls). Run: `benches/jobs` (or `cargo run --release --example jobs_bench`;
//! `AERIE_BENCH_PG` names the PostgreSQL server, default postgres://postgres@127.0.0.1:5432/test).

use std::sync::Arc;
use std::time::{Duration, Instant};

use aerie::config::DatabaseConfig;
use aerie::db::Database;
use aerie::ids::IdGenerator;
use aerie::jobs::{Jobs, NewJob};

const JOBS: usize = 5_000;
const WORKERS: usize = 8;
const BATCH: u32 = 16;

async fn run(name: &str, url: &str) -> anyhow::Result<()> {
    let db = Database::open(url, &DatabaseConfig { max_connections: 16, ..Default::default() }, true).await?;
    let ids = Arc::new(IdGenerator::new(1));
    let jobs = Jobs::new(db.clone(), "bench", ids);

    let started = Instant::now();
    let mut enqueues = Vec::new();
    for i in 0..JOBS {
        let jobs = jobs.clone();
        enqueues.push(tokio::spawn(async move { jobs.enqueue(NewJob::new("bench", i.to_le_bytes().to_vec())).await }));
    }
    for e in enqueues {
        e.await??;
    }
    let enqueue_s = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..WORKERS {
        let jobs = jobs.clone();
        workers.push(tokio::spawn(async move {
            let mut done = 0usize;
            loop {
                let batch = jobs.claim(BATCH, Duration::from_secs(60)).await?;
                if batch.is_empty() {
                    return anyhow::Ok(done);
                }
                for job in batch {
                    jobs.complete(job.id).await?;
                    done += 1;
                }
            }
        }));
    }
    let mut total = 0;
    for w in workers {
        total += w.await??;
    }
    let work_s = started.elapsed().as_secs_f64();
    println!("| {name} | {JOBS} | {:.0} | {:.0} |", JOBS as f64 / enqueue_s, total as f64 / work_s);
    db.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    println!("| engine | jobs | enqueued/s (concurrent) | claimed+completed/s ({WORKERS} workers, batches of {BATCH}) |");
    println!("|---|---|---|---|");
    run("SQLite (synchronous=FULL)", &format!("sqlite://{}", dir.path().join("bench.db").display())).await?;

    let admin = std::env::var("AERIE_BENCH_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!("aerie_bench_{}", std::process::id());
    let base = &admin[..admin.rfind('/').unwrap()];
    let setup = Database::open(&admin, &DatabaseConfig::default(), false).await?;
    setup.execute(&format!("CREATE DATABASE {name}"), vec![]).await?;
    let result = run("PostgreSQL", &format!("{base}/{name}")).await;
    setup.execute(&format!("DROP DATABASE {name} WITH (FORCE)"), vec![]).await?;
    setup.close().await;
    result
}
