//! Mastodon's API rate limit: a number of requests per five-minute window for each
//! account (or, without a token, each client address), reported on every API answer
//! in `X-RateLimit-Limit`, `-Remaining` and `-Reset`, and 429 beyond it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// Mastodon's window.
pub const WINDOW: Duration = Duration::from_secs(300);

/// Who a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Caller {
    Account(i64),
    Address(IpAddr),
}

/// The state after counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub limit: u32,
    pub remaining: u32,
    /// When the window ends.
    pub reset: SystemTime,
    pub allowed: bool,
}

pub struct ApiRateLimit {
    limit: u32,
    windows: Mutex<HashMap<Caller, (SystemTime, u32)>>,
}

impl ApiRateLimit {
    /// `limit` requests per window; 0 means no limit.
    pub fn new(limit: u32) -> ApiRateLimit {
        ApiRateLimit { limit, windows: Mutex::new(HashMap::new()) }
    }

    /// Counts one request by `caller`; `None` when the limit is off.
    pub fn count(&self, caller: Caller) -> Option<Count> {
        if self.limit == 0 {
            return None;
        }
        let now = SystemTime::now();
        let mut windows = self.windows.lock().unwrap();
        if windows.len() > 50_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start).unwrap_or_default() < WINDOW);
        }
        let window = windows.entry(caller).or_insert((now, 0));
        if now.duration_since(window.0).unwrap_or_default() >= WINDOW {
            *window = (now, 0);
        }
        let allowed = window.1 < self.limit;
        if allowed {
            window.1 += 1;
        }
        Some(Count { limit: self.limit, remaining: self.limit - window.1, reset: window.0 + WINDOW, allowed })
    }
}

impl Count {
    /// The three headers, `X-RateLimit-Reset` as an ISO 8601 time like Mastodon's.
    pub fn headers(&self) -> [(&'static str, String); 3] {
        let reset: chrono::DateTime<chrono::Utc> = self.reset.into();
        [
            ("x-ratelimit-limit", self.limit.to_string()),
            ("x-ratelimit-remaining", self.remaining.to_string()),
            ("x-ratelimit-reset", reset.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_caller_and_refuses_beyond_the_limit() {
        let limit = ApiRateLimit::new(2);
        let alice = Caller::Account(1);
        assert_eq!(limit.count(alice).unwrap().remaining, 1);
        assert_eq!(limit.count(alice).unwrap().remaining, 0);
        assert!(!limit.count(alice).unwrap().allowed);
        assert!(limit.count(Caller::Account(2)).unwrap().allowed);
        assert!(ApiRateLimit::new(0).count(alice).is_none());
    }
}
