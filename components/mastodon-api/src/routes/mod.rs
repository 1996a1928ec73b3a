//! Handlers, one file per URL.
pub mod api;
pub mod missing;
pub mod nodeinfo;
pub mod web;

use aerie_guest::http::Response;

/// The answer when the database cannot be read: logged, and a safe 503 for the client.
pub fn unavailable(error: aerie_guest::db::Error) -> Response {
    aerie_guest::log::warn(&format!("reading instance data failed: {error}"));
    Response::error(503, "The instance database is unavailable, try again shortly")
}
