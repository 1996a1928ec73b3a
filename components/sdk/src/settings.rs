//! The component's settings (the `config` table of its manifest entry), time and ids.

#[cfg(not(all(feature = "native-harness", not(target_arch = "wasm32"))))]
use crate::bindings::aerie::host::{clock, config};
#[cfg(all(feature = "native-harness", not(target_arch = "wasm32")))]
use crate::harness::{clock, config};

/// Setting `key`, if the manifest entry has it.
pub fn get(key: &str) -> Option<String> {
    config::get(key)
}

/// Milliseconds since the Unix epoch, from the host.
pub fn now_millis() -> i64 {
    clock::now_millis()
}

/// A 64-bit time-ordered id from the host.
pub fn next_id() -> i64 {
    clock::next_id()
}

/// The id for an object made at `millis` elsewhere (a remote status's `published`),
/// keyed by its URI: stable for the same object, clamped to now for future times.
pub fn id_at(millis: i64, key: &str) -> i64 {
    clock::id_at(millis, key)
}
