//! 64-bit time-ordered ids: milliseconds since the epoch in the high bits, then a
//! node tag and a per-millisecond sequence, so ids sort by creation time and two
//! nodes sharing one database never collide: each node leases its own tag in the
//! `id_nodes` table ([`claim_node_tag`]) and keeps it alive with a heartbeat.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use crate::clock::now_millis;
use crate::db::{Database, Value};

/// How many tags exist (6 bits).
pub const NODE_TAGS: u32 = 1 << NODE_BITS;
/// A tag whose heartbeat is older than this may be taken over.
pub const TAG_STALE_MS: i64 = 60_000;
/// How often a node renews its tag.
pub const TAG_HEARTBEAT: Duration = Duration::from_secs(15);

/// Bits of the low half: 6 for the node tag, 10 for the sequence (1024 ids per ms).
const NODE_BITS: u32 = 6;
const SEQ_BITS: u32 = 10;

pub struct IdGenerator {
    node: AtomicI64,
    state: Mutex<(i64, i64)>,
}

impl IdGenerator {
    /// A generator for node `tag` (taken modulo 64).
    pub fn new(tag: u32) -> IdGenerator {
        IdGenerator { node: AtomicI64::new((tag as i64) & ((1 << NODE_BITS) - 1)), state: Mutex::new((0, 0)) }
    }

    /// Switches to a newly leased tag (after losing the old one).
    pub fn set_tag(&self, tag: u32) {
        self.node.store((tag as i64) & ((1 << NODE_BITS) - 1), Ordering::SeqCst);
    }

    pub fn tag(&self) -> u32 {
        self.node.load(Ordering::SeqCst) as u32
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
        (now << 16) | (self.node.load(Ordering::Relaxed) << SEQ_BITS) | seq
    }
}

impl IdGenerator {
    /// An id for an object made at `millis` elsewhere, keyed by its URI. A time in the
    /// future (a remote clock running ahead, or a forged date) is clamped to now and
    /// gets a fresh id, so nothing can jump to the top of a timeline.
    pub fn at(&self, millis: i64, key: &str) -> i64 {
        if millis >= crate::clock::now_millis() || millis < 0 {
            return self.next();
        }
        // FNV-1a: stable across builds and platforms (std's hasher is seeded per process).
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in key.bytes() {
            hash ^= byte as u64;
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        (millis << 16) | (hash & 0xffff) as i64
    }
}

/// Leases a free (or stale) node tag for `node`; fails when all 64 are in use.
pub async fn claim_node_tag(db: &Database, node: &str) -> anyhow::Result<u32> {
    for tag in 0..NODE_TAGS {
        let now = now_millis();
        let rows = db
            .query(
                "INSERT INTO id_nodes (tag, node, heartbeat_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (tag) DO UPDATE SET node = excluded.node, heartbeat_at = excluded.heartbeat_at \
                 WHERE id_nodes.heartbeat_at < $4 RETURNING tag",
                vec![(tag as i64).into(), node.into(), now.into(), (now - TAG_STALE_MS).into()],
            )
            .await?;
        if !rows.rows.is_empty() {
            return Ok(tag);
        }
    }
    anyhow::bail!(
        "all {NODE_TAGS} id node tags are leased by running aerie nodes; stop one, or wait {} s for a crashed node's tag to go stale",
        TAG_STALE_MS / 1000
    )
}

/// Renews `node`'s tag; returns false when the tag was lost (taken over after a stall).
pub async fn renew_node_tag(db: &Database, node: &str, tag: u32) -> anyhow::Result<bool> {
    let changed = db
        .execute(
            "UPDATE id_nodes SET heartbeat_at = $1 WHERE tag = $2 AND node = $3",
            vec![now_millis().into(), (tag as i64).into(), Value::Text(node.to_string())],
        )
        .await?;
    Ok(changed == 1)
}

/// Gives `node`'s tag back (a short-lived command is done with it).
pub async fn release_node_tag(db: &Database, node: &str, tag: u32) -> anyhow::Result<()> {
    db.execute("DELETE FROM id_nodes WHERE tag = $1 AND node = $2", vec![(tag as i64).into(), node.into()]).await?;
    Ok(())
}

/// Keeps this node's tag alive for the life of the server; re-leases one if lost.
pub fn spawn_heartbeat(db: Database, node: String, ids: std::sync::Arc<IdGenerator>) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(TAG_HEARTBEAT).await;
            match renew_node_tag(&db, &node, ids.tag()).await {
                Ok(true) => {}
                Ok(false) => match claim_node_tag(&db, &node).await {
                    Ok(tag) => {
                        tracing::warn!(tag, "this node's id tag was taken over after a stall; leased a new one");
                        ids.set_tag(tag);
                    }
                    Err(e) => tracing::error!(error = %format!("{e:#}"), "could not lease a new id tag"),
                },
                Err(e) => tracing::warn!(error = %format!("{e:#}"), "renewing the id tag failed"),
            }
        }
    });
}

/// The millisecond timestamp an id was made at.
pub fn id_millis(id: i64) -> i64 {
    id >> 16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_at_a_past_time_are_stable_and_future_times_are_clamped() {
        let ids = IdGenerator::new(1);
        let published = now_millis() - 86_400_000;
        let a = ids.at(published, "https://remote.example/notes/1");
        assert_eq!(a, ids.at(published, "https://remote.example/notes/1"));
        assert_ne!(a, ids.at(published, "https://remote.example/notes/2"));
        assert_eq!(id_millis(a), published);
        let before = now_millis();
        let future = ids.at(before + 3_600_000, "https://remote.example/notes/3");
        assert!(id_millis(future) >= before && id_millis(future) <= now_millis() + 1);
    }

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
