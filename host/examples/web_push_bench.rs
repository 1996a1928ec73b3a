//! Web Push throughput and latency for `benches/web_push`.
//!
//! - `web_push_bench encrypt [--count 2000] [--concurrency 16]`: in one process, a
//!   loopback push service and the host's push path: each push's message encrypted
//!   (`aes128gcm`) for its own subscriber key, VAPID-signed and POSTed through the
//!   federation client (address policy, pooled connections), as `web-push-send` does.
//!   Reports pushes per second.
//! - `web_push_bench run BASE --author-token T --tokens FILE --port P`: against a
//!   running instance whose `[federation.resolve]` sends `push.test` to
//!   `127.0.0.1:P`: subscribes every `USERNAME TOKEN` line of FILE (mentions on),
//!   starts the push service on P, posts one status mentioning them all as the author
//!   and reports the time from the POST to the last push received (each decrypted).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aerie::mastodon::push::WebPush;
use aerie::mastodon::push::message::Message;
use aerie::mastodon::push::subscriptions::Subscription;
use aerie::mastodon::push::vapid::VapidKey;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::{Parser, Subcommand};
use web_push_native::p256;
use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint as _;

#[derive(Parser)]
struct Args {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// Encrypts, signs and POSTs pushes to an in-process loopback push service.
    Encrypt {
        #[arg(long, default_value_t = 2000)]
        count: usize,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
    },
    /// Times one mention's pushes to every subscriber of FILE through a running instance.
    Run {
        base: String,
        #[arg(long)]
        author_token: String,
        #[arg(long)]
        tokens: std::path::PathBuf,
        #[arg(long)]
        port: u16,
        #[arg(long, default_value_t = 120)]
        timeout: u64,
        /// Mention at most this many subscribers per status (0: all in one status),
        /// posting the statuses back to back.
        #[arg(long, default_value_t = 0)]
        per_status: usize,
    },
}

/// A subscriber's keys, as a browser makes them.
struct Keys {
    secret: p256::SecretKey,
    auth: [u8; 16],
}

impl Keys {
    fn new() -> Keys {
        let mut auth = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut auth);
        Keys { secret: p256::SecretKey::random(&mut rand::rngs::OsRng), auth }
    }
    fn p256dh(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.secret.public_key().to_encoded_point(false).as_bytes())
    }
}

/// The push service: counts pushes per path (and keeps their bodies to decrypt).
#[derive(Default)]
struct Sink {
    received: Mutex<Vec<(String, Vec<u8>)>>,
}

async fn start_sink(port: u16) -> anyhow::Result<(Arc<Sink>, u16)> {
    let sink = Arc::new(Sink::default());
    let app = axum::Router::new()
        .route(
            "/push/{name}",
            axum::routing::post(
                |axum::extract::State(sink): axum::extract::State<Arc<Sink>>,
                 axum::extract::Path(name): axum::extract::Path<String>,
                 body: axum::body::Bytes| async move {
                    sink.received.lock().unwrap().push((name, body.to_vec()));
                    axum::http::StatusCode::CREATED
                },
            ),
        )
        .with_state(sink.clone());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((sink, port))
}

async fn encrypt(count: usize, concurrency: usize) -> anyhow::Result<()> {
    let (sink, port) = start_sink(0).await?;
    let federation = aerie::config::FederationConfig {
        allow_private_networks: true,
        resolve: [("push.test".to_string(), format!("127.0.0.1:{port}"))].into_iter().collect(),
        ..Default::default()
    };
    let outbound = aerie::federation::client::Outbound::new(&federation, "social.test")?;
    let vapid = VapidKey::generate();
    let push = Arc::new(WebPush {
        seal: aerie::mastodon::push::sealed_token::TokenSeal::new(&vapid.secret_bytes()),
        vapid,
        subject: "mailto:admin@social.test".into(),
        routes: Default::default(),
        https: false,
        host: "social.test".into(),
    });
    let keys: Vec<Keys> = (0..concurrency).map(|_| Keys::new()).collect();
    let subscriptions: Vec<Subscription> = keys
        .iter()
        .enumerate()
        .map(|(n, k)| Subscription {
            id: n as i64,
            account_id: n as i64,
            endpoint: format!("http://push.test/push/{n}"),
            key_p256dh: k.p256dh(),
            key_auth: URL_SAFE_NO_PAD.encode(k.auth),
            alerts: Default::default(),
            policy: "all".into(),
            access_token: push.seal.seal(&"x".repeat(43)),
        })
        .collect();
    let message = Message {
        preferred_locale: "en".into(),
        notification_id: 113_000_000_000_000_000,
        notification_type: "mention".into(),
        icon: "https://social.test/avatars/original/missing.png".into(),
        title: "You were mentioned by alice".into(),
        body: "@bob a mention of a usual length, with a few words in it to make it look like a real post".into(),
    };
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for subscription in subscriptions {
        let (push, outbound, message, next) = (push.clone(), outbound.clone(), message.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < count {
                let (url, headers, body) = aerie::mastodon::push::jobs::request(&push, &subscription, &message).unwrap();
                outbound.post_unsigned(url.as_str(), headers, body).await.unwrap();
            }
        }));
    }
    for worker in workers {
        worker.await?;
    }
    let elapsed = started.elapsed();
    let got = sink.received.lock().unwrap().len();
    anyhow::ensure!(got == count, "the push service received {got} of {count}");
    // Spot-check that what was sent decrypts for its subscriber.
    let (name, body) = sink.received.lock().unwrap()[0].clone();
    let k = &keys[name.parse::<usize>()?];
    web_push_native::decrypt(body, &k.secret, web_push_native::Auth::from_slice(&k.auth)).map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{count} pushes encrypted, signed and POSTed to a loopback push service in {:.2} s ({concurrency} at once): {:.0} pushes/s",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}

async fn run(base: &str, author_token: &str, tokens: &std::path::Path, port: u16, timeout: u64, per_status: usize) -> anyhow::Result<()> {
    let base = base.trim_end_matches('/');
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?;
    let mut subscribers = Vec::new();
    for line in std::fs::read_to_string(tokens)?.lines().filter(|l| !l.trim().is_empty()) {
        let (username, token) = line.trim().split_once(' ').ok_or_else(|| anyhow::anyhow!("a line is not `USERNAME TOKEN`"))?;
        let keys = Keys::new();
        let body = serde_json::json!({
            "subscription": {"endpoint": format!("http://push.test/push/{username}"), "keys": {"p256dh": keys.p256dh(), "auth": URL_SAFE_NO_PAD.encode(keys.auth)}},
            "data": {"alerts": {"mention": true}, "policy": "all"}
        });
        let response = client.post(format!("{base}/api/v1/push/subscription")).bearer_auth(token).json(&body).send().await?;
        anyhow::ensure!(response.status().is_success(), "subscribing {username}: {}", response.status());
        subscribers.push((username.to_string(), keys));
    }
    let (sink, _) = start_sink(port).await?;
    let chunk = if per_status == 0 { subscribers.len() } else { per_status };
    let started = Instant::now();
    for group in subscribers.chunks(chunk) {
        let text: String = group.iter().map(|(name, _)| format!("@{name} ")).collect::<String>() + "push benchmark";
        let response = client
            .post(format!("{base}/api/v1/statuses"))
            .bearer_auth(author_token)
            .json(&serde_json::json!({"status": text}))
            .send()
            .await?;
        anyhow::ensure!(response.status().is_success(), "posting: {} {}", response.status(), response.text().await?);
    }
    let answered = started.elapsed();
    let deadline = started + Duration::from_secs(timeout);
    let mut first = None;
    loop {
        let got = sink.received.lock().unwrap().len();
        if got > 0 && first.is_none() {
            first = Some(started.elapsed());
        }
        if got >= subscribers.len() {
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "only {got} of {} pushes arrived", subscribers.len());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let all = started.elapsed();
    for (name, body) in sink.received.lock().unwrap().iter() {
        let (_, keys) = subscribers.iter().find(|(n, _)| n == name).ok_or_else(|| anyhow::anyhow!("a push for {name}"))?;
        let plain = web_push_native::decrypt(body.clone(), &keys.secret, web_push_native::Auth::from_slice(&keys.auth))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let message: serde_json::Value = serde_json::from_slice(&plain)?;
        anyhow::ensure!(message["notification_type"] == "mention", "{message}");
    }
    println!(
        "{} subscribers mentioned ({} a status): API answered in {:.0} ms, first push after {:.0} ms, all {} pushes (decrypted, mention) after {:.0} ms",
        subscribers.len(),
        chunk,
        answered.as_secs_f64() * 1000.0,
        first.unwrap_or_default().as_secs_f64() * 1000.0,
        subscribers.len(),
        all.as_secs_f64() * 1000.0
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Args::parse().mode {
        Mode::Encrypt { count, concurrency } => encrypt(count, concurrency).await,
        Mode::Run { base, author_token, tokens, port, timeout, per_status } => {
            run(&base, &author_token, &tokens, port, timeout, per_status).await
        }
    }
}
