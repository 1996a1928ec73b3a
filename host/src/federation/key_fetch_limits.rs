//! How often this node fetches signers' keys. Every signed POST names a key, and a
//! key this node has not stored, or a stored one the signature does not verify with,
//! means a GET to the key's host. Without a bound, anyone can turn the inbox into a
//! fetch amplifier: twenty POSTs with a bad signature for a stored key were twenty
//! refetches, and made-up key ids on a victim's host are as many GETs to that host.
//!
//! Two bounds, both in memory on this node (each node of a cluster keeps its own):
//! - a stored key is **refetched** at most once per `refetch_interval` per key id (a
//!   peer that rotated its key needs one refetch; more cannot bring a new answer);
//! - all key fetches to one **host** (new keys and refetches alike) draw from a token
//!   bucket of `burst` tokens refilled at `per_minute`.
//!
//! Both maps are bounded: entries that no longer restrict anything (a refetch older
//! than the interval, a bucket that has refilled) are dropped when a map is full, and
//! if it is still full the fetch is refused. Refusing is the safe side: the sender
//! retries later, while a map that let entries go early would let fetches through.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Key ids whose last refetch is remembered.
const MAX_TRACKED_KEYS: usize = 10_000;
/// Hosts whose token bucket is remembered.
const MAX_TRACKED_HOSTS: usize = 10_000;

/// Why a key fetch is not made now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The stored key was refetched `ago`, less than `interval` ago.
    RecentlyRefetched { ago: Duration, interval: Duration },
    /// The host's key fetches are spent; the next token comes after `retry_after`.
    HostLimited { host: String, retry_after: Duration },
    /// Too many keys or hosts are held back at once to remember another.
    Saturated { retry_after: Duration },
}

impl Refused {
    /// When a retry can succeed.
    pub fn retry_after(&self) -> Duration {
        match self {
            Refused::RecentlyRefetched { ago, interval } => interval.saturating_sub(*ago),
            Refused::HostLimited { retry_after, .. } | Refused::Saturated { retry_after } => *retry_after,
        }
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::RecentlyRefetched { ago, interval } => write!(
                f,
                "the key was refetched {}s ago and is refetched at most once every {}s; sign with the key the actor \
                 document publishes, or retry after {}s",
                ago.as_secs(),
                interval.as_secs(),
                self.retry_after().as_secs().max(1)
            ),
            Refused::HostLimited { host, retry_after } => {
                write!(f, "too many keys were fetched from {host} just now; retry after {}s", retry_after.as_secs().max(1))
            }
            Refused::Saturated { retry_after } => {
                write!(f, "too many key fetches are being held back; retry after {}s", retry_after.as_secs().max(1))
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Default)]
struct State {
    refetched: HashMap<String, Instant>,
    buckets: HashMap<String, Bucket>,
}

/// The two bounds of one node.
pub struct KeyFetchLimits {
    refetch_interval: Duration,
    burst: f64,
    per_second: f64,
    state: Mutex<State>,
}

impl KeyFetchLimits {
    /// A stored key refetched at most once per `refetch_interval`; `burst` key
    /// fetches at once per host, refilled at `per_minute`.
    pub fn new(refetch_interval: Duration, burst: u32, per_minute: u32) -> KeyFetchLimits {
        KeyFetchLimits {
            refetch_interval,
            burst: burst.max(1) as f64,
            per_second: per_minute.max(1) as f64 / 60.0,
            state: Mutex::new(State::default()),
        }
    }

    /// May a key this node has not stored be fetched from `host` now? Takes a token.
    pub fn fetch(&self, host: &str) -> Result<(), Refused> {
        self.fetch_at(host, Instant::now())
    }

    /// May the stored key `key_id` on `host` be refetched now? Takes a token and
    /// starts the key's interval.
    pub fn refetch(&self, key_id: &str, host: &str) -> Result<(), Refused> {
        self.refetch_at(key_id, host, Instant::now())
    }

    fn fetch_at(&self, host: &str, now: Instant) -> Result<(), Refused> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        self.take_token(&mut state, host, now)
    }

    fn refetch_at(&self, key_id: &str, host: &str, now: Instant) -> Result<(), Refused> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(&last) = state.refetched.get(key_id) {
            let ago = now.saturating_duration_since(last);
            if ago < self.refetch_interval {
                return Err(Refused::RecentlyRefetched { ago, interval: self.refetch_interval });
            }
        }
        if !state.refetched.contains_key(key_id) && state.refetched.len() >= MAX_TRACKED_KEYS {
            let interval = self.refetch_interval;
            state.refetched.retain(|_, last| now.saturating_duration_since(*last) < interval);
            if state.refetched.len() >= MAX_TRACKED_KEYS {
                // The oldest entry ends its interval first.
                let oldest = state.refetched.values().min().copied().unwrap_or(now);
                return Err(Refused::Saturated { retry_after: interval.saturating_sub(now.saturating_duration_since(oldest)) });
            }
        }
        // The host's bucket is the last check, so that a refusal takes no token.
        self.take_token(&mut state, host, now)?;
        state.refetched.insert(key_id.to_string(), now);
        Ok(())
    }

    fn take_token(&self, state: &mut State, host: &str, now: Instant) -> Result<(), Refused> {
        let refill =
            |bucket: &Bucket| (bucket.tokens + now.saturating_duration_since(bucket.at).as_secs_f64() * self.per_second).min(self.burst);
        if !state.buckets.contains_key(host) && state.buckets.len() >= MAX_TRACKED_HOSTS {
            // A bucket that has refilled restricts nothing: forget it.
            state.buckets.retain(|_, bucket| refill(bucket) < self.burst);
            if state.buckets.len() >= MAX_TRACKED_HOSTS {
                return Err(Refused::Saturated { retry_after: Duration::from_secs_f64(1.0 / self.per_second) });
            }
        }
        let bucket = state.buckets.entry(host.to_string()).or_insert(Bucket { tokens: self.burst, at: now });
        let tokens = refill(bucket);
        if tokens < 1.0 {
            return Err(Refused::HostLimited {
                host: host.to_string(),
                retry_after: Duration::from_secs_f64((1.0 - tokens) / self.per_second),
            });
        }
        *bucket = Bucket { tokens: tokens - 1.0, at: now };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn a_stored_key_is_refetched_once_per_interval() {
        let limits = KeyFetchLimits::new(5 * MINUTE, 100, 60);
        let t0 = Instant::now();
        assert_eq!(limits.refetch_at("https://b.test/u#k", "b.test", t0), Ok(()));
        for later in [Duration::ZERO, MINUTE, 4 * MINUTE] {
            let refused = limits.refetch_at("https://b.test/u#k", "b.test", t0 + later).unwrap_err();
            assert_eq!(refused, Refused::RecentlyRefetched { ago: later, interval: 5 * MINUTE });
            assert!(refused.to_string().contains("refetched"), "{refused}");
        }
        // Another key on the same host has its own interval.
        assert_eq!(limits.refetch_at("https://b.test/v#k", "b.test", t0), Ok(()));
        assert_eq!(limits.refetch_at("https://b.test/u#k", "b.test", t0 + 5 * MINUTE), Ok(()));
    }

    #[test]
    fn fetches_to_one_host_draw_from_its_bucket() {
        let limits = KeyFetchLimits::new(5 * MINUTE, 3, 6);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limits.fetch_at("b.test", t0), Ok(()));
        }
        let Err(Refused::HostLimited { host, retry_after }) = limits.fetch_at("b.test", t0) else { panic!("the fourth fetch is refused") };
        assert_eq!((host.as_str(), retry_after.as_secs()), ("b.test", 10));
        // Other hosts are not affected; a refetch draws from the same bucket, and a
        // refused one does not start the key's interval.
        assert_eq!(limits.fetch_at("c.test", t0), Ok(()));
        assert!(matches!(limits.refetch_at("https://b.test/u#k", "b.test", t0), Err(Refused::HostLimited { .. })));
        // Six a minute: one token after ten seconds.
        assert_eq!(limits.refetch_at("https://b.test/u#k", "b.test", t0 + Duration::from_secs(10)), Ok(()));
        assert!(limits.fetch_at("b.test", t0 + Duration::from_secs(10)).is_err());
        // Never more than the burst, however long the host was quiet.
        let much_later = t0 + 60 * MINUTE;
        for _ in 0..3 {
            assert_eq!(limits.fetch_at("b.test", much_later), Ok(()));
        }
        assert!(limits.fetch_at("b.test", much_later).is_err());
    }

    #[test]
    fn the_maps_stay_bounded() {
        let limits = KeyFetchLimits::new(5 * MINUTE, 1, 60);
        let t0 = Instant::now();
        for n in 0..MAX_TRACKED_HOSTS {
            assert_eq!(limits.fetch_at(&format!("h{n}.test"), t0), Ok(()));
        }
        // Every bucket is empty: a new host cannot be remembered, and is refused.
        assert!(matches!(limits.fetch_at("new.test", t0), Err(Refused::Saturated { .. })));
        // Once the buckets have refilled they are forgotten and room is made.
        assert_eq!(limits.fetch_at("new.test", t0 + Duration::from_secs(2)), Ok(()));
        assert!(limits.state.lock().unwrap().buckets.len() <= MAX_TRACKED_HOSTS);

        let limits = KeyFetchLimits::new(5 * MINUTE, u32::MAX, 60);
        for n in 0..MAX_TRACKED_KEYS {
            assert_eq!(limits.refetch_at(&format!("https://b.test/{n}#k"), "b.test", t0), Ok(()));
        }
        assert!(matches!(limits.refetch_at("https://b.test/new#k", "b.test", t0), Err(Refused::Saturated { .. })));
        assert_eq!(limits.refetch_at("https://b.test/new#k", "b.test", t0 + 5 * MINUTE), Ok(()));
        assert_eq!(limits.state.lock().unwrap().refetched.len(), 1);
    }
}
