//! 64-bit time-ordered ids: milliseconds since the epoch in the high bits, then a
//! node tag and a per-millisecond sequence, so ids sort by creation time and two
//! nodes sharing one database do not collide (while their tags differ).

use std::sync::Mutex;

/// Bits of the low half: 6 for the node tag, 10 for the sequence (1024 ids per ms).
const NODE_BITS: u32 = 6;
const SEQ_BITS: u32 = 10;

pub struct IdGenerator {
    node: i64,
    state: Mutex<(i64, i64)>,
}

impl IdGenerator {
    /// A generator for node `tag` (taken modulo 64).
    pub fn new(tag: u32) -> IdGenerator {
        IdGenerator { node: (tag as i64) & ((1 << NODE_BITS) - 1), state: Mutex::new((0, 0)) }
    }

    /// A generator with a random node tag.
    pub fn random() -> IdGenerator {
        IdGenerator::new(rand::random::<u32>())
    }

    /// The next id; strictly increasing on this generator.
    pub fn next(&self) -> i64 {
        let mut state = self.state.lock().unwrap();
        let mut now = crate::clock::now_millis().max(state.0);
        let seq = if now == state.0 { state.1 + 1 } else { 0 };
        let seq = if seq >= (1 << SEQ_BITS) {
            // Out of sequence numbers for this millisecond: borrow the next one.
            now += 1;
            0
        } else {
            seq
        };
        *state = (now, seq);
        (now << 16) | (self.node << SEQ_BITS) | seq
    }
}

/// The millisecond timestamp an id was made at.
pub fn id_millis(id: i64) -> i64 {
    id >> 16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_increase_and_carry_their_time() {
        let ids = IdGenerator::new(5);
        let mut last = 0;
        for _ in 0..5000 {
            let id = ids.next();
            assert!(id > last);
            last = id;
        }
        let now = crate::clock::now_millis();
        assert!((now - id_millis(last)).abs() < 5_000);
    }

    #[test]
    fn nodes_with_different_tags_never_collide() {
        let (a, b) = (IdGenerator::new(1), IdGenerator::new(2));
        let from_a: std::collections::HashSet<i64> = (0..3000).map(|_| a.next()).collect();
        assert!((0..3000).map(|_| b.next()).all(|id| !from_a.contains(&id)));
    }
}
