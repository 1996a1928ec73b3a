//! Per-component call statistics: calls, traps and a recent-latency window for p99.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How many recent call durations the p99 is computed over.
const WINDOW: usize = 1024;

#[derive(Default)]
pub struct CallStats {
    calls: AtomicU64,
    traps: AtomicU64,
    recent_us: Mutex<VecDeque<u64>>,
}

impl CallStats {
    pub fn record(&self, elapsed: Duration, trapped: bool) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if trapped {
            self.traps.fetch_add(1, Ordering::Relaxed);
        }
        let mut recent = self.recent_us.lock().unwrap();
        if recent.len() == WINDOW {
            recent.pop_front();
        }
        recent.push_back(elapsed.as_micros() as u64);
    }

    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    pub fn traps(&self) -> u64 {
        self.traps.load(Ordering::Relaxed)
    }

    /// The 99th percentile of recent call durations, in microseconds (0 when idle).
    pub fn p99_us(&self) -> u64 {
        let mut sorted: Vec<u64> = self.recent_us.lock().unwrap().iter().copied().collect();
        if sorted.is_empty() {
            return 0;
        }
        sorted.sort_unstable();
        sorted[((sorted.len() * 99).div_ceil(100)).saturating_sub(1)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p99_is_the_slow_tail() {
        let stats = CallStats::default();
        for i in 1..=100u64 {
            stats.record(Duration::from_micros(i), i == 100);
        }
        assert_eq!((stats.calls(), stats.traps(), stats.p99_us()), (100, 1, 99));
    }
}
