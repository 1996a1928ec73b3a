//! Running one queued delivery: sign as the sender, POST to the inbox, and decide
//! what a failure means — retry later (network, 5xx, 429), give up at once (other
//! 4xx: the remote refuses this activity for good), or wait because the host's
//! circuit is open (it failed many times in a row, so it is not hammered).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::client::OutboundError;
use super::service::{Delivery, Federation};

/// How a delivery ended.
#[derive(Debug)]
pub enum Outcome {
    Delivered,
    /// Try again with backoff.
    Retry(String),
    /// Dead-letter now: retrying cannot help.
    GiveUp(String),
}

/// How long a host whose circuit opened is left alone.
const OPEN_FOR: Duration = Duration::from_secs(60);

/// Per-host consecutive failures; at the threshold the host is skipped for a while.
pub struct CircuitBreaker {
    threshold: u32,
    hosts: Mutex<HashMap<String, (u32, Option<Instant>)>>,
}

impl CircuitBreaker {
    pub fn new(threshold: u32) -> CircuitBreaker {
        CircuitBreaker { threshold: threshold.max(1), hosts: Mutex::new(HashMap::new()) }
    }

    /// Whether requests to `host` should wait (its circuit is open).
    pub fn is_open(&self, host: &str) -> bool {
        let hosts = self.hosts.lock().unwrap();
        matches!(hosts.get(host), Some((_, Some(until))) if *until > Instant::now())
    }

    pub fn succeeded(&self, host: &str) {
        self.hosts.lock().unwrap().remove(host);
    }

    pub fn failed(&self, host: &str) {
        let mut hosts = self.hosts.lock().unwrap();
        let entry = hosts.entry(host.to_string()).or_insert((0, None));
        entry.0 += 1;
        if entry.0 >= self.threshold {
            entry.1 = Some(Instant::now() + OPEN_FOR);
        }
    }
}

/// A cap on deliveries in flight per remote host, so one slow server cannot take
/// every worker.
pub struct HostSlots {
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl HostSlots {
    pub fn new(per_host: u32) -> HostSlots {
        HostSlots { per_host: per_host.max(1) as usize, hosts: Mutex::new(HashMap::new()) }
    }

    pub async fn acquire(&self, host: &str) -> OwnedSemaphorePermit {
        let slot = self.hosts.lock().unwrap().entry(host.to_string()).or_insert_with(|| Arc::new(Semaphore::new(self.per_host))).clone();
        slot.acquire_owned().await.expect("host slots are never closed")
    }
}

/// Reads a delivery job's payload.
pub fn parse(payload: &[u8]) -> Result<Delivery, Outcome> {
    serde_json::from_slice(payload).map_err(|e| Outcome::GiveUp(format!("the delivery payload is not readable: {e}")))
}

/// The host a delivery goes to.
pub fn destination_host(delivery: &Delivery) -> String {
    reqwest::Url::parse(&delivery.inbox).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default()
}

/// Sends one delivery.
pub async fn send(federation: &Federation, delivery: Delivery) -> Outcome {
    let host = destination_host(&delivery);
    if federation.breaker.is_open(&host) {
        return Outcome::Retry(format!("{host} failed many times in a row; its deliveries wait"));
    }
    let signer = match delivery.sender {
        Some(account) => match federation.account_signer(account).await {
            Ok(signer) => signer,
            // The account was deleted: nobody can sign for it any more.
            Err(e) => return Outcome::GiveUp(format!("{e:#}")),
        },
        None => federation.instance_signer().clone(),
    };
    let _slot = federation.per_host.acquire(&host).await;
    match federation.outbound.post(&delivery.inbox, delivery.activity.into_bytes().into(), &signer).await {
        Ok(_) => {
            federation.breaker.succeeded(&host);
            Outcome::Delivered
        }
        Err(e @ (OutboundError::Refused(_) | OutboundError::Invalid(_))) => Outcome::GiveUp(e.to_string()),
        Err(e) if e.is_temporary() => {
            federation.breaker.failed(&host);
            Outcome::Retry(e.to_string())
        }
        // 4xx: the server understood and refused (or the inbox is gone); it answered, so
        // its circuit stays closed.
        Err(e) => Outcome::GiveUp(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_circuit_opens_at_the_threshold_and_closes_on_success() {
        let breaker = CircuitBreaker::new(3);
        breaker.failed("b.test");
        breaker.failed("b.test");
        assert!(!breaker.is_open("b.test"));
        breaker.failed("b.test");
        assert!(breaker.is_open("b.test"));
        assert!(!breaker.is_open("c.test"), "other hosts are not affected");
        breaker.succeeded("b.test");
        assert!(!breaker.is_open("b.test"));
    }
}
