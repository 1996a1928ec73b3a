//! Slows password guessing: each client address gets a few password checks per
//! window; more are refused with 429 until the window passes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginLimit {
    per_window: u32,
    window: Duration,
    seen: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl LoginLimit {
    pub fn new(per_window: u32, window: Duration) -> LoginLimit {
        LoginLimit { per_window, window, seen: Mutex::new(HashMap::new()) }
    }

    /// Counts one attempt from `ip`; `Err(seconds)` says how long until it may try again.
    pub fn attempt(&self, ip: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap();
        if seen.len() > 10_000 {
            seen.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = seen.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_window {
            return Err((self.window - now.duration_since(entry.0)).as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_beyond_the_window_budget_are_refused_per_address() {
        let limit = LoginLimit::new(2, Duration::from_secs(60));
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        assert!(limit.attempt(a).is_ok());
        assert!(limit.attempt(a).is_ok());
        assert!(limit.attempt(a).is_err());
        assert!(limit.attempt(b).is_ok());
    }
}
