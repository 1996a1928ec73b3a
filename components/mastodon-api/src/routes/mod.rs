//! Handlers, one file per URL.
pub mod api;
pub mod missing;
pub mod nodeinfo;
pub mod web;

use aerie_sdk::http::Response;

/// The answer when the database cannot be read: logged, and a safe 503 for the client.
pub fn unavailable(error: aerie_sdk::db::Error) -> Response {
    aerie_sdk::log::warn(&format!("reading instance data failed: {error}"));
    Response::error(503, "The instance database is unavailable, try again shortly")
}
