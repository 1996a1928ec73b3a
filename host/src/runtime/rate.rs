//! A token bucket per component: `limits.calls_per_second`, with a burst of one
//! second's worth of calls.

use std::sync::Mutex;
use std::time::Instant;

pub struct RateLimit {
    per_second: f64,
    state: Mutex<(f64, Instant)>,
}

impl RateLimit {
    pub fn new(per_second: u32) -> RateLimit {
        let per_second = per_second.max(1) as f64;
        RateLimit { per_second, state: Mutex::new((per_second, Instant::now())) }
    }

    /// Takes a token if one is left.
    pub fn allow(&self) -> bool {
        let mut state = self.state.lock().unwrap();
        let (tokens, last) = *state;
        let now = Instant::now();
        let tokens = (tokens + now.duration_since(last).as_secs_f64() * self.per_second).min(self.per_second);
        if tokens >= 1.0 {
            *state = (tokens - 1.0, now);
            true
        } else {
            *state = (tokens, now);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RateLimit;

    #[test]
    fn a_burst_is_cut_at_the_rate_then_refills() {
        let limit = RateLimit::new(5);
        let allowed = (0..20).filter(|_| limit.allow()).count();
        assert_eq!(allowed, 5);
        std::thread::sleep(std::time::Duration::from_millis(450));
        assert!(limit.allow() && limit.allow(), "refilled at 5 per second");
    }
}
