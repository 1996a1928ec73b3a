//! Inbox load for `benches/federation`: signed `Create(Note)` activities POSTed to
//! `/inbox` as another server would send them, then the `inbox` jobs they became
//! followed until the component has processed them all.
//!
//! 1. Seeds ACTORS remote accounts on `remote.test` straight into the database, with
//!    their public keys (so the inbox verifies against stored keys and never fetches;
//!    the accounts count as freshly fetched, so the component does not refetch them).
//!    They share one RSA-2048 key pair, each under its own key id: verifying costs the
//!    same, and generating a thousand keys would take minutes.
//! 2. Signs REQUESTS activities up front (Digest + HTTP signature over
//!    `(request-target) host date digest`, as Mastodon does): the signing is the
//!    sender's work, not the receiver's, so it stays out of the timed run.
//! 3. Sends them with CONNECTIONS concurrent connections, for at most SECONDS, and
//!    reports accepted/s (202 answers) with latency percentiles.
//! 4. Waits until no `inbox` job is pending or running and reports processed/s (jobs
//!    done, from the first send to the last job's completion) and the statuses stored.
//!
//! Run: `inbox_load DATABASE_URL BASE --host DOMAIN [--actors 100] [--requests 20000]
//! [--seconds 10] [--connections 32]` against a running instance whose database is
//! DATABASE_URL (SQLite in WAL mode or PostgreSQL).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aerie::clock::now_millis;
use aerie::config::DatabaseConfig;
use aerie::db::{Database, Value};
use aerie::federation::signatures::{SigningKey, sign};
use base64::Engine as _;
use clap::Parser;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use sha2::{Digest as _, Sha256};

#[derive(Parser)]
struct Args {
    /// The server's database (`sqlite://PATH` or `postgres://...`).
    database_url: String,
    /// The server's base URL, e.g. http://127.0.0.1:18933.
    base: String,
    /// The Host the requests carry and sign (the instance's domain).
    #[arg(long)]
    host: String,
    #[arg(long, default_value_t = 100)]
    actors: usize,
    /// Activities signed up front; the run stops when they are all sent.
    #[arg(long, default_value_t = 20_000)]
    requests: usize,
    /// The run stops after this many seconds even with activities left.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// How long to wait for the inbox jobs to finish after the run.
    #[arg(long, default_value_t = 300)]
    wait: u64,
}

/// The remote domain of the seeded actors (never resolvable: nothing is fetched).
const REMOTE: &str = "remote.test";

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

struct Prepared {
    body: bytes::Bytes,
    headers: reqwest::header::HeaderMap,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(args.actors > 0 && args.requests > 0 && args.connections > 0, "ACTORS, REQUESTS and CONNECTIONS must be at least 1");
    let config = DatabaseConfig { max_connections: 2, transaction_timeout_ms: 600_000, busy_timeout_ms: 30_000, ..Default::default() };
    let db = Database::open(&args.database_url, &config, false).await?;

    // A tag for this run: actor names and activity ids are new on every run.
    let tag = now_millis();
    let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048)?;
    let public_pem = rsa::RsaPublicKey::from(&private).to_public_key_pem(LineEnding::LF)?;
    let key = Arc::new(SigningKey::from_pem(&private.to_pkcs8_pem(LineEnding::LF)?)?);

    let seeded = Instant::now();
    let joined = tag - 2 * 86_400_000;
    let tx = db.begin().await?;
    for a in 0..args.actors {
        let name = format!("load{tag}_{a}");
        let uri = format!("http://{REMOTE}/users/{name}");
        tx.execute(
            "INSERT INTO accounts (id, username, domain, display_name, created_at, updated_at, fetched_at, uri, url, inbox_url, \
             shared_inbox_url, outbox_url, followers_url, public_key_id, public_key_pem) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            vec![
                Value::Int((joined << 16) | a as i64),
                Value::Text(name.clone()),
                Value::Text(REMOTE.into()),
                Value::Text(format!("Load {a}")),
                Value::Int(joined),
                Value::Int(now_millis()),
                Value::Text(uri.clone()),
                Value::Text(format!("http://{REMOTE}/@{name}")),
                Value::Text(format!("{uri}/inbox")),
                Value::Text(format!("http://{REMOTE}/inbox")),
                Value::Text(format!("{uri}/outbox")),
                Value::Text(format!("{uri}/followers")),
                Value::Text(format!("{uri}#main-key")),
                Value::Text(public_pem.clone()),
            ],
        )
        .await?;
    }
    tx.commit().await?;
    println!("seeded {} remote actors on {REMOTE} in {:.2} s", args.actors, seeded.elapsed().as_secs_f64());

    // Sign everything up front, on every core.
    let signing = Instant::now();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let prepared: Vec<Prepared> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let key = key.clone();
                let host = args.host.clone();
                let (actors, requests) = (args.actors, args.requests);
                scope.spawn(move || {
                    let mut out = Vec::new();
                    for k in (t..requests).step_by(threads) {
                        let name = format!("load{tag}_{}", k % actors);
                        let actor = format!("http://{REMOTE}/users/{name}");
                        let note = format!("{actor}/statuses/{k}");
                        let body = serde_json::to_vec(&serde_json::json!({
                            "@context": "https://www.w3.org/ns/activitystreams",
                            "id": format!("{note}/activity"),
                            "type": "Create",
                            "actor": actor,
                            "published": "2026-11-28T10:00:00Z",
                            "to": ["https://www.w3.org/ns/activitystreams#Public"],
                            "cc": [format!("{actor}/followers")],
                            "object": {
                                "id": note,
                                "type": "Note",
                                "attributedTo": actor,
                                "content": format!("<p>inbox load {k}: a short note like most notes</p>"),
                                "published": "2026-11-28T10:00:00Z",
                                "url": format!("http://{REMOTE}/@{name}/{k}"),
                                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                                "cc": [format!("{actor}/followers")]
                            }
                        }))
                        .expect("JSON");
                        let mut headers = http::HeaderMap::new();
                        headers.insert(http::header::HOST, host.parse().expect("a valid host"));
                        let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&body));
                        headers.insert("digest", format!("SHA-256={digest}").parse().expect("base64"));
                        headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/activity+json"));
                        sign("POST", "/inbox", &mut headers, &format!("{actor}#main-key"), &key).expect("signing");
                        out.push((k, Prepared { body: body.into(), headers }));
                    }
                    out
                })
            })
            .collect();
        let mut all: Vec<(usize, Prepared)> = handles.into_iter().flat_map(|h| h.join().expect("a signing thread")).collect();
        all.sort_by_key(|(k, _)| *k);
        all.into_iter().map(|(_, p)| p).collect()
    });
    println!("signed {} activities in {:.2} s (not timed below)", prepared.len(), signing.elapsed().as_secs_f64());

    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).pool_max_idle_per_host(args.connections).build()?;
    let url = format!("{}/inbox", args.base.trim_end_matches('/'));
    let prepared = Arc::new(prepared);
    let next = Arc::new(AtomicUsize::new(0));
    let started_ms = now_millis();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for _ in 0..args.connections {
        let (client, url, prepared, next) = (client.clone(), url.clone(), prepared.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut refused: Vec<String> = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= prepared.len() || Instant::now() >= deadline {
                    break;
                }
                let p = &prepared[i];
                let sent = Instant::now();
                let answer = client.post(&url).headers(p.headers.clone()).body(p.body.clone()).send().await;
                match answer {
                    Ok(response) if response.status().as_u16() == 202 => {
                        let _ = response.bytes().await;
                        latencies.push(sent.elapsed());
                    }
                    Ok(response) => {
                        let status = response.status().as_u16();
                        refused.push(format!("{status} {}", response.text().await.unwrap_or_default()));
                    }
                    Err(e) => refused.push(e.to_string()),
                }
            }
            (latencies, refused)
        }));
    }
    let mut latencies = Vec::new();
    let mut refused = Vec::new();
    for task in tasks {
        let (l, r) = task.await?;
        latencies.extend(l);
        refused.extend(r);
    }
    let elapsed = started.elapsed();
    let sent_ms = now_millis();
    latencies.sort_unstable();
    println!(
        "accepted: {} activities (202) in {:.2} s with {} connections = {:.0}/s; {} refused or failed; latency ms p50 {:.2} p90 {:.2} p99 {:.2} max {:.2}",
        latencies.len(),
        elapsed.as_secs_f64(),
        args.connections,
        latencies.len() as f64 / elapsed.as_secs_f64(),
        refused.len(),
        pct(&latencies, 0.50),
        pct(&latencies, 0.90),
        pct(&latencies, 0.99),
        pct(&latencies, 1.0),
    );
    if let Some(first) = refused.first() {
        println!("  first refusal: {}", first.chars().take(300).collect::<String>());
    }

    // Wait for the inbox component to work through the queue.
    let wait_until = Instant::now() + Duration::from_secs(args.wait);
    let mut at_send_end = None;
    loop {
        let rows = db
            .query(
                "SELECT state, COUNT(*) AS n FROM jobs WHERE kind = 'inbox' AND created_at >= $1 GROUP BY state",
                vec![Value::Int(started_ms - 1000)],
            )
            .await?;
        let mut open = 0;
        let mut done = 0;
        for r in 0..rows.len() {
            let n = rows.i64(r, "n").unwrap_or(0);
            match rows.text(r, "state") {
                Some("pending" | "running") => open += n,
                Some("done") => done += n,
                _ => {}
            }
        }
        at_send_end.get_or_insert(done);
        if open == 0 || Instant::now() >= wait_until {
            if open > 0 {
                println!("  gave up waiting after {} s with {open} inbox jobs still open", args.wait);
            }
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let rows = db
        .query(
            "SELECT state, COUNT(*) AS n, MAX(updated_at) AS last FROM jobs WHERE kind = 'inbox' AND created_at >= $1 GROUP BY state",
            vec![Value::Int(started_ms - 1000)],
        )
        .await?;
    let (mut done, mut last, mut other) = (0, started_ms, Vec::new());
    for r in 0..rows.len() {
        let n = rows.i64(r, "n").unwrap_or(0);
        match rows.text(r, "state") {
            Some("done") => {
                done = n;
                last = rows.i64(r, "last").unwrap_or(started_ms);
            }
            Some(state) => other.push(format!("{n} {state}")),
            None => {}
        }
    }
    let stored = db
        .query("SELECT COUNT(*) AS n FROM statuses WHERE uri LIKE $1", vec![Value::Text(format!("http://{REMOTE}/users/load{tag}_%"))])
        .await?
        .i64(0, "n")
        .unwrap_or(0);
    let window_s = (last - started_ms).max(1) as f64 / 1000.0;
    println!(
        "processed: {done} inbox jobs done {window_s:.2} s after the first send = {:.0}/s (verified, queued and processed end to end); \
         {} done while sending, the rest drained {:.2} s after the last send; {stored} statuses stored{}",
        done as f64 / window_s,
        at_send_end.unwrap_or(0),
        (last - sent_ms).max(0) as f64 / 1000.0,
        if other.is_empty() { String::new() } else { format!("; also {}", other.join(", ")) },
    );
    db.close().await;
    Ok(())
}
