//! Delivery fan-out for `benches/federation`: one public status to HOSTS remote
//! followers, each on its own server (`s0.test` … `s999.test`), all of them served by
//! one sink on loopback that the instance reaches through `[federation.resolve]`.
//!
//! - `delivery_sink seed DATABASE_URL AUTHOR [--hosts 1000]`: writes the followers
//!   straight into the database: a remote account `follower@sN.test` with the inbox
//!   `http://sN.test/inbox` for each N, following the local account AUTHOR.
//! - `delivery_sink resolve --port PORT [--hosts 1000]`: prints the
//!   `[federation.resolve]` lines that send every `sN.test` to `127.0.0.1:PORT`.
//! - `delivery_sink run BASE --token T --port PORT [--hosts 1000]`: starts the sink,
//!   posts one public status through the Mastodon API as the token's account, and
//!   waits until every host has received a POST (counted by distinct `Host` header);
//!   reports the time from sending the status to the last delivery.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aerie::clock::now_millis;
use aerie::config::DatabaseConfig;
use aerie::db::{Database, Transaction, Value};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use clap::{Parser, Subcommand};
use tokio::sync::Notify;

#[derive(Parser)]
struct Args {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// Seeds HOSTS remote followers of AUTHOR (a local username).
    Seed {
        database_url: String,
        author: String,
        #[arg(long, default_value_t = 1000)]
        hosts: usize,
    },
    /// Prints the `[federation.resolve]` entries for the sink.
    Resolve {
        #[arg(long)]
        port: u16,
        #[arg(long, default_value_t = 1000)]
        hosts: usize,
    },
    /// Runs the sink, posts one public status and times its delivery.
    Run {
        base: String,
        #[arg(long)]
        token: String,
        #[arg(long)]
        port: u16,
        #[arg(long, default_value_t = 1000)]
        hosts: usize,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 120)]
        timeout: u64,
    },
}

/// What the sink saw.
struct Sink {
    started: Instant,
    /// Host → when its first POST arrived.
    first: Mutex<HashMap<String, Duration>>,
    requests: Mutex<(usize, usize)>,
    want: usize,
    all_in: Notify,
}

async fn inbox(State(sink): State<Arc<Sink>>, headers: HeaderMap, _body: axum::body::Bytes) -> StatusCode {
    let at = sink.started.elapsed();
    let host = headers.get("host").and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase();
    let signed = headers.contains_key("signature") && headers.contains_key("digest");
    {
        let mut counts = sink.requests.lock().unwrap();
        counts.0 += 1;
        if !signed {
            counts.1 += 1;
        }
    }
    let distinct = {
        let mut first = sink.first.lock().unwrap();
        first.entry(host).or_insert(at);
        first.len()
    };
    if distinct >= sink.want {
        sink.all_in.notify_one();
    }
    StatusCode::ACCEPTED
}

async fn insert_rows(tx: &Transaction, head: &str, row_width: usize, rows: &[Vec<Value>]) -> anyhow::Result<()> {
    let mut placeholders = Vec::new();
    let mut params = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        let marks: Vec<String> = (1..=row_width).map(|c| format!("${}", r * row_width + c)).collect();
        placeholders.push(format!("({})", marks.join(", ")));
        params.extend(row.iter().cloned());
    }
    tx.execute(&format!("{head} VALUES {}", placeholders.join(", ")), params).await?;
    Ok(())
}

async fn seed(url: &str, author: &str, hosts: usize) -> anyhow::Result<()> {
    let config = DatabaseConfig { max_connections: 2, transaction_timeout_ms: 600_000, busy_timeout_ms: 30_000, ..Default::default() };
    let db = Database::open(url, &config, false).await?;
    let found =
        db.query("SELECT id FROM accounts WHERE domain IS NULL AND lower(username) = lower($1)", vec![Value::Text(author.into())]).await?;
    let author_id = found.i64(0, "id").ok_or_else(|| anyhow::anyhow!("no local account {author:?}"))?;
    let started = Instant::now();
    let now = now_millis();
    let joined = now - 2 * 86_400_000;
    let tx = db.begin().await?;
    for chunk in (0..hosts).collect::<Vec<_>>().chunks(200) {
        let mut accounts = Vec::new();
        let mut follows = Vec::new();
        for &n in chunk {
            let host = format!("s{n}.test");
            let uri = format!("http://{host}/users/follower");
            let id = (joined << 16) | n as i64;
            accounts.push(vec![
                Value::Int(id),
                Value::Text("follower".into()),
                Value::Text(host.clone()),
                Value::Int(joined),
                Value::Int(now),
                Value::Text(uri.clone()),
                Value::Text(format!("http://{host}/@follower")),
                Value::Text(format!("http://{host}/inbox")),
                Value::Text(format!("{uri}/outbox")),
                Value::Text(format!("{uri}/followers")),
                Value::Text(format!("{uri}#main-key")),
                Value::Int(1),
            ]);
            follows.push(vec![
                Value::Int(((joined + 1) << 16) | n as i64),
                Value::Int(id),
                Value::Int(author_id),
                Value::Text(format!("{uri}/follows/{n}")),
                Value::Int(joined + 1),
            ]);
        }
        insert_rows(
            &tx,
            "INSERT INTO accounts (id, username, domain, created_at, fetched_at, uri, url, inbox_url, outbox_url, followers_url, public_key_id, \
             following_count)",
            12,
            &accounts,
        )
        .await?;
        insert_rows(&tx, "INSERT INTO follows (id, account_id, target_account_id, uri, created_at)", 5, &follows).await?;
    }
    tx.execute(
        "UPDATE accounts SET followers_count = followers_count + $2 WHERE id = $1",
        vec![Value::Int(author_id), Value::Int(hosts as i64)],
    )
    .await?;
    tx.commit().await?;
    println!(
        "seeded {hosts} remote followers (follower@s0.test … s{}.test) of {author} in {:.2} s",
        hosts - 1,
        started.elapsed().as_secs_f64()
    );
    db.close().await;
    Ok(())
}

async fn run(base: &str, token: &str, port: u16, hosts: usize, timeout: u64) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let sink = Arc::new(Sink {
        started: Instant::now(),
        first: Mutex::new(HashMap::new()),
        requests: Mutex::new((0, 0)),
        want: hosts,
        all_in: Notify::new(),
    });
    let app = axum::Router::new().route("/inbox", axum::routing::post(inbox)).fallback(inbox).with_state(sink.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
    let sent = sink.started.elapsed();
    let response = client
        .post(format!("{}/api/v1/statuses", base.trim_end_matches('/')))
        .bearer_auth(token)
        .form(&[("status", format!("delivery benchmark at {}", now_millis())), ("visibility", "public".into())])
        .send()
        .await?;
    let answered = sink.started.elapsed();
    let status = response.status();
    let body = response.text().await?;
    anyhow::ensure!(status.is_success(), "posting the status: {status} {body}");

    let all = tokio::time::timeout(Duration::from_secs(timeout), async {
        loop {
            let notified = sink.all_in.notified();
            if sink.first.lock().unwrap().len() >= hosts {
                return;
            }
            notified.await;
        }
    })
    .await
    .is_ok();
    // Duplicates arriving just after the last host would not change the figure; a short
    // grace period lets them be counted.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let mut arrivals: Vec<Duration> = sink.first.lock().unwrap().values().map(|at| at.saturating_sub(sent)).collect();
    arrivals.sort_unstable();
    let (requests, unsigned) = *sink.requests.lock().unwrap();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at =
        |p: f64| arrivals.get(((arrivals.len() as f64 * p).ceil() as usize).clamp(1, arrivals.len().max(1)) - 1).copied().map_or(0.0, ms);
    println!(
        "POST /api/v1/statuses answered in {:.1} ms; {} of {hosts} hosts received it ({requests} requests, {unsigned} unsigned)",
        ms(answered - sent),
        arrivals.len()
    );
    println!("delivery after the status was sent, ms: first {:.1}, p50 {:.1}, p99 {:.1}, last {:.1}", at(0.0), at(0.5), at(0.99), at(1.0));
    match all {
        true => println!("all {hosts} delivered in {:.2} s", at(1.0) / 1000.0),
        false => println!("NOT all delivered: {} of {hosts} after {timeout} s", arrivals.len()),
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Args::parse().mode {
        Mode::Seed { database_url, author, hosts } => seed(&database_url, &author, hosts).await,
        Mode::Resolve { port, hosts } => {
            for n in 0..hosts {
                println!("\"s{n}.test\" = \"127.0.0.1:{port}\"");
            }
            Ok(())
        }
        Mode::Run { base, token, port, hosts, timeout } => run(&base, &token, port, hosts, timeout).await,
    }
}
