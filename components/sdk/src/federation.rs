//! Server-to-server traffic through the host's `aerie:host/federation` capability:
//! signed fetches of remote documents and durable, signed delivery to inboxes.

#[cfg(not(all(feature = "native-harness", not(target_arch = "wasm32"))))]
use crate::bindings::aerie::host::federation as host;
#[cfg(all(feature = "native-harness", not(target_arch = "wasm32")))]
use crate::harness::federation as host;

pub use host::Error;

// wit-bindgen derives Display and std::error::Error for the variant.

impl Error {
    /// Whether trying again later may succeed (network trouble, a 5xx or 429).
    pub fn is_temporary(&self) -> bool {
        matches!(self, Error::Unavailable(_))
    }
}

/// GETs an ActivityPub document (actor, object, collection), signed by the instance
/// actor, and parses it as JSON.
pub fn fetch_json(url: &str) -> Result<serde_json::Value, Error> {
    let body = host::fetch(url, None)?;
    serde_json::from_str(&body).map_err(|e| Error::Invalid(format!("{url} is not JSON: {e}")))
}

/// GETs `url` with the given `Accept` (WebFinger: `application/jrd+json`) and parses it as JSON.
pub fn fetch_json_as(url: &str, accept: &str) -> Result<serde_json::Value, Error> {
    let body = host::fetch(url, Some(accept))?;
    serde_json::from_str(&body).map_err(|e| Error::Invalid(format!("{url} is not JSON: {e}")))
}

/// Queues `activity` for each inbox, signed by local account `sender` (none: the
/// instance actor). Duplicate inboxes are sent once. Returns how many were queued.
pub fn deliver(sender: Option<i64>, activity: &serde_json::Value, inboxes: &[String]) -> Result<u32, Error> {
    if inboxes.is_empty() {
        return Ok(0);
    }
    host::deliver(sender, &activity.to_string(), inboxes)
}
