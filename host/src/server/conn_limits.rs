//! How many connections one client address may hold at once.
//!
//! The global cap (a semaphore in [`super::listener`]) keeps file descriptors for the
//! database, the blob store and outbound federation; this per-address cap keeps one
//! address from taking the whole global allowance, so one client holding a thousand
//! half-sent requests cannot lock everyone else out.
//!
//! A direct client is counted per TCP connection. A trusted proxy is never counted by
//! its own address (every client behind it shares that address); the clients it
//! forwards are counted per request in flight, by their forwarded address, once the
//! headers are read.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Open connections (or forwarded requests) per client address.
#[derive(Debug)]
pub struct AddressCounts {
    /// 0: no per-address cap.
    cap: usize,
    counts: Mutex<HashMap<IpAddr, usize>>,
}

impl AddressCounts {
    pub fn new(cap: usize) -> Arc<AddressCounts> {
        Arc::new(AddressCounts { cap, counts: Mutex::new(HashMap::new()) })
    }

    /// Whether a cap applies at all.
    pub fn enabled(&self) -> bool {
        self.cap > 0
    }

    /// A slot for `ip`, held until dropped; `None` when `ip` already holds the cap.
    /// Without a cap, nothing is counted and every call gets a slot.
    pub fn try_acquire(self: &Arc<AddressCounts>, ip: IpAddr) -> Option<AddressSlot> {
        if !self.enabled() {
            return Some(AddressSlot { counts: None, ip });
        }
        let ip = canonical(ip);
        let mut counts = self.counts.lock().unwrap();
        let count = counts.entry(ip).or_insert(0);
        if *count >= self.cap {
            return None;
        }
        *count += 1;
        Some(AddressSlot { counts: Some(self.clone()), ip })
    }

    /// How many slots `ip` holds now.
    pub fn held(&self, ip: IpAddr) -> usize {
        self.counts.lock().unwrap().get(&canonical(ip)).copied().unwrap_or(0)
    }
}

/// One connection's (or forwarded request's) place in its address's count.
#[derive(Debug)]
pub struct AddressSlot {
    counts: Option<Arc<AddressCounts>>,
    ip: IpAddr,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let Some(counts) = &self.counts else { return };
        let mut map = counts.counts.lock().unwrap();
        if let Some(count) = map.get_mut(&self.ip) {
            *count -= 1;
            // Addresses that hold nothing are forgotten, so the map stays as small as
            // the set of clients connected right now.
            if *count == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// `::ffff:a.b.c.d` and `a.b.c.d` are one client (a dual-stack listener sees the former).
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_at_most_the_cap_and_slots_come_back_when_dropped() {
        let counts = AddressCounts::new(2);
        let a: IpAddr = "203.0.113.1".parse().unwrap();
        let b: IpAddr = "203.0.113.2".parse().unwrap();
        let first = counts.try_acquire(a).unwrap();
        let _second = counts.try_acquire(a).unwrap();
        assert!(counts.try_acquire(a).is_none(), "a third slot for the same address");
        assert!(counts.try_acquire("::ffff:203.0.113.1".parse().unwrap()).is_none(), "the mapped form is the same client");
        assert!(counts.try_acquire(b).is_some(), "another address is not affected");
        drop(first);
        assert_eq!(counts.held(a), 1);
        assert!(counts.try_acquire(a).is_some());
        assert_eq!(counts.held(b), 0, "a dropped slot is forgotten");
    }

    #[test]
    fn without_a_cap_nothing_is_counted() {
        let counts = AddressCounts::new(0);
        let a: IpAddr = "203.0.113.1".parse().unwrap();
        let slots: Vec<_> = (0..1000).map(|_| counts.try_acquire(a).unwrap()).collect();
        assert_eq!((slots.len(), counts.held(a)), (1000, 0));
    }
}
