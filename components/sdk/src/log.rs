//! Logging into the host's log; each line is tagged with the calling component's id.

#[cfg(not(all(feature = "native-harness", not(target_arch = "wasm32"))))]
use crate::bindings::aerie::host::log as host;
#[cfg(all(feature = "native-harness", not(target_arch = "wasm32")))]
use crate::harness::log as host;

pub use host::Level;

/// Logs `message` at `level`.
pub fn log(level: Level, message: &str) {
    host::log(level, message);
}

/// Logs a warning.
pub fn warn(message: &str) {
    host::log(Level::Warn, message);
}

/// Logs an informational line.
pub fn info(message: &str) {
    host::log(Level::Info, message);
}
