//! Load for `benches/timeline`, with latency percentiles:
//!
//! - `rate_load get URL --token T --rate 200 --seconds 20`: open loop, one GET every
//!   1/rate s on schedule, whether or not earlier ones answered; latency counts from
//!   the scheduled send time, so a server falling behind shows in the tail.
//! - `rate_load post URL --token T --clients 4 --seconds 10`: closed loop, each client
//!   POSTs a new status (form `status=...`) as soon as the previous one answered.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};

#[derive(Parser)]
struct Args {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// GETs at a fixed rate.
    Get {
        url: String,
        #[arg(long)]
        token: String,
        #[arg(long, default_value_t = 200)]
        rate: u32,
        #[arg(long, default_value_t = 20)]
        seconds: u32,
    },
    /// Status creation at saturation.
    Post {
        url: String,
        #[arg(long)]
        token: String,
        #[arg(long, default_value_t = 4)]
        clients: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
}

/// Sends `request` and reads the body; whether the answer was a 2xx.
async fn finish(request: reqwest::RequestBuilder) -> bool {
    let Ok(response) = request.send().await else { return false };
    let success = response.status().is_success();
    response.bytes().await.is_ok() && success
}

fn report(what: &str, mut latencies: Vec<Duration>, errors: usize, elapsed: Duration) {
    latencies.sort_unstable();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len().max(1)) - 1;
        latencies.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{what}: {} requests in {:.1} s ({:.1}/s), {errors} errors; latency ms p50 {:.2} p90 {:.2} p99 {:.2} max {:.2}",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0)
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
    match Args::parse().mode {
        Mode::Get { url, token, rate, seconds } => {
            let interval = Duration::from_secs(1) / rate;
            let start = tokio::time::Instant::now() + Duration::from_millis(50);
            let mut sent = Vec::new();
            for i in 0..rate * seconds {
                let at = start + interval * i;
                tokio::time::sleep_until(at).await;
                let request = client.get(&url).bearer_auth(&token);
                sent.push(tokio::spawn(async move { (finish(request).await, at.elapsed()) }));
            }
            let (mut latencies, mut errors) = (Vec::new(), 0);
            for request in sent {
                let (ok, latency) = request.await?;
                if ok { latencies.push(latency) } else { errors += 1 }
            }
            report(&format!("GET at {rate}/s"), latencies, errors, start.elapsed());
        }
        Mode::Post { url, token, clients, seconds } => {
            let counter = Arc::new(AtomicUsize::new(0));
            let start = Instant::now();
            let deadline = start + Duration::from_secs(seconds);
            let mut tasks = Vec::new();
            for _ in 0..clients {
                let (client, url, token, counter) = (client.clone(), url.clone(), token.clone(), counter.clone());
                tasks.push(tokio::spawn(async move {
                    let (mut latencies, mut errors) = (Vec::new(), 0);
                    while Instant::now() < deadline {
                        let n = counter.fetch_add(1, Ordering::Relaxed);
                        let text = format!("bench status {n}");
                        let sent = Instant::now();
                        if finish(client.post(&url).bearer_auth(&token).form(&[("status", text)])).await {
                            latencies.push(sent.elapsed());
                        } else {
                            errors += 1;
                        }
                    }
                    (latencies, errors)
                }));
            }
            let (mut latencies, mut errors) = (Vec::new(), 0);
            for task in tasks {
                let (l, e) = task.await?;
                latencies.extend(l);
                errors += e;
            }
            report(&format!("POST with {clients} clients"), latencies, errors, start.elapsed());
        }
    }
    Ok(())
}
