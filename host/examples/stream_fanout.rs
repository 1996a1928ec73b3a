//! Streaming fan-out for `benches/timeline`: opens CLIENTS Server-Sent-Events
//! connections (anonymous, `/api/v1/streaming/public` by default), posts one public
//! status, and reports how long after the POST's answer each connection got its
//! `update` event (negative: before the answer arrived).
//!
//! Run: `cargo run --release --example stream_fanout -- http://127.0.0.1:PORT --token T [--clients 1000]`
//! (each connection is a socket on both sides: raise `ulimit -n` first).

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use tokio::sync::{Semaphore, mpsc};

#[derive(Parser)]
struct Args {
    /// The server, e.g. http://127.0.0.1:8080.
    base: String,
    /// A token with write:statuses, for the POST.
    #[arg(long)]
    token: String,
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    #[arg(long, default_value = "/api/v1/streaming/public")]
    path: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let client = reqwest::Client::new();
    let marker = format!("fanout-{}-{}", std::process::id(), aerie::clock::now_millis());

    // Connect 50 at a time; a connection is subscribed once its headers arrived.
    let connecting = Arc::new(Semaphore::new(50));
    let (ready_tx, mut ready) = mpsc::unbounded_channel::<bool>();
    let (got_tx, mut got) = mpsc::unbounded_channel::<Instant>();
    let opened = Instant::now();
    for _ in 0..args.clients {
        let (client, url, marker) = (client.clone(), format!("{}{}", args.base, args.path), marker.clone());
        let (connecting, ready_tx, got_tx) = (connecting.clone(), ready_tx.clone(), got_tx.clone());
        tokio::spawn(async move {
            let permit = connecting.acquire_owned().await;
            let response = match client.get(&url).send().await {
                Ok(r) if r.status().is_success() => r,
                _ => {
                    let _ = ready_tx.send(false);
                    return;
                }
            };
            drop(permit);
            let _ = ready_tx.send(true);
            let mut seen = Vec::new();
            let mut response = response;
            while let Ok(Some(chunk)) = response.chunk().await {
                seen.extend_from_slice(&chunk);
                if seen.windows(marker.len()).any(|w| w == marker.as_bytes()) {
                    let _ = got_tx.send(Instant::now());
                    break;
                }
                // Keep only a tail long enough to hold a marker split across chunks.
                if seen.len() > 64 * 1024 {
                    seen.drain(..seen.len() - marker.len());
                }
            }
        });
    }
    let mut connected = 0;
    for _ in 0..args.clients {
        connected += usize::from(ready.recv().await.unwrap_or(false));
    }
    println!("{connected} of {} streams open in {:.2} s", args.clients, opened.elapsed().as_secs_f64());

    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = Instant::now();
    let answer = client
        .post(format!("{}/api/v1/statuses", args.base))
        .bearer_auth(&args.token)
        .form(&[("status", marker.as_str()), ("visibility", "public")])
        .send()
        .await?;
    anyhow::ensure!(answer.status().is_success(), "posting the status answered {}", answer.status());
    let answered = Instant::now();

    let mut delays = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while delays.len() < connected {
        match tokio::time::timeout_at(deadline, got.recv()).await {
            Ok(Some(at)) => delays.push((at.duration_since(sent).as_secs_f64() - (answered - sent).as_secs_f64()) * 1000.0),
            _ => break,
        }
    }
    delays.sort_by(f64::total_cmp);
    let pct =
        |p: f64| delays.get(((delays.len() as f64 * p).ceil() as usize).clamp(1, delays.len().max(1)) - 1).copied().unwrap_or(f64::NAN);
    println!(
        "POST answered in {:.2} ms; {} of {connected} streams got the update; ms after the answer: p50 {:.2} p99 {:.2} max {:.2}",
        (answered - sent).as_secs_f64() * 1000.0,
        delays.len(),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    Ok(())
}
