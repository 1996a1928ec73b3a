//! The component's own key-value namespace (`grants.kv = true`).

#[cfg(not(all(feature = "native-harness", not(target_arch = "wasm32"))))]
use crate::bindings::aerie::host::kv as host;
#[cfg(all(feature = "native-harness", not(target_arch = "wasm32")))]
use crate::harness::kv as host;

pub use host::Error;

/// The value at `key`; `None` when there is none (or it expired). `Err` when kv is not
/// granted or the store is unavailable.
pub fn get(key: &str) -> Result<Option<Vec<u8>>, Error> {
    host::get(key)
}

/// Sets `key`; with `ttl_ms` it expires after that many milliseconds.
pub fn set(key: &str, value: &[u8], ttl_ms: Option<u64>) -> Result<(), Error> {
    host::set(key, value, ttl_ms)
}

/// Removes `key`; whether it was there.
pub fn delete(key: &str) -> Result<bool, Error> {
    host::delete(key)
}

/// Up to `limit` keys starting with `prefix`, in order.
pub fn list_keys(prefix: &str, limit: u32) -> Result<Vec<String>, Error> {
    host::list_keys(prefix, limit)
}

/// Atomically adds `delta` to the counter at `key` and returns the new value.
pub fn increment(key: &str, delta: i64) -> Result<i64, Error> {
    host::increment(key, delta)
}
